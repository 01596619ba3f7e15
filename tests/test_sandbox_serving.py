"""Serving lists from rendered bytes (app.py Listing, server.warm): what is served must be exactly what the serializers
say, page windows must be those of the plain definition, and a world change must leave nothing stale behind. The warm
cache is read in process and over loopback (uvicorn in a thread of this process, so the test can see the cache)."""

from __future__ import annotations

import contextlib
import random
import zlib
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import Any

import httpx
import orjson
import pytest

from syncer.sandbox import activity
from syncer.sandbox.app import Listing, lists_served
from syncer.sandbox.endpoints import Endpoint, Scoped, filtered, list_key
from syncer.sandbox.profiles import PROFILES, RECT_V3, Profile
from syncer.sandbox.query import Page, tied_positions, window, window_positions
from syncer.sandbox.server import SandboxOptions, running, warm
from syncer.sandbox.world import World
from tests.sandbox_process import InProcessSandbox

Row = tuple[str, int]


def reference_window(
    rows: Sequence[Row], key: Callable[[Row], Any], ident: Callable[[Row], str], page: Page
) -> list[Row]:
    """window() as first written: every run of equal keys around the page sorted by the hash of id and bound."""
    start, total = page.offset, len(rows)
    if start >= total:
        return []
    end = min(start + page.size, total)
    low, high = start, end
    while low > 0 and key(rows[low - 1]) == key(rows[start]):
        low -= 1
    while high < total and key(rows[high]) == key(rows[end - 1]):
        high += 1
    bound = str(start + page.size).encode()
    chunk: list[Row] = []
    run: list[Row] = []
    for row in rows[low:high]:
        if run and key(row) != key(run[0]):
            chunk.extend(sorted(run, key=lambda r: zlib.crc32(ident(r).encode() + bound)))
            run = []
        run.append(row)
    chunk.extend(sorted(run, key=lambda r: zlib.crc32(ident(r).encode() + bound)))
    return chunk[start - low : end - low]


