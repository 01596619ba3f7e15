"""The incremental finance layer (syncer/incremental.py) leaves every cache table and every view exactly as a full
rebuild would: after random change sets of every kind a sync writes (tests/finance_changes.py), and after real
syncs of sandbox ticks. Each case refreshes one warehouse incrementally and a copy of it in full, and compares all
rows of both."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from syncer import incremental, parts, sync, views
from syncer.client import ApiClient
from syncer.config import Settings, SourceConfig, load_settings
from syncer.errors import StoreError
from syncer.sandbox.inprocess import InProcessTransport
from syncer.sync import run_sync
from syncer.warehouse import SETTINGS, Warehouse
from tests.finance_changes import Changes, contents
from tests.sandbox_process import InProcessSandbox


def rebuilt_in_full(path: Path, tmp_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The caches and views of a copy of `path` whose rows are rebuilt in full."""
    copy = tmp_path / "full.duckdb"
    shutil.copy(path, copy)
    with Warehouse(copy) as warehouse:
        views.refresh(warehouse, rows=True)
        return contents(warehouse.con)


def refreshed(path: Path, tmp_path: Path) -> tuple[views.Refreshed, dict[str, Any], dict[str, Any]]:
    """(the incremental refresh's answer, what it left, what a full rebuild of the same data leaves)."""
    expected = rebuilt_in_full(path, tmp_path)
    with Warehouse(path) as warehouse:
        result = views.refresh(warehouse)
        assert incremental.pending(warehouse.con) == 0
        return result, contents(warehouse.con), expected


def assert_same(found: dict[str, list[tuple[Any, ...]]], expected: dict[str, list[tuple[Any, ...]]]) -> None:
    assert found.keys() == expected.keys()
    differing = [name for name in expected if found[name] != expected[name]]
    assert differing == [], f"differ from a full rebuild: {differing}"


@pytest.mark.parametrize(
    "kinds",
    [
        ("declaration_state",),
        ("new_declaration",),
        ("remove_declaration",),
        ("repoint_declaration",),
        ("enrolment",),
        ("participant",),
        ("statement",),
        ("merge",),
    ],
    ids=lambda kinds: kinds[0],
)
def test_each_kind_of_change_refreshes_as_a_full_rebuild(
    warehouse_copy: Path, tmp_path: Path, kinds: tuple[str, ...]
) -> None:
    with Warehouse(warehouse_copy) as warehouse:
        Changes(warehouse, random.Random(kinds[0])).apply(6, kinds)
        assert incremental.pending(warehouse.con) > 0
    result, found, expected = refreshed(warehouse_copy, tmp_path)
    assert result.incremental and result.rows_rebuilt and not result.definitions_rebuilt
    assert_same(found, expected)


@pytest.mark.parametrize("seed", range(6))
def test_random_change_sets_refresh_as_a_full_rebuild(warehouse_copy: Path, tmp_path: Path, seed: int) -> None:
    """Several rounds of mixed changes, each refreshed incrementally on top of the last."""
    rng = random.Random(seed)
    for round_number in range(3):
        with Warehouse(warehouse_copy) as warehouse:
            changes = Changes(warehouse, rng)
            changes.apply(rng.randint(1, 25))
        result, found, expected = refreshed(warehouse_copy, tmp_path)
        assert result.incremental, f"round {round_number}: {changes.made}"
        assert_same(found, expected)


