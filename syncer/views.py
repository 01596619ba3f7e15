"""The finance layer on top of the synced tables: lookup tables, views and the data dictionary's comments.

`refresh` runs at the end of every `syncer sync` and on `syncer views`, in one transaction. When the definitions
changed since the last refresh (the fingerprint in `finance_layer` differs) or on `syncer views --rebuild`, it

1. reloads each `ref_<name>` table from its versioned data file `data/ref/<name>.csv` (the tables' shape is
   fixed by sql/schema/005_reference_tables.sql; a file column the table does not have is an error);
2. creates or replaces the views of sql/views/ in file-name order (dependency order). Each file is a model, in
   the manner of dbt: a header comment saying which question it answers and a `-- materialized: view|table`
   line, one SELECT (a chain of CTEs), then the `COMMENT ON` statements for its view and columns. A `view`
   model becomes `CREATE OR REPLACE VIEW name AS <select>`; a `table` model is materialised into
   `cache_<name>` and `name` is a view of that cache, so queries cost a scan rather than the model's joins.
   A `table` model may add `-- built in parts by: <column>`: its rows are then materialised in up to 16
   statements, one per range of that column's values (syncer/parts.py). That bounds the memory a model over
   millions of rows needs and stores each range's rows together;
3. re-applies sql/comments/*.sql, the comments on every table and column the migrations create: one file per
   migration, named like it (sql/comments/002_participants.sql for sql/schema/002_participants.sql), so that
   a table's comments sit beside the migration that defines it;

and it rebuilds the materialised rows (`cache_<name>`) of the models marked `-- materialized: table` then. After
a sync that wrote data (finance_changes lists the rows it changed), it rebuilds only the cache rows those
changes reach, as each model's `-- refreshed by:` line says (syncer/incremental.py), so the cost follows the
size of the change; a run that changed nothing costs nothing here.

`data/` is top level in the repository and `syncer/data` inside an installed wheel, like sql/.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import duckdb
import structlog

from syncer import contracts as contract_file
from syncer import incremental, parts, sqlfiles
from syncer.contracts import Contracts
from syncer.errors import StoreError
from syncer.warehouse import Warehouse

log = structlog.get_logger(__name__)

REF_PREFIX = "ref_"
CACHE_PREFIX = "cache_"
MATERIALIZED = re.compile(r"^-- materialized: (\w+)\s*$", re.MULTILINE)
MATERIALIZED_TABLE = re.compile(r"^-- materialized: table\s*$", re.MULTILINE)
PARTS_BY = re.compile(r"^-- built in parts by: (\w+)\s*$", re.MULTILINE)
COMMENT_TARGET = re.compile(r"^COMMENT ON (?:TABLE|COLUMN) (\w+(?:\.\w+)?) IS ", re.IGNORECASE | re.MULTILINE)


def data_root() -> Path:
    return sqlfiles.shipped("data")


def reference_files() -> dict[str, Path]:
    """{table name: data file}, e.g. {"ref_declaration_states": .../data/ref/declaration_states.csv}."""
    return {f"{REF_PREFIX}{p.stem}": p for p in sorted((data_root() / "ref").glob("*.csv"))}


def view_files() -> list[str]:
    return sqlfiles.listing("views")


def comment_files() -> list[str]:
    return sqlfiles.listing("comments")


def view_name(file_name: str) -> str:
    """`100_declarations_current.sql` -> `declarations_current`."""
    return file_name.removesuffix(".sql").split("_", 1)[1]


def cache_name(view: str) -> str:
    return f"{CACHE_PREFIX}{view}"


@dataclass(frozen=True)
class Model:
    """One file of sql/views/: a SELECT, how it is materialised, and the COMMENT ON statements for its view."""

    name: str
    materialized: str  # view | table
    select: str
    comments: tuple[str, ...]
    parts_by: str | None = None  # a column of the SELECT: its rows are materialised range by range
    refreshed_by: tuple[incremental.Selector, ...] | None = None  # None: an incremental refresh rebuilds it whole
    refreshed_from: tuple[str, ...] = ()  # earlier models a refresh reads only the selected rows of

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection, file_name: str) -> Model:
        text = sqlfiles.read(f"views/{file_name}")
        found = MATERIALIZED.search(text)
        if found is None or found.group(1) not in ("view", "table"):
            raise StoreError(f"sql/views/{file_name} needs a '-- materialized: view|table' line")
        statements = con.extract_statements(text)
        if not statements or statements[0].type != duckdb.StatementType.SELECT:
            raise StoreError(f"sql/views/{file_name} must start with its SELECT")
        select, *comments = (s.query.strip().rstrip(";") for s in statements)
        parts = PARTS_BY.search(text)
        if parts is not None and found.group(1) != "table":
            raise StoreError(f"sql/views/{file_name}: only a '-- materialized: table' model is built in parts")
        refreshed_by, refreshed_from = incremental.read_header(text, file_name, found.group(1) == "table")
        return cls(
            view_name(file_name),
            found.group(1),
            select,
            tuple(comments),
            parts.group(1) if parts else None,
            refreshed_by,
            refreshed_from,
        )


@dataclass(frozen=True)
class Refreshed:
    reference_rows: dict[str, int]  # empty when the definitions were already current
    views: list[str]  # created or replaced (empty when the definitions were already current)
    skipped_comments: list[str]
    definitions_rebuilt: bool
    rows_rebuilt: bool  # the materialised rows were rebuilt: in full, or only where changes reached (incremental)
    contracts_loaded: bool = False  # the contracts tables were replaced from a changed contracts file
    incremental: bool = False  # only the rows the changes since the last refresh reach were rebuilt
    changes: int = 0  # the changed rows (finance_changes) the refresh caught up with


def load_reference(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Each ref table's rows from its data file, left as they are where they already match it: a write would load
    the table's primary key index into memory (a megabyte or two each) for the rest of the transaction."""
    loaded = {}
    for table, path in reference_files().items():
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE reference_file AS SELECT * FROM {table} LIMIT 0")
            con.execute(
                "INSERT INTO reference_file BY NAME SELECT * FROM read_csv($path, header = true, all_varchar = true)",
                {"path": str(path)},
            )
            differing = con.execute(
                f"SELECT count(*) FROM ((SELECT * FROM reference_file EXCEPT ALL SELECT * FROM {table}) "
                f"UNION ALL (SELECT * FROM {table} EXCEPT ALL SELECT * FROM reference_file))"
            ).fetchall()[0][0]
            if differing:
                con.execute(f"DELETE FROM {table}; INSERT INTO {table} SELECT * FROM reference_file")
        except duckdb.Error as exc:
            raise StoreError(f"cannot load {path} into {table}: {exc}") from exc
        row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
        loaded[table] = row[0] if row else 0
    con.execute("DROP TABLE IF EXISTS temp.reference_file")
    return loaded


