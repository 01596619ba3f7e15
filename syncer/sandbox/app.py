"""The sandbox's HTTP surface: the Lead Provider API of one profile (RECT v3 by default, or ECF1 v3; see
profiles.py) under /api/v3, the hidden service side under /sandbox. Status codes, bodies and content types follow
api-facts §1.4 and §2."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from email.utils import format_datetime
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from syncer.sandbox import activity, ecf_v2, events, serialize, writes
from syncer.sandbox.endpoints import Endpoint, Scoped, default_order, filtered, school_cohort
from syncer.sandbox.http import RECT_JSON, UNAUTHORISED, Handler, bad_request, json_response
from syncer.sandbox.model import LeadProvider
from syncer.sandbox.profiles import PROFILES, RECT_V3, Profile
from syncer.sandbox.query import BadRequest, Page, nested, parse_page, parse_sort, tied_positions, window_positions
from syncer.sandbox.world import World

DEFAULT_RATE_LIMIT = 1000
DEFAULT_RATE_WINDOW = 300


class RateLimiter:
    """rack-attack's fixed window: the counter key is floor(now / window), so windows align to the epoch."""

    def __init__(self, limit: int, window: int, clock: Callable[[], float] = time.time) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self.counts: dict[tuple[str, int], int] = {}

    def allow(self, key: str) -> bool:
        slot = math.floor(self.clock() / self.window)
        count = self.counts.get((key, slot), 0) + 1
        if count == 1:
            self.counts = {k: v for k, v in self.counts.items() if k[1] == slot}
        self.counts[(key, slot)] = count
        return count <= self.limit


class SandboxMiddleware:
    """Rate limit on /api paths (keyed by the raw Authorization header) and the simulated clock's Date."""

    def __init__(self, app: ASGIApp, world: World, limiter: RateLimiter) -> None:
        self.app, self.world, self.limiter = app, world, limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        auth = headers.get(b"authorization")
        if scope["path"].startswith("/api/") and auth is not None and not self.limiter.allow(auth.decode("latin-1")):
            await Response(b"Retry later\n", 429, headers={"content-type": "text/plain"})(scope, receive, send)
            return
        date_header = format_datetime(self.world.clock, usegmt=True).encode()

        async def send_with_date(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"date", date_header)]
            await send(message)

        await self.app(scope, receive, send_with_date)


def authenticated(world: World, request: Request) -> LeadProvider | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return world.provider_for_token(token.strip())


def api(world: World, handler: Handler, profile: Profile = RECT_V3) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        provider = authenticated(world, request)
        if provider is None:
            if request.headers.get("authorization", "").partition(" ")[2].strip() in profile.forbidden_tokens:
                return Response(b"", 403, media_type=profile.content_type)
            return json_response(UNAUTHORISED, 401, profile.content_type, profile.unauthorised_headers)
        try:
            with world.lock:
                return await handler(request, world, provider)
        except BadRequest as exc:
            return bad_request(exc, profile.content_type)

    return endpoint


def scoped(request: Request, world: World, provider: LeadProvider, endpoint: Endpoint) -> Scoped:
    params = request.query_params.multi_items()
    filters = nested(params, "filter")
    cohort = school_cohort(filters) if endpoint.cohort_required else None
    return Scoped(world, provider.id, filters, cohort)


def renderer(endpoint: Endpoint) -> Callable[[Scoped, Any], bytes]:
    """An item's JSON: orjson.dumps(endpoint.serialize(...)), byte for byte (the native serializer is just faster).

    Kept as a right-sized copy: each orjson output held on to pins about 8 KB of heap (two fresh pages per item
    in page faults, 1.5 GB for 200k items as measured), while a copy lets the next dumps reuse the buffer."""
    dumps, native, serializer, option = orjson.dumps, endpoint.native, endpoint.serialize, serialize.NATIVE
    if native is not None:
        return lambda query, row: memoryview(dumps(native(query, row), option=option)).tobytes()
    return lambda query, row: memoryview(dumps(serializer(query, row))).tobytes()


def item_cache(endpoint: Endpoint, query: Scoped) -> dict[str, bytes]:
    """Rendered items by ident, kept until the world next changes and shared by every filter and order of a list."""
    key = (endpoint.profile, endpoint.name, query.provider_id, query.cohort)
    found = query.world.item_cache.get(key)
    if found is None:
        found = query.world.item_cache[key] = {}
    return found


