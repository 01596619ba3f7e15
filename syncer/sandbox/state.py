"""The simulated service's state and its provider-scoped views (world.py builds it; populate.py fills it).

Scoping follows the real query classes: each token sees its own provider's records, plus other providers'
declarations for the participants it trains while those are billable or changeable (api-facts §9 trap 6).
Scoped lists are cached per world version, so paging a large list costs a slice, not a scan.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from operator import attrgetter
from typing import Any, TypeVar

from syncer.sandbox import model

T = TypeVar("T")


class WorldState:
    """Empty until populated; every datetime in it is UTC."""

    def __init__(self, seed: int, start: datetime) -> None:
        self.seed = seed
        self.clock = start
        self.lock = threading.RLock()
        self.providers: dict[str, model.LeadProvider] = {}
        self.teachers: dict[str, model.Teacher] = {}
        self.periods: dict[str, model.TrainingPeriod] = {}
        self.periods_by_teacher: dict[str, list[model.TrainingPeriod]] = defaultdict(list)
        self.declarations: dict[str, model.Declaration] = {}
        self.declarations_by_period: dict[str, list[model.Declaration]] = defaultdict(list)
        self.statements: dict[str, model.Statement] = {}
        self.schools: dict[str, model.School] = {}
        self.delivery_partners: dict[str, model.DeliveryPartner] = {}
        self.partnerships: dict[str, model.Partnership] = {}
        self.partnership_index: dict[tuple[str, str, int], model.Partnership] = {}
        self.transfers: list[model.Transfer] = []
        self.pending_duplicates: list[str] = []  # second registrations of a teacher, not yet merged (lifecycle.py)
        # ECF1-only records, apart from the tables above so that RECT never sees them (ecf1_duplicate_users.py)
        self.ecf1_duplicates: list[model.DuplicateUser] = []
        self.ticks = 0
        self.version = 0
        self._cache: dict[tuple[Any, ...], Any] = {}
        self.item_cache: dict[tuple[Any, ...], dict[str, bytes]] = {}  # per list, each item's JSON by ident

    # -- mutation bookkeeping -------------------------------------------------------------------------------
    def changed(self) -> None:
        self.version += 1
        self._cache.clear()
        self.item_cache.clear()

    def cached(self, key: tuple[Any, ...], build: Callable[[], T]) -> T:
        if key not in self._cache:
            self._cache[key] = build()
        result: T = self._cache[key]
        return result

    def add_period(self, period: model.TrainingPeriod) -> None:
        self.periods[period.id] = period
        self.periods_by_teacher[period.teacher_id].append(period)

    def add_declaration(self, declaration: model.Declaration) -> None:
        self.declarations[declaration.id] = declaration
        self.declarations_by_period[declaration.training_period.id].append(declaration)

    def add_partnership(self, partnership: model.Partnership) -> None:
        self.partnerships[partnership.id] = partnership
        key = (partnership.lead_provider_id, partnership.school_id, partnership.cohort)
        self.partnership_index[key] = partnership

    @property
    def today(self) -> date:
        return self.clock.date()

    # -- lookups --------------------------------------------------------------------------------------------
    def provider_for_token(self, token: str) -> model.LeadProvider | None:
        for provider in self.providers.values():
            if provider.token == token:
                return provider
        return None

    def school_cohorts(self) -> set[int]:
        return {c for s in self.schools.values() for c in s.cohorts}

    def provider_named(self, name: str) -> model.LeadProvider:
        return next(p for p in self.providers.values() if p.name == name)

    def is_visible_teacher(self, teacher: model.Teacher) -> bool:
        return teacher.merged_into is None and not teacher.removed

    def provider_periods(self, teacher_id: str, provider_id: str) -> list[model.TrainingPeriod]:
        return [p for p in self.periods_by_teacher.get(teacher_id, ()) if p.lead_provider_id == provider_id]

    def latest_periods(self, teacher_id: str, provider_id: str) -> list[model.TrainingPeriod]:
        """This provider's latest ECT and latest mentor training period (at most one of each)."""
        periods = self.provider_periods(teacher_id, provider_id)
        if len(periods) < 2:  # most participants: no choosing, and this runs for every participant served
            return periods
        latest: dict[str, model.TrainingPeriod] = {}
        for period in periods:
            current = latest.get(period.participant_type)
            if current is None or (period.started_on, period.created_at) > (
                current.started_on,
                current.created_at,
            ):
                latest[period.participant_type] = period
        return [latest[role] for role in ("ect", "mentor") if role in latest]

    def held_elsewhere(self, period: model.TrainingPeriod) -> set[str]:
        """The milestones the period's teacher already holds, billable or changeable, in the period's role in their
        other periods: RECT refuses another declaration of them (validates_billable_slot_available)."""
        return {
            d.declaration_type
            for p in self.periods_by_teacher.get(period.teacher_id, ())
            if p is not period and p.participant_type == period.participant_type
            for d in self.declarations_by_period.get(p.id, ())
            if d.is_billable_or_changeable
        }

    def has_partnership(self, provider_id: str, school_id: str, cohort: int) -> bool:
        return (provider_id, school_id, cohort) in self.partnership_index

    def school_partnerships(self, school_id: str, cohort: int) -> list[model.Partnership]:
        """Every provider's partnerships with the school in the cohort (read, never change, the list)."""

        def build() -> dict[tuple[str, int], list[model.Partnership]]:
            index: dict[tuple[str, int], list[model.Partnership]] = defaultdict(list)
            for partnership in self.partnerships.values():
                index[(partnership.school_id, partnership.cohort)].append(partnership)
            return index

        return self.cached(("school_partnerships",), build).get((school_id, cohort), [])

    def in_partnership(self, school_id: str, cohort: int) -> bool:
        """A partnership with any provider (R: Metadata::SchoolContractPeriod#in_partnership, from all the
        school's partnerships in the contract period)."""
        return bool(self.school_partnerships(school_id, cohort))

    def currently_training(self, partnership: model.Partnership) -> int:
        """participants_currently_training, counted when served (R: SchoolPartnership#ongoing_training_periods,
        `contains_today`): the partnership's training periods whose dates contain today, whatever their training
        status, so a deferred period still counts. A teacher removed in error takes their periods along."""

        def build() -> dict[tuple[str, str, int], int]:
            counts: dict[tuple[str, str, int], int] = defaultdict(int)
            for period in self.periods.values():
                if period.contains(today) and not self.teachers[period.teacher_id].removed:
                    counts[(period.lead_provider_id, period.school_id, period.cohort)] += 1
            return counts

        today = self.today
        key = (partnership.lead_provider_id, partnership.school_id, partnership.cohort)
        return self.cached(("currently_training", today), build).get(key, 0)

    def transfers_for(self, teacher_id: str, provider_id: str) -> list[model.Transfer]:
        return [
            t
            for t in self.transfers_by_teacher().get(teacher_id, ())
            if provider_id in (t.leaving_provider_id, t.joining_provider_id)
        ]

    def transfers_by_teacher(self) -> dict[str, list[model.Transfer]]:
        def build() -> dict[str, list[model.Transfer]]:
            index: dict[str, list[model.Transfer]] = defaultdict(list)
            for transfer in self.transfers:
                index[transfer.teacher_id].append(transfer)
            return index

        return self.cached(("transfers_by_teacher",), build)

    def mentee_periods(self, provider_id: str) -> list[model.TrainingPeriod]:
        """Each ECT's latest ECT period with this provider (R: Metadata::TeacherLeadProvider
        latest_ect_training_period), whose mentor_id is the ECT's current mentor; none of an ECT removed in error."""

        def build() -> dict[str, list[model.TrainingPeriod]]:  # every provider's in one pass
            latest: dict[tuple[str, str], model.TrainingPeriod] = {}
            for period in self.periods.values():
                if period.participant_type == "ect":
                    key = (period.lead_provider_id, period.teacher_id)
                    current = latest.get(key)
                    if current is None or (period.started_on, period.created_at) > (
                        current.started_on,
                        current.created_at,
                    ):
                        latest[key] = period
            found: dict[str, list[model.TrainingPeriod]] = defaultdict(list)
            for (provider, teacher_id), period in latest.items():
                if not self.teachers[teacher_id].removed:
                    found[provider].append(period)
            return found

        return self.cached(("mentee_periods",), build).get(provider_id, [])

    def mentor_assignments(self, provider_id: str) -> dict[str, model.TrainingPeriod]:
        """Mentor teacher id -> the latest-created of the ECT periods naming them, among each of this provider's
        ECTs' latest ECT period with it. RECT keeps one current-or-next mentor per ECT and provider, from that
        period (R: Metadata::TeacherLeadProvider#ect_assigned_mentor_latest_school_period): a mentorship that
        ends (activity.py end_mentorships) or an ECT removed in error (their mentorships are deleted with them,
        R: teachers/undo_registration.rb) takes the mentor out."""

        def build() -> dict[str, model.TrainingPeriod]:
            found: dict[str, model.TrainingPeriod] = {}
            for period in self.mentee_periods(provider_id):
                if period.mentor_id:
                    current = found.get(period.mentor_id)
                    if current is None or period.created_at >= current.created_at:
                        found[period.mentor_id] = period
            return found

        return self.cached(("mentor_assignments", provider_id), build)

    def unfunded_mentor_email(self, teacher_id: str, provider_id: str) -> str:
        period = self.mentor_assignments(provider_id)[teacher_id]
        teacher = self.teachers[teacher_id]
        return f"{teacher.full_name.lower().replace(' ', '.')}@{period.school_urn}.school.example.org"

    # -- provider-scoped lists (cached per version) ---------------------------------------------------------
    def participants(self, provider_id: str) -> list[model.Teacher]:
        def build() -> list[model.Teacher]:
            # insertion order, not a set: ties in created_at must not follow the per-process string hash
            ids = dict.fromkeys(p.teacher_id for p in self.periods.values() if p.lead_provider_id == provider_id)
            found = [self.teachers[i] for i in ids if self.is_visible_teacher(self.teachers[i])]
            return sorted(found, key=lambda t: t.created_at)

        return self.cached(("participants", provider_id), build)

    def declaration_scope(self, provider_id: str) -> list[model.Declaration]:
        def build() -> list[model.Declaration]:
            trained_until: dict[str, date | None] = {}

            def trained() -> dict[str, date | None]:  # only other providers' declarations need it
                if not trained_until:
                    for teacher in self.participants(provider_id):
                        latest = max(self.provider_periods(teacher.id, provider_id), key=lambda p: p.started_on)
                        trained_until[teacher.id] = latest.finished_on
                return trained_until

            found = []
            for record in self.declarations.values():
                period = record.training_period
                if period.lead_provider_id == provider_id:
                    found.append(record)
                elif record.is_billable_or_changeable and period.teacher_id in trained():
                    until = trained_until[period.teacher_id]
                    if until is None or record.declaration_date.date() <= until:
                        found.append(record)
            return sorted(found, key=attrgetter("created_at"))

        return self.cached(("declarations", provider_id), build)

    def statement_scope(self, provider_id: str) -> list[model.Statement]:
        def build() -> list[model.Statement]:
            found = [s for s in self.statements.values() if s.lead_provider_id == provider_id]
            return sorted(found, key=lambda s: s.payment_date)

        return self.cached(("statements", provider_id), build)

    def partnership_scope(self, provider_id: str) -> list[model.Partnership]:
        def build() -> list[model.Partnership]:
            found = [p for p in self.partnerships.values() if p.lead_provider_id == provider_id]
            return sorted(found, key=lambda p: p.created_at)

        return self.cached(("partnerships", provider_id), build)

    def delivery_partner_scope(self, provider_id: str) -> list[model.DeliveryPartner]:
        def build() -> list[model.DeliveryPartner]:
            found = [d for d in self.delivery_partners.values() if d.cohorts_by_provider.get(provider_id)]
            return sorted(found, key=lambda d: d.created_at)

        return self.cached(("delivery_partners", provider_id), build)

    def school_scope(self, provider_id: str, cohort: int) -> list[model.School]:
        """Eligible schools, and ineligible ones that any provider is partnered with in the cohort
        (R: api/schools/query.rb, `School.eligible.or(in_partnership)`)."""

        def build() -> list[model.School]:
            listed = (
                s
                for s in self.schools.values()
                if cohort in s.cohorts and (s.cohorts[cohort].eligible or self.in_partnership(s.id, cohort))
            )
            return sorted(listed, key=lambda s: s.created_at)

        return self.cached(("schools", provider_id, cohort), build)

    def unfunded_mentor_scope(self, provider_id: str) -> list[model.Teacher]:
        """The current mentors of this provider's ECTs whom it does not train in either role
        (R: api/teachers/unfunded_mentors/query.rb: `where.not(latest_ect_training_period: nil,
        latest_mentor_training_period: nil)` excludes a teacher with either)."""

        def build() -> list[model.Teacher]:
            trained = {p.teacher_id for p in self.periods.values() if p.lead_provider_id == provider_id}
            found = [
                self.teachers[m]
                for m in self.mentor_assignments(provider_id)
                if m not in trained and self.is_visible_teacher(self.teachers[m])
            ]
            return sorted(found, key=lambda t: t.created_at)

        return self.cached(("unfunded_mentors", provider_id), build)

    def transfer_scope(self, provider_id: str) -> list[model.Teacher]:
        def build() -> list[model.Teacher]:
            ids = dict.fromkeys(
                t.teacher_id for t in self.transfers if provider_id in (t.leaving_provider_id, t.joining_provider_id)
            )
            found = [self.teachers[i] for i in ids if self.is_visible_teacher(self.teachers[i])]
            return sorted(found, key=lambda t: t.created_at)

        return self.cached(("transfers", provider_id), build)
