"""The sandbox as tests reach it: the real `syncer sandbox` server as a subprocess on a free loopback port (shared
by tests and bench), or the same app served in this process with no socket (the fast tier)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from syncer.sandbox.inprocess import InProcessTransport
from syncer.sandbox.server import SandboxOptions, build_app
from syncer.sandbox.world import World


class Sandbox(ABC):
    """What a test uses of a sandbox, however it is reached: its providers' tokens, clients of its API, and the
    hidden service side (/sandbox/...)."""

    url: str
    tokens: dict[str, str]

    @abstractmethod
    def connect(self, headers: dict[str, str]) -> httpx.Client:
        """A client of this sandbox sending `headers` (closing it closes its connection)."""

    @property
    def token(self) -> str:
        return next(iter(self.tokens.values()))

    def client(self, token: str | None = None) -> httpx.Client:
        return self.connect({"Authorization": f"Bearer {token or self.token}", "Accept": "application/json"})

    def anonymous(self) -> httpx.Client:
        """A client that sends no Authorization header unless a request names one."""
        return self.connect({"Accept": "application/json"})

    def tick(self, days: int) -> dict[str, Any]:
        with self.connect({}) as http:
            response = http.post("/sandbox/tick", json={"days": days}, timeout=120)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def truth(self, token: str | None = None) -> dict[str, Any]:
        with self.connect({"Authorization": f"Bearer {token or self.token}"}) as http:
            response = http.get("/sandbox/truth", timeout=120)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


@dataclass
class SandboxProcess(Sandbox):
    seed: int = 1
    participants: int = 60
    providers: int = 3
    chaos: str = "none"
    extra: list[str] = field(default_factory=list)
    url: str = ""
    banner: str = ""  # the "listening on" line, with its timings
    tokens: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[str] | None = None

    def start(self) -> SandboxProcess:
        tokens_file = Path(tempfile.mkstemp(suffix=".json")[1])
        command = [
            sys.executable, "-m", "syncer", "sandbox", "--port", "0",
            "--seed", str(self.seed), "--participants", str(self.participants),
            "--providers", str(self.providers), "--chaos", self.chaos,
            "--tokens-out", str(tokens_file), *self.extra,
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if "listening on" not in line:
            self.stop()
            raise RuntimeError(f"sandbox did not start: {line!r}")
        self.url = line.split("listening on ", 1)[1].split()[0]
        self.banner = line.strip()
        self.tokens = json.loads(tokens_file.read_text())
        tokens_file.unlink()
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    def connect(self, headers: dict[str, str]) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


class InProcessSandbox(Sandbox):
    """`world` served as `syncer sandbox` serves it (syncer.sandbox.server.build_app), with no socket. The rate
    limit is off unless `options` set one: the tests that share a token would otherwise share its budget."""

    def __init__(self, world: World, api: str = "rect-v3", **options: Any) -> None:
        self.world = world
        self.app = build_app(world, SandboxOptions(**{"seed": world.seed, "api": api, "rate_limit": 10**9, **options}))
        self.url = "http://sandbox"
        self.tokens = {p.name: p.token for p in world.providers.values()}

    def connect(self, headers: dict[str, str]) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=headers, transport=InProcessTransport(self.app), timeout=30)


@contextlib.contextmanager
def twins(
    tier: str, seed: int, participants: int, chaos: str = "none", chaos_slow: float = 5.0
) -> Iterator[tuple[Sandbox, Sandbox]]:
    """Two sandboxes of one seed: two worlds served in this process ("in-process"), or two `syncer sandbox`
    processes started together ("loopback"), whose string hashing differs."""
    if tier == "in-process":
        one, two = (
            InProcessSandbox(World(seed=seed, participants=participants), chaos=chaos, chaos_slow=chaos_slow)
            for _ in range(2)
        )
        yield one, two
        return
    extra = ["--chaos-slow", str(chaos_slow)]
    first, second = (SandboxProcess(seed=seed, participants=participants, chaos=chaos, extra=extra) for _ in range(2))
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(SandboxProcess.start, (first, second)))
        yield first, second
    finally:
        first.stop()
        second.stop()