class Listing:
    """One list as served (a filter set and order of an endpoint), kept until the world next changes: its rows in
    order, where their ties are and each row's JSON once rendered, so that a page costs a window over positions
    and a join of bytes rather than a look at every row."""

    def __init__(self, endpoint: Endpoint, query: Scoped, rows: list[Any], order: Callable[[Any], Any]) -> None:
        self.endpoint, self.query, self.rows, self.order = endpoint, query, rows, order
        self.tied = tied_positions(list(map(order, rows)))
        # filled page by page (from the item cache where another listing rendered it): a look at every row up front
        # would cost a large filtered list's first request a second (its rows lie all over memory)
        self.items: list[bytes | None] = [None] * len(rows)
        self.missing = len(rows)

    def page(self, page: Page) -> list[bytes]:
        return self.bodies(window_positions(self.rows, self.order, self.endpoint.ident, page, self.tied))

    def bodies(self, positions: list[int]) -> list[bytes]:
        """The items at `positions`, rendering those not rendered yet."""
        if self.missing:
            self.render([p for p in positions if self.items[p] is None])
        items = self.items
        return [items[p] for p in positions]  # type: ignore[misc]  # all rendered now

    def render(self, positions: list[int]) -> None:
        cache, render, query = item_cache(self.endpoint, self.query), renderer(self.endpoint), self.query
        rows, ident, items = self.rows, self.endpoint.ident, self.items
        for position in positions:
            row = rows[position]
            key = ident(row)
            body = cache.get(key)  # another filter or order of this list may have rendered it
            if body is None:
                body = cache[key] = render(query, row)
            items[position] = body
        self.missing -= len(positions)

    def unrendered(self) -> list[int]:
        return [p for p, body in enumerate(self.items) if body is None] if self.missing else []


def listing(endpoint: Endpoint, query: Scoped, sort: str | None) -> Listing:
    """The Listing for a request's filters and `sort` parameter (the rows and their order as filtered() and
    default_order() give them, or as sorted by `sort`)."""
    if endpoint.sort_columns is None:
        sort = None  # ignored by this endpoint
    filters = tuple(sorted(query.filters.items()))
    key = ("listing", endpoint.profile, endpoint.name, query.provider_id, query.cohort, filters, sort)

    def build() -> Listing:
        rows = filtered(endpoint, query)
        order = default_order(endpoint, query)
        if endpoint.sort_columns is not None:
            columns = parse_sort(sort, {k: f(query) for k, f in endpoint.sort_columns.items()})
            if columns:
                rows = list(rows)
                for column, descending in reversed(columns):
                    rows.sort(key=column, reverse=descending)
                keys = [column for column, _ in columns]
                order = lambda r: tuple(k(r) for k in keys)  # noqa: E731
        return Listing(endpoint, query, rows, order)

    return query.world.cached(key, build)


def list_handler(endpoint: Endpoint, media_type: str = RECT_JSON) -> Handler:
    async def handle(request: Request, world: World, provider: LeadProvider) -> Response:
        query = scoped(request, world, provider, endpoint)
        page = parse_page(request.query_params.multi_items())
        parts = listing(endpoint, query, request.query_params.get("sort")).page(page)
        if not parts:
            return Response(b'{"data":[]}', media_type=media_type)
        parts[0] = b'{"data":[' + parts[0]  # the wrapper joins in with the items: one copy of the body, not three
        parts[-1] += b"]}"
        return Response(b",".join(parts), media_type=media_type)

    return handle


def show_handler(endpoint: Endpoint, profile: Profile = RECT_V3) -> Handler:
    async def handle(request: Request, world: World, provider: LeadProvider) -> Response:
        query = scoped(request, world, provider, endpoint)
        wanted = request.path_params["id"]
        for row in endpoint.scope(query):
            if str(row.id) == wanted:  # the record id (v2 participant rows are keyed otherwise: see ecf_v2.py)
                return json_response({"data": endpoint.serialize(query, row)}, media_type=profile.content_type)
        return json_response(profile.not_found, 404, profile.content_type)

    return handle


def csv_handler(endpoint: Endpoint) -> Handler:
    """ECF1's .csv variant of a list: the whole filtered list, unpaginated (api-facts §6)."""

    async def handle(request: Request, world: World, provider: LeadProvider) -> Response:
        query = scoped(request, world, provider, endpoint)
        items = [endpoint.serialize(query, r) for r in filtered(endpoint, query)]
        return Response(ecf_v2.csv_body(endpoint.name, items), media_type="text/csv")

    return handle


