"""Every read endpoint's payload against the RECT v3 OpenAPI schemas (api-facts §1.1, §3, §8), in process on the shared
read-only world; the text-typed keys are also checked over loopback, as a real server sends them."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from jsonschema import ValidationError

from tests.openapi import is_date, is_timestamp, validate, validate_strict
from tests.sandbox_process import Sandbox

JSON = "application/json; charset=utf-8"
COHORTS = ("2021", "2022", "2023", "2024", "2025", "2026")
Item = dict[str, Any]


@dataclass(frozen=True)
class Listing:
    path: str
    type: str
    many: str  # the list response schema
    one: str  # the single-record response schema
    params: tuple[tuple[str, str], ...] = ()


LISTINGS = (
    Listing("/participants", "participant", "ParticipantsResponse", "ParticipantResponse"),
    Listing("/participant-declarations", "participant-declaration", "DeclarationsResponse", "DeclarationResponse"),
    Listing("/statements", "statement", "StatementsResponse", "StatementResponse"),
    Listing("/partnerships", "partnership", "PartnershipsResponse", "PartnershipResponse"),
    Listing("/delivery-partners", "delivery-partner", "DeliveryPartnersResponse", "DeliveryPartnerResponse"),
    *(Listing("/schools", "school", "SchoolsResponse", "SchoolResponse", (("filter[cohort]", c),)) for c in COHORTS),
    Listing("/unfunded-mentors", "unfunded-mentor", "UnfundedMentorsResponse", "UnfundedMentorResponse"),
    Listing(
        "/participants/transfers",
        "participant-transfer",
        "ParticipantsTransfersResponse",
        "ParticipantTransfersResponse",
    ),
)
TIMESTAMP_KEYS = {"created_at", "updated_at", "declaration_date", "changed_at"}
DATE_KEYS = {
    "cut_off_date",
    "payment_date",
    "induction_end_date",
    "most_recent_induction_period_end_date",
    "overall_induction_start_date",
    "mentor_funding_end_date",
}


def listing_id(listing: Listing) -> str:
    return listing.path + "".join(f"?{k}={v}" for k, v in listing.params)


def get_json(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == JSON
    return response.json()


def fetch_page(client: httpx.Client, listing: Listing) -> tuple[httpx.Response, list[Item]]:
    response = client.get(f"/api/v3{listing.path}", params={**dict(listing.params), "page[per_page]": "3000"})
    body = get_json(response)
    assert set(body) == {"data"}, "the envelope is exactly {'data': [...]}: no meta, no links"
    items: list[Item] = body["data"]
    assert isinstance(items, list)
    assert len(items) < 3000, "the session sandbox is small; one page holds every row"
    return response, items


def fetch_all(client: httpx.Client, listing: Listing) -> list[Item]:
    return fetch_page(client, listing)[1]


def transfer_as_swagger_says(item: Item) -> Item:
    """api-facts §3.8, a documented deviation: each transfer's `created_at` is a timestamp on the wire although the
    swagger says `format: date`. It is checked here as a timestamp, then replaced by its date part for validation."""
    fixed = copy.deepcopy(item)
    for transfer in fixed["attributes"]["transfers"]:
        assert is_timestamp(transfer["created_at"]), transfer
        transfer["created_at"] = transfer["created_at"][:10]
    return fixed


def as_documented(listing: Listing, item: Item) -> Item:
    return transfer_as_swagger_says(item) if listing.type == "participant-transfer" else item


def walk(node: object, path: str = "") -> Iterator[tuple[str, str, object]]:
    """(path, key, value) for every key in a JSON tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}[{index}]")


def fetch_everyone(clients: dict[str, httpx.Client], listing: Listing) -> list[tuple[httpx.Client, Item]]:
    return [(c, item) for c in clients.values() for item in fetch_all(c, listing)]


@pytest.mark.parametrize("listing", LISTINGS, ids=listing_id)
def test_list_items_validate_against_openapi(rect_clients: dict[str, httpx.Client], listing: Listing) -> None:
    total = 0
    for client in rect_clients.values():
        response, items = fetch_page(client, listing)
        assert "link" not in response.headers, "RECT sends no Link headers"
        for item in items:
            assert list(item) == ["id", "type", "attributes"]
            assert item["type"] == listing.type
        documented = {"data": [as_documented(listing, item) for item in items]}
        validate(documented, listing.many)
        validate_strict(documented, listing.many)
        total += len(items)
    assert total, f"the session sandbox should have {listing.type} rows for some provider"


