"""Countless LIMIT/OFFSET pagination with no tiebreaker, as RECT serves it (api-facts §1.1, §9 traps 1, 3, 4).

In process (walking every page size takes hundreds of requests); paging to the end is also done over loopback."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from syncer.sandbox.world import World
from tests.sandbox_process import InProcessSandbox, Sandbox

JSON = "application/json; charset=utf-8"
PAGE_DETAIL = "The '#/page[page]' and '#/page[per_page]' parameter values must be a valid positive number"
BAD_PAGE = {"errors": [{"title": "Bad request", "detail": PAGE_DETAIL}]}
Item = dict[str, Any]
Params = dict[str, str]

# (path, fixed params, the attribute the default ORDER BY uses)
ORDERED: tuple[tuple[str, Params, str], ...] = (
    ("/participant-declarations", {}, "created_at"),
    ("/statements", {}, "payment_date"),
    ("/partnerships", {}, "created_at"),
    ("/delivery-partners", {}, "created_at"),
    ("/schools", {"filter[cohort]": "2023"}, "created_at"),
    ("/unfunded-mentors", {}, "created_at"),
)
# lists whose default order has ties: schools are created in bulk, statements of four cohorts share the 25th,
# and the generator puts a share of each week's rows on the same bulk seconds
TIED: tuple[tuple[str, Params, str], ...] = (
    ("/schools", {"filter[cohort]": "2024"}, "created_at"),
    ("/statements", {}, "payment_date"),
    ("/participant-declarations", {}, "created_at"),
)


def get_page(
    client: httpx.Client, path: str, params: Params, page: int | None = None, size: int | None = None
) -> list[Item]:
    query = dict(params)
    if page is not None:
        query["page[page]"] = str(page)
    if size is not None:
        query["page[per_page]"] = str(size)
    response = client.get(f"/api/v3{path}", params=query)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == JSON
    body = response.json()
    assert set(body) == {"data"}
    data: list[Item] = body["data"]
    return data


def ids(items: list[Item]) -> list[str]:
    return [item["id"] for item in items]


def walk(client: httpx.Client, path: str, params: Params, size: int) -> list[list[str]]:
    """Every page of `size` until a short one, the way a client must stop (no total, no links)."""
    pages: list[list[str]] = []
    while True:
        found = ids(get_page(client, path, params, len(pages) + 1, size))
        pages.append(found)
        if len(found) < size:
            return pages


@pytest.fixture(scope="module")
def big_sandbox() -> InProcessSandbox:
    """One provider with more than 3000 declarations, to see the per_page cap."""
    return InProcessSandbox(World(seed=3, participants=800, providers=1))


def test_default_page_is_page_one_of_100(rect_client: httpx.Client) -> None:
    everything = get_page(rect_client, "/participant-declarations", {}, size=3000)
    assert len(everything) > 100
    default = get_page(rect_client, "/participant-declarations", {})
    assert len(default) == 100
    assert default == get_page(rect_client, "/participant-declarations", {}, page=1, size=100)
    assert default == get_page(rect_client, "/participant-declarations", {}, page=1)
    assert get_page(rect_client, "/participant-declarations", {}, page=2) == get_page(
        rect_client, "/participant-declarations", {}, 2, 100
    )


def test_pages_fill_up_then_run_empty(rect_both_tiers: Sandbox) -> None:
    with rect_both_tiers.client() as client:
        total = len(get_page(client, "/participant-declarations", {}, size=3000))
        size = 40
        pages = walk(client, "/participant-declarations", {}, size)
        assert [len(p) for p in pages[:-1]] == [size] * (len(pages) - 1)
        assert len(pages[-1]) == total % size
        assert sum(len(p) for p in pages) == total
        for past in (len(pages) + 1, len(pages) + 5, 10_000):
            params = {"page[page]": past, "page[per_page]": size}
            response = client.get("/api/v3/participant-declarations", params=params)
            assert response.status_code == 200
            assert response.json() == {"data": []}, "past the end is an empty page, not an error"


def test_the_same_page_query_answers_the_same_rows(rect_client: httpx.Client) -> None:
    first = get_page(rect_client, "/schools", {"filter[cohort]": "2024"}, 2, 7)
    assert first == get_page(rect_client, "/schools", {"filter[cohort]": "2024"}, 2, 7)


def test_per_page_above_3000_is_cut_to_3000(big_sandbox: InProcessSandbox) -> None:
    total = len(big_sandbox.truth()["participant-declarations"])
    assert total > 3000
    with big_sandbox.client() as client:
        path = "/participant-declarations"
        assert len(get_page(client, path, {}, size=3000)) == 3000
        cut = get_page(client, path, {}, size=3001)
        assert len(cut) == 3000
        assert len(get_page(client, path, {}, size=1_000_000)) == 3000
        # the offset uses the cut size too: page 2 of "5000" starts at row 3001
        second = get_page(client, path, {}, page=2, size=5000)
        assert len(second) == total - 3000
        assert second == get_page(client, path, {}, page=2, size=3000)
        assert get_page(client, path, {}, page=3, size=5000) == []
        assert len(set(ids(cut)) | set(ids(second))) == total


@pytest.mark.parametrize("key", ["page", "per_page"])
@pytest.mark.parametrize("value", ["0", "-1", "abc", "0.8", "", "-0", " ", "-5abc"])
def test_bad_page_values_are_400(rect_client: httpx.Client, key: str, value: str) -> None:
    for path in ("/participants", "/participant-declarations", "/statements"):
        response = rect_client.get(f"/api/v3{path}", params={f"page[{key}]": value})
        assert response.status_code == 400, (path, key, value)
        assert response.headers["content-type"] == JSON
        assert response.json() == BAD_PAGE


@pytest.mark.parametrize(("value", "rows"), [("1.0", 1), ("3abc", 3), (" 2", 2), ("+4", 4)])
def test_page_values_read_like_ruby_to_i(rect_client: httpx.Client, value: str, rows: int) -> None:
    """RECT reads both values with Ruby's String#to_i, so leading digits are enough (R paginatable.rb)."""
    assert len(get_page(rect_client, "/participant-declarations", {"page[per_page]": value})) == rows
    assert get_page(rect_client, "/participant-declarations", {"page[page]": value, "page[per_page]": "5"}) == get_page(
        rect_client, "/participant-declarations", {}, rows, 5
    )


