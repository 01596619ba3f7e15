"""The record factory: the one place that makes a world's new teachers, enrolments, declarations, partnerships and
transfers, the way providers submit them. populate.py runs it over the history before the start date; afterwards
each simulated day (activity.py) and each event (events.py) resumes it with its own random stream and clock.

It lives as long as its world (World.records) because what it made before shapes what it makes next: the schools
and delivery partners each provider recruits with, the mentors at each school, the output statements of each
cohort, and the bulk-submission seconds of each week.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from syncer.sandbox.generate import (
    FIRST_NAMES,
    LAST_NAMES,
    MILESTONE_MONTHS,
    add_months,
    first_closing,
    new_id,
    output_statements,
)
from syncer.sandbox.model import (
    DEFERRAL_REASONS,
    EVIDENCE_HELD,
    UPLIFT_COHORTS,
    WITHDRAWAL_REASONS,
    Declaration,
    DeliveryPartner,
    LeadProvider,
    Partnership,
    School,
    Statement,
    Teacher,
    TrainingPeriod,
    milestone_types,
    new_declaration,
    new_provider_transfer,
)
from syncer.sandbox.state import WorldState


class RecordFactory:
    def __init__(self, world: WorldState, participants: int, providers: int) -> None:
        self.world = world
        self.participants = participants  # per provider in the generated history; new registrations follow it
        self.rng = random.Random(world.seed)
        self.today = world.today
        self.latest = world.clock - timedelta(minutes=1)  # generated history ends just before the clock
        self.burst_share = min(0.35, 4000 / max(1, participants * providers))
        self.bulk_seconds: dict[date, list[int]] = {}  # per week, its two bulk-submission seconds once drawn
        self.midnights: dict[date, datetime] = {}
        self.statements: dict[tuple[str, int], list[Statement]] = {}  # (provider, cohort), in cut-off order
        self.partner_ids: dict[str, list[str]] = {}
        self.school_pool: dict[str, list[School]] = {}
        self.mentors_at: dict[tuple[str, str], list[str]] = defaultdict(list)  # (provider, school) -> teacher ids
        self.unfunded: dict[str, list[str]] = {}

    def resume(self, rng: random.Random, clock: datetime, new_day: bool) -> None:
        """Make what follows from `rng`, stamped before `clock`. A new simulated day draws its weeks' bulk seconds
        afresh, so that a day depends only on its own stream; an event keeps those drawn last."""
        self.rng, self.today, self.latest = rng, clock.date(), clock - timedelta(seconds=1)
        if new_day:
            self.bulk_seconds.clear()

    def cohort_statements(self, provider_id: str, cohort: int) -> list[Statement]:
        """The provider's output statements for the cohort as generated, in cut-off order (a deleted one too)."""
        return self.statements[(provider_id, cohort)]

    def set_up_provider(self, provider: LeadProvider, partners: list[DeliveryPartner], schools: list[School]) -> None:
        """The delivery partners and schools the provider recruits with, its output statements, and the mentors it
        sees only as unfunded."""
        rng, w = self.rng, self.world
        self.partner_ids[provider.id] = [d.id for d in rng.sample(partners, max(2, len(partners) // 2))]
        self.school_pool[provider.id] = rng.sample(schools, max(10, len(schools) // 2))
        for cohort in provider.cohorts:
            found = output_statements(rng, provider, cohort)
            self.statements[(provider.id, cohort)] = found
            w.statements.update((s.id, s) for s in found)
        self.unfunded[provider.id] = [
            self.add_teacher(date(2021, 9, 1)).id for _ in range(max(3, self.participants // 40))
        ]

    def merge_mentor(self, source_id: str, destination_id: str) -> None:
        """A merged-away teacher's mentoring passes to the teacher it merged into."""
        for mentors in self.mentors_at.values():
            mentors[:] = [destination_id if m == source_id else m for m in mentors]

    # -- times ----------------------------------------------------------------------------------------------------
    def midnight(self, day: date) -> datetime:
        found = self.midnights.get(day)
        if found is None:
            found = self.midnights[day] = datetime.combine(day, time(0), tzinfo=UTC)
        return found

    def moment(self, day: date) -> datetime:
        """Providers submit in weekly batches: some rows land on one of that week's two bulk seconds, so many
        rows share one created_at second. The share shrinks as the world grows, keeping tie groups at a
        realistic few dozen rows rather than growing with the volume."""
        rng = self.rng
        if day >= self.latest.date():
            # registered ahead of a start date that is still to come: recently, not all at one instant
            return self.latest - timedelta(seconds=int(rng.random() * 30 * 86400))
        if rng.random() < self.burst_share:
            week = day - timedelta(days=day.weekday())
            bursts = self.bulk_seconds.get(week)
            if bursts is None:
                bursts = self.bulk_seconds[week] = [28800 + int(rng.random() * 36000) for _ in range(2)]
            moment = self.midnight(week) + timedelta(seconds=bursts[int(rng.random() * 2)])
        else:
            moment = self.midnight(day) + timedelta(seconds=28800 + int(rng.random() * 36000))
        return moment if moment < self.latest else self.latest

    # -- teachers and their enrolments ----------------------------------------------------------------------------
    def add_teacher(self, registered: date) -> Teacher:
        rng = self.rng
        created = self.moment(min(registered, self.today))
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        trn = f"{rng.randrange(10**7):07d}" if rng.random() < 0.97 else None
        teacher = Teacher(new_id(rng), name, trn, created, created, created)
        self.world.teachers[teacher.id] = teacher
        return teacher

    def schedule_for(self, cohort: int) -> tuple[str, date]:
        r = self.rng.random()
        month, start = (
            ("september", date(cohort, 9, 1))
            if r < 0.7
            else ("january", date(cohort + 1, 1, 5))
            if r < 0.9
            else ("april", date(cohort + 1, 4, 15))
        )
        kind = self.rng.choices(("standard", "extended", "reduced", "replacement"), (80, 8, 6, 6))[0]
        return f"ecf-{kind}-{month}", start + timedelta(days=self.rng.randrange(45))

    def add_participant(self, provider: LeadProvider, cohort: int, role: str) -> None:
        rng = self.rng
        schedule, started_on = self.schedule_for(cohort)
        teacher = self.add_teacher(started_on - timedelta(days=rng.randrange(10, 60)))
        if role == "ect" and cohort <= 2024 and rng.random() < 0.04:
            self.add_transfer_in(teacher, provider, cohort)
        period = self.add_period(teacher, provider, cohort, role, schedule, started_on)
        if role == "ect" and cohort <= 2023 and rng.random() < 0.05:
            later = cohort + 2
            schedule, started_on = self.schedule_for(later)
            self.add_period(teacher, provider, later, "mentor", schedule, started_on, school_id=period.school_id)

    def add_period(
        self,
        teacher: Teacher,
        provider: LeadProvider,
        cohort: int,
        role: str,
        schedule: str,
        started_on: date,
        school_id: str | None = None,
        finish_by: date | None = None,
    ) -> TrainingPeriod:
        rng, w = self.rng, self.world
        school = w.schools[school_id] if school_id else rng.choice(self.school_pool[provider.id])
        partnership = self.partnership(provider, school, cohort)
        mentor_id = None
        if role == "ect":
            local = self.mentors_at.get((provider.id, school.id))
            mentor_id = rng.choice(local) if local and rng.random() < 0.7 else rng.choice(self.unfunded[provider.id])
        eligible = rng.choices((True, None, False), (93, 4, 3))[0]
        created = max(
            teacher.created_at,
            self.moment(min(started_on - timedelta(days=rng.randrange(0, 20)), self.today)),
        )
        period = TrainingPeriod(
            id=new_id(rng),
            teacher_id=teacher.id,
            lead_provider_id=provider.id,
            participant_type=role,
            cohort=cohort,
            school_id=school.id,
            school_urn=school.urn,
            email=f"{teacher.full_name.lower().replace(' ', '.')}.{rng.randrange(10**6)}@example.com",
            mentor_id=mentor_id,
            delivery_partner_id=partnership.delivery_partner_id,
            schedule_identifier=schedule,
            started_on=started_on,
            finished_on=None,
            created_at=created,
            eligible_for_funding=eligible,
            # the API shows a school's uplifts only in cohorts that pay them (api/teacher_serializer.rb)
            pupil_premium_uplift=rng.random() < 0.3 and cohort in UPLIFT_COHORTS,
            sparsity_uplift=rng.random() < 0.1 and cohort in UPLIFT_COHORTS,
            overall_induction_start_date=started_on if role == "ect" else None,
            induction_end_date=None,
            working_pattern=rng.choice(("full_time", "full_time", "part_time")) if role == "ect" else None,
            profile_id=teacher.training_record_id(role),
        )
        w.add_period(period)
        if role == "mentor":
            self.mentors_at[(provider.id, school.id)].append(teacher.id)
        stop = self.interruption(period, finish_by)
        self.declare_history(period, stop)
        teacher.updated_at = max(teacher.updated_at, period.created_at)
        return period

    def interruption(self, period: TrainingPeriod, finish_by: date | None) -> date:
        """Withdraws or defers some enrolments; answers the day after which nothing more is declared."""
        rng = self.rng
        span = (self.today - period.started_on).days
        if finish_by is not None:
            period.finished_on = finish_by
            period.withdrawal = ("changed-lead-provider", datetime.combine(finish_by, time(11), tzinfo=UTC))
            return finish_by
        if span > 30 and rng.random() < 0.09:
            when = period.started_on + timedelta(days=rng.randrange(10, span))
            moment = self.moment(when)
            if rng.random() < 0.66:
                period.withdrawal = (rng.choice(WITHDRAWAL_REASONS), moment)
                period.finished_on = when
            else:
                period.deferral = (rng.choice(DEFERRAL_REASONS), moment)
            self.world.teachers[period.teacher_id].updated_at = max(
                self.world.teachers[period.teacher_id].updated_at, moment
            )
            return when
        return self.today

    def add_transfer_in(self, teacher: Teacher, provider: LeadProvider, cohort: int) -> None:
        """A teacher who started with another provider and moved to this one (changed-lead-provider)."""
        rng, w = self.rng, self.world
        others = [p for p in w.providers.values() if p.id != provider.id]
        if not others:
            return
        previous = rng.choice(others)
        schedule, started_on = self.schedule_for(cohort)
        left_on = add_months(started_on, 5 + rng.randrange(4))
        if left_on >= self.today:
            return
        old = self.add_period(teacher, previous, cohort, "ect", schedule, started_on, finish_by=left_on)
        joined_on = left_on + timedelta(days=rng.randrange(1, 30))
        new_school = rng.choice(self.school_pool[provider.id])
        moment = self.moment(min(left_on, self.today))
        w.transfers.append(new_provider_transfer(old, left_on, new_school.urn, provider.id, joined_on, moment))

    def partnership(self, provider: LeadProvider, school: School, cohort: int) -> Partnership:
        key = (provider.id, school.id, cohort)
        found = self.world.partnership_index.get(key)
        if found is not None:
            return found
        partner_id = self.rng.choice(self.partner_ids[provider.id])
        created = self.moment(date(cohort, 5, 1) + timedelta(days=self.rng.randrange(90)))
        found = Partnership(new_id(self.rng), provider.id, school.id, partner_id, cohort, created, created)
        self.world.add_partnership(found)
        cohorts = self.world.delivery_partners[partner_id].cohorts_by_provider.setdefault(provider.id, [])
        if cohort not in cohorts:
            cohorts.append(cohort)
        return found

    # -- declarations ---------------------------------------------------------------------------------------------
    def declare_history(self, period: TrainingPeriod, stop: date) -> None:
        rng = self.rng
        statements = self.statements[(period.lead_provider_id, period.cohort)]
        # a transferred participant's milestones held with the previous provider: RECT refuses them again (refused
        # ones are still drawn, and dropped, so that what follows comes from the same random stream as without them)
        held = self.world.held_elsewhere(period)
        # nor a declaration dated after the withdrawal or deferral that stops the history (R: create.rb,
        # teacher_not_withdrawn_before_declaration_date): the day it stops on may end before its milestone's hour
        stopped = min((s[1] for s in (period.withdrawal, period.deferral) if s is not None), default=None)

        def refused(dtype: str, declaration: Declaration) -> bool:
            return dtype in held or (stopped is not None and declaration.declaration_date > stopped)

        for dtype in milestone_types(period.schedule_identifier, period.participant_type, period.cohort):
            on = add_months(period.started_on, MILESTONE_MONTHS[dtype]) + timedelta(days=rng.randrange(25))
            if on > stop or on >= self.today or rng.random() < 0.02:
                break
            declaration = self.declaration_for(period, dtype, on, statements)
            if declaration is None:
                break
            self.maybe_void(declaration, statements)
            if not refused(dtype, declaration):
                self.world.add_declaration(declaration)
            if declaration.payment_status == "voided":  # a provider voids a mistake and declares again
                again = self.declaration_for(period, dtype, min(on + timedelta(days=7), self.today), statements)
                if again is not None and not refused(dtype, again):
                    self.world.add_declaration(again)
            if dtype == "completed":
                period.finished_on = on + timedelta(days=30)
                period.induction_end_date = on if period.participant_type == "ect" else None

    def declaration_for(
        self, period: TrainingPeriod, dtype: str, on: date, statements: list[Statement]
    ) -> Declaration | None:
        rng = self.rng
        declared = self.midnight(on) + timedelta(seconds=36000 + int(rng.random() * 20000))
        created = self.moment(min(on + timedelta(days=int(rng.random() * 6)), self.today))
        if created < declared:
            declared = created - timedelta(hours=1)
        evidence = None if dtype == "started" else EVIDENCE_HELD[int(rng.random() * 3)]
        declaration = new_declaration(new_id(rng), period, dtype, declared, created, evidence)
        if not period.eligible_for_funding:
            return declaration
        statement = first_closing(statements, created.date())
        if statement is None:
            return None  # the real service refuses a declaration with no open output statement (422)
        declaration.payment_status = "eligible"
        declaration.payment_statement_id = statement.id
        self.advance_payment(declaration, statement)
        return declaration

    def advance_payment(self, declaration: Declaration, statement: Statement) -> None:
        if statement.cut_off_date < self.today:
            declaration.payment_status = "payable"
            declaration.updated_at = max(
                declaration.updated_at, self.midnight(statement.cut_off_date + timedelta(days=1))
            )
        if statement.payment_date < self.today:
            declaration.payment_status = "paid"
            declaration.updated_at = self.midnight(statement.payment_date) + timedelta(hours=14)

    def maybe_void(self, declaration: Declaration, statements: list[Statement]) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.06:  # voided before it was paid
            declaration.payment_status = "voided"
            declaration.updated_at = self.moment(min(declaration.created_at.date() + timedelta(days=5), self.today))
            declaration.updated_at = max(declaration.updated_at, declaration.created_at)
        elif declaration.payment_status == "paid" and roll < 0.08:
            voided_on = min(declaration.updated_at.date() + timedelta(days=rng.randrange(5, 120)), self.today)
            clawback = first_closing(statements, voided_on)
            if clawback is None:
                return
            declaration.clawback_status = "awaiting_clawback"
            declaration.clawback_statement_id = clawback.id
            declaration.updated_at = max(declaration.updated_at, self.moment(voided_on))
            if clawback.payment_date < self.today:
                declaration.clawback_status = "clawed_back"
                declaration.updated_at = datetime.combine(clawback.payment_date, time(14), tzinfo=UTC)
