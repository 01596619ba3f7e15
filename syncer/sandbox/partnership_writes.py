"""POST /partnerships and PUT /partnerships/{id} with RECT's validation (R:app/controllers/api/v3/
partnerships_controller.rb, R:app/services/api/school_partnerships/{create,update}.rb).

The 422 body lists every message in the order the validations run, under RECT's error-name mapping
(R:config/api_error_mappings.yml: contract_period_year and "contract period" -> cohort, school_api_id -> school_id,
delivery_partner_api_id -> delivery_partner_id). The world's contract periods are model.COHORTS; each starts on
1 June of its year, and 2021 and 2022 are closed (`enabled: false`, R:app/services/api_seed_data/contract_periods.rb,
"same as in production"). A lead provider's delivery partnership for a cohort is the cohort in the delivery
partner's `cohorts_by_provider`. Ids are cast as Postgres uuids are (ActiveRecord's OID::Uuid): any case, with or
without dashes or braces.

Creating one touches nothing else in the sandbox's world (RECT's AssignTrainingPeriods finds no unpartnered training
period there) except the school's cohort row when it was in no partnership before. Changing the delivery partner
touches the partnership, its training periods' teachers and their declarations (SchoolPartnership's touch rules).
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from syncer.sandbox import serialize
from syncer.sandbox.http import Handler, json_response
from syncer.sandbox.model import COHORTS, DeliveryPartner, LeadProvider, Partnership, School
from syncer.sandbox.query import ruby_to_i
from syncer.sandbox.world import World
from syncer.sandbox.writes import Errors, not_found, read_attributes, text

CLOSED_COHORTS = (2021, 2022)
CONTRACT_PERIOD_START = (6, 1)  # month, day
ACCEPTABLE_UUID_RE = re.compile(r"\A(\{)?([a-fA-F0-9]{4}-?){8}(?(1)\}|)\Z")
NUMERIC_RE = re.compile(r"\A\s*[+-]?\d", re.ASCII)  # ActiveModel's test before an Integer cast

INVALID_COHORT = "The '#/cohort' you have entered is invalid. Check cohort details and try again."
FUTURE_COHORT = "You cannot create a partnership for a future cohort."
CLOSED_COHORT = "You cannot create this partnership as the cohort is closed."
INVALID_SCHOOL = (
    "The '#/school_id' you have entered is invalid. Check school details and try again. Contact the DfE for support "
    "if you are unable to find the '#/school_id'."
)
INELIGIBLE_SCHOOL = (
    "The school you have entered is currently ineligible for DfE funding. Contact the school for more information."
)
INVALID_PARTNER = (
    "The '#/delivery_partner_id' you have entered is invalid. Check delivery partner details and try again."
)
NOT_PARTNERED = (
    "The entered delivery partner is not recognised to be working in partnership with you for the given cohort. "
    "Contact the DfE for more information."
)
ALREADY_PARTNERED = "You are already in a confirmed partnership with this school for the entered cohort."
SCHOOL_LED = "This school has only registered school-led participants. Contact the school for more information."
SAME_PARTNER = (
    "We are unable to process this request. You are already confirmed to be in partnership with the entered delivery "
    "partner. Contact the DfE for support."
)


def cast_uuid(raw: str | None) -> str | None:
    """What Postgres compares a value with a uuid column as; None where ActiveRecord casts it to NULL."""
    if raw is None or not ACCEPTABLE_UUID_RE.match(raw):
        return None
    digits = raw.strip("{}").replace("-", "").lower()
    return str(uuid.UUID(digits))


def cast_year(raw: str | None) -> int | None:
    """ContractPeriod.find_by(year:): ActiveModel's Integer cast (String#to_i once it starts like a number)."""
    return ruby_to_i(raw) if raw is not None and NUMERIC_RE.match(raw) else None


def school_eligible(school: School) -> bool:
    """School#eligible? is today's GIAS eligibility: the sandbox's latest cohort row holds it."""
    return not school.cohorts or school.cohorts[max(school.cohorts)].eligible


def partnered(partner: DeliveryPartner, provider: LeadProvider, cohort: int) -> bool:
    """A lead provider delivery partnership: the provider active in the cohort and the partner working with it."""
    return cohort in provider.cohorts and cohort in partner.cohorts_by_provider.get(provider.id, [])


def check_cohort(world: World, year: int | None, errors: Errors) -> None:
    """The contract period's own validations after presence: exists, started, enabled (each only while none failed)."""
    if errors.on("cohort"):
        return
    if year not in COHORTS:
        errors.add("cohort", INVALID_COHORT)
    elif date(year, *CONTRACT_PERIOD_START) > world.today:
        errors.add("cohort", FUTURE_COHORT)
    elif year in CLOSED_COHORTS:
        errors.add("cohort", CLOSED_COHORT)


