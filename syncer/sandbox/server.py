"""Runs the sandbox app on a real loopback socket with uvicorn, in the foreground or in a thread; and warms it up
first, rendering every list it will serve."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

from syncer.sandbox.app import Listing, create_app, listing, lists_served, prime
from syncer.sandbox.chaos import ChaosMiddleware, ResetsInOneLine
from syncer.sandbox.profiles import RECT_V3, Profile
from syncer.sandbox.throttle import DEFAULT_RATE_LIMIT, DEFAULT_RATE_WINDOW
from syncer.sandbox.world import World


@dataclass(frozen=True)
class SandboxOptions:
    host: str = "127.0.0.1"
    port: int = 0
    seed: int = 1
    participants: int = 200
    providers: int = 3
    chaos: str = "none"
    chaos_slow: float = 5.0
    rate_limit: int = DEFAULT_RATE_LIMIT
    rate_window: int = DEFAULT_RATE_WINDOW
    ip_rate_limit: int | None = None  # per address; None: RECT's ratio to rate_limit (throttle.address_limit)
    api: str = "rect-v3"  # the API profile served (syncer.sandbox.profiles.PROFILES)


def bind(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP (else 40 ms stalls)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def build_app(world: World, options: SandboxOptions) -> ASGIApp:
    """What `syncer sandbox` serves: the API profile's app behind its rate limit, with the chaos in front (the fast
    tests serve the same in process: syncer.sandbox.inprocess)."""
    app = create_app(world, options.rate_limit, options.rate_window, options.api, ip_rate_limit=options.ip_rate_limit)
    return ChaosMiddleware(app, options.chaos, options.seed, world, options.chaos_slow)


def build_server(world: World, options: SandboxOptions) -> uvicorn.Server:
    config = uvicorn.Config(
        build_app(world, options),
        log_level="warning",
        access_log=False,
        date_header=False,  # the app sends the simulated clock's Date instead
        server_header=False,
        http="httptools",
        timeout_keep_alive=30,
    )
    config.load()  # now rather than when serving starts, which would delay the first request
    server = uvicorn.Server(config)
    if not any(isinstance(f, ResetsInOneLine) for f in logging.getLogger("uvicorn.error").filters):
        logging.getLogger("uvicorn.error").addFilter(ResetsInOneLine())
    return server


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve_forever(server: uvicorn.Server, sock: socket.socket) -> None:
    asyncio.run(server.serve(sockets=[sock]))


@contextlib.contextmanager
def running(world: World, options: SandboxOptions) -> Iterator[str]:
    """The sandbox in a background thread of this process, for the demo; yields its base URL."""
    sock = bind(options.host, options.port)
    server = build_server(world, options)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("sandbox server failed to start")
            threading.Event().wait(0.01)
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def warm(world: World, profile: Profile = RECT_V3) -> int:
    """Render the unfiltered list of every endpoint for every provider before serving, so that even the first full
    sync is a join of cached bytes (the cache lasts until the world changes). Returns the number of items rendered."""
    total = 0
    with world.lock:
        for endpoint, query in lists_served(world, profile):
            found = listing(endpoint, query, None)
            positions = in_memory_order(found, found.unrendered())
            found.render(positions)
            total += len(positions)
        prime(world, profile)
    # what was just built lives until the world changes and holds no cycles the collector could free: as with the
    # world itself (World.__init__), keep the cyclic GC from rescanning it (a full collection cost 90 ms after this)
    gc.freeze()
    return total


def in_memory_order(found: Listing, positions: list[int]) -> list[int]:
    """Positions ordered by where their rows lie in memory (object addresses; reading them touches no row). A list's
    order scatters its rows over the heap, and rendering them in that order costs far more in cache misses."""
    addresses = list(map(id, found.rows))
    return sorted(positions, key=addresses.__getitem__)
