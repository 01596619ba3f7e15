"""declaration_anomalies: each code appears for exactly the situation it describes, and a clean dataset has none.

Where the sandbox can produce a situation through its API, the test does so: a merge of two registrations of one
teacher that the provider declared for twice (POST /participant-declarations, then POST /sandbox/events merge) makes
duplicate live declarations and declarations still filed under a merged-away participant; another provider voiding
a paid declaration (PUT .../void) takes it out of our scope while we last saw it paid. Every other code describes
data the API (and so the sandbox, which applies RECT's rules) refuses to create: those cases edit the synced
warehouse rows directly, each saying why in `why`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from syncer import views
from syncer.config import Settings, load_settings
from syncer.sync import run_sync
from syncer.warehouse import Warehouse
from tests.finance_truth import LIVE, ROLE, Item, Observer, World, anomalies, checked, moment
from tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.slow  # a real `syncer sandbox` (or `syncer`) process over loopback

SOURCE = "lp"
Found = set[tuple[str, str]]


def settings(sandbox: SandboxProcess, path: Path, token: str | None = None) -> Settings:
    return load_settings(
        warehouse={"path": str(path)},
        sources=[{"name": SOURCE, "base_url": f"{sandbox.url}/api/v3", "token": token or sandbox.token}],
    )


def found(path: Path) -> Found:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            (r[0], r[1])
            for r in con.execute("SELECT declaration_id, anomaly_code FROM declaration_anomalies").fetchall()
        }


def explained(path: Path, code: str) -> dict[str, str]:
    with duckdb.connect(str(path), read_only=True) as con:
        query = "SELECT declaration_id, explanation FROM declaration_anomalies WHERE anomaly_code = ?"
        return dict(con.execute(query, [code]).fetchall())


@dataclass
class Clean:
    path: Path
    world: World


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clean]:
    with SandboxProcess(seed=23, participants=40) as sandbox:
        path = tmp_path_factory.mktemp("anomalies") / "clean.duckdb"
        checked(run_sync(settings(sandbox, path), full=True))
        yield Clean(path, World(sandbox.truth()))


def test_a_clean_dataset_has_no_anomalies(clean: Clean) -> None:
    assert anomalies(clean.world) == set(), "seed 23 is expected to generate a clean world; pick a clean seed"
    assert found(clean.path) == set()


# -- situations the API refuses to create: edited into a copy of the clean warehouse ---------------------------
def own(world: World, test: Callable[[Item], bool]) -> Item:
    return next(d for d in sorted(world.declarations, key=lambda d: d["id"]) if world.own(d) and test(d))


def unpaid_statement(world: World) -> str:
    return next(key for key, s in sorted(world.statements.items()) if not s["paid"])


def paid(world: World) -> Item:
    return own(world, lambda d: d["state"] == "paid" and world.statements[d["statement_id"]]["paid"])


def set_declaration(con: duckdb.DuckDBPyConnection, declaration: Item, **values: Any) -> set[str]:
    assignments = ", ".join(f"{k} = ?" for k in values)
    con.execute(
        f"UPDATE participant_declarations SET {assignments} WHERE id = ?", [*values.values(), declaration["id"]]
    )
    return {declaration["id"]}


def enrolled(world: World) -> tuple[Item, list[Item]]:
    """An active enrolment and its own live declarations, the latest of them dated alone."""
    for (participant, role), enrolment in sorted(world.enrolments.items()):
        mine = [
            d for d in world.declarations
            if d["participant_id"] == participant and ROLE[d["course_identifier"]] == role
            and world.own(d) and d["state"] in LIVE
        ]  # fmt: skip
        dates = sorted(d["declaration_date"] for d in mine)
        if enrolment["training_status"] == "active" and dates and dates.count(dates[-1]) == 1:
            return enrolment, mine
    raise AssertionError("no active enrolment with declarations")


def of_enrolment(world: World, enrolment: Item) -> set[str]:
    participant, role = next(k for k, e in world.enrolments.items() if e is enrolment)
    return {d["id"] for d in world.declarations
            if d["participant_id"] == participant and ROLE[d["course_identifier"]] == role}  # fmt: skip


def set_enrolment(con: duckdb.DuckDBPyConnection, world: World, **values: Any) -> set[str]:
    enrolment, _ = enrolled(world)
    assignments = ", ".join(f"{k} = ?" for k in values)
    con.execute(
        f"UPDATE participant_enrolments SET {assignments} WHERE training_record_id = ?",
        [*values.values(), enrolment["training_record_id"]],
    )
    return of_enrolment(world, enrolment)


def after_withdrawal(con: duckdb.DuckDBPyConnection, world: World, status: str) -> set[str]:
    enrolment, mine = enrolled(world)
    latest = max(mine, key=lambda d: d["declaration_date"])
    when = moment(latest["declaration_date"]) - timedelta(seconds=1)  # type: ignore[operator]
    kind = "withdrawal" if status == "withdrawn" else "deferral"
    reason = "moved-school" if status == "withdrawn" else "parental-leave"
    con.execute(
        f"UPDATE participant_enrolments SET training_status = ?, {kind}_reason = ?, {kind}_date = ? "
        "WHERE training_record_id = ?",
        [status, reason, when, enrolment["training_record_id"]],
    )
    return {latest["id"]}


def participant_gone(con: duckdb.DuckDBPyConnection, world: World) -> set[str]:
    _, mine = enrolled(world)
    participant = mine[0]["participant_id"]
    con.execute("UPDATE participants SET removed_at = now() WHERE id = ?", [participant])
    return {d["id"] for d in world.declarations if d["participant_id"] == participant}


def enrolment_gone(con: duckdb.DuckDBPyConnection, world: World) -> set[str]:
    enrolment, mine = enrolled(world)
    con.execute("UPDATE participant_enrolments SET removed_at = now() WHERE training_record_id = ?",
                [enrolment["training_record_id"]])  # fmt: skip
    return {d["id"] for d in mine}


def not_in_schedule(con: duckdb.DuckDBPyConnection, world: World) -> set[str]:
    def fits(d: Item) -> bool:
        enrolment = world.enrolment(d)
        return bool(d["state"] in LIVE and d["declaration_type"].startswith("retained") and enrolment
                    and "-extended-" not in enrolment["schedule_identifier"])  # fmt: skip

    return set_declaration(con, own(world, fits), declaration_type="extended-1")


REFUSED = "the sandbox, like RECT, never produces it"


@dataclass(frozen=True)
class Edit:
    code: str
    why: str
    apply: Callable[[duckdb.DuckDBPyConnection, World], set[str]]  # edits the rows; answers the declarations hit


EDITS = [
    Edit("paid_on_unpaid_statement", "authorising payment marks the statement and its declarations paid together",
         lambda con, w: set_declaration(con, paid(w), statement_id=unpaid_statement(w))),
    Edit("billable_on_paid_statement", "a payment run pays every payable declaration on the statement",
         lambda con, w: set_declaration(con, paid(w), state="payable")),
    Edit("awaiting_clawback_without_statement", "PUT void on a paid declaration always sets a clawback statement",
         lambda con, w: set_declaration(con, paid(w), state="awaiting-clawback", clawback_statement_id=None)),
    Edit("clawed_back_on_unpaid_statement", "clawbacks settle only when their statement is paid",
         lambda con, w: set_declaration(con, paid(w), state="clawed-back",
                                        clawback_statement_id=unpaid_statement(w))),
    Edit("voided_with_statement", "the API hides statement_id on voided declarations",
         lambda con, w: set_declaration(con, own(w, lambda d: d["state"] == "voided"),
                                        statement_id=unpaid_statement(w))),
    Edit("statement_unknown", "statements are only deleted while nothing references them",
         lambda con, w: set_declaration(con, paid(w), statement_id="00000000-0000-4000-8000-000000000000")),
    Edit("declared_after_withdrawal", "POST refuses a date after the withdrawal, and withdrawals are stamped now",
         lambda con, w: after_withdrawal(con, w, "withdrawn")),
    Edit("declared_while_deferred", "POST refuses deferred participants, and deferrals are stamped now",
         lambda con, w: after_withdrawal(con, w, "deferred")),
    Edit("participant_unknown", "only participants without declarations are removed as registered in error",
         participant_gone),
    Edit("enrolment_unknown", "an enrolment stays listed while it has declarations", enrolment_gone),
    Edit("type_not_allowed", "POST and change-schedule refuse milestones outside the schedule", not_in_schedule),
    Edit("unknown_state", REFUSED, lambda con, w: set_declaration(con, paid(w), state="refunded")),
    Edit("unknown_declaration_type", REFUSED,
         lambda con, w: set_declaration(con, paid(w), declaration_type="retained-9")),
    Edit("unknown_course_identifier", REFUSED,
         lambda con, w: set_declaration(con, paid(w), course_identifier="ecf-coaching")),
    Edit("unknown_evidence_held", REFUSED, lambda con, w: set_declaration(con, paid(w), evidence_held="video-call")),
    Edit("unknown_ineligible_for_funding_reason", REFUSED,
         lambda con, w: set_declaration(con, paid(w), ineligible_for_funding_reason="too_late")),
    Edit("unknown_training_status", REFUSED, lambda con, w: set_enrolment(con, w, training_status="paused")),
    Edit("unknown_participant_status", REFUSED, lambda con, w: set_enrolment(con, w, participant_status="retired")),
    Edit("unknown_schedule_identifier", REFUSED,
         lambda con, w: set_enrolment(con, w, schedule_identifier="ecf-intensive-may")),
    Edit("unknown_withdrawal_reason", REFUSED, lambda con, w: set_enrolment(con, w, withdrawal_reason="sabbatical")),
    Edit("unknown_deferral_reason", REFUSED, lambda con, w: set_enrolment(con, w, deferral_reason="gap-year")),
]  # fmt: skip


@pytest.mark.parametrize("edit", EDITS, ids=[e.code for e in EDITS])
def test_an_edited_situation_shows_exactly_its_anomaly(clean: Clean, edit: Edit, tmp_path: Path) -> None:
    """The situation cannot come from the sandbox's API (see edit.why), so the synced rows are edited; then the
    views are refreshed as `syncer views` would, and exactly the affected declarations carry exactly that code."""
    copy = tmp_path / "edited.duckdb"
    shutil.copy(clean.path, copy)
    with Warehouse(copy) as warehouse:
        hit = edit.apply(warehouse.con, clean.world)
        views.refresh(warehouse, rows=True)
    assert hit and found(copy) == {(key, edit.code) for key in hit}, edit.why
    assert all(explained(copy, edit.code).values())
    with duckdb.connect(str(copy), read_only=True) as con:  # the rest of the finance layer still answers
        for view in ("declarations_current", "statement_reconciliation", "clawback_ledger", "participant_timeline"):
            con.execute(f"SELECT count(*) FROM {view}").fetchall()


# -- situations the sandbox produces through its own endpoints -------------------------------------------------
def test_a_merge_files_declarations_under_a_merged_away_participant_and_duplicates_them(tmp_path: Path) -> None:
    """A school registered a teacher twice, and the provider declared a milestone for both registrations (RECT
    checks the billable slot per teacher record, so POST /participant-declarations accepts the second). An admin
    then merges the first registration, with its declarations, into the second (POST /sandbox/events merge).
    Declarations the incremental sync does not re-fetch keep the retired participant id (participant_merged_away)
    until a full sync; the survivor now holds both registrations' declarations of the milestone
    (duplicate_live_declaration)."""
    with SandboxProcess(seed=31, participants=40, providers=1) as sandbox:
        config = settings(sandbox, tmp_path / "w.duckdb")
        checked(run_sync(config, full=True))
        first = sandbox.truth()
        assert found(config.warehouse.path) == anomalies(World(first)) == set()
        declared = declared_for_twice(sandbox, lambda: checked(run_sync(config)))
        checked(run_sync(config))
        previous = sandbox.truth()
        merge_one_of(sandbox, declared, lambda: checked(run_sync(config)))
        now = sandbox.truth()
        stale = stale_after_merge(previous, now, since(config.warehouse.path))
        expected = anomalies(World(with_participants(now, stale)))
        assert {"participant_merged_away", "duplicate_live_declaration"} <= {code for _, code in expected}
        assert found(config.warehouse.path) == expected
        merged = {key for key, code in expected if code == "participant_merged_away"}
        assert merged == set(stale)
        texts = explained(config.warehouse.path, "participant_merged_away")
        assert all(stale[key] in texts[key] for key in merged)
        checked(run_sync(config, full=True))  # the API re-sends them under the surviving id
        assert found(config.warehouse.path) == anomalies(World(sandbox.truth()))
        assert "participant_merged_away" not in {code for _, code in found(config.warehouse.path)}


def declared_for_twice(sandbox: SandboxProcess, synced: Callable[[], object]) -> set[tuple[str, str]]:
    """(first registration, second) of the teachers registered twice for whom the provider has now declared on both
    registrations; days pass (each followed by `synced`) until it could declare for one (an open statement)."""
    for _ in range(10):
        with sandbox.client() as client:
            truth = sandbox.truth()
            declared = {pair for pair in registered_twice(truth) if declare_again(client, truth, *pair)}
        if declared:
            return declared
        sandbox.tick(3)
        synced()
    raise AssertionError("no second registration could be declared for")


def merge_one_of(sandbox: SandboxProcess, pairs: set[tuple[str, str]], synced: Callable[[], object]) -> None:
    """Admin merges (each followed by `synced`) until one joins the two registrations of a pair in `pairs`."""
    for _ in range(len(registered_twice(sandbox.truth())) + len(pairs)):  # each merge joins one pending pair
        merged = httpx.post(f"{sandbox.url}/sandbox/events", json={"kind": "merge"}, timeout=30).json()
        synced()
        if (merged["from_participant_id"], merged["to_participant_id"]) in pairs:
            return
    raise AssertionError("no merge produced both situations")


def registered_twice(truth: dict[str, Any]) -> list[tuple[str, str]]:
    """(first registration, second) of each teacher listed twice: the same name, school, cohort and role, and the
    second without the TRN (RECT keeps TRNs unique) and with nothing declared."""
    declared = {d["attributes"]["participant_id"] for d in truth["participant-declarations"]}

    def shape(participant: Item) -> tuple[Any, ...]:
        (enrolment, *_) = participant["attributes"]["ecf_enrolments"]
        return participant["attributes"]["full_name"], enrolment["school_urn"], enrolment["cohort"], enrolment[
            "participant_type"]  # fmt: skip

    firsts = {shape(p): p["id"] for p in truth["participants"] if p["attributes"]["teacher_reference_number"]}
    return [
        (firsts[shape(p)], p["id"])
        for p in truth["participants"]
        if p["attributes"]["teacher_reference_number"] is None
        and p["attributes"]["ecf_enrolments"]
        and shape(p) in firsts
        and firsts[shape(p)] in declared
        and p["id"] not in declared
    ]


def declare_again(client: httpx.Client, truth: dict[str, Any], original: str, second: str) -> bool:
    """The provider declares for the second registration the first registration's earliest live milestone; False
    if the API refuses it (e.g. the cohort's contract has ended)."""
    held = min(
        (d for d in truth["participant-declarations"]
         if d["attributes"]["participant_id"] == original and d["attributes"]["state"] in LIVE),
        key=lambda d: d["attributes"]["declaration_date"],
    )["attributes"]  # fmt: skip
    attributes: Item = {
        "participant_id": second,
        "declaration_type": held["declaration_type"],
        "declaration_date": held["declaration_date"],
        "course_identifier": held["course_identifier"],
    }
    if held["evidence_held"] is not None:
        attributes["evidence_held"] = held["evidence_held"]
    body = {"data": {"type": "participant-declaration", "attributes": attributes}}
    response = client.post("/api/v3/participant-declarations", json=body)
    assert response.status_code in (200, 422), response.text
    return response.status_code == 200


def since(path: Path) -> Any:
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute(
            "SELECT updated_since FROM sync_runs WHERE stream = 'participant-declarations' ORDER BY started_at DESC"
        ).fetchone()
    assert row is not None and row[0] is not None
    return row[0]


def stale_after_merge(previous: dict[str, Any], now: dict[str, Any], updated_since: Any) -> dict[str, str]:
    """Declarations re-pointed by a merge that the incremental sync did not fetch again: id -> the old id."""
    before = {d["id"]: d["attributes"]["participant_id"] for d in previous["participant-declarations"]}
    return {
        d["id"]: before[d["id"]]
        for d in now["participant-declarations"]
        if d["id"] in before and before[d["id"]] != d["attributes"]["participant_id"]
        and moment(d["attributes"]["updated_at"]) < updated_since
    }  # fmt: skip


def with_participants(truth: dict[str, Any], old_ids: dict[str, str]) -> dict[str, Any]:
    copy = {**truth, "participant-declarations": []}
    for d in truth["participant-declarations"]:
        attributes = {**d["attributes"], "participant_id": old_ids.get(d["id"], d["attributes"]["participant_id"])}
        copy["participant-declarations"].append({**d, "attributes": attributes})
    return copy


def test_a_paid_declaration_voided_by_another_provider_leaves_scope(tmp_path: Path) -> None:
    """Another provider's paid declaration for a participant who transferred to us is voided by that provider with
    PUT /participant-declarations/{id}/void: it becomes awaiting-clawback (or voided, if it was payable), drops out
    of our scope, and a full sync marks our copy, still paid or payable, as removed (left_scope_while_billable)."""
    with SandboxProcess(seed=13, participants=40) as sandbox:
        truths = {name: sandbox.truth(token) for name, token in sandbox.tokens.items()}
        name, target = next((name, d) for name, truth in truths.items() for d in voidable(World(truth), truths))
        config = settings(sandbox, tmp_path / "w.duckdb", sandbox.tokens[name])
        checked(run_sync(config, full=True))
        observer = Observer()
        observer.observe(sandbox.truth(sandbox.tokens[name]))
        baseline = found(config.warehouse.path)
        assert baseline == anomalies(World(sandbox.truth(sandbox.tokens[name])), observer)
        with sandbox.client(sandbox.tokens[target["lead_provider_name"]]) as client:
            assert client.put(f"/api/v3/participant-declarations/{target['id']}/void").status_code == 200
        checked(run_sync(config, full=True))
        now = sandbox.truth(sandbox.tokens[name])
        observer.observe(now)
        after = found(config.warehouse.path)
        assert after == anomalies(World(now), observer)
        assert after - baseline == {(target["id"], "left_scope_while_billable")}
        assert target["id"] not in {d["id"] for d in now["participant-declarations"]}


def voidable(world: World, truths: dict[str, dict[str, Any]]) -> list[Item]:
    """Another provider's billable declarations that it can still void: payable ones, and paid ones whose cohort
    has an output statement still to come (for the clawback)."""
    found = []
    for d in world.declarations:
        if world.own(d) or d["state"] not in ("paid", "payable"):
            continue
        theirs = truths[d["lead_provider_name"]]
        today = theirs["_meta"]["clock"][:10]
        statements = [s["attributes"] for s in theirs["statements"]]
        cohort = next(s["attributes"]["cohort"] for s in theirs["statements"] if s["id"] == d["statement_id"])
        if d["state"] == "payable" or any(s["cohort"] == cohort and s["cut_off_date"] >= today for s in statements):
            found.append(d)
    return found