def truth(world: World, profile: Profile = RECT_V3) -> Callable[[Request], Awaitable[Response]]:
    """Everything one provider can see, each item exactly as the profile's list endpoint serves it, keyed by the
    profile's endpoint names (for tests)."""

    async def handle(request: Request) -> Response:
        provider = authenticated(world, request)
        if provider is None:
            return json_response(UNAUTHORISED, 401)
        with world.lock:
            result: dict[str, Any] = {}
            for endpoint in profile.endpoints:
                cohorts = sorted(world.school_cohorts()) if endpoint.cohort_required else [None]
                items: list[dict[str, Any]] = []
                for cohort in cohorts:
                    query = Scoped(world, provider.id, {}, cohort)
                    items.extend(endpoint.serialize(query, r) for r in endpoint.scope(query))
                result[endpoint.name] = items
            result["_meta"] = {
                "provider": provider.name,
                "api": profile.name,
                "clock": world.clock.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        return json_response(result)

    return handle


def event(world: World) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        try:
            body = orjson.loads(await request.body() or b"{}")
            if not isinstance(body, dict) or not isinstance(body.get("kind"), str):
                raise ValueError
        except (orjson.JSONDecodeError, ValueError):
            return json_response({"error": 'Body must be JSON like {"kind": "merge", "provider": "<name>"}'}, 400)
        try:
            with world.lock:
                return json_response(events.apply(world, body["kind"], body.get("provider")))
        except events.EventRefused as exc:
            return json_response({"error": str(exc)}, 422)

    return handle


def tick(world: World) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        try:
            body = orjson.loads(await request.body() or b"{}")
            days = body.get("days", 1) if isinstance(body, dict) else None
            if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 3660:
                raise ValueError
        except (orjson.JSONDecodeError, ValueError):
            return json_response({"error": 'Body must be JSON like {"days": n} with 0 <= n <= 3660'}, 400)
        with world.lock:
            summary = activity.advance(world, days)
        return json_response(summary)

    return handle


async def not_found(request: Request, exc: Exception) -> Response:
    if "json" in request.headers.get("accept", "") or request.url.path.endswith(".json"):
        return json_response({"error": "Resource not found"}, 404)
    html = "<html><body><h1>Page not found</h1></body></html>"
    return Response(html, 404, media_type="text/html; charset=utf-8")


def fixed_not_found(profile: Profile) -> Callable[[Request, Exception], Awaitable[Response]]:
    """ECF1's exceptions app answers every unknown path with the same JSON."""

    async def handle(request: Request, exc: Exception) -> Response:
        return json_response(profile.no_route, 404, profile.content_type)

    return handle


async def server_error(request: Request, exc: Exception) -> Response:
    return json_response({"error": "Internal server error"}, 500)


def create_app(
    world: World,
    rate_limit: int = DEFAULT_RATE_LIMIT,
    rate_window: int = DEFAULT_RATE_WINDOW,
    api_profile: str = "rect-v3",
    clock: Callable[[], float] = time.time,
) -> ASGIApp:
    """`clock` is the rate limiter's wall clock (tests pass a fake one)."""
    profile = PROFILES[api_profile]
    prefix, media = profile.prefix, profile.content_type
    routes = [
        Route(f"{prefix}{e.path}.csv", api(world, csv_handler(e), profile))
        for e in profile.endpoints
        if e.name in profile.csv
    ]
    routes += [Route(f"{prefix}{e.path}", api(world, list_handler(e, media), profile)) for e in profile.endpoints]
    for path, name in profile.aliases:  # a list (and its .csv) at a second path, e.g. ECF1 v2's /participants
        alias = profile.endpoint(name)
        routes.append(Route(f"{prefix}{path}", api(world, list_handler(alias, media), profile)))
        if name in profile.csv:
            routes.append(Route(f"{prefix}{path}.csv", api(world, csv_handler(alias), profile)))
    if profile.transfers_show:
        transfers = show_handler(profile.endpoint("participants/transfers"), profile)
        routes.append(Route(f"{prefix}{profile.transfers_show}", api(world, transfers, profile)))
    routes += [
        Route(f"{prefix}{e.path}/{{id}}", api(world, show_handler(e, profile), profile))
        for e in profile.endpoints
        if e.name != "participants/transfers"
    ]
    if profile.writes:
        routes += [
            Route(f"{prefix}{path}", api(world, handler), methods=[method]) for path, method, handler in writes.ROUTES
        ]
    missing = not_found if profile.no_route is None else fixed_not_found(profile)
    routes += [
        Route("/sandbox/truth", truth(world, profile)),
        Route("/sandbox/tick", tick(world), methods=["POST"]),
        Route("/sandbox/events", event(world), methods=["POST"]),
    ]
    handlers: dict[Any, Callable[[Request, Exception], Any]] = {
        404: missing,
        405: missing,
        500: server_error,
    }
    app = Starlette(routes=routes, exception_handlers=handlers)
    return SandboxMiddleware(app, world, RateLimiter(rate_limit, rate_window, clock))
