"""Brings a byte copy of the previous read snapshot level with the warehouse, row by row, where a whole copy would
write and compress every row again.

A whole copy (syncer/snapshot.py: COPY FROM DATABASE into the older storage format BI readers open) costs the
size of the warehouse: about 14 s at 100k participants, after a cycle that changed a few thousand rows. A patch
costs a byte copy of the old snapshot (no recompression: it is in the right format already), one reading of the
warehouse's rows to hash them, and writing only the rows that differ. With the copier's connection (`warehouse`
attached read-only, the copy attached as `snapshot`), in one transaction on the copy:

1. The definitions must be the same (sql/snapshot/definition_differences.sql returns no row), no table may have a
   column named rowid (it would hide the row ids a patch works by), and the snapshot must have been copied whole
   less than WHOLE_COPY_EVERY ago: else it is copied whole, definitions and all.
2. Each table's rows are hashed (sql/snapshot/table_rows.sql) and its digest (row count, sum of the hashes)
   compared with the snapshot's, as recorded in its snapshot_tables at the last patch (or worked out from the
   snapshot's rows after a whole copy, which records none).
3. Each table whose digest differs is patched (sql/snapshot/patch_table.sql): rows only the snapshot holds are
   deleted, rows only the warehouse holds inserted.
4. The warehouse's digests are recorded for the next publication.

A row's hash covers every column, nested ones (lists, structs, maps) as their text: DuckDB hashes NULL, [] and
[NULL] alike. It has 64 bits: a changed row whose hash equals another row's of the same table would go unpatched,
a chance of about one in 10^9 per publication of 10 000 changed rows at a million rows a table; the weekly whole
copy (WHOLE_COPY_EVERY) bounds how long such a difference could last. A snapshot is also copied whole when
patches have grown it past GROWTH_LIMIT times the warehouse's size (deleted rows leave space that DuckDB reuses
only in part), which compacts it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb

from syncer import sqlfiles
from syncer.warehouse import in_transaction

GROWTH_LIMIT = 1.5  # a snapshot larger than this many times the warehouse's file is copied whole instead
WHOLE_COPY_EVERY = timedelta(days=7)  # and one copied whole longer ago than this
NESTED = re.compile(r"(\]|^(STRUCT|MAP|UNION)\b)")  # a data type whose NULL and empty values hash alike

Digest = tuple[int, int]  # (row count, sum of the rows' hashes)


@dataclass(frozen=True)
class Patched:
    tables: int  # tables whose rows differed
    deleted: int  # rows deleted from the snapshot
    inserted: int  # rows inserted into it


def patchable(previous: Path, warehouse: Path) -> bool:
    """Whether the snapshot at `previous` is small enough to patch rather than copy whole."""
    return previous.stat().st_size <= GROWTH_LIMIT * warehouse.stat().st_size


def due_for_whole_copy(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the attached snapshot lacks what a patch needs (one from an older syncer), or was copied whole
    longer than WHOLE_COPY_EVERY ago."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = 'snapshot' AND schema_name = 'main' "
        "AND (table_name, column_name) IN (('snapshot_publication', 'copied_at'), ('snapshot_tables', 'row_hash_sum'))"
    ).fetchone()
    if found is None or found[0] != 2:
        return True
    copied = con.execute("SELECT min(copied_at) > now() - ? FROM snapshot.snapshot_publication", [WHOLE_COPY_EVERY])
    row = copied.fetchone()
    return not (row and row[0])


def definition_differences(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute(sqlfiles.read("snapshot/definition_differences.sql")).fetchall()


def tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    """{table: [(column, data type), ...] in order} of the warehouse's tables (not its views)."""
    rows = con.execute(
        "SELECT c.table_name, list((c.column_name, c.data_type) ORDER BY c.column_index) "
        "FROM duckdb_columns() AS c JOIN duckdb_tables() AS t USING (database_name, schema_name, table_name) "
        "WHERE c.database_name = 'warehouse' AND c.schema_name = 'main' GROUP BY c.table_name ORDER BY 1"
    ).fetchall()
    return {name: [tuple(column) for column in columns] for name, columns in rows}