def test_the_incremental_refresh_rebuilds_only_what_the_changes_reach(warehouse_copy: Path) -> None:
    """One declaration's new state reaches its participant's rows and its statement's, and leaves the others'
    cache rows as they were (not deleted and inserted again: DuckDB gives re-inserted rows new row ids)."""
    with Warehouse(warehouse_copy) as warehouse:
        con = warehouse.con
        before = dict(con.execute("SELECT declaration_id, rowid FROM cache_int_declarations").fetchall())
        changed, participant = con.execute(
            "SELECT id, canonical_participant_id FROM participant_declarations WHERE state = 'eligible' LIMIT 1"
        ).fetchone() or (None, None)
        con.execute("UPDATE participant_declarations SET state = 'payable' WHERE id = ?", [changed])
        con.execute(
            "INSERT INTO finance_changes SELECT 'participant_declarations', key_hash FROM participant_declarations "
            "WHERE id = ?",
            [changed],
        )
        assert views.refresh(warehouse).incremental
        after = dict(con.execute("SELECT declaration_id, rowid FROM cache_int_declarations").fetchall())
        touched = {d for d in after if before.get(d) != after[d]}
        ours = {
            row[0]
            for row in con.execute(
                "SELECT id FROM participant_declarations WHERE canonical_participant_id = ?", [participant]
            ).fetchall()
        }
        assert changed in touched and touched == ours
        state = con.execute("SELECT state FROM int_declarations WHERE declaration_id = ?", [changed]).fetchone()
        assert state == ("payable",)


def test_a_voided_declaration_leaves_the_statement_its_history_counted_it_on(
    warehouse_copy: Path, tmp_path: Path
) -> None:
    """A voided declaration (no statement_id) counts on the statement its history last saw it on: when it changes,
    that statement's counts change, though neither its old row nor its new one names it."""
    with Warehouse(warehouse_copy) as warehouse:
        con = warehouse.con
        voided = con.execute(
            "SELECT d.id FROM participant_declarations AS d "
            "JOIN cache_int_declarations AS c ON c.declaration_id = d.id WHERE d.state = 'voided' "
            "AND d.statement_id IS NULL AND d.removed_at IS NULL ORDER BY d.id LIMIT 1"
        ).fetchone()
        assert voided is not None
        con.execute("UPDATE participant_declarations SET state = 'submitted' WHERE id = ?", voided)
        con.execute(
            "INSERT INTO declaration_state_history SELECT source, id, 'voided', 'submitted', NULL, NULL, NULL, NULL, "
            "updated_at, now() FROM participant_declarations WHERE id = ?",
            voided,
        )
        con.execute(
            "INSERT INTO finance_changes SELECT 'participant_declarations', key_hash FROM participant_declarations "
            "WHERE id = ?",
            voided,
        )
    result, found, expected = refreshed(warehouse_copy, tmp_path)
    assert result.incremental
    assert_same(found, expected)


def test_a_new_own_provider_name_rebuilds_every_cache(warehouse_copy: Path, tmp_path: Path) -> None:
    """is_own_declaration compares every declaration with the source's own provider: when that changes, no key set
    says which rows it reaches, and the refresh rebuilds in full."""
    with Warehouse(warehouse_copy) as warehouse:
        warehouse.con.execute("UPDATE participant_declarations SET lead_provider_name = 'Renamed Provider'")
        warehouse.con.execute(
            "INSERT INTO finance_changes SELECT 'participant_declarations', key_hash FROM participant_declarations "
            "LIMIT 10"
        )  # too few noted for the share that forces a full rebuild: the own-provider check must catch it
    result, found, expected = refreshed(warehouse_copy, tmp_path)
    assert result.rows_rebuilt and not result.incremental
    assert_same(found, expected)


def test_changes_reaching_most_declarations_rebuild_in_full(warehouse_copy: Path, tmp_path: Path) -> None:
    with Warehouse(warehouse_copy) as warehouse:
        warehouse.con.execute("UPDATE statements SET paid = NOT paid")
        warehouse.con.execute("INSERT INTO finance_changes SELECT 'statements', key_hash FROM statements")
    result, found, expected = refreshed(warehouse_copy, tmp_path)
    assert result.rows_rebuilt and not result.incremental
    assert_same(found, expected)


def test_a_refresh_with_nothing_pending_does_nothing(warehouse_copy: Path) -> None:
    with Warehouse(warehouse_copy) as warehouse:
        result = views.refresh(warehouse)
    assert not result.rows_rebuilt and not result.definitions_rebuilt and result.changes == 0


