"""An incremental sync after transfer-ins equals /sandbox/truth: the previous provider's declarations, which enter
scope with old timestamps, are fetched by participant (syncer/newly_in_scope.py), and participant_enrolments keeps
one row per training_record_id throughout (issue #18 items 1 and 2). In process, and again over loopback (slow)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from syncer.client import ApiClient
from syncer.config import Settings, SourceConfig, load_settings
from syncer.sandbox.inprocess import InProcessTransport
from syncer.sync import RunResult, client_for, run_sync
from tests.conftest import fresh_both_tiers
from tests.sandbox_process import InProcessSandbox, Sandbox
from tests.warehouse_truth import SOURCE, differences, last_filter, truth_items, warehouse_items

served = fresh_both_tiers  # seed 11, 40 participants
Factory = Callable[[SourceConfig], ApiClient]


def syncing(sandbox: Sandbox, path: Path) -> tuple[Settings, Factory]:
    """Settings for the sandbox's first provider, and the clients that reach it (in process: with no socket)."""
    if isinstance(sandbox, InProcessSandbox):
        base = "http://127.0.0.1/api/v3"  # any loopback host: the transport serves the app itself

        def factory(source: SourceConfig) -> ApiClient:
            return ApiClient(source.base_url, source.resolve_token(), transport=InProcessTransport(sandbox.app))
    else:
        base, factory = f"{sandbox.url}/api/v3", client_for
    settings = load_settings(
        warehouse={"path": str(path)}, sources=[{"name": SOURCE, "base_url": base, "token": sandbox.token}]
    )
    return settings, factory


def synced(settings: Settings, factory: Factory, full: bool = False) -> RunResult:
    result = run_sync(settings, full=full, client_factory=factory)
    assert result.ok, [(s.stream, s.error) for s in result.streams if s.outcome != "success"]
    return result


def arrived_unbumped(truth: dict[str, Any], before: set[str], since: datetime) -> set[str]:
    """Declarations in scope now but not `before`, stamped before `since`: an updated_since scan misses them."""
    return {
        d["id"]
        for d in truth["participant-declarations"]
        if d["id"] not in before and datetime.fromisoformat(d["attributes"]["updated_at"]) < since
    }


def test_an_incremental_sync_after_a_transfer_in_equals_truth(served: Sandbox, tmp_path: Path) -> None:
    settings, factory = syncing(served, tmp_path / "w.duckdb")
    synced(settings, factory)
    activity: Counter[str] = Counter()
    caught: set[str] = set()
    for _ in range(9):  # ninety days: transfer-ins to the first provider of participants with declarations
        before = {d["id"] for d in served.truth()["participant-declarations"]}
        activity.update(served.tick(10)["activity"])
        result = synced(settings, factory)
        assert all(s.mode == "incremental" for s in result.streams if s.stream != "delivery-partners")
        truth = served.truth()
        found = warehouse_items(settings.warehouse.path, SOURCE)
        report = differences(found, truth_items(truth), ignore_unbumped=True).get("participant-declarations", {})
        # only rows that silently left scope may linger until a full scan; nothing is missing or stale
        assert report.get("missing", 0) == 0 and report.get("changed", 0) == 0, report
        caught |= arrived_unbumped(truth, before, last_filter(settings.warehouse.path, "participant-declarations"))
    assert caught, "transfer-ins brought the previous providers' declarations with old timestamps"
    assert activity["transferred_in"] and activity["merged"]
    synced(settings, factory, full=True)
    assert differences(warehouse_items(settings.warehouse.path, SOURCE), truth_items(served.truth())) == {}
    with duckdb.connect(str(settings.warehouse.path), read_only=True) as con:
        churned = con.execute(
            "SELECT e.training_record_id FROM participant_enrolments AS e JOIN participants AS p "
            "ON p.source = e.source AND p.id = e.participant_id "
            "WHERE e.removed_at IS NOT NULL AND p.removed_at IS NULL"
        ).fetchall()
        per_role = con.execute(
            "SELECT canonical_participant_id, participant_type, count(*) FROM participant_enrolments "
            "WHERE removed_at IS NULL GROUP BY ALL HAVING count(*) > 1"
        ).fetchall()
    assert churned == [], "no enrolment of a listed participant was ever replaced by another key"
    assert per_role == [], "one training_record_id per participant and role"
