"""Removals, chaos and crashes leave the warehouse exact (real sandbox, real `syncer` subprocesses)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from syncer.sync import run_sync
from tests.sandbox_process import SandboxProcess
from tests.warehouse_truth import SOURCE, config_file, differences, settings_for, truth_items, warehouse_items

pytestmark = pytest.mark.slow  # a real `syncer sandbox` (or `syncer`) process over loopback

# event -> (stream, what the event answered that names the row that left scope)
REMOVALS = {
    "merge": ("participants", "from_participant_id"),
    "remove_registered_in_error": ("participants", "participant_id"),
    "void_by_other_provider": ("participant-declarations", "declaration_id"),
    "delete_statement": ("statements", "statement_id"),
    "train_unfunded_mentor": ("unfunded-mentors", "participant_id"),
    "school_ineligible": ("schools", "school_id"),
    "end_mentorship": ("unfunded-mentors", "participant_id"),
}
TABLES = {
    "participants": "participants",
    "participant-declarations": "participant_declarations",
    "statements": "statements",
    "unfunded-mentors": "unfunded_mentors",
    "schools": "schools",
}


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxProcess]:
    with SandboxProcess(seed=21, participants=60) as process:
        yield process


def event(sandbox: SandboxProcess, kind: str) -> dict[str, Any]:
    response = httpx.post(f"{sandbox.url}/sandbox/events", json={"kind": kind}, timeout=30)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def removed_at(path: Path, table: str, row_id: str, cohort: str | None = None) -> list[Any]:
    """removed_at of the row(s) with this id (schools: of this cohort's row only)."""
    where, params = "id = ?", [row_id]
    if cohort is not None:
        where, params = "id = ? AND cohort = ?", [row_id, cohort]
    with duckdb.connect(str(path), read_only=True) as con:
        return [r[0] for r in con.execute(f"SELECT removed_at FROM {table} WHERE {where}", params).fetchall()]


@pytest.mark.parametrize("kind", sorted(REMOVALS))
def test_each_removal_cause_is_marked_by_a_full_scan_only(world: SandboxProcess, tmp_path: Path, kind: str) -> None:
    settings = settings_for(world, tmp_path / "w.duckdb")
    run_sync(settings)
    happened = event(world, kind)
    stream, field = REMOVALS[kind]
    gone = happened[field]
    assert gone in warehouse_items(settings.warehouse.path, SOURCE)[stream] or stream == "schools"

    cohort = happened.get("cohort")
    run_sync(settings)  # incremental: the API says nothing about the row that left
    before = removed_at(settings.warehouse.path, TABLES[stream], gone, cohort)
    assert before and all(r is None for r in before)
    run_sync(settings, full=True)
    marks = removed_at(settings.warehouse.path, TABLES[stream], gone, cohort)
    assert marks and all(r is not None for r in marks), f"{kind}: {gone} should be marked removed"
    assert differences(warehouse_items(settings.warehouse.path, SOURCE), truth_items(world.truth())) == {}
    if stream == "participant-declarations":
        with duckdb.connect(str(settings.warehouse.path), read_only=True) as con:
            history = con.execute(
                "SELECT old_state, new_state FROM declaration_state_history WHERE declaration_id = ? "
                "ORDER BY observed_at",
                [gone],
            ).fetchall()
        assert history[-1][1] == "removed"


def test_an_interrupted_full_scan_marks_nothing(tmp_path: Path) -> None:
    """The first sync takes 13 requests; the server then allows 6 more this hour, so the full scan of
    participants (5 per page) fails part-way, after several of its pages were applied."""
    with SandboxProcess(seed=22, participants=60, extra=["--rate-limit", "19", "--rate-window", "3600"]) as sandbox:
        settings = settings_for(sandbox, tmp_path / "w.duckdb", max_retries=0)
        assert run_sync(settings).ok
        happened = event(sandbox, "remove_registered_in_error")
        partial = settings_for(sandbox, tmp_path / "w.duckdb", write_batch_mb=0, max_retries=0, per_page=5)
        failed = run_sync(partial, streams=["participants"], full=True)
    (participants,) = failed.streams
    assert participants.outcome == "failed" and participants.pages >= 3
    assert removed_at(settings.warehouse.path, "participants", happened["participant_id"]) == [None]


@pytest.mark.parametrize("profile", ["5xx", "slow", "truncated", "reset", "429", "mutate", "flaky", "hostile"])
def test_chaos_is_survived_and_the_warehouse_converges(tmp_path: Path, profile: str) -> None:
    extra = ["--chaos-slow", "1.2"]
    with SandboxProcess(seed=31, participants=40, chaos=profile, extra=extra) as sandbox:
        settings = settings_for(
            sandbox,
            tmp_path / "w.duckdb",
            per_page=60,
            timeout="0.8s",
            max_retries=10,
            rate_window="1s",
            retry_backoff="0.05s",
            retry_backoff_max="0.4s",
        )
        first = run_sync(settings)
        # under faults a stream either finishes or fails cleanly; never half-applied
        assert all(s.outcome in ("success", "failed") for s in first.streams)
        report = httpx.get(f"{sandbox.url}/sandbox/chaos", timeout=10).json()
        assert sum(report["injected"].values()) > 0, report
        httpx.post(f"{sandbox.url}/sandbox/chaos", json={"profile": "none"}, timeout=10)
        for _ in range(2):
            assert run_sync(settings).ok
        run_sync(settings, full=True)
        assert differences(warehouse_items(settings.warehouse.path, SOURCE), truth_items(sandbox.truth())) == {}


def invariants_hold(path: Path) -> None:
    """After a kill: the file opens, keys are unique, and every checkpoint belongs to a committed last page."""
    with duckdb.connect(str(path), read_only=True) as con:
        duplicates = con.execute(
            "SELECT count(*) - count(DISTINCT (source, id)) FROM participant_declarations"
        ).fetchone()
        assert duplicates == (0,)
        orphans = con.execute(
            "SELECT count(*) FROM sync_state AS s WHERE NOT EXISTS (SELECT 1 FROM sync_runs AS r "
            "WHERE r.source = s.source AND r.stream = s.stream AND r.outcome = 'success')"
        ).fetchone()
        assert orphans == (0,)


def killed_at_batch(config: Path, full: bool, event: str, count: int) -> bool:
    """Runs `syncer sync` and SIGKILLs it as soon as it logs `event` for the `count`-th time: at a point the
    sync itself reaches, however fast or busy the machine. False if the run ended before that point."""
    child = subprocess.Popen(
        [sys.executable, "-m", "syncer", "sync", "--config", str(config), *(["--full"] * full)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "SYNCER_LOG_LEVEL": "debug"},
        text=True,
    )
    assert child.stderr is not None
    seen = 0
    for line in child.stderr:
        if line.startswith("{") and json.loads(line).get("event") == event:
            seen += 1
            if seen == count:
                child.send_signal(signal.SIGKILL)
                break
    child.stderr.close()
    child.wait()
    return child.returncode == -signal.SIGKILL


def test_sigkill_at_random_moments_never_corrupts_and_converges(tmp_path: Path) -> None:
    """Kills land while a batch is being written (mid-transaction) or just after one committed, at the n-th
    batch of a run: each run writes at least one batch per stream, so every chosen moment is reached."""
    rng = random.Random(20261125)
    with SandboxProcess(seed=41, participants=120) as sandbox:
        path = tmp_path / "w.duckdb"
        config = config_file(sandbox, path, write_batch_mb=0, per_page=40)
        settings = settings_for(sandbox, path, per_page=40)
        run_sync(settings)
        with duckdb.connect(str(path), read_only=True) as con:
            first_watermark = con.execute("SELECT min(watermark) FROM sync_state").fetchone()
        assert first_watermark is not None
        kills = 0
        for attempt in range(20):
            if attempt % 4 == 0:
                sandbox.tick(3)
            event = rng.choice(["writing batch", "batch committed"])
            kills += killed_at_batch(config, attempt % 5 == 2, event, rng.randint(1, 8))
            invariants_hold(path)
        assert kills >= 20
        assert run_sync(settings).ok
        truth = truth_items(sandbox.truth())
        found = warehouse_items(path, SOURCE)
        for stream, report in differences(found, truth, ignore_unbumped=True).items():
            assert report["changed"] == 0, (stream, report)
            for key in truth[stream].keys() - found[stream].keys():  # only rows that entered scope unannounced
                assert datetime.fromisoformat(truth[stream][key]["attributes"]["updated_at"]) < first_watermark[0]
        assert run_sync(settings, full=True).ok
        assert differences(warehouse_items(path, SOURCE), truth_items(sandbox.truth())) == {}
        with duckdb.connect(str(path), read_only=True) as con:
            interrupted = con.execute("SELECT count(*) FROM sync_runs WHERE outcome = 'interrupted'").fetchone()
        assert interrupted is not None and interrupted[0] > 0
