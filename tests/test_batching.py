"""Between the pager and the store (syncer/batching.py): how a page's items are held while they wait."""

from __future__ import annotations

import uuid

import orjson
import pyarrow as pa

from syncer.batching import prepared
from syncer.pager import Page
from syncer.streams import BY_NAME


def delivery_partners(count: int) -> Page:
    items = [
        {"id": str(uuid.UUID(int=n)), "type": "delivery-partner", "attributes": {"name": f"Partner {n:05d}" * 20}}
        for n in range(count)
    ]
    return Page(items, 1, count, True, None)


def test_a_prepared_page_holds_its_json_text_in_malloc_memory_not_arrows_own_pool() -> None:
    # Arrow's default pool (mimalloc) keeps what it frees for itself: pages allocated there raised a full sync's
    # peak RSS by about 40 MB. malloc's large blocks go back to the system when a batch is written
    system = pa.system_memory_pool()
    before = system.bytes_allocated()
    page = delivery_partners(500)
    (done,) = prepared(BY_NAME["delivery-partners"], iter([page]))
    assert done.raws.to_pylist() == [orjson.dumps(item).decode() for item in page.items]
    assert system.bytes_allocated() - before >= done.raws.nbytes > 100_000
