"""`syncer sandbox --api ecf-v3`: the old ECF1 API v3 over the same world, against ecf-v3-openapi.json
(api-facts §1.1, §1.3, §1.4, §3 "ECF1 differences", §8). In process on the shared read-only world; ECF1's
conventions (status codes, bodies, headers) are also checked over loopback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from syncer.sandbox.profiles import ECF_NON_PROVIDER_TOKEN
from tests.openapi_ecf import MILLIS_RE, validate, validate_strict
from tests.sandbox_process import InProcessSandbox, Sandbox

ECF_JSON = "application/vnd.api+json"
COHORTS = ("2021", "2022", "2023", "2024", "2025", "2026")
Item = dict[str, Any]


@dataclass(frozen=True)
class Listing:
    name: str  # the /sandbox/truth key
    path: str
    type: str
    many: str
    one: str
    params: tuple[tuple[str, str], ...] = ()


LISTINGS = (
    Listing(
        "participants", "/participants/ecf", "participant", "MultipleECFParticipantsResponse", "ECFParticipantResponse"
    ),
    Listing(
        "participant-declarations",
        "/participant-declarations",
        "participant-declaration",
        "MultipleParticipantDeclarationsResponse",
        "SingleParticipantDeclarationResponse",
    ),
    Listing("statements", "/statements", "statement", "StatementsResponse", "StatementResponse"),
    Listing(
        "partnerships", "/partnerships/ecf", "partnership", "MultipleECFPartnershipsResponse", "ECFPartnershipResponse"
    ),
    Listing(
        "delivery-partners",
        "/delivery-partners",
        "delivery-partner",
        "DeliveryPartnersResponse",
        "DeliveryPartnerResponse",
    ),
    *(
        Listing(
            "schools",
            "/schools/ecf",
            "school",
            "MultipleECFSchoolsResponse",
            "ECFSchoolResponse",
            (("filter[cohort]", c),),
        )
        for c in COHORTS
    ),
    Listing(
        "unfunded-mentors",
        "/unfunded-mentors/ecf",
        "unfunded-mentor",
        "MultipleUnfundedMentorsResponse",
        "UnfundedMentorResponse",
    ),
    Listing(
        "participants/transfers",
        "/participants/ecf/transfers",
        "participant-transfer",
        "MultipleECFParticipantTransferResponse",
        "ECFParticipantTransferResponse",
    ),
)


def listing_id(listing: Listing) -> str:
    return listing.path + "".join(f"?{k}={v}" for k, v in listing.params)


def get_json(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ECF_JSON
    return response.json()


def fetch_all(client: httpx.Client, listing: Listing) -> list[Item]:
    body = get_json(client.get(f"/api/v3{listing.path}", params={**dict(listing.params), "page[per_page]": "3000"}))
    assert set(body) == {"data"}, "no meta, no links"
    items: list[Item] = body["data"]
    assert len(items) < 3000
    return items


@pytest.mark.parametrize("listing", LISTINGS, ids=listing_id)
def test_list_items_validate_against_the_ecf_v3_openapi(ecf_clients: dict[str, httpx.Client], listing: Listing) -> None:
    total = 0
    for client in ecf_clients.values():
        items = fetch_all(client, listing)
        for item in items:
            assert list(item) == ["id", "type", "attributes"] and item["type"] == listing.type
        validate({"data": items}, listing.many)
        validate_strict({"data": items}, listing.many)
        total += len(items)
    assert total, f"some provider should have {listing.type} rows"


@pytest.mark.parametrize("listing", LISTINGS, ids=listing_id)
def test_single_records_validate_and_match_the_list(ecf_clients: dict[str, httpx.Client], listing: Listing) -> None:
    picks = []
    for client in ecf_clients.values():
        items = fetch_all(client, listing)
        picks += [(client, items[i]) for i in sorted({0, len(items) - 1}) if items]
    assert picks
    for client, item in picks:
        if listing.type == "participant-transfer":
            url = f"/api/v3/participants/ecf/{item['id']}/transfers"
        else:
            url = f"/api/v3{listing.path}/{item['id']}"
        body = get_json(client.get(url, params=dict(listing.params)))
        assert body == {"data": item}
        validate_strict(body, listing.one)


def test_truth_is_keyed_by_the_profile_endpoints_and_equals_the_lists(
    ecf_in_process: InProcessSandbox, ecf_clients: dict[str, httpx.Client]
) -> None:
    truth = ecf_in_process.truth()
    assert truth["_meta"]["api"] == "ecf-v3"
    client = next(iter(ecf_clients.values()))
    for name in {x.name for x in LISTINGS}:
        served = [i for x in LISTINGS if x.name == name for i in fetch_all(client, x)]
        assert sorted(truth[name], key=lambda i: (i["id"], str(i["attributes"].get("cohort")))) == sorted(
            served, key=lambda i: (i["id"], str(i["attributes"].get("cohort")))
        ), name


def test_same_world_as_rect(ecf_in_process: InProcessSandbox, rect_in_process: InProcessSandbox) -> None:
    """Same seed, same world: the same records under both profiles, only shaped differently, plus ECF1's duplicate
    users and their declarations, which RECT never holds (test_sandbox_ecf1_rules.py looks at those)."""
    for token in rect_in_process.tokens.values():
        rect, old = rect_in_process.truth(token), ecf_in_process.truth(token)
        for name in ("statements", "partnerships", "schools"):
            assert {i["id"] for i in rect[name]} == {i["id"] for i in old[name]}, name
        rect_ids = {i["id"] for i in rect["participants"]}
        assert rect_ids <= {i["id"] for i in old["participants"]}
        states = {i["id"]: i["attributes"]["state"] for i in rect["participant-declarations"]}
        shared = {i["id"]: i["attributes"]["state"] for i in old["participant-declarations"] if i["id"] in states}
        assert states == shared
        for item in old["participant-declarations"]:
            if item["id"] not in states:  # only a duplicate user's, which RECT would have refused
                assert item["attributes"]["participant_id"] not in rect_ids
                assert item["attributes"]["state"] in ("ineligible", "voided")


def test_ecf1_attributes(ecf_in_process: InProcessSandbox) -> None:
    truth = ecf_in_process.truth()
    statements = truth["statements"]
    assert statements and all(s["attributes"]["type"] == "ecf" for s in statements)
    assert all(d["attributes"]["has_passed"] is None for d in truth["participant-declarations"])
    enrolments = [e for p in truth["participants"] for e in p["attributes"]["ecf_enrolments"]]
    assert enrolments and all(
        "working_pattern" not in e and "teacher_reference_number_validated" in e for e in enrolments
    )
    challenged = [
        p["attributes"] for t in ecf_in_process.tokens.values() for p in ecf_in_process.truth(t)["partnerships"]
        if p["attributes"]["status"] == "challenged"
    ]  # fmt: skip
    assert challenged, "some partnerships are challenged by their school"
    assert all(MILLIS_RE.match(p["challenged_at"]) and p["challenged_reason"] for p in challenged)


def test_ecf1_conventions(ecf_both_tiers: Sandbox) -> None:
    with ecf_both_tiers.client() as client, ecf_both_tiers.connect({}) as bare:
        missing = client.get("/api/v3/participants")  # RECT's path: no such route in ECF1
        assert missing.status_code == 404 and missing.json() == {"error": "Resource not Found"}
        assert missing.headers["content-type"] == ECF_JSON
        unknown = client.get("/api/v3/participant-declarations/00000000-0000-0000-0000-000000000000")
        assert unknown.status_code == 404 and unknown.json() == {"error": "Resource not Found"}
        denied = bare.get("/api/v3/statements", headers={"Authorization": "Bearer nope"})
        assert denied.status_code == 401 and denied.json() == {"error": "HTTP Token: Access denied"}
        assert denied.headers["www-authenticate"] == 'Token realm="Application"'
        other = bare.get("/api/v3/statements", headers={"Authorization": f"Bearer {ECF_NON_PROVIDER_TOKEN}"})
        assert other.status_code == 403 and other.content == b""
        bad = client.get("/api/v3/participants/ecf", params={"filter[training_status]": "paused"})
        assert bad.status_code == 400 and bad.json()["errors"][0]["title"] == "Bad request"
        good = get_json(client.get("/api/v3/participants/ecf", params={"filter[training_status]": "active"}))["data"]
        assert good
        everything = get_json(client.get("/api/v3/statements"))["data"]
        assert get_json(client.get("/api/v3/statements", params={"filter[type]": "ecf"}))["data"] == everything
        assert get_json(client.get("/api/v3/statements", params={"filter[type]": "npq"}))["data"] == []
        no_cohort = client.get("/api/v3/schools/ecf")
        assert no_cohort.status_code == 400
