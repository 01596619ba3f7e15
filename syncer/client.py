"""HTTP client for the Lead Provider API: one logical request with retries and rate-limit waits.

Layers: `RateBudget` (client-side fixed window) -> `ApiClient.get` (one logical request: retries, 429 waits,
body checks). Paging lives in pager.py, as dlt keeps its paginators apart from its client.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
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
HEADROOM = 0.98  # of each limit, for the odd request the budgets do not see
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
    """One of the server's rack-attack counters as this process spends it: `limit` requests per fixed window aligned
    to the epoch."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.slot = -1  # the window of the last request counted
        self.used = 0

    def wait(self, now: float) -> float:
        """Seconds until one more request fits: 0 now, else until the window turns."""
        slot = math.floor(now / self.window)
        if slot != self.slot or self.used < self.limit:
            return 0.0
        return (slot + 1) * self.window - now

    def spend(self, now: float) -> None:
        slot = math.floor(now / self.window)
        if slot != self.slot:
            self.slot, self.used = slot, 0
        self.used += 1

    def exhaust(self) -> None:
        """The server refused us (429): our count of the last request's window was off."""
        self.used = max(self.used, self.limit)


class RateBudgets:
    """The budgets of one process, shared by every client made with it. RECT counts each token (1000 per 5 min) and,
    on top, every request from one address (1500 per 5 min), so sources on one host share a host budget; a token
    used by two sources shares its budget too. The sync run and the daemon each keep one for their life.

    Another process on this machine (a manual `syncer sync` while the daemon runs) keeps its own: the server may
    then answer 429, which ApiClient waits out."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.budgets: dict[tuple[str, ...], RateBudget] = {}

    def budget(self, key: tuple[str, ...], limit: int, window: float) -> RateBudget:
        """The budget under `key` and `window`, made on first use; a later user with a smaller limit tightens it, so
        sources of one host that disagree on its limit share the smaller."""
        with self.lock:
            found = self.budgets.setdefault((*key, repr(window)), RateBudget(limit, window))
            found.limit = min(found.limit, limit)
            return found

    def acquire(
        self, budgets: Sequence[RateBudget], clock: Callable[[], float], sleep: Callable[[float], None]
    ) -> float:
        """Takes one request from each of `budgets`; answers the seconds it had to wait for a new window."""
        with self.lock:
            pause = max(b.wait(clock()) for b in budgets)
        waited = 0.0
        if pause > 0:
            waited = pause + 0.05
            sleep(waited)  # every budget of a host shares its window, so one wait frees them all
        with self.lock:
            now = clock()
            for found in budgets:
                found.spend(now)
        return waited


def origin(base_url: str) -> str:
    """scheme://host:port: what the server's per-address count is kept apart by, as this process sees it."""
    url = httpx.URL(base_url)
    port = url.port or {"http": 80, "https": 443}.get(url.scheme, 0)
    return f"{url.scheme}://{url.host}:{port}"


def headroom(limit: int) -> int:
    return max(1, int(limit * HEADROOM))


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
        host_rate_limit: int | None = None,
        budgets: RateBudgets | None = None,
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
        self.sleep, self.clock = sleep, clock
        # one budget per token and host, and one per host when the service also counts per address (RECT: every
        # request from this machine, whichever token it carries); shared with the other clients of `budgets`
        self.budgets = budgets or RateBudgets()
        host = origin(base_url)
        self.rate_budgets = [self.budgets.budget(("token", host, token), headroom(rate_limit), rate_window)]
        if host_rate_limit is not None:
            self.rate_budgets.append(self.budgets.budget(("host", host), headroom(host_rate_limit), rate_window))
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
            self.stats.waited_seconds += self.budgets.acquire(self.rate_budgets, self.clock, self.sleep)
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
            if kind == "429":
                self.stats.throttled += 1
                # the 429 does not say which count refused us: the window must turn on all of them, for every
                # client sharing them, even if this one gives up now
                for budget in self.rate_budgets:
                    budget.exhaust()
            if attempt >= self.max_retries:
                raise TransientApiError(f"giving up after {attempt + 1} attempts: {failure}", failure.status, path)
            attempt += 1
            if kind == "429":
                continue  # the next acquire() waits for the window to turn
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
