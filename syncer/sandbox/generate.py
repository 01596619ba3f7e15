"""Deterministic generation of the simulated world: the same seed always gives the same data.

History is generated directly (not simulated day by day) so that 100k participants take seconds: each
enrolment gets its milestones, each milestone that has passed gets a declaration, and each declaration gets the
state that the statement timeline implies on the start date.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter

from syncer.sandbox.model import (
    COHORTS,
    EVIDENCE_HELD,
    OUTPUT_MONTHS,
    Declaration,
    DeliveryPartner,
    LeadProvider,
    School,
    SchoolCohort,
    Statement,
    Teacher,
    TrainingPeriod,
)

PROVIDER_NAMES = (
    "Ambition Institute",
    "Best Practice Network",
    "Capita",
    "Teach First",
    "National Institute of Teaching",
    "Education Development Trust",
    "UCL Institute of Education",
)
FIRST_NAMES = (
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Finn",
    "Grace",
    "Hugo",
    "Isla",
    "Jack",
    "Kiran",
    "Lily",
)
LAST_NAMES = ("Adams", "Begum", "Clarke", "Davies", "Evans", "Fisher", "Green", "Hughes", "Iqbal", "Jones")
MILESTONE_MONTHS = {
    "started": 0,
    "retained-1": 4,
    "retained-2": 8,
    "retained-3": 12,
    "retained-4": 16,
    "completed": 21,
    "extended-1": 25,
    "extended-2": 29,
    "extended-3": 33,
}
DEFAULT_START = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)


def new_id(rng: random.Random) -> str:
    """A version-4 UUID from the seeded generator (formatted by hand: this is the generator's hot path)."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


CUT_OFF = attrgetter("cut_off_date")


def first_closing(statements: list[Statement], day: date) -> Statement | None:
    """The first of a provider's cohort statements (in cut-off order) whose cut-off is `day` or later."""
    index = bisect_left(statements, day, key=CUT_OFF)
    return statements[index] if index < len(statements) else None


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    return date(day.year + month0 // 12, month0 % 12 + 1, min(day.day, 28))


def output_statements(rng: random.Random, provider: LeadProvider, cohort: int) -> list[Statement]:
    """Output-fee statements from November of the cohort year to August three years later."""
    statements = []
    for year in range(cohort, cohort + 4):
        for month in OUTPUT_MONTHS:
            if (year, month) < (cohort, 11) or (year, month) > (cohort + 3, 8):
                continue
            cut_off = date(year, month, 1) - timedelta(days=1)
            created = datetime(cohort, 6, 1, 9, tzinfo=UTC) + timedelta(seconds=rng.randrange(3))
            statements.append(
                Statement(
                    id=new_id(rng),
                    lead_provider_id=provider.id,
                    cohort=cohort,
                    month=month,
                    year=year,
                    cut_off_date=cut_off,
                    payment_date=date(year, month, 25),
                    created_at=created,
                    updated_at=created,
                )
            )
    return statements


class Generator:
    """Builds a World's initial contents. Kept separate from World so that World stays about serving."""

    def __init__(self, seed: int, participants: int, providers: int, start: datetime) -> None:
        self.rng = random.Random(seed)
        self.participants = participants
        self.provider_count = providers
        self.now = start
        self.today = start.date()
        self._bursts: dict[date, list[int]] = {}
        self._midnights: dict[date, datetime] = {}
        self.latest = start - timedelta(minutes=1)  # generated history ends just before the clock
        self.burst_share = min(0.35, 4000 / max(1, participants * providers))

    def midnight(self, day: date) -> datetime:
        found = self._midnights.get(day)
        if found is None:
            found = self._midnights[day] = datetime.combine(day, time(0), tzinfo=UTC)
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
            bursts = self._bursts.get(week)
            if bursts is None:
                bursts = self._bursts[week] = [28800 + int(rng.random() * 36000) for _ in range(2)]
            moment = self.midnight(week) + timedelta(seconds=bursts[int(rng.random() * 2)])
        else:
            moment = self.midnight(day) + timedelta(seconds=28800 + int(rng.random() * 36000))
        return moment if moment < self.latest else self.latest

    def person(self) -> tuple[str, str | None]:
        name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
        trn = f"{self.rng.randrange(10**7):07d}" if self.rng.random() < 0.97 else None
        return name, trn

    def teacher(self, created: datetime) -> Teacher:
        name, trn = self.person()
        return Teacher(new_id(self.rng), name, trn, created, created, created)

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

    def declaration_for(
        self, period: TrainingPeriod, dtype: str, on: date, statements: list[Statement]
    ) -> Declaration | None:
        rng = self.rng
        declared = self.midnight(on) + timedelta(seconds=36000 + int(rng.random() * 20000))
        created = self.moment(min(on + timedelta(days=int(rng.random() * 6)), self.today))
        if created < declared:
            declared = created - timedelta(hours=1)
        evidence = None if dtype == "started" else EVIDENCE_HELD[int(rng.random() * 3)]
        declaration = Declaration(
            id=new_id(rng),
            training_period=period,
            declaration_type=dtype,
            declaration_date=declared,
            created_at=created,
            updated_at=created,
            delivery_partner_id=period.delivery_partner_id,
            mentor_id=period.mentor_id,
            evidence_held=evidence,
        )
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


def make_providers(rng: random.Random, count: int) -> list[LeadProvider]:
    return [
        LeadProvider(new_id(rng), name, f"sandbox-{i + 1}-{rng.getrandbits(64):016x}", COHORTS)
        for i, name in enumerate(PROVIDER_NAMES[:count])
    ]


def make_schools(rng: random.Random, count: int, providers: list[LeadProvider]) -> list[School]:
    schools = []
    for i in range(count):
        created = datetime(2021, 3, 1, 9, tzinfo=UTC) + timedelta(seconds=rng.randrange(3) + i // 50)
        school = School(
            id=new_id(rng),
            name=f"{rng.choice(LAST_NAMES)} {rng.choice(('Primary', 'Academy', 'High School', 'Infant'))}",
            urn=f"{100000 + rng.randrange(50000) * 3 + i % 3:06d}",
            created_at=created,
            induction_tutor_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            induction_tutor_email=f"tutor{i}@school{i}.example.org",
        )
        for cohort in COHORTS:
            meta_at = datetime(cohort, 5, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(86400 * 30))
            choice = rng.choices(("provider_led", "school_led", "not_yet_known"), (80, 15, 5))[0]
            school.cohorts[cohort] = SchoolCohort(meta_at, choice)
            if rng.random() < 0.1:
                school.cohorts[cohort].interested_provider_ids.add(rng.choice(providers).id)
        schools.append(school)
    return schools


def make_delivery_partners(rng: random.Random, count: int) -> list[DeliveryPartner]:
    partners = []
    for i in range(count):
        created = datetime(2021, 2, 1, 9, tzinfo=UTC) + timedelta(seconds=i // 4)
        name = f"{rng.choice(LAST_NAMES)} Teaching School Hub {i + 1}"
        partners.append(DeliveryPartner(new_id(rng), name, created, created))
    return partners
