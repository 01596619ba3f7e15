"""rack-attack's throttle as RECT configures it, scaled down to 5 requests per 2-second window (api-facts §2).

The window is fixed and aligned to the Unix epoch (the counter key holds floor(now / window)), keyed by the raw
Authorization header, and the 429 is plain text with no Retry-After. Each test uses its own spelling of the header
(so its own counter) and keeps its burst inside one window.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.sandbox_process import SandboxProcess

LIMIT = 5
WINDOW = 2.0
PATH = "/api/v3/statements"


@pytest.fixture(scope="module")
def limited() -> Iterator[SandboxProcess]:
    extra = ["--rate-limit", str(LIMIT), "--rate-window", str(int(WINDOW))]
    with SandboxProcess(seed=5, participants=5, providers=2, extra=extra) as process:
        yield process


@pytest.fixture(scope="module")
def anonymous(limited: SandboxProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=limited.url, headers={"Accept": "application/json"}, timeout=10) as client:
        yield client


SPELLINGS = itertools.count(1)


def spelled(token: str) -> str:
    """A spelling of `Bearer <token>` no other test uses. The counter key is the raw header value, so each spelling
    is its own bucket for the same provider: tests need not wait for a fresh window to find an unspent one."""
    return "Bearer" + " " * next(SPELLINGS) + token


def client_for(process: SandboxProcess, token: str) -> httpx.Client:
    headers = {"Authorization": spelled(token), "Accept": "application/json"}
    return httpx.Client(base_url=process.url, headers=headers, timeout=10)


def window_with_room(needed: float = 0.6) -> int:
    """The current window if `needed` seconds of it are left, else the start of the next; returns its slot."""
    now = time.time()
    slot = math.floor(now / WINDOW)
    if (slot + 1) * WINDOW - now < needed:
        slot += 1
        time.sleep(slot * WINDOW + 0.02 - now)
    return slot


def sleep_until(offset: float) -> int:
    """Sleep until `offset` seconds into a window (this one if still ahead, else the next); returns its slot."""
    now = time.time()
    slot = math.floor(now / WINDOW)
    if slot * WINDOW + offset <= now + 0.01:
        slot += 1
    time.sleep(slot * WINDOW + offset - now)
    return slot


def in_one_window(slot: int) -> None:
    """The requests of a test must all land in one window; a stalled machine would make the result meaningless."""
    assert math.floor(time.time() / WINDOW) == slot, "the burst overran its window; the machine is too slow"


def burst(client: httpx.Client, count: int) -> list[httpx.Response]:
    return [client.get(PATH) for _ in range(count)]


def assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert response.headers["content-type"] == "text/plain"
    assert response.content == b"Retry later\n"
    assert "retry-after" not in response.headers, "rack-attack's default: no Retry-After"
    assert not [h for h in response.headers if h.lower().startswith(("ratelimit", "x-ratelimit"))]


def test_the_sixth_request_in_a_window_is_429(limited: SandboxProcess) -> None:
    with client_for(limited, limited.token) as client:
        slot = window_with_room()
        responses = burst(client, LIMIT + 2)
        in_one_window(slot)
    assert [r.status_code for r in responses[:LIMIT]] == [200] * LIMIT
    for response in responses[LIMIT:]:
        assert_throttled(response)


def test_the_window_is_aligned_to_the_epoch_not_rolling(limited: SandboxProcess) -> None:
    """Spend the budget late in a window: a request just after the boundary, well under one window length after
    the burst, is served. A rolling window would still refuse it."""
    with client_for(limited, limited.token) as client:
        slot = sleep_until(WINDOW - 0.6)
        started = time.time()
        responses = burst(client, LIMIT + 1)
        in_one_window(slot)
        assert [r.status_code for r in responses] == [200] * LIMIT + [429]
        next_slot = sleep_until(0.05)
        assert next_slot == slot + 1
        after = client.get(PATH)
        assert time.time() - started < WINDOW
    assert after.status_code == 200
    assert after.json()["data"]


def test_spellings_of_one_token_are_separate_keys(limited: SandboxProcess) -> None:
    """rack-attack keys on the raw header value: a second spelling of an exhausted token starts a fresh count."""
    with client_for(limited, limited.token) as one, client_for(limited, limited.token) as two:
        slot = window_with_room()
        exhausted = burst(one, LIMIT + 1)
        fresh = two.get(PATH)
        in_one_window(slot)
    assert exhausted[-1].status_code == 429
    assert fresh.status_code == 200


def test_tokens_are_counted_separately(limited: SandboxProcess) -> None:
    first, second = list(limited.tokens.values())[:2]
    with client_for(limited, first) as one, client_for(limited, second) as two:
        slot = window_with_room()
        exhausted = burst(one, LIMIT + 1)
        fresh = burst(two, LIMIT)
        refused = two.get(PATH)
        in_one_window(slot)
    assert [r.status_code for r in exhausted] == [200] * LIMIT + [429]
    assert [r.status_code for r in fresh] == [200] * LIMIT
    assert_throttled(refused)


def test_requests_without_authorization_are_not_counted(limited: SandboxProcess, anonymous: httpx.Client) -> None:
    with client_for(limited, limited.token) as client:
        slot = window_with_room()
        unauthenticated = [anonymous.get(PATH) for _ in range(3 * LIMIT)]
        counted = burst(client, LIMIT + 1)
        in_one_window(slot)
    assert {r.status_code for r in unauthenticated} == {401}
    assert [r.status_code for r in counted] == [200] * LIMIT + [429]


def test_a_bad_token_is_throttled_under_its_own_key(limited: SandboxProcess, anonymous: httpx.Client) -> None:
    """The key is the raw header, checked before authentication: a wrong token is counted (and refused) too."""
    headers = {"Authorization": spelled("not-a-token")}
    with client_for(limited, limited.token) as client:
        slot = window_with_room()
        responses = [anonymous.get(PATH, headers=headers) for _ in range(LIMIT + 1)]
        fine = client.get(PATH)
    in_one_window(slot)
    assert [r.status_code for r in responses] == [401] * LIMIT + [429]
    assert fine.status_code == 200


def test_only_api_paths_are_throttled(limited: SandboxProcess) -> None:
    with client_for(limited, limited.token) as client:
        slot = window_with_room()
        api = burst(client, LIMIT + 1)
        service = [client.get("/sandbox/truth") for _ in range(2)]
        in_one_window(slot)
    assert api[-1].status_code == 429
    assert [r.status_code for r in service] == [200, 200]