def create_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Each model in file order. `view`: CREATE OR REPLACE VIEW over its SELECT. `table`: the SELECT is
    materialised into cache_<name> (rebuilt on every refresh) and the view of that name reads the cache, so
    that queries on it cost a table scan rather than the model's joins."""
    created = []
    for file_name in view_files():
        model = Model.read(con, file_name)
        try:
            if model.materialized == "table":
                materialise(con, model)
                con.execute(f"CREATE OR REPLACE VIEW {model.name} AS SELECT * FROM {cache_name(model.name)}")
            else:
                con.execute(f"CREATE OR REPLACE VIEW {model.name} AS {model.select}")
            for statement in model.comments:
                con.execute(statement)
            if model.materialized == "table":
                comment_cache(con, model.name)
        except duckdb.Error as exc:
            raise StoreError(f"cannot create the view in sql/views/{file_name}: {exc}") from exc
        created.append(model.name)
    drop_orphan_caches(con, {cache_name(m) for m in created})
    return created


def materialise(con: duckdb.DuckDBPyConnection, model: Model) -> None:
    """(Re)builds cache_<name> from the model's SELECT, part by part when it is built in parts."""
    cache = cache_name(model.name)
    if model.parts_by is not None:
        parts.build(con, cache, model.select, model.parts_by)
    else:
        con.execute(f"CREATE OR REPLACE TABLE {cache} AS {model.select}")


