"""One sync run: every configured source x every stream -> the warehouse, then the participant-id remap.

Per stream: decide incremental or full (full on demand, when the endpoint ignores updated_since, when no
watermark exists yet, or when `full_refresh_every` has passed); page through with the tie-safe pager;
validate each page at the boundary (bad items to quarantine); write pages in batches, one transaction per batch
(a page never spans two); close the scan with the new watermark in the last batch's transaction.

Batches, not single pages, because DuckDB's cost is mostly per statement and per commit: a 3000-row page
costs about as many statements as 30 000 rows, and each commit writes the page's raw JSON to the WAL. A batch
holds about `write_batch_mb` of JSON (8 MB: about 4 pages of 3000 declarations); pages keep arriving from
the prefetch thread while one is written. A run stopped or killed mid-batch loses only uncommitted pages, which the next
run fetches again (the watermark only moves with a stream's last batch).

The watermark is the server's clock at the scan's first response (its Date header; the client's clock if
absent), clamped to our wall clock, minus `lookback`: never the largest updated_at seen, because rows are
committed late with older timestamps and the filter is inclusive (api-facts §9 traps 5 and 15).

A run can be stopped cooperatively (the daemon on SIGTERM): `stop` is checked between pages, so a batch being
written commits whole, pages not yet written are dropped, and the run ends with its unfinished streams marked
'interrupted'.
"""

from __future__ import annotations

import functools
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog

from syncer import contracts as contract_file
from syncer import newly_in_scope
from syncer.batching import Batch, prepared
from syncer.bookkeeping import Finish, RunRef
from syncer.client import ApiClient, RateBudgets, format_timestamp
from syncer.config import Settings, SourceConfig
from syncer.csv_lists import csv_pages
from syncer.errors import Interrupted, SyncerError
from syncer.pager import Page, pages, prefetched
from syncer.remap import remap
from syncer.store import Store, WriteCounts
from syncer.streams import BLIND_OVERLAP, Stream, select
from syncer.views import refresh_views
from syncer.warehouse import Warehouse

log = structlog.get_logger(__name__)
FIRST_COHORT = 2021
PREFETCH_PAGES = 2  # validated pages waiting while a batch is written (peak RSS grows with it)
Progress = Callable[["StreamResult"], None]


@dataclass
class StreamResult:
    source: str
    stream: str
    mode: str
    pages: int = 0
    requests: int = 0
    counts: WriteCounts = field(default_factory=WriteCounts)
    seconds: float = 0.0
    outcome: str = "running"
    error: str | None = None
    failure: type[Exception] | None = None  # what ended a failed stream, for the daemon to judge

    def add(self, counts: WriteCounts, pages: int) -> None:
        self.pages += pages
        self.counts += counts

    # the counts, read as the result's own (summaries, metrics and tests name them so)
    records = property(lambda self: self.counts.records)
    inserted = property(lambda self: self.counts.inserted)
    updated = property(lambda self: self.counts.updated)
    unchanged = property(lambda self: self.counts.unchanged)
    removed = property(lambda self: self.counts.removed)
    quarantined = property(lambda self: self.counts.quarantined)

    def summary(self) -> dict[str, object]:
        """The stream's result as log fields."""
        fields = {k: v for k, v in vars(self).items() if k not in ("error", "counts", "failure")}
        return fields | vars(self.counts)


@dataclass
class RunResult:
    run_id: str
    streams: list[StreamResult] = field(default_factory=list)
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.interrupted and all(s.outcome == "success" for s in self.streams)


