"""The DuckDB warehouse: migrations, the single-writer lock, and one transaction per batch of pages.

`apply_batch` is the only write path for API data: it stages the batch's raw items, records declaration
history, upserts the table and its child tables in bulk, and, on a stream's last batch, commits the new
watermark (and, after a full scan, the removals) in the same transaction, so a checkpoint can never be ahead
of the data it describes.

Entity keys are unique by construction rather than by a declared PRIMARY KEY: each batch is de-duplicated by
key, classified against the stored keys and written inside one transaction, and only one process can hold
the file. (An ART index would cost DuckDB 40% of a full sync's write time.)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from syncer import sqlfiles
from syncer.errors import StoreError, WarehouseLocked
from syncer.streams import REMAPPED, Child, Stream

BOOKKEEPING = ("first_seen_at", "last_seen_at", "removed_at")
DuckConfig = dict[str, str | bool | int | float | list[str]]
Bad = tuple[str, str, str | None]  # an item that failed validation: (its JSON text, the error, its id if any)


@dataclass(frozen=True)
class WriteCounts:
    records: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    removed: int = 0


@dataclass(frozen=True)
class Finish:
    """Closes a stream's scan in its last batch's transaction."""

    watermark: datetime
    full: bool
    scan_started_at: datetime  # every row seen by this scan has last_seen_at >= this
    api_clock_at: datetime | None = None  # the API's Date at the scan's first page (the service's "now")


@dataclass(frozen=True)
class RunRef:
    run_id: str
    source: str
    stream: str


def connect(path: Path | str, read_only: bool = False, config: DuckConfig | None = None) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only, config=config or {})
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseLocked(
                f"warehouse {path} is in use by another process (a sync or the daemon is running); "
                f"try again when it finishes. DuckDB said: {exc}"
            ) from exc
        raise StoreError(f"cannot open warehouse {path}: {exc}") from exc


# bounded memory for a long-running daemon; checkpoints in large steps rather than every few pages
SETTINGS: DuckConfig = {
    "memory_limit": "256MB",
    "checkpoint_threshold": "256MB",
    "preserve_insertion_order": False,
}


class Warehouse:
    def __init__(self, path: Path | str, stop_before: str | None = None) -> None:
        """Opens (creating) the warehouse and applies the migrations it lacks; `stop_before` leaves it as the
        version before that migration (e.g. "008") left it, for migration tests."""
        self.path = Path(path)
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = connect(self.path, config=SETTINGS)
        # key_hash renders timestamp keys as text: one zone makes that independent of the machine's. DuckDB draws
        # no progress bar of its own on a long statement: the CLI and the daemon's logs say what is going on
        self.con.execute("SET TimeZone = 'UTC'; SET enable_progress_bar = false")
        self.migrate(stop_before)
        self.states: dict[tuple[str, str], tuple[datetime | None, datetime | None]] | None = None

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ---------------------------------------------------------------------------------------------
    def migrate(self, stop_before: str | None = None) -> None:
        """Applies sql/schema/NNN_*.sql in order, each once, recorded in schema_migrations; each in its own
        transaction, rolled back whole if it fails. `stop_before`: none from the file whose name starts so."""
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ)"
        )
        done = {row[0] for row in self.con.execute("SELECT name FROM schema_migrations").fetchall()}
        for name in sqlfiles.listing("schema"):
            if stop_before is not None and name >= stop_before:
                break
            if name in done:
                continue
            self.con.execute("BEGIN")
            try:
                self.con.execute(sqlfiles.read(f"schema/{name}"))
                self.con.execute("INSERT INTO schema_migrations VALUES (?, now())", [name])
                self.con.execute("COMMIT")
            except BaseException:
                self.con.execute("ROLLBACK")
                raise

    @cached_property
    def table_columns(self) -> dict[str, tuple[str, ...]]:
        """Every table's columns in order, read once: they never change after migrate()."""
        rows = self.con.execute(
            "SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns() "
            "WHERE schema_name = 'main' AND database_name = current_database() GROUP BY table_name"
        ).fetchall()
        return {table: tuple(columns) for table, columns in rows}

    def columns(self, table: str) -> tuple[str, ...]:
        found = self.table_columns.get(table)
        if found is None:
            raise StoreError(f"no table {table} in the warehouse")
        return found

    # -- runs and checkpoints -------------------------------------------------------------------------------
    def state(self, source: str, stream: str) -> tuple[datetime | None, datetime | None]:
        """(watermark, last full refresh) of a stream: every stream's read in one query, then kept up to date by
        the transactions that move them."""
        if self.states is None:
            rows = self.con.execute("SELECT source, stream, watermark, last_full_refresh_at FROM sync_state")
            self.states = {(row[0], row[1]): (row[2], row[3]) for row in rows.fetchall()}
        return self.states.get((source, stream), (None, None))

    def start_run(self, run: RunRef, mode: str, started_at: datetime, since: datetime | None) -> None:
        self.con.execute(
            "INSERT INTO sync_runs (run_id, source, stream, mode, started_at, updated_since, outcome) "
            "VALUES (?, ?, ?, ?, ?, ?, 'running')",
            [run.run_id, run.source, run.stream, mode, started_at, since],
        )

    def fail_run(self, run: RunRef, error: str, finished_at: datetime, requests: int) -> None:
        self.con.execute(
            "UPDATE sync_runs SET outcome = 'failed', error = ?, finished_at = ?, requests = ? "
            "WHERE run_id = ? AND source = ? AND stream = ?",
            [error[:2000], finished_at, requests, run.run_id, run.source, run.stream],
        )

    def close_interrupted_runs(self) -> int:
        """Runs still 'running' when we hold the lock were killed: say so instead of leaving them open."""
        rows = self.con.execute(
            "UPDATE sync_runs SET outcome = 'interrupted' WHERE outcome = 'running' RETURNING run_id"
        ).fetchall()
        return len(rows)

    # -- the write path -------------------------------------------------------------------------------------
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
        con = self.con
        con.execute("BEGIN")
        try:
            counts = self.stage_and_upsert(stream, source, raws, seen_at)
            quarantined = self.quarantine(stream, source, bad, seen_at)
            removed = self.finish_scan(stream, source, finish) if finish else 0
            saved = self.save_state(source, stream.name, finish) if finish else None
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
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        if saved is not None and self.states is not None:
            self.states[(source, stream.name)] = saved  # committed: what state() answers from now on
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
        """staged := sql/load/<table>.sql over `incoming`, each row classified against the warehouse as
        new, changed (payload differs, or it comes back after removal) or same (byte-identical). Rows are
        matched by key_hash and payloads compared by md5, so the join reads two 16-byte columns per stored
        row rather than the keys and the JSON; the stored values of `compared` come along as
        previous_<column> for the hooks. `unique`: the sync has already kept one item per key (a batch of
        children can still repeat one, e.g. a shared enrolment)."""
        if self.has_raw(table):
            digest = ", md5_number(raw) AS raw_md5"
            changed = "t.raw_md5 IS DISTINCT FROM loaded.raw_md5 OR t.removed_at IS NOT NULL"
        else:
            digest, changed = "", "false"
        distinct = "" if unique else f"DISTINCT ON ({', '.join(('source', *key))}) "
        previous = "".join(f", t.{c} AS previous_{c}" for c in compared)
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE staged AS SELECT loaded.*, "
            f"CASE WHEN t.key_hash IS NULL THEN 'new' WHEN {changed} THEN 'changed' ELSE 'same' END AS change"
            f"{previous} FROM (SELECT {distinct}*{digest}, {key_hash(key)} AS key_hash "
            f"FROM ({sqlfiles.read(f'load/{table}.sql')})) AS loaded "
            f"LEFT JOIN {table} AS t ON t.key_hash = loaded.key_hash"
        )
        for mapped_table, column, target in REMAPPED:
            if mapped_table == table:
                self.con.execute(sqlfiles.read("remap/staged.sql").format(column=column, target=target))

    def has_raw(self, table: str) -> bool:
        return "raw" in self.columns(table)

    def upsert(
        self,
        table: str,
        key: tuple[str, ...],
        hooks: tuple[str, ...] = (),
        compared: tuple[str, ...] = (),
        unique: bool = False,
    ) -> WriteCounts:
        """Bulk upsert of `incoming`: plain INSERT for new rows, UPDATE only where the payload changed, and
        only last_seen_at for byte-identical rows (the API bumps updated_at for changes we cannot see).
        A statement with no rows to write is not run (a full sync's batches are all new)."""
        self.stage(table, key, compared, unique)
        for hook in hooks:
            self.con.execute(sqlfiles.read(f"load/{table}.{hook}.sql")).fetchall()
        (counts,) = self.con.execute(
            "SELECT count(*), count(*) FILTER (WHERE change = 'new'), count(*) FILTER (WHERE change = 'changed'), "
            "count(*) FILTER (WHERE change = 'same') FROM staged"
        ).fetchall()
        for statement, rows in zip(write_sql(table, key, self.columns(table)), counts[1:], strict=True):
            if rows:
                self.con.execute(statement).fetchall()
        return WriteCounts(records=counts[0], inserted=counts[1], updated=counts[2], unchanged=counts[3])

    def upsert_child(self, child: Child, parents_changed: bool) -> None:
        self.upsert(child.table, child.key)
        if child.replaces and parents_changed:
            # a seen parent no longer lists these rows: they left scope (e.g. an enrolment superseded). Only a
            # changed parent can drop one: a new parent has no stored rows, an identical one lists the same
            self.con.execute(
                f"UPDATE {child.table} AS t SET removed_at = i.seen_at "
                f"FROM (SELECT DISTINCT source, raw ->> '$.id' AS parent_id, seen_at FROM incoming) AS i "
                f"WHERE t.source = i.source AND t.{child.parent_column} = i.parent_id AND t.removed_at IS NULL "
                f"AND t.last_seen_at < i.seen_at"
            )

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
                rows = self.con.execute(
                    f"UPDATE {table} SET removed_at = $now WHERE source = $source AND removed_at IS NULL "
                    f"AND last_seen_at < $scan_started RETURNING 1",
                    {"now": now, "source": source, "scan_started": finish.scan_started_at},
                ).fetchall()
                if table == stream.table:
                    removed = len(rows)
            for hook in stream.removal_hooks:
                self.con.execute(
                    sqlfiles.read(f"load/{stream.table}.{hook}.sql"), {"source": source, "removed_at": now}
                )
        return removed

    def save_state(self, source: str, stream: str, finish: Finish) -> tuple[datetime | None, datetime | None]:
        """Writes the stream's new watermark (and last full refresh); answers them as stored."""
        state = {
            "source": source,
            "stream": stream,
            "watermark": finish.watermark,
            "full_at": finish.scan_started_at if finish.full else None,
            "api_clock_at": finish.api_clock_at,
        }
        # an UPDATE, then an INSERT the first time: half the cost of INSERT ... ON CONFLICT on every scan
        saved = self.con.execute(
            "UPDATE sync_state SET watermark = $watermark, last_full_refresh_at = coalesce($full_at, "
            "last_full_refresh_at), updated_at = now(), api_clock_at = coalesce($api_clock_at, api_clock_at) "
            "WHERE source = $source AND stream = $stream RETURNING watermark, last_full_refresh_at",
            state,
        ).fetchone()
        if saved is None:
            saved = self.con.execute(
                "INSERT INTO sync_state (source, stream, watermark, last_full_refresh_at, updated_at, api_clock_at) "
                "VALUES ($source, $stream, $watermark, $full_at, now(), $api_clock_at) "
                "RETURNING watermark, last_full_refresh_at",
                state,
            ).fetchone()
        assert saved is not None  # an INSERT ... RETURNING answers its row
        return saved[0], saved[1]

    def query(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params).fetchall()


