"""`syncer run`: the sync on a schedule, for months, unattended.

An APScheduler 3 BackgroundScheduler fires an incremental run on an interval or cron, and optionally a full
refresh on a cron of its own. Its executor has a single worker, so whichever job fires, one run happens at a
time (plus max_instances=1 and coalesce, so a backlog of missed ticks becomes one run). A run that fails is
logged, counted, and tried again on a later tick: after n failures in a row, ticks are skipped for
min(failure_backoff * 2^(n-1), failure_backoff_max). Nothing a run raises reaches the scheduler.

Between runs the daemon holds no DuckDB file. After each successful run it publishes the read snapshot for BI
tools (syncer/snapshot.py: copied only when the data changed) and refreshes its gauges from the warehouse;
/healthz and /metrics (syncer/health.py) answer from a thread of their own.

SIGTERM or SIGINT sets `stop`: the run stops between pages (the page being written commits whole) or in
the middle of a retry or rate-limit wait, and the process exits 0 well within Docker's 10 s stop timeout.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import structlog
from apscheduler.executors.pool import ThreadPoolExecutor  # type: ignore[import-untyped]
from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

from syncer.bookkeeping import last_complete_run, last_successful_scans
from syncer.client import ApiClient, RateBudgets
from syncer.config import DaemonConfig, Settings, SourceConfig
from syncer.errors import ConfigError, Interrupted, PermanentApiError, StoreError, SyncerError, WarehouseLocked
from syncer.health import Health, HealthServer, LastRun, Metrics
from syncer.snapshot import publish
from syncer.sync import Progress, RunResult, client_for, run_sync
from syncer.warehouse import connect

log = structlog.get_logger(__name__)

SHUTDOWN_GRACE = 8.0  # seconds a stopping run gets; Docker sends SIGKILL 10 s after SIGTERM
CRON_SAMPLE = 500  # fire times examined to find a cron schedule's longest gap
PERMANENT = (ConfigError, PermanentApiError)  # retrying soon will not help: wait the longest backoff


class SyncFunction(Protocol):
    """run_sync's signature: the seam through which tests give the daemon a sync of their own."""

    def __call__(
        self,
        settings: Settings,
        streams: list[str] | None = None,
        full: bool = False,
        progress: Progress | None = None,
        client_factory: Callable[[SourceConfig], ApiClient] = ...,
        stop: threading.Event | None = None,
    ) -> RunResult: ...


def trigger_for(crontab: str | None, interval: timedelta, zone: ZoneInfo) -> Any:
    if crontab:
        return CronTrigger.from_crontab(crontab, timezone=zone)
    return IntervalTrigger(seconds=interval.total_seconds(), timezone=zone)


def schedule_period(config: DaemonConfig, now: datetime | None = None) -> float:
    """Seconds between incremental runs; for a cron, its longest gap (a weekday-only cron has a weekend)."""
    if not config.cron:
        return config.interval.total_seconds()
    zone = ZoneInfo(config.timezone)
    trigger = trigger_for(config.cron, config.interval, zone)
    previous = trigger.get_next_fire_time(None, now or datetime.now(zone))
    longest = 0.0
    for _ in range(CRON_SAMPLE):
        following = trigger.get_next_fire_time(previous, previous + timedelta(microseconds=1))
        if following is None:
            break
        longest = max(longest, (following - previous).total_seconds())
        previous = following
    return longest or config.interval.total_seconds()


def stale_seconds(config: DaemonConfig) -> float:
    if config.stale_after is not None:
        return config.stale_after.total_seconds()
    return 2 * schedule_period(config)


@dataclass
class Backoff:
    """After n failed runs in a row, no scheduled run before min(base * 2^(n-1), cap) has passed."""

    base: float
    cap: float
    failures: int = 0
    not_before: float = 0.0

    def failed(self, now: float, permanent: bool = False) -> float:
        self.failures += 1
        delay = self.cap if permanent else min(self.cap, self.base * 2 ** (self.failures - 1))
        self.not_before = now + delay
        return delay

    def succeeded(self) -> None:
        self.failures, self.not_before = 0, 0.0

    def ready(self, now: float) -> bool:
        return now >= self.not_before


@dataclass
class Facts:
    """What the warehouse itself says, for the gauges and for /healthz right after a restart."""

    last_run: LastRun | None = None
    scanned_at: dict[tuple[str, str], float] = field(default_factory=dict)
    quarantine: dict[str, int] = field(default_factory=dict)


def read_facts(path: Path) -> Facts | None:
    """None when there is no warehouse yet or another process is writing it (a manual `syncer sync`)."""
    if not path.is_file():
        return None
    try:
        con = connect(path, read_only=True)
    except StoreError as exc:
        log.info("warehouse not readable now; gauges keep their values", reason=str(exc).split(".")[0])
        return None
    try:
        facts = Facts()
        last = last_complete_run(con)
        if last is not None:
            started, finished, ok, error = last
            facts.last_run = LastRun("success" if ok else "failed", started.timestamp(), finished.timestamp(), error)
        for key, started in last_successful_scans(con).items():
            facts.scanned_at[key] = started.timestamp()
        facts.quarantine = dict(con.execute("SELECT source, count(*) FROM quarantine GROUP BY ALL").fetchall())
        return facts
    finally:
        con.close()


