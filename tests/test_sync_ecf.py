"""The sync engine on the older API profiles (source.api = "ecf-v3"), against `syncer sandbox --api ecf-v3` over
loopback HTTP: full and incremental syncs equal /sandbox/truth, and the finance views give the same answers as
when the RECT profile of the same world fed the warehouse."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from syncer.streams import ECF_V3_STREAMS, select
from syncer.sync import RunResult, run_sync
from tests.sandbox_process import SandboxProcess
from tests.warehouse_truth import SOURCE, differences, last_filter, settings_for, truth_items, warehouse_items

pytestmark = pytest.mark.slow  # a real `syncer sandbox` (or `syncer`) process over loopback

API = "ecf-v3"
# the reconciliation views: whichever profile fed the warehouse, the same world gives the same answers
FINANCE_VIEWS = ("declarations_current", "statement_reconciliation", "clawback_ledger", "declaration_anomalies")
VOLATILE = ("first_seen_at", "last_seen_at", "removed_at", "synced_at", "refreshed_at")
# ECF1 has no changed-lead-provider withdrawal reason (ecf-v3-openapi.json ECFWithdrawal): such withdrawals read
# "other" there. And ECF1's training_record_id is the participant profile's id, which a merge moves to the surviving
# user (E:identity/transfer.rb), where RECT's is the surviving teacher's own (teachers.api_ect_training_record_id).
# The columns where the profiles' data genuinely differ; every count and amount must agree.
PROFILE_SPECIFIC = ("withdrawal_reason", "training_record_id")


def by_stream(result: RunResult) -> dict[str, Any]:
    assert result.ok, [(s.stream, s.error) for s in result.streams if s.outcome != "success"]
    return {s.stream: s for s in result.streams}


def start(seed: int, participants: int, api: str) -> SandboxProcess:
    return SandboxProcess(seed=seed, participants=participants, extra=["--api", api]).start()


@pytest.fixture
def pair() -> Iterator[tuple[SandboxProcess, SandboxProcess]]:
    """The same world twice: served as ECF v3 and as RECT v3."""
    ecf, rect = start(5, 50, API), start(5, 50, "rect-v3")
    try:
        yield ecf, rect
    finally:
        ecf.stop()
        rect.stop()


def test_streams_of_the_ecf_v3_profile() -> None:
    paths = {s.name: s.path for s in select(None, API)}
    assert (
        paths["participants"] == "/participants/ecf"
        and paths["participant-declarations"] == "/participant-declarations"
    )
    assert [s.table for s in ECF_V3_STREAMS] == [s.table for s in select(None)]
    with pytest.raises(ValueError, match="unknown stream"):
        select(["participants/ecf"], API)


def test_full_sync_equals_truth(tmp_path: Path) -> None:
    with SandboxProcess(seed=7, participants=60, extra=["--api", API]) as sandbox:
        settings = settings_for(sandbox, tmp_path / "w.duckdb", api=API)
        streams = by_stream(run_sync(settings))
        assert streams["participant-declarations"].inserted > 100
        truth = sandbox.truth()
        assert differences(warehouse_items(settings.warehouse.path, SOURCE), truth_items(truth)) == {}
        with duckdb.connect(str(settings.warehouse.path), read_only=True) as con:
            challenged = con.execute(
                "SELECT count(*) FROM partnerships WHERE status = 'challenged' AND challenged_reason IS NOT NULL "
                "AND challenged_at IS NOT NULL"
            ).fetchone()
        assert challenged is not None and challenged[0] == sum(
            p["attributes"]["status"] == "challenged" for p in truth["partnerships"]
        )


def view_rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    found = {}
    with duckdb.connect(str(path), read_only=True) as con:
        for view in FINANCE_VIEWS:
            columns = [
                c for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                    [view],
                ).fetchall()
                if c not in VOLATILE + PROFILE_SPECIFIC
            ]  # fmt: skip
            assert columns, view
            rows = con.execute(f"SELECT {', '.join(columns)} FROM {view}").fetchall()
            found[view] = sorted(
                (dict(zip(columns, row, strict=True)) for row in rows), key=lambda r: repr(list(r.values()))
            )
    return found


def ecf1_only(ecf: SandboxProcess, rect: SandboxProcess) -> set[str]:
    """The declarations only ECF1 holds: those of teachers it registered twice, which RECT would have refused
    (one teacher per TRN; a duplicate declaration is a 422 there). ECF1 shows them as ineligible, or voided since."""
    rect_ids = {d["id"] for d in rect.truth()["participant-declarations"]}
    extra = [d for d in ecf.truth()["participant-declarations"] if d["id"] not in rect_ids]
    assert all(d["attributes"]["state"] in ("ineligible", "voided") for d in extra)
    assert any(d["attributes"]["ineligible_for_funding_reason"] == "duplicate_declaration" for d in extra)
    return {d["id"] for d in extra}


def test_incremental_syncs_equal_truth_and_the_views_match_rect(
    pair: tuple[SandboxProcess, SandboxProcess], tmp_path: Path
) -> None:
    ecf, rect = pair
    settings = settings_for(ecf, tmp_path / "ecf.duckdb", api=API)
    rect_settings = settings_for(rect, tmp_path / "rect.duckdb")
    run_sync(settings)
    run_sync(rect_settings)
    activity: Counter[str] = Counter()
    for _ in range(3):
        activity.update(ecf.tick(9)["activity"])
        rect.tick(9)
        streams = by_stream(run_sync(settings))
        by_stream(run_sync(rect_settings))
        assert all(s.mode == "incremental" for name, s in streams.items() if name != "delivery-partners")
        truth = truth_items(ecf.truth())
        found = warehouse_items(settings.warehouse.path, SOURCE)
        for stream, report in differences(found, truth, ignore_unbumped=True).items():
            assert report["changed"] == 0, (stream, report)  # as on RECT: see test_sync.py
            since = last_filter(settings.warehouse.path, stream)
            for key in truth[stream].keys() - found[stream].keys():
                assert datetime.fromisoformat(truth[stream][key]["attributes"]["updated_at"]) < since, (stream, key)
    assert activity["declarations_created"] > 0
    by_stream(run_sync(settings, full=True))
    by_stream(run_sync(rect_settings, full=True))
    assert differences(warehouse_items(settings.warehouse.path, SOURCE), truth_items(ecf.truth())) == {}
    ecf_views, rect_views = view_rows(settings.warehouse.path), view_rows(rect_settings.warehouse.path)
    extra = ecf1_only(ecf, rect)
    current = [r for r in ecf_views["declarations_current"] if r["declaration_id"] in extra]
    assert {r["declaration_id"] for r in current} == extra  # they reach the views, never live, never on a statement
    assert all(not r["is_live"] and r["statement_id"] is None for r in current)
    assert {r["state"] for r in current} >= {"ineligible"}
    for view in FINANCE_VIEWS:
        assert [r for r in ecf_views[view] if r.get("declaration_id") not in extra] == rect_views[view], view
    assert ecf_views["statement_reconciliation"], "the comparison is not vacuous"
