"""POST /partnerships and PUT /partnerships/{id}: RECT's validation, 422 bodies and effects
(R:app/services/api/school_partnerships/{create,update}.rb; api-facts §1.4). Each test writes to a fresh world served
in process, whose records it picks to fit the case; one partnership is also made over loopback.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from syncer.sandbox.model import LeadProvider, School
from syncer.sandbox.partnership_writes import (
    ALREADY_PARTNERED,
    CLOSED_COHORT,
    FUTURE_COHORT,
    INELIGIBLE_SCHOOL,
    INVALID_COHORT,
    INVALID_PARTNER,
    INVALID_SCHOOL,
    NOT_PARTNERED,
    SAME_PARTNER,
    SCHOOL_LED,
)
from syncer.sandbox.world import World
from tests.sandbox_process import InProcessSandbox, SandboxProcess

PATH = "/api/v3/partnerships"
JSON = "application/json; charset=utf-8"
BAD_REQUEST = {
    "errors": [{"title": "Bad request", "detail": "Correct json data structure required. See API docs for reference."}]
}
NOT_FOUND = {"errors": [{"title": "Resource not found", "detail": "Nothing could be found for the provided details"}]}
OPEN_COHORT = 2025


def body(**attributes: Any) -> dict[str, Any]:
    return {"data": {"type": "partnership", "attributes": attributes}}


def errors(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == JSON
    return [(e["title"], e["detail"]) for e in response.json()["errors"]]


def provider_of(sandbox: InProcessSandbox) -> LeadProvider:
    return next(p for p in sandbox.world.providers.values() if p.token == sandbox.token)


def free_school(
    world: World, provider: LeadProvider, cohort: int, choice: str = "provider_led", lonely: bool = False
) -> School:
    """An eligible school the provider (or, `lonely`, any provider) has no partnership with in the cohort."""
    return next(
        s
        for s in world.schools.values()
        if cohort in s.cohorts
        and s.cohorts[cohort].induction_programme_choice == choice
        and all(c.eligible for c in s.cohorts.values())
        and not world.has_partnership(provider.id, s.id, cohort)
        and not (lonely and world.in_partnership(s.id, cohort))
    )


def partner_for(world: World, provider: LeadProvider, cohort: int, working: bool = True) -> str:
    """A delivery partner that does (or does not) work with the provider in the cohort."""
    return next(
        d.id
        for d in world.delivery_partners.values()
        if (cohort in d.cohorts_by_provider.get(provider.id, [])) is working
    )


@pytest.fixture
def sandbox() -> InProcessSandbox:
    return InProcessSandbox(World(seed=11, participants=40))


def test_a_partnership_is_created_and_listed(sandbox: InProcessSandbox) -> None:
    world, provider = sandbox.world, provider_of(sandbox)
    school = free_school(world, provider, OPEN_COHORT, lonely=True)
    partner = partner_for(world, provider, OPEN_COHORT)
    world.clock += timedelta(hours=1)  # later than anything the world made
    with sandbox.client() as client:
        response = client.post(
            PATH, json=body(cohort=str(OPEN_COHORT), school_id=school.id, delivery_partner_id=partner)
        )
        assert response.status_code == 200, response.text
        created = response.json()["data"]
        assert created["type"] == "partnership"
        attributes = created["attributes"]
        assert (attributes["cohort"], attributes["school_id"], attributes["delivery_partner_id"]) == (
            str(OPEN_COHORT),
            school.id,
            partner,
        )
        stamp = world.clock.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert attributes["created_at"] == attributes["updated_at"] == stamp
        assert client.get(f"{PATH}/{created['id']}").json() == {"data": created}
        listed = client.get(PATH, params={"filter[cohort]": str(OPEN_COHORT), "page[per_page]": "3000"}).json()["data"]
        assert created in listed
        shown = client.get(f"/api/v3/schools/{school.id}", params={"filter[cohort]": str(OPEN_COHORT)}).json()["data"]
        assert shown["attributes"]["in_partnership"] is True
        assert shown["attributes"]["expression_of_interest"] is True
        assert shown["attributes"]["updated_at"] == stamp, "its metadata changed: the school is listed as updated"
        again = client.post(
            PATH, json=body(cohort=OPEN_COHORT, school_id=school.id.upper(), delivery_partner_id=partner)
        )
    assert errors(again) == [("school_id", ALREADY_PARTNERED)]


def test_missing_attributes_are_named_in_order(sandbox: InProcessSandbox) -> None:
    with sandbox.client() as client:
        response = client.post(PATH, json=body(cohort=None, school_id="  ", delivery_partner_id=[]))
    assert errors(response) == [
        ("cohort", "Enter a '#/cohort'."),
        ("school_id", "Enter a '#/school_id'."),
        ("delivery_partner_id", "Enter a '#/delivery_partner_id'."),
    ]


def test_unknown_values_each_have_their_message(sandbox: InProcessSandbox) -> None:
    world, provider = sandbox.world, provider_of(sandbox)
    partner = partner_for(world, provider, OPEN_COHORT)
    with sandbox.client() as client:
        unknown = client.post(PATH, json=body(cohort="1999", school_id=str(uuid.uuid4()), delivery_partner_id=partner))
        bogus = client.post(PATH, json=body(cohort="2025", school_id="not-a-uuid", delivery_partner_id="x"))
    # an unknown cohort leaves the provider with no delivery partnership for it, whatever the partner
    assert errors(unknown) == [
        ("cohort", INVALID_COHORT),
        ("school_id", INVALID_SCHOOL),
        ("delivery_partner_id", NOT_PARTNERED),
    ]
    assert errors(bogus) == [("school_id", INVALID_SCHOOL), ("delivery_partner_id", INVALID_PARTNER)]


def test_closed_and_future_cohorts_are_refused(sandbox: InProcessSandbox) -> None:
    early = InProcessSandbox(World(seed=11, participants=10, start=datetime(2026, 3, 2, 6, tzinfo=UTC)))
    for server, cohort, message in (
        (sandbox, 2021, CLOSED_COHORT),
        (sandbox, 2022, CLOSED_COHORT),
        (early, 2026, FUTURE_COHORT),  # its contract period starts on 1 June 2026
    ):
        world, provider = server.world, provider_of(server)
        school = free_school(world, provider, cohort)
        partner = next(iter(world.delivery_partners))
        with server.client() as client:
            response = client.post(PATH, json=body(cohort=cohort, school_id=school.id, delivery_partner_id=partner))
        assert errors(response)[0] == ("cohort", message), cohort


def test_school_rules(sandbox: InProcessSandbox) -> None:
    world, provider = sandbox.world, provider_of(sandbox)
    partner = partner_for(world, provider, OPEN_COHORT)
    school_led = free_school(world, provider, OPEN_COHORT, "school_led")
    ineligible = free_school(world, provider, OPEN_COHORT)
    ineligible.cohorts[max(ineligible.cohorts)].eligible = False  # what GIAS says of it today
    world.changed()
    with sandbox.client() as client:
        led = client.post(PATH, json=body(cohort=OPEN_COHORT, school_id=school_led.id, delivery_partner_id=partner))
        refused = client.post(PATH, json=body(cohort=OPEN_COHORT, school_id=ineligible.id, delivery_partner_id=partner))
    assert errors(led) == [("school_id", SCHOOL_LED)]
    assert ("school_id", INELIGIBLE_SCHOOL) in errors(refused)


def test_a_partner_not_working_with_the_provider_is_refused(sandbox: InProcessSandbox) -> None:
    world, provider = sandbox.world, provider_of(sandbox)
    school = free_school(world, provider, OPEN_COHORT)
    stranger = partner_for(world, provider, OPEN_COHORT, working=False)
    with sandbox.client() as client:
        response = client.post(PATH, json=body(cohort=OPEN_COHORT, school_id=school.id, delivery_partner_id=stranger))
    assert errors(response) == [("delivery_partner_id", NOT_PARTNERED)]


@pytest.mark.parametrize("payload", [b"{", b"[]", b'{"data": {}}', b'{"data": {"attributes": {"other": 1}}}'])
def test_a_body_of_the_wrong_shape_is_400(sandbox: InProcessSandbox, payload: bytes) -> None:
    with sandbox.client() as client:
        response = client.post(PATH, content=payload, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json() == BAD_REQUEST


def test_writes_need_a_token(sandbox: InProcessSandbox) -> None:
    with sandbox.anonymous() as client:
        assert client.post(PATH, json=body(cohort=OPEN_COHORT)).status_code == 401
        assert client.put(f"{PATH}/{uuid.uuid4()}", json=body(delivery_partner_id="x")).status_code == 401


def test_the_delivery_partner_of_a_partnership_changes(sandbox: InProcessSandbox) -> None:
    world, provider = sandbox.world, provider_of(sandbox)
    record = next(
        p
        for p in world.partnership_scope(provider.id)
        if p.cohort == OPEN_COHORT
        and any(
            (t.lead_provider_id, t.school_id, t.cohort) == (provider.id, p.school_id, p.cohort)
            for t in world.periods.values()
        )
    )
    other = next(
        d.id
        for d in world.delivery_partners.values()
        if OPEN_COHORT in d.cohorts_by_provider.get(provider.id, []) and d.id != record.delivery_partner_id
    )
    trained = {
        t.teacher_id
        for t in world.periods.values()
        if (t.lead_provider_id, t.school_id, t.cohort) == (provider.id, record.school_id, OPEN_COHORT)
    }
    with sandbox.client() as client:
        same = client.put(f"{PATH}/{record.id}", json=body(delivery_partner_id=record.delivery_partner_id))
        assert errors(same) == [("delivery_partner_id", SAME_PARTNER)]
        response = client.put(f"{PATH}/{record.id.upper()}", json=body(delivery_partner_id=other))
        assert response.status_code == 200, response.text
        changed = response.json()["data"]["attributes"]
        stamp = world.clock.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert (changed["delivery_partner_id"], changed["updated_at"]) == (other, stamp)
        participants = client.get("/api/v3/participants", params={"page[per_page]": "3000"}).json()["data"]
    moved = [p for p in participants if p["id"] in trained]
    assert moved and all(p["attributes"]["updated_at"] == stamp for p in moved)
    enrolments = [e for p in moved for e in p["attributes"]["ecf_enrolments"] if e["cohort"] == str(OPEN_COHORT)]
    assert enrolments and all(
        e["delivery_partner_id"] == other for e in enrolments if e["school_urn"] == world.schools[record.school_id].urn
    )


def test_update_errors(sandbox: InProcessSandbox) -> None:
    world, provider = sandbox.world, provider_of(sandbox)
    record = next(p for p in world.partnership_scope(provider.id) if p.cohort == OPEN_COHORT)
    theirs = next(p for p in world.partnerships.values() if p.lead_provider_id != provider.id)
    stranger = partner_for(world, provider, OPEN_COHORT, working=False)
    with sandbox.client() as client:
        for path in (f"{PATH}/{uuid.uuid4()}", f"{PATH}/{theirs.id}", f"{PATH}/nonsense"):
            response = client.put(path, json=body(delivery_partner_id=stranger))
            assert response.status_code == 404 and response.json() == NOT_FOUND, path
        assert errors(client.put(f"{PATH}/{record.id}", json=body(delivery_partner_id=""))) == [
            ("delivery_partner_id", "Enter a '#/delivery_partner_id'.")
        ]
        assert errors(client.put(f"{PATH}/{record.id}", json=body(delivery_partner_id=str(uuid.uuid4())))) == [
            ("delivery_partner_id", INVALID_PARTNER)
        ]
        assert errors(client.put(f"{PATH}/{record.id}", json=body(delivery_partner_id=stranger))) == [
            ("delivery_partner_id", NOT_PARTNERED)
        ]
        assert client.put(f"{PATH}/{record.id}", content=b"{}").status_code == 400


@pytest.mark.slow
def test_a_partnership_is_created_over_loopback(fresh_sandbox: SandboxProcess) -> None:
    truth = fresh_sandbox.truth()
    ours = {(p["attributes"]["school_id"], p["attributes"]["cohort"]) for p in truth["partnerships"]}
    partner = next(d for d in truth["delivery-partners"] if str(OPEN_COHORT) in d["attributes"]["cohort"])
    with fresh_sandbox.client() as client:
        schools = client.get(
            "/api/v3/schools", params={"filter[cohort]": str(OPEN_COHORT), "page[per_page]": "3000"}
        ).json()["data"]
        school = next(
            s
            for s in schools
            if (s["id"], str(OPEN_COHORT)) not in ours and s["attributes"]["induction_programme_choice"] != "school_led"
        )
        response = client.post(
            PATH, json=body(cohort=str(OPEN_COHORT), school_id=school["id"], delivery_partner_id=partner["id"])
        )
        assert response.status_code == 200, response.text
        created = response.json()["data"]
        assert client.get(f"{PATH}/{created['id']}").json() == {"data": created}