def check_stop(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise Interrupted("stop requested")


def now_utc() -> datetime:
    return datetime.now(UTC)


def academic_year(moment: datetime) -> int:
    return moment.year if moment.month >= 6 else moment.year - 1


def client_for(
    source: SourceConfig, sleep: Callable[[float], None] = time.sleep, budgets: RateBudgets | None = None
) -> ApiClient:
    """`sleep` waits out backoffs and rate windows; the daemon passes one that a stop request cuts short. `budgets`
    are the rate budgets shared with the other sources' clients (one per token, one per host)."""
    return ApiClient(
        source.base_url,
        source.resolve_token(),
        timeout=source.timeout.total_seconds(),
        max_retries=source.max_retries,
        backoff=source.retry_backoff.total_seconds(),
        backoff_max=source.retry_backoff_max.total_seconds(),
        rate_limit=source.rate_limit,
        rate_window=source.rate_window.total_seconds(),
        host_rate_limit=source.host_rate_limit,
        budgets=budgets,
        sleep=sleep,
    )


def run_sync(
    settings: Settings,
    streams: list[str] | None = None,
    full: bool = False,
    progress: Progress | None = None,
    client_factory: Callable[[SourceConfig], ApiClient] | None = None,
    stop: threading.Event | None = None,
) -> RunResult:
    """`client_factory` makes each source's client; by default client_for(), with one set of rate budgets for the
    run, so that sources on one host share its per-address budget."""
    if client_factory is None:
        client_factory = functools.partial(client_for, budgets=RateBudgets())
    chosen = {source.name: select(streams, source.api) for source in settings.sources}  # each source's API profile
    contracts = contract_file.for_settings(settings)  # a bad contracts file stops the run before it writes
    batch_bytes = int(settings.warehouse.write_batch_mb * 2**20)
    result = RunResult(run_id=uuid.uuid4().hex[:12])
    structlog.contextvars.bind_contextvars(run_id=result.run_id)
    with Warehouse(settings.warehouse.path) as warehouse:
        store = Store(warehouse)
        interrupted = store.book.close_interrupted_runs()
        if interrupted:
            log.warning("previous run was interrupted", streams=interrupted)
        for source in settings.sources:
            with client_factory(source) as client:
                for stream in chosen[source.name]:
                    outcome = sync_stream(
                        store, client, source, stream, full, result.run_id, progress, stop, batch_bytes
                    )
                    result.streams.append(outcome)
                    if outcome.outcome == "interrupted":
                        result.interrupted = True
                        break
            if result.interrupted:
                # our own rows still 'running' were cut short: say so now rather than at the next start
                store.book.close_interrupted_runs()
                break  # the remap is re-applied in full by the next run
            mapped = remap(warehouse, source.name)
            log.info("participant ids remapped", source=source.name, merged_ids=mapped)
        if not result.interrupted:
            refresh_views(warehouse, contracts)
    return result


def sync_stream(
    store: Store,
    client: ApiClient,
    source: SourceConfig,
    stream: Stream,
    force_full: bool,
    run_id: str,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    batch_bytes: int = 0,
) -> StreamResult:
    started = now_utc()
    clock = time.perf_counter()
    watermark, last_full = store.book.state(source.name, stream.name)
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
    store.book.start_run(run, result.mode, started, since)
    requests_before = client.stats.requests
    try:
        scan(store, client, source, stream, since, full, started, run, result, progress, stop, batch_bytes)
        result.outcome = "success"
    except Interrupted:
        result.outcome = "interrupted"
        log.warning("stream interrupted; batches so far are committed", source=source.name, stream=stream.name)
    except (SyncerError, OSError, ValueError) as exc:
        result.outcome, result.error, result.failure = "failed", f"{type(exc).__name__}: {exc}", type(exc)
        store.book.fail_run(run, result.error, now_utc(), client.stats.requests - requests_before)
        log.error("stream failed", source=source.name, stream=stream.name, error=result.error)
    result.requests = client.stats.requests - requests_before
    result.seconds = time.perf_counter() - clock
    log.info("stream synced", **result.summary())
    return result


def scan(
    store: Store,
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
    batch_bytes: int = 0,
) -> None:
    cohorts: list[int | None] = [None]
    if stream.per_cohort:
        cohorts = list(source.cohorts or range(FIRST_COHORT, academic_year(started) + 1))
    server_start: datetime | None = None
    api_clock: datetime | None = None
    requests_before = client.stats.requests

    def write(batch: Batch, finish: Finish | None) -> None:
        requests = client.stats.requests - requests_before
        log.debug("writing batch", stream=stream.name, pages=batch.pages, closing=finish is not None)
        counts = store.apply_batch(
            stream, source.name, batch.raws, batch.bad, batch.pages, started, run, requests, finish
        )
        log.debug("batch committed", stream=stream.name, pages=batch.pages, closing=finish is not None)
        result.add(counts, batch.pages)
        if progress is not None:
            progress(result)

    # an adapter regroups rows page by page, so a key can repeat across its pages: one page per batch
    limit = 0 if stream.adapter else batch_bytes
    if since is not None:  # declarations newly in scope with old timestamps, before the batch that closes the scan
        refetch = lambda params: fetch(client, source, stream, params)  # noqa: E731
        for caught_up in newly_in_scope.batches(store, source.name, stream, since, refetch, limit, stop):
            write(caught_up, None)
    batch = Batch()  # may hold pages of several cohorts: a school in two cohorts repeats its id, starting a batch
    for position, cohort in enumerate(cohorts):
        fetched = fetch(client, source, stream, scan_params(stream, since, cohort))
        for prepared_page in prefetched(prepared(stream, fetched), depth=PREFETCH_PAGES):
            check_stop(stop)  # between pages: a batch is written whole or not at all
            if server_start is None:
                api_clock = prepared_page.server_date
                server_start = min(api_clock or started, now_utc())
            if not batch.accepts(prepared_page):
                write(batch, None)
                batch = Batch()
            batch.add(prepared_page)
            closing = prepared_page.last and position == len(cohorts) - 1
            if closing or batch.size >= limit:
                write(batch, Finish(server_start - source.lookback, full, started, api_clock) if closing else None)
                batch = Batch()


def scan_params(stream: Stream, since: datetime | None, cohort: int | None) -> dict[str, str]:
    params: dict[str, str] = {}
    if since is not None:
        # a strict `>` with second precision would skip rows stamped exactly at the watermark's second
        bound = since - timedelta(seconds=1) if stream.since_exclusive else since
        params["filter[updated_since]"] = format_timestamp(bound)
    if cohort is not None:
        params["filter[cohort]"] = str(cohort)
    return params


def fetch(client: ApiClient, source: SourceConfig, stream: Stream, params: dict[str, str]) -> Iterator[Page]:
    if source.list_format == "csv":
        return csv_pages(client, stream.path, stream.item_type, params)
    return pages(
        client,
        stream.path,
        params,
        source.per_page,
        order_value=stream.order_value if stream.order_field else None,
        blind_overlap=0 if stream.order_field else BLIND_OVERLAP,
    )
