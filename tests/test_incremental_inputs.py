"""A model's `-- refreshed from:` inputs (syncer/incremental.py): an earlier model is read through its own
`refreshed by` line, any other view or table through the refreshing model's; and int_duplicate_live_declarations,
refreshed that way from stg_declarations, follows its participants' declarations."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from syncer import incremental, views
from syncer.errors import StoreError
from syncer.warehouse import Warehouse
from tests.finance_changes import contents
from tests.test_incremental_finance import bulk_warehouse

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


def rows(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, str], int]:
    """{(participant, declaration type, course): row id} of the cached duplicates."""
    found = con.execute(
        "SELECT canonical_participant_id, declaration_type, course_identifier, rowid "
        "FROM cache_int_duplicate_live_declarations"
    ).fetchall()
    return {(p, t, c): rowid for p, t, c, rowid in found}


def test_a_new_live_duplicate_is_found_for_its_participant_alone(tmp_path: Path) -> None:
    """A second live declaration of a milestone appears as a duplicate on both declarations, as a full rebuild
    finds it; the other participants' duplicate rows are left as they were (re-inserted rows get new row ids)."""
    path = tmp_path / "w.duckdb"
    bulk_warehouse().build(path, declarations=2_000)
    with Warehouse(path) as warehouse:
        con = warehouse.con
        before = rows(con)
        assert before, "the bulk warehouse has live duplicates to leave alone"
        original, participant = con.execute(
            "SELECT d.id, d.canonical_participant_id FROM participant_declarations AS d "
            "JOIN int_declarations AS i ON i.declaration_id = d.id "
            "WHERE i.is_live AND i.removed_at IS NULL AND i.duplicate_live_count = 0 ORDER BY d.id LIMIT 1"
        ).fetchone() or (None, None)
        con.execute(
            "INSERT INTO participant_declarations SELECT * REPLACE ('copy-' || id AS id, "
            "md5_number('copy-' || id) AS key_hash) FROM participant_declarations WHERE id = ?",
            [original],
        )
        con.execute(
            "INSERT INTO finance_changes SELECT 'participant_declarations', key_hash FROM participant_declarations "
            "WHERE id = ?",
            [f"copy-{original}"],
        )
    copy = tmp_path / "full.duckdb"
    shutil.copy(path, copy)
    with Warehouse(copy) as warehouse:
        views.refresh(warehouse, rows=True)
        expected = contents(warehouse.con)
    with Warehouse(path) as warehouse:
        con = warehouse.con
        assert views.refresh(warehouse).incremental
        assert contents(con) == expected
        counts = con.execute(
            "SELECT declaration_id, duplicate_live_count FROM int_declarations WHERE declaration_id IN (?, ?)",
            [original, f"copy-{original}"],
        ).fetchall()
        assert sorted(counts) == sorted([(original, 2), (f"copy-{original}", 2)])
        after = rows(con)
        assert {k: v for k, v in after.items() if k[0] != participant} == {
            k: v for k, v in before.items() if k[0] != participant
        }
