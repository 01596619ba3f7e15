"""The one door to the DuckDB warehouse: the connection and its settings, the single-writer lock, the
migrations, and transactions. Every module that reads or writes the file goes through a `Warehouse`:

    with Warehouse(path) as warehouse:            # read-write: creates and migrates the file
        with warehouse.transaction() as con:      # all or nothing: ROLLBACK on any exception
            con.execute(...)
    with Warehouse(path, read_only=True) as w:    # a reader: never migrates, never takes the write lock
        w.query(...)

DuckDB lets one process write a file: a second writer (or a reader while a writer holds it) gets
WarehouseLocked, with a message saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb

from syncer import sqlfiles
from syncer.errors import StoreError, WarehouseLocked

DuckConfig = dict[str, str | bool | int | float | list[str]]

# bounded memory for a long-running daemon; checkpoints in large steps rather than every few pages. DuckDB fills
# its buffer pool up to the limit with whatever it read or wrote last, so the limit is most of what the process
# holds (the finance layer at 1M declarations fits it: syncer/views.py builds its big models in parts). One
# thread: a second doubles the memory every hash join and sort of a statement holds (an incremental refresh of
# the finance layer on two ran out of the limit after a few days at 100k participants), a sync's statements, a
# few pages each, gain nothing from it, and a full build of the finance layer on two leaves each part's last row
# groups partly filled, which the next checkpoint rewrites (2 s at 100k participants, more than it saved)
SETTINGS: DuckConfig = {
    "memory_limit": "144MB",
    "threads": 1,
    "checkpoint_threshold": "256MB",
    "preserve_insertion_order": False,
}


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


@contextmanager
def in_transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT around the block; ROLLBACK and re-raise if anything in it fails (or is interrupted).
    A COMMIT that fails (a disk full, a conflict) has already ended the transaction: its error is the one
    raised, not a ROLLBACK's complaint that no transaction is active."""
    con.execute("BEGIN")
    try:
        yield con
    except BaseException:
        with suppress(duckdb.Error):  # the block's own error says what went wrong
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


class Warehouse:
    def __init__(self, path: Path | str, read_only: bool = False, stop_before: str | None = None) -> None:
        """Opens the warehouse. Read-write (the default) creates it and applies the migrations it lacks;
        `stop_before` leaves it as the version before that migration (e.g. "008") left it, for migration tests.
        `read_only` opens an existing file as a reader would: no migration, no write lock."""
        self.path = Path(path)
        self.read_only = read_only
        if read_only:
            if not self.path.is_file():
                raise StoreError(f"no warehouse at {self.path}: run `syncer sync` first")
            self.con = connect(self.path, read_only=True)
        else:
            if self.path.parent and not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.con = connect(self.path, config=SETTINGS)
        # key_hash renders timestamp keys as text: one zone makes that independent of the machine's. DuckDB draws
        # no progress bar of its own on a long statement: the CLI and the daemon's logs say what is going on
        self.con.execute("SET TimeZone = 'UTC'; SET enable_progress_bar = false")
        if not read_only:
            self.migrate(stop_before)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """The warehouse's connection in_transaction()."""
        return in_transaction(self.con)

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
            with self.transaction() as con:
                con.execute(sqlfiles.read(f"schema/{name}"))
                con.execute("INSERT INTO schema_migrations VALUES (?, now())", [name])

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

    def query(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params).fetchall()
