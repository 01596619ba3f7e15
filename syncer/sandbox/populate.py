"""Fills a world with a realistic history up to its start date, deterministically from its seed.

History is generated directly (not simulated day by day) so that 100k participants take seconds: each
enrolment gets its milestones, each milestone that has passed gets a declaration, and each declaration gets the
state that the statement timeline implies on the start date.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from syncer.sandbox import ecf1_duplicate_users, lifecycle
from syncer.sandbox.factory import RecordFactory
from syncer.sandbox.generate import make_delivery_partners, make_providers, make_schools
from syncer.sandbox.model import COHORTS
from syncer.sandbox.state import WorldState

COHORT_WEIGHTS = (27, 27, 24, 12, 7, 3)


def populate(world: WorldState, records: RecordFactory, providers: int) -> None:
    """`providers` lead providers, each with `records.participants` participants, made by `records`."""
    rng = records.rng
    for provider in make_providers(rng, providers):
        world.providers[provider.id] = provider
    schools = make_schools(rng, max(20, records.participants * providers // 12), list(world.providers.values()))
    world.schools.update((s.id, s) for s in schools)
    partners = make_delivery_partners(rng, max(4, records.participants // 150) * providers)
    world.delivery_partners.update((d.id, d) for d in partners)
    for provider in world.providers.values():
        records.set_up_provider(provider, partners, schools)
    for provider in world.providers.values():
        plan = [
            (rng.choices(COHORTS, COHORT_WEIGHTS)[0], "mentor" if rng.random() < 0.25 else "ect")
            for _ in range(records.participants)
        ]
        plan.sort(key=lambda item: item[1] != "mentor")  # mentors first, so ECTs can be assigned one
        for cohort, role in plan:
            records.add_participant(provider, cohort, role)
    settle_statements(world)
    # from its own random stream, like the ECF1 duplicates below: the rest of the history is the same without them
    lifecycle.seed_duplicates(world, records.latest)
    # last, from its own random stream: the RECT world is already complete
    ecf1_duplicate_users.generate(world, records.latest)


def settle_statements(world: WorldState) -> None:
    """A statement is paid only if something was paid on it (trap 14: an empty past statement stays unpaid)."""
    settled = {d.payment_statement_id for d in world.declarations.values() if d.payment_status == "paid"}
    settled |= {d.clawback_statement_id for d in world.declarations.values() if d.clawback_status == "clawed_back"}
    for statement in world.statements.values():
        if statement.id in settled:
            statement.status = "paid"
            statement.updated_at = datetime.combine(statement.payment_date, time(14), tzinfo=UTC)
        elif statement.cut_off_date < world.today:
            statement.status = "payable"
            statement.updated_at = datetime.combine(statement.cut_off_date + timedelta(days=1), time(0), tzinfo=UTC)
