"""The finance views fed by the ECF v3 profile, against the same independent computation as test_views.py
(tests/finance_truth.py). ECF1 data has what RECT data never has: `ineligible` declarations with a reason (a teacher
registered twice, api-facts §4.2), some voided since. They must decode, never count as live or billable, never sit on
a statement, and raise no anomaly."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from syncer.config import Settings
from syncer.sync import run_sync
from tests import finance_found, finance_truth
from tests.finance_found import rows
from tests.finance_truth import Observer, World, checked
from tests.sandbox_process import SandboxProcess
from tests.warehouse_truth import settings_for

API = "ecf-v3"
STEPS = 2  # of two weeks each


@dataclass
class Scenario:
    settings: Settings
    observer: Observer
    world: World

    @property
    def path(self) -> Path:
        return self.settings.warehouse.path


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    with SandboxProcess(seed=19, participants=40, extra=["--api", API]) as sandbox:
        settings = settings_for(sandbox, tmp_path_factory.mktemp("views-ecf") / "w.duckdb", api=API)
        observer = Observer()
        for step in range(STEPS + 1):
            if step:
                sandbox.tick(14)
            checked(run_sync(settings, full=True))
            truth = sandbox.truth()
            observer.observe(truth)
        yield Scenario(settings, observer, World(truth))


def test_the_ecf1_data_has_ineligible_declarations(scenario: Scenario) -> None:
    states = Counter((d["state"], d["ineligible_for_funding_reason"]) for d in scenario.world.declarations)
    assert states[("ineligible", "duplicate_declaration")] and states[("voided", None)]
    assert all(reason is None for state, reason in states if state != "ineligible")


def test_declarations_current_equals_truth(scenario: Scenario) -> None:
    found = finance_found.declarations_current(scenario.path)
    assert found == finance_truth.declarations_current(scenario.world)
    ineligible = rows(scenario.path, "SELECT * FROM declarations_current WHERE state = 'ineligible'")
    assert ineligible and all(
        r["ineligible_for_funding_reason"] == "duplicate_declaration" and not r["is_live"] and r["statement_id"] is None
        and r["training_record_id"] is not None  # the second registration's own enrolment
        for r in ineligible
    )  # fmt: skip


def test_statement_reconciliation_equals_truth(scenario: Scenario) -> None:
    expected = finance_truth.statement_reconciliation(scenario.world, scenario.observer)
    found = finance_found.statement_reconciliation(scenario.path)
    assert found.keys() == expected.keys()
    assert finance_found.as_expected(found, expected) == expected
    assert all(r["count_ineligible"] == 0 for r in found.values())  # ineligible is never billed on a statement


def test_clawback_ledger_and_anomalies_equal_truth(scenario: Scenario) -> None:
    ledger = finance_found.clawback_ledger(scenario.path)
    assert ledger == finance_truth.clawback_ledger(scenario.world, scenario.observer)
    found = rows(scenario.path, "SELECT * FROM declaration_anomalies")
    assert {(r["declaration_id"], r["anomaly_code"]) for r in found} == finance_truth.anomalies(
        scenario.world, scenario.observer
    )
    repeated = {d["id"] for d in scenario.world.declarations if d["ineligible_for_funding_reason"]}
    assert not [r for r in found if r["declaration_id"] in repeated]


def test_participant_timeline_equals_truth(scenario: Scenario) -> None:
    found = rows(scenario.path, "SELECT * FROM participant_timeline")
    events = finance_found.timeline(found)
    assert events == finance_truth.timeline(scenario.world, scenario.observer)
