"""The API client against the real sandbox: rate-limit waits, the client-side budget, parameter checks."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from syncer.client import ApiClient, next_window, validate_params
from syncer.errors import PermanentApiError
from tests.sandbox_process import SandboxProcess


@pytest.fixture(scope="module")
def limited() -> Iterator[SandboxProcess]:
    with SandboxProcess(seed=3, participants=20, extra=["--rate-limit", "4", "--rate-window", "2"]) as process:
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


def test_a_429_waits_for_the_next_window_and_succeeds(limited: SandboxProcess) -> None:
    with ApiClient(f"{limited.url}/api/v3", limited.token, rate_limit=1000, rate_window=2) as client:
        for _ in range(7):
            client.get("/statements")
        assert client.stats.throttled >= 1
        assert client.stats.requests >= 8


def test_the_client_budget_keeps_a_run_under_the_limit(limited: SandboxProcess) -> None:
    token = list(limited.tokens.values())[1]
    with ApiClient(f"{limited.url}/api/v3", token, rate_limit=4, rate_window=2) as client:
        for _ in range(7):
            client.get("/statements")
        assert client.stats.throttled == 0 and client.stats.waited_seconds > 0


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
