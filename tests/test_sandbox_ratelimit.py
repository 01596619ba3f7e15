"""rack-attack's throttles as RECT configures them, scaled down to 5 requests per token and 7 per address in each
2-second window (1000 and 1500 per 5 minutes; api-facts §2).

The window is fixed and aligned to the Unix epoch (the counter key holds floor(now / window)); the token rule is
keyed by the raw Authorization header, the catch-all by the client address; the 429 is plain text with no
Retry-After. The sandbox app runs in this process with a
fake clock, so where a request lands in its window is set by the test, not by how fast the machine is; one test
checks the same over loopback against `syncer sandbox`.
"""

from __future__ import annotations

import itertools
import math
import time

import httpx
import pytest
from starlette.types import ASGIApp

from syncer.sandbox.app import create_app
from syncer.sandbox.inprocess import InProcessTransport
from syncer.sandbox.throttle import DEFAULT_RATE_LIMIT, address_limit
from syncer.sandbox.world import World
from tests.sandbox_process import SandboxProcess

LIMIT = 5
ADDRESS_LIMIT = 7
WINDOW = 2
PATH = "/api/v3/statements"


class FakeClock:
    """The limiter's wall clock: it stands still until a test moves it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0  # the start of a window (a multiple of WINDOW)

    def __call__(self) -> float:
        return self.now

    def to(self, offset: float, windows_on: int = 0) -> None:
        """`offset` seconds into the window `windows_on` windows after the current one."""
        self.now = (math.floor(self.now / WINDOW) + windows_on) * WINDOW + offset


@pytest.fixture(scope="module")
def world() -> World:
    return World(seed=5, participants=5, providers=2)


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def app(world: World, clock: FakeClock) -> ASGIApp:
    """The token rule alone: its per-address limit is out of reach."""
    return create_app(world, LIMIT, WINDOW, clock=clock, ip_rate_limit=10**6)


@pytest.fixture
def both_rules(world: World, clock: FakeClock) -> ASGIApp:
    """RECT's two rules, each test with its own counts."""
    return create_app(world, LIMIT, WINDOW, clock=clock, ip_rate_limit=ADDRESS_LIMIT)


@pytest.fixture(autouse=True)
def fresh_window(clock: FakeClock) -> None:
    """Each test starts at the beginning of a window no earlier test touched."""
    clock.to(0.0, windows_on=1)


SPELLINGS = itertools.count(1)


def spelled(token: str) -> str:
    """A spelling of `Bearer <token>` no other test uses (the counter key is the raw header value)."""
    return "Bearer" + " " * next(SPELLINGS) + token


def client(app: ASGIApp, token: str | None, address: str = "127.0.0.1") -> httpx.Client:
    """A client of the app in this process from `address` (closing it closes its transport)."""
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = spelled(token)
    transport = InProcessTransport(app, client=(address, 40000))
    return httpx.Client(base_url="http://sandbox", headers=headers, transport=transport)


def tokens(world: World) -> list[str]:
    return [p.token for p in world.providers.values()]


def burst(http: httpx.Client, count: int) -> list[httpx.Response]:
    return [http.get(PATH) for _ in range(count)]


def assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert response.headers["content-type"] == "text/plain"
    assert response.content == b"Retry later\n"
    assert "retry-after" not in response.headers, "rack-attack's default: no Retry-After"
    assert not [h for h in response.headers if h.lower().startswith(("ratelimit", "x-ratelimit"))]


def test_the_sixth_request_in_a_window_is_429(world: World, app: ASGIApp, clock: FakeClock) -> None:
    with client(app, tokens(world)[0]) as http:
        clock.to(WINDOW - 0.01)  # anywhere in the window: its last moment still counts towards it
        responses = burst(http, LIMIT + 2)
    assert [r.status_code for r in responses[:LIMIT]] == [200] * LIMIT
    for response in responses[LIMIT:]:
        assert_throttled(response)


