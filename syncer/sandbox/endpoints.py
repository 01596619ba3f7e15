"""The GET endpoints of the Lead Provider API (RECT v3) as one table: scope, default order, filters, sort
columns and serializer per endpoint. The request handlers in app.py loop over this table."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import compress, repeat
from operator import attrgetter
from typing import Any

from syncer.sandbox import serialize
from syncer.sandbox import sort_columns as model_columns
from syncer.sandbox.query import BadRequest, csv_values, is_uuid, is_year, parse_updated_since, ruby_to_i
from syncer.sandbox.world import World

Record = Any
Filters = dict[str, str]
Filter = Callable[["Scoped", str, list[Record]], list[Record]]  # a filter's rows for its raw value
SortColumns = Mapping[str, Callable[["Scoped"], Callable[[Record], Any]]]  # a sort name -> the key it sorts by
TRAINING_STATUSES = ("active", "deferred", "withdrawn")
NUMERIC_RE = re.compile(r"\A\s*[+-]?\d", re.ASCII)  # ActiveModel::Type::Helpers::Numeric::NUMERIC_REGEX


@dataclass(frozen=True)
class Scoped:
    """What one request works on: the provider, its filters, and the cohort for per-cohort endpoints."""

    world: World
    provider_id: str
    filters: Filters
    cohort: int | None = None


@dataclass(frozen=True)
class Endpoint:
    name: str  # the key in /sandbox/truth
    path: str  # under /api/v3
    scope: Callable[[Scoped], list[Record]]
    serialize: Callable[[Scoped, Record], dict[str, Any]]
    order: Callable[[Record], Any]
    updated_at: Callable[[Scoped, Record], datetime] | None
    ident: Callable[[Record], str] = lambda r: str(r.id)
    filters: dict[str, Filter] = field(default_factory=dict)
    sort_columns: SortColumns | None = None
    # the columns for a given `sort` string, where the model sorted depends on it (schools); else sort_columns
    sort_model: Callable[[str], SortColumns] | None = None
    cohort_required: bool = False
    profile: str = "rect-v3"  # the API profile serving it (a key of the world's caches)
    since_exclusive: bool = False  # ECF1 v1/v2 declarations: updated_at > updated_since (api-facts §1.1)
    since_order: Callable[[Record], Any] | None = None  # the ORDER BY when updated_since is given, if it changes
    # how `filter[updated_since]` is read; None means "no filter" (ECF1 parses differently: see ecf_filters.py)
    since_parser: Callable[[str], datetime | None] = parse_updated_since
    # `serialize` with datetimes and dates left for orjson to render (serialize.NATIVE): the same bytes, faster
    native: Callable[[Scoped, Record], dict[str, Any]] | None = None


def by_values(extract: Callable[[Scoped, Record], set[str]], valid: Callable[[str], bool]) -> Any:
    def apply(query: Scoped, raw: str, rows: list[Record]) -> list[Record]:
        wanted = csv_values(raw, valid)
        if wanted is None:
            return rows
        return [r for r in rows if extract(query, r) & wanted]

    return apply


def participant_cohorts(query: Scoped, teacher: Record) -> set[str]:
    return {str(p.cohort) for p in query.world.provider_periods(teacher.id, query.provider_id)}


def training_status_filter(query: Scoped, raw: str, rows: list[Record]) -> list[Record]:
    if not raw.strip():
        return rows
    if raw not in TRAINING_STATUSES:
        return []  # RECT answers an empty 200 rather than an error (trap 11)
    world = query.world
    return [t for t in rows if any(p.training_status == raw for p in world.latest_periods(t.id, query.provider_id))]


def from_participant_filter(query: Scoped, raw: str, rows: list[Record]) -> list[Record]:
    if not raw.strip():
        return rows
    return [t for t in rows if any(c.from_participant_id == raw for c in t.id_changes)]


def urn_filter(query: Scoped, raw: str, rows: list[Record]) -> list[Record]:
    return [s for s in rows if s.urn == raw] if raw.strip() else rows


def any_value(value: str) -> bool:
    return bool(value)


CREATED_AT = attrgetter("created_at")


def own_updated_at(query: Scoped, record: Record) -> datetime:
    """The row's own updated_at column."""
    updated: datetime = record.updated_at
    return updated


