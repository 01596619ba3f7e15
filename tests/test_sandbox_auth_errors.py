"""Authentication, provider scope and error bodies (api-facts §1.1, §1.2, §1.4, §9 trap 6), and /sandbox/truth.

In process, on the shared read-only world; the unknown-`/ecf`-path test runs over loopback too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.sandbox_process import InProcessSandbox, Sandbox

JSON = "application/json; charset=utf-8"
UNAUTHORISED = {"error": "HTTP Token: Access denied"}
NOT_FOUND = {"errors": [{"title": "Resource not found", "detail": "Nothing could be found for the provided details"}]}
NO_ROUTE = {"error": "Resource not found"}
BILLABLE = {"submitted", "eligible", "payable", "paid"}
COHORTS = ("2021", "2022", "2023", "2024", "2025", "2026")
Item = dict[str, Any]
Truth = dict[str, Any]

# /sandbox/truth key -> list path
LISTS = {
    "participants": "/participants",
    "participant-declarations": "/participant-declarations",
    "statements": "/statements",
    "partnerships": "/partnerships",
    "delivery-partners": "/delivery-partners",
    "schools": "/schools",
    "unfunded-mentors": "/unfunded-mentors",
    "participants/transfers": "/participants/transfers",
}


@pytest.fixture(scope="module")
def truths(rect_in_process: InProcessSandbox) -> dict[str, Truth]:
    """Provider name -> everything that provider can see."""
    return {name: rect_in_process.truth(token) for name, token in rect_in_process.tokens.items()}


@pytest.fixture(scope="module")
def anonymous(rect_in_process: InProcessSandbox) -> Iterator[httpx.Client]:
    """No Authorization header unless a test passes one (a shared client: building one per request is slow)."""
    with rect_in_process.anonymous() as client:
        yield client


def ids(items: list[Item]) -> set[str]:
    return {item["id"] for item in items}


# -- 401 ------------------------------------------------------------------------------------------------------------

BAD_AUTHORIZATION = {
    "missing": None,
    "bare scheme": "Bearer",
    "unknown token": "Bearer sandbox-0-0000000000000000",
    "token with a suffix": "Bearer {token}x",
    "basic scheme": "Basic {token}",
    "no scheme": "{token}",
    "empty": "",
}
GUARDED = (
    "/api/v3/participants",
    "/api/v3/participant-declarations/{declaration}",
    "/api/v3/schools",  # authentication comes before the required-cohort check
    "/api/v3/participants?filter=x",  # and before the filter-shape check
    "/api/v3/statements?page[page]=0",  # and before paging
    "/sandbox/truth",
)


@pytest.mark.parametrize("authorization", BAD_AUTHORIZATION.values(), ids=BAD_AUTHORIZATION.keys())
def test_missing_or_bad_token_is_401(
    rect_in_process: InProcessSandbox, anonymous: httpx.Client, truths: dict[str, Truth], authorization: str | None
) -> None:
    declaration = next(iter(truths.values()))["participant-declarations"][0]["id"]
    headers = {} if authorization is None else {"Authorization": authorization.format(token=rect_in_process.token)}
    for path in GUARDED:
        response = anonymous.get(path.format(declaration=declaration), headers=headers)
        assert response.status_code == 401, (path, authorization)
        assert response.headers["content-type"] == JSON
        assert response.json() == UNAUTHORISED
        assert "www-authenticate" not in response.headers, "RECT sends no WWW-Authenticate (unlike ECF1)"


def test_each_token_is_one_provider(rect_in_process: InProcessSandbox, truths: dict[str, Truth]) -> None:
    assert len(truths) >= 2
    for name, truth in truths.items():
        assert truth["_meta"]["provider"] == name
    assert len(set(rect_in_process.tokens.values())) == len(rect_in_process.tokens)


# -- scope ----------------------------------------------------------------------------------------------------------


def single_url(kind: str, item_id: str) -> str:
    if kind == "participants/transfers":
        return f"/api/v3/participants/{item_id}/transfers"
    return f"/api/v3{LISTS[kind]}/{item_id}"


@pytest.mark.parametrize(
    "kind",
    [
        "participants",
        "participant-declarations",
        "statements",
        "partnerships",
        "delivery-partners",
        "unfunded-mentors",
        "participants/transfers",
    ],
)
def test_other_providers_records_are_404(
    rect_clients: dict[str, httpx.Client], truths: dict[str, Truth], kind: str
) -> None:
    checked = 0
    for mine, truth in truths.items():
        visible = ids(truth[kind])
        for theirs, other in truths.items():
            if theirs == mine:
                continue
            foreign = [item for item in other[kind] if item["id"] not in visible]
            if kind == "participant-declarations":  # B's own declarations, not ones B merely sees
                foreign = [d for d in foreign if d["attributes"]["lead_provider_name"] == theirs]
            for item in foreign[:3]:
                response = rect_clients[mine].get(single_url(kind, item["id"]))
                assert response.status_code == 404, (mine, kind, item["id"])
                assert response.headers["content-type"] == JSON
                assert response.json() == NOT_FOUND
                checked += 1
            for item in truth[kind][:2]:  # while its own records are there
                assert rect_clients[mine].get(single_url(kind, item["id"])).status_code == 200
    if kind in ("participants", "participant-declarations", "statements", "partnerships"):
        assert checked, f"no {kind} outside a provider's scope to try"


def test_lists_hold_only_own_records(rect_clients: dict[str, httpx.Client], truths: dict[str, Truth]) -> None:
    names = list(truths)
    for truth in truths.values():
        for participant in truth["participants"]:
            enrolments = participant["attributes"]["ecf_enrolments"]
            assert enrolments, "a participant is listed only for the provider that trains them"
        for partner in truth["delivery-partners"]:
            assert partner["attributes"]["cohort"], "only partners this provider works with, with its cohorts"
        own = {d["participant_id"] for d in (x["attributes"] for x in truth["participant-declarations"])}
        assert own <= ids(truth["participants"]), "declarations only for participants this provider trains"
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            for kind in ("statements", "partnerships"):
                assert not ids(truths[first][kind]) & ids(truths[second][kind]), kind


def test_other_providers_declarations_only_while_billable(truths: dict[str, Truth]) -> None:
    """Trap 6: a provider sees other providers' declarations for participants it trains, but only while they are
    billable or changeable (submitted/eligible/payable/paid, no clawback); a void or clawback makes them vanish."""
    shown = hidden = 0
    for mine, truth in truths.items():
        participants = ids(truth["participants"])
        visible = ids(truth["participant-declarations"])
        for declaration in truth["participant-declarations"]:
            attributes = declaration["attributes"]
            if attributes["lead_provider_name"] != mine:
                assert attributes["state"] in BILLABLE, declaration
                assert attributes["participant_id"] in participants
                shown += 1
        for theirs, other in truths.items():
            if theirs == mine:
                continue
            for declaration in other["participant-declarations"]:
                attributes = declaration["attributes"]
                if attributes["lead_provider_name"] != theirs or attributes["participant_id"] not in participants:
                    continue
                if attributes["state"] not in BILLABLE:
                    assert declaration["id"] not in visible, declaration
                    hidden += 1
    assert shown, "some provider should see another provider's billable declaration"
    assert hidden, "some provider should have another provider's voided or clawed-back declaration kept from it"


# -- unknown routes -------------------------------------------------------------------------------------------------

NO_SUCH_ROUTE = (
    ("GET", "/api/v3/nonsense"),
    ("GET", "/api/v3"),
    ("GET", "/api/v2/participants"),  # RECT has no v1 or v2
    ("GET", "/api/v3/participant-declarations/abc/def"),
    ("GET", "/api/v3/participants/transfers/{participant}"),  # only /participants/{id}/transfers exists
    ("POST", "/api/v3/statements"),
    ("DELETE", "/api/v3/participants/{participant}"),
    ("PATCH", "/api/v3/participant-declarations/{participant}"),
    ("GET", "/nothing/here"),
)


@pytest.mark.parametrize(("method", "path"), NO_SUCH_ROUTE, ids=[f"{m} {p}" for m, p in NO_SUCH_ROUTE])
def test_unknown_route_is_a_json_404_when_json_is_asked_for(
    rect_clients: dict[str, httpx.Client],
    anonymous: httpx.Client,
    truths: dict[str, Truth],
    method: str,
    path: str,
) -> None:
    name, client = next(iter(rect_clients.items()))
    url = path.format(participant=truths[name]["participants"][0]["id"])
    response = client.request(method, url)
    assert response.status_code == 404
    assert response.headers["content-type"] == JSON
    assert response.json() == NO_ROUTE
    html = client.request(method, url, headers={"Accept": "text/html"})
    assert html.status_code == 404
    assert html.headers["content-type"].startswith("text/html")
    # routing comes before authentication
    unauthenticated = anonymous.request(method, url)
    assert unauthenticated.status_code == 404
    assert unauthenticated.json() == NO_ROUTE


def test_dropped_ecf_suffix_routes_to_show(rect_both_tiers: Sandbox) -> None:
    """RECT dropped `/ecf`: /participants/ecf is a show with id `ecf` (404), /schools/ecf wants a cohort (400)."""
    with rect_both_tiers.client() as client:
        response = client.get("/api/v3/participants/ecf")
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
        schools = client.get("/api/v3/schools/ecf")
        assert schools.status_code == 400
        assert schools.json()["errors"][0]["title"] == "Bad parameter"
        assert client.get("/api/v3/schools/ecf", params={"filter[cohort]": "2024"}).json() == NOT_FOUND


def test_participant_without_transfers_is_404(rect_clients: dict[str, httpx.Client], truths: dict[str, Truth]) -> None:
    name, truth = next(iter(truths.items()))
    transferred = ids(truth["participants/transfers"])
    quiet = next(p["id"] for p in truth["participants"] if p["id"] not in transferred)
    response = rect_clients[name].get(f"/api/v3/participants/{quiet}/transfers")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# -- /sandbox/truth -------------------------------------------------------------------------------------------------


def every_row(client: httpx.Client, path: str, params: dict[str, str]) -> list[Item]:
    rows: list[Item] = []
    page = 1
    while True:
        response = client.get(f"/api/v3{path}", params={**params, "page[page]": str(page), "page[per_page]": "3000"})
        assert response.status_code == 200
        found = response.json()["data"]
        rows += found
        if len(found) < 3000:
            return rows
        page += 1


def keyed(items: list[Item], kind: str) -> dict[tuple[str, str], Item]:
    found = {(i["id"], i["attributes"]["cohort"] if kind == "schools" else ""): i for i in items}
    assert len(found) == len(items), f"{kind}: duplicate rows"
    return found


@pytest.mark.parametrize("kind", LISTS)
def test_truth_equals_the_list_endpoints(
    rect_clients: dict[str, httpx.Client], truths: dict[str, Truth], kind: str
) -> None:
    for name, client in rect_clients.items():
        if kind == "schools":
            served = [row for c in COHORTS for row in every_row(client, "/schools", {"filter[cohort]": c})]
        else:
            served = every_row(client, LISTS[kind], {})
        assert keyed(served, kind) == keyed(truths[name][kind], kind), (name, kind)
    assert set(next(iter(truths.values()))) == {*LISTS, "_meta"}
