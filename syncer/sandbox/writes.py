"""Lead-provider write endpoints (declarations, voids, participant actions) with the real validation.

Wording and attribute names of the 422 errors follow RECT's services (API::Declarations::{Create,Void,Clawback},
API::Teachers::{Withdraw,Defer,Resume,ChangeSchedule}) after its error-name mapping (teacher_api_id ->
participant_id, teacher_type -> course_identifier, contract_period_year -> cohort). Where the OpenAPI document and
the code disagree about what is accepted, the stricter of the two applies, so a client that passes here passes there.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from syncer.sandbox import serialize
from syncer.sandbox.http import NOT_FOUND, Handler, json_response
from syncer.sandbox.model import (
    COURSES,
    DECLARATION_TYPES,
    DEFERRAL_REASONS,
    MENTOR_FUNDING_FROM,
    SCHEDULE_IDENTIFIERS,
    WITHDRAWAL_REASONS,
    Declaration,
    LeadProvider,
    Statement,
    Teacher,
    TrainingPeriod,
    milestone_types,
    new_declaration,
)
from syncer.sandbox.query import BadRequest
from syncer.sandbox.world import World

Attributes = dict[str, Any]
Wanted = tuple[str, datetime, str | None]  # declaration_type, declaration_date, evidence_held
Period = TrainingPeriod | None

STRUCTURE = "Correct json data structure required. See API docs for reference."
RFC3339_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})([.,]\d+)?(Z|[+-]\d{2}(?::?\d{2})?)?", re.ASCII | re.IGNORECASE
)
ROLE_BY_COURSE = {course: role for role, course in COURSES.items()}
DETAILED_EVIDENCE_FROM = 2025  # contract periods with detailed evidence types and ordered declaration dates
SIMPLE_EVIDENCE = ("training-event-attended", "self-study-material-completed", "other")
DETAILED_EVIDENCE = (*SIMPLE_EVIDENCE[:2], "materials-engaged-with-offline", "other")
ENGAGEMENT_EVIDENCE = ("75-percent-engagement-met", "75-percent-engagement-met-reduced-induction")

NOT_RECOGNISED = (
    "Your update cannot be made as the '#/participant_id' is not recognised. Check participant details and try again."
)
DUPLICATE = "A declaration has already been submitted that will be, or has been, paid for this event."
MENTOR_TYPES = (
    "You cannot send retained or extended declarations for participants who began their mentor training after "
    "June 2025. Resubmit this declaration with either a started or completed declaration."
)
OUT_OF_SEQUENCE = (
    "This '#/declaration_date' is invalid. Check that it is in sequence with existing declaration dates for this "
    "participant."
)
FUTURE_DATE = "The '#/declaration_date' value cannot be a future date. Check the date and try again."
NO_SCHEDULE = "The property '#/schedule_identifier' must be present and correspond to a valid schedule."


def enter(attribute: str) -> str:
    return f"Enter a '#/{attribute}'."


def unrecognised(attribute: str) -> str:
    return f"The entered '#/{attribute}' is not recognised for the given participant. Check details and try again."


def contract_ended(cohort: int) -> str:
    return (
        f"You cannot submit or void declarations for the {cohort} contract period. The funding contract for this "
        "contract period has ended. Get in touch if you need to discuss this with us."
    )


class Errors(list[tuple[str, str]]):
    """RECT's error list: (attribute, message) pairs, each message once, in the order the validations ran."""

    def add(self, title: str, detail: str) -> None:
        if (title, detail) not in self:
            self.append((title, detail))

    def on(self, title: str) -> bool:
        return any(t == title for t, _ in self)

    def response(self) -> Response:
        return json_response({"errors": [{"title": t, "detail": d} for t, d in self]}, 422)


def not_found() -> Response:
    return json_response(NOT_FOUND, 404)


async def read_attributes(request: Request, fields: tuple[str, ...]) -> Attributes:
    """`data.attributes` of the body; anything that is not that shape is a 400, as Rails' params.require/expect."""
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise BadRequest(STRUCTURE) from exc
    data = body.get("data") if isinstance(body, dict) else None
    attributes = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(attributes, dict) or not any(f in attributes for f in fields):
        raise BadRequest(STRUCTURE)
    return attributes


def text(attributes: Attributes, name: str) -> str | None:
    """A scalar attribute as text. Rails drops non-scalar params, so lists, objects and null read as missing."""
    value = attributes.get(name)
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool | int | float):
        return orjson.dumps(value).decode()
    return None


