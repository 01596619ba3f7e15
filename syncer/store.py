"""The write path for API data: one transaction per batch of whole pages.

`Store.apply_batch` is the only way API data reaches the warehouse: it stages the batch's raw items, records
declaration history, upserts the table and its child tables in bulk, and, on a stream's last batch, commits the
new watermark (and, after a full scan, the removals) in the same transaction, so a checkpoint can never be
ahead of the data it describes.

Entity keys are unique by construction rather than by a declared PRIMARY KEY: each batch is de-duplicated by
key, classified against the stored keys and written inside one transaction, and only one process can hold
the file. (An ART index would cost DuckDB 40% of a full sync's write time.)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa

from syncer import sqlfiles
from syncer.bookkeeping import Finish, RunBook, RunRef
from syncer.loadsql import change_log_sql, removal_log_sql, stage_sql, write_sql
from syncer.streams import Child, Stream
from syncer.warehouse import Warehouse

Bad = tuple[str, str, str | None]  # an item that failed validation: (its JSON text, the error, its id if any)


@dataclass(frozen=True)
class WriteCounts:
    records: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    removed: int = 0

    def __add__(self, other: WriteCounts) -> WriteCounts:
        return WriteCounts(*(a + b for a, b in zip(vars(self).values(), vars(other).values(), strict=True)))


class Store:
    """Writes a sync's batches into `warehouse`, keeping `book` (its watermarks and runs) in step."""

    def __init__(self, warehouse: Warehouse, book: RunBook | None = None) -> None:
        self.warehouse = warehouse
        self.con = warehouse.con
        self.book = book or RunBook(warehouse)

    def apply_batch(
        self,
        stream: Stream,
        source: str,
        raws: list[pa.Array],
        bad: list[Bad],
        pages: int,
        seen_at: datetime,
        run: RunRef,
        requests: int,
        finish: Finish | None = None,
    ) -> WriteCounts:
        """One or more whole pages, all or nothing. `raws` are the pages' valid items as JSON text, at most one
        per key (the sync keeps the last of a key's repeats); `bad` are (raw text, error, id)."""
        with self.warehouse.transaction() as con:
            counts = self.stage_and_upsert(stream, source, raws, seen_at)
            quarantined = self.quarantine(stream, source, bad, seen_at)
            removed = self.finish_scan(stream, source, finish) if finish else 0
            saved = self.book.save_state(source, stream.name, finish) if finish else None
            con.execute(
                "UPDATE sync_runs SET pages = pages + ?, records = records + ?, inserted = inserted + ?, "
                "updated = updated + ?, unchanged = unchanged + ?, quarantined = quarantined + ?, "
                "removed = removed + ?, requests = ?, "
                "outcome = CASE WHEN ? THEN 'success' ELSE outcome END, "
                "finished_at = CASE WHEN ? THEN now() ELSE finished_at END "
                "WHERE run_id = ? AND source = ? AND stream = ?",
                [
                    pages, counts.records, counts.inserted, counts.updated, counts.unchanged, quarantined, removed,
                    requests, finish is not None, finish is not None, run.run_id, run.source, run.stream,
                ],
            )  # fmt: skip
        if saved is not None:
            self.book.remember(source, stream.name, saved)  # committed: what state() answers from now on
        return WriteCounts(counts.records, counts.inserted, counts.updated, counts.unchanged, quarantined, removed)

    def stage_and_upsert(self, stream: Stream, source: str, raws: list[pa.Array], seen_at: datetime) -> WriteCounts:
        count = sum(len(chunk) for chunk in raws)
        if not count:
            return WriteCounts()
        con = self.con
        batch = pa.table(
            {
                "source": pa.repeat(pa.scalar(source, pa.string()), count),
                "raw": pa.chunked_array(raws, pa.string()),
                "seen_at": pa.repeat(pa.scalar(seen_at, pa.timestamp("us", tz="UTC")), count),
            }
        )
        # the registered Arrow table is read where it lies, not copied first. raw stays VARCHAR while staged (the
        # JSON functions read it as it is); a JSON cast would be evaluated once per use, and the table's JSON
        # column validates it once on insert anyway
        con.register("incoming", batch)
        try:
            counts = self.upsert(stream.table, stream.key, stream.hooks, stream.compared, unique=True)
            for child in stream.children:
                self.upsert_child(child, parents_changed=counts.updated > 0)
        finally:
            con.unregister("incoming")
        return counts

    def stage(self, table: str, key: tuple[str, ...], compared: tuple[str, ...], unique: bool) -> None:
        for statement in stage_sql(table, key, compared, unique, self.has_raw(table)):
            self.con.execute(statement)

    def has_raw(self, table: str) -> bool:
        return "raw" in self.warehouse.columns(table)

    def upsert(
        self,
        table: str,
        key: tuple[str, ...],
        hooks: tuple[str, ...] = (),
        compared: tuple[str, ...] = (),
        unique: bool = False,
    ) -> WriteCounts:
        """Bulk upsert of `incoming`: plain INSERT for new rows, a replacement (delete and insert, keeping
        first_seen_at: loadsql.write_sql says why) only where the payload changed, and only last_seen_at for
        byte-identical rows (the API bumps updated_at for changes we cannot see). A statement with no rows to
        write is not run (a full sync's batches are all new)."""
        self.stage(table, key, compared, unique)
        for hook in hooks:
            self.con.execute(sqlfiles.read(f"load/{table}.{hook}.sql")).fetchall()
        (counts,) = self.con.execute(
            "SELECT count(*), count(*) FILTER (WHERE change = 'new'), count(*) FILTER (WHERE change = 'changed'), "
            "count(*) FILTER (WHERE change = 'same') FROM staged"
        ).fetchall()
        for statement, rows in zip(write_sql(table, key, self.warehouse.columns(table)), counts[1:], strict=True):
            if rows:
                self.con.execute(statement).fetchall()
        if counts[1] or counts[2]:
            self.con.execute(change_log_sql(table))
        return WriteCounts(records=counts[0], inserted=counts[1], updated=counts[2], unchanged=counts[3])

    def upsert_child(self, child: Child, parents_changed: bool) -> None:
        self.upsert(child.table, child.key)
        if child.replaces and parents_changed:
            # a seen parent no longer lists these rows: they left scope (e.g. an enrolment superseded). Only a
            # changed parent can drop one: a new parent has no stored rows, an identical one lists the same
            parents = "(SELECT DISTINCT source, raw ->> '$.id' AS parent_id, seen_at FROM incoming) AS i"
            where = (
                f"t.source = i.source AND t.{child.parent_column} = i.parent_id AND t.removed_at IS NULL "
                f"AND t.last_seen_at < i.seen_at"
            )
            self.con.execute(removal_log_sql(child.table, f"{child.table} AS t, {parents}", where))
            self.con.execute(f"UPDATE {child.table} AS t SET removed_at = i.seen_at FROM {parents} WHERE {where}")

    def quarantine(self, stream: Stream, source: str, bad: list[Bad], seen_at: datetime) -> int:
        if not bad:
            return 0
        rows = [
            (source, stream.name, hashlib.md5(raw.encode()).hexdigest(), item_id, raw, error, seen_at, seen_at)
            for raw, error, item_id in bad
        ]
        self.con.executemany(
            "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (source, stream, fingerprint) "
            "DO UPDATE SET last_seen_at = excluded.last_seen_at, occurrences = quarantine.occurrences + 1, "
            "error = excluded.error",
            rows,
        )  # bad items are rare, so row-by-row is fine here
        return len(bad)

    def finish_scan(self, stream: Stream, source: str, finish: Finish) -> int:
        removed = 0
        if finish.full:
            now = datetime.now(UTC)
            for table in (stream.table, *(c.table for c in stream.children if c.replaces)):
                where = "t.source = $source AND t.removed_at IS NULL AND t.last_seen_at < $scan_started"
                scope = {"source": source, "scan_started": finish.scan_started_at}
                self.con.execute(removal_log_sql(table, f"{table} AS t", where), scope)
                rows = self.con.execute(
                    f"UPDATE {table} AS t SET removed_at = $now WHERE {where} RETURNING 1", {"now": now, **scope}
                ).fetchall()
                if table == stream.table:
                    removed = len(rows)
            for hook in stream.removal_hooks:
                self.con.execute(
                    sqlfiles.read(f"load/{stream.table}.{hook}.sql"), {"source": source, "removed_at": now}
                )
        return removed
