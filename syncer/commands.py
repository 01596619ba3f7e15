"""The CLI's commands as plain functions: load settings, call the library once, render.

The readers' modules (statement, workbook, export, reconcile, dictionary) are imported by the command that uses
them, so that `syncer sync` starts without them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from syncer import contracts as contract_file
from syncer.config import load_settings
from syncer.errors import WarehouseLocked
from syncer.snapshot import Publication, publish, snapshot_path
from syncer.status import render_table, status_rows
from syncer.sync import StreamResult, run_sync
from syncer.views import refresh, require_views
from syncer.warehouse import Warehouse


def summary_line(r: StreamResult) -> str:
    line = (
        f"{r.source} {r.stream}: {r.outcome} ({r.mode}) {r.records} records in {r.pages} pages, "
        f"{r.requests} requests, +{r.inserted} ~{r.updated} ={r.unchanged} -{r.removed}"
        f"{f' quarantined {r.quarantined}' if r.quarantined else ''} in {r.seconds:.1f}s"
    )
    return line + (f": {r.error}" if r.error else "")


def publication_note(published: Publication) -> str:
    if published.patched is not None:
        changed = published.patched
        return f" (patched: {changed.inserted} rows in, {changed.deleted} out, in {changed.tables} tables)"
    return "" if published.replaced else " (already current)"


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
    if result.ok and settings.warehouse.read_snapshot:
        # as the daemon does after each successful run: BI tools read the snapshot, never the warehouse
        try:
            published = publish(settings.warehouse.path, settings.warehouse.snapshot_storage_version)
            print(f"read snapshot: {published.path}{publication_note(published)}")
        except WarehouseLocked as exc:  # the data is committed; the next run publishes it
            print(f"syncer: the read snapshot was not replaced: {exc}", file=sys.stderr)
    return 0 if result.ok else 1


def run(config: Path) -> int:
    from syncer.daemon import serve  # APScheduler and the HTTP server load only for the daemon

    return serve(load_settings(config))


def status(config: Path) -> int:
    """Read-only: never migrates, and while a run holds the warehouse it answers from the read snapshot."""
    settings = load_settings(config)
    path = settings.warehouse.path
    try:
        with Warehouse(path, read_only=True) as warehouse:
            print(render_table(status_rows(warehouse)))
        return 0
    except WarehouseLocked:
        snapshot = snapshot_path(path)
        if not snapshot.is_file():
            raise
    published = datetime.fromtimestamp(snapshot.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    print(f"A run is writing {path}: this is the read snapshot {snapshot.name}, published {published}.")
    with Warehouse(snapshot, read_only=True) as warehouse:
        print(render_table(status_rows(warehouse)))
    return 0


@contextmanager
def reading(config: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The configured warehouse, read-only, with its views in place."""
    settings = load_settings(config)
    with Warehouse(settings.warehouse.path, read_only=True) as warehouse:
        require_views(warehouse.con)
        yield warehouse.con


def views(config: Path, rebuild: bool = False) -> int:
    """The finance layer brought up to date: in full when its definitions changed or on `rebuild`, else only the
    rows that changes since the last refresh reach (normally none: every sync refreshes it)."""
    settings = load_settings(config)
    contracts = contract_file.for_settings(settings)  # validated before the warehouse is opened
    with Warehouse(settings.warehouse.path) as warehouse:
        refreshed = refresh(warehouse, force=rebuild, contracts=contracts)
    rows = sum(refreshed.reference_rows.values())
    if refreshed.definitions_rebuilt:
        print(
            f"{len(refreshed.views)} views created or replaced and {len(refreshed.reference_rows)} reference tables "
            f"loaded ({rows} rows) in {settings.warehouse.path}"
        )
    else:
        done = "rows refreshed" if refreshed.incremental else "rows rebuilt"
        caught_up = f"{refreshed.changes} changed rows caught up with ({done})" if refreshed.changes else "no changes"
        print(f"views up to date in {settings.warehouse.path}: {caught_up}; `--rebuild` rebuilds everything")
    if contracts.path is not None:
        print(
            f"{len(contracts.contracts)} contracts and {len(contracts.adjustments)} adjustments from {contracts.path}"
        )
    return 0


def dictionary(config: Path | None) -> int:
    from syncer.dictionary import fresh_markdown, markdown

    if config is None:
        print(fresh_markdown(), end="")
        return 0
    with reading(config) as con:
        print(markdown(con), end="")
    return 0


def reconcile(config: Path, source: str | None, statement: str | None, fmt: str) -> int:
    """Exit status 1 when an invariant of sql/checks fails: the numbers shown cannot be trusted then."""
    from syncer.reconcile import render, report

    with reading(config) as con:
        found = report(con, source, statement)
    print(render(found, fmt))
    failing = [row["check"] for row in found.checks if not row["holds"]]
    if failing:
        print(f"syncer: {len(failing)} invariant check(s) fail: {', '.join(failing)}", file=sys.stderr)
        return 1
    return 0


def statement(config: Path, statement_id: str | None, source: str | None, fmt: str) -> int:
    """`statement_id` None: the next open statement to close."""
    from syncer import statement as statement_page

    with reading(config) as con:
        print(statement_page.render(statement_page.load(con, statement_id, source), fmt))
    return 0


def export(config: Path, fmt: str, out: Path) -> int:
    from syncer import workbook
    from syncer.export import export as export_all

    if fmt == "xlsx":
        with reading(config) as con:
            path, sheets = workbook.write(con, out)
        for sheet in sheets:
            print(f"sheet {sheet.name:<16} {sheet.view:<28} {sheet.rows:>10} rows")
        print(f"-> {path}")
        return 0
    with reading(config) as con:
        written = export_all(con, out, fmt)
    for item in written:
        print(f"{item.kind:<5} {item.name:<40} {item.rows:>10} rows -> {item.path}")
    return 0
