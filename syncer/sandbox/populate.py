"""Fills a World with a realistic history up to its start date (see generate.py for the building blocks)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from syncer.sandbox import duplicates
from syncer.sandbox.generate import (
    MILESTONE_MONTHS,
    Generator,
    add_months,
    first_closing,
    make_delivery_partners,
    make_providers,
    make_schools,
    new_id,
    output_statements,
)
from syncer.sandbox.model import (
    COHORTS,
    DEFERRAL_REASONS,
    UPLIFT_COHORTS,
    WITHDRAWAL_REASONS,
    Declaration,
    LeadProvider,
    Partnership,
    School,
    Statement,
    Teacher,
    TrainingPeriod,
    Transfer,
    milestone_types,
)

if TYPE_CHECKING:
    from syncer.sandbox.world import World

COHORT_WEIGHTS = (27, 27, 24, 12, 7, 3)


class Populator(Generator):
    def __init__(self, world: World, participants: int, providers: int) -> None:
        super().__init__(world.seed, participants, providers, world.clock)
        self.world = world
        self.statements: dict[tuple[str, int], list[Statement]] = {}
        self.partner_ids: dict[str, list[str]] = {}
        self.school_pool: dict[str, list[School]] = {}
        self.mentors_at: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.unfunded: dict[str, list[str]] = {}
        self.ecf1_duplicates: list[duplicates.DuplicateUser] = []  # ECF1-only records: see duplicates.py

    def run(self) -> None:
        w = self.world
        rng = self.rng
        for provider in make_providers(rng, self.provider_count):
            w.providers[provider.id] = provider
        schools = make_schools(rng, max(20, self.participants * self.provider_count // 12), list(w.providers.values()))
        w.schools.update((s.id, s) for s in schools)
        partners = make_delivery_partners(rng, max(4, self.participants // 150) * self.provider_count)
        w.delivery_partners.update((d.id, d) for d in partners)
        for provider in w.providers.values():
            self.partner_ids[provider.id] = [d.id for d in rng.sample(partners, max(2, len(partners) // 2))]
            self.school_pool[provider.id] = rng.sample(schools, max(10, len(schools) // 2))
            for cohort in provider.cohorts:
                found = output_statements(rng, provider, cohort)
                self.statements[(provider.id, cohort)] = found
                w.statements.update((s.id, s) for s in found)
            self.unfunded[provider.id] = [
                self.add_teacher(date(2021, 9, 1)).id for _ in range(max(3, self.participants // 40))
            ]
        for provider in w.providers.values():
            plan = [
                (rng.choices(COHORTS, COHORT_WEIGHTS)[0], "mentor" if rng.random() < 0.25 else "ect")
                for _ in range(self.participants)
            ]
            plan.sort(key=lambda item: item[1] != "mentor")  # mentors first, so ECTs can be assigned one
            for cohort, role in plan:
                self.add_participant(provider, cohort, role)
        self.settle_statements()
        w.recount_partnerships(touch=False)
        duplicates.generate(w, self.latest)  # last, from its own random stream: the RECT world is already complete

    def add_teacher(self, registered: date) -> Teacher:
        teacher = self.teacher(self.moment(min(registered, self.today)))
        self.world.teachers[teacher.id] = teacher
        return teacher

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
            training_record_id=new_id(rng),
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

    def declare_history(self, period: TrainingPeriod, stop: date) -> None:
        rng = self.rng
        statements = self.statements[(period.lead_provider_id, period.cohort)]
        for dtype in milestone_types(period.schedule_identifier, period.participant_type, period.cohort):
            on = add_months(period.started_on, MILESTONE_MONTHS[dtype]) + timedelta(days=rng.randrange(25))
            if on > stop or on >= self.today or rng.random() < 0.02:
                break
            declaration = self.declaration_for(period, dtype, on, statements)
            if declaration is None:
                break
            self.maybe_void(declaration, statements)
            self.world.add_declaration(declaration)
            if declaration.payment_status == "voided":  # a provider voids a mistake and declares again
                again = self.declaration_for(period, dtype, min(on + timedelta(days=7), self.today), statements)
                if again is not None:
                    self.world.add_declaration(again)
            if dtype == "completed":
                period.finished_on = on + timedelta(days=30)
                period.induction_end_date = on if period.participant_type == "ect" else None

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
        w.transfers.append(
            Transfer(
                teacher_id=teacher.id,
                training_record_id=old.training_record_id,
                transfer_type="new_provider",
                leaving_urn=old.school_urn,
                leaving_provider_id=previous.id,
                leaving_date=left_on,
                joining_urn=new_school.urn,
                joining_provider_id=provider.id,
                joining_date=joined_on,
                created_at=moment,
                updated_at=moment,
            )
        )

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

    def settle_statements(self) -> None:
        """A statement is paid only if something was paid on it (trap 14: an empty past statement stays unpaid)."""
        settled = {d.payment_statement_id for d in self.world.declarations.values() if d.payment_status == "paid"}
        settled |= {
            d.clawback_statement_id for d in self.world.declarations.values() if d.clawback_status == "clawed_back"
        }
        for statement in self.world.statements.values():
            if statement.id in settled:
                statement.status = "paid"
                statement.updated_at = datetime.combine(statement.payment_date, time(14), tzinfo=UTC)
            elif statement.cut_off_date < self.today:
                statement.status = "payable"
                statement.updated_at = datetime.combine(statement.cut_off_date + timedelta(days=1), time(0), tzinfo=UTC)
