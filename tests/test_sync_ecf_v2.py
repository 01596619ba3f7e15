"""The sync engine on ECF1's API v2 (source.api = "ecf-v2") against `syncer sandbox --api ecf-v2`: flat participant
rows keyed by training_record_id land in participants + participant_enrolments, declarations (strict `>`) in
participant_declarations; full and incremental syncs equal /sandbox/truth."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest

from syncer.config import load_settings
from syncer.errors import ConfigError
from syncer.sync import RunResult, run_sync
from tests.sandbox_process import SandboxProcess
from tests.warehouse_truth import SOURCE, differences, settings_for

pytestmark = pytest.mark.slow  # a real `syncer sandbox` (or `syncer`) process over loopback

API = "ecf-v2"
Items = dict[str, dict[str, Any]]


def ok(result: RunResult) -> dict[str, Any]:
    assert result.ok, [(s.stream, s.error) for s in result.streams if s.outcome != "success"]
    return {s.stream: s for s in result.streams}


def v2_truth(truth: dict[str, Any]) -> dict[str, Items]:
    return {
        "participants": {p["attributes"]["training_record_id"]: p for p in truth["participants"]},
        "participant-declarations": {d["id"]: d for d in truth["participant-declarations"]},
    }


def v2_warehouse(path: Path) -> dict[str, Items]:
    """The v2 rows rebuilt from the warehouse: each enrolment's raw is its v2 row's attributes, as sent."""
    with duckdb.connect(str(path), read_only=True) as con:
        enrolments = con.execute(
            "SELECT training_record_id, participant_id, canonical_mentor_id, raw FROM participant_enrolments "
            "WHERE source = ? AND removed_at IS NULL",
            [SOURCE],
        ).fetchall()
        declarations = con.execute(
            "SELECT id, canonical_participant_id, raw FROM participant_declarations WHERE source = ? "
            "AND removed_at IS NULL",
            [SOURCE],
        ).fetchall()
    participants = {}
    for key, participant_id, mentor_id, raw in enrolments:
        attributes = json.loads(raw)
        attributes["mentor_id"] = mentor_id
        participants[key] = {"id": participant_id, "type": "participant", "attributes": attributes}
    found = {}
    for key, participant_id, raw in declarations:
        item = json.loads(raw)
        item["attributes"]["participant_id"] = participant_id
        found[key] = item
    return {"participants": participants, "participant-declarations": found}


def unbumped(items: dict[str, Items]) -> dict[str, Items]:
    """Without `mentor_id`: a merged mentor's mentees show the new id with no updated_at bump, and v2 lists no
    participant_id_changes to resolve it, so only a full scan catches it (api-facts §9 trap 8)."""
    rows = {k: {**v, "attributes": {**v["attributes"], "mentor_id": None}} for k, v in items["participants"].items()}
    return {**items, "participants": rows}


def repeats(truth: dict[str, Any]) -> bool:
    return max(Counter(p["id"] for p in truth["participants"]).values()) > 1


def test_full_sync_equals_truth(tmp_path: Path) -> None:
    with SandboxProcess(seed=7, participants=60, extra=["--api", API]) as sandbox:
        # the provider with a participant who is both an ECT and a mentor: one id on two rows
        truths = {t: sandbox.truth(t) for t in sandbox.tokens.values()}
        token, truth = next((t, x) for t, x in truths.items() if repeats(x))
        url = f"{sandbox.url}/api/v2"
        settings = settings_for(sandbox, tmp_path / "w.duckdb", api=API, base_url=url, token=token)
        streams = ok(run_sync(settings))
        assert set(streams) == {"participants", "participant-declarations"}
        assert differences(v2_warehouse(settings.warehouse.path), v2_truth(truth)) == {}
        with duckdb.connect(str(settings.warehouse.path), read_only=True) as con:
            (rows,) = con.execute("SELECT count(*) FROM participants WHERE source = ?", [SOURCE]).fetchone() or (0,)
        assert rows == len({p["id"] for p in truth["participants"]})


def test_small_pages_and_incremental_syncs_equal_truth(tmp_path: Path) -> None:
    with SandboxProcess(seed=5, participants=50, extra=["--api", API]) as sandbox:
        settings = settings_for(sandbox, tmp_path / "w.duckdb", api=API, base_url=f"{sandbox.url}/api/v2", per_page=120)
        ok(run_sync(settings))
        assert differences(v2_warehouse(settings.warehouse.path), v2_truth(sandbox.truth())) == {}
        activity: Counter[str] = Counter()
        for _ in range(3):
            activity.update(sandbox.tick(9)["activity"])
            streams = ok(run_sync(settings))
            assert all(s.mode == "incremental" for s in streams.values())
            found, truth = v2_warehouse(settings.warehouse.path), v2_truth(sandbox.truth())
            for stream, report in differences(unbumped(found), unbumped(truth)).items():
                # rows that left scope stay until a full scan; everything the API still lists must be exact
                assert report["missing"] == 0 and report["changed"] == 0, (stream, report)
        assert activity["declarations_created"] > 0
        ok(run_sync(settings, full=True))
        assert differences(v2_warehouse(settings.warehouse.path), v2_truth(sandbox.truth())) == {}


def test_the_csv_lists_give_the_same_warehouse(tmp_path: Path) -> None:
    with SandboxProcess(seed=5, participants=50, extra=["--api", API]) as sandbox:
        url = f"{sandbox.url}/api/v2"
        by_csv = settings_for(sandbox, tmp_path / "csv.duckdb", api=API, base_url=url, list_format="csv")
        by_json = settings_for(sandbox, tmp_path / "json.duckdb", api=API, base_url=url, per_page=120)
        streams = ok(run_sync(by_csv))
        assert all(s.requests == 1 for s in streams.values()), "one unpaginated request per stream"
        ok(run_sync(by_json))
        assert differences(v2_warehouse(by_csv.warehouse.path), v2_truth(sandbox.truth())) == {}
        sandbox.tick(9)
        assert all(s.mode == "incremental" for s in ok(run_sync(by_csv)).values())
        ok(run_sync(by_json))
        assert v2_warehouse(by_csv.warehouse.path) == v2_warehouse(by_json.warehouse.path)
        ok(run_sync(by_csv, full=True))
        assert differences(v2_warehouse(by_csv.warehouse.path), v2_truth(sandbox.truth())) == {}


def test_csv_lists_need_the_v2_profile_under_either_name(tmp_path: Path) -> None:
    for key in ("list_format", "transport"):  # `transport`: the setting's first name, still read
        source = {"name": "lp", "base_url": "http://127.0.0.1:1/api/v3", "token": "t", key: "csv"}
        with pytest.raises(ConfigError, match="ecf-v2"):
            load_settings(warehouse={"path": str(tmp_path / "w.duckdb")}, sources=[source])
