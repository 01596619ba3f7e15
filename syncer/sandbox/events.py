"""POST /sandbox/events: one named service-side event, now. Each is a way a record silently leaves (or
enters) a provider's scope with no tombstone (api-facts §9 trap 6); tests trigger them precisely here, while
/sandbox/tick produces them at random."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from syncer.sandbox import lifecycle, mentorships
from syncer.sandbox.factory import RecordFactory
from syncer.sandbox.model import LeadProvider
from syncer.sandbox.world import World

# an event's picks and any records it makes draw from one random stream, the factory's once it is resumed with it
Event = Callable[[World, RecordFactory, LeadProvider, random.Random], dict[str, Any]]


class EventRefused(Exception):
    """The world has nothing this event could apply to."""


def pick(rng: random.Random, rows: list[Any], what: str) -> Any:
    if not rows:
        raise EventRefused(f"no {what} to apply this event to")
    return rng.choice(rows)


def merge(world: World, records: RecordFactory, provider: LeadProvider, rng: random.Random) -> dict[str, Any]:
    """Two of this provider's participants are found to be one person registered twice: the first registration, and
    with it its declarations, merges into the second."""
    duplicate = pick(rng, lifecycle.pending(world, provider.id), "participant registered twice")
    source, destination = lifecycle.merge_duplicate(world, records, duplicate, True, world.clock)
    return {"from_participant_id": source.id, "to_participant_id": destination.id}


def remove_registered_in_error(
    world: World, records: RecordFactory, provider: LeadProvider, rng: random.Random
) -> dict[str, Any]:
    undeclared = [
        t
        for t in world.participants(provider.id)
        if not any(world.declarations_by_period.get(p.id) for p in world.periods_by_teacher[t.id])
    ]
    teacher = pick(rng, undeclared, "participant without declarations")
    teacher.removed = True
    return {"participant_id": teacher.id}


def void_by_other_provider(
    world: World, records: RecordFactory, provider: LeadProvider, rng: random.Random
) -> dict[str, Any]:
    """Another provider voids a declaration this provider could see: it drops out of this provider's list
    (a paid one goes to awaiting-clawback on that provider's next open statement)."""
    foreign = [d for d in world.declaration_scope(provider.id) if d.training_period.lead_provider_id != provider.id]
    declaration = pick(rng, foreign, "other provider's declaration in scope")
    if declaration.payment_status == "paid":
        period = declaration.training_period
        statements = records.cohort_statements(period.lead_provider_id, period.cohort)
        clawback = next((s for s in statements if s.status == "open" and s.cut_off_date >= world.today), None)
        declaration.clawback_status = "awaiting_clawback"
        declaration.clawback_statement_id = clawback.id if clawback else None
    else:
        declaration.payment_status = "voided"
    declaration.updated_at = world.clock
    return {"declaration_id": declaration.id}


def delete_statement(
    world: World, records: RecordFactory, provider: LeadProvider, rng: random.Random
) -> dict[str, Any]:
    referenced = {d.payment_statement_id for d in world.declarations.values()} | {
        d.clawback_statement_id for d in world.declarations.values()
    }
    unused = [s for s in world.statement_scope(provider.id) if s.id not in referenced and s.status == "open"]
    statement = pick(rng, unused, "unreferenced open statement")
    del world.statements[statement.id]
    return {"statement_id": statement.id}


def train_unfunded_mentor(
    world: World, records: RecordFactory, provider: LeadProvider, rng: random.Random
) -> dict[str, Any]:
    """The provider starts training a mentor it only saw as unfunded: the id moves to /participants."""
    teacher = pick(rng, world.unfunded_mentor_scope(provider.id), "unfunded mentor")
    assignment = world.mentor_assignments(provider.id)[teacher.id]
    # drawn before the event's stream takes over, from the stream the factory last made records with: what a seed
    # serves depends on that order
    schedule, _ = records.schedule_for(assignment.cohort)
    records.resume(rng, world.clock, new_day=False)
    period = records.add_period(
        teacher, provider, assignment.cohort, "mentor", schedule, world.today, school_id=assignment.school_id
    )
    period.created_at = teacher.updated_at = world.clock
    return {"participant_id": teacher.id, "training_record_id": teacher.training_record_id(period.participant_type)}


def school_ineligible(
    world: World, records: RecordFactory, provider: LeadProvider, rng: random.Random
) -> dict[str, Any]:
    """A school no provider is partnered with becomes ineligible: it leaves /schools (a partnership with any provider
    would keep it listed)."""
    cohort = max(world.school_cohorts())
    listed = [s for s in world.school_scope(provider.id, cohort) if not world.in_partnership(s.id, cohort)]
    school = pick(rng, listed, "unpartnered school")
    school.cohorts[cohort].eligible = False
    school.cohorts[cohort].updated_at = world.clock
    return {"school_id": school.id, "cohort": str(cohort)}


def end_mentorship(world: World, records: RecordFactory, provider: LeadProvider, rng: random.Random) -> dict[str, Any]:
    """A mentor this provider sees only as unfunded stops mentoring: they leave /unfunded-mentors, and their mentees
    show no mentor (mentorships.py)."""
    mentor = pick(rng, world.unfunded_mentor_scope(provider.id), "unfunded mentor")
    ended = mentorships.stop_mentoring(world, mentor.id, world.clock)
    return {"participant_id": mentor.id, "mentorships_ended": ended}


EVENTS: dict[str, Event] = {
    "merge": merge,
    "remove_registered_in_error": remove_registered_in_error,
    "void_by_other_provider": void_by_other_provider,
    "delete_statement": delete_statement,
    "train_unfunded_mentor": train_unfunded_mentor,
    "school_ineligible": school_ineligible,
    "end_mentorship": end_mentorship,
}


def apply(world: World, kind: str, provider_name: str | None) -> dict[str, Any]:
    if kind not in EVENTS:
        raise EventRefused(f"unknown event {kind!r}; choose one of {', '.join(EVENTS)}")
    providers = {p.name: p for p in world.providers.values()}
    provider = providers.get(provider_name or next(iter(providers)))
    if provider is None:
        raise EventRefused(f"unknown provider {provider_name!r}")
    rng = random.Random(f"{world.seed}:event:{world.version}:{kind}")
    world.changed()
    result = EVENTS[kind](world, world.records, provider, rng)
    world.changed()
    return {"event": kind, "provider": provider.name, **result}
