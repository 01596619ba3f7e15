"""The building blocks of a generated world, each deterministic in the random stream it is given: ids, names,
dates, and the providers, schools, delivery partners and statements a world starts with. The records that follow
(teachers, enrolments, declarations) come from factory.py."""

from __future__ import annotations

import random
from bisect import bisect_left
from datetime import UTC, date, datetime, timedelta
from operator import attrgetter

from syncer.sandbox.model import COHORTS, OUTPUT_MONTHS, DeliveryPartner, LeadProvider, School, SchoolCohort, Statement

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
