"""Query-string handling exactly as the real service does it: nested `filter[...]`/`page[...]` keys,
countless pagination, `updated_since` read as Ruby's Time.iso8601 after a second decoding (so `+hh:mm` fails),
CSV filters whose invalid values are silently dropped, and ORDER BY with no tiebreaker."""

from __future__ import annotations

import re
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import compress
from operator import eq
from typing import Any, TypeVar

from syncer.sandbox import ruby

T = TypeVar("T")

DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 3000
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
RUBY_INTEGER_RE = re.compile(r"\s*([+-]?\d+(?:_\d+)*)", re.ASCII)
PAGE_DETAIL = "The '#/page[page]' and '#/page[per_page]' parameter values must be a valid positive number"


class BadRequest(Exception):
    def __init__(self, detail: str, title: str = "Bad request") -> None:
        super().__init__(detail)
        self.title = title
        self.detail = detail


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


class ServerError(Exception):
    """What Rails answers with its 500 page: an exception the controller does not rescue."""


def nested(params: Sequence[tuple[str, str]], name: str) -> dict[str, str]:
    """`filter[cohort]=2021` -> {"cohort": "2021"}. A `filter` that Rack does not parse into a hash (`filter=x`,
    `filter[]=x`) is refused with 400 (R:app/controllers/concerns/api/filter_validatable.rb). A bare `page=2` is a 500
    in RECT: Paginatable's `params.dig(:page, :per_page)` calls String#dig, a TypeError nothing rescues; with a
    nested `page[...]` beside it, Rack refuses the clash while parsing (a 400)."""
    found: dict[str, str] = {}
    prefix = name + "["
    bare = False
    for key, value in params:
        if key == name or key.startswith(name + "[]"):
            if name == "filter":
                raise BadRequest("Filter must be a hash", title="Bad parameter")
            bare = True
        elif key.startswith(prefix) and key.endswith("]"):
            found[key[len(prefix) : -1]] = value
    if bare:
        if found:
            raise BadRequest(PAGE_DETAIL)
        raise ServerError(f"String does not have #dig method ({name})")
    return found


def ruby_to_i(text: str) -> int:
    """Ruby's String#to_i, which Paginatable applies: leading digits count ("1.0" is 1, "3abc" is 3), else 0."""
    match = RUBY_INTEGER_RE.match(text)
    return int(match.group(1).replace("_", "")) if match else 0


def parse_page(params: Sequence[tuple[str, str]]) -> Page:
    raw = nested(params, "page")
    values = []
    for key, default in (("page", 1), ("per_page", DEFAULT_PER_PAGE)):
        text = raw.get(key)
        if text is None:
            values.append(default)
        elif (number := ruby_to_i(text)) > 0:
            values.append(number)
        else:
            raise BadRequest(PAGE_DETAIL)
    return Page(values[0], min(values[1], MAX_PER_PAGE))


def parse_updated_since(raw: str) -> datetime | None:
    """RECT's updated_since (R:app/controllers/concerns/api/date_filterable.rb): None (no filter) when blank, else
    the value decoded a second time (so `+` becomes a space and any `+hh:mm` offset fails) read by Ruby's
    Time.iso8601 (ruby.py); a stray `%` or anything Time.iso8601 refuses is a 400."""
    if ruby.blank(raw):
        return None
    decoded = ruby.decode_www_form_component(raw)
    found = ruby.iso8601(decoded) if decoded is not None else None
    if found is None:
        raise BadRequest("The filter '#/updated_since' must be a valid ISO 8601 date")
    return found


def csv_values(raw: str | None, valid: Callable[[str], bool]) -> set[str] | None:
    """None means "no filter"; an empty set means "nothing matches" (every value was invalid)."""
    if raw is None or not raw.strip():
        return None
    return {v.strip() for v in raw.split(",") if valid(v.strip())}


def is_year(value: str) -> bool:
    return value.isascii() and value.isdigit()


def is_uuid(value: str) -> bool:
    return bool(UUID_RE.match(value))


def parse_sort(raw: str | None, columns: Mapping[str, Callable[[Any], Any]]) -> list[tuple[Callable[[Any], Any], bool]]:
    """`-created_at,updated_at` -> [(key, descending)]; unknown names (or a `+` decoded to a space) drop."""
    if not raw:
        return []
    order = []
    for part in raw.split(","):
        descending = part.startswith("-")
        name = part[1:] if part[:1] in "-+" and part[:1] else part
        if name in columns:
            order.append((columns[name], descending))
    return order


def tied_positions(keys: Sequence[Any]) -> list[int]:
    """The positions of a sorted list whose key equals the one before: where its tie runs are (found in C)."""
    return list(compress(range(1, len(keys)), map(eq, keys[1:], keys)))


def window(rows: Sequence[T], key: Callable[[T], Any], ident: Callable[[T], str], page: Page) -> list[T]:
    """One page of `rows` (already sorted by `key`) as a database with no tiebreaker returns it."""
    return [rows[i] for i in window_positions(rows, key, ident, page)]


def window_positions(
    rows: Sequence[T],
    key: Callable[[T], Any],
    ident: Callable[[T], str],
    page: Page,
    tied: Sequence[int] | None = None,
) -> list[int]:
    """The positions in `rows` (already sorted by `key`) of the rows of one page, in the order a database with no
    tiebreaker returns them; `tied` (tied_positions of the keys), if known, saves looking at the keys.

    The real service pages with LIMIT/OFFSET over an ORDER BY on one column. Postgres then uses a bounded
    top-N sort whose order among equal keys depends on the bound, so rows sharing a value that straddle a
    page boundary can come back twice or not at all. Reproduced by ordering each tie group by a hash of
    the row id and the bound."""
    start, total = page.offset, len(rows)
    if start >= total:
        return []
    end = min(start + page.size, total)
    low, high = start, end
    if tied is None:
        first, last = key(rows[start]), key(rows[end - 1])
        while low > 0 and key(rows[low - 1]) == first:
            low -= 1
        while high < total and key(rows[high]) == last:
            high += 1
        inner = [low + i for i in tied_positions(list(map(key, rows[low:high])))]
    else:
        i = bisect_right(tied, start) - 1
        while i >= 0 and tied[i] == low:  # the tie run holding the first row starts before it
            low -= 1
            i -= 1
        i = bisect_left(tied, high)
        while i < len(tied) and tied[i] == high:  # and the one holding the last row ends after it
            high += 1
            i += 1
        inner = list(tied[bisect_right(tied, low) : bisect_left(tied, high)])
    bound = str(start + page.size).encode()
    positions = list(range(low, high))
    # only rows equal to their predecessor need work: a run of one is already in place
    i = 0
    while i < len(inner):
        head = tail = inner[i]  # rows head - 1 .. tail share one key
        while i + 1 < len(inner) and inner[i + 1] == tail + 1:
            i += 1
            tail += 1
        positions[head - 1 - low : tail + 1 - low] = sorted(
            range(head - 1, tail + 1), key=lambda p: zlib.crc32(ident(rows[p]).encode() + bound)
        )
        i += 1
    return positions[start - low : end - low]
