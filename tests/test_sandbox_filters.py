"""Filters, sort and query-string handling of the read endpoints (api-facts §1.1, §1.2, §9 traps 5 and 11).

In process, on the shared read-only world; the double-encoded `+` offset is also sent over loopback, where a real
server decodes the query string."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.sandbox_process import Sandbox

JSON = "application/json; charset=utf-8"
BAD_DATE = {
    "errors": [{"title": "Bad request", "detail": "The filter '#/updated_since' must be a valid ISO 8601 date"}]
}
NO_COHORT = {"errors": [{"title": "Bad parameter", "detail": "The filter '#/cohort' must be included in your request"}]}
NOT_A_HASH = {"errors": [{"title": "Bad parameter", "detail": "Filter must be a hash"}]}
NOT_FOUND = {"errors": [{"title": "Resource not found", "detail": "Nothing could be found for the provided details"}]}
UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"
Item = dict[str, Any]
Params = dict[str, str]

# endpoints with `filter[updated_since]`, and the attribute it compares against
UPDATED_SINCE: tuple[tuple[str, Params], ...] = (
    ("/participants", {}),
    ("/participant-declarations", {}),
    ("/statements", {}),
    ("/partnerships", {}),
    ("/schools", {"filter[cohort]": "2024"}),
    ("/unfunded-mentors", {}),
    ("/participants/transfers", {}),
)
ALL_LISTS = (
    *("/participants", "/participant-declarations", "/statements", "/partnerships", "/delivery-partners"),
    *("/schools", "/unfunded-mentors", "/participants/transfers"),
)


def ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def fetch(client: httpx.Client, path: str, params: Params | None = None, query: str = "") -> list[Item]:
    """Every row in one page; `query` is appended raw, so `+` and `%2B` reach the server as typed."""
    # built by hand: httpx drops a URL's own query string whenever `params=` is given
    parts = ["page[per_page]=3000", *(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in (params or {}).items())]
    url = f"/api/v3{path}?" + "&".join([*parts, query] if query else parts)
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == JSON
    data: list[Item] = response.json()["data"]
    assert len(data) < 3000
    return data


def id_set(items: list[Item]) -> set[str]:
    return {item["id"] for item in items}


def id_list(items: list[Item]) -> list[str]:
    return [item["id"] for item in items]


def richest(clients: dict[str, httpx.Client], path: str, params: Params) -> tuple[httpx.Client, list[Item]]:
    """The provider with the most rows on this list (some lists, like transfers, are small)."""
    found = [(c, fetch(c, path, params)) for c in clients.values()]
    best = max(found, key=lambda pair: len(pair[1]))
    assert len(best[1]) >= 2, f"no provider has rows on {path}"
    return best


# -- updated_since --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "params"), UPDATED_SINCE, ids=[u[0] for u in UPDATED_SINCE])
def test_updated_since_is_inclusive_at_second_precision(
    rect_clients: dict[str, httpx.Client], path: str, params: Params
) -> None:
    client, rows = richest(rect_clients, path, params)
    stamps = sorted(parse(r["attributes"]["updated_at"]) for r in rows)
    pivot = stamps[len(stamps) // 2]

    def since(value: str) -> set[str]:
        return id_set(fetch(client, path, {**params, "filter[updated_since]": value}))

    def expected(moment: datetime) -> set[str]:
        return {r["id"] for r in rows if parse(r["attributes"]["updated_at"]) >= moment}

    at_pivot = {r["id"] for r in rows if parse(r["attributes"]["updated_at"]) == pivot}
    assert at_pivot
    assert since(ts(pivot)) == expected(pivot)
    assert at_pivot <= since(ts(pivot)), "a row whose updated_at equals the value is returned (>=)"
    assert since(ts(pivot + timedelta(seconds=1))) == expected(pivot + timedelta(seconds=1))
    assert not at_pivot & since(ts(pivot + timedelta(seconds=1)))
    # fractional seconds and numeric offsets are parsed, not truncated or ignored
    assert since(ts(pivot).replace("Z", ".000Z")) == expected(pivot)
    half = since(ts(pivot - timedelta(seconds=1)).replace("Z", ".5Z"))
    assert expected(pivot) <= half <= expected(pivot - timedelta(seconds=1))
    west = (pivot - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S-01:00")
    assert since(west) == expected(pivot), "-01:00 is an hour behind UTC"
    # a zone-less time is server-local: UTC
    assert since(ts(pivot).removesuffix("Z")) == expected(pivot)
    assert since("") == id_set(rows), "a blank filter is ignored"


@pytest.mark.parametrize(
    "value",
    [
        "2024-01-01T00:00:00Z",
        "2024-01-01t00:00:00z",
        "2024-01-01T24:00:00Z",
        "2024-02-30T00:00:00Z",
        "2024-01-01T00:00:00.123456Z",
        "2024-01-01T00:00:00.5-01:00",
        "2024-01-01T00:00:00-01:00",
        "2024-01-01T00:00:00-0100",
        "2024-01-01T00:00:00-01",
        "2024-01-01T00:00:00",
    ],
)
def test_updated_since_values_that_parse(rect_client: httpx.Client, value: str) -> None:
    fetch(rect_client, "/participant-declarations", query=f"filter[updated_since]={value}")


def test_a_plus_offset_survives_only_double_encoding(rect_both_tiers: Sandbox) -> None:
    """RECT decodes the value a second time: `%252B` arrives as `%2B`, becomes `+`, and parses (api-facts §1.1)."""
    with rect_both_tiers.client() as client:
        everything = fetch(client, "/participant-declarations")
        stamps = sorted(r["attributes"]["updated_at"] for r in everything)
        pivot = parse(stamps[len(stamps) // 2])
        east = (pivot + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
        found = fetch(client, "/participant-declarations", query=f"filter[updated_since]={east}%252B01:00")
        assert id_set(found) == id_set(fetch(client, "/participant-declarations", {"filter[updated_since]": ts(pivot)}))


@pytest.mark.parametrize(
    "raw",
    [
        "2024-01-01T00:00:00+01:00",  # a literal + is a space after decoding
        "2024-01-01T00:00:00%2B01:00",  # and percent-encoding does not help: RECT decodes a second time
        "2024-01-01T00:00:00+00:00",  # Python's isoformat() of an aware UTC datetime
        "2024-01-01T00:00:00%2B00:00",
        "2024-01-01T10:00Z",  # Ruby's Time.iso8601 wants seconds
        "2024-01-01T10Z",
        "yesterday",
        "2024-13-01T00:00:00Z",
        "2024-02-30",
        "2024-01-01",  # Ruby's Time.iso8601 wants a time too
        "2024-01-01Z",
        "2024-01-01T24:00:01Z",
        "2024-01-01T25:00:00Z",
        "1700000000",
        "2024-01-01 00:00:00Z",
    ],
)
def test_updated_since_values_refused_with_400(rect_client: httpx.Client, raw: str) -> None:
    response = rect_client.get(f"/api/v3/participant-declarations?filter[updated_since]={raw}")
    assert response.status_code == 400, raw
    assert response.headers["content-type"] == JSON
    assert response.json() == BAD_DATE


@pytest.mark.parametrize(("path", "params"), UPDATED_SINCE, ids=[u[0] for u in UPDATED_SINCE])
def test_plus_offset_is_400_on_every_endpoint_with_updated_since(
    rect_client: httpx.Client, path: str, params: Params
) -> None:
    extra = "".join(f"&{k}={v}" for k, v in params.items())
    for raw in ("2024-01-01T00:00:00+01:00", "2024-01-01T00:00:00%2B01:00"):
        response = rect_client.get(f"/api/v3{path}?filter[updated_since]={raw}{extra}")
        assert response.status_code == 400
        assert response.json() == BAD_DATE


def test_delivery_partners_ignore_updated_since(rect_client: httpx.Client) -> None:
    everything = fetch(rect_client, "/delivery-partners")
    assert everything
    for value in ("2099-01-01T00:00:00Z", "2024-01-01T00:00:00+01:00", "not a date"):
        assert fetch(rect_client, "/delivery-partners", {"filter[updated_since]": value}) == everything


# -- cohort and other CSV filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/participants", "/participant-declarations", "/statements", "/partnerships", "/delivery-partners"]
)
def test_cohort_csv_drops_invalid_values(rect_client: httpx.Client, path: str) -> None:
    everything = id_set(fetch(rect_client, path))

    def cohort(value: str) -> set[str]:
        return id_set(fetch(rect_client, path, {"filter[cohort]": value}))

    one, two = cohort("2021"), cohort("2022")
    assert one and two and one != everything
    assert cohort("2021,2022") == one | two
    assert cohort("2021,abc") == one, "invalid values are silently dropped"
    assert cohort("2021, 20x2 ,") == one
    assert cohort("abc,xyz") == set(), "all values invalid: an empty 200, not everything"
    assert cohort("1999") == set()
    assert cohort("") == everything, "a blank filter is ignored"
    assert cohort(" ") == everything


@pytest.mark.parametrize(("path", "kind"), [("/statements", "str"), ("/partnerships", "str")])
def test_cohort_filter_matches_the_cohort_attribute(rect_client: httpx.Client, path: str, kind: str) -> None:
    everything = fetch(rect_client, path)
    for year in ("2021", "2024"):
        wanted = {r["id"] for r in everything if r["attributes"]["cohort"] == year}
        assert wanted
        assert id_set(fetch(rect_client, path, {"filter[cohort]": year})) == wanted


def test_delivery_partner_cohort_filter_matches_its_cohort_list(rect_client: httpx.Client) -> None:
    everything = fetch(rect_client, "/delivery-partners")
    for year in ("2021", "2025"):
        wanted = {r["id"] for r in everything if year in r["attributes"]["cohort"]}
        assert id_set(fetch(rect_client, "/delivery-partners", {"filter[cohort]": year})) == wanted


@pytest.mark.parametrize("attribute", ["participant_id", "delivery_partner_id"])
def test_declaration_id_filters(rect_client: httpx.Client, attribute: str) -> None:
    everything = fetch(rect_client, "/participant-declarations")
    values = sorted({r["attributes"][attribute] for r in everything})
    assert len(values) >= 2
    first, second = values[0], values[-1]

    def by(value: str) -> set[str]:
        return id_set(fetch(rect_client, "/participant-declarations", {f"filter[{attribute}]": value}))

    def having(*wanted: str) -> set[str]:
        return {r["id"] for r in everything if r["attributes"][attribute] in wanted}

    assert by(first) == having(first)
    assert by(f"{first},{second}") == having(first, second)
    assert by(f"{first},not-a-uuid,42") == having(first), "non-UUIDs are dropped"
    assert by("not-a-uuid,42") == set(), "all values invalid: an empty 200"
    assert by(UNKNOWN_UUID) == set()
    assert by("") == id_set(everything)


def test_training_status_filter(rect_client: httpx.Client) -> None:
    everything = fetch(rect_client, "/participants")
    union: set[str] = set()
    for status in ("active", "deferred", "withdrawn"):
        wanted = {
            p["id"]
            for p in everything
            if any(e["training_status"] == status for e in p["attributes"]["ecf_enrolments"])
        }
        found = id_set(fetch(rect_client, "/participants", {"filter[training_status]": status}))
        assert found == wanted, status
        union |= found
    assert union == id_set(everything)
    assert id_set(fetch(rect_client, "/participants", {"filter[training_status]": "active"})) != id_set(everything)


@pytest.mark.parametrize("status", ["Active", "paused", "active,withdrawn", "left", "1"])
def test_invalid_training_status_is_an_empty_200(rect_client: httpx.Client, status: str) -> None:
    assert fetch(rect_client, "/participants", {"filter[training_status]": status}) == []


def test_from_participant_id_without_changes(rect_client: httpx.Client) -> None:
    """Nothing is merged in the untouched session world: an unknown id matches nothing; blank is ignored.
    (A real merge is followed in test_sandbox_tick.py.)"""
    everything = fetch(rect_client, "/participants")
    assert all(p["attributes"]["participant_id_changes"] == [] for p in everything)
    assert fetch(rect_client, "/participants", {"filter[from_participant_id]": UNKNOWN_UUID}) == []
    assert fetch(rect_client, "/participants", {"filter[from_participant_id]": everything[0]["id"]}) == []
    assert fetch(rect_client, "/participants", {"filter[from_participant_id]": ""}) == everything


# -- schools --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v3/schools",
        "/api/v3/schools?filter[urn]=100000",
        "/api/v3/schools?filter[updated_since]=2024-01-01T00:00:00Z",
        "/api/v3/schools?cohort=2024",
        "/api/v3/schools/ecf",
        "/api/v3/schools/{school_id}",
    ],
)
def test_schools_require_a_cohort_filter(rect_client: httpx.Client, url: str) -> None:
    school_id = fetch(rect_client, "/schools", {"filter[cohort]": "2024"})[0]["id"]
    response = rect_client.get(url.format(school_id=school_id))
    assert response.status_code == 400
    assert response.headers["content-type"] == JSON
    assert response.json() == NO_COHORT


def test_schools_per_cohort(rect_client: httpx.Client) -> None:
    for year in ("2021", "2024", "2026"):
        schools = fetch(rect_client, "/schools", {"filter[cohort]": year})
        assert schools
        assert {s["attributes"]["cohort"] for s in schools} == {year}, "the cohort echoes the filter"
        one = schools[0]
        response = rect_client.get(f"/api/v3/schools/{one['id']}", params={"filter[cohort]": year})
        assert response.json() == {"data": one}
    for year in ("1999", "abc", ""):
        assert fetch(rect_client, "/schools", {"filter[cohort]": year}) == [], "unknown or invalid year: empty 200"
    some = fetch(rect_client, "/schools", {"filter[cohort]": "2024"})[0]
    missing = rect_client.get(f"/api/v3/schools/{some['id']}", params={"filter[cohort]": "1999"})
    assert missing.status_code == 404
    assert missing.json() == NOT_FOUND


def test_schools_urn_filter(rect_client: httpx.Client) -> None:
    schools = fetch(rect_client, "/schools", {"filter[cohort]": "2024"})
    urn = schools[len(schools) // 2]["attributes"]["urn"]
    wanted = [s for s in schools if s["attributes"]["urn"] == urn]
    found = fetch(rect_client, "/schools", {"filter[cohort]": "2024", "filter[urn]": urn})
    assert found == wanted and found
    assert fetch(rect_client, "/schools", {"filter[cohort]": "2024", "filter[urn]": "000000"}) == []
    assert fetch(rect_client, "/schools", {"filter[cohort]": "2024", "filter[urn]": ""}) == schools


# -- sort -----------------------------------------------------------------------------------------------------------


def attribute_order(items: list[Item], key: str) -> list[str]:
    return [item["attributes"][key] for item in items]


@pytest.mark.parametrize("path", ["/participants", "/partnerships", "/unfunded-mentors"])
def test_sort_by_updated_at(rect_clients: dict[str, httpx.Client], path: str) -> None:
    client, default = richest(rect_clients, path, {})
    ascending = fetch(client, path, {"sort": "updated_at"})
    descending = fetch(client, path, {"sort": "-updated_at"})
    assert id_set(ascending) == id_set(descending) == id_set(default)
    assert attribute_order(ascending, "updated_at") == sorted(attribute_order(default, "updated_at"))
    assert attribute_order(descending, "updated_at") == sorted(attribute_order(default, "updated_at"), reverse=True)
    assert fetch(client, path, {"sort": "+updated_at"}) == ascending, "a leading + (sent as %2B) means ascending"


def test_transfers_sort_by_the_teachers_updated_at(rect_clients: dict[str, httpx.Client]) -> None:
    """Trap 2: on transfers, `updated_at` sorts on the teacher's api_updated_at (a Teacher column), not on the
    transfer timestamp that the payload's `updated_at` shows."""
    client, default = richest(rect_clients, "/participants/transfers", {})
    teacher_updated = {p["id"]: p["attributes"]["updated_at"] for p in fetch(client, "/participants")}
    assert id_set(default) <= set(teacher_updated), "a transfer's teacher is one of this provider's participants"
    for sort, descending in (("updated_at", False), ("-updated_at", True)):
        ordered = [teacher_updated[t] for t in id_list(fetch(client, "/participants/transfers", {"sort": sort}))]
        assert ordered == sorted(ordered, reverse=descending), sort
    shown = attribute_order(fetch(client, "/participants/transfers", {"sort": "updated_at"}), "updated_at")
    assert shown != sorted(shown), "the payload's own updated_at is not what sort=updated_at orders by"


