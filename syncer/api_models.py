"""Pydantic models of the API's payload items: the boundary check before anything reaches the warehouse.

They check exactly what the warehouse will cast (ids, timestamps, dates, booleans, integers) so that a
page either loads whole or its bad items go to quarantine; they allow unknown attributes, because the API
adds fields over time (the raw JSON keeps them). Enumerations stay free text here: an unknown state must
reach the warehouse, where the views flag it, rather than be refused.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, NotRequired

from pydantic import ConfigDict, StrictBool, StrictInt, StrictStr, StringConstraints, TypeAdapter, with_config
from typing_extensions import TypedDict

UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# month 01-12, day 01-31, hour 00-23: the warehouse's casts then cannot fail on a value that passed here
DATE = r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
TIMESTAMP = rf"^{DATE}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{{1,6}})?(Z|[+-]\d{{2}}:\d{{2}})$"

# Patterns run in pydantic-core (Rust): a Python validator per field would cost more than the rest of the sync.
Uuid = Annotated[str, StringConstraints(strict=True, pattern=UUID)]
Timestamp = Annotated[str, StringConstraints(strict=True, pattern=TIMESTAMP)]
Day = Annotated[str, StringConstraints(strict=True, pattern=rf"^{DATE}$")]
Text = StrictStr


# TypedDicts validate about 40% faster than models: nothing is instantiated, and only the check is needed.
OPEN = ConfigDict(extra="ignore")  # unknown attributes are fine: the API adds fields over time


@with_config(OPEN)
class Reason(TypedDict):
    reason: NotRequired[Text | None]
    date: NotRequired[Timestamp | None]


@with_config(OPEN)
class Enrolment(TypedDict):
    training_record_id: Uuid
    email: NotRequired[Text | None]
    mentor_id: NotRequired[Uuid | None]
    school_urn: NotRequired[Text | None]
    participant_type: Text
    cohort: NotRequired[Text | None]
    training_status: NotRequired[Text | None]
    participant_status: NotRequired[Text | None]
    eligible_for_funding: NotRequired[StrictBool | None]
    pupil_premium_uplift: NotRequired[StrictBool | None]
    sparsity_uplift: NotRequired[StrictBool | None]
    schedule_identifier: NotRequired[Text | None]
    delivery_partner_id: NotRequired[Uuid | None]
    withdrawal: NotRequired[Reason | None]
    deferral: NotRequired[Reason | None]
    created_at: NotRequired[Timestamp | None]
    induction_end_date: NotRequired[Day | None]
    most_recent_induction_period_end_date: NotRequired[Day | None]
    overall_induction_start_date: NotRequired[Day | None]
    mentor_funding_end_date: NotRequired[Day | None]
    cohort_changed_after_payments_frozen: NotRequired[StrictBool | None]
    mentor_ineligible_for_funding_reason: NotRequired[Text | None]
    working_pattern: NotRequired[Text | None]


@with_config(OPEN)
class IdChange(TypedDict):
    from_participant_id: Uuid
    to_participant_id: Uuid
    changed_at: Timestamp


@with_config(OPEN)
class ParticipantAttributes(TypedDict):
    full_name: NotRequired[Text | None]
    teacher_reference_number: NotRequired[Text | None]
    updated_at: Timestamp
    ecf_enrolments: list[Enrolment]
    participant_id_changes: NotRequired[list[IdChange]]


@with_config(OPEN)
class DeclarationAttributes(TypedDict):
    participant_id: Uuid
    declaration_type: Text
    declaration_date: NotRequired[Timestamp | None]
    course_identifier: Text
    state: Text
    updated_at: Timestamp
    created_at: NotRequired[Timestamp | None]
    delivery_partner_id: NotRequired[Uuid | None]
    statement_id: NotRequired[Uuid | None]
    clawback_statement_id: NotRequired[Uuid | None]
    ineligible_for_funding_reason: NotRequired[Text | None]
    mentor_id: NotRequired[Uuid | None]
    uplift_paid: NotRequired[StrictBool | None]
    evidence_held: NotRequired[Text | None]
    lead_provider_name: NotRequired[Text | None]


@with_config(OPEN)
class StatementAttributes(TypedDict):
    month: Text
    year: Text
    cohort: Text
    cut_off_date: Day
    payment_date: Day
    paid: StrictBool
    created_at: NotRequired[Timestamp | None]
    updated_at: Timestamp


@with_config(OPEN)
class PartnershipAttributes(TypedDict):
    cohort: Text
    urn: NotRequired[Text | None]
    school_id: NotRequired[Uuid | None]
    delivery_partner_id: NotRequired[Uuid | None]
    delivery_partner_name: NotRequired[Text | None]
    induction_tutor_name: NotRequired[Text | None]
    induction_tutor_email: NotRequired[Text | None]
    participants_currently_training: NotRequired[StrictInt | None]
    created_at: NotRequired[Timestamp | None]
    updated_at: Timestamp


@with_config(OPEN)
class DeliveryPartnerAttributes(TypedDict):
    name: Text
    created_at: NotRequired[Timestamp | None]
    updated_at: NotRequired[Timestamp | None]
    cohort: NotRequired[list[Text]]


@with_config(OPEN)
class SchoolAttributes(TypedDict):
    name: NotRequired[Text | None]
    urn: NotRequired[Text | None]
    cohort: Text
    in_partnership: NotRequired[StrictBool | None]
    induction_programme_choice: NotRequired[Text | None]
    expression_of_interest: NotRequired[StrictBool | None]
    induction_tutor_name: NotRequired[Text | None]
    induction_tutor_email: NotRequired[Text | None]
    created_at: NotRequired[Timestamp | None]
    updated_at: Timestamp


@with_config(OPEN)
class UnfundedMentorAttributes(TypedDict):
    full_name: NotRequired[Text | None]
    email: NotRequired[Text | None]
    teacher_reference_number: NotRequired[Text | None]
    created_at: NotRequired[Timestamp | None]
    updated_at: Timestamp


@with_config(OPEN)
class TransferSide(TypedDict):
    school_urn: NotRequired[Text | None]
    provider: NotRequired[Text | None]
    date: NotRequired[Day | None]


@with_config(OPEN)
class Transfer(TypedDict):
    training_record_id: Uuid
    transfer_type: NotRequired[Text | None]
    status: NotRequired[Text | None]
    created_at: NotRequired[Text | None]
    leaving: NotRequired[TransferSide | None]
    joining: NotRequired[TransferSide | None]


@with_config(OPEN)
class TransferAttributes(TypedDict):
    updated_at: Timestamp
    transfers: list[Transfer]


def item_type(name: str, attributes: type[Any]) -> Any:
    return with_config(OPEN)(TypedDict(name, {"id": Uuid, "type": Text, "attributes": attributes}))  # type: ignore[operator]


ITEM_TYPES: dict[str, Any] = {
    kind: item_type(f"{attributes.__name__.removesuffix('Attributes')}Item", attributes)
    for kind, attributes in (
        ("participant", ParticipantAttributes),
        ("participant-declaration", DeclarationAttributes),
        ("statement", StatementAttributes),
        ("partnership", PartnershipAttributes),
        ("delivery-partner", DeliveryPartnerAttributes),
        ("school", SchoolAttributes),
        ("unfunded-mentor", UnfundedMentorAttributes),
        ("participant-transfer", TransferAttributes),
    )
}


# each validator is built on first use (a few milliseconds each): the whole-page one of a stream's first page, the
# item one only when a page fails; a no-change run validates a handful of pages and never an item alone
@functools.cache
def page_adapter(kind: str) -> TypeAdapter[list[Any]]:
    item: Any = ITEM_TYPES[kind]
    return TypeAdapter(list[item])


@functools.cache
def item_adapter(kind: str) -> TypeAdapter[Any]:
    return TypeAdapter(ITEM_TYPES[kind])


def split_valid(kind: str, items: list[Any]) -> tuple[list[Any], list[tuple[Any, str]]]:
    """(valid items, [(bad item, reason)]): one fast check of the whole page, item by item only on failure."""
    try:
        page_adapter(kind).validate_python(items)
        if all(item["type"] == kind for item in items):
            return items, []
    except ValueError:
        pass
    adapter = item_adapter(kind)
    valid, bad = [], []
    for item in items:
        try:
            adapter.validate_python(item)
            if item.get("type") != kind:
                raise ValueError(f"type is {item.get('type')!r}, expected {kind!r}")
            valid.append(item)
        except ValueError as exc:
            bad.append((item, str(exc).replace("\n", " ")[:500]))
    return valid, bad
