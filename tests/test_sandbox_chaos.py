"""--chaos flaky|hostile: the faults a sync client meets, injected deterministically per request number.

Outcomes are observed by one sequential client per server: a 5xx, a plain-text 429, a body cut short (valid HTTP,
broken JSON), a connection reset mid-body, or a response slower than a second. The same seed must give the same
sequence, /sandbox/chaos must count exactly what was seen, and --chaos none must inject nothing. The servers run in
process (where a reset reaches the client as a dropped connection, as over a socket); the hostile profile is also
served by two `syncer sandbox` processes over loopback.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import socket
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from syncer.sandbox.chaos import ConnectionReset, ResetsInOneLine
from syncer.sandbox.server import SandboxOptions, bind, build_server
from syncer.sandbox.world import World
from tests.sandbox_process import InProcessSandbox, Sandbox, twins

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


def run(process: Sandbox, count: int = REQUESTS) -> list[Outcome]:
    with process.client() as client:
        return [observe(client, path) for path in itertools.islice(itertools.cycle(PATHS), count)]


def report(process: Sandbox) -> dict[str, Any]:
    with process.connect({}) as http:
        response = http.get("/sandbox/chaos")
    assert response.status_code == 200
    found: dict[str, Any] = response.json()
    return found


def assert_report_matches(process: Sandbox, outcomes: list[Outcome]) -> None:
    counted = report(process)
    assert counted["requests"] == len(outcomes)
    kinds = Counter(kind for kind, _ in outcomes)
    for fault, kind in SEEN_AS.items():
        assert counted["injected"][fault] == kinds[kind], fault
    assert counted["injected"]["slow"] == sum(slow for _, slow in outcomes)


def test_hostile_faults_are_all_seen_and_repeat_with_the_seed(tier: str) -> None:
    """Seed 28 gives every fault kind within 150 requests; two servers with that seed fail identically."""
    with twins(tier, seed=28, participants=20, chaos="hostile", chaos_slow=SLOW) as (one, two):
        with ThreadPoolExecutor(2) as pool:
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
        with one.connect({"Authorization": f"Bearer {one.token}"}) as http:
            for _ in range(5):
                response = http.get("/sandbox/truth")
                assert response.status_code == 200 and response.json()["_meta"]
        assert report(one)["requests"] == REQUESTS


def test_flaky_is_milder_but_still_faulty() -> None:
    process = InProcessSandbox(World(seed=20, participants=20), chaos="flaky", chaos_slow=SLOW)
    outcomes = run(process)
    assert_report_matches(process, outcomes)
    kinds = Counter(kind for kind, _ in outcomes)
    assert {"5xx", "429", "truncated", "reset"} <= set(kinds), kinds
    assert any(slow for _, slow in outcomes)
    assert kinds["ok"] > REQUESTS * 0.6


@pytest.fixture
def quiet_client(rect_in_process: InProcessSandbox) -> Iterator[httpx.Client]:
    with rect_in_process.client() as client:
        yield client


def test_chaos_none_injects_nothing(rect_in_process: InProcessSandbox, quiet_client: httpx.Client) -> None:
    nothing = {fault: 0 for fault in (*SEEN_AS, "slow", "mutate")}
    assert report(rect_in_process)["injected"] == nothing
    outcomes = [observe(quiet_client, path) for path in PATHS * 6]
    assert outcomes == [("ok", False)] * len(outcomes)
    assert report(rect_in_process)["injected"] == nothing


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


def test_an_injected_reset_is_logged_in_one_line_not_a_traceback() -> None:
    """uvicorn logs the exception that ends a reset response with its traceback: the sandbox's server says it in
    one line (the bench's output stays readable under the hostile profile)."""
    build_server(World(seed=3, participants=3, providers=1), SandboxOptions(chaos="reset"))
    logger = logging.getLogger("uvicorn.error")
    assert any(isinstance(f, ResetsInOneLine) for f in logger.filters)
    reset = ConnectionReset("chaos: connection reset mid-body")
    record = logger.makeRecord("uvicorn.error", logging.ERROR, __file__, 1, "Exception in ASGI application\n", (),
                               (ConnectionReset, reset, None))  # fmt: skip
    assert logger.filter(record)
    assert record.exc_info is None and record.getMessage() == "chaos: connection reset mid-body"
    other = logger.makeRecord("uvicorn.error", logging.ERROR, __file__, 1, "boom", (), (ValueError, ValueError(), None))
    assert logger.filter(other) and other.exc_info is not None  # real bugs keep their traceback
