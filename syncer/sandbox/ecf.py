"""The old "Manage training for ECTs" (ECF1) API v3 over the same simulated world: its paths (/ecf suffixes), its
serializers (api-facts §3 "ECF1 v3 differences") and its filter rules (§1.3). The RECT modules stay untouched; this
module only maps the same records to ECF1's shapes.

What ECF1 has and RECT lacks is derived deterministically, so the same seed always gives the same answers:
partnerships challenged by the school (status, challenged_reason, challenged_at in milliseconds; from the record ids),
and teachers registered twice, whose repeated declarations are `ineligible` (duplicates.py). Every list reads
`filter[updated_since]` the ECF1 way and compares ECF1's columns (ecf_filters.py).
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from syncer.sandbox import duplicates, serialize
from syncer.sandbox.ecf_filters import parse_updated_since, partnership_updated_at, school_changed_at, school_updated_at
from syncer.sandbox.endpoints import ENDPOINTS as RECT_ENDPOINTS
from syncer.sandbox.endpoints import (
    TRAINING_STATUSES,
    Endpoint,
    Scoped,
    any_value,
    by_values,
    from_participant_filter,
    participant_cohorts,
    urn_filter,
)
from syncer.sandbox.model import Declaration, DeliveryPartner, Partnership, School, Statement, Teacher
from syncer.sandbox.query import BadRequest, is_uuid, is_year
from syncer.sandbox.serialize import Item, ts

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
    return teacher.trn is not None and teacher.id not in duplicates.user_ids(world)


def ecf_enrolment(world: World, teacher: Teacher, item: Item) -> Item:
    withdrawal = item["withdrawal"]
    if withdrawal is not None:
        withdrawal = {**withdrawal, "reason": ECF_WITHDRAWAL.get(withdrawal["reason"], withdrawal["reason"])}
    return {
        "training_record_id": item["training_record_id"],
        "email": item["email"],
        "mentor_id": item["mentor_id"],
        "school_urn": item["school_urn"],
        "participant_type": item["participant_type"],
        "cohort": item["cohort"],
        "training_status": item["training_status"],
        "participant_status": item["participant_status"],
        "teacher_reference_number_validated": trn_validated(world, teacher),
        "eligible_for_funding": item["eligible_for_funding"],
        "pupil_premium_uplift": item["pupil_premium_uplift"],
        "sparsity_uplift": item["sparsity_uplift"],
        "schedule_identifier": item["schedule_identifier"],
        "delivery_partner_id": item["delivery_partner_id"],
        "withdrawal": withdrawal,
        "deferral": item["deferral"],
        "created_at": item["created_at"],
        "induction_end_date": item["induction_end_date"],
        "mentor_funding_end_date": item["mentor_funding_end_date"],
        "cohort_changed_after_payments_frozen": item["cohort_changed_after_payments_frozen"],
        "mentor_ineligible_for_funding_reason": item["mentor_ineligible_for_funding_reason"],
    }


def participant(world: World, teacher: Teacher, provider_id: str) -> Item:
    item = serialize.participant(world, teacher, provider_id)
    attributes = item["attributes"]
    attributes["ecf_enrolments"] = [ecf_enrolment(world, teacher, e) for e in attributes["ecf_enrolments"]]
    return item


def declaration(world: World, record: Declaration, provider_id: str) -> Item:
    item = serialize.declaration(world, record, provider_id)
    attributes = item["attributes"]
    if record.state == "ineligible":
        # the only way an ECF1 declaration becomes ineligible (E:RecordDeclaration#set_eligibility); once voided,
        # the reason is no longer shown. statement_id is already null: nothing billable was ever attached
        attributes["ineligible_for_funding_reason"] = "duplicate_declaration"
    name = attributes.pop("lead_provider_name")
    attributes["has_passed"] = None  # always null in ECF1 v3
    attributes["lead_provider_name"] = name
    return item


def statement(world: World, record: Statement, provider_id: str) -> Item:
    attributes = serialize.statement(world, record, provider_id)["attributes"]
    ordered = {"month": attributes.pop("month"), "year": attributes.pop("year"), "type": "ecf", **attributes}
    return {"id": record.id, "type": "statement", "attributes": ordered}


def unfunded_mentor(world: World, record: Teacher, provider_id: str) -> Item:
    """ECF1 shows the mentor's user `updated_at` (E:app/serializers/api/v3/ecf/unfunded_mentor_serializer.rb)."""
    item = serialize.unfunded_mentor(world, record, provider_id)
    item["attributes"]["updated_at"] = ts(record.updated_at)
    return item


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
    partner = world.delivery_partners[record.delivery_partner_id]
    challenged = challenge(record)
    return {
        "id": record.id,
        "type": "partnership",
        "attributes": {
            "cohort": str(record.cohort),
            "urn": school.urn,
            "school_id": school.id,
            "delivery_partner_id": partner.id,
            "delivery_partner_name": partner.name,
            "status": "challenged" if challenged else "active",
            "challenged_reason": challenged[0] if challenged else None,
            "challenged_at": ts_ms(challenged[1]) if challenged else None,
            "induction_tutor_name": school.induction_tutor_name,  # ECF1: the school's induction tutor (SIT)
            "induction_tutor_email": school.induction_tutor_email,
            "updated_at": ts(partnership_updated_at(Scoped(world, provider_id, {}), record)),
            "created_at": ts(record.created_at),
        },
    }


