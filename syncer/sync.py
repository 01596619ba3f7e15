"""One sync run: every configured source x every stream -> the warehouse, then the participant-id remap.

Per stream: decide incremental or full (full on demand, when the endpoint ignores updated_since, when no
watermark exists yet, or when `full_refresh_every` has passed); page through with the tie-safe pager;
validate each page at the boundary (bad items to quarantine); apply each page in its own transaction; close
the scan with the new watermark in the last page's transaction.

The watermark is the server's clock at the scan's first response (its Date header; the client's clock if
absent), clamped to our wall clock, minus `lookback`: never the largest updated_at seen, because rows are
committed late with older timestamps and the filter is inclusive (api-facts §9 traps 5 and 15).

A run can be stopped cooperatively (the daemon on SIGTERM): `stop` is checked between pages, so the page
being written commits whole and the run ends with its unfinished streams marked 'interrupted'.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import orjson
import structlog

from syncer.adapters import ADAPTERS
from syncer.api_models import split_valid
from syncer.client import ApiClient, Page, format_timestamp, prefetched
from syncer.config import Settings, SourceConfig
from syncer.csv_transport import csv_pages
from syncer.errors import SyncerError
from syncer.remap import remap
from syncer.store import Finish, PageCounts, RunRef, Warehouse
from syncer.streams import BLIND_OVERLAP, Stream, select
from syncer.views import refresh_views

log = structlog.get_logger(__name__)
FIRST_COHORT = 2021
Progress = Callable[["StreamResult"], None]


@dataclass
class StreamResult:
    source: str
    stream: str
    mode: str
    pages: int = 0
    requests: int = 0
    records: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    quarantined: int = 0
    seconds: float = 0.0
    outcome: str = "running"
    error: str | None = None

    def add(self, counts: PageCounts) -> None:
        self.pages += 1
        self.records += counts.records
        self.inserted += counts.inserted
        self.updated += counts.updated
        self.unchanged += counts.unchanged
        self.removed += counts.removed
        self.quarantined += counts.quarantined


@dataclass
class RunResult:
    run_id: str
    streams: list[StreamResult] = field(default_factory=list)
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.interrupted and all(s.outcome == "success" for s in self.streams)


class Interrupted(SyncerError):
    """A stop was requested; raised between pages (or by an interruptible wait), never inside a transaction."""


def check_stop(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise Interrupted("stop requested")


def now_utc() -> datetime:
    return datetime.now(UTC)


def academic_year(moment: datetime) -> int:
    return moment.year if moment.month >= 6 else moment.year - 1


def client_for(source: SourceConfig, sleep: Callable[[float], None] = time.sleep) -> ApiClient:
    """`sleep` waits out backoffs and rate windows; the daemon passes one that a stop request cuts short."""
    return ApiClient(
        source.base_url,
        source.resolve_token(),
        timeout=source.timeout.total_seconds(),
        max_retries=source.max_retries,
        backoff=source.retry_backoff.total_seconds(),
        backoff_max=source.retry_backoff_max.total_seconds(),
        rate_limit=source.rate_limit,
        rate_window=source.rate_window.total_seconds(),
        sleep=sleep,
    )


def run_sync(
    settings: Settings,
    streams: list[str] | None = None,
    full: bool = False,
    progress: Progress | None = None,
    client_factory: Callable[[SourceConfig], ApiClient] = client_for,
    stop: threading.Event | None = None,
) -> RunResult:
    chosen = {source.name: select(streams, source.api) for source in settings.sources}  # each source's API profile
    result = RunResult(run_id=uuid.uuid4().hex[:12])
    structlog.contextvars.bind_contextvars(run_id=result.run_id)
    with Warehouse(settings.warehouse.path) as warehouse:
        interrupted = warehouse.close_interrupted_runs()
        if interrupted:
            log.warning("previous run was interrupted", streams=interrupted)
        for source in settings.sources:
            with client_factory(source) as client:
                for stream in chosen[source.name]:
                    outcome = sync_stream(warehouse, client, source, stream, full, result.run_id, progress, stop)
                    result.streams.append(outcome)
                    if outcome.outcome == "interrupted":
                        result.interrupted = True
                        break
            if result.interrupted:
                # our own rows still 'running' were cut short: say so now rather than at the next start
                warehouse.close_interrupted_runs()
                break  # the remap is re-applied in full by the next run
            mapped = remap(warehouse, source.name)
            log.info("participant ids remapped", source=source.name, merged_ids=mapped)
        if not result.interrupted:
            refresh_views(warehouse)
    return result


def sync_stream(
    warehouse: Warehouse,
    client: ApiClient,
    source: SourceConfig,
    stream: Stream,
    force_full: bool,
    run_id: str,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> StreamResult:
    started = now_utc()
    clock = time.perf_counter()
    watermark, last_full = warehouse.state(source.name, stream.name)
    full = (
        force_full
        or not stream.incremental
        or watermark is None
        or last_full is None
        or started - last_full >= source.full_refresh_every
    )
    since = None if full else watermark
    result = StreamResult(source.name, stream.name, "full" if full else "incremental")
    run = RunRef(run_id, source.name, stream.name)
    warehouse.start_run(run, result.mode, started, since)
    requests_before = client.stats.requests
    try:
        scan(warehouse, client, source, stream, since, full, started, run, result, progress, stop)
        result.outcome = "success"
    except Interrupted:
        result.outcome = "interrupted"
        log.warning("stream interrupted; pages so far are committed", source=source.name, stream=stream.name)
    except (SyncerError, OSError, ValueError) as exc:
        result.outcome, result.error = "failed", f"{type(exc).__name__}: {exc}"
        warehouse.fail_run(run, result.error, now_utc(), client.stats.requests - requests_before)
        log.error("stream failed", source=source.name, stream=stream.name, error=result.error)
    result.requests = client.stats.requests - requests_before
    result.seconds = time.perf_counter() - clock
    log.info("stream synced", **{k: v for k, v in vars(result).items() if k not in ("error",)})
    return result


def scan(
    warehouse: Warehouse,
    client: ApiClient,
    source: SourceConfig,
    stream: Stream,
    since: datetime | None,
    full: bool,
    started: datetime,
    run: RunRef,
    result: StreamResult,
    progress: Progress | None,
    stop: threading.Event | None = None,
) -> None:
    cohorts: list[int | None] = [None]
    if stream.per_cohort:
        cohorts = list(source.cohorts or range(FIRST_COHORT, academic_year(started) + 1))
    server_start: datetime | None = None
    requests_before = client.stats.requests
    for position, cohort in enumerate(cohorts):
        params: dict[str, str] = {}
        if since is not None:
            # a strict `>` with second precision would skip rows stamped exactly at the watermark's second
            bound = since - timedelta(seconds=1) if stream.since_exclusive else since
            params["filter[updated_since]"] = format_timestamp(bound)
        if cohort is not None:
            params["filter[cohort]"] = str(cohort)
        if source.transport == "csv":
            fetched = csv_pages(client, stream.path, stream.item_type, params)
        else:
            fetched = client.pages(
                stream.path,
                params,
                source.per_page,
                order_value=stream.order_value if stream.order_field else None,
                blind_overlap=0 if stream.order_field else BLIND_OVERLAP,
            )
        pages = prefetched(prepared(stream, fetched))
        for page, raws, bad in pages:
            check_stop(stop)  # between pages: the previous page's transaction has committed
            if server_start is None:
                server_start = min(page.server_date or started, now_utc())
            finish = None
            if page.last and position == len(cohorts) - 1:
                finish = Finish(server_start - source.lookback, full, started)
            counts = warehouse.apply_page(
                stream, source.name, raws, bad, started, run, client.stats.requests - requests_before, finish
            )
            result.add(counts)
            if progress is not None:
                progress(result)


def prepared(
    stream: Stream, pages: Iterator[Page]
) -> Iterator[tuple[Page, list[str], list[tuple[str, str, str | None]]]]:
    """Validates each page and renders its items as JSON text: runs in the prefetch thread, so this work
    overlaps the warehouse's writing of the previous page."""
    previous: set[str] = set()
    adapt = ADAPTERS[stream.adapter] if stream.adapter else None
    for page in pages:
        items = page.items
        if adapt is not None:  # an older profile's page, reshaped (and de-duplicated by its own key)
            items, previous = adapt(items, previous)
        valid, bad = split_valid(stream.item_type, items)
        if adapt is not None:
            fresh = valid
        else:
            # the window overlap repeats rows of the previous page; a key must also appear once per page
            fresh = list({item["id"]: item for item in valid if item["id"] not in previous}.values())
            previous = {item["id"] for item in valid}
        raws = [orjson.dumps(item).decode() for item in fresh]
        yield page, raws, [(orjson.dumps(item).decode(), error, item_id(item)) for item, error in bad]


def item_id(item: object) -> str | None:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return str(item["id"])
    return None
