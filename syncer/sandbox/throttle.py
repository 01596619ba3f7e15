"""rack-attack's throttles as RECT configures them (R:config/initializers/rack_attack.rb, api-facts §2), in front of
the sandbox app, and the simulated clock's Date on every response."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, MutableMapping
from email.utils import format_datetime
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from syncer.sandbox.world import World

DEFAULT_RATE_LIMIT = 1000
DEFAULT_RATE_WINDOW = 300
# RECT's per-address catch-all against its per-token rule: 1500 against 1000 (api-facts §2)
ADDRESS_LIMIT_RATIO = 1.5


def address_limit(rate_limit: int, ip_rate_limit: int | None) -> int:
    """The per-address limit: as given, else RECT's ratio to the per-token limit (so a raised token limit raises it)."""
    return ip_rate_limit if ip_rate_limit is not None else math.floor(rate_limit * ADDRESS_LIMIT_RATIO)


class RateLimiter:
    """rack-attack's fixed window: the counter key is floor(now / window), so windows align to the epoch."""

    def __init__(self, limit: int, window: int, clock: Callable[[], float] = time.time) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self.counts: dict[tuple[str, int], int] = {}

    def allow(self, key: str) -> bool:
        slot = math.floor(self.clock() / self.window)
        count = self.counts.get((key, slot), 0) + 1
        if count == 1:
            self.counts = {k: v for k, v in self.counts.items() if k[1] == slot}
        self.counts[(key, slot)] = count
        return count <= self.limit


def client_address(scope: Scope) -> str:
    """The peer address rack-attack's catch-all counts: ActionDispatch's remote_ip, which on loopback is the socket's
    (RECT's `env.fetch("x-real-ip")` reads a Rack env key no header maps to, so the header never decides)."""
    client = scope.get("client")
    return str(client[0]) if client else ""


class SandboxMiddleware:
    """rack-attack's throttles, in RECT's order, and the simulated clock's Date.

    First the per-token rule (/api paths, keyed by the raw Authorization header), then the per-address catch-all
    (every path but the sandbox's own /sandbox side; None where the profile has none, as ECF1 for /api). rack-attack
    stops at the first throttle that refuses, so a request the token rule refuses is not counted per address."""

    def __init__(
        self, app: ASGIApp, world: World, limiter: RateLimiter, per_address: RateLimiter | None = None
    ) -> None:
        self.app, self.world, self.limiter, self.per_address = app, world, limiter, per_address

    def throttled(self, scope: Scope) -> bool:
        path: str = scope["path"]
        auth = dict(scope["headers"]).get(b"authorization")
        if path.startswith("/api/") and auth is not None and not self.limiter.allow(auth.decode("latin-1")):
            return True
        if self.per_address is None or path.startswith("/sandbox/"):
            return False
        return not self.per_address.allow(client_address(scope))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.throttled(scope):
            await Response(b"Retry later\n", 429, headers={"content-type": "text/plain"})(scope, receive, send)
            return
        date_header = format_datetime(self.world.clock, usegmt=True).encode()

        async def send_with_date(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"date", date_header)]
            await send(message)

        await self.app(scope, receive, send_with_date)