def test_window_matches_its_definition() -> None:
    rng = random.Random(3)
    for _ in range(60):
        count = rng.randrange(0, 150)
        spread = max(1, count // rng.choice((1, 2, 3, 8, 40)))  # from all distinct keys to a few long tie runs
        rows = [(f"row-{rng.getrandbits(32):08x}", k) for k in sorted(rng.randrange(spread) for _ in range(count))]
        tied = tied_positions([k for _, k in rows])
        for size in (1, 2, 3, 7, 16, 100, 3000):
            for number in range(1, count // size + 3):
                page = Page(number, size)
                expected = reference_window(rows, itemgetter(1), itemgetter(0), page)
                assert window(rows, itemgetter(1), itemgetter(0), page) == expected, (count, spread, size, number)
                positions = window_positions(rows, itemgetter(1), itemgetter(0), page, tied)
                assert [rows[p] for p in positions] == expected, (count, spread, size, number)


@pytest.fixture(scope="module")
def world() -> World:
    """Four months of activity: withdrawals, deferrals, transfers, merges (id changes) and clawbacks to render."""
    world = World(seed=4, participants=150, providers=3)
    activity.advance(world, 120)
    assert any(t.id_changes for t in world.teachers.values()) and world.transfers
    assert any(p.withdrawal for p in world.periods.values()) and any(p.deferral for p in world.periods.values())
    return world


def lists(world: World, profile: Profile) -> Iterator[tuple[Endpoint, Scoped, list[Any]]]:
    for provider_id in world.providers:
        for endpoint in profile.endpoints:
            for cohort in sorted(world.school_cohorts()) if endpoint.cohort_required else [None]:
                query = Scoped(world, provider_id, {}, cohort)
                yield endpoint, query, filtered(endpoint, query)


@pytest.mark.parametrize("api", sorted(PROFILES))
def test_served_bytes_are_the_serialized_items(world: World, api: str) -> None:
    """The fast (native) serializers and the cache give byte for byte orjson.dumps of the serializer's item."""
    rendered = 0
    for endpoint, query, rows in lists(world, PROFILES[api]):
        built = Listing(endpoint, query, rows, endpoint.order)
        built.render(built.unrendered())
        assert built.items == [orjson.dumps(endpoint.serialize(query, r)) for r in rows]
        rendered += len(rows)
    assert rendered > 3000


def cached_items(world: World) -> int:
    return sum(len(items) for items in world.item_cache.values())


def unprimed(world: World, profile: Profile = RECT_V3) -> list[tuple[str, str, int | None]]:
    """The lists served whose scoped rows and updated_at stamps the next updated_since request would work out."""
    return [
        (endpoint.name, query.provider_id, query.cohort)
        for endpoint, query in lists_served(world, profile)
        if endpoint.updated_at is not None and ("since_stamps", *list_key(endpoint, query, ())) not in world._cache
    ]


def served(client: httpx.Client, token: str) -> dict[str, list[Any]]:
    """Every list as one page of 3000 (the world is small enough), items ordered by id: ties make the order differ."""
    found: dict[str, list[Any]] = {}
    for endpoint in RECT_V3.endpoints:
        cohorts = ["2021", "2023", "2026"] if endpoint.cohort_required else [None]
        items: list[Any] = []
        for cohort in cohorts:
            params = {"page[per_page]": "3000", **({"filter[cohort]": cohort} if cohort else {})}
            response = client.get(
                f"/api/v3{endpoint.path}", params=params, headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 200, response.text
            items.extend(response.json()["data"])
        found[endpoint.name] = sorted(items, key=lambda item: (item["id"], orjson.dumps(item)))
    return found


def truth(client: httpx.Client, token: str) -> dict[str, list[Any]]:
    body = client.get("/sandbox/truth", headers={"Authorization": f"Bearer {token}"}).json()
    wanted = {"2021", "2023", "2026"}
    body["schools"] = [s for s in body["schools"] if s["attributes"]["cohort"] in wanted]
    return {name: sorted(items, key=lambda item: (item["id"], orjson.dumps(item))) for name, items in body.items()
            if name != "_meta"}  # fmt: skip


@contextlib.contextmanager
def serving(world: World, tier: str) -> Iterator[httpx.Client]:
    """A client of `world` served in this process, or by uvicorn on a loopback socket."""
    if tier == "in-process":
        with InProcessSandbox(world).connect({}) as client:
            yield client
        return
    with running(world, SandboxOptions(rate_limit=100_000)) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client


def test_warmed_lists_are_served_without_rendering_and_never_stale(tier: str) -> None:
    world = World(seed=6, participants=80, providers=2)
    rendered = warm(world)
    assert rendered == cached_items(world) > 1000
    tokens = [p.token for p in world.providers.values()]
    with serving(world, tier) as client:
        for token in tokens:
            assert served(client, token) == truth(client, token)
        assert cached_items(world) == rendered, "every item served was rendered at start-up"

        response = client.post("/sandbox/tick", json={"days": 30})
        assert response.status_code == 200 and sum(response.json()["activity"].values()) > 0, response.text
        assert cached_items(world) == 0, "a change drops every rendered item"
        assert unprimed(world) == [], "the tick works out each list's rows and stamps before it answers"
        for token in tokens:
            assert served(client, token) == truth(client, token)


@pytest.mark.parametrize("api", sorted(PROFILES))
def test_a_tick_primes_every_list_of_each_api(api: str) -> None:
    world = World(seed=6, participants=30, providers=2)
    sandbox = InProcessSandbox(world, api=api)
    with sandbox.connect({}) as client:
        assert client.post("/sandbox/tick", json={"days": 3}).status_code == 200
    primed = [e for e, _ in lists_served(world, PROFILES[api]) if e.updated_at is not None]
    assert primed and unprimed(world, PROFILES[api]) == []
