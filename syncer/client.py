"""HTTP client for the Lead Provider API: one logical request with retries and rate-limit waits.

Layers: `RateBudget` (client-side fixed window) -> `ApiClient.get` (one logical request: retries, 429 waits,
body checks). Paging lives in pager.py, as dlt keeps its paginators apart from its client.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
import orjson
import structlog

from syncer.errors import PermanentApiError, TransientApiError

log = structlog.get_logger(__name__)

USER_AGENT = "ecf-syncer/0.1 (+https://github.com/ecf-syncer)"
MAX_PER_PAGE = 3000
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
SORT_KEYS = frozenset({"created_at", "-created_at", "updated_at", "-updated_at"})
Item = dict[str, Any]
T = TypeVar("T")


def format_timestamp(moment: datetime) -> str:
    """The only updated_since form every service reads the same way: UTC, whole seconds, `Z`."""
    if moment.tzinfo is None:
        raise ValueError("timestamps sent to the API must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def validate_params(params: Mapping[str, str]) -> None:
    """Refuse what the server would silently misread (trap 11): it answers those with an empty 200."""
    since = params.get("filter[updated_since]")
    if since is not None and (len(since) != 20 or not since.endswith("Z")):
        raise ValueError(f"filter[updated_since] must be a UTC timestamp like 2025-01-28T13:15:00Z, not {since!r}")
    sort = params.get("sort")
    if sort is not None and any(part not in SORT_KEYS for part in sort.split(",")):
        raise ValueError(f"sort must be made of {sorted(SORT_KEYS)}, not {sort!r}")
    cohort = params.get("filter[cohort]")
    if cohort is not None and not all(part.isdigit() for part in cohort.split(",")):
        raise ValueError(f"filter[cohort] must be comma-separated years, not {cohort!r}")


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0
    throttled: int = 0
    waited_seconds: float = 0.0
    faults: dict[str, int] = field(default_factory=dict)

    def fault(self, kind: str) -> None:
        self.faults[kind] = self.faults.get(kind, 0) + 1


class RateBudget:
    """Keeps a run under the provider's budget: rack-attack counts per fixed window aligned to the epoch."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self.limit, self.window, self.clock, self.sleep = limit, window, clock, sleep
        self.slot = -1
        self.used = 0

    def seconds_to_next_window(self) -> float:
        now = self.clock()
        return (math.floor(now / self.window) + 1) * self.window - now

    def acquire(self) -> float:
        """Takes one request from the budget; answers the seconds it had to wait for a new window."""
        waited = 0.0
        slot = math.floor(self.clock() / self.window)
        if slot != self.slot:
            self.slot, self.used = slot, 0
        if self.used >= self.limit:
            waited = self.seconds_to_next_window() + 0.05
            self.sleep(waited)
            self.slot, self.used = math.floor(self.clock() / self.window), 0
        self.used += 1
        return waited

    def exhaust(self) -> None:
        """The server refused us (429): our count was off, e.g. another client shares the token."""
        self.used = self.limit


@dataclass(frozen=True)
class Response:
    data: Any
    server_date: datetime | None
    status: int


class ApiClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        max_retries: int = 6,
        backoff: float = BACKOFF_BASE,
        backoff_max: float = BACKOFF_CAP,
        rate_limit: int = 1000,
        rate_window: float = 300.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json", "User-Agent": USER_AGENT},
            timeout=httpx.Timeout(timeout),
            transport=transport,
            limits=httpx.Limits(max_keepalive_connections=2, keepalive_expiry=60),
            # config allows http:// only on loopback, where there is no TLS to verify; loading the CA bundle
            # would cost a tenth of a no-change run
            verify=not base_url.startswith("http://"),
        )
        self.max_retries = max_retries
        self.backoff_base, self.backoff_max = backoff, backoff_max
        self.sleep = sleep
        # keep a little headroom: the real service also counts every request per IP (1500/5 min)
        self.budget = RateBudget(max(1, int(rate_limit * 0.98)), rate_window, clock, sleep)
        self.rng = rng or random.Random()
        self.stats = ClientStats()

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def backoff(self, attempt: int) -> float:
        return float(min(self.backoff_max, self.backoff_base * 2.0**attempt) * self.rng.uniform(0.5, 1.5))

    def get(
        self, path: str, params: Mapping[str, str] | None = None, decode: Callable[[bytes], Any] | None = None
    ) -> Response:
        """One logical GET: transient faults are retried with jittered backoff; a 429 waits for the next
        rate window (the server sends no Retry-After); a body that is not the JSON envelope is retried.
        `decode` reads a body that is not JSON (ECF1's .csv lists) into the items; ValueError means unreadable."""
        query = dict(params or {})
        validate_params(query)
        attempt = 0
        while True:
            self.stats.waited_seconds += self.budget.acquire()
            self.stats.requests += 1
            try:
                return self.interpret(self.http.get(path, params=query), decode)
            except httpx.TimeoutException:
                failure, kind = TransientApiError(f"timed out: GET {path}", url=path), "timeout"
            except httpx.TransportError as error:
                failure, kind = TransientApiError(f"connection failed: GET {path}: {error!r}", url=path), "connection"
            except TransientApiError as error:
                failure, kind = error, str(error.status or "body")
            self.stats.fault(kind)
            if attempt >= self.max_retries:
                raise TransientApiError(f"giving up after {attempt + 1} attempts: {failure}", failure.status, path)
            attempt += 1
            if kind == "429":
                self.stats.throttled += 1
                self.budget.exhaust()  # the next acquire() sleeps until the window turns
                continue
            pause = self.backoff(attempt)
            log.warning("retrying", path=path, fault=kind, attempt=attempt, pause=round(pause, 2))
            self.stats.retries += 1
            self.stats.waited_seconds += pause
            self.sleep(pause)

    def interpret(self, response: httpx.Response, decode: Callable[[bytes], Any] | None = None) -> Response:
        status = response.status_code
        url = str(response.request.url.copy_with(query=None))
        if status == 429:
            raise TransientApiError("rate limited (429)", status=status, url=url)
        if status >= 500:
            raise TransientApiError(f"server error {status}", status=status, url=url)
        if status >= 400:
            raise PermanentApiError(f"{status} from {url}: {error_detail(response)}", status=status, url=url)
        if decode is not None:
            try:
                return Response(decode(response.content), server_date(response), status)
            except ValueError as exc:
                raise TransientApiError(f"unreadable body from {url}: {exc}", status=None, url=url) from exc
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise TransientApiError(f"unparseable body from {url}", status=None, url=url) from exc
        if not isinstance(body, dict) or "data" not in body:
            raise TransientApiError(f"body from {url} is not the {{'data': ...}} envelope", status=None, url=url)
        return Response(body["data"], server_date(response), status)


def server_date(response: httpx.Response) -> datetime | None:
    raw = response.headers.get("date")
    if not raw:
        return None
    try:
        return parsedate_to_datetime(raw).astimezone(UTC)
    except (TypeError, ValueError):
        return None


def error_detail(response: httpx.Response) -> str:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text[:200]
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return "; ".join(f"{e.get('title')}: {e.get('detail')}" for e in errors if isinstance(e, dict))
        if "error" in body:
            return str(body["error"])
    return response.text[:200]