class Daemon:
    def __init__(self, settings: Settings, sync: SyncFunction = run_sync, clock: Callable[[], float] = time.time):
        self.settings = settings
        self.config = settings.daemon
        self.sync = sync  # one sync of every source (what a scheduled run does)
        self.clock = clock
        self.stop = threading.Event()  # set once, by a signal or shutdown(); every wait in a run watches it
        self.idle = threading.Event()
        self.idle.set()
        self.lock = threading.Lock()  # one run at a time, also for run_once() called directly
        self.health = Health(stale_seconds(self.config), clock)
        self.metrics = Metrics(clock)
        self.backoff = Backoff(
            self.config.failure_backoff.total_seconds(), self.config.failure_backoff_max.total_seconds()
        )
        self.server: HealthServer | None = None
        self.scheduler: Any = None
        # the rate budgets of every run: a run that starts within the previous one's window knows what it spent
        self.budgets = RateBudgets()

    @property
    def health_url(self) -> str:
        assert self.server is not None, "start() the daemon first"
        return self.server.url

    def start(self) -> None:
        self.refresh_facts(seed_health=True)  # a restart reports the warehouse's freshness, not "no run yet"
        try:
            self.server = HealthServer(self.config.health_host, self.config.health_port, self.health, self.metrics)
        except OSError as exc:
            raise ConfigError(
                f"daemon.health_port: cannot listen on {self.config.health_host}:{self.config.health_port}: {exc}"
            ) from exc
        self.server.start()
        self.scheduler = self.build_scheduler()
        self.scheduler.start()
        jobs = {job.id: str(job.trigger) for job in self.scheduler.get_jobs()}
        log.info("daemon started", health=f"{self.server.url}/healthz", jobs=jobs, stale_after=self.health.stale_after)

    def build_scheduler(self) -> Any:
        zone = ZoneInfo(self.config.timezone)
        scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)},  # one run at a time, whichever job fires
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": max(1, int(self.config.misfire_grace.total_seconds())),
            },
            timezone=zone,
        )
        first = {"next_run_time": datetime.now(zone)} if self.config.run_on_start else {}
        scheduler.add_job(
            self.tick,
            trigger_for(self.config.cron, self.config.interval, zone),
            kwargs={"full": False},
            id="incremental",
            name="incremental sync",
            **first,
        )
        if self.config.full_refresh_cron:
            scheduler.add_job(
                self.tick,
                trigger_for(self.config.full_refresh_cron, self.config.interval, zone),
                kwargs={"full": True},
                id="full-refresh",
                name="full refresh",
            )
        return scheduler

    def shutdown(self, grace: float = SHUTDOWN_GRACE) -> bool:
        """Stops scheduling, lets the current run end at a page boundary; False if it did not within `grace`."""
        self.stop.set()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        finished = self.idle.wait(grace)
        if self.server is not None:
            self.server.close()
            self.server = None
        return finished

    def pause(self, seconds: float) -> None:
        """The API client's sleep (retry backoff, rate-limit windows): a stop request cuts it short."""
        if self.stop.wait(seconds):
            raise Interrupted("stop requested while waiting to retry")

    def tick(self, full: bool = False) -> None:
        """The scheduled job. A full refresh is rare, so it runs even while incremental ticks back off."""
        if self.stop.is_set():
            return
        now = self.clock()
        if not full and not self.backoff.ready(now):
            log.info(
                "run skipped: backing off after failures",
                failures=self.backoff.failures,
                retry_in=round(self.backoff.not_before - now, 1),
            )
            return
        self.run_once(full)

    def run_once(self, full: bool = False) -> str:
        """One run, whatever happens; answers its outcome (success | failed | interrupted)."""
        with self.lock:
            self.idle.clear()
            try:
                return self.attempt(full)
            finally:
                structlog.contextvars.clear_contextvars()  # pool threads are reused: no stale run_id
                self.idle.set()

    def attempt(self, full: bool) -> str:
        structlog.contextvars.clear_contextvars()
        kind = "full" if full else "incremental"
        clients: list[tuple[str, ApiClient]] = []

        def make_client(source: SourceConfig) -> ApiClient:
            client = client_for(source, sleep=self.pause, budgets=self.budgets)
            clients.append((source.name, client))
            return client

        started = self.clock()
        self.health.started(started)
        self.metrics.running.set(1)
        result: RunResult | None = None
        error: str | None = None
        permanent = False
        try:
            result = self.sync(self.settings, full=full, client_factory=make_client, stop=self.stop)
            self.metrics.record_run(result)
            failed = [s for s in result.streams if s.outcome == "failed"]
            outcome = "interrupted" if result.interrupted else "failed" if failed else "success"
            error = "; ".join(f"{s.source} {s.stream}: {s.error}" for s in failed) or None
            permanent = any(s.failure is not None and issubclass(s.failure, PERMANENT) for s in failed)
        except Interrupted:
            outcome = "interrupted"
        except SyncerError as exc:  # e.g. the warehouse is locked by a manual `syncer sync`, a token is unset
            outcome, error, permanent = "failed", f"{type(exc).__name__}: {exc}", isinstance(exc, PERMANENT)
        except Exception as exc:  # a bug must not stop the schedule: log it whole, try again later
            # the traceback as a field: logs.configure() renders exc_info only on the console, not in JSON
            log.error("run crashed", error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
            outcome, error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            for source, client in clients:
                self.metrics.record_client(source, client.stats)
            self.metrics.running.set(0)
        if outcome == "success" and self.settings.warehouse.read_snapshot:
            try:
                published = publish(self.settings.warehouse.path, self.settings.warehouse.snapshot_storage_version)
                self.metrics.snapshot.set(self.clock())
                self.metrics.snapshot_publications.labels(published.how).inc()
            except WarehouseLocked as exc:
                # e.g. a manual `syncer sync` took the file between our run and the copy: the data is committed,
                # and the next run publishes it
                log.warning("read snapshot not replaced this time", reason=str(exc))
            except (SyncerError, OSError) as exc:
                outcome, error = "failed", f"publishing the read snapshot failed: {type(exc).__name__}: {exc}"
        if outcome != "interrupted":
            self.refresh_facts()
        return self.finish(kind, outcome, started, error, permanent, result)

    def finish(
        self, kind: str, outcome: str, started: float, error: str | None, permanent: bool, result: RunResult | None
    ) -> str:
        finished = self.clock()
        self.health.finished(LastRun(outcome, started, finished, error))
        self.metrics.runs.labels(kind, outcome).inc()
        self.metrics.last_duration.set(finished - started)
        fields: dict[str, Any] = {"kind": kind, "outcome": outcome, "seconds": round(finished - started, 2)}
        if result is not None:
            fields["records"] = sum(s.records for s in result.streams)
            fields["changed"] = sum(s.inserted + s.updated + s.removed for s in result.streams)
        if outcome == "success":
            self.backoff.succeeded()
            self.metrics.last_success.set(finished)
            log.info("run finished", **fields)
        elif outcome == "failed":
            delay = self.backoff.failed(finished, permanent)
            log.error("run failed; will retry", **fields, error=error, failures=self.backoff.failures, retry_in=delay)
        else:
            log.warning("run interrupted", **fields)
        self.metrics.failures.set(self.backoff.failures)
        return outcome

    def refresh_facts(self, seed_health: bool = False) -> None:
        try:
            facts = read_facts(self.settings.warehouse.path)
        except Exception as exc:  # gauges are a convenience: never let them fail a run
            log.warning("could not read the warehouse for metrics", error=f"{type(exc).__name__}: {exc}")
            return
        if facts is None:
            return
        self.metrics.scanned_at = dict(facts.scanned_at)
        for source in {s.name for s in self.settings.sources} | facts.quarantine.keys():
            self.metrics.quarantine.labels(source).set(facts.quarantine.get(source, 0))
        if seed_health and facts.last_run is not None:
            self.health.finished(facts.last_run)
            if facts.last_run.outcome == "success":
                self.metrics.last_success.set(facts.last_run.finished_at)


class ToStructlog(logging.Handler):
    """APScheduler logs through the standard library; its warnings (missed ticks) join our JSON lines."""

    def emit(self, record: logging.LogRecord) -> None:
        message, level = record.getMessage(), record.levelno
        if "maximum number of running instances reached" in message:
            level = logging.INFO  # a tick while a long run (a first full sync) goes on: expected, not a warning
        structlog.get_logger(record.name).log(level, message)


def forward_stdlib_logs() -> None:
    scheduler_log = logging.getLogger("apscheduler")
    scheduler_log.handlers[:] = [ToStructlog()]
    scheduler_log.setLevel(logging.WARNING)  # its INFO lines ("Running job ...") repeat every tick
    scheduler_log.propagate = False


def serve(settings: Settings) -> int:
    """Runs the daemon in this process until SIGTERM or SIGINT; answers the exit code."""
    forward_stdlib_logs()
    daemon = Daemon(settings)

    def request_stop(signum: int, frame: FrameType | None) -> None:
        # Only set the event: the main thread below polls it and never holds its lock, so this cannot deadlock
        daemon.stop.set()

    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, request_stop)
    daemon.start()
    while not daemon.stop.is_set():
        time.sleep(0.2)
    log.info("stop requested; finishing the current page")
    if not daemon.shutdown(SHUTDOWN_GRACE):
        # Still inside a request or a page after the grace period: leave now rather than be SIGKILLed.
        # DuckDB drops an uncommitted transaction, and the next start marks the run interrupted.
        log.error("the run did not stop in time; exiting without it")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    log.info("daemon stopped")
    return 0
