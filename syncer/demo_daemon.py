"""`syncer demo --daemon`: the daemon for a minute on an embedded sandbox, with short intervals.

The sandbox serves in a thread of this process and the daemon schedules runs every few seconds (and a full
refresh at the top of each minute). Every ten seconds a few simulated days pass on the sandbox, and the
demo prints /healthz, a digest of /metrics, and what a BI reader sees in the read snapshot at that moment.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import duckdb
import httpx
from prometheus_client.parser import text_string_to_metric_families

from syncer import logs
from syncer.config import load_settings
from syncer.daemon import Daemon, forward_stdlib_logs
from syncer.sandbox.server import SandboxOptions, running
from syncer.sandbox.world import World
from syncer.snapshot import snapshot_path, wal_path

REPORT_EVERY = 10.0  # seconds
DAYS_PER_REPORT = 3  # simulated days that pass on the sandbox between reports


def metrics_digest(text: str) -> list[str]:
    """A few lines an operator would graph, summed over labels where that reads better."""
    totals: dict[str, float] = {}
    lines = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            name, labels, value = sample.name, sample.labels, sample.value
            if name == "syncer_runs_total":
                lines.append(f"runs {labels['kind']} {labels['outcome']}: {value:.0f}")
            elif name == "syncer_records_total":
                totals[f"records {labels['outcome']}"] = totals.get(f"records {labels['outcome']}", 0) + value
            elif name in ("syncer_api_requests_total", "syncer_api_retries_total", "syncer_api_throttled_total"):
                totals[name.removeprefix("syncer_api_").removesuffix("_total")] = value
            elif name == "syncer_data_lag_seconds" and labels["stream"] == "participant-declarations":
                lines.append(f"data lag (declarations): {value:.1f}s")
            elif name == "syncer_quarantine_rows":
                lines.append(f"quarantined items: {value:.0f}")
    return lines + [f"{key}: {value:.0f}" for key, value in totals.items()]


def reader_view(path: Path) -> str:
    """What a BI tool opening the snapshot read-only sees, while the daemon may be writing the warehouse."""
    if not path.exists():
        return "no snapshot yet"
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute(
            "SELECT (SELECT count(*) FROM participant_declarations WHERE removed_at IS NULL), "
            "(SELECT max(finished_at) FROM sync_runs WHERE outcome = 'success')"
        ).fetchone()
    assert row is not None
    return f"{row[0]} declarations, as of the run that finished {row[1]:%H:%M:%S}"


def run(participants: int = 300, seed: int = 1, seconds: int = 60, path: Path = Path("demo-daemon.duckdb")) -> int:
    logs.configure(level=logging.WARNING)
    forward_stdlib_logs()
    for leftover in (path, wal_path(path), snapshot_path(path)):
        leftover.unlink(missing_ok=True)
    print(f"Generating a sandbox world (seed {seed}, {participants} participants per lead provider)...")
    world = World(seed=seed, participants=participants)
    provider = next(iter(world.providers.values()))
    with running(world, SandboxOptions(seed=seed, participants=participants)) as url:
        settings = load_settings(
            warehouse={"path": str(path)},
            sources=[{"name": "demo", "base_url": f"{url}/api/v3", "token": provider.token}],
            daemon={
                "interval": "5s",
                "full_refresh_cron": "* * * * *",
                "failure_backoff": "2s",
                "failure_backoff_max": "10s",
                "health_port": 0,
            },
        )
        daemon = Daemon(settings)
        daemon.start()
        print(f"Sandbox API on {url}/api/v3; the daemon syncs as {provider.name!r} every 5 s")
        print(f"Health: {daemon.health_url}/healthz   Metrics: {daemon.health_url}/metrics")
        print(f"BI tools read {snapshot_path(path)} (replaced atomically after each run that changed data)\n")
        try:
            report(daemon.health_url, url, snapshot_path(path), seconds)
        finally:
            daemon.shutdown()
    print(f"\nThe daemon stopped cleanly. The warehouse is {path.resolve()}; its read snapshot is")
    print(f"{snapshot_path(path).resolve()}; open it with `duckdb -readonly {snapshot_path(path)}`.")
    return 0


def report(health_url: str, sandbox_url: str, snapshot: Path, seconds: int) -> None:
    started = time.monotonic()
    deadline = started + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        time.sleep(min(REPORT_EVERY, remaining))
        health = httpx.get(f"{health_url}/healthz", timeout=5)
        metrics = httpx.get(f"{health_url}/metrics", timeout=5).text
        print(f"[{time.monotonic() - started:4.0f}s] /healthz {health.status_code} {health.text}")
        for line in metrics_digest(metrics):
            print(f"        {line}")
        print(f"        reader: {reader_view(snapshot)}")
        if time.monotonic() < deadline:
            summary = httpx.post(f"{sandbox_url}/sandbox/tick", json={"days": DAYS_PER_REPORT}, timeout=120).json()
            happened = ", ".join(f"{k} {v}" for k, v in summary["activity"].items()) or "nothing"
            print(f"        {DAYS_PER_REPORT} simulated days pass: {happened}")
