"""A big model's cache built in parts (syncer/views.py, `-- built in parts by: <column>`): its rows materialised in up
to 16 statements, one per range of that column's first character. Ids are UUIDs, so the ranges split them evenly;
each part's statement needs a part's memory, and its rows are stored together, so a question about one id reads
only its part's row groups. The column should be one the model's windows, groups and joins partition by, so that
each part computes whole partitions and DuckDB pushes its range down to every table it comes from or is joined on.

How many parts: about ROWS_PER_PART rows each, judged by the rows the cache held after its last build (data grows
slowly between two syncs), or on a first build by DuckDB's estimate. The estimate can be far off
(participant_timeline: 2.6M for 1.2M rows at 100k participants, 0.76M for 4M at 1M declarations), but planning
the rest of a first build from what its first part gave was slower (1M declarations: 30.6 s, not 25-27 s:
every part reads the tables the range is not pushed down to, such as declaration_state_history, in full).
"""

from __future__ import annotations

import json
from itertools import pairwise

import duckdb

# the first character of a UUID is one of 16 hex digits: these bounds cut the ids into up to 16 even ranges, and
# any other text still falls in exactly one range (below the first bound, between two, or from the last on)
PART_BOUNDS = "123456789abcdef"
# measured within a sync's memory limit (bench/bulk_warehouse.py): parts of this many rows barely spill
# (participant_timeline at 1M declarations: 16 of them took half the time of 8 twice the size), and at 100k
# participants the finance layer was rebuilt in 8.8-9.0 s with them, 11.1-12.4 s with parts of 300k
# (int_declarations in 4 parts rather than 2); a warehouse of fewer rows is built in one statement
ROWS_PER_PART = 200_000
MAX_PARTS = len(PART_BOUNDS) + 1


def between(select: str, column: str, bounds: list[str | None]) -> list[str]:
    """One SELECT per range between consecutive `bounds` (None: open-ended). DuckDB pushes each range down to the
    tables the column comes from and is joined on; it would not push `range OR IS NULL` past a join, so NULLs
    join the part that starts open-ended as a branch of their own, which statistics usually prove empty (behind
    OFFSET 0, IS NULL is judged on them rather than pushed down)."""
    found = []
    for low, high in pairwise(bounds):
        if low is None:
            condition = f"{column} < '{high}'"
        elif high is None:
            condition = f"{column} >= '{low}'"
        else:
            condition = f"{column} >= '{low}' AND {column} < '{high}'"
        found.append(f"SELECT * FROM ({select}) WHERE {condition}")
        if low is None:
            found[-1] += f" UNION ALL SELECT * FROM (SELECT * FROM ({select}) OFFSET 0) WHERE {column} IS NULL"
    return found


def even(select: str, column: str, count: int) -> list[str]:
    """The SELECTs whose rows together are `select`'s: itself, or one per range of `column` (`count` of them: 1, 2,
    4, 8 or 16). The ranges cover every value once, whatever the ids look like."""
    if count <= 1:
        return [select]
    step = MAX_PARTS // count
    return between(select, column, [None, *PART_BOUNDS[step - 1 :: step], None])


def count_for(rows: int) -> int:
    """How many parts (1, 2, 4, 8 or 16) give about ROWS_PER_PART rows each."""
    count = 1
    while count < MAX_PARTS and count * ROWS_PER_PART < rows:
        count *= 2
    return count


def table_rows(con: duckdb.DuckDBPyConnection, table: str) -> int | None:
    """The rows DuckDB's catalog holds for `table` (None: no such table)."""
    found = "SELECT estimated_size FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?"
    row = con.execute(found, [table]).fetchone()
    return int(row[0]) if row else None


def estimated_rows(con: duckdb.DuckDBPyConnection, select: str) -> int:
    """The optimiser's estimate of the rows `select` gives (0 where its plan does not say)."""
    try:
        plan = con.execute(f"EXPLAIN (FORMAT json) {select}").fetchall()
        return int(json.loads(plan[-1][1])[0]["extra_info"]["Estimated Cardinality"])
    except (IndexError, KeyError, TypeError, ValueError):
        return 0


def build(con: duckdb.DuckDBPyConnection, table: str, select: str, column: str) -> int:
    """(Re)creates `table` from `select` in parts by `column`; answers how many parts it took."""
    held = table_rows(con, table)
    first, *others = even(select, column, count_for(held if held is not None else estimated_rows(con, select)))
    con.execute(f"CREATE OR REPLACE TABLE {table} AS {first}")
    for part in others:
        con.execute(f"INSERT INTO {table} {part}")
    return 1 + len(others)
