"""Pydantic models of the API's payload items: the boundary check before anything reaches the warehouse.

They check exactly what the warehouse will cast (ids, timestamps, dates, booleans, integers) so that a
page either loads whole or its bad items go to quarantine; they allow unknown attributes, because the API
adds fields over time (the raw JSON keeps them). Enumerations stay free text here: an unknown state must
reach the warehouse, where the views flag it, rather than be refused.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, StrictStr, StringConstraints, TypeAdapter

UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# month 01-12, day 01-31, hour 00-23: the warehouse's casts then cannot fail on a value that passed here
DATE = r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
TIMESTAMP = rf"^{DATE}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{{1,6}})?(Z|[+-]\d{{2}}:\d{{2}})$"

# Patterns run in pydantic-core (Rust): a Python validator per field would cost more than the rest of the sync.
Uuid = Annotated[str, StringConstraints(strict=True, pattern=UUID)]
Timestamp = Annotated[str, StringConstraints(strict=True, pattern=TIMESTAMP)]
Day = Annotated[str, StringConstraints(strict=True, pattern=rf"^{DATE}$")]
Text = StrictStr


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Reason(Open):
    reason: Text | None = None
    date: Timestamp | None = None


class Enrolment(Open):
    training_record_id: Uuid
    email: Text | None = None
    mentor_id: Uuid | None = None
    school_urn: Text | None = None
    participant_type: Text
    cohort: Text | None = None
    training_status: Text | None = None
    participant_status: Text | None = None
    eligible_for_funding: StrictBool | None = None
    pupil_premium_uplift: StrictBool | None = None
    sparsity_uplift: StrictBool | None = None
    schedule_identifier: Text | None = None
    delivery_partner_id: Uuid | None = None
    withdrawal: Reason | None = None
    deferral: Reason | None = None
    created_at: Timestamp | None = None
    induction_end_date: Day | None = None
    most_recent_induction_period_end_date: Day | None = None
    overall_induction_start_date: Day | None = None
    mentor_funding_end_date: Day | None = None
    cohort_changed_after_payments_frozen: StrictBool | None = None
    mentor_ineligible_for_funding_reason: Text | None = None
    working_pattern: Text | None = None


class IdChange(Open):
    from_participant_id: Uuid
    to_participant_id: Uuid
    changed_at: Timestamp


class ParticipantAttributes(Open):
    full_name: Text | None = None
    teacher_reference_number: Text | None = None
    updated_at: Timestamp
    ecf_enrolments: list[Enrolment]
    participant_id_changes: list[IdChange] = []


class DeclarationAttributes(Open):
    participant_id: Uuid
    declaration_type: Text
    declaration_date: Timestamp | None = None
    course_identifier: Text
    state: Text
    updated_at: Timestamp
    created_at: Timestamp | None = None
    delivery_partner_id: Uuid | None = None
    statement_id: Uuid | None = None
    clawback_statement_id: Uuid | None = None
    ineligible_for_funding_reason: Text | None = None
    mentor_id: Uuid | None = None
    uplift_paid: StrictBool | None = None
    evidence_held: Text | None = None
    lead_provider_name: Text | None = None


class StatementAttributes(Open):
    month: Text
    year: Text
    cohort: Text
    cut_off_date: Day
    payment_date: Day
    paid: StrictBool
    created_at: Timestamp | None = None
    updated_at: Timestamp


class PartnershipAttributes(Open):
    cohort: Text
    urn: Text | None = None
    school_id: Uuid | None = None
    delivery_partner_id: Uuid | None = None
    delivery_partner_name: Text | None = None
    induction_tutor_name: Text | None = None
    induction_tutor_email: Text | None = None
    participants_currently_training: StrictInt | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp


class DeliveryPartnerAttributes(Open):
    name: Text
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
    cohort: list[Text] = []


class SchoolAttributes(Open):
    name: Text | None = None
    urn: Text | None = None
    cohort: Text
    in_partnership: StrictBool | None = None
    induction_programme_choice: Text | None = None
    expression_of_interest: StrictBool | None = None
    induction_tutor_name: Text | None = None
    induction_tutor_email: Text | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp


class UnfundedMentorAttributes(Open):
    full_name: Text | None = None
    email: Text | None = None
    teacher_reference_number: Text | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp


class TransferSide(Open):
    school_urn: Text | None = None
    provider: Text | None = None
    date: Day | None = None


class Transfer(Open):
    training_record_id: Uuid
    transfer_type: Text | None = None
    status: Text | None = None
    created_at: Text | None = None
    leaving: TransferSide | None = None
    joining: TransferSide | None = None


class TransferAttributes(Open):
    updated_at: Timestamp
    transfers: list[Transfer]


def item_model(name: str, attributes: type[BaseModel]) -> type[BaseModel]:
    return type(
        name,
        (Open,),
        {"__annotations__": {"id": Uuid, "type": Text, "attributes": attributes}, "__module__": __name__},
    )


ITEM_MODELS: dict[str, type[BaseModel]] = {
    "participant": item_model("ParticipantItem", ParticipantAttributes),
    "participant-declaration": item_model("DeclarationItem", DeclarationAttributes),
    "statement": item_model("StatementItem", StatementAttributes),
    "partnership": item_model("PartnershipItem", PartnershipAttributes),
    "delivery-partner": item_model("DeliveryPartnerItem", DeliveryPartnerAttributes),
    "school": item_model("SchoolItem", SchoolAttributes),
    "unfunded-mentor": item_model("UnfundedMentorItem", UnfundedMentorAttributes),
    "participant-transfer": item_model("TransferItem", TransferAttributes),
}
PAGE_ADAPTERS: dict[str, TypeAdapter[list[Any]]] = {k: TypeAdapter(list[m]) for k, m in ITEM_MODELS.items()}  # type: ignore[valid-type]


def split_valid(kind: str, items: list[Any]) -> tuple[list[Any], list[tuple[Any, str]]]:
    """(valid items, [(bad item, reason)]): one fast check of the whole page, item by item only on failure."""
    adapter = PAGE_ADAPTERS[kind]
    try:
        adapter.validate_python(items)
        if all(item["type"] == kind for item in items):
            return items, []
    except ValueError:
        pass
    model = ITEM_MODELS[kind]
    valid, bad = [], []
    for item in items:
        try:
            model.model_validate(item)
            if item.get("type") != kind:
                raise ValueError(f"type is {item.get('type')!r}, expected {kind!r}")
            valid.append(item)
        except ValueError as exc:
            bad.append((item, str(exc).replace("\n", " ")[:500]))
    return valid, bad
