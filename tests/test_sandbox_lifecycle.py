"""Who a participant is and how that changes under /sandbox/tick (syncer/sandbox/lifecycle.py): transfers to another
provider, training_record_id as the teacher's per role, merges of one teacher's two registrations, and participants
found eligible for funding (issue #18 items 1, 2, 4 and 6; api-facts §4.1, §5, §9 traps 1, 6 and 7)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import pytest

from syncer.sandbox import ecf, lifecycle, serialize
from syncer.sandbox.world import World
from tests.conftest import FRESH
from tests.sandbox_process import InProcessSandbox
from tests.test_sandbox_tick import Truths, clock, declarations, id_changes, rows, tick, truths

LIVE = ("submitted", "eligible", "payable", "paid")
Item = dict[str, Any]


def by_id(items: list[Item]) -> dict[str, Item]:
    return {i["id"]: i for i in items}


def enrolment_ids(everything: Truths) -> dict[tuple[str, str], set[str]]:
    """(participant, role) -> the training_record_ids any provider lists for it."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for truth in everything.values():
        for participant in truth["participants"]:
            for enrolment in participant["attributes"]["ecf_enrolments"]:
                found[(participant["id"], enrolment["participant_type"])].add(enrolment["training_record_id"])
    return found


@pytest.fixture(scope="module")
def lived() -> tuple[Truths, Truths, Counter[str]]:
    """A fresh world's truths before and after sixty simulated days, and what those days did."""
    sandbox = InProcessSandbox(FRESH.world())
    start = truths(sandbox)
    done: Counter[str] = Counter()
    for _ in range(6):
        done.update(tick(sandbox, {"days": 10}).json()["activity"])
    return start, truths(sandbox), done


# -- item 1: transfers to another provider --------------------------------------------------------------------------


def test_a_transfer_in_shows_the_previous_providers_declarations_with_their_old_timestamps(
    fresh_in_process: InProcessSandbox,
) -> None:
    """The new provider sees the previous provider's billable declarations at once, stamped before the transfer:
    `filter[updated_since]` never returns them, `filter[participant_id]` does (R:api/declarations/query.rb)."""
    for _ in range(40):
        before = truths(fresh_in_process)
        summary = tick(fresh_in_process, {"days": 1}).json()
        if not summary["activity"].get("transferred_in"):
            continue
        after = truths(fresh_in_process)
        arrived = [
            (name, d)
            for name, truth in after.items()
            for d in truth["participant-declarations"]
            if d["attributes"]["lead_provider_name"] != name
            and d["id"] not in by_id(before[name]["participant-declarations"])
            and d["attributes"]["participant_id"] not in by_id(before[name]["participants"])
        ]
        if arrived:
            break
    else:
        pytest.fail("forty days without a transfer-in that brings another provider's declarations")
    since = summary["clock_before"]
    for name, declaration in arrived:
        attributes, participant_id = declaration["attributes"], declaration["attributes"]["participant_id"]
        assert attributes["updated_at"] < since and attributes["created_at"] < since, "not bumped by the transfer"
        assert attributes["state"] in LIVE
        newer = rows(fresh_in_process, name, "/participant-declarations", {"filter[updated_since]": since})
        assert declaration["id"] not in by_id(newer), "an incremental declarations sync never sees it"
        own = rows(fresh_in_process, name, "/participant-declarations", {"filter[participant_id]": participant_id})
        assert declaration["id"] in by_id(own)
        participant = by_id(after[name]["participants"])[participant_id]
        assert participant["attributes"]["updated_at"] >= since, "the new training period touches the teacher"
        moves = by_id(after[name]["participants/transfers"])[participant_id]["attributes"]["transfers"]
        assert any(t["joining"] and t["joining"]["provider"] == name for t in moves)
        assert any(t["leaving"]["provider"] == attributes["lead_provider_name"] for t in moves)