def key_hash(key: tuple[str, ...]) -> str:
    """The SQL for a row's key_hash (sql/schema/007_key_hash.sql computed it for rows stored before it existed)."""
    parts = ", ".join(f"CAST({k} AS VARCHAR)" for k in ("source", *key))
    return f"md5_number(concat_ws(chr(31), {parts}))"


def write_sql(table: str, key: tuple[str, ...], columns: tuple[str, ...]) -> list[str]:
    data = [c for c in columns if c not in BOOKKEEPING]
    keys = ("source", *key, "key_hash")
    join = "t.key_hash = s.key_hash"
    removable = "removed_at" in columns
    bookkeeping = ["first_seen_at", "last_seen_at"] + (["removed_at"] if removable else [])
    values = ["seen_at", "seen_at"] + (["NULL"] if removable else [])
    sets = [f"{c} = s.{c}" for c in data if c not in keys] + ["last_seen_at = s.seen_at"]
    sets += ["removed_at = NULL"] if removable else []
    return [
        f"INSERT INTO {table} ({', '.join(data + bookkeeping)}) "
        f"SELECT {', '.join(data + values)} FROM staged WHERE change = 'new'",
        f"UPDATE {table} AS t SET {', '.join(sets)} FROM staged AS s WHERE {join} AND s.change = 'changed'",
        f"UPDATE {table} AS t SET last_seen_at = s.seen_at FROM staged AS s WHERE {join} AND s.change = 'same'",
    ]