def test_sort_by_created_at_on_partnerships(rect_client: httpx.Client) -> None:
    default = fetch(rect_client, "/partnerships")
    assert fetch(rect_client, "/partnerships", {"sort": "created_at"}) == default
    descending = fetch(rect_client, "/partnerships", {"sort": "-created_at"})
    assert attribute_order(descending, "created_at") == sorted(attribute_order(default, "created_at"), reverse=True)


def test_participants_sort(rect_client: httpx.Client) -> None:
    default = id_list(fetch(rect_client, "/participants"))
    assert id_list(fetch(rect_client, "/participants", {"sort": "created_at"})) == default
    descending = id_list(fetch(rect_client, "/participants", {"sort": "-created_at"}))
    assert sorted(descending) == sorted(default) and descending != default
    by_updated = fetch(rect_client, "/participants", {"sort": "updated_at"})
    assert id_list(by_updated) != default
    assert attribute_order(by_updated, "updated_at") == sorted(attribute_order(by_updated, "updated_at"))
    # a typo silently falls back to the default order (trap 11)
    for typo in ("nonsense", "updated", "-", "", "full_name_x"):
        assert id_list(fetch(rect_client, "/participants", {"sort": typo})) == default, typo
    # unknown names are dropped from a list, the rest still sorts
    assert fetch(rect_client, "/participants", {"sort": "nonsense,updated_at"}) == by_updated
    # a literal + decodes to a space, which makes the name unknown: default order, not updated_at
    assert id_list(fetch(rect_client, "/participants", query="sort=+updated_at")) == default
    assert fetch(rect_client, "/participants", query="sort=%2Bupdated_at") == by_updated


