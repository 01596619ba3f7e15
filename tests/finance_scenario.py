"""The finance scenario: one sandbox lives through eight weeks, two at a time: declarations, statement deadlines
and payment runs (the August statements are paid on the 25th), voids before and after payment (the tick's own and
ours through PUT .../void), clawbacks settling, merges; small bands that fill, overflow and drain. A full sync
follows every step, so the warehouse equals the truth each time and tests/finance_truth.py can replay
declaration_state_history. tests/conftest.py serves it to test_views.py and test_checks.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from syncer.config import Settings
from syncer.sync import run_sync
from tests.finance_truth import Observer, World, checked
from tests.sandbox_process import SandboxProcess
from tests.warehouse_truth import settings_for

STEPS = 4  # of two weeks each


@dataclass
class Scenario:
    sandbox: SandboxProcess
    settings: Settings
    observer: Observer
    world: World
    activity: Counter[str]

    @property
    def path(self) -> Path:
        return self.settings.warehouse.path


def void_one(sandbox: SandboxProcess, world: World, states: tuple[str, ...]) -> str | None:
    """Voids the first of our own declarations in one of `states` that the API accepts to void."""
    with sandbox.client() as client:
        for d in world.declarations:
            wanted = world.own(d) and d["state"] in states
            if wanted and client.put(f"/api/v3/participant-declarations/{d['id']}/void").status_code == 200:
                return str(d["id"])
    return None


def synced(scenario_settings: Settings, sandbox: SandboxProcess, observer: Observer) -> dict[str, Any]:
    checked(run_sync(scenario_settings, full=True))
    truth = sandbox.truth()
    observer.observe(truth)
    return truth


# bands small enough for the sandbox's few declarations to fill every band, overflow the last and be drained
# from the top by clawbacks; a computed service fee with a set-up fee, a stated one, flat-rate mentors
def small_contract(cohort: int) -> str:
    kind = "ittecf_ectp" if cohort >= 2025 else "ecf"
    lines = [
        f'[[contract]]\nsource = "lp"\ncohort = {cohort}\ntype = "{kind}"\nrecruitment_target = 7',
        f"uplift_fee_per_declaration = {100 if cohort <= 2024 else 0}\nvat_rate = 0.2",
    ]
    lines.append("setup_fee = 333.33" if cohort % 2 else "monthly_service_fee = 1234.56")
    if kind == "ittecf_ectp":
        lines.append("mentor_fee_per_declaration = 777.77")
    for name, capacity, fee in (("A", 2, "1000.10"), ("B", 2, "900.20"), ("C", 1, "800.30")):
        lines.append(f'[[contract.band]]\nband = "{name}"\ncapacity = {capacity}\nfee_per_declaration = {fee}\n'
                     "output_fee_ratio = 0.6\nservice_fee_ratio = 0.4")  # fmt: skip
    return "\n".join(lines)


CONTRACTS = "\n".join(small_contract(cohort) for cohort in (2021, 2022, 2023, 2024, 2025))  # 2026: none


def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    """The weeks, played once per test session (tests that change the warehouse work on a copy)."""
    with SandboxProcess(seed=19, participants=40) as sandbox:
        folder = tmp_path_factory.mktemp("views")
        (folder / "contracts.toml").write_text(CONTRACTS)
        settings = settings_for(sandbox, folder / "w.duckdb", contracts=folder / "contracts.toml")
        observer = Observer()
        activity: Counter[str] = Counter()
        truth = synced(settings, sandbox, observer)
        for step in range(STEPS):
            world = World(truth)
            if step in (0, 1, STEPS - 1):  # the last one is still awaiting clawback at the end
                activity["api_voided_after_payment"] += void_one(sandbox, world, ("paid",)) is not None
            if step in (0, 1):
                activity["api_voided_before_payment"] += void_one(sandbox, world, ("eligible", "payable")) is not None
            activity.update(sandbox.tick(14)["activity"])
            truth = synced(settings, sandbox, observer)
        yield Scenario(sandbox, settings, observer, World(truth), activity)