@pytest.mark.parametrize(("query", "status"), [("page=2", 500), ("page=1", 500), ("page=&page[per_page]=5", 400)])
def test_a_bare_page_parameter_is_refused(rect_client: httpx.Client, query: str, status: int) -> None:
    """`page` must be nested (api-facts §1.1): a bare `?page=2` is RECT's 500 (Paginatable digs into a String), and
    one beside a nested `page[...]` a 400 (Rack refuses the clash while parsing the query)."""
    response = rect_client.get(f"/api/v3/participants?{query}")
    assert response.status_code == status
    assert response.json() == (BAD_PAGE if status == 400 else {"error": "Internal server error"})


@pytest.mark.parametrize(("path", "params", "key"), ORDERED, ids=[o[0] for o in ORDERED])
def test_default_order_is_ascending_on_one_column(
    rect_client: httpx.Client, path: str, params: Params, key: str
) -> None:
    items = get_page(rect_client, path, params, size=3000)
    assert len(items) > 1
    values = [item["attributes"][key] for item in items]
    assert values == sorted(values)
    if path == "/statements":
        created = [item["attributes"]["created_at"] for item in items]
        assert created != sorted(created), "statements are ordered by payment_date, not created_at"


@pytest.mark.parametrize(("path", "params", "key"), TIED, ids=[t[0] for t in TIED])
def test_no_tiebreaker_pages_disagree_at_boundaries(
    rect_client: httpx.Client, path: str, params: Params, key: str
) -> None:
    everything = get_page(rect_client, path, params, size=3000)
    full = ids(everything)
    assert len(full) == len(set(full)), "one page big enough returns every row exactly once"
    value_of = {item["id"]: item["attributes"][key] for item in everything}
    ties = Counter(value_of.values())
    assert max(ties.values()) > 1, f"many rows share one {key} value"

    broken: dict[int, list[list[str]]] = {}
    for size in range(2, min(len(full), 25)):
        pages = walk(rect_client, path, params, size)
        for page in pages:  # inside a page the rows always respect the ORDER BY
            assert [value_of[row] for row in page] == sorted(value_of[row] for row in page)
        if Counter(row for page in pages for row in page) != Counter(full):
            broken[size] = pages
            break
    assert broken, "tied rows straddling page boundaries should come back twice or not at all"

    size, pages = next(iter(broken.items()))
    seen = Counter(row for page in pages for row in page)
    assert {row for row, count in seen.items() if count > 1} or set(full) - set(seen), "duplicates or gaps"
    # a boundary where the row sets of two page sizes disagree: k pages of `size` against one page of 3000
    boundary = next(
        (k for k in range(1, len(pages)) if {row for page in pages[:k] for row in page} != set(full[: k * size])),
        None,
    )
    assert boundary is not None, f"per_page={size}: the first k pages hold other rows than the first k*{size}"


def test_tie_order_depends_on_the_page_query(rect_client: httpx.Client) -> None:
    """Postgres' bounded top-N sort: within a tie group, the order changes with LIMIT/OFFSET."""
    params = {"filter[cohort]": "2024"}
    everything = get_page(rect_client, "/schools", params, size=3000)
    groups = Counter(item["attributes"]["created_at"] for item in everything)
    big = max(groups, key=lambda value: groups[value])
    assert groups[big] >= 4
    orders = set()
    for size in (5, 7, 11, 3000):
        rows = [row for page in walk(rect_client, "/schools", params, size) for row in page]
        tied = [row for row in rows if row in {i["id"] for i in everything if i["attributes"]["created_at"] == big}]
        orders.add(tuple(tied))
    assert len(orders) > 1
