"""The client's rate budgets: one per token and one per host, shared by the sources of one process (RECT counts
every request from one address on top of each token's count; api-facts §2).

In process, the sandbox's limiter and the clients run on one fake clock that the clients' sleep moves, so where a
request lands in its window is set by the test; one slow test proves it over loopback with `syncer sync`'s own
run_sync against `syncer sandbox`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp

import syncer.sync
from syncer.client import ApiClient, RateBudgets, origin
from syncer.config import SourceConfig, load_settings
from syncer.errors import TransientApiError
from syncer.sandbox.app import create_app
from syncer.sandbox.inprocess import InProcessTransport
from syncer.sandbox.world import World
from syncer.sync import run_sync
from tests.sandbox_process import SandboxProcess

TOKEN_LIMIT = 5  # the client keeps 4 of them (its 2% headroom, rounded down)
ADDRESS_LIMIT = 7  # the client keeps 6
WINDOW = 2.0
PATH = "/statements"


class FakeTime:
    """One clock for the sandbox's limiter and the clients; the clients' sleep moves it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0  # the start of a window
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture(scope="module")
def world() -> World:
    return World(seed=5, participants=5, providers=2)


def sandbox(world: World, time: FakeTime) -> ASGIApp:
    """The world served with RECT's two rules, scaled down."""
    return create_app(world, TOKEN_LIMIT, int(WINDOW), clock=time, ip_rate_limit=ADDRESS_LIMIT)


def clients(world: World, budgets: list[RateBudgets], time: FakeTime, app: ASGIApp | None = None) -> list[ApiClient]:
    """One client per provider token, the i-th with budgets[i], against one sandbox (a new one unless given)."""
    app = app or sandbox(world, time)
    made = []
    for provider, shared in zip(world.providers.values(), budgets, strict=False):
        made.append(
            ApiClient(
                "http://sandbox/api/v3",
                provider.token,
                rate_limit=TOKEN_LIMIT,
                rate_window=WINDOW,
                host_rate_limit=ADDRESS_LIMIT,
                budgets=shared,
                transport=InProcessTransport(app),
                clock=time,
                sleep=time.sleep,
                max_retries=3,
            )
        )
    return made


def sync_both(made: list[ApiClient], each: int) -> None:
    """As run_sync does: one source after the other."""
    for client in made:
        for _ in range(each):
            client.get(PATH)


def test_two_sources_on_one_host_share_its_budget_and_never_see_a_429(world: World) -> None:
    time = FakeTime()
    budgets = RateBudgets()
    made = clients(world, [budgets, budgets], time)
    sync_both(made, 4)  # each within its token's 4, the two over the host's 6
    assert [c.stats.throttled for c in made] == [0, 0]
    assert [c.stats.requests for c in made] == [4, 4]  # no request was sent twice
    # the second source waited once, after its second request, for the host's window to turn
    assert made[0].stats.waited_seconds == 0 and made[1].stats.waited_seconds > 0
    assert len(time.slept) == 1


def test_separate_budgets_meet_the_servers_per_address_limit(world: World) -> None:
    """What each source budgeting on its own (the old client) meets: the sandbox refuses the host's eighth request
    in a window, and the client pays for it with a 429 and a wait."""
    time = FakeTime()
    made = clients(world, [RateBudgets(), RateBudgets()], time)
    sync_both(made, 4)
    assert made[0].stats.throttled == 0
    assert made[1].stats.throttled == 1


def test_a_429_exhausts_the_host_budget_of_every_source(world: World) -> None:
    """The 429 does not say which count refused: the host's other sources wait for the window too, rather than
    meet a 429 of their own."""
    time = FakeTime()
    budgets = RateBudgets()
    app = sandbox(world, time)
    one, two = clients(world, [budgets, budgets], time, app)
    one.max_retries = 0
    with httpx.Client(base_url="http://sandbox", transport=InProcessTransport(app)) as outsider:  # unseen by budgets
        for _ in range(ADDRESS_LIMIT - 1):
            outsider.get("/api/v3/no-such-list")
    one.get(PATH)  # the address's 7th request in the window: served
    with pytest.raises(TransientApiError, match="429"):
        one.get(PATH)  # its 8th
    two.get(PATH)
    assert two.stats.throttled == 0 and two.stats.waited_seconds > 0


def test_a_token_shared_by_two_sources_shares_its_budget(world: World) -> None:
    time = FakeTime()
    budgets = RateBudgets()
    app = sandbox(world, time)
    first = clients(world, [budgets], time, app)[0]
    again = clients(world, [budgets], time, app)[0]  # the first provider's token once more, another client
    for _ in range(3):
        first.get(PATH)
        again.get(PATH)
    assert first.stats.throttled == again.stats.throttled == 0
    assert len(time.slept) == 1  # the token's 4 per window were spent between them: its 5th request waited


def test_budgets_are_kept_per_host() -> None:
    assert origin("https://api.example.org/api/v3") == "https://api.example.org:443"
    assert origin("http://127.0.0.1:8765/api/v3") == "http://127.0.0.1:8765"
    budgets = RateBudgets()
    one = budgets.budget(("host", origin("http://127.0.0.1:1/x")), 10, 300.0)
    two = budgets.budget(("host", origin("http://127.0.0.1:2/y")), 10, 300.0)
    same = budgets.budget(("host", origin("http://127.0.0.1:1/z")), 8, 300.0)
    assert one is same and one is not two
    assert one.limit == 8  # the tighter of two sources' limits holds


def test_the_host_limit_follows_rect_and_is_absent_for_ecf1() -> None:
    base = {"name": "s", "base_url": "https://h.example/api/v3", "token": "t"}
    assert SourceConfig(**base).host_rate_limit == 1500
    assert SourceConfig(**base, rate_limit=100).host_rate_limit == 150
    assert SourceConfig(**base, ip_rate_limit=900).host_rate_limit == 900
    assert SourceConfig(**base, api="ecf-v3").host_rate_limit is None


@pytest.mark.slow
def test_two_sources_syncing_from_one_host_never_get_a_429_over_loopback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`syncer sync`'s run_sync with two providers' sources on one `syncer sandbox` whose per-address limit is far
    below what the two full syncs need within one window: the sources wait for windows, and none sees a 429."""
    made: list[ApiClient] = []
    make = syncer.sync.client_for

    def recording(source: SourceConfig, **options: Any) -> ApiClient:
        client = make(source, **options)
        made.append(client)
        return client

    monkeypatch.setattr(syncer.sync, "client_for", recording)
    limits = ["--rate-limit", "1000", "--ip-rate-limit", "12", "--rate-window", "2"]
    with SandboxProcess(seed=5, participants=10, providers=2, extra=limits) as process:
        common = {"base_url": f"{process.url}/api/v3", "rate_window": "2s", "ip_rate_limit": 12}
        sources = [{"name": f"lp{i}", "token": token, **common} for i, token in enumerate(process.tokens.values())]
        settings = load_settings(warehouse={"path": str(tmp_path / "w.duckdb")}, sources=sources)
        result = run_sync(settings)
    assert result.ok
    assert len(made) == 2
    assert sum(c.stats.requests for c in made) > 2 * 12  # more than two windows' worth: the budget was needed
    assert [c.stats.throttled for c in made] == [0, 0]
    assert [c.stats.faults for c in made] == [{}, {}]
