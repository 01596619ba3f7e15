"""Mentors, partnerships and schools as RECT derives them (issue #18 items 5, 7, 8, 9).

- Unfunded mentors are the current mentors of a provider's ECTs whom it trains in neither role; one whose
  mentorships end leaves the list with no tombstone (R: api/teachers/unfunded_mentors/query.rb).
- Mentors in mentor-funding contract periods (2025 on) declare started and completed only (R: declaration.rb).
- participants_currently_training counts the periods containing today whatever their status, when served; only the
  00:01 job touches a partnership, for periods starting today or finished yesterday
  (R: touch_school_partnership_for_participants_currently_training_job.rb).
- A school's in_partnership is a partnership with any provider; expression_of_interest (and the induction tutor)
  an expression of interest in, or a partnership with, this provider; ineligible schools stay listed while any
  provider is partnered with them (R: school_serializer.rb, api/schools/query.rb). ECF1 counts unchallenged
  partnerships only (E: school_serializer.rb, schools_query.rb).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from syncer.sandbox.activity import advance
from syncer.sandbox.ecf import challenge
from syncer.sandbox.generate import MILESTONE_MONTHS, add_months
from syncer.sandbox.model import MENTOR_FUNDING_FROM
from syncer.sandbox.world import World
from tests.sandbox_process import InProcessSandbox, Sandbox

Item = dict[str, Any]


def listed(sandbox: Sandbox, name: str, path: str, **params: str) -> list[Item]:
    with sandbox.client(sandbox.tokens[name]) as client:
        response = client.get(f"/api/v3{path}", params={"page[per_page]": "3000", **params})
    assert response.status_code == 200, response.text
    items: list[Item] = response.json()["data"]
    assert len(items) < 3000, "one page holds the whole list"
    return items


def event(sandbox: Sandbox, kind: str, provider: str) -> Item:
    with sandbox.connect({}) as http:
        response = http.post("/sandbox/events", json={"kind": kind, "provider": provider}, timeout=60)
    assert response.status_code == 200, response.text
    found: Item = response.json()
    return found


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def clock(sandbox: Sandbox) -> str:
    found: str = sandbox.truth()["_meta"]["clock"]
    return found


def mentors_of(participants: list[Item]) -> dict[str, str]:
    """ECT participant id -> the mentor_id its ECT enrolment shows."""
    return {
        p["id"]: e["mentor_id"]
        for p in participants
        for e in p["attributes"]["ecf_enrolments"]
        if e["participant_type"] == "ect" and e["mentor_id"]
    }


# -- item 5: unfunded mentors --------------------------------------------------------------------------------------


def test_an_unfunded_mentor_whose_mentorships_end_leaves_the_list_silently(fresh_in_process: InProcessSandbox) -> None:
    world = fresh_in_process.world
    name = next(iter(fresh_in_process.tokens))
    before = {m["id"]: m for m in listed(fresh_in_process, name, "/unfunded-mentors")}
    mentored_before = mentors_of(listed(fresh_in_process, name, "/participants"))
    since = clock(fresh_in_process)
    happened = event(fresh_in_process, "end_mentorship", name)
    gone = happened["participant_id"]
    mentees = {ect for ect, mentor in mentored_before.items() if mentor == gone}
    assert gone in before and mentees and happened["mentorships_ended"] >= len(mentees)

    assert gone not in {m["id"] for m in listed(fresh_in_process, name, "/unfunded-mentors")}
    with fresh_in_process.client(fresh_in_process.tokens[name]) as client:
        assert client.get(f"/api/v3/unfunded-mentors/{gone}").status_code == 404
    # no tombstone and no bump of its own: nothing changed since the event says it left
    assert not listed(fresh_in_process, name, "/unfunded-mentors", **{"filter[updated_since]": since})
    assert stamp(world.teachers[gone].unfunded_mentor_updated_at) == before[gone]["attributes"]["updated_at"]
    # its mentees show no mentor, and were touched (RECT's metadata touches the ECT when its mentor changes)
    changed = listed(fresh_in_process, name, "/participants", **{"filter[updated_since]": since})
    assert mentees <= {p["id"] for p in changed}
    assert not mentees & set(mentors_of(changed))


def test_days_end_mentorships_and_unfunded_mentors_leave(fresh_in_process: InProcessSandbox) -> None:
    world = fresh_in_process.world
    names = list(fresh_in_process.tokens)
    before = {n: {m["id"] for m in listed(fresh_in_process, n, "/unfunded-mentors")} for n in names}
    activity = fresh_in_process.tick(30)["activity"]
    assert activity["unfunded_mentors_stopped"] > 0 and activity["mentorships_ended"] > 0
    left = set()
    for n in names:
        provider = world.provider_named(n)
        for mentor_id in before[n] - {m["id"] for m in listed(fresh_in_process, n, "/unfunded-mentors")}:
            teacher = world.teachers[mentor_id]
            # not merged away, removed or now trained by the provider: their mentorships ended
            if world.is_visible_teacher(teacher) and not world.provider_periods(mentor_id, provider.id):
                left.add((n, mentor_id))
    assert left


def test_an_ect_removed_in_error_takes_their_mentorship_along() -> None:
    world = World(seed=11, participants=40)
    provider_id = next(iter(world.providers))
    mentor = world.unfunded_mentor_scope(provider_id)[0]
    mentees = [
        p
        for p in world.periods.values()
        if p.lead_provider_id == provider_id and p.participant_type == "ect" and p.mentor_id == mentor.id
    ]
    assert mentees
    for period in mentees:
        world.teachers[period.teacher_id].removed = True  # R: undo_registration deletes their mentorships
    world.changed()
    assert mentor not in world.unfunded_mentor_scope(provider_id)
    assert world.is_visible_teacher(mentor)


def test_a_teacher_the_provider_trains_as_an_ect_is_not_its_unfunded_mentor() -> None:
    """`where.not(latest_ect_training_period: nil, latest_mentor_training_period: nil)` is NOT (a AND b): a teacher
    trained by the provider in either role is left out. ECF1 leaves out only a mentor whose mentor profile it trains
    (E: unfunded_mentors_query.rb), so lists them still."""
    world = World(seed=11, participants=40)
    rect, ecf1 = InProcessSandbox(world), InProcessSandbox(world, "ecf-v3")
    provider = next(iter(world.providers.values()))
    mentor = world.unfunded_mentor_scope(provider.id)[0]
    schedule, _ = world.records.schedule_for(2025)
    world.records.add_period(mentor, provider, 2025, "ect", schedule, world.today)
    world.changed()
    assert mentor.id not in {m["id"] for m in listed(rect, provider.name, "/unfunded-mentors")}
    with ecf1.client(provider.token) as client:
        response = client.get("/api/v3/unfunded-mentors/ecf", params={"page[per_page]": "3000"})
    assert mentor.id in {m["id"] for m in response.json()["data"]}


# -- item 7: mentor declarations in mentor-funding contract periods -----------------------------------------------


def test_mentors_in_mentor_funding_cohorts_declare_only_started_and_completed() -> None:
    world = World(seed=3, participants=300)
    advance(world, 45)
    by_funding: dict[bool, set[str]] = {True: set(), False: set()}
    for declaration in world.declarations.values():
        period = declaration.training_period
        if period.participant_type == "mentor":
            by_funding[period.cohort >= MENTOR_FUNDING_FROM].add(declaration.declaration_type)
    assert by_funding[True] and by_funding[True] <= {"started", "completed"}
    # the rule bites: some of these mentors declared started and are past their retained-1 milestone, which
    # mentors of the earlier cohorts do declare
    declared = {id(d.training_period) for d in world.declarations.values()}
    past_retained = [
        p
        for p in world.periods.values()
        if p.participant_type == "mentor"
        and p.cohort >= MENTOR_FUNDING_FROM
        and add_months(p.started_on, MILESTONE_MONTHS["retained-1"]) < world.today
        and id(p) in declared
    ]
    assert past_retained and "retained-1" in by_funding[False]


# -- item 8: participants_currently_training -----------------------------------------------------------------------


def contained_today(world: World) -> dict[tuple[str, str, int], list[Any]]:
    today = world.today
    found: dict[tuple[str, str, int], list[Any]] = {}
    for p in world.periods.values():
        contains = p.started_on <= today and (p.finished_on is None or today <= p.finished_on)
        if contains and not world.teachers[p.teacher_id].removed:
            found.setdefault((p.lead_provider_id, p.school_id, p.cohort), []).append(p)
    return found


def test_participants_currently_training_counts_every_period_containing_today(
    rect_both_tiers: Sandbox, rect_in_process: InProcessSandbox
) -> None:
    world = rect_in_process.world  # the world both tiers serve, read here
    expected = contained_today(world)
    deferred_counted = 0
    for name in rect_both_tiers.tokens:
        provider = world.provider_named(name)
        for item in listed(rect_both_tiers, name, "/partnerships"):
            key = (provider.id, item["attributes"]["school_id"], int(item["attributes"]["cohort"]))
            periods = expected.get(key, [])
            assert item["attributes"]["participants_currently_training"] == len(periods), key
            deferred_counted += sum(p.training_status == "deferred" for p in periods)
    assert deferred_counted > 0


def test_the_count_moves_when_served_but_only_the_nightly_job_touches(fresh_in_process: InProcessSandbox) -> None:
    world = fresh_in_process.world
    name = next(iter(fresh_in_process.tokens))
    provider = world.provider_named(name)

    def partnership(school_id: str, cohort: int) -> Item:
        (found,) = [
            p
            for p in listed(fresh_in_process, name, "/partnerships")
            if (p["attributes"]["school_id"], p["attributes"]["cohort"]) == (school_id, str(cohort))
        ]
        return found

    # a period that starts today, created after the 00:01 job: counted at once, never touched for
    happened = event(fresh_in_process, "train_unfunded_mentor", name)
    (period,) = [p for p in world.provider_periods(happened["participant_id"], provider.id)]
    assert period.started_on == world.today
    key = (period.school_id, period.cohort)
    after = partnership(*key)["attributes"]
    assert after["participants_currently_training"] == len(contained_today(world)[(provider.id, *key)])
    untouched = after["updated_at"]
    assert untouched < clock(fresh_in_process)
    fresh_in_process.tick(1)
    # the next 00:01 touches it only if another of its periods starts that day or finished the day before
    job_touches = any(
        (p.started_on == world.today or p.finished_on == world.today - timedelta(days=1))
        and not world.teachers[p.teacher_id].removed
        for p in world.periods.values()
        if (p.lead_provider_id, p.school_id, p.cohort) == (provider.id, *key)
    )
    midnight = stamp(datetime.combine(world.today, time(0, 1), tzinfo=UTC))
    assert partnership(*key)["attributes"]["updated_at"] == (midnight if job_touches else untouched)


def test_a_period_starting_today_touches_its_partnership_at_00_01(fresh_in_process: InProcessSandbox) -> None:
    world = fresh_in_process.world
    checked = 0
    for first_start in sorted({p.started_on for p in world.periods.values() if p.started_on > world.today})[:5]:
        checked += partnerships_touched_on(fresh_in_process, first_start)
        if checked:
            break
    assert checked


def partnerships_touched_on(fresh_in_process: InProcessSandbox, first_start: date) -> int:
    """Ticks to `first_start` and checks the partnerships of the periods starting then; answers how many."""
    world = fresh_in_process.world
    fresh_in_process.tick((first_start - world.today).days)
    midnight = datetime.combine(first_start, time(0, 1), tzinfo=UTC)
    starting = [
        p for p in world.periods.values() if p.started_on == first_start and not world.teachers[p.teacher_id].removed
    ]
    checked = 0
    for period in starting:
        name = world.providers[period.lead_provider_id].name
        (shown,) = [
            p["attributes"]
            for p in listed(fresh_in_process, name, "/partnerships")
            if (p["attributes"]["school_id"], p["attributes"]["cohort"]) == (period.school_id, str(period.cohort))
        ]
        if shown["created_at"] >= stamp(midnight):
            continue  # registered today, after the job: stamped when created
        assert shown["updated_at"] == stamp(midnight)
        counted = contained_today(world)[(period.lead_provider_id, period.school_id, period.cohort)]
        assert period in counted and shown["participants_currently_training"] == len(counted)
        checked += 1
    return checked


def test_a_period_finished_yesterday_touches_its_partnership() -> None:
    world = World(seed=11, participants=40)
    first_finish = min(p.finished_on for p in world.periods.values() if p.finished_on and p.finished_on >= world.today)
    advance(world, (first_finish - world.today).days + 1)
    midnight = datetime.combine(first_finish + timedelta(days=1), time(0, 1), tzinfo=UTC)
    finished = [
        p for p in world.periods.values() if p.finished_on == first_finish and not world.teachers[p.teacher_id].removed
    ]
    assert finished
    for period in finished:
        key = (period.lead_provider_id, period.school_id, period.cohort)
        assert world.partnership_index[key].updated_at == midnight
        assert period not in contained_today(world).get(key, [])


# -- item 9: school fields -------------------------------------------------------------------------------------------


def partnered_pairs(sandbox: Sandbox, path: str = "/partnerships", active_only: bool = False) -> dict[str, set[Any]]:
    """Provider name -> the (school id, cohort) pairs it is partnered in (ECF1: unchallenged ones only)."""
    return {
        name: {
            (p["attributes"]["school_id"], p["attributes"]["cohort"])
            for p in listed(sandbox, name, path)
            if not active_only or p["attributes"]["status"] == "active"
        }
        for name in sandbox.tokens
    }


def test_in_partnership_is_any_providers_and_expression_of_interest_this_ones(
    rect_both_tiers: Sandbox, rect_in_process: InProcessSandbox
) -> None:
    world = rect_in_process.world  # the world both tiers serve, read here for the expressions of interest
    pairs = partnered_pairs(rect_both_tiers)
    anyone = set().union(*pairs.values())
    seen = {"others_only": 0, "partnered_not_interested": 0}
    for name in rect_both_tiers.tokens:
        provider = world.provider_named(name)
        for cohort in ("2024", "2025"):
            for school in listed(rect_both_tiers, name, "/schools", **{"filter[cohort]": cohort}):
                pair, shown = (school["id"], cohort), school["attributes"]
                interested = provider.id in world.schools[school["id"]].cohorts[int(cohort)].interested_provider_ids
                assert shown["in_partnership"] == (pair in anyone), pair
                assert shown["expression_of_interest"] == (interested or pair in pairs[name]), pair
                assert (shown["induction_tutor_name"] is not None) == shown["expression_of_interest"]
                assert (shown["induction_tutor_email"] is not None) == shown["expression_of_interest"]
                seen["others_only"] += pair in anyone - pairs[name]
                seen["partnered_not_interested"] += pair in pairs[name] and not interested
    assert all(seen.values()), seen


def test_an_ineligible_school_stays_listed_while_any_provider_is_partnered() -> None:
    world = World(seed=11, participants=40)
    rect, ecf1 = InProcessSandbox(world), InProcessSandbox(world, "ecf-v3")
    name, cohort = next(iter(rect.tokens)), 2025
    provider = world.provider_named(name)
    partnerships: dict[str, list[Any]] = {s.id: [] for s in world.schools.values()}
    for found in world.partnerships.values():
        if found.cohort == cohort:
            partnerships[found.school_id].append(found)
    others_only = next(s for s, found in partnerships.items() if found and provider.id not in
                       {p.lead_provider_id for p in found} and all(challenge(p) is None for p in found))  # fmt: skip
    challenged_only = next(s for s, found in partnerships.items() if found and all(challenge(p) for p in found))
    nobody = next(s for s, found in partnerships.items() if not found)
    for school_id in (others_only, challenged_only, nobody):
        world.schools[school_id].cohorts[cohort].eligible = False
    world.changed()

    listed_rect = {s["id"]: s["attributes"] for s in listed(rect, name, "/schools", **{"filter[cohort]": "2025"})}
    assert others_only in listed_rect and challenged_only in listed_rect and nobody not in listed_rect
    assert listed_rect[others_only]["in_partnership"] and not listed_rect[others_only]["expression_of_interest"]
    with ecf1.client(ecf1.tokens[name]) as client:
        response = client.get("/api/v3/schools/ecf", params={"filter[cohort]": "2025", "page[per_page]": "3000"})
    listed_ecf1 = {s["id"]: s["attributes"] for s in response.json()["data"]}
    # ECF1 keeps an ineligible school for an unchallenged partnership only
    assert others_only in listed_ecf1 and challenged_only not in listed_ecf1 and nobody not in listed_ecf1
    assert listed_ecf1[others_only]["in_partnership"]


def test_ecf1_in_partnership_counts_unchallenged_partnerships_with_any_provider(
    ecf_in_process: InProcessSandbox,
) -> None:
    pairs = partnered_pairs(ecf_in_process, "/partnerships/ecf", active_only=True)
    anyone = set().union(*pairs.values())
    others_only = 0
    for name in ecf_in_process.tokens:
        with ecf_in_process.client(ecf_in_process.tokens[name]) as client:
            for cohort in ("2024", "2025"):
                params = {"filter[cohort]": cohort, "page[per_page]": "3000"}
                for school in client.get("/api/v3/schools/ecf", params=params).json()["data"]:
                    pair = (school["id"], cohort)
                    assert school["attributes"]["in_partnership"] == (pair in anyone), pair
                    others_only += pair in anyone - pairs[name]
    assert others_only


# -- found on the way: what the RECT serializer shows that the sandbox left null ----------------------------------


def test_unfunded_mentors_show_their_trn(rect_in_process: InProcessSandbox) -> None:
    """R: unfunded_mentor_serializer.rb `field(:trn, name: :teacher_reference_number)`."""
    world = rect_in_process.world
    shown = [m for n in rect_in_process.tokens for m in listed(rect_in_process, n, "/unfunded-mentors")]
    assert any(m["attributes"]["teacher_reference_number"] for m in shown)
    for mentor in shown:
        assert mentor["attributes"]["teacher_reference_number"] == world.teachers[mentor["id"]].trn