def test_the_window_is_aligned_to_the_epoch_not_rolling(world: World, app: ASGIApp, clock: FakeClock) -> None:
    """Spend the budget late in a window: a request just after the boundary, well under one window length after
    the burst, is served. A rolling window would still refuse it."""
    with client(app, tokens(world)[0]) as http:
        clock.to(WINDOW - 0.6)
        responses = burst(http, LIMIT + 1)
        assert [r.status_code for r in responses] == [200] * LIMIT + [429]
        clock.to(0.05, windows_on=1)
        after = http.get(PATH)
    assert after.status_code == 200
    assert after.json()["data"]


def test_the_budget_comes_back_in_the_next_window_only(world: World, app: ASGIApp, clock: FakeClock) -> None:
    with client(app, tokens(world)[0]) as http:
        spent = burst(http, LIMIT)
        clock.to(WINDOW - 0.001)
        still_refused = http.get(PATH)
        clock.to(0.0, windows_on=1)
        again = burst(http, LIMIT + 1)
    assert [r.status_code for r in spent] == [200] * LIMIT
    assert_throttled(still_refused)
    assert [r.status_code for r in again] == [200] * LIMIT + [429]


def test_spellings_of_one_token_are_separate_keys(world: World, app: ASGIApp) -> None:
    """rack-attack keys on the raw header value: a second spelling of an exhausted token starts a fresh count."""
    with client(app, tokens(world)[0]) as one, client(app, tokens(world)[0]) as two:
        exhausted = burst(one, LIMIT + 1)
        fresh = two.get(PATH)
    assert exhausted[-1].status_code == 429
    assert fresh.status_code == 200


def test_tokens_are_counted_separately(world: World, app: ASGIApp) -> None:
    first, second = tokens(world)[:2]
    with client(app, first) as one, client(app, second) as two:
        exhausted = burst(one, LIMIT + 1)
        fresh = burst(two, LIMIT)
        refused = two.get(PATH)
    assert [r.status_code for r in exhausted] == [200] * LIMIT + [429]
    assert [r.status_code for r in fresh] == [200] * LIMIT
    assert_throttled(refused)


def test_requests_without_authorization_are_not_counted(world: World, app: ASGIApp) -> None:
    with client(app, None) as anonymous, client(app, tokens(world)[0]) as http:
        unauthenticated = [anonymous.get(PATH) for _ in range(3 * LIMIT)]
        counted = burst(http, LIMIT + 1)
    assert {r.status_code for r in unauthenticated} == {401}
    assert [r.status_code for r in counted] == [200] * LIMIT + [429]


def test_a_bad_token_is_throttled_under_its_own_key(world: World, app: ASGIApp) -> None:
    """The key is the raw header, checked before authentication: a wrong token is counted (and refused) too."""
    with client(app, "not-a-token") as bad, client(app, tokens(world)[0]) as http:
        responses = burst(bad, LIMIT + 1)
        fine = http.get(PATH)
    assert [r.status_code for r in responses] == [401] * LIMIT + [429]
    assert fine.status_code == 200


def test_only_api_paths_are_throttled(world: World, app: ASGIApp) -> None:
    with client(app, tokens(world)[0]) as http:
        api = burst(http, LIMIT + 1)
        service = [http.get("/sandbox/truth") for _ in range(2)]
    assert api[-1].status_code == 429
    assert [r.status_code for r in service] == [200, 200]


def test_one_address_is_limited_across_tokens(world: World, both_rules: ASGIApp) -> None:
    """Two tokens, each well under its own limit, from one address: the eighth request in the window is refused."""
    first, second = tokens(world)[:2]
    with client(both_rules, first) as one, client(both_rules, second) as two:
        responses = burst(one, 4) + burst(two, 3)
        refused = [one.get(PATH), two.get(PATH)]
    assert [r.status_code for r in responses] == [200] * ADDRESS_LIMIT
    for response in refused:
        assert_throttled(response)


def test_the_address_budget_comes_back_in_the_next_window(world: World, both_rules: ASGIApp, clock: FakeClock) -> None:
    first, second = tokens(world)[:2]
    with client(both_rules, first) as one, client(both_rules, second) as two:
        spent = burst(one, 4) + burst(two, 4)
        clock.to(0.0, windows_on=1)
        again = burst(two, 1)
    assert [r.status_code for r in spent] == [200] * ADDRESS_LIMIT + [429]
    assert [r.status_code for r in again] == [200]