def test_no_view_holds_two_live_declarations_of_one_milestone(lived: tuple[Truths, Truths, Counter[str]]) -> None:
    """RECT refuses a second billable declaration of a milestone per teacher and role, whichever provider holds the
    first (R:api/declarations/create.rb, validates_billable_slot_available), and merges join one teacher's
    records, one of which was declared for: so neither transfers nor merges make duplicates (issue #18 item 4)."""
    start, end, done = lived
    assert done["transferred_in"] >= 2 and done["merged"] >= 5
    for truth in (start, end):
        for name, view in truth.items():
            live = Counter(
                (a["participant_id"], a["course_identifier"], a["declaration_type"])
                for a in (d["attributes"] for d in view["participant-declarations"])
                if a["state"] in LIVE
            )
            assert [k for k, n in live.items() if n > 1] == [], name


# -- item 2: training_record_id is the teacher's, per role ----------------------------------------------------------


def test_training_record_id_is_one_per_teacher_and_role_everywhere_and_always(
    lived: tuple[Truths, Truths, Counter[str]],
) -> None:
    start, end, _ = lived
    seen_by_two = {p for truth in (start, end) for p, n in Counter(
        x["id"] for view in truth.values() for x in view["participants"]).items() if n > 1}  # fmt: skip
    assert seen_by_two, "some participants are trained by two providers (transfers)"
    for truth in (start, end):
        assert all(len(ids) == 1 for ids in enrolment_ids(truth).values()), "one id per teacher and role"
    before, after = enrolment_ids(start), enrolment_ids(end)
    assert before.keys() & after.keys()
    assert all(before[key] == after[key] for key in before.keys() & after.keys()), "the id never changes"
    everyone = [record for ids in after.values() for record in ids]
    assert len(everyone) == len(set(everyone)), "no two teachers or roles share one"
    for view in end.values():
        listed = {p["id"]: p for p in view["participants"]}
        for moved in view["participants/transfers"]:
            if moved["id"] in listed:
                (ect_id,) = after[(moved["id"], "ect")]
                assert {t["training_record_id"] for t in moved["attributes"]["transfers"]} == {ect_id}


def test_a_merge_keeps_the_survivors_training_record_id(fresh_in_process: InProcessSandbox) -> None:
    """The survivor lists the moved training periods under its own training_record_id (R: the serializer reads
    teachers.api_*_training_record_id): the merge changes no enrolment's key."""
    world = fresh_in_process.world
    name = next(iter(fresh_in_process.tokens))
    pending = {t.id: t.duplicate_of for t in lifecycle.pending(world, world.provider_named(name).id)}
    before = by_id(truths(fresh_in_process)[name]["participants"])
    with fresh_in_process.connect({}) as http:
        merged = http.post("/sandbox/events", json={"kind": "merge", "provider": name}).json()
    survivor_id = merged["to_participant_id"]
    assert pending[survivor_id] == merged["from_participant_id"], "the first registration merges into the second"
    assert len(world.periods_by_teacher[survivor_id]) >= 2, "the survivor holds the moved periods"
    survivor = by_id(truths(fresh_in_process)[name]["participants"])[survivor_id]
    assert [e["training_record_id"] for e in survivor["attributes"]["ecf_enrolments"]] == [
        e["training_record_id"] for e in before[survivor_id]["attributes"]["ecf_enrolments"]
    ]


def test_ecf1_serves_the_profile_id_which_a_merge_moves_along() -> None:
    """ECF1's training_record_id is the participant profile's id, and a merge moves profiles to the surviving user
    (E:identity/transfer.rb): the survivor lists the moved profile under the id it had, where RECT lists the
    survivor's own."""
    world = World(seed=FRESH.seed, participants=FRESH.participants)
    provider = next(iter(world.providers.values()))
    duplicate = lifecycle.pending(world, provider.id)[0]
    assert duplicate.duplicate_of is not None
    original = world.teachers[duplicate.duplicate_of]
    lifecycle.merge_duplicate(world, world.records, duplicate, False, world.clock)  # the second into the first
    world.changed()
    (period,) = world.latest_periods(original.id, provider.id)
    assert period.profile_id == duplicate.training_record_id(period.participant_type), "the second's, moved"
    (rect,) = serialize.participant(world, original, provider.id)["attributes"]["ecf_enrolments"]
    (ecf1,) = ecf.participant(world, original, provider.id)["attributes"]["ecf_enrolments"]
    assert rect["training_record_id"] == original.training_record_id(period.participant_type)
    assert ecf1["training_record_id"] == period.profile_id != rect["training_record_id"]