def parse_rfc3339(raw: str) -> datetime | None:
    match = RFC3339_RE.fullmatch(raw)
    if match is None:
        return None
    year, month, mday, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(int(year), int(month), int(mday), int(hour), int(minute), int(second), tzinfo=UTC)
        if zone and zone.upper() != "Z":
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
            moment = moment.replace(tzinfo=timezone(-offset if zone[0] == "-" else offset))
        moment += timedelta(microseconds=int((fraction or ".0")[1:7].ljust(6, "0")))
        return moment.astimezone(UTC)  # RECT would read a zone-less time as London time; the sandbox keeps UTC
    except (ValueError, OverflowError):  # impossible dates, offsets of a day or more, years past 9999
        return None


def find_participant(world: World, provider: LeadProvider, participant_id: str | None) -> Teacher | None:
    teacher = world.teachers.get(participant_id) if participant_id else None
    if teacher is None or not world.is_visible_teacher(teacher):
        return None
    return teacher if world.provider_periods(teacher.id, provider.id) else None


def enrolment(
    world: World, provider: LeadProvider, teacher: Teacher | None, course: str | None, missing: str, errors: Errors
) -> TrainingPeriod | None:
    """The provider's latest period in the course's role. When there is none, RECT's declaration service blames
    course_identifier and its participant actions blame participant_id: `missing` says which."""
    if course is None:
        errors.add("course_identifier", enter("course_identifier"))
        return None
    if course not in ROLE_BY_COURSE:
        errors.add("course_identifier", unrecognised("course_identifier"))
        return None
    if teacher is None:
        return None
    role = ROLE_BY_COURSE[course]
    found = next((p for p in world.latest_periods(teacher.id, provider.id) if p.participant_type == role), None)
    if found is None:
        errors.add(missing, unrecognised("course_identifier") if missing == "course_identifier" else NOT_RECOGNISED)
    return found


def next_statement(world: World, provider_id: str, cohort: int, open_only: bool) -> Statement | None:
    """The output statement a declaration lands on; creation also wants it open, the clawback path does not."""
    found = [s for s in world.statement_scope(provider_id) if s.cohort == cohort and s.cut_off_date >= world.today]
    return min((s for s in found if s.status == "open" or not open_only), key=lambda s: s.cut_off_date, default=None)


def evidence_rule(period: TrainingPeriod, declaration_type: str) -> tuple[tuple[str, ...], bool]:
    """(accepted values, required) for evidence_held: the OpenAPI variants narrowed by RECT's per-type lists."""
    if period.cohort < DETAILED_EVIDENCE_FROM:
        return ((), False) if declaration_type == "started" else (SIMPLE_EVIDENCE, True)
    if period.participant_type == "mentor":
        return (DETAILED_EVIDENCE, False) if declaration_type == "started" else (ENGAGEMENT_EVIDENCE, True)
    if declaration_type == "retained-2":
        return ENGAGEMENT_EVIDENCE, True
    if declaration_type == "completed":
        return (*ENGAGEMENT_EVIDENCE, "one-term-induction"), True
    return DETAILED_EVIDENCE, True


def billable(world: World, period: TrainingPeriod) -> list[Declaration]:
    return [d for d in world.declarations_by_period.get(period.id, ()) if d.is_billable_or_changeable]


def role_declarations(world: World, period: TrainingPeriod) -> list[Declaration]:
    """The teacher's billable declarations in this role with any provider: RECT dedupes per person, not enrolment."""
    periods = world.periods_by_teacher.get(period.teacher_id, ())
    return [d for p in periods if p.participant_type == period.participant_type for d in billable(world, p)]


def out_of_sequence(existing: list[Declaration], declaration_type: str, declared: datetime) -> bool:
    index = DECLARATION_TYPES.index(declaration_type)
    earlier = [d.declaration_date for d in existing if DECLARATION_TYPES.index(d.declaration_type) < index]
    later = [d.declaration_date for d in existing if DECLARATION_TYPES.index(d.declaration_type) > index]
    return (bool(earlier) and declared < max(earlier)) or (bool(later) and declared > min(later))