def drop_orphan_caches(con: duckdb.DuckDBPyConnection, wanted: set[str]) -> None:
    """Cache tables of models that are no longer materialised as tables (or no longer exist)."""
    for (table,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND starts_with(table_name, ?)",
        [CACHE_PREFIX],
    ).fetchall():
        if table not in wanted:
            con.execute(f"DROP TABLE {table}")


def comment_cache(con: duckdb.DuckDBPyConnection, view: str) -> None:
    """A cache table is documented by its view's comments."""
    cache = cache_name(view)
    text = f"Materialised rows of the view {view}, kept current by every sync and `syncer views`: query {view}."
    con.execute(f"COMMENT ON TABLE {cache} IS {quote(text)}")
    for column, comment in con.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ? AND comment IS NOT NULL", [view]
    ).fetchall():
        con.execute(f"COMMENT ON COLUMN {cache}.{column} IS {quote(comment)}")


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def comment_targets(con: duckdb.DuckDBPyConnection) -> set[str]:
    """What a COMMENT ON can name in the warehouse: each table, and each column of a table or view."""
    return {
        f"{table}.{column}" if column else table
        for table, column in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' AND NOT internal "
            "UNION ALL SELECT table_name, NULL FROM duckdb_tables() WHERE schema_name = 'main'"
        ).fetchall()
    }


