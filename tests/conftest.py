from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sandbox_process import SandboxProcess


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxProcess]:
    """A real `syncer sandbox` on loopback shared by read-only tests. Tests that tick or write use their own."""
    with SandboxProcess(seed=7, participants=60) as process:
        yield process


@pytest.fixture(scope="session")
def ecf() -> Iterator[SandboxProcess]:
    """The session sandbox's world (seed 7, 60 participants), served as ECF v3; read-only tests share it."""
    with SandboxProcess(seed=7, participants=60, extra=["--api", "ecf-v3"]) as process:
        yield process


@pytest.fixture(scope="session")
def v2() -> Iterator[SandboxProcess]:
    """The session sandbox's world (seed 7, 60 participants), served as ECF v2; read-only tests share it."""
    with SandboxProcess(seed=7, participants=60, extra=["--api", "ecf-v2"]) as process:
        yield process


@pytest.fixture
def fresh_sandbox() -> Iterator[SandboxProcess]:
    """A private sandbox for a test that changes the world (ticks, writes)."""
    with SandboxProcess(seed=11, participants=40) as process:
        yield process
