"""`syncer export`: every view and table of the warehouse to files a BI tool or spreadsheet can load.

One file per object, `<out>/<name>.parquet` or `<out>/<name>.csv` (with a header row), written by DuckDB's
COPY. Lists and JSON columns become their text form in CSV and stay typed in Parquet. The cache_* tables are
left out: each holds exactly the rows of the view of the same name, which is exported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from syncer.errors import StoreError
from syncer.views import CACHE_PREFIX

FORMATS = {"parquet": "(FORMAT parquet)", "csv": "(FORMAT csv, HEADER true)"}


@dataclass(frozen=True)
class Exported:
    name: str
    kind: str  # table | view
    path: Path
    rows: int


def objects(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(name, kind) of every table and view in the main schema but the caches, tables first, each by name."""
    found = con.execute(
        "SELECT table_name, 'table' FROM duckdb_tables() WHERE schema_name = 'main' AND NOT internal "
        "AND NOT temporary AND NOT starts_with(table_name, ?) UNION ALL SELECT view_name, 'view' "
        "FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal AND NOT temporary ORDER BY 2, 1",
        [CACHE_PREFIX],
    ).fetchall()
    return [(str(name), str(kind)) for name, kind in found]


def quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export(con: duckdb.DuckDBPyConnection, out: Path, fmt: str) -> list[Exported]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, kind in objects(con):
        path = out / f"{name}.{fmt}"
        try:
            row = con.execute(f'COPY (SELECT * FROM "{name}") TO {quoted(path)} {FORMATS[fmt]}').fetchone()
        except duckdb.Error as exc:
            raise StoreError(f"cannot export {name} to {path}: {exc}") from exc
        written.append(Exported(name, kind, path, int(row[0]) if row else 0))
    return written
