"""Request values read as Ruby and Rails read them (syncer/sandbox/ruby.py): `Time.iso8601` for updated_since,
`String#blank?`, Rails' token parsing for Authorization, a bare `?page=`, a blank `filter[cohort]` on /schools, and
`sort` over any column of the endpoint's model (api-facts §1.1, §1.4).

The expected values of the two tables were produced by Ruby itself (Time.iso8601 of Ruby's time library, whose
xmlschema is the same code from 0.1 to 0.4.2, the version Ruby 4.0 bundles; and Rails 8.1's
ActionController::HttpAuthentication::Token run under Ruby), not by the code under test.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from syncer.sandbox import ruby
from tests.sandbox_process import InProcessSandbox

JSON = "application/json; charset=utf-8"
BAD_DATE = {
    "errors": [{"title": "Bad request", "detail": "The filter '#/updated_since' must be a valid ISO 8601 date"}]
}
SERVER_ERROR = {"error": "Internal server error"}
Item = dict[str, Any]

TIME_ISO8601 = [
    ("2025-01-28T13:15:00Z", "2025-01-28T13:15:00.000000"),
    ("2025-01-28t13:15:00z", "2025-01-28T13:15:00.000000"),
    (" 2025-01-28T13:15:00Z\n", "2025-01-28T13:15:00.000000"),
    ("\t2025-01-28T13:15:00Z ", "2025-01-28T13:15:00.000000"),
    ("2025-01-28T13:15:00", "2025-01-28T13:15:00.000000"),
    ("2025-01-28T13:15:00.123456789Z", "2025-01-28T13:15:00.123456"),
    ("2025-01-28T13:15:00.5-01:00", "2025-01-28T14:15:00.500000"),
    ("2025-01-28T13:15:00-0130", "2025-01-28T14:45:00.000000"),
    ("2025-01-28T13:15:00+05", "2025-01-28T08:15:00.000000"),
    ("2025-01-28T13:15:00-00:00", "2025-01-28T13:15:00.000000"),
    ("2025-01-28T24:00:00Z", "2025-01-29T00:00:00.000000"),
    ("2025-01-28T24:00:00.5Z", "2025-01-29T00:00:00.500000"),
    ("2025-02-29T00:00:00Z", "2025-03-01T00:00:00.000000"),
    ("2025-02-31T12:00:00Z", "2025-03-03T12:00:00.000000"),
    ("2025-04-31T23:00:00-02:00", "2025-05-01T01:00:00.000000"),
    ("2025-01-28T23:59:60Z", "2025-01-29T00:00:00.000000"),
    ("2025-01-28T13:15:00-23:59", "2025-01-29T13:14:00.000000"),
    ("2025-01-28T25:30:00+02:00", "2025-01-28T23:30:00.000000"),
    ("0000-01-01T00:00:00Z", "EARLIEST"),
    ("12025-01-01T00:00:00Z", "LATEST"),
    ("25-01-28T13:15:00Z", "0025-01-28T13:15:00.000000"),
    ("2025-01-28", None),
    ("2025-01-28Z", None),
    ("2025-01-28 13:15:00Z", None),
    ("2025-01-28T13:15Z", None),
    ("2025-01-28T13:15:00,5Z", None),
    ("2025-01-28T13:15:00.Z", None),
    ("2025-01-28T24:00:01Z", None),
    ("2025-01-28T13:60:00Z", None),
    ("2025-01-28T13:15:61Z", None),
    ("2025-13-01T00:00:00Z", None),
    ("2025-01-00T00:00:00Z", None),
    ("2025-01-32T00:00:00Z", None),
    ("2025-01-28T13:15:00+24:00", None),
    ("2025-01-28T13:15:00+23:99", None),
    ("2025-01-28T13:15:00+1", None),
    ("2025-01-28T13:15:00 01:00", None),
    ("2025-01-28T13:15:00Zx", None),
    ("yesterday", None),
    ("", None),
]
RAILS_TOKEN = [
    ("Bearer abc", "abc"),
    ("Token abc", "abc"),
    ("Bearer  abc  ", "abc"),
    ("Bearer\tabc", "abc"),
    ("Bearer token=abc", "abc"),
    ('Bearer token="abc"', "abc"),
    ('Bearer "abc"', "abc"),
    ('Token token="abc", nonce="def"', "abc"),
    ("Bearer abc, nonce=1", "abc"),
    ("Bearer abc;def", "abc"),
    ("Bearer x=y", "x=y"),
    ("Bearer token==abc", "=abc"),
    ("Bearer ,abc", "abc"),
    ("bearer abc", None),
    ("BEARER abc", None),
    ("Bearerabc", None),
    ("Bearer", None),
    ("Bearer ", None),
    ('Bearer ""', None),
    ("Bearer token=", None),
    ("Basic abc", None),
    ("X Bearer abc", None),
    ("abc", None),
    ("", None),
]


def shown(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment == ruby.EARLIEST:
        return "EARLIEST"
    if moment == ruby.LATEST:
        return "LATEST"
    return f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S.%f")


@pytest.mark.parametrize(("text", "expected"), TIME_ISO8601)
def test_time_iso8601_reads_as_ruby_does(text: str, expected: str | None) -> None:
    assert shown(ruby.iso8601(text)) == expected


@pytest.mark.parametrize(("header", "expected"), RAILS_TOKEN)
def test_the_token_is_read_as_rails_reads_it(header: str, expected: str | None) -> None:
    assert ruby.http_token(header) == expected


def test_blank_is_activesupports() -> None:
    assert ruby.blank("") and ruby.blank(" \t\n") and ruby.blank("\u00a0\u3000")
    assert not ruby.blank("\x1c") and not ruby.blank(" x ")  # Python's isspace() says True for \x1c


def fetch(client: httpx.Client, path: str, query: str) -> httpx.Response:
    return client.get(f"/api/v3{path}?page[per_page]=3000&{query}")


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


def next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def test_updated_since_values_only_ruby_accepts(rect_client: httpx.Client) -> None:
    """Lower-case t and z, surrounding whitespace, T24:00:00 and 30 February each read as Ruby reads them; a
    whitespace-only value is no filter; a date alone is refused."""
    path = "/participant-declarations"
    everything = fetch(rect_client, path, "").json()["data"]
    stamps = sorted(d["attributes"]["updated_at"] for d in everything)
    pivot = stamps[len(stamps) // 2]

    def since(value: str) -> httpx.Response:
        return fetch(rect_client, path, f"filter[updated_since]={quote(value, safe='')}")

    at_pivot = ids(since(pivot))
    assert at_pivot == [d["id"] for d in everything if d["attributes"]["updated_at"] >= pivot]
    assert ids(since(pivot.replace("T", "t").replace("Z", "z"))) == at_pivot
    assert ids(since(f" {pivot}\n")) == at_pivot
    day = pivot[:10]
    assert ids(since(f"{day}T24:00:00Z")) == ids(since(f"{next_day(day)}T00:00:00Z"))
    assert ids(since("2024-02-30T00:00:00Z")) == ids(since("2024-03-01T00:00:00Z"))
    assert ids(since(" \t ")) == [d["id"] for d in everything], "a blank value is no filter"
    for refused in (day, f"{day}Z", f"{pivot}%"):
        response = since(refused)
        assert response.status_code == 400, refused
        assert response.json() == BAD_DATE


def test_a_bare_page_is_a_500_as_in_rect(rect_client: httpx.Client) -> None:
    """Paginatable's `params.dig(:page, :per_page)` on a String: a TypeError nothing rescues, so RECT's exceptions
    app answers 500, in JSON when JSON is asked for and as an HTML page otherwise."""
    for query in ("page=2", "page=1", "page[]=2"):
        response = rect_client.get(f"/api/v3/participants?{query}")
        assert response.status_code == 500, query
        assert response.headers["content-type"] == JSON
        assert response.json() == SERVER_ERROR
    page = rect_client.get("/api/v3/participants?page=2", headers={"Accept": "text/html"})
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    # the filters are read first: a bad updated_since is still its 400
    both = rect_client.get("/api/v3/participants?page=2&filter[updated_since]=yesterday")
    assert both.status_code == 400 and both.json() == BAD_DATE


def test_a_filter_parsed_as_a_list_is_not_a_hash(rect_client: httpx.Client) -> None:
    response = rect_client.get("/api/v3/participants?filter[]=2024")
    assert response.status_code == 400
    assert response.json() == {"errors": [{"title": "Bad parameter", "detail": "Filter must be a hash"}]}


def test_a_blank_cohort_on_schools_is_an_empty_list(rect_client: httpx.Client) -> None:
    """The filter must be present (its key), not filled: a blank year finds no contract period."""
    for value in ("", "%20", "%09"):
        response = rect_client.get(f"/api/v3/schools?filter[cohort]={value}")
        assert response.status_code == 200, value
        assert response.json() == {"data": []}


def test_the_schools_cohort_is_cast_as_an_integer_column(rect_client: httpx.Client) -> None:
    """ContractPeriod.find_by(year:) casts with String#to_i once the value starts like a number."""
    wanted = ids(fetch(rect_client, "/schools", "filter[cohort]=2024"))
    assert wanted
    for value in ("2024,2025", "2024abc", "%202024", "2024.9"):
        assert ids(fetch(rect_client, "/schools", f"filter[cohort]={value}")) == wanted, value
    for value in ("abc", "x2024", "1999"):
        assert ids(fetch(rect_client, "/schools", f"filter[cohort]={value}")) == [], value


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ("Token {token}", 200),
        ('Bearer token="{token}"', 200),
        ("Bearer {token}, nonce=1", 200),
        ("Bearer\t{token}", 200),
        ("Bearer   {token}  ", 200),
        ("bearer {token}", 401),
        ("BEARER {token}", 401),
        ("Bearer{token}", 401),
    ],
)
def test_authorization_schemes_as_rails_parses_them(
    rect_in_process: InProcessSandbox, header: str, status: int
) -> None:
    with rect_in_process.anonymous() as client:
        response = client.get(
            "/api/v3/statements", headers={"Authorization": header.format(token=rect_in_process.token)}
        )
    assert response.status_code == status
    if status == 401:
        assert response.json() == {"error": "HTTP Token: Access denied"}


