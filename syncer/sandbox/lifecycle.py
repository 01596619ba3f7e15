"""Who a participant is, and how that changes: duplicate registrations and the admin merges that join them, transfers
to another lead provider, and a participant found eligible for funding. The simulated day (activity.py), the generated
history (populate.py) and the named events (events.py) make these changes through here, the way RECT makes them:

- A merge joins two teacher records of one person (R:app/services/teachers/merge.rb): a school registered the
  teacher a second time, and an admin later merges one record into the other. Only the school periods' teacher
  changes, so neither declarations nor transfers are bumped. The provider declared for one of the two records only
  (RECT refuses a second billable declaration of a milestone per teacher, and the provider sees a duplicate), so a
  merge never makes two live declarations of one milestone.
- A transfer-in ends a participant's training with one provider and starts it with another. The new training period
  touches only itself and the teacher; the previous provider's billable declarations become visible to the new
  provider with their old created_at and updated_at (R:app/services/api/declarations/query.rb).
- Found eligible: the teacher's no-payment declarations in the role become eligible, each on its provider's next
  output statement whose deadline has not passed (R:app/services/declarations/actions/mark_declarations_eligible.rb,
  teachers/set_ect_funding_eligibility.rb); the teacher is touched, and so is each declaration.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta

from syncer.sandbox.factory import RecordFactory
from syncer.sandbox.generate import first_closing, new_id
from syncer.sandbox.model import (
    Declaration,
    IdChange,
    LeadProvider,
    Statement,
    Teacher,
    TrainingPeriod,
    new_provider_transfer,
)
from syncer.sandbox.state import WorldState

PENDING_SHARE = 1 / 40  # of each provider's participants, registered twice and not yet merged at the start
FIRST_SEEN_WITHIN = timedelta(days=60)  # how recently those second registrations were made


# -- duplicate registrations and merges ---------------------------------------------------------------------------
def register_duplicate(world: WorldState, rng: random.Random, original: TrainingPeriod, at: datetime) -> Teacher:
    """The school registers `original`'s teacher again, at `at`: a second teacher record (without the TRN, which
    RECT keeps unique, and so with its funding eligibility unknown) training with the same provider at the same
    school, with nothing declared for it."""
    teacher = world.teachers[original.teacher_id]
    duplicate = Teacher(new_id(rng), teacher.full_name, None, at, at, at, duplicate_of=teacher.id)
    period = replace(
        original,
        id=new_id(rng),
        teacher_id=duplicate.id,
        email=f"{teacher.full_name.lower().replace(' ', '.')}.{rng.randrange(10**6)}@example.com",
        created_at=at,
        profile_id=duplicate.training_record_id(original.participant_type),
        eligible_for_funding=None,  # a teacher's, and nothing is known of the new record yet (R: eligibility)
        finished_on=None,
        induction_end_date=None,
        withdrawal=None,
        deferral=None,
    )
    world.teachers[duplicate.id] = duplicate
    world.add_period(period)
    world.pending_duplicates.append(duplicate.id)
    return duplicate


def duplicable(world: WorldState, provider_id: str | None = None) -> list[TrainingPeriod]:
    """Ongoing enrolments of teachers with a TRN, registered once: the ones a school might register again."""
    return [
        p
        for p in world.periods.values()
        if (provider_id is None or p.lead_provider_id == provider_id)
        and p.finished_on is None
        and p.training_status == "active"
        and world.teachers[p.teacher_id].trn is not None
        and world.teachers[p.teacher_id].duplicate_of is None
        and world.is_visible_teacher(world.teachers[p.teacher_id])
    ]


def seed_duplicates(world: WorldState, latest: datetime) -> None:
    """The generated history's second registrations, not yet merged: PENDING_SHARE of each provider's participants
    (at least two), registered in the last FIRST_SEEN_WITHIN. From their own random stream, so the rest of the
    world is the same with or without them."""
    rng = random.Random(f"{world.seed}:duplicate-registrations")
    participants = {p: len(world.participants(p)) for p in world.providers}
    for provider_id, count in participants.items():
        found = duplicable(world, provider_id)
        for original in rng.sample(found, min(len(found), max(2, round(count * PENDING_SHARE)))):
            low = max(original.created_at, latest - FIRST_SEEN_WITHIN) + timedelta(seconds=1)
            if low < latest:
                register_duplicate(world, rng, original, low + (latest - low) * rng.random())
    world.changed()


def pending(world: WorldState, provider_id: str | None = None) -> list[Teacher]:
    """Second registrations still to be merged whose first registration is still there, in registration order."""
    found = []
    for teacher_id in world.pending_duplicates:
        duplicate = world.teachers[teacher_id]
        assert duplicate.duplicate_of is not None
        if not (
            world.is_visible_teacher(duplicate) and world.is_visible_teacher(world.teachers[duplicate.duplicate_of])
        ):
            continue
        if provider_id is None or world.provider_periods(duplicate.id, provider_id):
            found.append(duplicate)
    return found


def merge_duplicate(
    world: WorldState, records: RecordFactory, duplicate: Teacher, into_duplicate: bool, at: datetime
) -> tuple[Teacher, Teacher]:
    """An admin merges the two records of one teacher: the second registration into the first, or (`into_duplicate`)
    the first into the second. Answers (source, destination)."""
    assert duplicate.duplicate_of is not None
    original = world.teachers[duplicate.duplicate_of]
    source, destination = (original, duplicate) if into_duplicate else (duplicate, original)
    merge_teachers(world, records, source, destination, at)
    duplicate.duplicate_of = None
    world.pending_duplicates.remove(duplicate.id)
    return source, destination


def merge_teachers(
    world: WorldState, records: RecordFactory, source: Teacher, destination: Teacher, at: datetime
) -> None:
    """RECT's admin merge: the source's periods (and so its declarations) move to the destination, which
    records the change and is bumped; the declarations and transfers are not bumped (only the school periods'
    teacher changes), and the source vanishes."""
    # funding eligibility is the teacher's: the moved periods read the destination's, where it has one in the role
    known = {p.participant_type: p.eligible_for_funding for p in world.periods_by_teacher.get(destination.id, ())}
    for period in world.periods_by_teacher.pop(source.id, []):
        period.teacher_id = destination.id
        period.eligible_for_funding = known.get(period.participant_type, period.eligible_for_funding)
        world.periods_by_teacher[destination.id].append(period)
    destination.id_changes.extend(source.id_changes)
    destination.id_changes.append(IdChange(source.id, destination.id, at))
    source.id_changes = []
    destination.updated_at = at
    source.merged_into, source.full_name, source.trn = destination.id, "", None
    for transfer in world.transfers:
        if transfer.teacher_id == source.id:
            transfer.teacher_id = destination.id  # its updated_at stays: the training periods are not touched
    # mentor_id is derived from the mentor's school periods in RECT, so it follows the merge (with no bump)
    for period in world.periods.values():
        if period.mentor_id == source.id:
            period.mentor_id = destination.id
    for declaration in world.declarations.values():
        if declaration.mentor_id == source.id:
            declaration.mentor_id = destination.id
    records.merge_mentor(source.id, destination.id)


# -- transfers to another provider ----------------------------------------------------------------------------------
def transferable(world: WorldState) -> list[TrainingPeriod]:
    """Ongoing ECT training that has started, of teachers registered once: what can move to another provider."""
    today = world.today
    return [
        p
        for p in world.periods.values()
        if p.participant_type == "ect"
        and p.finished_on is None
        and p.training_status == "active"
        and p.started_on <= today
        and world.teachers[p.teacher_id].duplicate_of is None
        and world.is_visible_teacher(world.teachers[p.teacher_id])
    ]


def transfer_in(
    world: WorldState, records: RecordFactory, old: TrainingPeriod, joining: LeadProvider, at: datetime
) -> TrainingPeriod:
    """The ECT of `old` leaves their school and provider today and joins a school that `joining` trains for, within
    a month. Everything made is stamped `at`; the declarations made so far are not touched."""
    rng, today = records.rng, world.today
    teacher = world.teachers[old.teacher_id]
    old.finished_on = today
    old.withdrawal = ("changed-lead-provider", at)
    partnerships = len(world.partnerships)
    period = records.add_period(
        teacher, joining, old.cohort, "ect", old.schedule_identifier, today + timedelta(days=rng.randrange(1, 30))
    )
    period.created_at = at
    period.eligible_for_funding = old.eligible_for_funding  # the teacher's, not the period's (R: eligibility)
    for partnership in list(world.partnerships.values())[partnerships:]:
        partnership.created_at = partnership.updated_at = at
        meta = world.schools[partnership.school_id].cohorts[partnership.cohort]
        meta.updated_at = max(meta.updated_at, at)
    teacher.updated_at = max(teacher.updated_at, at)
    world.transfers.append(new_provider_transfer(old, today, period.school_urn, joining.id, period.started_on, at))
    return period


# -- found eligible for funding -------------------------------------------------------------------------------------
def awaiting_eligibility(world: WorldState) -> list[tuple[Teacher, str]]:
    """(teacher, role) whose funding eligibility is not known yet, in period order."""
    found = dict.fromkeys(
        (p.teacher_id, p.participant_type)
        for p in world.periods.values()
        if p.eligible_for_funding is None and world.is_visible_teacher(world.teachers[p.teacher_id])
    )
    return [(world.teachers[t], role) for t, role in found]


def next_statement(
    world: WorldState, records: RecordFactory, declaration: Declaration, today: date
) -> Statement | None:
    """The declaration's provider's first output statement for its cohort with a deadline today or later, whatever
    its status (the eligibility path does not ask for an open one; api-facts §4.1)."""
    period = declaration.training_period
    statements = records.cohort_statements(period.lead_provider_id, period.cohort)
    found = first_closing(statements, today)
    index = statements.index(found) if found is not None else len(statements)
    return next((s for s in statements[index:] if s.id in world.statements), None)


def mark_eligible(world: WorldState, records: RecordFactory, teacher: Teacher, role: str, at: datetime) -> int:
    """The teacher is found eligible in `role`: every no-payment declaration of theirs in the role, with any
    provider, becomes eligible on a statement, all in one transaction (none if one has no statement). Answers how
    many declarations became eligible, or -1 if nothing changed."""
    periods = [p for p in world.periods_by_teacher.get(teacher.id, ()) if p.participant_type == role]
    submitted = [
        d
        for p in periods
        for d in world.declarations_by_period.get(p.id, ())
        if d.payment_status == "no_payment" and d.clawback_status == "no_clawback"
    ]
    statements = [next_statement(world, records, d, world.today) for d in submitted]
    if any(s is None for s in statements):
        return -1  # MissingPaymentStatementError rolls the whole change back
    for period in periods:
        period.eligible_for_funding = True
    for declaration, statement in zip(submitted, statements, strict=True):
        assert statement is not None
        declaration.payment_status, declaration.payment_statement_id = "eligible", statement.id
        declaration.updated_at = at
    teacher.updated_at = max(teacher.updated_at, at)
    return len(submitted)
