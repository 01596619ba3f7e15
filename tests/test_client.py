"""The API client against the real sandbox: rate-limit waits, the client-side budget, parameter checks."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator

import pytest

from syncer.client import ApiClient, validate_params
from syncer.errors import PermanentApiError
from syncer.pager import next_window, pages
from syncer.streams import BY_NAME
from tests.sandbox_process import SandboxProcess


@pytest.fixture(scope="module")
def limited() -> Iterator[SandboxProcess]:
    with SandboxProcess(
        seed=3, participants=20, extra=["--rate-limit", "4", "--ip-rate-limit", "1000", "--rate-window", "2"]
    ) as process:
        yield process


def test_next_window_starts_in_time_and_always_progresses() -> None:
    rng = random.Random(7)
    for _ in range(5000):
        per_page = rng.randrange(20, 3001)
        previous_end = rng.randrange(per_page, 10**6)
        resume_at = previous_end - rng.randrange(0, per_page // 3)
        number, size = next_window(resume_at, previous_end, per_page)
        start, end = (number - 1) * size, number * size
        assert 1 <= size <= per_page and end > previous_end
        assert start <= resume_at


@pytest.mark.parametrize(
    "params",
    [
        {"filter[updated_since]": "2025-01-01T00:00:00+01:00"},
        {"filter[updated_since]": "2025-01-01"},
        {"sort": "updated"},
        {"sort": "+created_at"},
        {"filter[cohort]": "2024,twenty"},
    ],
)
def test_parameters_the_server_would_silently_misread_are_refused(params: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        validate_params(params)


@pytest.mark.slow
def test_a_429_waits_for_the_next_window_and_succeeds(limited: SandboxProcess) -> None:
    with ApiClient(f"{limited.url}/api/v3", limited.token, rate_limit=1000, rate_window=2) as client:
        for _ in range(7):
            client.get("/statements")
        assert client.stats.throttled >= 1
        assert client.stats.requests >= 8


@pytest.mark.slow
def test_the_client_budget_keeps_a_run_under_the_limit(limited: SandboxProcess) -> None:
    token = list(limited.tokens.values())[1]
    with ApiClient(f"{limited.url}/api/v3", token, rate_limit=4, rate_window=2) as client:
        for _ in range(7):
            client.get("/statements")
        assert client.stats.throttled == 0 and client.stats.waited_seconds > 0


@pytest.mark.slow
def test_client_errors_are_permanent_and_name_the_detail(sandbox: SandboxProcess) -> None:
    with (
        ApiClient(f"{sandbox.url}/api/v3", "not-a-token", max_retries=0) as client,
        pytest.raises(PermanentApiError, match="Access denied"),
    ):
        client.get("/participants")
    with (
        ApiClient(f"{sandbox.url}/api/v3", sandbox.token, max_retries=0) as client,
        pytest.raises(PermanentApiError, match="cohort"),
    ):
        client.get("/schools")


# declarations rarely share a created_at; statements of different cohorts share every payment_date
@pytest.mark.parametrize(
    ("name", "sizes", "ties_rare"),
    [("participant-declarations", range(25, 80, 6), True), ("statements", range(20, 70), False)],
)
@pytest.mark.slow
def test_paging_rereads_only_ties_that_straddle_a_boundary(
    sandbox: SandboxProcess, name: str, sizes: range, ties_rare: bool
) -> None:
    """Pages follow each other back to back; a run of equal values (created_at, or payment_date for statements)
    cut by a boundary, the last page's included, is read again whole. Every size returns every row; beyond the
    minimum, requests are the re-reads and at most one more (a re-read window can be smaller than per_page)."""
    stream = BY_NAME[name]
    expected = {item["id"] for item in sandbox.truth()[name]}
    rereads_seen = requests = 0
    with ApiClient(f"{sandbox.url}/api/v3", sandbox.token, rate_limit=100_000) as client:
        for per_page in sizes:
            before, rereads, previous_end, found = client.stats.requests, 0, 0, set()
            for page in pages(client, stream.path, {}, per_page, order_value=stream.order_value):
                start = (page.number - 1) * page.size
                rereads += start < previous_end
                previous_end = start + len(page.items)
                found |= {item["id"] for item in page.items}
            assert found == expected, f"per_page={per_page}"
            minimum = math.ceil((len(expected) + 1) / per_page)
            assert client.stats.requests - before <= minimum + rereads + 1, f"per_page={per_page}"
            rereads_seen += rereads
            requests += client.stats.requests - before
    assert rereads_seen, "this world has runs of ties that straddle page boundaries"
    assert not ties_rare or rereads_seen < requests / 4, (
        "a window that does not follow the last back to back is the exception"
    )
