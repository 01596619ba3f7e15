"""What the daemon tells operators: `/healthz` (is the data fresh?) and `/metrics` (Prometheus text format).

`Health` keeps the last run's outcome and the last success; `Metrics` holds the Prometheus series in a
registry of their own (not the process-global one, so several daemons can live in one test process);
`HealthServer` answers both endpoints from a thread with the standard library's HTTP server — two GETs
don't need a framework.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from syncer.client import ClientStats
from syncer.sync import RunResult

RECORD_OUTCOMES = ("inserted", "updated", "unchanged", "removed", "quarantined")
MAX_REASON = 500  # characters of an error quoted in /healthz


def iso(moment: float | None) -> str | None:
    return None if moment is None else datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


@dataclass
class LastRun:
    outcome: str  # success | failed | interrupted
    started_at: float
    finished_at: float
    error: str | None = None


class Health:
    """Healthy means: the last run succeeded and finished no longer ago than `stale_after` seconds."""

    def __init__(self, stale_after: float, clock: Callable[[], float] = time.time) -> None:
        self.stale_after = stale_after
        self.clock = clock
        self.lock = threading.Lock()
        self.last_run: LastRun | None = None
        self.last_success_at: float | None = None
        self.running_since: float | None = None

    def started(self, moment: float) -> None:
        with self.lock:
            self.running_since = moment

    def finished(self, run: LastRun) -> None:
        with self.lock:
            self.running_since = None
            self.last_run = run
            if run.outcome == "success":
                self.last_success_at = run.finished_at

    def verdict(self) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) for /healthz."""
        with self.lock:
            now = self.clock()
            body: dict[str, Any] = {
                "last_run": None if self.last_run is None else self.last_run.outcome,
                "last_success": iso(self.last_success_at),
                "running_since": iso(self.running_since),
            }
            if self.last_run is None:
                reason = "no run has finished yet"
            elif self.last_run.outcome != "success":
                error = (self.last_run.error or "")[:MAX_REASON]
                reason = f"the last run {self.last_run.outcome} at {iso(self.last_run.finished_at)}: {error}"
            elif self.last_success_at is not None and now - self.last_success_at > self.stale_after:
                reason = (
                    f"the last successful run finished {now - self.last_success_at:.0f}s ago, "
                    f"more than {self.stale_after:.0f}s"
                )
            else:
                age = now - (self.last_success_at or now)
                return 200, {"status": "ok", **body, "age_seconds": round(age, 1)}
            return 503, {"status": "unhealthy", "reason": reason, **body}


class Metrics:
    """The daemon's Prometheus series. Counters only ever grow; gauges describe the latest state."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.registry = CollectorRegistry()
        self.clock = clock
        r = self.registry
        self.runs = Counter("syncer_runs", "Scheduled runs by kind and outcome", ["kind", "outcome"], registry=r)
        self.streams = Counter(
            "syncer_stream_runs", "Stream scans by outcome", ["source", "stream", "outcome"], registry=r
        )
        self.records = Counter(
            "syncer_records",
            "Records received, by what they did to the warehouse (" + ", ".join(RECORD_OUTCOMES) + ")",
            ["source", "stream", "outcome"],
            registry=r,
        )
        self.requests = Counter("syncer_api_requests", "HTTP requests to the API", ["source"], registry=r)
        self.retries = Counter("syncer_api_retries", "Requests retried after a transient fault", ["source"], registry=r)
        self.throttled = Counter("syncer_api_throttled", "429 Too Many Requests answers", ["source"], registry=r)
        self.quarantine = Gauge("syncer_quarantine_rows", "Items held in quarantine", ["source"], registry=r)
        self.last_success = Gauge(
            "syncer_last_success_timestamp_seconds", "When the last successful run finished", registry=r
        )
        self.last_duration = Gauge("syncer_last_run_duration_seconds", "How long the last run took", registry=r)
        self.running = Gauge("syncer_run_in_progress", "1 while a run is in progress", registry=r)
        self.failures = Gauge("syncer_consecutive_failures", "Failed runs since the last success", registry=r)
        self.snapshot = Gauge(
            "syncer_snapshot_published_timestamp_seconds",
            "When the read snapshot was last confirmed to hold the warehouse's data (copied, or found current)",
            registry=r,
        )
        self.snapshot_publications = Counter(
            "syncer_snapshot_publications",
            "Read snapshot publications after successful runs, by result (copied: written whole; patched: the "
            "previous one brought level with the warehouse's changed rows; current: it already held the "
            "warehouse's data, nothing was written)",
            ["result"],
            registry=r,
        )
        # start of the last successful scan per (source, stream): the data is as old as that, and grows older
        # between runs, so the lag is computed when scraped rather than stored
        self.scanned_at: dict[tuple[str, str], float] = {}
        r.register(LagCollector(self))

    def record_run(self, result: RunResult) -> None:
        for s in result.streams:
            self.streams.labels(s.source, s.stream, s.outcome).inc()
            for outcome in RECORD_OUTCOMES:
                self.records.labels(s.source, s.stream, outcome).inc(getattr(s, outcome))

    def record_client(self, source: str, stats: ClientStats) -> None:
        self.requests.labels(source).inc(stats.requests)
        self.retries.labels(source).inc(stats.retries)
        self.throttled.labels(source).inc(stats.throttled)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class LagCollector(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "syncer_data_lag_seconds",
            "Seconds since the start of the last successful scan of each stream",
            labels=["source", "stream"],
        )
        now = self.metrics.clock()
        for (source, stream), moment in sorted(self.metrics.scanned_at.items()):
            family.add_metric([source, stream], max(0.0, now - moment))
        yield family


class HealthServer:
    """GET /healthz and GET /metrics on a background thread; `port` 0 picks a free port (see `.port`)."""

    def __init__(self, host: str, port: int, health: Health, metrics: Metrics) -> None:
        handler = type("Handler", (Handler,), {"health": health, "metrics": metrics})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True  # a hung scraper must not delay shutdown
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="health-server", daemon=True)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        host = str(self.httpd.server_address[0])
        host = "127.0.0.1" if host in ("0.0.0.0", "") else host
        return f"http://{host}:{self.port}"

    def start(self) -> HealthServer:
        self.thread.start()
        return self

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


class Handler(BaseHTTPRequestHandler):
    health: Health
    metrics: Metrics
    server_version = "ecf-syncer"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            status, body = self.health.verdict()
            self.reply(status, "application/json", json.dumps(body).encode())
        elif path == "/metrics":
            self.reply(200, CONTENT_TYPE_LATEST, self.metrics.exposition())
        else:
            self.reply(404, "application/json", b'{"error": "not found; try /healthz or /metrics"}')

    def reply(self, status: int, content_type: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Probes every few seconds would drown the log; requests are not logged."""
