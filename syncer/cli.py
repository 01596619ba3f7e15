"""The `syncer` command: parses arguments, calls one library function, renders the result."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from syncer import logs
from syncer.errors import SyncerError

SANDBOX_HELP = "serve a faithful local stand-in of the Lead Provider API"
# commands that have closed everything they opened when main() returns: the warehouse (committed, checkpointed and
# closed by its `with`), the read snapshot (renamed into place) and their output (printed to stdout)
QUICK_EXIT = ("sync", "status")


def add_sandbox(commands: argparse._SubParsersAction[argparse.ArgumentParser], full: bool) -> None:
    """The sandbox's options need its modules (profiles, chaos, the web app): they are loaded only when the
    command line is about the sandbox; any other command lists it by name and help alone."""
    if not full:
        commands.add_parser("sandbox", help=SANDBOX_HELP)
        return
    from syncer.sandbox.chaos import PROFILES
    from syncer.sandbox.profiles import PROFILES as APIS
    from syncer.sandbox.throttle import DEFAULT_RATE_LIMIT, DEFAULT_RATE_WINDOW

    parser = commands.add_parser("sandbox", help=SANDBOX_HELP)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on; 0 picks a free one")
    parser.add_argument("--seed", type=int, default=1, help="the same seed always gives the same world")
    parser.add_argument("--participants", type=int, default=200, help="participants per lead provider")
    parser.add_argument("--providers", type=int, default=3, help="number of lead providers (1-7)")
    parser.add_argument("--tokens-out", type=Path, help="write {provider name: bearer token} JSON here")
    parser.add_argument("--chaos", choices=sorted(PROFILES), default="none", help="inject faults")
    parser.add_argument("--chaos-slow", type=float, default=5.0, help="seconds a 'slow' chaos response waits")
    parser.add_argument("--rate-limit", type=int, default=DEFAULT_RATE_LIMIT, help="requests per window and token")
    parser.add_argument("--rate-window", type=int, default=DEFAULT_RATE_WINDOW, help="window length in seconds")
    parser.add_argument(
        "--ip-rate-limit", type=int, help="requests per window and client address (default 1.5 x --rate-limit)"
    )
    parser.add_argument("--api", choices=list(APIS), default="rect-v3", help="API profile to serve (default rect-v3)")


def add_finance(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    config_help = "TOML config (default config.toml)"
    views = commands.add_parser(
        "views", help="bring the finance views up to date (their definitions, or the rows changed since the last sync)"
    )
    views.add_argument("--config", type=Path, default=Path("config.toml"), help=config_help)
    views.add_argument(
        "--rebuild", action="store_true", help="recreate every view, reload the ref_* tables and rebuild every row"
    )
    dictionary = commands.add_parser("dictionary", help="print the data dictionary (every table, view, column)")
    dictionary.add_argument("--config", type=Path, help="read this warehouse (default: a fresh, empty one)")
    reconcile = commands.add_parser("reconcile", help="statement summary and anomaly counts for finance")
    reconcile.add_argument("--config", type=Path, default=Path("config.toml"), help=config_help)
    reconcile.add_argument("--source", help="only this source")
    reconcile.add_argument("--statement", help="only this statement id (also its clawbacks and anomalies)")
    reconcile.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    statement = commands.add_parser("statement", help="one statement's money, laid out as DfE's statement page")
    statement.add_argument("--config", type=Path, default=Path("config.toml"), help=config_help)
    which = statement.add_mutually_exclusive_group(required=True)
    which.add_argument("statement_id", nargs="?", help="the statement's id")
    which.add_argument("--next", action="store_true", help="the next open statement to close")
    statement.add_argument("--source", help="the source the statement belongs to")
    statement.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output format")
    export = commands.add_parser(
        "export", help="every view and table to Parquet or CSV files, or the finance views to one Excel workbook"
    )
    export.add_argument("--config", type=Path, default=Path("config.toml"), help=config_help)
    export.add_argument("--format", choices=("parquet", "csv", "xlsx"), required=True, help="file format")
    export.add_argument(
        "--out",
        type=Path,
        required=True,
        help="directory for <name>.<format> files (xlsx: finance.xlsx, or a .xlsx path)",
    )


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """`argv` decides only whether the sandbox's full options are built (None: they are)."""
    parser = argparse.ArgumentParser(prog="syncer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    add_sandbox(commands, full=argv is None or "sandbox" in argv[:1])
    sync = commands.add_parser("sync", help="one incremental sync of every configured source into the warehouse")
    sync.add_argument("--config", type=Path, default=Path("config.toml"), help="TOML config (default config.toml)")
    sync.add_argument("--stream", action="append", help="only this stream (repeatable)")
    sync.add_argument("--full", action="store_true", help="full scan: also marks rows that left scope")
    status = commands.add_parser("status", help="watermark, rows, last run and lag per source and stream")
    status.add_argument("--config", type=Path, default=Path("config.toml"), help="TOML config (default config.toml)")
    demo_parser = commands.add_parser("demo", help="run the main job end to end on an embedded sandbox")
    demo_parser.add_argument("--participants", type=int, default=300, help="participants per lead provider")
    demo_parser.add_argument("--seed", type=int, default=1, help="sandbox seed")
    demo_parser.add_argument("--daemon", action="store_true", help="run the daemon on the sandbox instead")
    demo_parser.add_argument("--seconds", type=int, default=60, help="how long the --daemon demo runs")
    run = commands.add_parser("run", help="the daemon: scheduled syncs, read snapshot, /healthz and /metrics")
    run.add_argument("--config", type=Path, default=Path("config.toml"), help="TOML config (default config.toml)")
    add_finance(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(words).parse_args(words)
    logs.configure()
    # what a command needs is imported when it runs: a cron-style `syncer sync` with nothing to do should not
    # pay for the sandbox's web server, the daemon's scheduler or the readers' formats
    from syncer import commands

    try:
        if args.command == "sync":
            return commands.sync(args.config, args.stream, args.full)
        if args.command == "status":
            return commands.status(args.config)
        if args.command == "views":
            return commands.views(args.config, args.rebuild)
        if args.command == "dictionary":
            return commands.dictionary(args.config)
        if args.command == "reconcile":
            return commands.reconcile(args.config, args.source, args.statement, args.format)
        if args.command == "statement":
            return commands.statement(args.config, args.statement_id, args.source, args.format)
        if args.command == "export":
            return commands.export(args.config, args.format, args.out)
        if args.command == "sandbox":
            from syncer.sandbox.run import run_sandbox

            return run_sandbox(args)
        if args.command == "demo" and args.daemon:
            from syncer import demo_daemon

            return demo_daemon.run(participants=args.participants, seed=args.seed, seconds=args.seconds)
        if args.command == "demo":
            from syncer import demo

            return demo.run(participants=args.participants, seed=args.seed)
        if args.command == "run":
            return commands.run(args.config)
    except KeyboardInterrupt:
        return 130
    except SyncerError as exc:
        print(f"syncer: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except ValueError as exc:
        print(f"syncer: error: {exc}", file=sys.stderr)
        return 2
    return 0


def program() -> NoReturn:
    """The `syncer` program (the installed script and `python -m syncer`): main(), then the exit. After a sync or a
    status it skips the interpreter's teardown once the output is flushed: freeing every loaded module's objects
    took about 0.1 s of a 0.7 s no-change `syncer sync` process at 100k participants, paid by every cron start."""
    code = main()
    if sys.argv[1:2] and sys.argv[1] in QUICK_EXIT and threading.active_count() == 1:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:
            sys.exit(code)  # a closed pipe or a full disk: the usual ending reports it
        os._exit(code)
    sys.exit(code)