def hides_row_ids(columns: list[tuple[str, str]]) -> bool:
    """Whether a column named rowid would hide the row ids a patch deletes and inserts by."""
    return any(name.lower() == "rowid" for name, _ in columns)


def row_hash(columns: list[tuple[str, str]]) -> str:
    """SQL hashing a row from all its columns, nested ones as text."""
    quoted = ['"' + name.replace('"', '""') + '"' for name, _ in columns]
    parts = [f"CAST({q} AS VARCHAR)" if NESTED.search(t) else q for q, (_, t) in zip(quoted, columns, strict=True)]
    return f"hash({', '.join(parts)})"


def hashed(con: duckdb.DuckDBPyConnection, database: str, table: str, hashing: str) -> Digest:
    """Hashes the rows of `database`.`table` into the temp table <database>_rows; answers its digest."""
    con.execute(sqlfiles.read("snapshot/table_rows.sql").format(database=database, table=table, row_hash=hashing))
    row = con.execute(f"SELECT count(*), coalesce(sum(row_hash), 0)::HUGEINT FROM {database}_rows").fetchone()
    assert row is not None  # an aggregate answers one row
    return int(row[0]), int(row[1])


def recorded_digests(con: duckdb.DuckDBPyConnection) -> dict[str, Digest]:
    rows = con.execute("SELECT table_name, row_count, row_hash_sum FROM snapshot.snapshot_tables").fetchall()
    return {name: (int(count), int(hash_sum)) for name, count, hash_sum in rows}


def patch_table(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int]:
    """(deleted, inserted): snapshot.<table> made to hold exactly the rows of warehouse.<table>, both hashed."""
    delete, insert = sqlfiles.read("snapshot/patch_table.sql").format(table=table).split(";\n\n")
    ((deleted,),) = con.execute(delete).fetchall()
    ((inserted,),) = con.execute(insert).fetchall()
    return int(deleted), int(inserted)


def patch(con: duckdb.DuckDBPyConnection, stamp: str) -> Patched | None:
    """Brings the attached `snapshot` level with the attached `warehouse` and records `stamp` in it, in one
    transaction (its temp tables of rows go with the copier's connection); None (and nothing changed) where only
    a whole copy will do."""
    columns = tables(con)
    if due_for_whole_copy(con) or definition_differences(con) or any(map(hides_row_ids, columns.values())):
        return None
    with in_transaction(con):
        return patch_tables(con, stamp, columns)


def patch_tables(con: duckdb.DuckDBPyConnection, stamp: str, columns: dict[str, list[tuple[str, str]]]) -> Patched:
    """Patches each of the warehouse's tables (`columns`: tables()) whose digest differs from the snapshot's."""
    recorded = recorded_digests(con)
    after: dict[str, Digest] = {}
    changed = deleted = inserted = 0
    for table, table_columns in columns.items():
        hashing = row_hash(table_columns)
        after[table] = hashed(con, "warehouse", table, hashing)
        if table in recorded:
            if after[table] == recorded[table]:
                continue
            hashed(con, "snapshot", table, hashing)
        elif after[table] == hashed(con, "snapshot", table, hashing):
            continue
        gone, new = patch_table(con, table)
        changed, deleted, inserted = changed + 1, deleted + gone, inserted + new
    con.execute("DELETE FROM snapshot.snapshot_tables")
    con.executemany("INSERT INTO snapshot.snapshot_tables VALUES (?, ?, ?)", [(t, *d) for t, d in after.items()])
    con.execute("UPDATE snapshot.snapshot_publication SET content_stamp = ?, published_at = now()", [stamp])
    return Patched(changed, deleted, inserted)
