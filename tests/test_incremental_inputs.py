"""A model's `-- refreshed from:` inputs (syncer/incremental.py): an earlier model is read through its own
`refreshed by` line, any other view or table through the refreshing model's."""

from __future__ import annotations

import duckdb
import pytest

from syncer import incremental
from syncer.errors import StoreError

BY_PARTICIPANT = (incremental.Selector("participant", "participants"),)
# grouped by a hash, so that DuckDB cannot carry a filter on participant below the group to the view's rows: only
# reading the view restricted keeps the refresh from reading a participant outside the key set
GROUPED = "SELECT any_value(participant) AS participant, sum(weight) AS n FROM rows_view GROUP BY hash(participant)"
KEYS: dict[str, list[str | None]] = {"participants": ["a"], "statements": [], "counted_statements": []}


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    """A view whose rows of any participant but 'a' fail when read, and a cache of the grouped model."""
    con = duckdb.connect()
    con.execute("CREATE TABLE rows_table AS SELECT * FROM (VALUES ('a'), ('a'), ('b')) AS t(participant)")
    con.execute(
        "CREATE VIEW rows_view AS SELECT participant, CASE WHEN participant = 'a' THEN 1 "
        "ELSE error('read a participant outside the key set') END AS weight FROM rows_table"
    )
    con.execute("CREATE TABLE cache_grouped (participant VARCHAR, n HUGEINT)")
    con.execute("INSERT INTO cache_grouped VALUES ('a', 1), ('b', 7)")
    con.execute("CREATE TEMP TABLE refresh_participants AS SELECT 'a' AS id")
    return con


def target(refreshed_from: tuple[str, ...]) -> incremental.Target:
    return incremental.Target("x_grouped.sql", "grouped", "cache_grouped", GROUPED, BY_PARTICIPANT, refreshed_from)


def test_a_view_it_is_refreshed_from_is_read_only_for_the_models_keys(con: duckdb.DuckDBPyConnection) -> None:
    incremental.refresh_target(con, target(("rows_view",)), {}, KEYS)
    assert sorted(con.execute("SELECT * FROM cache_grouped").fetchall()) == [("a", 2), ("b", 7)]


def test_without_it_the_refresh_reads_every_row_of_the_view(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(duckdb.Error, match="outside the key set"):
        incremental.refresh_target(con, target(()), {}, KEYS)


def test_an_earlier_model_rebuilt_whole_cannot_be_read_restricted(con: duckdb.DuckDBPyConnection) -> None:
    whole = incremental.Target("x_whole.sql", "rows_view", "cache_whole", "SELECT 1", None)
    with pytest.raises(StoreError, match="rebuilt whole"):
        incremental.refresh_target(con, target(("rows_view",)), {"rows_view": whole}, KEYS)