def test_declarations_and_statements_ignore_sort(rect_client: httpx.Client) -> None:
    for path in ("/participant-declarations", "/statements"):
        default = fetch(rect_client, path)
        assert fetch(rect_client, path, {"sort": "-created_at"}) == default
        assert fetch(rect_client, path, {"sort": "updated_at"}) == default


# -- malformed and unknown parameters -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_LISTS)
def test_filter_that_is_not_a_hash_is_400(rect_client: httpx.Client, path: str) -> None:
    for query in ("filter=x", "filter=", "filter=2024&filter[cohort]=2024"):
        response = rect_client.get(f"/api/v3{path}?{query}")
        assert response.status_code == 400, (path, query)
        assert response.headers["content-type"] == JSON
        assert response.json() == NOT_A_HASH


def test_filter_that_is_not_a_hash_is_400_on_single_records(rect_client: httpx.Client) -> None:
    participant = fetch(rect_client, "/participants")[0]["id"]
    response = rect_client.get(f"/api/v3/participants/{participant}?filter=x")
    assert response.status_code == 400
    assert response.json() == NOT_A_HASH


@pytest.mark.parametrize("path", ALL_LISTS)
def test_unknown_parameters_are_ignored(rect_client: httpx.Client, path: str) -> None:
    params = {"filter[cohort]": "2024"} if path == "/schools" else {}
    plain = fetch(rect_client, path, params)
    noisy = {**params, "foo": "bar", "filter[nonsense]": "1", "page[nonsense]": "x", "include": "everything"}
    assert fetch(rect_client, path, noisy) == plain
