"""Declarations that enter a provider's scope with old timestamps, caught by an incremental sync.

A provider sees another provider's declarations for the participants it trains while they are billable (api-facts
§9 trap 6). So when a participant transfers in, the previous provider's declarations become visible to the new
provider with their old created_at and updated_at (R:app/services/api/declarations/query.rb; the new training
period touches only itself and the teacher): a scan with `filter[updated_since]` never returns them, and only the
next full scan would. A merge can bring declarations under its surviving participant the same way.

So before an incremental declarations scan, the declarations of every participant that may have entered scope
since the last successful declarations scan (sql/sync/participants_newly_in_scope.sql) are fetched with
`filter[participant_id]`, which takes a comma-separated list (IDS_PER_REQUEST ids a request), and written through
the store like any other page. They come before the scan's pages so that its closing batch, which moves the
watermark, commits after them: a run that fails part-way leaves the same participants due for the next one.
Participants are compared with the last successful scan's start, not this scan's watermark: the participants stream
runs first and stamps what it inserts with our clock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime

from syncer import sqlfiles
from syncer.batching import Batch, prepared
from syncer.errors import Interrupted
from syncer.pager import Page
from syncer.store import Store
from syncer.streams import Stream

STREAM = "participant-declarations"
IDS_PER_REQUEST = 50  # 50 ids of 36 characters keep the query string under 2 kB
Fetch = Callable[[dict[str, str]], Iterator[Page]]  # one filtered list, paged


def due(store: Store, source: str, watermark: datetime) -> list[str]:
    """The participants whose declarations may have entered scope since the last successful declarations scan;
    none before the first one (which is full)."""
    (scanned,) = store.warehouse.query(
        "SELECT max(started_at) FROM sync_runs WHERE source = ? AND stream = ? AND outcome = 'success'",
        [source, STREAM],
    )
    if scanned[0] is None:
        return []
    rows = store.warehouse.query(
        sqlfiles.read("sync/participants_newly_in_scope.sql"),
        {"source": source, "scanned_since": scanned[0], "watermark": watermark},
    )
    return [row[0] for row in rows]


def batches(
    store: Store,
    source: str,
    stream: Stream,
    watermark: datetime,
    fetch: Fetch,
    batch_bytes: int,
    stop: threading.Event | None = None,
) -> Iterator[Batch]:
    """The due participants' declarations as batches of whole pages for the store, for an incremental scan of the
    declarations stream since `watermark` (nothing for any other stream)."""
    if stream.name != STREAM:
        return
    ids = due(store, source, watermark)
    batch = Batch()
    for start in range(0, len(ids), IDS_PER_REQUEST):
        wanted = ",".join(ids[start : start + IDS_PER_REQUEST])
        for page in prepared(stream, fetch({"filter[participant_id]": wanted})):
            if stop is not None and stop.is_set():
                raise Interrupted("stop requested")
            if not batch.accepts(page) or (batch.pages and batch.size >= batch_bytes):
                yield batch
                batch = Batch()
            batch.add(page)
    if batch.pages:
        yield batch
