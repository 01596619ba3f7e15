"""`make demo`: the most complete end-to-end job that exists, on an embedded sandbox.

Starts the sandbox in this process, runs a full sync into demo.duckdb, lets a few simulated weeks pass with
an incremental sync after each, and prints what landed, where each stream stands, the reconciliation and, priced
from contracts.example.toml, the next statement's money.
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx

from syncer import logs, reconcile, sqlfiles, statement
from syncer.commands import summary_line
from syncer.config import load_settings
from syncer.sandbox.server import SandboxOptions, running
from syncer.sandbox.world import World
from syncer.snapshot import publish
from syncer.status import render_table, status_rows
from syncer.streams import STREAMS
from syncer.sync import run_sync
from syncer.warehouse import Warehouse, connect

EXTRA_TABLES = ("participant_enrolments", "participant_id_changes", "declaration_state_history", "quarantine")


def table_counts(path: Path) -> list[tuple[str, int]]:
    with Warehouse(path) as warehouse:
        tables = [s.table for s in STREAMS] + list(EXTRA_TABLES)
        return [(t, warehouse.query(f"SELECT count(*) FROM {t}")[0][0]) for t in tables]


def run(participants: int = 300, seed: int = 1, weeks: int = 3, path: Path = Path("demo.duckdb")) -> int:
    logs.configure(level=logging.WARNING)
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    print(f"Generating a sandbox world (seed {seed}, {participants} participants per lead provider)...")
    world = World(seed=seed, participants=participants)
    provider = next(iter(world.providers.values()))
    with running(world, SandboxOptions(seed=seed, participants=participants)) as url:
        print(f"Sandbox API on {url}/api/v3; syncing as {provider.name!r}\n")
        settings = load_settings(
            warehouse={"path": str(path)},
            sources=[{"name": "ambition", "base_url": f"{url}/api/v3", "token": provider.token}],
            finance={"contracts": example_contracts()},
        )
        print("Full sync:")
        for stream in run_sync(settings).streams:
            print("  " + summary_line(stream))
        for week in range(1, weeks + 1):
            summary = httpx.post(f"{url}/sandbox/tick", json={"days": 7}, timeout=120).json()
            happened = ", ".join(f"{k} {v}" for k, v in summary["activity"].items())
            print(f"\nWeek {week} passes (clock {summary['clock']}): {happened}")
            print("Incremental sync:")
            for stream in run_sync(settings).streams:
                print("  " + summary_line(stream))
    print("\nRows per table:")
    for table, count in table_counts(path):
        print(f"  {table:<28} {count:>8}")
    print("\nStatus:")
    with Warehouse(path) as warehouse:
        print(render_table(status_rows(warehouse)))
    snapshot = publish(path, settings.warehouse.snapshot_storage_version).path
    print(f"\nThe warehouse is {path.resolve()}; BI tools read its snapshot {snapshot.name}, which DuckDB 1.2 and")
    print("later open (the CLI of `pip install duckdb-cli`, DBeaver, Metabase's driver), read-only:")
    print(f"  duckdb -readonly {snapshot} -c 'FROM statement_payment LIMIT 5'")
    print(f"  python -c \"import duckdb; print(duckdb.connect('{snapshot}', read_only=True).sql('SHOW TABLES'))\"")
    print("\nReconciliation (`syncer reconcile`):")
    with connect(path, read_only=True) as con:
        print(reconcile.render(reconcile.report(con)))
        print("\nTop anomalies (the declaration_anomalies view):")
        print(reconcile.render_top(reconcile.top_anomalies(con)))
        print(f"\nThe next statement to close, priced from {example_contracts().name} (`syncer statement --next`):")
        print(statement.render(statement.load(con)))
    return 0


def example_contracts() -> Path:
    """contracts.example.toml: beside config.example.toml in a checkout, syncer/data/ in an installed wheel."""
    return sqlfiles.shipped_file("contracts.example.toml")