def delivery_partner(world: World, record: DeliveryPartner, provider_id: str) -> Item:
    return {
        "id": record.id,
        "type": "delivery-partner",
        "attributes": {
            "name": record.name,
            "cohort": [str(c) for c in sorted(record.cohorts_by_provider.get(provider_id, []))],  # ECF1 sorts
            "created_at": ts(record.created_at),
            "updated_at": ts(record.updated_at),
        },
    }


def school(world: World, record: School, provider_id: str, cohort: int) -> Item:
    meta = record.cohorts[cohort]
    updated = school_updated_at(Scoped(world, provider_id, {}, cohort), record)
    return {
        "id": record.id,
        "type": "school",
        "attributes": {
            "name": record.name,
            "urn": record.urn,
            "cohort": str(cohort),
            "in_partnership": world.has_partnership(provider_id, record.id, cohort),
            "induction_programme_choice": meta.induction_programme_choice,
            "created_at": ts(record.created_at),
            "updated_at": ts(updated),
        },
    }


def training_status_filter(query: Scoped, raw: str, rows: list[Record]) -> list[Record]:
    """ECF1 refuses an unknown training_status with a 400, where RECT answers an empty 200 (trap 11)."""
    if not raw.strip():
        return rows
    if raw not in TRAINING_STATUSES:
        raise BadRequest(f"The filter '#/training_status' must be {', '.join(TRAINING_STATUSES)}")
    world = query.world
    return [t for t in rows if any(p.training_status == raw for p in world.latest_periods(t.id, query.provider_id))]


def statement_type_filter(query: Scoped, raw: str, rows: list[Record]) -> list[Record]:
    return rows if not raw.strip() or raw.strip() in STATEMENT_TYPES else []


def user_sort(updated: Any) -> dict[str, Any]:
    return {"created_at": lambda q: lambda r: r.created_at, "updated_at": lambda q: lambda r: updated(q, r)}