def test_addresses_are_counted_apart(world: World, both_rules: ASGIApp) -> None:
    first, second = tokens(world)[:2]
    with client(both_rules, first, "10.0.0.1") as one, client(both_rules, second, "10.0.0.2") as two:
        responses = burst(one, LIMIT) + burst(two, LIMIT)
    assert [r.status_code for r in responses] == [200] * (2 * LIMIT)


def test_a_request_the_token_rule_refuses_is_not_counted_per_address(world: World, both_rules: ASGIApp) -> None:
    """rack-attack stops at the first throttle that refuses: the token rule's 429s leave the address count alone."""
    first, second = tokens(world)[:2]
    with client(both_rules, first) as one, client(both_rules, second) as two:
        refused_by_token = burst(one, LIMIT + 3)
        served = burst(two, ADDRESS_LIMIT - LIMIT)
        refused = two.get(PATH)
    assert [r.status_code for r in refused_by_token] == [200] * LIMIT + [429] * 3
    assert [r.status_code for r in served] == [200] * (ADDRESS_LIMIT - LIMIT)
    assert_throttled(refused)


def test_requests_without_a_token_count_per_address(world: World, both_rules: ASGIApp) -> None:
    """The catch-all counts every request, a 401 or an unknown path as well as a served one."""
    with client(both_rules, None) as anonymous, client(both_rules, tokens(world)[0]) as http:
        unauthenticated = [anonymous.get(PATH) for _ in range(4)] + [anonymous.get("/no-such-page")]
        served = burst(http, 2)
        refused = http.get(PATH)
    assert [r.status_code for r in unauthenticated] == [401] * 4 + [404]
    assert [r.status_code for r in served] == [200, 200]
    assert_throttled(refused)


def test_the_sandbox_side_is_not_counted_per_address(world: World, both_rules: ASGIApp) -> None:
    with client(both_rules, tokens(world)[0]) as http:
        service = [http.get("/sandbox/truth") for _ in range(ADDRESS_LIMIT + 1)]
        api = burst(http, LIMIT)
    assert {r.status_code for r in service} == {200}
    assert [r.status_code for r in api] == [200] * LIMIT


def test_ecf1_has_no_per_address_rule_on_the_api(world: World, clock: FakeClock) -> None:
    """ECF1 counts /api per token only (its per-address rule skips /api)."""
    ecf = create_app(world, LIMIT, WINDOW, api_profile="ecf-v3", clock=clock, ip_rate_limit=ADDRESS_LIMIT)
    first, second = tokens(world)[:2]
    with client(ecf, first) as one, client(ecf, second) as two:
        responses = [one.get("/api/v3/statements") for _ in range(LIMIT)]
        responses += [two.get("/api/v3/statements") for _ in range(LIMIT)]
    assert [r.status_code for r in responses] == [200] * (2 * LIMIT)


def test_the_per_address_limit_defaults_to_rects_ratio() -> None:
    assert address_limit(DEFAULT_RATE_LIMIT, None) == 1500
    assert address_limit(4, None) == 6
    assert address_limit(4, 100) == 100


@pytest.mark.slow
def test_the_sixth_request_in_a_window_is_429_over_loopback() -> None:
    """The same rule served by `syncer sandbox` with the real clock. The window is an hour long: a burst that
    straddles a boundary (its slot changed) is sent again in the new, unspent window."""
    extra = ["--rate-limit", str(LIMIT), "--rate-window", "3600"]
    with SandboxProcess(seed=5, participants=5, providers=2, extra=extra) as process:
        headers = {"Authorization": f"Bearer {process.token}", "Accept": "application/json"}
        with httpx.Client(base_url=process.url, headers=headers, timeout=30) as http:
            for _ in range(2):
                slot = math.floor(time.time() / 3600)
                responses = burst(http, LIMIT + 2)
                if math.floor(time.time() / 3600) == slot:
                    break
    assert [r.status_code for r in responses[:LIMIT]] == [200] * LIMIT
    for response in responses[LIMIT:]:
        assert_throttled(response)