async def create_declaration(request: Request, world: World, provider: LeadProvider) -> Response:
    fields = ("participant_id", "declaration_type", "declaration_date", "course_identifier", "evidence_held")
    attributes = await read_attributes(request, fields)
    participant_id, declaration_type, raw_date, course, evidence = (text(attributes, f) for f in fields)
    errors = Errors()
    teacher = find_participant(world, provider, participant_id)
    if teacher is None:
        errors.add("participant_id", NOT_RECOGNISED if participant_id else enter("participant_id"))
    period = enrolment(world, provider, teacher, course, "course_identifier", errors)
    if declaration_type not in DECLARATION_TYPES:
        errors.add(
            "declaration_type", "Enter a valid declaration type." if declaration_type else enter("declaration_type")
        )
    declared = parse_rfc3339(raw_date) if raw_date else None
    if declared is None:
        errors.add(
            "declaration_date", "Enter a valid RFC3339 '#/declaration_date'." if raw_date else enter("declaration_date")
        )
    if errors or period is None or declaration_type is None or declared is None:
        return errors.response()
    # RECT documents the endpoint as idempotent: an exact re-POST answers with the original declaration.
    wanted = (declaration_type, declared, evidence)
    for record in billable(world, period):
        if (record.declaration_type, record.declaration_date, record.evidence_held) == wanted:
            return json_response({"data": serialize.declaration(world, record, provider.id)})
    check_declaration(world, period, wanted, errors)
    statement = next_statement(world, provider.id, period.cohort, open_only=True)
    if not errors.on("declaration_type") and period.eligible_for_funding and statement is None:
        errors.add("cohort", contract_ended(period.cohort))
    if errors:
        return errors.response()
    record = new_declaration(str(uuid.uuid4()), period, declaration_type, declared, world.clock, evidence)
    if period.eligible_for_funding and statement is not None:
        record.payment_status, record.payment_statement_id = "eligible", statement.id
    world.add_declaration(record)
    world.changed()
    return json_response({"data": serialize.declaration(world, record, provider.id)})


def check_declaration(world: World, period: TrainingPeriod, wanted: Wanted, errors: Errors) -> None:
    declaration_type, declared, evidence = wanted
    existing = role_declarations(world, period)
    if declared > world.clock:
        errors.add("declaration_date", FUTURE_DATE)
    funded_mentor = period.participant_type == "mentor" and period.cohort >= MENTOR_FUNDING_FROM
    if funded_mentor and declaration_type not in ("started", "completed"):
        errors.add("declaration_type", MENTOR_TYPES)
    elif declaration_type not in milestone_types(period.schedule_identifier, period.participant_type, period.cohort):
        errors.add("declaration_type", "The property '#/declaration_type' does not exist for this schedule.")
    elif any(d.declaration_type == declaration_type for d in existing):
        errors.add("declaration_type", DUPLICATE)
    if not errors.on("declaration_type"):
        accepted, required = evidence_rule(period, declaration_type)
        if evidence is None and required:
            errors.add("evidence_held", "Enter a '#/evidence_held' value for this participant.")
        elif evidence is not None and evidence not in accepted:
            errors.add("evidence_held", "Enter an available '#/evidence_held' type for this participant.")
    if period.training_status == "withdrawn" and period.withdrawal is not None and period.withdrawal[1] <= declared:
        errors.add(
            "participant_id",
            f"This participant withdrew from this course on {serialize.ts(period.withdrawal[1])}. "
            "Enter a '#/declaration_date' that's on or before the withdrawal date.",
        )
    elif period.training_status == "deferred":
        errors.add("participant_id", "The '#/participant_id' is deferred. Resume training before declaring.")
    if not errors and period.cohort >= DETAILED_EVIDENCE_FROM and out_of_sequence(existing, declaration_type, declared):
        errors.add("declaration_date", OUT_OF_SEQUENCE)


async def void_declaration(request: Request, world: World, provider: LeadProvider) -> Response:
    # Only the provider's own declarations, not the wider list scope that includes other providers' ones.
    record = world.declarations.get(request.path_params["id"])
    if record is None or record.training_period.lead_provider_id != provider.id:
        return not_found()
    errors = Errors()
    title = "participant_declaration_id"  # RECT's error mapping for declaration_api_id
    if record.payment_status == "paid":
        if record.clawback_status != "no_clawback":
            errors.add(title, "The declaration will or has been refunded")
        elif (clawback := next_statement(world, provider.id, record.training_period.cohort, False)) is None:
            errors.add(title, contract_ended(record.training_period.cohort))
        else:
            record.clawback_status, record.clawback_statement_id = "awaiting_clawback", clawback.id
    elif record.payment_status == "voided":
        errors.add(title, "The declaration has already been voided.")
    else:
        record.payment_status = "voided"
    if errors:
        return errors.response()
    record.updated_at = world.clock
    world.changed()
    return json_response({"data": serialize.declaration(world, record, provider.id)})


def check_reason(attributes: Attributes, reasons: tuple[str, ...], errors: Errors) -> str | None:
    reason = text(attributes, "reason")
    if reason is None:
        errors.add("reason", enter("reason"))
    elif reason not in reasons:
        errors.add("reason", unrecognised("reason"))
    return reason


def withdraw(world: World, provider: LeadProvider, period: Period, attrs: Attributes, errors: Errors) -> None:
    reason = check_reason(attrs, WITHDRAWAL_REASONS, errors)
    if period is not None and period.training_status == "withdrawn":
        errors.add("participant_id", "The '#/participant_id' is already withdrawn.")
    if errors or period is None or reason is None:
        return
    period.withdrawal = (reason, world.clock)
    period.finished_on = min(period.finished_on or world.today, world.today)


