"""The store's write path on hand-made pages: children staged from their parents (a shared enrolment kept once, each
enrolment's raw its own JSON), and a changed row replaced (deleted and inserted) with its first_seen_at kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from syncer.store import Store
from syncer.streams import BY_NAME
from syncer.warehouse import Warehouse

PARTICIPANTS = BY_NAME["participants"]
DECLARATIONS = BY_NAME["participant-declarations"]
FIRST = datetime(2025, 1, 1, tzinfo=UTC)


def uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def enrolment(record: int, status: str = "active") -> dict[str, Any]:
    return {
        "training_record_id": uuid(record),
        "email": f"t{record}@example.com",
        "participant_type": "ect",
        "cohort": "2024",
        "training_status": status,
        "eligible_for_funding": True,
        "withdrawal": None,
        "deferral": {"reason": "bereavement", "date": "2025-02-03T04:05:06Z"},
        "created_at": "2024-09-01T08:00:00Z",
        "induction_end_date": "2026-07-31",
        "working_pattern": "full_time",
    }


def participant(n: int, enrolments: list[dict[str, Any]]) -> dict[str, Any]:
    attributes = {"full_name": f"Teacher {n}", "updated_at": "2025-01-01T00:00:00Z", "ecf_enrolments": enrolments}
    return {"id": uuid(n), "type": "participant", "attributes": attributes}


def declaration(n: int, state: str) -> dict[str, Any]:
    attributes = {
        "participant_id": uuid(1),
        "declaration_type": "started",
        "declaration_date": "2025-01-01T00:00:00Z",
        "course_identifier": "ecf-induction",
        "state": state,
        "updated_at": "2025-01-01T00:00:00Z",
        "created_at": "2025-01-01T00:00:00Z",
    }
    return {"id": uuid(n), "type": "participant-declaration", "attributes": attributes}


def write(store: Store, stream: Any, items: list[dict[str, Any]], seen_at: datetime) -> None:
    raws = [pa.array([json.dumps(item, separators=(",", ":")) for item in items], pa.string())]
    with store.warehouse.transaction():
        store.stage_and_upsert(stream, "lp", raws, seen_at)


def test_enrolments_are_staged_from_their_participants_once_each(tmp_path: Path) -> None:
    """Two participants in one batch list one shared enrolment: it is stored once. A participant with no enrolments
    adds none. Each enrolment's raw is its own JSON, and its columns are typed from it."""
    shared = enrolment(10)
    items = [participant(1, [shared, enrolment(11)]), participant(2, [shared]), participant(3, [])]
    with Warehouse(tmp_path / "w.duckdb") as warehouse:
        write(Store(warehouse), PARTICIPANTS, items, FIRST)
        rows = warehouse.query(
            "SELECT training_record_id, participant_id, training_status, deferral_reason, deferral_date, "
            "induction_end_date, raw FROM participant_enrolments ORDER BY training_record_id"
        )
    assert [row[0] for row in rows] == [uuid(10), uuid(11)]
    assert rows[0][1] in (uuid(1), uuid(2)) and rows[1][1] == uuid(1)
    record, _, status, reason, deferred, induction_end, raw = rows[0]
    assert (status, reason) == ("active", "bereavement")
    assert deferred == datetime(2025, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert str(induction_end) == "2026-07-31"
    assert json.loads(raw) == shared and record == shared["training_record_id"]


def test_a_changed_row_is_replaced_keeping_when_it_was_first_seen(tmp_path: Path) -> None:
    """A declaration whose payload changed is written again whole, with the first_seen_at of its first sighting;
    an unchanged one is only seen again; an enrolment that changed under an unchanged key likewise."""
    later = FIRST + timedelta(days=1)
    with Warehouse(tmp_path / "w.duckdb") as warehouse:
        store = Store(warehouse)
        write(store, DECLARATIONS, [declaration(20, "submitted"), declaration(21, "submitted")], FIRST)
        write(store, DECLARATIONS, [declaration(20, "eligible"), declaration(21, "submitted")], later)
        write(store, PARTICIPANTS, [participant(1, [enrolment(10)])], FIRST)
        write(store, PARTICIPANTS, [participant(1, [enrolment(10, "deferred")])], later)
        declarations = warehouse.query(
            "SELECT id, state, first_seen_at, last_seen_at, removed_at FROM participant_declarations ORDER BY id"
        )
        enrolments = warehouse.query(
            "SELECT training_status, first_seen_at, last_seen_at, removed_at FROM participant_enrolments"
        )
        history = warehouse.query("SELECT declaration_id, old_state, new_state FROM declaration_state_history")
    assert declarations == [
        (uuid(20), "eligible", FIRST, later, None),
        (uuid(21), "submitted", FIRST, later, None),
    ]
    assert enrolments == [("deferred", FIRST, later, None)]
    assert sorted(history, key=lambda row: (row[0], row[1] or "")) == [
        (uuid(20), None, "submitted"),
        (uuid(20), "submitted", "eligible"),
        (uuid(21), None, "submitted"),
    ]