def apply_comments(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Applies each COMMENT ON of sql/comments/, file by file; one whose table or column does not exist (yet, or
    any more) is skipped and answered, so a schema change never stops a sync over documentation. Tests keep the
    answer empty."""
    existing = comment_targets(con)
    skipped = []
    for name in comment_files():
        for statement in con.extract_statements(sqlfiles.read(f"comments/{name}")):
            target = COMMENT_TARGET.search(statement.query)
            if target is None:
                raise StoreError(
                    f"sql/comments/{name} may only hold COMMENT ON TABLE/COLUMN: {statement.query.strip()[:80]}"
                )
            if target.group(1) not in existing:
                skipped.append(target.group(1))
                continue
            con.execute(statement.query)
    if skipped:
        log.warning("comments skipped: no such table or column", targets=skipped)
    return skipped


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """What the definitions are built from: data files, model and comment SQL, migrations, DuckDB version."""
    digest = hashlib.sha256(duckdb.__version__.encode())
    for path in reference_files().values():
        digest.update(path.name.encode() + path.read_bytes())
    for name in view_files():
        digest.update(name.encode() + sqlfiles.read(f"views/{name}").encode())
    for name in comment_files():
        digest.update(name.encode() + sqlfiles.read(f"comments/{name}").encode())
    digest.update(repr(con.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()).encode())
    return digest.hexdigest()


def built(con: duckdb.DuckDBPyConnection) -> tuple[str | None, datetime | None]:
    """The fingerprint the definitions were built from, and when the materialised rows were last built."""
    row = con.execute("SELECT max(fingerprint), max(rows_built_at) FROM finance_layer").fetchone()
    return (row[0], row[1]) if row else (None, None)


def rebuild_caches(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Only the materialised rows, for definitions that are already in place."""
    rebuilt = []
    for file_name in view_files():
        model = Model.read(con, file_name)
        if model.materialized == "table":
            try:
                materialise(con, model)
                comment_cache(con, model.name)
            except duckdb.Error as exc:
                raise StoreError(f"cannot materialise sql/views/{file_name}: {exc}") from exc
            rebuilt.append(model.name)
    return rebuilt


def refresh_changed_rows(con: duckdb.DuckDBPyConnection) -> bool:
    """Only the cache rows the pending changes reach (syncer/incremental.py); False where every cache was rebuilt
    in full instead."""
    targets = [
        incremental.Target(
            file_name, model.name, cache_name(model.name), model.select, model.refreshed_by, model.refreshed_from
        )
        for file_name in view_files()
        if (model := Model.read(con, file_name)).materialized == "table"
    ]
    return incremental.refresh_changed_rows(con, targets, rebuild_caches)


def refresh(
    warehouse: Warehouse, force: bool = False, rows: bool = False, contracts: Contracts | None = None
) -> Refreshed:
    """All or nothing: the reference data, views and comments when their definitions changed (or `force`), with
    every materialised row; else the rows the writes since the last refresh reach (finance_changes), or every
    row when `rows` says the data changed some other way; and the contracts tables when `contracts` (already
    validated) differs from what they hold. The money views read those tables directly, so no rows need
    rebuilding for them. It starts with a checkpoint: DuckDB holds the rows written since the last one (a sync's,
    or an earlier refresh's on this connection) in its memory, where a build would have to spill them or run out
    of memory beside them; the checkpoint at close costs that much less."""
    warehouse.con.execute("CHECKPOINT")
    with warehouse.transaction() as con:
        loaded = contract_file.write(con, contracts) if contracts is not None else False
        current = fingerprint(con)
        fingerprint_built, rows_built_at = built(con)
        changes = incremental.pending(con)
        if force or current != fingerprint_built or missing_views(con):
            result = Refreshed(load_reference(con), create_views(con), apply_comments(con), True, True)
            incremental.forget_changes(con)
        elif rows:
            result = Refreshed({}, [], [], False, bool(rebuild_caches(con)))
            incremental.forget_changes(con)
        elif changes:
            result = Refreshed({}, [], [], False, True, incremental=refresh_changed_rows(con))
        else:
            result = Refreshed({}, [], [], False, False)
        result = replace(result, changes=changes)
        if loaded:
            result = replace(result, contracts_loaded=True)
        if result.definitions_rebuilt or result.rows_rebuilt:
            con.execute("DELETE FROM finance_layer")
            con.execute(
                "INSERT INTO finance_layer VALUES (?, CASE WHEN ? THEN now() ELSE ? END, now())",
                [current, result.definitions_rebuilt, rows_built_at],
            )
    return result


def missing_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The product's views that a warehouse lacks, or whose materialised rows it lacks (it was never refreshed
    by this version, or something was dropped)."""
    present = {row[0] for row in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    missing = []
    for file_name in view_files():
        name = view_name(file_name)
        cached = MATERIALIZED_TABLE.search(sqlfiles.read(f"views/{file_name}")) is not None
        if name not in present or (cached and cache_name(name) not in tables):
            missing.append(name)
    return missing


def refresh_views(warehouse: Warehouse, contracts: Contracts | None = None) -> Refreshed:
    """The end of every sync run: the finance layer is rebuilt over the data just written. An incremental refresh
    that runs out of DuckDB's memory limit is rolled back and done again as a full build, whose models are built
    in parts to fit it (a change set whose joins hold more than the limit must not stop every later sync)."""
    try:
        refreshed = refresh(warehouse, contracts=contracts)
    except (duckdb.OutOfMemoryException, StoreError) as exc:
        if not out_of_memory(exc):
            raise
        log.warning("the incremental refresh ran out of memory: every cache is rebuilt instead", error=str(exc))
        refreshed = refresh(warehouse, rows=True, contracts=contracts)
    log.info(
        "views refreshed",
        definitions_rebuilt=refreshed.definitions_rebuilt,
        rows_rebuilt=refreshed.rows_rebuilt,
        incremental=refreshed.incremental,
        changes=refreshed.changes,
        contracts_loaded=refreshed.contracts_loaded,
    )
    return refreshed


def out_of_memory(exc: BaseException | None) -> bool:
    """Whether `exc`, or an error it was raised from, is DuckDB's running out of its memory limit."""
    while exc is not None:
        if isinstance(exc, duckdb.OutOfMemoryException):
            return True
        exc = exc.__cause__
    return False


def require_views(con: duckdb.DuckDBPyConnection) -> None:
    missing = missing_views(con)
    if missing:
        raise StoreError(
            f"the warehouse has no {', '.join(missing)} view(s) yet: run `syncer sync` or `syncer views` first"
        )