def unfunded_mentor_updated_at(query: Scoped, teacher: Record) -> datetime:
    updated: datetime = teacher.unfunded_mentor_updated_at
    return updated


def transfer_updated_at(query: Scoped, teacher: Record) -> datetime:
    return max(t.updated_at for t in query.world.transfers_for(teacher.id, query.provider_id))


def school_updated_at(query: Scoped, school: Record) -> datetime:
    assert query.cohort is not None
    updated: datetime = school.cohorts[query.cohort].updated_at
    return updated


def plain_sort(updated: Callable[[Scoped, Record], datetime]) -> SortColumns:
    return {"created_at": lambda q: CREATED_AT, "updated_at": lambda q: lambda r: updated(q, r)}


def provider_list(
    name: str,
    scope: Callable[[World, str], list[Record]],
    render: Callable[..., dict[str, Any]],
    filters: dict[str, Filter] | None = None,
    order: Callable[[Record], Any] = CREATED_AT,
    updated_at: Callable[[Scoped, Record], datetime] | None = own_updated_at,
    sort_columns: SortColumns | None = None,
) -> Endpoint:
    """A RECT list at /<name>: `scope` (a world's list for one provider), each row rendered by `render` (one of
    serialize.py's, called as render(world, row, provider_id, native=False))."""
    return Endpoint(
        name=name,
        path=f"/{name}",
        scope=lambda q: scope(q.world, q.provider_id),
        serialize=lambda q, r: render(q.world, r, q.provider_id),
        native=lambda q, r: render(q.world, r, q.provider_id, native=True),
        order=order,
        updated_at=updated_at,
        filters=filters or {},
        sort_columns=sort_columns,
    )


ENDPOINTS: tuple[Endpoint, ...] = (
    provider_list(
        "participants",
        World.participants,
        serialize.participant,
        filters={
            "cohort": by_values(participant_cohorts, is_year),
            "training_status": training_status_filter,
            "from_participant_id": from_participant_filter,
        },
        sort_columns=model_columns.teacher(own_updated_at, own_updated_at, unfunded_mentor_updated_at),
    ),
    provider_list(
        "participant-declarations",
        World.declaration_scope,
        serialize.declaration,
        filters={
            "cohort": by_values(lambda q, d: {str(d.training_period.cohort)}, is_year),
            "participant_id": by_values(lambda q, d: {d.training_period.teacher_id}, is_uuid),
            "delivery_partner_id": by_values(lambda q, d: {d.delivery_partner_id}, is_uuid),
        },
    ),
    provider_list(
        "statements",
        World.statement_scope,
        serialize.statement,
        filters={"cohort": by_values(lambda q, s: {str(s.cohort)}, is_year)},
        order=attrgetter("payment_date"),
    ),
    provider_list(
        "partnerships",
        World.partnership_scope,
        serialize.partnership,
        filters={
            "cohort": by_values(lambda q, p: {str(p.cohort)}, is_year),
            "delivery_partner_id": by_values(lambda q, p: {p.delivery_partner_id}, any_value),
        },
        sort_columns=model_columns.school_partnership(own_updated_at),
    ),
    provider_list(
        "delivery-partners",
        World.delivery_partner_scope,
        serialize.delivery_partner,
        filters={
            "cohort": by_values(lambda q, d: {str(c) for c in d.cohorts_by_provider.get(q.provider_id, [])}, is_year)
        },
        updated_at=None,  # updated_since is silently ignored here
        sort_columns=model_columns.delivery_partner(own_updated_at),
    ),
    Endpoint(
        name="schools",
        path="/schools",
        scope=lambda q: q.world.school_scope(q.provider_id, q.cohort) if q.cohort is not None else [],
        serialize=lambda q, r: serialize.school(q.world, r, q.provider_id, q.cohort or 0),
        native=lambda q, r: serialize.school(q.world, r, q.provider_id, q.cohort or 0, native=True),
        order=CREATED_AT,
        updated_at=school_updated_at,
        filters={"urn": urn_filter},
        sort_columns=model_columns.school(),
        sort_model=model_columns.schools(school_updated_at),
        cohort_required=True,
    ),
    provider_list(
        "unfunded-mentors",
        World.unfunded_mentor_scope,
        serialize.unfunded_mentor,
        updated_at=unfunded_mentor_updated_at,
        sort_columns=model_columns.teacher(unfunded_mentor_updated_at, own_updated_at, unfunded_mentor_updated_at),
    ),
    provider_list(
        "participants/transfers",
        World.transfer_scope,
        serialize.participant_transfer,
        updated_at=transfer_updated_at,
        # sort uses Teacher columns, so updated_at is the teacher's, not the transfer's (trap 2)
        sort_columns=model_columns.teacher(own_updated_at, own_updated_at, unfunded_mentor_updated_at),
    ),
)
BY_NAME = {e.name: e for e in ENDPOINTS}


