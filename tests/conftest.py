"""Shared sandboxes. Two tiers serve the same app: in this process with no socket (fast, most sandbox tests), and
the real `syncer sandbox` subprocess over loopback (the sync tests, and one acceptance test per sandbox feature,
marked slow). A world is mutable: tests that tick or write take a fresh one; read-only tests share one per API."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from syncer.sandbox.world import World
from tests.finance_scenario import Scenario, played
from tests.sandbox_process import InProcessSandbox, Sandbox, SandboxProcess


@dataclass(frozen=True)
class Seeded:
    """One world, whichever tier serves it."""

    seed: int
    participants: int

    def world(self) -> World:
        return World(seed=self.seed, participants=self.participants)

    def process(self, *extra: str) -> SandboxProcess:
        return SandboxProcess(seed=self.seed, participants=self.participants, extra=list(extra))


ROOT = Path(__file__).resolve().parents[1]
SHARED = Seeded(seed=7, participants=60)  # the read-only world the tests of each API share
FRESH = Seeded(seed=11, participants=40)  # the world each test that changes one gets afresh
# every test that takes `tier` (or a *_both_tiers sandbox) runs in process, and again over loopback as `slow`
TIERS = ["in-process", pytest.param("loopback", marks=pytest.mark.slow)]


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxProcess]:
    """A real `syncer sandbox` on loopback shared by read-only tests. Tests that tick or write use their own."""
    with SHARED.process() as process:
        yield process


@pytest.fixture(scope="session")
def ecf() -> Iterator[SandboxProcess]:
    """The session sandbox's world (seed 7, 60 participants), served as ECF v3; read-only tests share it."""
    with SHARED.process("--api", "ecf-v3") as process:
        yield process


@pytest.fixture(scope="session")
def v2() -> Iterator[SandboxProcess]:
    """The session sandbox's world (seed 7, 60 participants), served as ECF v2; read-only tests share it."""
    with SHARED.process("--api", "ecf-v2") as process:
        yield process


@pytest.fixture
def fresh_sandbox() -> Iterator[SandboxProcess]:
    """A private sandbox for a test that changes the world (ticks, writes)."""
    with FRESH.process() as process:
        yield process


@pytest.fixture(scope="session")
def rect_in_process() -> InProcessSandbox:
    """The session sandbox's world, served as RECT v3 in this process; read-only tests share it."""
    return InProcessSandbox(SHARED.world())


@pytest.fixture(scope="session")
def ecf_in_process() -> InProcessSandbox:
    """The session sandbox's world, served as ECF v3 in this process; read-only tests share it."""
    return InProcessSandbox(SHARED.world(), "ecf-v3")


@pytest.fixture(scope="session")
def v2_in_process() -> InProcessSandbox:
    """The session sandbox's world, served as ECF v2 in this process; read-only tests share it."""
    return InProcessSandbox(SHARED.world(), "ecf-v2")


@pytest.fixture
def fresh_in_process() -> InProcessSandbox:
    """A private world, served in this process, for a test that changes it (ticks, writes, events)."""
    return InProcessSandbox(FRESH.world())


@pytest.fixture(params=TIERS)
def tier(request: pytest.FixtureRequest) -> str:
    """ "in-process", or "loopback" (slow): the tier a test serves its sandboxes in."""
    found: str = request.param
    return found


def both_tiers(in_process: str, loopback: str) -> Any:
    """A fixture that is the sandbox of fixture `in_process` or `loopback`, as the test's `tier` says."""

    @pytest.fixture
    def served(tier: str, request: pytest.FixtureRequest) -> Sandbox:
        found: Sandbox = request.getfixturevalue(in_process if tier == "in-process" else loopback)
        return found

    return served


rect_both_tiers = both_tiers("rect_in_process", "sandbox")
ecf_both_tiers = both_tiers("ecf_in_process", "ecf")
v2_both_tiers = both_tiers("v2_in_process", "v2")
fresh_both_tiers = both_tiers("fresh_in_process", "fresh_sandbox")


def provider_clients(sandbox: Sandbox) -> Iterator[dict[str, httpx.Client]]:
    """Provider name -> a client with its token: some records (transfers) exist only for some providers."""
    opened = {name: sandbox.client(token) for name, token in sandbox.tokens.items()}
    yield opened
    for client in opened.values():
        client.close()


@pytest.fixture(scope="session")
def rect_clients(rect_in_process: InProcessSandbox) -> Iterator[dict[str, httpx.Client]]:
    yield from provider_clients(rect_in_process)


@pytest.fixture(scope="session")
def ecf_clients(ecf_in_process: InProcessSandbox) -> Iterator[dict[str, httpx.Client]]:
    yield from provider_clients(ecf_in_process)


@pytest.fixture(scope="session")
def v2_clients(v2_in_process: InProcessSandbox) -> Iterator[dict[str, httpx.Client]]:
    yield from provider_clients(v2_in_process)


@pytest.fixture(scope="session")
def rect_client(rect_clients: dict[str, httpx.Client]) -> httpx.Client:
    """The first provider's client of the shared RECT world."""
    return next(iter(rect_clients.values()))


@pytest.fixture(scope="session")
def finance_scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    """Eight simulated weeks synced after each fortnight (tests/finance_scenario.py), shared by the view tests."""
    yield from played(tmp_path_factory)


def bulk_warehouse() -> ModuleType:
    """bench/bulk_warehouse.py, which builds a warehouse of synthetic rows in SQL (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bulk_warehouse", ROOT / "bench" / "bulk_warehouse.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def bulk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small bulk warehouse (bench/bulk_warehouse.py: statements, merges, history), its finance layer built. Never
    written: a test changes its own copy (warehouse_copy)."""
    path = tmp_path_factory.mktemp("bulk") / "bulk.duckdb"
    bulk_warehouse().build(path, declarations=2_000)
    return path


@pytest.fixture
def warehouse_copy(bulk: Path, tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    shutil.copy(bulk, path)
    return path
