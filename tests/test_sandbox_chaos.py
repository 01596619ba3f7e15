"""--chaos flaky|hostile: the faults a sync client meets, injected deterministically per request number.

Outcomes are observed over real HTTP, one sequential client per server: a 5xx, a plain-text 429, a body cut short
(valid HTTP, broken JSON), a connection reset mid-body, or a response slower than a second. The same seed must give
the same sequence, /sandbox/chaos must count exactly what was seen, and --chaos none must inject nothing.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from syncer.sandbox.server import bind
from tests.sandbox_process import SandboxProcess

REQUESTS = 150
SLOW = 1.5  # --chaos-slow
PATHS = (
    "/api/v3/participants",
    "/api/v3/participant-declarations?page[per_page]=50",
    "/api/v3/statements",
    "/api/v3/schools?filter[cohort]=2024",
    "/api/v3/partnerships?page[page]=2&page[per_page]=5",
)
# fault kind in /sandbox/chaos -> what a client sees
SEEN_AS = {"server_error": "5xx", "throttled": "429", "truncated": "truncated", "reset": "reset"}
Outcome = tuple[str, bool]  # (kind, slower than a second)


def observe(client: httpx.Client, path: str) -> Outcome:
    """A 'slow' fault sleeps SLOW seconds before answering, so a response that took that long was slowed: the
    injected sleep is a lower bound, whatever the machine's speed."""
    started = time.perf_counter()
    try:
        response = client.get(path)
    except (httpx.RemoteProtocolError, httpx.ReadError):
        return "reset", time.perf_counter() - started >= SLOW
    slow = time.perf_counter() - started >= SLOW
    if response.status_code >= 500:
        assert response.json() == {"error": "Internal server error"}
        return "5xx", slow
    if response.status_code == 429:
        assert response.headers["content-type"] == "text/plain"
        assert response.content == b"Retry later\n"
        assert "retry-after" not in response.headers
        return "429", slow
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    try:
        body = json.loads(response.content)
    except json.JSONDecodeError:
        assert len(response.content) == int(response.headers["content-length"]), "a complete, valid HTTP message"
        return "truncated", slow
    assert set(body) == {"data"}
    return "ok", slow


def run(process: SandboxProcess, count: int = REQUESTS) -> list[Outcome]:
    with process.client() as client:
        return [observe(client, path) for path in itertools.islice(itertools.cycle(PATHS), count)]


def report(process: SandboxProcess) -> dict[str, Any]:
    response = httpx.get(f"{process.url}/sandbox/chaos", timeout=30)
    assert response.status_code == 200
    found: dict[str, Any] = response.json()
    return found


def chaotic(profile: str, seed: int) -> SandboxProcess:
    return SandboxProcess(seed=seed, participants=20, chaos=profile, extra=["--chaos-slow", str(SLOW)])


def assert_report_matches(process: SandboxProcess, outcomes: list[Outcome]) -> None:
    counted = report(process)
    assert counted["requests"] == len(outcomes)
    kinds = Counter(kind for kind, _ in outcomes)
    for fault, kind in SEEN_AS.items():
        assert counted["injected"][fault] == kinds[kind], fault
    assert counted["injected"]["slow"] == sum(slow for _, slow in outcomes)


def test_hostile_faults_are_all_seen_and_repeat_with_the_seed() -> None:
    """Seed 28 gives every fault kind within 150 requests; two servers with that seed fail identically."""
    one, two = chaotic("hostile", 28), chaotic("hostile", 28)
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(SandboxProcess.start, (one, two)))
            first, second = pool.map(run, (one, two))
        assert first == second, "the same seed gives the same fault sequence"
        kinds = Counter(kind for kind, _ in first)
        assert {"5xx", "429", "truncated", "reset", "ok"} <= set(kinds), kinds
        assert any(slow for _, slow in first), "some responses take longer than a second"
        assert all(kind == "ok" for kind, slow in first if slow), "a slow response is otherwise a good one"
        assert_report_matches(one, first)
        assert_report_matches(two, second)
        assert report(one)["injected"]["mutate"] > 0, "rows also change between page requests"
        # the service side is never disturbed
        for _ in range(5):
            response = httpx.get(f"{one.url}/sandbox/truth", headers={"Authorization": f"Bearer {one.token}"})
            assert response.status_code == 200 and response.json()["_meta"]
        assert report(one)["requests"] == REQUESTS
    finally:
        one.stop()
        two.stop()


def test_flaky_is_milder_but_still_faulty() -> None:
    with chaotic("flaky", 20) as process:
        outcomes = run(process)
        assert_report_matches(process, outcomes)
    kinds = Counter(kind for kind, _ in outcomes)
    assert {"5xx", "429", "truncated", "reset"} <= set(kinds), kinds
    assert any(slow for _, slow in outcomes)
    assert kinds["ok"] > REQUESTS * 0.6


@pytest.fixture
def quiet_client(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    with sandbox.client() as client:
        yield client


def test_chaos_none_injects_nothing(sandbox: SandboxProcess, quiet_client: httpx.Client) -> None:
    nothing = {fault: 0 for fault in (*SEEN_AS, "slow", "mutate")}
    assert report(sandbox)["injected"] == nothing
    outcomes = [observe(quiet_client, path) for path in PATHS * 6]
    assert outcomes == [("ok", False)] * len(outcomes)
    assert report(sandbox)["injected"] == nothing


def test_the_server_socket_turns_off_nagle_on_every_connection() -> None:
    """Without chaos a small response must not wait on the client's delayed ACK (~40 ms a response, as headers
    and body go out as two writes). asyncio sets TCP_NODELAY on an accepted socket only when its proto says TCP:
    a connection accepted through the sandbox's listening socket is checked for it, not a latency measured."""

    async def accepted_nodelay() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

        listening = bind("127.0.0.1", 0)
        server = await asyncio.get_running_loop().create_server(Probe, sock=listening)
        async with server:
            _, writer = await asyncio.open_connection(*listening.getsockname()[:2])
            value = await asyncio.wait_for(seen, 60)
            writer.close()
        return value

    assert asyncio.run(accepted_nodelay()) != 0
