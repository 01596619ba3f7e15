"""The old "Manage training for ECTs" (ECF1) API v3 over the same simulated world: its paths (/ecf suffixes), its
serializers (api-facts §3 "ECF1 v3 differences") and its filter rules (§1.3). The RECT modules stay untouched; this
module only maps the same records to ECF1's shapes.

What ECF1 has and RECT lacks is derived deterministically, so the same seed always gives the same answers:
partnerships challenged by the school (status, challenged_reason, challenged_at in milliseconds; from the record ids),
and teachers registered twice, whose repeated declarations are `ineligible` (ecf1_duplicate_users.py). Every list reads
`filter[updated_since]` the ECF1 way and compares ECF1's columns (ecf_filters.py).
"""

from __future__ import annotations

import zlib
from dataclasses import replace
from datetime import UTC, datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from syncer.sandbox import ecf1_duplicate_users, endpoints, serialize
from syncer.sandbox.ecf_filters import parse_updated_since, partnership_updated_at, school_changed_at, school_updated_at
from syncer.sandbox.endpoints import (
    TRAINING_STATUSES,
    Endpoint,
    Scoped,
    any_value,
    by_values,
    own_updated_at,
    plain_sort,
)
from syncer.sandbox.model import Declaration, DeliveryPartner, Partnership, School, Statement, Teacher
from syncer.sandbox.query import BadRequest
from syncer.sandbox.serialize import Item, item, ts

if TYPE_CHECKING:
    from syncer.sandbox.world import World

PROFILE = "ecf-v3"
Record = Any
# ECF1 has no changed-lead-provider withdrawal reason (ecf-v3-openapi.json ECFWithdrawal): it recorded "other"
ECF_WITHDRAWAL = {"changed-lead-provider": "other"}
CHALLENGE_REASONS = ("another_provider", "not_confirmed", "do_not_recognise", "no_ects", "mistake")
CHALLENGED_ONE_IN = 12
STATEMENT_TYPES = ("ecf",)


def ts_ms(value: datetime) -> str:
    """Rails' JSON encoding of a time (ECF1 attributes serialized without `.rfc3339`): UTC with milliseconds."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def trn_validated(world: World, teacher: Teacher) -> bool:
    """A duplicate user's TRN is never validated: validation would have merged it into the other user (§5)."""
    return teacher.trn is not None and teacher.id not in ecf1_duplicate_users.user_ids(world)


def ecf_enrolment(world: World, teacher: Teacher, rect: Item, profile_id: str) -> Item:
    """`profile_id`: the participant profile's id, ECF1's training_record_id (a merge moves the profile, id and all)."""
    withdrawal = rect["withdrawal"]
    if withdrawal is not None:
        withdrawal = {**withdrawal, "reason": ECF_WITHDRAWAL.get(withdrawal["reason"], withdrawal["reason"])}
    return {
        "training_record_id": profile_id,
        "email": rect["email"],
        "mentor_id": rect["mentor_id"],
        "school_urn": rect["school_urn"],
        "participant_type": rect["participant_type"],
        "cohort": rect["cohort"],
        "training_status": rect["training_status"],
        "participant_status": rect["participant_status"],
        "teacher_reference_number_validated": trn_validated(world, teacher),
        "eligible_for_funding": rect["eligible_for_funding"],
        "pupil_premium_uplift": rect["pupil_premium_uplift"],
        "sparsity_uplift": rect["sparsity_uplift"],
        "schedule_identifier": rect["schedule_identifier"],
        "delivery_partner_id": rect["delivery_partner_id"],
        "withdrawal": withdrawal,
        "deferral": rect["deferral"],
        "created_at": rect["created_at"],
        "induction_end_date": rect["induction_end_date"],
        "mentor_funding_end_date": rect["mentor_funding_end_date"],
        "cohort_changed_after_payments_frozen": rect["cohort_changed_after_payments_frozen"],
        "mentor_ineligible_for_funding_reason": rect["mentor_ineligible_for_funding_reason"],
    }


def participant(world: World, teacher: Teacher, provider_id: str) -> Item:
    served = serialize.participant(world, teacher, provider_id)
    attributes = served["attributes"]
    periods = world.latest_periods(teacher.id, provider_id)  # what the RECT enrolments were made from, in order
    attributes["ecf_enrolments"] = [
        ecf_enrolment(world, teacher, e, p.profile_id)
        for e, p in zip(attributes["ecf_enrolments"], periods, strict=True)
    ]
    return served


