"""--chaos flaky|hostile: faults a sync client meets on the real service, injected deterministically.
(Or one fault alone, for tests: 5xx, slow, truncated, reset, 429, mutate.)

Each /api request draws its fate from Random(seed, request number): 5xx bursts, responses slower than a
client timeout, bodies cut short (valid HTTP, broken JSON), connections reset mid-body, 429 bursts, and
rows that change between one page request and the next. /sandbox paths are never disturbed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syncer.sandbox.world import World


@dataclass(frozen=True)
class Profile:
    server_error: float
    slow: float
    truncated: float
    reset: float
    throttled: float
    mutate: float
    burst: int  # a 5xx or 429 repeats for up to this many following requests


PROFILES = {
    "none": Profile(0, 0, 0, 0, 0, 0, 0),
    "flaky": Profile(0.04, 0.02, 0.02, 0.02, 0.02, 0.05, 2),
    "hostile": Profile(0.10, 0.04, 0.05, 0.05, 0.05, 0.15, 4),
    # one fault at a time, for tests that prove each is survived
    "5xx": Profile(0.2, 0, 0, 0, 0, 0, 2),
    "slow": Profile(0, 0.15, 0, 0, 0, 0, 0),
    "truncated": Profile(0, 0, 0.2, 0, 0, 0, 0),
    "reset": Profile(0, 0, 0, 0.2, 0, 0, 0),
    "429": Profile(0, 0, 0, 0, 0.15, 0, 2),
    "mutate": Profile(0, 0, 0, 0, 0, 0.4, 0),
}
FAULTS = ("server_error", "slow", "truncated", "reset", "throttled", "mutate")


class ConnectionReset(Exception):
    """Raised mid-body so that the server drops the connection without finishing the response."""


class ResetsInOneLine(logging.Filter):
    """uvicorn logs an exception that ends a response with its traceback: for an injected reset, which is the
    point of the profile, one line says it instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], ConnectionReset):
            record.msg, record.args, record.exc_info, record.exc_text = f"{record.exc_info[1]}", (), None, None
        return True


class ChaosMiddleware:
    def __init__(self, app: ASGIApp, profile: str, seed: int, world: World, slow_seconds: float = 5.0) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown chaos profile {profile!r}; choose one of {', '.join(PROFILES)}")
        self.app, self.profile, self.seed, self.world = app, PROFILES[profile], seed, world
        self.slow_seconds = slow_seconds
        self.requests = 0
        self.burst: tuple[str, int] | None = None
        self.injected: dict[str, int] = dict.fromkeys(FAULTS, 0)

    def draw(self) -> str | None:
        self.requests += 1
        if self.burst is not None:
            fault, left = self.burst
            self.burst = (fault, left - 1) if left > 1 else None
            return fault
        rng = random.Random(f"{self.seed}:chaos:{self.requests}")
        roll = rng.random()
        for fault in FAULTS:
            roll -= getattr(self.profile, fault)
            if roll < 0:
                if fault in ("server_error", "throttled") and self.profile.burst:
                    repeats = rng.randrange(self.profile.burst + 1)
                    self.burst = (fault, repeats) if repeats else None
                return fault
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/sandbox/chaos":
            await self.control(scope, receive, send)
            return
        if scope["type"] != "http" or not scope["path"].startswith("/api/") or self.profile == PROFILES["none"]:
            await self.app(scope, receive, send)
            return
        fault = self.draw()
        if fault is not None:
            self.injected[fault] += 1
        if fault == "server_error":
            await self.respond(send, 503, b'{"error":"Internal server error"}', b"application/json; charset=utf-8")
        elif fault == "throttled":
            await self.respond(send, 429, b"Retry later\n", b"text/plain")
        elif fault == "slow":
            await asyncio.sleep(self.slow_seconds)
            await self.app(scope, receive, send)
        elif fault in ("truncated", "reset"):
            await self.damaged(scope, receive, send, fault)
        else:
            if fault == "mutate":
                with self.world.lock:
                    self.mutate()
            await self.app(scope, receive, send)

    async def respond(self, send: Send, status: int, body: bytes, content_type: bytes) -> None:
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def damaged(self, scope: Scope, receive: Receive, send: Send, fault: str) -> None:
        messages: list[Message] = []

        async def capture(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, capture)
        start = messages[0]
        body = b"".join(m.get("body", b"") for m in messages[1:])
        cut = body[: max(1, len(body) // 2)]
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        if fault == "truncated":
            headers.append((b"content-length", str(len(cut)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": cut})
            return
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": cut, "more_body": True})
        raise ConnectionReset("chaos: connection reset mid-body")

    def mutate(self) -> None:
        """A change landing while a client pages: a visible edit, or a row leaving scope (offsets shift)."""
        world = self.world
        rng = random.Random(f"{self.seed}:mutate:{self.requests}")
        live = [d for d in world.declarations.values() if d.state in ("submitted", "eligible")]
        if not live:
            return
        declaration = rng.choice(live)
        at = world.clock - timedelta(seconds=rng.randrange(1, 600))
        if rng.random() < 0.5:
            declaration.evidence_held = rng.choice(("training-event-attended", "other"))
        else:
            declaration.payment_status = "voided"
        declaration.updated_at = max(declaration.updated_at, at)
        world.changed()

    async def control(self, scope: Scope, receive: Receive, send: Send) -> None:
        """GET reports what was injected; POST {"profile": name} switches profile, e.g. to stop the faults."""
        status = 200
        if scope["method"] == "POST":
            try:
                wanted = json.loads(await Request(scope, receive).body() or b"{}").get("profile")
                self.profile = PROFILES[wanted]
                self.burst = None
            except (ValueError, KeyError, AttributeError, TypeError):
                status = 400
        body = json.dumps(
            {**self.report(), "profiles": sorted(PROFILES)}
            if status == 200
            else {"error": f'body must be {{"profile": one of {sorted(PROFILES)}}}'}
        ).encode()
        await self.respond(send, status, body, b"application/json; charset=utf-8")

    def report(self) -> dict[str, Any]:
        active = next(name for name, profile in PROFILES.items() if profile == self.profile)
        return {"profile": active, "requests": self.requests, "injected": dict(self.injected)}