def test_transfer_created_at_is_the_documented_deviation(rect_clients: dict[str, httpx.Client]) -> None:
    """The raw transfers payload must fail the swagger *only* because of `created_at` (api-facts §3.8)."""
    listing = next(x for x in LISTINGS if x.type == "participant-transfer")
    items = [item for _, item in fetch_everyone(rect_clients, listing)]
    assert items
    with pytest.raises(ValidationError) as caught:
        validate({"data": items}, listing.many)
    assert list(caught.value.absolute_path)[-1] == "created_at"
    validate({"data": [transfer_as_swagger_says(i) for i in items]}, listing.many)


@pytest.mark.parametrize("listing", LISTINGS, ids=listing_id)
def test_single_record_endpoints_validate_and_match_the_list(
    rect_clients: dict[str, httpx.Client], listing: Listing
) -> None:
    picks = []
    for client in rect_clients.values():
        items = fetch_all(client, listing)
        picks += [(client, items[i]) for i in sorted({0, len(items) // 2, len(items) - 1}) if items]
    assert picks
    for client, item in picks:
        item_id = item["id"]
        if listing.type == "participant-transfer":
            url = f"/api/v3/participants/{item_id}/transfers"
        else:
            url = f"/api/v3{listing.path}/{item_id}"
        body = get_json(client.get(url, params=dict(listing.params)))
        assert body == {"data": item}, "a single record is served exactly as in the list"
        validate({"data": as_documented(listing, item)}, listing.one)
        validate_strict({"data": as_documented(listing, item)}, listing.one)


@pytest.mark.parametrize("listing", LISTINGS, ids=listing_id)
def test_timestamps_are_utc_whole_seconds_and_dates_plain(
    rect_clients: dict[str, httpx.Client], listing: Listing
) -> None:
    seen: set[str] = set()
    for _, item in fetch_everyone(rect_clients, listing):
        for path, key, value in walk(item["attributes"]):
            if key in TIMESTAMP_KEYS or (key == "date" and path.endswith((".withdrawal", ".deferral"))):
                assert is_timestamp(value), f"{item['id']}{path}.{key} = {value!r}"
                seen.add(key)
            elif key in DATE_KEYS or (key == "date" and path.endswith((".leaving", ".joining"))):
                assert value is None or is_date(value), f"{item['id']}{path}.{key} = {value!r}"
    assert {"created_at", "updated_at"} & seen


def test_nulls_are_present_not_omitted(rect_client: httpx.Client, rect_clients: dict[str, httpx.Client]) -> None:
    declarations = fetch_all(rect_client, LISTINGS[1])
    assert declarations
    for item in declarations:
        attributes = item["attributes"]
        assert "ineligible_for_funding_reason" in attributes
        assert attributes["ineligible_for_funding_reason"] is None, "always null in RECT (api-facts §3.2)"
        assert "clawback_statement_id" in attributes and "mentor_id" in attributes
    participants = [p for _, p in fetch_everyone(rect_clients, LISTINGS[0])]
    trn_less = [p for p in participants if p["attributes"]["teacher_reference_number"] is None]
    assert trn_less, "the sandbox has TRN-less teachers, served with an explicit null"
    enrolments = [e for p in participants for e in p["attributes"]["ecf_enrolments"]]
    assert any(e["withdrawal"] is None for e in enrolments)
    assert all("withdrawal" in e and "deferral" in e and "mentor_id" in e for e in enrolments)
    partnerships = fetch_all(rect_client, LISTINGS[3])
    assert all(p["attributes"]["induction_tutor_name"] is None for p in partnerships)
    assert all("induction_tutor_email" in p["attributes"] for p in partnerships)


def test_text_keys_stay_text(rect_both_tiers: Sandbox) -> None:
    """TRN, URN, cohort and year are strings on the wire (api-facts §9 trap 16)."""
    with rect_both_tiers.client() as client:
        for item in fetch_all(client, LISTINGS[0]):
            trn = item["attributes"]["teacher_reference_number"]
            assert trn is None or (isinstance(trn, str) and len(trn) == 7 and trn.isdigit())
            for enrolment in item["attributes"]["ecf_enrolments"]:
                assert isinstance(enrolment["school_urn"], str) and isinstance(enrolment["cohort"], str)
        for item in fetch_all(client, LISTINGS[2]):
            assert isinstance(item["attributes"]["year"], str) and isinstance(item["attributes"]["cohort"], str)
        for item in fetch_all(client, next(x for x in LISTINGS if x.type == "delivery-partner")):
            assert all(isinstance(c, str) for c in item["attributes"]["cohort"])