def by_attribute(errors: Errors) -> Errors:
    """ActiveModel::Errors#messages: a hash by attribute, in the order each attribute first failed."""
    first = {title: i for i, (title, _) in reversed(list(enumerate(errors)))}
    grouped = Errors()
    grouped.extend(sorted(errors, key=lambda e: first[e[0]]))
    return grouped


async def create_partnership(request: Request, world: World, provider: LeadProvider) -> Response:
    fields = ("cohort", "school_id", "delivery_partner_id")
    attributes = await read_attributes(request, fields)
    raw_cohort, raw_school, raw_partner = (text(attributes, f) for f in fields)
    errors = Errors()
    for field, raw in zip(fields, (raw_cohort, raw_school, raw_partner), strict=True):  # presence comes first
        if raw is None:
            errors.add(field, f"Enter a '#/{field}'.")
    year = cast_year(raw_cohort)
    cohort = year if year in COHORTS else None  # ContractPeriod.find_by(year:), open or not
    check_cohort(world, year, errors)
    school = world.schools.get(cast_uuid(raw_school) or "")
    if raw_school is not None and school is None:
        errors.add("school_id", INVALID_SCHOOL)
    elif school is not None and not school_eligible(school):
        errors.add("school_id", INELIGIBLE_SCHOOL)
    partner = world.delivery_partners.get(cast_uuid(raw_partner) or "")
    if raw_partner is not None and partner is None:
        errors.add("delivery_partner_id", INVALID_PARTNER)
    if partner is not None and (cohort is None or not partnered(partner, provider, cohort)):
        errors.add("delivery_partner_id", NOT_PARTNERED)
    active = cohort is not None and cohort in provider.cohorts  # the provider's ActiveLeadProvider for the cohort
    if school is not None and cohort is not None and active and world.has_partnership(provider.id, school.id, cohort):
        errors.add("school_id", ALREADY_PARTNERED)
    row = school.cohorts.get(cohort) if school is not None and cohort is not None else None
    if row is not None and row.induction_programme_choice == "school_led":
        errors.add("school_id", SCHOOL_LED)
    if errors or school is None or partner is None or cohort is None:
        return by_attribute(errors).response()
    if row is not None and not world.in_partnership(school.id, cohort):
        row.updated_at = world.clock  # the school's metadata: in_partnership turns true
    made = uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox:{world.seed}:partnership:{world.version}:{provider.id}:{school.id}")
    record = Partnership(str(made), provider.id, school.id, partner.id, cohort, world.clock, world.clock)  # no rng
    world.add_partnership(record)
    world.changed()
    return json_response({"data": serialize.partnership(world, record, provider.id)})


async def update_partnership(request: Request, world: World, provider: LeadProvider) -> Response:
    record = world.partnerships.get(cast_uuid(request.path_params["id"]) or "")
    if record is None or record.lead_provider_id != provider.id:
        return not_found()
    attributes = await read_attributes(request, ("delivery_partner_id",))
    raw_partner = text(attributes, "delivery_partner_id")
    errors = Errors()
    partner = world.delivery_partners.get(cast_uuid(raw_partner) or "") if raw_partner is not None else None
    if raw_partner is None:
        errors.add("delivery_partner_id", "Enter a '#/delivery_partner_id'.")
    elif partner is None:
        errors.add("delivery_partner_id", INVALID_PARTNER)
    elif not partnered(partner, provider, record.cohort):
        errors.add("delivery_partner_id", NOT_PARTNERED)
    elif partner.id == record.delivery_partner_id:
        errors.add("delivery_partner_id", SAME_PARTNER)
    if errors or partner is None:
        return errors.response()
    record.delivery_partner_id, record.updated_at = partner.id, world.clock
    for period in world.periods.values():
        if (period.lead_provider_id, period.school_id, period.cohort) == (provider.id, record.school_id, record.cohort):
            period.delivery_partner_id = partner.id
            world.teachers[period.teacher_id].updated_at = world.clock
            for declaration in world.declarations_by_period.get(period.id, ()):
                declaration.updated_at = world.clock
    world.changed()
    return json_response({"data": serialize.partnership(world, record, provider.id)})


ROUTES: list[tuple[str, str, Handler]] = [
    ("/partnerships", "POST", create_partnership),
    ("/partnerships/{id}", "PUT", update_partnership),
]