# -- item 4: merges join two registrations of one teacher ---------------------------------------------------------


def test_merges_join_two_registrations_of_one_teacher(lived: tuple[Truths, Truths, Counter[str]]) -> None:
    start, end, _ = lived
    named = {p["id"]: p["attributes"]["full_name"] for view in start.values() for p in view["participants"]}
    changes = id_changes(end)
    assert len({c["from_participant_id"] for c in changes}) >= 5
    known = [c for c in changes if c["from_participant_id"] in named and c["to_participant_id"] in named]
    assert known, "some merges join records that existed at the start"
    for change in known:
        assert named[change["from_participant_id"]] == named[change["to_participant_id"]], "one person"


def test_a_merge_bumps_no_transfer() -> None:
    """Only the school periods' teacher changes (R:teachers/merge.rb), so the transfer keeps its updated_at, and
    shows under the survivor."""
    world = World(seed=FRESH.seed, participants=FRESH.participants)
    transfer = world.transfers[0]
    teacher = world.teachers[transfer.teacher_id]
    latest = max(world.periods_by_teacher[teacher.id], key=lambda p: p.started_on)
    duplicate = lifecycle.register_duplicate(world, world.records.rng, latest, world.clock)
    stamped = transfer.updated_at
    lifecycle.merge_duplicate(world, world.records, duplicate, True, world.clock)
    assert transfer.teacher_id == duplicate.id
    assert transfer.updated_at == stamped < world.clock


# -- item 6: submitted declarations become eligible -----------------------------------------------------------------


def test_submitted_declarations_become_eligible_when_the_participant_is_found_eligible(
    fresh_in_process: InProcessSandbox,
) -> None:
    """R:declarations/actions/mark_declarations_eligible.rb: each no-payment declaration of the teacher in the role
    becomes eligible on its provider's first output statement with a deadline today or later, bumped; the
    teacher is touched too (teachers/set_ect_funding_eligibility.rb)."""
    for _ in range(40):
        before = truths(fresh_in_process)
        summary = tick(fresh_in_process, {"days": 1}).json()
        if summary["activity"].get("declarations_made_eligible"):
            break
    else:
        pytest.fail("forty days without a submitted declaration made eligible")
    after = truths(fresh_in_process)
    was, now = declarations(before), declarations(after)
    moved = [
        i
        for i, d in was.items()
        if d["attributes"]["state"] == "submitted" and now[i]["attributes"]["state"] == "eligible"
    ]
    assert len(moved) == summary["activity"]["declarations_made_eligible"]
    today = clock(fresh_in_process)[:10]
    for declaration_id in moved:
        attributes = now[declaration_id]["attributes"]
        owner = after[attributes["lead_provider_name"]]
        statement = by_id(owner["statements"])[attributes["statement_id"]]["attributes"]
        assert statement["cut_off_date"] >= today and not statement["paid"]
        # bumped (today, or a little before when its row also commits late: activity.commit_late)
        assert attributes["updated_at"] > was[declaration_id]["attributes"]["updated_at"], "bumped"
        participant = by_id(owner["participants"])[attributes["participant_id"]]["attributes"]
        assert participant["updated_at"] >= summary["clock_before"], "the teacher is touched"
        role = "ect" if attributes["course_identifier"] == "ecf-induction" else "mentor"
        enrolment = next(e for e in participant["ecf_enrolments"] if e["participant_type"] == role)
        assert enrolment["eligible_for_funding"] is True
