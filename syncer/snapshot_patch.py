"""Brings a byte copy of the previous read snapshot level with the warehouse, row by row, where a whole copy would
write and compress every row again.

A whole copy (syncer/snapshot.py: COPY FROM DATABASE into the older storage format BI readers open) costs the
size of the warehouse: 13-17 s at 100k participants after a cycle that changed a few thousand rows. A patch costs
a byte copy of the old snapshot (no recompression: it is in the right format already), reading the warehouse's
rows once to hash them, and writing only the rows that differ. With the copier's connection (`warehouse`
attached read-only, the copy attached as `snapshot`):

1. The definitions must be the same (sql/snapshot/definition_differences.sql returns no row): else the tables,
   views or comments differ, and only a whole copy carries them.
2. Each table's digest (its row count and the sum of its rows' 64-bit hashes, sql/snapshot/table_digest.sql)
   is computed from the warehouse and compared with the snapshot's, as recorded in its snapshot_tables when it
   was last patched (or computed from the snapshot when it has none, after a whole copy).
3. Each table whose digest differs is patched (sql/snapshot/patch_table.sql): rows are matched as a multiset of
   row hashes, those only the snapshot holds are deleted and those only the warehouse holds are inserted.
4. The warehouse's digests are recorded for the next publication.

Rows are told apart by a 64-bit hash: a changed row whose hash equals another row's of the same table would go
unpatched, a chance of about one in 10^9 per publication of 10 000 changed rows at a million rows a table. A
snapshot is copied whole again when it has grown past GROWTH_LIMIT times the warehouse's size (deleted rows leave
space behind that DuckDB reuses only in part), and whenever the definitions change, which compacts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from syncer import sqlfiles

GROWTH_LIMIT = 1.5  # a snapshot larger than this many times the warehouse's file is copied whole instead

Digest = tuple[int, int]  # (row count, sum of the rows' hashes)


@dataclass(frozen=True)
class Patched:
    tables: int  # tables whose rows differed
    deleted: int  # rows deleted from the snapshot
    inserted: int  # rows inserted into it


def patchable(previous: Path, warehouse: Path) -> bool:
    """Whether the snapshot at `previous` is small enough to patch rather than copy whole."""
    return previous.stat().st_size <= GROWTH_LIMIT * warehouse.stat().st_size


def has_own_tables(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the snapshot records what it holds as this version does (one from an older syncer is copied whole)."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = 'snapshot' AND schema_name = 'main' "
        "AND (table_name, column_name) IN (('snapshot_publication', 'copied_at'), ('snapshot_tables', 'row_hash_sum'))"
    ).fetchone()
    return row is not None and row[0] == 2


def definition_differences(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute(sqlfiles.read("snapshot/definition_differences.sql")).fetchall()


def tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'warehouse' AND schema_name = 'main' "
        "ORDER BY table_name"
    ).fetchall()
    return [name for (name,) in rows]


def digest(con: duckdb.DuckDBPyConnection, database: str, table: str) -> Digest:
    row = con.execute(sqlfiles.read("snapshot/table_digest.sql").format(database=database, table=table)).fetchone()
    assert row is not None  # an aggregate answers one row
    return int(row[0]), int(row[1])


def recorded_digests(con: duckdb.DuckDBPyConnection) -> dict[str, Digest]:
    rows = con.execute("SELECT table_name, row_count, row_hash_sum FROM snapshot.snapshot_tables").fetchall()
    return {name: (int(count), int(hash_sum)) for name, count, hash_sum in rows}


def patch_table(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int]:
    """(deleted, inserted): snapshot.<table> made to hold exactly the rows of warehouse.<table>."""
    statements = [s for s in sqlfiles.read("snapshot/patch_table.sql").format(table=table).split(";\n") if s.strip()]
    create_warehouse_rows, create_snapshot_rows, delete, insert = statements
    con.execute(create_warehouse_rows)
    con.execute(create_snapshot_rows)
    ((deleted,),) = con.execute(delete).fetchall()
    ((inserted,),) = con.execute(insert).fetchall()
    con.execute("DROP TABLE warehouse_rows; DROP TABLE snapshot_rows")
    return int(deleted), int(inserted)


def patch(con: duckdb.DuckDBPyConnection, stamp: str) -> Patched | None:
    """Brings the attached `snapshot` level with the attached `warehouse` and records `stamp` in it, in one
    transaction; None (and nothing changed) where the definitions differ and only a whole copy will do."""
    if not has_own_tables(con) or definition_differences(con):
        return None
    con.execute("BEGIN")
    try:
        recorded = recorded_digests(con)
        after: dict[str, Digest] = {}
        changed = deleted = inserted = 0
        for table in tables(con):
            after[table] = digest(con, "warehouse", table)
            if after[table] == (recorded[table] if table in recorded else digest(con, "snapshot", table)):
                continue
            gone, new = patch_table(con, table)
            changed, deleted, inserted = changed + 1, deleted + gone, inserted + new
        con.execute("DELETE FROM snapshot.snapshot_tables")
        con.executemany("INSERT INTO snapshot.snapshot_tables VALUES (?, ?, ?)", [(t, *d) for t, d in after.items()])
        con.execute("UPDATE snapshot.snapshot_publication SET content_stamp = ?, published_at = now()", [stamp])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return Patched(changed, deleted, inserted)
