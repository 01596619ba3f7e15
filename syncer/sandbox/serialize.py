"""Records as the real serializers render them: UTC `Z` seconds, dates as YYYY-MM-DD, nulls present."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import orjson

from syncer.sandbox import model
from syncer.sandbox.model import COURSES, carries_uplift, month_name

if TYPE_CHECKING:
    from syncer.sandbox.world import World

Item = dict[str, Any]
Stamp = Callable[[datetime], Any]
Day = Callable[[date | None], Any]
# Each serializer can leave datetimes and dates in the item (native=True) for orjson to render with these options:
# the same bytes as orjson.dumps of the text item (UTC `Z` seconds, YYYY-MM-DD, as every datetime in the world is
# UTC), several times faster than ts(). The sandbox renders the list items it serves that way (app.py renderer).
NATIVE = orjson.OPT_UTC_Z | orjson.OPT_OMIT_MICROSECONDS | orjson.OPT_NAIVE_UTC


def item(ident: str, kind: str, attributes: Item) -> Item:
    """A record as the API serves it: a JSON:API resource object."""
    return {"id": ident, "type": kind, "attributes": attributes}


def ts(value: datetime) -> str:
    """UTC, whole seconds, `Z` (every datetime in the world is UTC; isoformat is 5x faster than strftime)."""
    return value.isoformat()[:19] + "Z"


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def same(value: Any) -> Any:
    return value


def styles(native: bool) -> tuple[Stamp, Day]:
    return (same, same) if native else (ts, day)


def enrolment(
    period: model.TrainingPeriod, teacher: model.Teacher, created: datetime, today: date, native: bool = False
) -> Item:
    """`created`: when the teacher's earliest period in the role was created (role_created_at)."""
    stamp, dated = styles(native)
    withdrawal = period.withdrawal
    deferral = period.deferral
    return {
        "training_record_id": teacher.training_record_id(period.participant_type),
        "email": period.email,
        "mentor_id": period.mentor_id,
        "school_urn": period.school_urn,
        "participant_type": period.participant_type,
        "cohort": str(period.cohort),
        "training_status": period.training_status,
        "participant_status": period.participant_status(today),
        "eligible_for_funding": period.eligible_for_funding,
        "pupil_premium_uplift": period.pupil_premium_uplift,
        "sparsity_uplift": period.sparsity_uplift,
        "schedule_identifier": period.schedule_identifier,
        "delivery_partner_id": period.delivery_partner_id,
        "withdrawal": {"reason": withdrawal[0], "date": stamp(withdrawal[1])} if withdrawal else None,
        "deferral": {"reason": deferral[0], "date": stamp(deferral[1])} if deferral else None,
        "created_at": stamp(created),
        "induction_end_date": dated(period.induction_end_date),
        "most_recent_induction_period_end_date": dated(period.induction_end_date),
        "overall_induction_start_date": dated(period.overall_induction_start_date),
        "mentor_funding_end_date": dated(period.mentor_funding_end_date),
        "cohort_changed_after_payments_frozen": period.cohort_changed_after_payments_frozen,
        "mentor_ineligible_for_funding_reason": period.mentor_ineligible_for_funding_reason,
        "working_pattern": period.working_pattern,
    }


def role_created_at(world: World, period: model.TrainingPeriod) -> datetime:
    """An enrolment's created_at is its teacher's earliest school period in the role, with any provider
    (R: teacher_serializer.rb, earliest_ect_at_school_period): it stays put as the teacher moves on."""
    periods = world.periods_by_teacher[period.teacher_id]
    if len(periods) == 1:  # most teachers: no choosing, and this runs for every participant served
        return period.created_at
    return min(p.created_at for p in periods if p.participant_type == period.participant_type)


def participant(world: World, teacher: model.Teacher, provider_id: str, native: bool = False) -> Item:
    stamp = same if native else ts
    today = world.today
    return item(
        teacher.id,
        "participant",
        {
            "full_name": teacher.full_name,
            "teacher_reference_number": teacher.trn,
            "updated_at": stamp(teacher.updated_at),
            "ecf_enrolments": [
                enrolment(p, teacher, role_created_at(world, p), today, native)
                for p in world.latest_periods(teacher.id, provider_id)
            ],
            "participant_id_changes": [
                {
                    "from_participant_id": c.from_participant_id,
                    "to_participant_id": c.to_participant_id,
                    "changed_at": stamp(c.changed_at),
                }
                for c in teacher.id_changes
            ],
        },
    )


def declaration(world: World, record: model.Declaration, provider_id: str, native: bool = False) -> Item:
    period = record.training_period
    voided = record.payment_status == "voided" and record.clawback_status == "no_clawback"
    paid_uplift = record.payment_status == "paid" and carries_uplift(record)  # paid stays paid through a clawback
    declared: Any = record.declaration_date
    updated: Any = record.updated_at
    created: Any = record.created_at
    if not native:  # (inline rather than through `same`: the sandbox serves over half a million of these)
        declared, updated, created = ts(declared), ts(updated), ts(created)
    return item(
        record.id,
        "participant-declaration",
        {
            "participant_id": period.teacher_id,
            "declaration_type": record.declaration_type,
            "declaration_date": declared,
            "course_identifier": COURSES[period.participant_type],
            "state": record.state,
            "updated_at": updated,
            "created_at": created,
            "delivery_partner_id": record.delivery_partner_id,
            "statement_id": None if voided else record.payment_statement_id,
            "clawback_statement_id": record.clawback_statement_id,
            "ineligible_for_funding_reason": None,
            "mentor_id": record.mentor_id,
            "uplift_paid": paid_uplift,
            "evidence_held": record.evidence_held,
            "lead_provider_name": world.providers[period.lead_provider_id].name,
        },
    )