def declaration(world: World, record: Declaration, provider_id: str) -> Item:
    served = serialize.declaration(world, record, provider_id)
    attributes = served["attributes"]
    if record.state == "ineligible":
        # the only way an ECF1 declaration becomes ineligible (E:RecordDeclaration#set_eligibility); once voided,
        # the reason is no longer shown. statement_id is already null: nothing billable was ever attached
        attributes["ineligible_for_funding_reason"] = "duplicate_declaration"
    name = attributes.pop("lead_provider_name")
    attributes["has_passed"] = None  # always null in ECF1 v3
    attributes["lead_provider_name"] = name
    return served


def statement(world: World, record: Statement, provider_id: str) -> Item:
    attributes = serialize.statement(world, record, provider_id)["attributes"]
    ordered = {"month": attributes.pop("month"), "year": attributes.pop("year"), "type": "ecf", **attributes}
    return item(record.id, "statement", ordered)


def unfunded_mentor_scope(world: World, provider_id: str) -> list[Teacher]:
    """The mentors named by this provider's participants' latest induction records whose own *mentor* profile it
    does not train (E:app/services/api/v3/ecf/unfunded_mentors_query.rb): unlike RECT, a mentor the provider trains
    as an ECT is still listed, as the ECT profile is another participant profile."""

    def build() -> list[Teacher]:
        trained = {
            p.teacher_id
            for p in world.periods.values()
            if p.lead_provider_id == provider_id and p.participant_type == "mentor"
        }
        found = [
            world.teachers[m]
            for m in world.mentor_assignments(provider_id)
            if m not in trained and world.is_visible_teacher(world.teachers[m])
        ]
        return sorted(found, key=attrgetter("created_at"))

    return world.cached((PROFILE, "unfunded_mentors", provider_id), build)


def unfunded_mentor(world: World, record: Teacher, provider_id: str) -> Item:
    """ECF1 shows the mentor's user `updated_at` (E:app/serializers/api/v3/ecf/unfunded_mentor_serializer.rb)."""
    served = serialize.unfunded_mentor(world, record, provider_id)
    served["attributes"]["updated_at"] = ts(record.updated_at)
    return served


def challenge(record: Partnership) -> tuple[str, datetime] | None:
    """One partnership in CHALLENGED_ONE_IN is challenged by its school, at a fixed moment no later than the
    partnership's updated_at (so the challenge never appears without an updated_at bump)."""
    crc = zlib.crc32(record.id.encode())
    if crc % CHALLENGED_ONE_IN:
        return None
    moment = record.created_at + (record.updated_at - record.created_at) * ((crc >> 8) % 997 / 997)
    return CHALLENGE_REASONS[crc % len(CHALLENGE_REASONS)], moment


def partnership(world: World, record: Partnership, provider_id: str) -> Item:
    school = world.schools[record.school_id]
    challenged = challenge(record)
    return item(
        record.id,
        "partnership",
        {
            **serialize.partnership_parties(world, record),
            "status": "challenged" if challenged else "active",
            "challenged_reason": challenged[0] if challenged else None,
            "challenged_at": ts_ms(challenged[1]) if challenged else None,
            "induction_tutor_name": school.induction_tutor_name,  # ECF1: the school's induction tutor (SIT)
            "induction_tutor_email": school.induction_tutor_email,
            "updated_at": ts(partnership_updated_at(Scoped(world, provider_id, {}), record)),
            "created_at": ts(record.created_at),
        },
    )


def delivery_partner(world: World, record: DeliveryPartner, provider_id: str) -> Item:
    return item(
        record.id,
        "delivery-partner",
        {
            "name": record.name,
            "cohort": [str(c) for c in sorted(record.cohorts_by_provider.get(provider_id, []))],  # ECF1 sorts
            "created_at": ts(record.created_at),
            "updated_at": ts(record.updated_at),
        },
    )


def partnered(world: World, school_id: str, cohort: int) -> bool:
    """ECF1's School#partnered?: an unchallenged partnership with any provider in the cohort."""
    return any(challenge(p) is None for p in world.school_partnerships(school_id, cohort))


def school_scope(world: World, cohort: int) -> list[School]:
    """Eligible schools, or ones any provider is partnered with, unchallenged, in the cohort
    (E:app/services/api/v3/ecf/schools_query.rb): a challenged partnership does not keep an ineligible school."""

    def build() -> list[School]:
        listed = (
            s
            for s in world.schools.values()
            if cohort in s.cohorts and (s.cohorts[cohort].eligible or partnered(world, s.id, cohort))
        )
        return sorted(listed, key=attrgetter("created_at"))

    return world.cached((PROFILE, "schools", cohort), build)


