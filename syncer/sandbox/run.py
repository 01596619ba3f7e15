"""`syncer sandbox`: build the world, write the tokens, serve until interrupted."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time

from syncer.sandbox.profiles import PROFILES
from syncer.sandbox.server import SandboxOptions, bind, build_server, serve_forever, url_of, warm
from syncer.sandbox.world import World


def run_sandbox(args: argparse.Namespace) -> int:
    if args.participants < 1:
        raise ValueError("--participants must be at least 1")
    if args.rate_limit < 1 or args.rate_window < 1:
        raise ValueError("--rate-limit and --rate-window must be positive")
    if args.ip_rate_limit is not None and args.ip_rate_limit < 1:
        raise ValueError("--ip-rate-limit must be positive")
    started = time.perf_counter()
    world = World(seed=args.seed, participants=args.participants, providers=args.providers)
    generated = time.perf_counter() - started
    warm(world, PROFILES[args.api])  # the first full sync is then served from cached bytes too
    tokens = {p.name: p.token for p in world.providers.values()}
    if args.tokens_out:
        args.tokens_out.write_text(json.dumps(tokens, indent=2) + "\n")
    options = SandboxOptions(
        host=args.host,
        port=args.port,
        seed=args.seed,
        participants=args.participants,
        providers=args.providers,
        chaos=args.chaos,
        chaos_slow=args.chaos_slow,
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
        ip_rate_limit=args.ip_rate_limit,
        api=args.api,
    )
    sock = bind(args.host, args.port)
    server = build_server(world, options)
    rendered = time.perf_counter() - started - generated
    print(
        f"sandbox listening on {url_of(sock)} (seed {args.seed}, {len(world.teachers)} teachers, "
        f"{len(world.declarations)} declarations, generated in {generated:.1f}s, lists rendered in {rendered:.1f}s, "
        f"chaos {args.chaos}, api {args.api})",
        flush=True,
    )
    if not args.tokens_out:
        print(json.dumps(tokens), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        serve_forever(server, sock)
    print("sandbox stopped", file=sys.stderr)
    return 0