def statement(world: World, record: model.Statement, provider_id: str, native: bool = False) -> Item:
    stamp, dated = styles(native)
    return item(
        record.id,
        "statement",
        {
            "month": month_name(record.month),
            "year": str(record.year),
            "cohort": str(record.cohort),
            "cut_off_date": dated(record.cut_off_date),
            "payment_date": dated(record.payment_date),
            "paid": record.paid,
            "created_at": stamp(record.created_at),
            "updated_at": stamp(record.updated_at),
        },
    )


def partnership_parties(world: World, record: model.Partnership) -> Item:
    """The cohort, school and delivery partner of a partnership: the attributes RECT and ECF1 both list first."""
    school = world.schools[record.school_id]
    partner = world.delivery_partners[record.delivery_partner_id]
    return {
        "cohort": str(record.cohort),
        "urn": school.urn,
        "school_id": school.id,
        "delivery_partner_id": partner.id,
        "delivery_partner_name": partner.name,
    }


def partnership(world: World, record: model.Partnership, provider_id: str, native: bool = False) -> Item:
    stamp = same if native else ts
    return item(
        record.id,
        "partnership",
        {
            **partnership_parties(world, record),
            "induction_tutor_name": None,
            "induction_tutor_email": None,
            "participants_currently_training": world.currently_training(record),
            "created_at": stamp(record.created_at),
            "updated_at": stamp(record.updated_at),
        },
    )


def delivery_partner(world: World, record: model.DeliveryPartner, provider_id: str, native: bool = False) -> Item:
    stamp = same if native else ts
    return item(
        record.id,
        "delivery-partner",
        {
            "name": record.name,
            "created_at": stamp(record.created_at),
            "updated_at": stamp(record.updated_at),
            "cohort": [str(c) for c in record.cohorts_by_provider.get(provider_id, [])],
        },
    )


def school(world: World, record: model.School, provider_id: str, cohort: int, native: bool = False) -> Item:
    stamp = same if native else ts
    meta = record.cohorts[cohort]
    # R: school_serializer.rb. in_partnership is the school's, with any provider; expression_of_interest (and the
    # induction tutor with it) is this provider's: an expression of interest, or a partnership, with it
    known = provider_id in meta.interested_provider_ids or world.has_partnership(provider_id, record.id, cohort)
    return item(
        record.id,
        "school",
        {
            "name": record.name,
            "urn": record.urn,
            "cohort": str(cohort),
            "in_partnership": world.in_partnership(record.id, cohort),
            "induction_programme_choice": meta.induction_programme_choice,
            "expression_of_interest": known,
            "induction_tutor_name": record.induction_tutor_name if known else None,
            "induction_tutor_email": record.induction_tutor_email if known else None,
            "created_at": stamp(record.created_at),
            "updated_at": stamp(meta.updated_at),
        },
    )


def unfunded_mentor(world: World, teacher: model.Teacher, provider_id: str, native: bool = False) -> Item:
    stamp = same if native else ts
    return item(
        teacher.id,
        "unfunded-mentor",
        {
            "full_name": teacher.full_name,
            "email": world.unfunded_mentor_email(teacher.id, provider_id),
            "teacher_reference_number": teacher.trn,  # R and E: unfunded_mentor_serializer.rb
            "created_at": stamp(teacher.created_at),
            "updated_at": stamp(teacher.unfunded_mentor_updated_at),
        },
    )


def transfer_entry(world: World, record: model.Transfer, native: bool = False) -> Item:
    stamp, dated = styles(native)
    names = world.providers
    joining = None
    if record.joining_urn is not None:
        joining = {
            "school_urn": record.joining_urn,
            "provider": names[record.joining_provider_id].name if record.joining_provider_id else None,
            "date": dated(record.joining_date),
        }
    role = world.periods[record.period_id].participant_type
    return {
        "training_record_id": world.teachers[record.teacher_id].training_record_id(role),
        "transfer_type": record.transfer_type,
        "status": record.status(world.today),
        "created_at": stamp(record.created_at),
        "leaving": {
            "school_urn": record.leaving_urn,
            "provider": names[record.leaving_provider_id].name,
            "date": dated(record.leaving_date),
        },
        "joining": joining,
    }


def participant_transfer(world: World, teacher: model.Teacher, provider_id: str, native: bool = False) -> Item:
    stamp = same if native else ts
    transfers = world.transfers_for(teacher.id, provider_id)
    return item(
        teacher.id,
        "participant-transfer",
        {
            "updated_at": stamp(max(t.updated_at for t in transfers)),
            "transfers": [transfer_entry(world, t, native) for t in sorted(transfers, key=lambda t: t.leaving_date)],
        },
    )