def school_cohort(filters: Filters) -> int | None:
    """`filter[cohort]` must be present on /schools (R:app/controllers/concerns/api/filter_validatable.rb checks the
    key only); its value is ContractPeriod.find_by(year:), which casts it as ActiveModel's Integer type does: blank or
    not starting like a number is no year (an empty list), else String#to_i ("2024,2025" is 2024)."""
    raw = filters.get("cohort")
    if raw is None:
        raise BadRequest("The filter '#/cohort' must be included in your request", title="Bad parameter")
    return ruby_to_i(raw) if NUMERIC_RE.match(raw) else None


def filtered(endpoint: Endpoint, query: Scoped) -> list[Record]:
    """The scoped, filtered rows in default order, cached per world version and filter set."""
    since_raw = query.filters.get("updated_since")
    since = endpoint.since_parser(since_raw) if since_raw and endpoint.updated_at is not None else None
    relevant = tuple(sorted((k, v) for k, v in query.filters.items() if k in endpoint.filters))
    base = list_key(endpoint, query, relevant)

    def build() -> list[Record]:
        rows = endpoint.scope(query)
        for name, value in relevant:
            rows = endpoint.filters[name](query, value, rows)
        return rows

    rows = query.world.cached(("filtered", *base, None), build)
    if since is None:
        return rows

    def build_since() -> list[Record]:
        # each run of a sync asks with a new updated_since: comparing cached stamps in C keeps that a scan, not
        # hundreds of thousands of Python calls
        test = operator.gt if endpoint.since_exclusive else operator.ge
        found = list(compress(rows, map(test, since_stamps(endpoint, query, rows, base), repeat(since))))
        return sorted(found, key=endpoint.since_order) if endpoint.since_order is not None else found

    return query.world.cached(("filtered", *base, since), build_since)


def list_key(endpoint: Endpoint, query: Scoped, relevant: tuple[tuple[str, str], ...]) -> tuple[Any, ...]:
    """What a filtered list (and its stamps) is cached under, apart from updated_since."""
    return (endpoint.profile, endpoint.name, query.provider_id, query.cohort, relevant)


def prime_since(endpoint: Endpoint, query: Scoped) -> None:
    """Works out the stamps of an unfiltered list ahead of its first updated_since request."""
    if endpoint.updated_at is not None:
        base = list_key(endpoint, query, ())
        since_stamps(endpoint, query, filtered(endpoint, query), base)


def since_stamps(endpoint: Endpoint, query: Scoped, rows: list[Record], base: tuple[Any, ...]) -> list[datetime]:
    """Each row's updated_at as updated_since compares it, cached with the rows."""
    updated = endpoint.updated_at
    assert updated is not None
    return query.world.cached(("since_stamps", *base), lambda: [updated(query, r) for r in rows])


def default_order(endpoint: Endpoint, query: Scoped) -> Callable[[Record], Any]:
    """The column the rows of `filtered` are ordered by (ECF1 orders by updated_at when updated_since is given)."""
    given = query.filters.get("updated_since", "").strip()  # ECF1 ignores a blank value (RECT refuses it earlier)
    if endpoint.since_order is not None and endpoint.updated_at is not None and given:
        return endpoint.since_order
    return endpoint.order
