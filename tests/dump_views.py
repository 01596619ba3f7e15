"""Prints every finance view of a DuckDB file as JSON, rows sorted, values as plain text: run by this project's
DuckDB and by an older one (tests/test_snapshot_readers.py) so that the two can be compared.

Standalone on purpose: it imports nothing from the project, so any interpreter with some duckdb can run it.
    python tests/dump_views.py PATH VIEW [VIEW ...]
"""

from __future__ import annotations

import datetime
import json
import sys
from typing import Any

import duckdb


def plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date | datetime.timedelta):
        return str(value)
    if isinstance(value, bool | int | str) or value is None:
        return value
    return str(value)  # Decimal, UUID, lists and structs: as text


def dump(path: str, names: list[str]) -> dict[str, Any]:
    con = duckdb.connect(path, read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    found: dict[str, Any] = {"duckdb": duckdb.__version__, "views": {}}
    for name in names:
        rows = [[plain(v) for v in row] for row in con.execute(f"SELECT * FROM {name}").fetchall()]
        found["views"][name] = sorted(rows, key=json.dumps)
    con.close()
    return found


if __name__ == "__main__":
    print(json.dumps(dump(sys.argv[1], sys.argv[2:])))
