"""Between the pager and the store: each page validated and rendered as compact JSON text (in the prefetch
thread), and pages gathered into batches written in one transaction each."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import orjson
import pyarrow as pa

from syncer.adapters import ADAPTERS
from syncer.api_models import split_valid
from syncer.pager import Page
from syncer.store import Bad
from syncer.streams import Stream

# pages' JSON text is allocated with malloc rather than Arrow's default pool (mimalloc), which keeps what a
# sync frees for itself: with it, a full sync at 100k participants held about 40 MB more at its peak
PAGE_MEMORY = pa.system_memory_pool()


@dataclass
class PreparedPage:
    """A page's valid items as JSON text, one per key (the last of a key's repeats), and its bad items. The
    parsed items are not kept: pages wait in the prefetch queue as compact text."""

    last: bool
    server_date: datetime | None
    keys: set[str]
    raws: pa.Array
    bad: list[Bad]


@dataclass
class Batch:
    """Prepared pages written together, in one transaction. A key appears in a batch at most once: a page
    that repeats one of its keys starts the next batch. Keys are item ids, which also keeps schools' (id, cohort)
    key unique: a school listed in two cohorts splits the batch between them, where it could have shared it."""

    keys: set[str] = field(default_factory=set)
    raws: list[pa.Array] = field(default_factory=list)
    bad: list[Bad] = field(default_factory=list)
    pages: int = 0
    size: int = 0  # bytes of JSON text

    def accepts(self, prepared: PreparedPage) -> bool:
        return self.keys.isdisjoint(prepared.keys)

    def add(self, prepared: PreparedPage) -> None:
        self.keys |= prepared.keys
        self.raws.append(prepared.raws)
        self.bad.extend(prepared.bad)
        self.pages += 1
        self.size += prepared.raws.nbytes


def prepared(stream: Stream, pages: Iterator[Page]) -> Iterator[PreparedPage]:
    """Validates each page and renders its items as JSON text: runs in the prefetch thread, so this work
    overlaps the warehouse's writing of the previous batch."""
    previous: set[str] = set()
    before_previous: set[str] = set()
    adapt = ADAPTERS[stream.adapter] if stream.adapter else None
    for page in pages:
        items = page.items
        if adapt is not None:  # an older profile's page, reshaped (and de-duplicated by its own key)
            items, previous = adapt(items, previous)
        valid, bad = split_valid(stream.item_type, items)
        if adapt is None:
            # a window's overlap repeats rows of the previous page, or of the two before when it re-reads a run
            # of ties that straddled their boundary (client.pages): those rows were just written
            fresh = [item for item in valid if item["id"] not in previous and item["id"] not in before_previous]
            before_previous, previous = previous, {item["id"] for item in valid}
        else:
            fresh = valid
        by_key = {item["id"]: orjson.dumps(item).decode() for item in fresh}
        bad_raws = [(orjson.dumps(item).decode(), error, item_id(item)) for item, error in bad]
        yield PreparedPage(
            page.last,
            page.server_date,
            set(by_key),
            pa.array(by_key.values(), pa.string(), memory_pool=PAGE_MEMORY),
            bad_raws,
        )


def item_id(item: object) -> str | None:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return str(item["id"])
    return None