def test_a_failed_refresh_keeps_its_changes_pending(warehouse_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The change log is emptied in the refresh's own transaction: a refresh that fails leaves it for the next."""
    with Warehouse(warehouse_copy) as warehouse:
        Changes(warehouse, random.Random(1)).apply(3, ("declaration_state",))
        pending = incremental.pending(warehouse.con)

        def broken(con: duckdb.DuckDBPyConnection) -> bool:
            raise duckdb.IOException("disk full")

        monkeypatch.setattr(incremental, "own_provider_agrees", broken)
        with pytest.raises(duckdb.IOException):
            views.refresh(warehouse)
        assert incremental.pending(warehouse.con) == pending
        monkeypatch.undo()
        assert views.refresh(warehouse).incremental
        assert incremental.pending(warehouse.con) == 0


def test_an_incremental_refresh_out_of_memory_is_done_again_as_a_full_build(
    warehouse_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change set whose joins outgrow DuckDB's memory limit (as two threads once did after a few days at 100k
    participants) must not fail this sync and every later one: the refresh is rolled back and done in full,
    whose models are built in parts within the limit."""
    with Warehouse(warehouse_copy) as warehouse:
        Changes(warehouse, random.Random(5)).apply(3, ("declaration_state", "merge"))
    expected = rebuilt_in_full(warehouse_copy, tmp_path)

    def exhausted(con: duckdb.DuckDBPyConnection, *args: Any) -> bool:
        con.execute("DELETE FROM cache_int_declarations")  # half done when it ran out: rolled back
        raise duckdb.OutOfMemoryException("failed to pin block of size 256.0 KiB (137.1 MiB/137.3 MiB used)")

    monkeypatch.setattr(incremental, "refresh_targets", exhausted)
    with Warehouse(warehouse_copy) as warehouse:
        result = views.refresh_views(warehouse)
        assert result.rows_rebuilt and not result.incremental and incremental.pending(warehouse.con) == 0
        assert_same(contents(warehouse.con), expected)
        Changes(warehouse, random.Random(6)).apply(3, ("declaration_state",))
        monkeypatch.setattr(incremental, "refresh_targets", failing_statement)
        with pytest.raises((duckdb.Error, StoreError), match="the real cause"):  # any other is raised as it was
            views.refresh_views(warehouse)


def threads_now(con: duckdb.DuckDBPyConnection) -> int:
    ((count,),) = con.execute("SELECT current_setting('threads')::INTEGER").fetchall()
    return int(count)


def test_every_statement_of_a_refresh_runs_on_the_warehouses_one_thread(
    warehouse_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An incremental refresh and a full build alike: on two threads an incremental refresh ran out of the 144 MB
    memory limit after a few simulated days at 100k participants (each thread holds hash tables of its own), and a
    full build left each part's last row groups partly filled for the next checkpoint to rewrite."""
    seen: dict[str, int] = {}
    real_targets, real_build = incremental.refresh_targets, parts.build

    def spied_targets(con: duckdb.DuckDBPyConnection, *args: Any) -> bool:
        seen["incremental"] = threads_now(con)
        return real_targets(con, *args)

    def spied_build(con: duckdb.DuckDBPyConnection, *args: str) -> int:
        seen["full build"] = threads_now(con)
        return real_build(con, *args)

    monkeypatch.setattr(incremental, "refresh_targets", spied_targets)
    monkeypatch.setattr(parts, "build", spied_build)
    with Warehouse(warehouse_copy) as warehouse:
        assert threads_now(warehouse.con) == SETTINGS["threads"] == 1
        Changes(warehouse, random.Random(2)).apply(3, ("declaration_state",))
        assert views.refresh(warehouse).incremental
        assert seen == {"incremental": 1}
        seen.clear()
        Changes(warehouse, random.Random(4)).apply(3, ("declaration_state",))
        monkeypatch.setattr(incremental, "too_many", lambda con: True)  # the refresh falls back to a full build
        assert not views.refresh(warehouse).incremental
        assert seen == {"full build": 1}


def failing_statement(con: duckdb.DuckDBPyConnection, *args: Any) -> Any:
    return con.execute("SELECT error('the real cause')").fetchall()


@pytest.mark.parametrize("failing", ["incremental refresh", "full build"])
def test_a_refresh_that_fails_says_why_and_keeps_its_changes(
    warehouse_copy: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """A statement that fails aborts the refresh's transaction: the error raised is the statement's, and the
    changes it was to apply wait for the next refresh."""
    if failing == "full build":
        monkeypatch.setattr(parts, "build", failing_statement)
        monkeypatch.setattr(incremental, "too_many", lambda con: True)
    else:
        monkeypatch.setattr(incremental, "refresh_targets", failing_statement)
    with Warehouse(warehouse_copy) as warehouse:
        Changes(warehouse, random.Random(3)).apply(3, ("declaration_state",))
        pending = incremental.pending(warehouse.con)
        with pytest.raises((duckdb.Error, StoreError), match="the real cause"):
            views.refresh(warehouse)
        assert incremental.pending(warehouse.con) == pending


def test_a_models_refresh_header_is_checked() -> None:
    assert incremental.selectors("-- refreshed by: a in participants, b in statements\n", "x.sql") == (
        incremental.Selector("a", "participants"),
        incremental.Selector("b", "statements"),
    )
    assert incremental.selectors("-- materialized: table\n", "x.sql") is None
    with pytest.raises(ValueError, match="key set"):
        incremental.selectors("-- refreshed by: a in people\n", "x.sql")


def test_key_lists_keep_nulls_and_quotes() -> None:
    keys: list[str | None] = ["o'brien", None]
    assert incremental.membership("c", "participants", keys, constants=True) == "c IN ('o''brien') OR c IS NULL"
    assert incremental.membership("c", "participants", keys, constants=False) == (
        "c IN (SELECT id FROM refresh_participants) OR c IS NULL"
    )
    assert incremental.membership("c", "participants", [], constants=True) is None


# -- real syncs of sandbox ticks ------------------------------------------------------------------------------


def in_process_settings(sandbox: InProcessSandbox, path: Path) -> Settings:
    return load_settings(
        warehouse={"path": str(path)},
        sources=[{"name": "lp", "base_url": "http://127.0.0.1/api/v3", "token": sandbox.token, "max_retries": 1}],
    )


@pytest.fixture
def refreshes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[views.Refreshed]]:
    """What each sync's finance-layer refresh answered."""
    answered: list[views.Refreshed] = []

    def recorded(*args: Any, **kwargs: Any) -> views.Refreshed:
        result = views.refresh_views(*args, **kwargs)
        answered.append(result)
        return result

    monkeypatch.setattr(sync, "refresh_views", recorded)
    yield answered


def test_syncs_after_sandbox_ticks_refresh_as_a_full_rebuild(
    fresh_in_process: InProcessSandbox, tmp_path: Path, refreshes: list[views.Refreshed]
) -> None:
    path = tmp_path / "w.duckdb"
    settings = in_process_settings(fresh_in_process, path)

    def client(source: SourceConfig) -> ApiClient:
        return ApiClient(
            source.base_url, source.resolve_token(), max_retries=1, transport=InProcessTransport(fresh_in_process.app)
        )

    assert run_sync(settings, full=True, client_factory=client).ok
    assert refreshes[-1].definitions_rebuilt
    incremental_runs = 0
    for days in (1, 3, 7, 14, 30):
        with fresh_in_process.connect({}) as http:
            assert http.post("/sandbox/tick", json={"days": days}, timeout=120).status_code == 200
        assert run_sync(settings, client_factory=client).ok
        incremental_runs += refreshes[-1].incremental
        with Warehouse(path) as warehouse:
            assert incremental.pending(warehouse.con) == 0
            found = contents(warehouse.con)
        assert_same(found, rebuilt_in_full(path, tmp_path))
    assert incremental_runs >= 3, [(r.incremental, r.changes) for r in refreshes]