# -- sort: any column of the model -----------------------------------------------------------------------------------


def test_sort_takes_any_teacher_column(rect_client: httpx.Client, rect_in_process: InProcessSandbox) -> None:
    default = fetch(rect_client, "/participants", "").json()["data"]
    by_id = [p["id"] for p in fetch(rect_client, "/participants", "sort=-api_id").json()["data"]]
    assert by_id == sorted((p["id"] for p in default), reverse=True)
    names = fetch(rect_client, "/participants", "sort=trs_last_name,trs_first_name").json()["data"]
    keys = [tuple(reversed(p["attributes"]["full_name"].split(" ", 1))) for p in names]
    assert keys == sorted(keys)
    made = [p["id"] for p in fetch(rect_client, "/participants", "sort=id").json()["data"]]
    listed = {p["id"] for p in default}
    assert made == [t for t in rect_in_process.world.teachers if t in listed], "the bigint id: the order made"
    # a column the sandbox does not model is a column still: one long tie, not the default order's fallback
    unmodelled = [p["id"] for p in fetch(rect_client, "/participants", "sort=trs_qts_awarded_on").json()["data"]]
    assert sorted(unmodelled) == sorted(p["id"] for p in default)
    assert unmodelled != [p["id"] for p in default]


def test_sort_takes_any_delivery_partner_and_partnership_column(rect_client: httpx.Client) -> None:
    partners = fetch(rect_client, "/delivery-partners", "sort=-name").json()["data"]
    names = [d["attributes"]["name"] for d in partners]
    assert names == sorted(names, reverse=True) and len(set(names)) > 1
    partnerships = fetch(rect_client, "/partnerships", "sort=api_id").json()["data"]
    assert [p["id"] for p in partnerships] == sorted(p["id"] for p in partnerships)


def test_schools_sort_by_urn_unless_updated_at_names_the_metadata(rect_client: httpx.Client) -> None:
    """A sort string that contains `updated_at` sorts Metadata::SchoolContractPeriod, which has no `urn`."""
    by_urn = fetch(rect_client, "/schools", "filter[cohort]=2024&sort=-urn").json()["data"]
    urns = [int(s["attributes"]["urn"]) for s in by_urn]
    assert urns == sorted(urns, reverse=True)
    by_updated = fetch(rect_client, "/schools", "filter[cohort]=2024&sort=updated_at").json()["data"]
    assert fetch(rect_client, "/schools", "filter[cohort]=2024&sort=-urn,updated_at").json()["data"] == by_updated
    stamps = [s["attributes"]["updated_at"] for s in by_updated]
    assert stamps == sorted(stamps)