RECT = {e.name: e for e in RECT_ENDPOINTS}

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        name="participants",
        path="/participants/ecf",
        scope=lambda q: duplicates.participants(q.world, q.provider_id),
        serialize=lambda q, r: participant(q.world, r, q.provider_id),
        order=lambda r: r.created_at,
        updated_at=lambda q, r: r.updated_at,
        filters={
            "cohort": by_values(participant_cohorts, is_year),
            "training_status": training_status_filter,
            "from_participant_id": from_participant_filter,
        },
        sort_columns=user_sort(lambda q, r: r.updated_at),
        profile=PROFILE,
        since_parser=parse_updated_since,
    ),
    Endpoint(
        name="participant-declarations",
        path="/participant-declarations",
        scope=lambda q: duplicates.declarations(q.world, q.provider_id),
        serialize=lambda q, r: declaration(q.world, r, q.provider_id),
        order=lambda r: r.created_at,
        updated_at=lambda q, r: r.updated_at,
        filters={
            "cohort": by_values(lambda q, d: {str(d.training_period.cohort)}, is_year),
            "participant_id": by_values(lambda q, d: {d.training_period.teacher_id}, is_uuid),
            "delivery_partner_id": by_values(lambda q, d: {d.delivery_partner_id}, any_value),
        },
        profile=PROFILE,
        since_parser=parse_updated_since,
    ),
    Endpoint(
        name="statements",
        path="/statements",
        scope=RECT["statements"].scope,
        serialize=lambda q, r: statement(q.world, r, q.provider_id),
        order=lambda r: r.payment_date,
        updated_at=lambda q, r: r.updated_at,
        filters={"cohort": by_values(lambda q, s: {str(s.cohort)}, is_year), "type": statement_type_filter},
        profile=PROFILE,
        since_parser=parse_updated_since,
    ),
    Endpoint(
        name="partnerships",
        path="/partnerships/ecf",
        scope=RECT["partnerships"].scope,
        serialize=lambda q, r: partnership(q.world, r, q.provider_id),
        order=lambda r: r.created_at,
        updated_at=partnership_updated_at,  # partnerships OR schools OR delivery_partners (api-facts §1.3)
        filters=RECT["partnerships"].filters,
        sort_columns=user_sort(lambda q, r: r.updated_at),  # the partnerships.updated_at column
        profile=PROFILE,
        since_parser=parse_updated_since,
    ),
    Endpoint(
        name="delivery-partners",
        path="/delivery-partners",
        scope=RECT["delivery-partners"].scope,
        serialize=lambda q, r: delivery_partner(q.world, r, q.provider_id),
        order=lambda r: r.created_at,
        updated_at=None,
        filters=RECT["delivery-partners"].filters,
        sort_columns=user_sort(lambda q, r: r.updated_at),
        profile=PROFILE,
        since_parser=parse_updated_since,
    ),
    Endpoint(
        name="schools",
        path="/schools/ecf",
        scope=RECT["schools"].scope,
        serialize=lambda q, r: school(q.world, r, q.provider_id, q.cohort or 0),
        order=lambda r: r.created_at,
        updated_at=school_changed_at,  # schools OR any school_cohorts (api-facts §1.3)
        filters={"urn": urn_filter},
        sort_columns=user_sort(school_updated_at),
        cohort_required=True,
        profile=PROFILE,
        since_parser=parse_updated_since,
    ),
    Endpoint(
        name="unfunded-mentors",
        path="/unfunded-mentors/ecf",
        scope=RECT["unfunded-mentors"].scope,
        serialize=lambda q, r: unfunded_mentor(q.world, r, q.provider_id),
        order=lambda r: r.created_at,
        updated_at=lambda q, r: r.updated_at,  # users.updated_at (api-facts §1.3)
        sort_columns=user_sort(lambda q, r: r.updated_at),
        profile=PROFILE,
        since_parser=parse_updated_since,
    ),
    Endpoint(
        name="participants/transfers",
        path="/participants/ecf/transfers",
        scope=RECT["participants/transfers"].scope,
        serialize=RECT["participants/transfers"].serialize,
        order=lambda r: r.created_at,
        updated_at=lambda q, r: r.updated_at,  # users.updated_at (api-facts §1.3), not the transfers' own time
        profile=PROFILE,  # no sort in ECF1
        since_parser=parse_updated_since,
        since_order=lambda r: r.updated_at,  # users.updated_at ASC when updated_since is given
    ),
)
