"""ECF1's duplicate users and their `ineligible` declarations (api-facts §4.2; E:app/services/record_declaration.rb,
E:app/models/participant_declaration.rb#duplicate_declarations).

ECF1 keeps one user per registration, so a teacher registered twice (a school adding the same ECT again) becomes two
users with the same TRN. When the provider then declares, for the second user, a milestone that the first user already
holds in submitted, eligible, payable or paid with the same course, ECF1 records the declaration as `ineligible` with
reason `duplicate` (shown as `duplicate_declaration`) and supersedes it. Nothing is paid for it: its statement line
item is not billable, so `statement_id` is null. The provider may still void it (ineligible -> voided, after which
the reason is no longer shown). The second user's TRN is not validated: validating it would have found the other
user and merged the two (api-facts §5), and the duplicate would be gone.

RECT has neither record. A RECT teacher is one record per TRN, and RECT refuses a duplicate declaration with a 422
(api-facts §4.1, "RECT has no ineligible state"). So a duplicate user and its declarations exist only in the ECF
profiles' scopes: they are never added to the world's teachers, periods or declarations, and they are drawn from
their own random streams, so the RECT profile of a world (and everything it serves) is the same with or without them.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from syncer.sandbox.generate import new_id
from syncer.sandbox.model import Declaration, DuplicateUser, Teacher, TrainingPeriod, new_declaration
from syncer.sandbox.state import WorldState

# The states a declaration is a duplicate of (E: ParticipantDeclaration#duplicate_declarations)
DUPLICATE_OF = ("submitted", "eligible", "payable", "paid")
SHARE = 0.02  # of a provider's declared teachers with a TRN, registered twice in the generated history
DAILY_CHANCE = 0.05  # per provider and simulated day: one more teacher is registered twice
VOID_SHARE = 0.25  # of generated duplicate declarations that the provider has voided since
DAILY_VOID_CHANCE = 0.01  # per ineligible declaration and simulated day
MAX_DECLARED = 2  # a provider that notices the duplicate stops declaring for it


def candidates(world: WorldState) -> dict[str, list[TrainingPeriod]]:
    """Per provider, its enrolments of teachers with a TRN and a declaration a duplicate could repeat, in creation
    order (the insertion order of the world's periods, which is deterministic)."""
    taken = {d.original.id for d in world.ecf1_duplicates}
    found: dict[str, list[TrainingPeriod]] = {p: [] for p in world.providers}
    for period in world.periods.values():
        if period.id in taken:
            continue
        teacher = world.teachers[period.teacher_id]
        if teacher.trn is None or not world.is_visible_teacher(teacher):
            continue
        if any(d.state in DUPLICATE_OF for d in world.declarations_by_period.get(period.id, ())):
            found[period.lead_provider_id].append(period)
    return found


def register(world: WorldState, rng: random.Random, original: TrainingPeriod, low: datetime, high: datetime) -> bool:
    """The teacher of `original` registered again between `low` and `high`, and the provider declaring for the new
    user what it had already declared for the first one. False when nothing fits in that time."""
    live = sorted(
        (d for d in world.declarations_by_period[original.id] if d.state in DUPLICATE_OF),
        key=lambda d: d.created_at,
    )
    low = max(low, live[0].created_at + timedelta(seconds=1))
    if low >= high:
        return False
    at = low + (min(high, low + timedelta(days=60)) - low) * rng.random()
    teacher = world.teachers[original.teacher_id]
    user = Teacher(new_id(rng), teacher.full_name, teacher.trn, at, at, at)
    period = replace(
        original,
        id=new_id(rng),
        teacher_id=user.id,
        profile_id=user.training_record_id(original.participant_type),
        email=f"{teacher.full_name.lower().replace(' ', '.')}.{rng.randrange(10**6)}@example.net",
        mentor_id=None,  # the second registration was never assigned a mentor
        finished_on=None,
        created_at=at,
        induction_end_date=None,
        # nothing of the first registration's later history: a new record starts active and unflagged
        withdrawal=None,
        deferral=None,
        mentor_funding_end_date=None,
        mentor_ineligible_for_funding_reason=None,
        cohort_changed_after_payments_frozen=False,
    )
    declarations = []
    for first in live[:MAX_DECLARED]:
        start = max(at, first.created_at)
        created = start + min(timedelta(days=5), high - start) * rng.random()
        declared = min(first.declaration_date + timedelta(hours=rng.randrange(72)), created - timedelta(minutes=1))
        duplicate = new_declaration(new_id(rng), period, first.declaration_type, declared, created, first.evidence_held)
        duplicate.payment_status = "ineligible"
        declarations.append(duplicate)
    # only the shared lookups by this new id see the period, so the RECT world's lists never include it
    world.periods_by_teacher[user.id].append(period)
    world.ecf1_duplicates.append(DuplicateUser(user, period, original, declarations))
    return True


def void(declaration: Declaration, at: datetime) -> None:
    declaration.payment_status, declaration.updated_at = "voided", max(at, declaration.updated_at)


def generate(world: WorldState, latest: datetime) -> None:
    """The duplicates of the generated history: SHARE of each provider's candidates, at least one where possible
    (so that even a small world shows the case)."""
    rng = random.Random(f"{world.seed}:ecf1-duplicates")
    for found in candidates(world).values():
        for original in rng.sample(found, min(len(found), max(1, round(len(found) * SHARE)))):
            if register(world, rng, original, original.created_at, latest):
                for declaration in world.ecf1_duplicates[-1].declarations:
                    if rng.random() < VOID_SHARE:
                        void(declaration, declaration.created_at + (latest - declaration.created_at) * rng.random())


def daily(world: WorldState, start: datetime, end: datetime) -> dict[str, int]:
    """One simulated day of ECF1-only activity: now and then a teacher registered twice, and providers voiding
    ineligible declarations. Stamped within the day, like everything else a tick does."""
    rng = random.Random(f"{world.seed}:ecf1-duplicates:{end.date().isoformat()}:{world.ticks}")
    done = {"ecf1_duplicates_registered": 0, "ecf1_ineligible_voided": 0}
    low, high = start + timedelta(seconds=1), end - timedelta(seconds=1)
    for duplicate in world.ecf1_duplicates:
        for declaration in duplicate.declarations:
            if declaration.state == "ineligible" and rng.random() < DAILY_VOID_CHANCE:
                void(declaration, low + (high - low) * rng.random())
                done["ecf1_ineligible_voided"] += 1
    chosen = [p for p in world.providers if rng.random() < DAILY_CHANCE]
    found = candidates(world) if chosen else {}
    for provider_id in chosen:
        if found[provider_id] and register(world, rng, rng.choice(found[provider_id]), low, high):
            done["ecf1_duplicates_registered"] += 1
    return {k: v for k, v in done.items() if v}


def user_ids(world: WorldState) -> set[str]:
    return world.cached(("ecf1_duplicate_user_ids",), lambda: {d.teacher.id for d in world.ecf1_duplicates})


def participants(world: WorldState, provider_id: str) -> list[Teacher]:
    """The provider's participants as ECF1 lists them: the world's, plus its duplicate users, by created_at."""

    def build() -> list[Teacher]:
        extra = [d.teacher for d in world.ecf1_duplicates if d.period.lead_provider_id == provider_id]
        return sorted([*world.participants(provider_id), *extra], key=lambda t: t.created_at)

    return world.cached(("ecf1_participants", provider_id), build)


def declarations(world: WorldState, provider_id: str) -> list[Declaration]:
    """The provider's declarations as ECF1 lists them: the world's, plus those for its duplicate users (which no
    other provider trains, so no other provider sees them), by created_at."""

    def build() -> list[Declaration]:
        extra = [x for d in world.ecf1_duplicates if d.period.lead_provider_id == provider_id for x in d.declarations]
        return sorted([*world.declaration_scope(provider_id), *extra], key=lambda d: d.created_at)

    return world.cached(("ecf1_declarations", provider_id), build)