def school(world: World, record: School, provider_id: str, cohort: int) -> Item:
    """RECT's school without the expression of interest and induction tutor, with ECF1's `in_partnership`
    (E:app/serializers/api/v3/ecf/school_serializer.rb) and `updated_at`."""
    served = serialize.school(world, record, provider_id, cohort)
    attributes = served["attributes"]
    attributes["in_partnership"] = partnered(world, record.id, cohort)
    for absent in ("expression_of_interest", "induction_tutor_name", "induction_tutor_email"):
        del attributes[absent]
    attributes["updated_at"] = ts(school_updated_at(Scoped(world, provider_id, {}, cohort), record))
    return served


def training_status_filter(query: Scoped, raw: str, rows: list[Record]) -> list[Record]:
    """ECF1 refuses an unknown training_status with a 400, where RECT answers an empty 200 (trap 11)."""
    if raw.strip() and raw not in TRAINING_STATUSES:
        raise BadRequest(f"The filter '#/training_status' must be {', '.join(TRAINING_STATUSES)}")
    return endpoints.training_status_filter(query, raw, rows)


def statement_type_filter(query: Scoped, raw: str, rows: list[Record]) -> list[Record]:
    return rows if not raw.strip() or raw.strip() in STATEMENT_TYPES else []


def ecf1(name: str, **changes: Any) -> Endpoint:
    """ECF1's row for the list `name`: RECT's row (endpoints.py) under ECF1's profile, reading updated_since the ECF1
    way and with no native serializer (ECF1's own render through `serialize`), then `changes`."""
    ecf1_defaults: dict[str, Any] = {"profile": PROFILE, "since_parser": parse_updated_since, "native": None}
    return replace(RECT[name], **{**ecf1_defaults, **changes})


RECT = endpoints.BY_NAME
ENDPOINTS: tuple[Endpoint, ...] = (
    ecf1(
        "participants",
        path="/participants/ecf",
        scope=lambda q: ecf1_duplicate_users.participants(q.world, q.provider_id),
        serialize=lambda q, r: participant(q.world, r, q.provider_id),
        filters={**RECT["participants"].filters, "training_status": training_status_filter},
    ),
    ecf1(
        "participant-declarations",
        scope=lambda q: ecf1_duplicate_users.declarations(q.world, q.provider_id),
        serialize=lambda q, r: declaration(q.world, r, q.provider_id),
        filters={
            **RECT["participant-declarations"].filters,
            "delivery_partner_id": by_values(lambda q, d: {d.delivery_partner_id}, any_value),
        },
    ),
    ecf1(
        "statements",
        serialize=lambda q, r: statement(q.world, r, q.provider_id),
        filters={**RECT["statements"].filters, "type": statement_type_filter},
    ),
    ecf1(
        "partnerships",
        path="/partnerships/ecf",
        serialize=lambda q, r: partnership(q.world, r, q.provider_id),
        # partnerships OR schools OR delivery_partners (api-facts §1.3); sort keeps the partnerships.updated_at column
        updated_at=partnership_updated_at,
    ),
    ecf1("delivery-partners", serialize=lambda q, r: delivery_partner(q.world, r, q.provider_id)),
    ecf1(
        "schools",
        path="/schools/ecf",
        scope=lambda q: school_scope(q.world, q.cohort) if q.cohort is not None else [],
        serialize=lambda q, r: school(q.world, r, q.provider_id, q.cohort or 0),
        updated_at=school_changed_at,  # schools OR any school_cohorts (api-facts §1.3)
        sort_columns=plain_sort(school_updated_at),
    ),
    ecf1(
        "unfunded-mentors",
        path="/unfunded-mentors/ecf",
        scope=lambda q: unfunded_mentor_scope(q.world, q.provider_id),
        serialize=lambda q, r: unfunded_mentor(q.world, r, q.provider_id),
        updated_at=own_updated_at,  # users.updated_at (api-facts §1.3)
        sort_columns=plain_sort(own_updated_at),
    ),
    ecf1(
        "participants/transfers",
        path="/participants/ecf/transfers",
        native=RECT["participants/transfers"].native,  # RECT's serializer as it is
        updated_at=own_updated_at,  # users.updated_at (api-facts §1.3), not the transfers' own time
        sort_columns=None,  # no sort in ECF1
        since_order=attrgetter("updated_at"),  # users.updated_at ASC when updated_since is given
    ),
)
ENDPOINTS_BY_NAME = {e.name: e for e in ENDPOINTS}