def defer(world: World, provider: LeadProvider, period: Period, attrs: Attributes, errors: Errors) -> None:
    reason = check_reason(attrs, DEFERRAL_REASONS, errors)
    if period is not None and period.training_status != "active":
        errors.add("participant_id", f"The '#/participant_id' is already {period.training_status}.")
    if errors or period is None or reason is None:
        return
    period.deferral = (reason, world.clock)


def resume(world: World, provider: LeadProvider, period: Period, attrs: Attributes, errors: Errors) -> None:
    if period is not None and period.training_status == "active":
        errors.add("participant_id", "The '#/participant_id' is already active.")
    if errors or period is None:
        return
    period.withdrawal = period.deferral = None
    period.finished_on = None


def change_schedule(world: World, provider: LeadProvider, period: Period, attrs: Attributes, errors: Errors) -> None:
    schedule, raw_cohort = text(attrs, "schedule_identifier"), text(attrs, "cohort")
    if schedule is None:
        errors.add("schedule_identifier", NO_SCHEDULE)
    elif schedule not in SCHEDULE_IDENTIFIERS:
        errors.add("schedule_identifier", "Enter a valid schedule identifier.")
    cohort = period.cohort if period is not None else 0
    if raw_cohort is not None:
        if raw_cohort in {str(c) for c in provider.cohorts}:
            cohort = int(raw_cohort)
        else:
            errors.add("cohort", "The '#/cohort' you have entered is invalid. Check cohort details and try again.")
    if errors or period is None or schedule is None:
        return
    declarations = billable(world, period)
    if period.training_status == "withdrawn":
        errors.add("participant_id", "Cannot perform actions on a withdrawn participant")
    elif period.participant_status(world.today) == "left":
        errors.add(
            "participant_id",
            "You cannot change this participant’s schedule. This is because the participant has a 'left' "
            "participant_status, so they are not training with you currently.",
        )
    elif any(d.declaration_type == "completed" for d in declarations):
        errors.add(
            "participant_id",
            "You cannot change this participant’s schedule as they have completed their training or induction.",
        )
    allowed = milestone_types(schedule, period.participant_type, cohort)
    if (schedule, cohort) == (period.schedule_identifier, period.cohort):
        errors.add("schedule_identifier", "Selected schedule is already on the profile")
    elif period.participant_type == "ect" and "-replacement-" in schedule:
        errors.add("schedule_identifier", "Selected schedule is not valid for the course_identifier")
    elif any(d.declaration_type not in allowed for d in declarations):
        errors.add(
            "schedule_identifier", "Changing schedule would invalidate existing declarations. Please void them first."
        )
    partnership = world.partnership_index.get((provider.id, period.school_id, cohort))
    if cohort != period.cohort and partnership is None:
        errors.add(
            "cohort",
            "You cannot change a participant to this cohort as you do not have a partnership with the school for the "
            "cohort. Contact the DfE for assistance.",
        )
    if errors:
        return
    period.schedule_identifier = schedule
    if partnership is not None and cohort != period.cohort:
        period.cohort, period.delivery_partner_id = cohort, partnership.delivery_partner_id


Action = Callable[[World, LeadProvider, Period, Attributes, Errors], None]


def participant_action(action: Action, fields: tuple[str, ...]) -> Handler:
    async def handle(request: Request, world: World, provider: LeadProvider) -> Response:
        teacher = find_participant(world, provider, request.path_params["id"])
        if teacher is None:
            return not_found()
        attributes = await read_attributes(request, fields)
        errors = Errors()
        period = enrolment(world, provider, teacher, text(attributes, "course_identifier"), "participant_id", errors)
        action(world, provider, period, attributes, errors)
        if errors:
            return errors.response()
        teacher.updated_at = world.clock
        world.changed()
        return json_response({"data": serialize.participant(world, teacher, provider.id)})

    return handle


SCHEDULE_FIELDS = ("schedule_identifier", "course_identifier", "cohort")
ROUTES: list[tuple[str, str, Handler]] = [
    ("/participant-declarations", "POST", create_declaration),
    ("/participant-declarations/{id}/void", "PUT", void_declaration),
    ("/participants/{id}/withdraw", "PUT", participant_action(withdraw, ("reason", "course_identifier"))),
    ("/participants/{id}/defer", "PUT", participant_action(defer, ("reason", "course_identifier"))),
    ("/participants/{id}/resume", "PUT", participant_action(resume, ("course_identifier",))),
    ("/participants/{id}/change-schedule", "PUT", participant_action(change_schedule, SCHEDULE_FIELDS)),
]
