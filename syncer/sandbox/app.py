"""The sandbox's HTTP surface: the Lead Provider API of one profile (RECT v3 by default, or ECF1 v3; see
profiles.py) under /api/v3, the hidden service side under /sandbox. Status codes, bodies and content types follow
api-facts §1.4 and §2."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from syncer.sandbox import activity, ecf_v2, events, partnership_writes, ruby, serialize, writes
from syncer.sandbox.endpoints import Endpoint, Scoped, default_order, filtered, prime_since, school_cohort
from syncer.sandbox.http import RECT_JSON, UNAUTHORISED, Handler, bad_request, json_response
from syncer.sandbox.model import LeadProvider
from syncer.sandbox.profiles import PROFILES, RECT_V3, Profile
from syncer.sandbox.query import (
    BadRequest,
    Page,
    ServerError,
    nested,
    parse_page,
    parse_sort,
    tied_positions,
    window_positions,
)
from syncer.sandbox.throttle import (
    DEFAULT_RATE_LIMIT,
    DEFAULT_RATE_WINDOW,
    RateLimiter,
    SandboxMiddleware,
    address_limit,
)
from syncer.sandbox.world import World


def authenticated(world: World, request: Request) -> LeadProvider | None:
    """The provider whose token the Authorization header carries, read as Rails reads it (ruby.http_token)."""
    token = ruby.http_token(request.headers.get("authorization", ""))
    return world.provider_for_token(token) if token is not None else None


def api(world: World, handler: Handler, profile: Profile = RECT_V3) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        provider = authenticated(world, request)
        if provider is None:
            if ruby.http_token(request.headers.get("authorization", "")) in profile.forbidden_tokens:
                return Response(b"", 403, media_type=profile.content_type)
            return json_response(UNAUTHORISED, 401, profile.content_type, profile.unauthorised_headers)
        try:
            with world.lock:
                return await handler(request, world, provider)
        except BadRequest as exc:
            return bad_request(exc, profile.content_type)
        except ServerError:  # RECT's exceptions app answers JSON or HTML; ECF1's always JSON
            if profile.no_route is not None:
                return json_response({"error": "Internal server error"}, 500, profile.content_type)
            return await server_error(request, RuntimeError())

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
            model = endpoint.sort_model(sort or "") if endpoint.sort_model is not None else endpoint.sort_columns
            columns = parse_sort(sort, {k: f(query) for k, f in model.items()})
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
        found = listing(endpoint, query, request.query_params.get("sort"))
        # after the filters: RECT's index reads them (a bad updated_since is a 400) before it pages
        parts = found.page(parse_page(request.query_params.multi_items()))
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


def lists_served(world: World, profile: Profile) -> list[tuple[Endpoint, Scoped]]:
    """Every unfiltered list the API serves: each endpoint, for each provider (and each cohort where one is
    required)."""
    return [
        (endpoint, Scoped(world, provider_id, {}, cohort))
        for provider_id in world.providers
        for endpoint in profile.endpoints
        for cohort in (sorted(world.school_cohorts()) if endpoint.cohort_required else [None])
    ]


def prime(world: World, profile: Profile) -> None:
    """Each list's scoped rows and their updated_at stamps, worked out now rather than by the next request that
    reads the list. The real service answers an updated_since query from an index whatever changed a moment ago;
    without this, the first sync after a tick would pay for the stand-in rescanning the whole world (a second at
    100k participants) and a benchmark would time the stand-in, not the client."""
    for endpoint, query in lists_served(world, profile):
        prime_since(endpoint, query)


def tick(world: World, profile: Profile = RECT_V3) -> Callable[[Request], Awaitable[Response]]:
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
            prime(world, profile)
        return json_response(summary)

    return handle


def wants_json(request: Request) -> bool:
    """Whether RECT's exceptions app (R:app/controllers/errors_controller.rb) answers in JSON rather than HTML."""
    return "json" in request.headers.get("accept", "") or request.url.path.endswith(".json")


async def not_found(request: Request, exc: Exception) -> Response:
    if wants_json(request):
        return json_response({"error": "Resource not found"}, 404)
    html = "<html><body><h1>Page not found</h1></body></html>"
    return Response(html, 404, media_type="text/html; charset=utf-8")


def fixed_not_found(profile: Profile) -> Callable[[Request, Exception], Awaitable[Response]]:
    """ECF1's exceptions app answers every unknown path with the same JSON."""

    async def handle(request: Request, exc: Exception) -> Response:
        return json_response(profile.no_route, 404, profile.content_type)

    return handle


async def server_error(request: Request, exc: Exception) -> Response:
    if wants_json(request):
        return json_response({"error": "Internal server error"}, 500)
    html = "<html><body><h1>Sorry, there is a problem with the service</h1></body></html>"
    return Response(html, 500, media_type="text/html; charset=utf-8")


def create_app(
    world: World,
    rate_limit: int = DEFAULT_RATE_LIMIT,
    rate_window: int = DEFAULT_RATE_WINDOW,
    api_profile: str = "rect-v3",
    clock: Callable[[], float] = time.time,
    ip_rate_limit: int | None = None,
) -> ASGIApp:
    """`clock` is the rate limiters' wall clock (tests pass a fake one); `ip_rate_limit` the per-address limit of a
    profile that has one (address_limit())."""
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
            Route(f"{prefix}{path}", api(world, handler), methods=[method])
            for path, method, handler in (*writes.ROUTES, *partnership_writes.ROUTES)
        ]
    missing = not_found if profile.no_route is None else fixed_not_found(profile)
    routes += [
        Route("/sandbox/truth", truth(world, profile)),
        Route("/sandbox/tick", tick(world, profile), methods=["POST"]),
        Route("/sandbox/events", event(world), methods=["POST"]),
    ]
    handlers: dict[Any, Callable[[Request, Exception], Any]] = {
        404: missing,
        405: missing,
        500: server_error,
    }
    app = Starlette(routes=routes, exception_handlers=handlers)
    per_address = None
    if profile.per_address_throttle:
        per_address = RateLimiter(address_limit(rate_limit, ip_rate_limit), rate_window, clock)
    return SandboxMiddleware(app, world, RateLimiter(rate_limit, rate_window, clock), per_address)
