"""Starts the real `syncer sandbox` server as a subprocess on a free loopback port (shared by tests and bench)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx


@dataclass
class SandboxProcess:
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

    @property
    def token(self) -> str:
        return next(iter(self.tokens.values()))

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token or self.token}", "Accept": "application/json"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def tick(self, days: int) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/sandbox/tick", json={"days": days}, timeout=120)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def truth(self, token: str | None = None) -> dict[str, Any]:
        response = httpx.get(
            f"{self.url}/sandbox/truth", headers={"Authorization": f"Bearer {token or self.token}"}, timeout=120
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result
