"""The simulated service's internal records.

These mirror the real service's tables closely enough that the API's derived values (participant_id of a
declaration, `state`, participant_status, unfunded mentors, transfers) are computed the same way the real
serializers compute them, so the traps a sync client must survive appear for the same reasons.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

COHORTS = (2021, 2022, 2023, 2024, 2025, 2026)
MENTOR_FUNDING_FROM = 2025  # mentors may only declare started and completed from this cohort on
UPLIFT_COHORTS = (2021, 2022, 2023, 2024)  # contract periods with uplift fees (contract_period.uplift_fees_enabled)

SCHEDULE_KINDS = ("standard", "extended", "reduced", "replacement")
SCHEDULE_MONTHS = ("january", "april", "september")
SCHEDULE_IDENTIFIERS = tuple(f"ecf-{k}-{m}" for k in SCHEDULE_KINDS for m in SCHEDULE_MONTHS)

BASE_TYPES = ("started", "retained-1", "retained-2", "retained-3", "retained-4", "completed")
EXTENDED_TYPES = ("extended-1", "extended-2", "extended-3")
DECLARATION_TYPES = BASE_TYPES + EXTENDED_TYPES
COURSES = {"ect": "ecf-induction", "mentor": "ecf-mentor"}

WITHDRAWAL_REASONS = (
    "left-teaching-profession",
    "moved-school",
    "mentor-no-longer-being-mentor",
    "switched-to-school-led",
    "changed-lead-provider",
    "other",
)
DEFERRAL_REASONS = ("bereavement", "long-term-sickness", "parental-leave", "career-break", "other")
EVIDENCE_HELD = (
    "training-event-attended",
    "self-study-material-completed",
    "materials-engaged-with-offline",
    "75-percent-engagement-met",
    "75-percent-engagement-met-reduced-induction",
    "one-term-induction",
    "other",
)
OUTPUT_MONTHS = (1, 4, 8, 11)
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def month_name(month: int) -> str:
    return MONTH_NAMES[month - 1]


def milestone_types(schedule_identifier: str, participant_type: str, cohort: int) -> tuple[str, ...]:
    if participant_type == "mentor" and cohort >= MENTOR_FUNDING_FROM:
        return ("started", "completed")
    if "-extended-" in schedule_identifier:
        return BASE_TYPES + EXTENDED_TYPES
    return BASE_TYPES


@dataclass(slots=True)
class LeadProvider:
    id: str
    name: str
    token: str
    cohorts: tuple[int, ...]


@dataclass(slots=True)
class IdChange:
    from_participant_id: str
    to_participant_id: str
    changed_at: datetime


def derived_id(*parts: str) -> str:
    """A version-4-shaped UUID that is a function of `parts`: an id that belongs to another record draws nothing from
    the world's random streams, so adding it leaves every seed's world as it was."""
    h = hashlib.md5(":".join(parts).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


@dataclass(slots=True)
class Teacher:
    id: str
    full_name: str
    trn: str | None
    created_at: datetime
    updated_at: datetime
    unfunded_mentor_updated_at: datetime
    id_changes: list[IdChange] = field(default_factory=list)
    merged_into: str | None = None
    removed: bool = False
    duplicate_of: str | None = None  # a second registration of this teacher, until an admin merges the two
    # the API's training_record_id per role: the teacher's, not a training period's, so the same across periods,
    # providers, transfers and merges (R: teachers.api_ect_training_record_id, api_mentor_training_record_id)
    record_ids: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.record_ids = {role: derived_id(self.id, role) for role in COURSES}

    def training_record_id(self, role: str) -> str:
        return self.record_ids[role]


@dataclass(slots=True)
class TrainingPeriod:
    """A teacher's training with one provider in one role, from a start to a finish. The API lists the latest one per
    provider and role as an enrolment, under its teacher's training_record_id for the role (Teacher.record_ids), not
    an id of its own."""

    id: str  # the period's own key in the world, never served
    teacher_id: str
    lead_provider_id: str
    participant_type: str
    cohort: int
    school_id: str
    school_urn: str
    email: str
    mentor_id: str | None
    delivery_partner_id: str
    schedule_identifier: str
    started_on: date
    finished_on: date | None
    created_at: datetime
    eligible_for_funding: bool | None
    pupil_premium_uplift: bool
    sparsity_uplift: bool
    overall_induction_start_date: date | None
    induction_end_date: date | None
    working_pattern: str | None
    # ECF1's participant profile id, which ECF1 serves as training_record_id: the registering teacher's id for the
    # role, kept by the period when a merge moves it to another teacher (E: profiles move with their user's merge)
    profile_id: str
    withdrawal: tuple[str, datetime] | None = None
    deferral: tuple[str, datetime] | None = None
    mentor_funding_end_date: date | None = None
    mentor_ineligible_for_funding_reason: str | None = None
    cohort_changed_after_payments_frozen: bool = False

    @property
    def training_status(self) -> str:
        if self.withdrawal and (not self.deferral or self.withdrawal[1] >= self.deferral[1]):
            return "withdrawn"
        if self.deferral:
            return "deferred"
        return "active"

    def participant_status(self, today: date) -> str:
        if self.started_on > today:
            return "joining"
        if self.finished_on is not None:
            return "leaving" if self.finished_on >= today else "left"
        return "active"

    def contains(self, day: date) -> bool:
        """Whether `day` falls in the period, both ends included (R: the `range` column, daterange '[]', which the
        contains_today scope reads): a deferred or withdrawn period counts while its dates say so."""
        return self.started_on <= day and (self.finished_on is None or self.finished_on >= day)


@dataclass(slots=True)
class Statement:
    id: str
    lead_provider_id: str
    cohort: int
    month: int
    year: int
    cut_off_date: date
    payment_date: date
    created_at: datetime
    updated_at: datetime
    status: str = "open"  # open -> payable -> paid

    @property
    def paid(self) -> bool:
        return self.status == "paid"


@dataclass(slots=True)
class Declaration:
    id: str
    training_period: TrainingPeriod
    declaration_type: str
    declaration_date: datetime
    created_at: datetime
    updated_at: datetime
    delivery_partner_id: str
    mentor_id: str | None
    evidence_held: str | None
    # no_payment, eligible, payable, paid, voided; and ineligible, which only ECF1 records reach
    # (ecf1_duplicate_users.py)
    payment_status: str = "no_payment"
    clawback_status: str = "no_clawback"  # no_clawback, awaiting_clawback, clawed_back
    payment_statement_id: str | None = None
    clawback_statement_id: str | None = None

    @property
    def state(self) -> str:
        internal = self.clawback_status if self.clawback_status != "no_clawback" else self.payment_status
        return "submitted" if internal == "no_payment" else internal.replace("_", "-")

    @property
    def is_billable_or_changeable(self) -> bool:
        return self.clawback_status == "no_clawback" and self.payment_status != "voided"


def new_declaration(
    declaration_id: str,
    period: TrainingPeriod,
    declaration_type: str,
    declared: datetime,
    created: datetime,
    evidence_held: str | None,
) -> Declaration:
    """A declaration as its provider submits it for `period`: unpaid, and naming the period's delivery partner and
    mentor at the time."""
    return Declaration(
        declaration_id,
        period,
        declaration_type,
        declared,
        created,
        created,
        period.delivery_partner_id,
        period.mentor_id,
        evidence_held,
    )


@dataclass(slots=True)
class SchoolCohort:
    updated_at: datetime
    induction_programme_choice: str
    interested_provider_ids: set[str] = field(default_factory=set)  # expressions of interest, by provider
    eligible: bool = True  # an ineligible school is still listed while any provider is partnered with it


@dataclass(slots=True)
class School:
    id: str
    name: str
    urn: str
    created_at: datetime
    induction_tutor_name: str
    induction_tutor_email: str
    cohorts: dict[int, SchoolCohort] = field(default_factory=dict)


@dataclass(slots=True)
class DeliveryPartner:
    id: str
    name: str
    created_at: datetime
    updated_at: datetime
    cohorts_by_provider: dict[str, list[int]] = field(default_factory=dict)


@dataclass(slots=True)
class Partnership:
    id: str
    lead_provider_id: str
    school_id: str
    delivery_partner_id: str
    cohort: int
    created_at: datetime
    updated_at: datetime  # the only touch of participants_currently_training is the nightly job (activity.py)


@dataclass(slots=True)
class Transfer:
    teacher_id: str
    period_id: str  # the leaving training period
    transfer_type: str
    leaving_urn: str
    leaving_provider_id: str
    leaving_date: date
    joining_urn: str | None
    joining_provider_id: str | None
    joining_date: date | None
    created_at: datetime
    updated_at: datetime

    def status(self, today: date) -> str:
        return "complete" if self.joining_date is not None and self.joining_date <= today else "incomplete"


def new_provider_transfer(
    leaving: TrainingPeriod,
    leaving_date: date,
    joining_urn: str,
    joining_provider_id: str,
    joining_date: date,
    at: datetime,
) -> Transfer:
    """A teacher's move from the provider of `leaving` to another, recorded at `at`."""
    return Transfer(
        teacher_id=leaving.teacher_id,
        period_id=leaving.id,
        transfer_type="new_provider",
        leaving_urn=leaving.school_urn,
        leaving_provider_id=leaving.lead_provider_id,
        leaving_date=leaving_date,
        joining_urn=joining_urn,
        joining_provider_id=joining_provider_id,
        joining_date=joining_date,
        created_at=at,
        updated_at=at,
    )


@dataclass(slots=True)
class DuplicateUser:
    """ECF1 only: a second user for a teacher already registered with the provider, and its declarations (see
    ecf1_duplicate_users.py). RECT holds neither, so they stay out of the world's teachers, periods and
    declarations."""

    teacher: Teacher
    period: TrainingPeriod
    original: TrainingPeriod
    declarations: list[Declaration]


def carries_uplift(record: Declaration) -> bool:
    """DfE flags a declaration with its school's uplifts when it is created: started, for an ECT, in a cohort
    with uplift fees (declarations/create.rb#update_uplifts!; ECTs only, as the money issue rules)."""
    period = record.training_period
    return (
        record.declaration_type == "started"
        and period.participant_type == "ect"
        and period.cohort in UPLIFT_COHORTS
        and (period.sparsity_uplift or period.pupil_premium_uplift)
    )
