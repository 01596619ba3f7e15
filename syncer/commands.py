"""The CLI's commands as plain functions: load settings, call the library once, render."""

from __future__ import annotations

import sys
from pathlib import Path

from syncer.config import load_settings
from syncer.status import render_table, status_rows
from syncer.store import Warehouse
from syncer.sync import StreamResult, run_sync


def summary_line(r: StreamResult) -> str:
    line = (
        f"{r.source} {r.stream}: {r.outcome} ({r.mode}) {r.records} records in {r.pages} pages, "
        f"{r.requests} requests, +{r.inserted} ~{r.updated} ={r.unchanged} -{r.removed}"
        f"{f' quarantined {r.quarantined}' if r.quarantined else ''} in {r.seconds:.1f}s"
    )
    return line + (f": {r.error}" if r.error else "")


def tty_progress(result: StreamResult) -> None:
    sys.stderr.write(f"\r  {result.source} {result.stream}: {result.records} records, {result.pages} pages\033[K")
    sys.stderr.flush()


def sync(config: Path, streams: list[str] | None, full: bool) -> int:
    settings = load_settings(config)
    interactive = sys.stderr.isatty()
    result = run_sync(settings, streams, full, progress=tty_progress if interactive else None)
    if interactive:
        sys.stderr.write("\r\033[K")
    for stream in result.streams:
        print(summary_line(stream))
    return 0 if result.ok else 1


def run(config: Path) -> int:
    from syncer.daemon import serve  # APScheduler and the HTTP server load only for the daemon

    return serve(load_settings(config))


def status(config: Path) -> int:
    settings = load_settings(config)
    with Warehouse(settings.warehouse.path) as warehouse:
        print(render_table(status_rows(warehouse)))
    return 0
