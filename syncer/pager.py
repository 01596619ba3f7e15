"""Windowed offset paging of a list endpoint that loses nothing at page boundaries, although the server's
ORDER BY has no tiebreaker (api-facts §9 trap 3), and the prefetch that overlaps fetching with writing."""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import structlog

from syncer.client import MAX_PER_PAGE, ApiClient, Item
from syncer.errors import TransientApiError

log = structlog.get_logger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    items: list[Item]
    number: int
    size: int
    last: bool
    server_date: datetime | None


def pages(
    client: ApiClient,
    path: str,
    params: Mapping[str, str],
    per_page: int = MAX_PER_PAGE,
    order_value: Callable[[Item], Any] | None = None,
    blind_overlap: int = 0,
) -> Iterator[Page]:
    """Every row of a list endpoint, in windows of up to `per_page`, ending with a short (maybe empty) page.

    The server pages with LIMIT/OFFSET over a single-column ORDER BY, so rows that share one value may come
    back in another order on each query and be skipped at a page boundary (trap 3). A page that ends in a
    run of two or more equal values is followed by a window that starts with that run. A page whose last
    value is on its own is followed back to back, and if the next page's first row ties with it after
    all, the run is read again whole (one extra request, rarely). Any size up to 3000 is allowed, so each
    window is the one that starts in time and reaches furthest: overlaps cost rows, seldom requests.
    Where the order column is not in the payload (`order_value` is None), ties are invisible, so every
    window overlaps the previous one by `blind_overlap` rows."""
    number, size = 1, min(per_page, MAX_PER_PAGE)
    tail: Tail | None = None  # the previous page's trailing run, when the window after it starts past it
    while True:
        response = client.get(path, {**params, "page[page]": str(number), "page[per_page]": str(size)})
        if not isinstance(response.data, list):
            raise TransientApiError(f"{path}: 'data' is not a list", url=path)
        items: list[Item] = response.data
        start, end = (number - 1) * size, number * size
        straddled = tail is not None and tail.ties_with(items, start, order_value)
        last = len(items) < size and not straddled
        yield Page(items, number, size, last, response.server_date)
        if last:
            return
        if order_value is None:
            number, size = next_window(end - min(blind_overlap, size - 1), end, per_page)
        elif tail is not None and straddled:
            # read the run again, from its first row to past its last
            number, size = next_window(tail.start, start + run_length(items, tail.value, order_value), per_page)
            tail = None
        else:
            keep = trailing_ties(items, order_value)
            number, size = next_window(end - keep if keep > 1 else end, end, per_page)
            past_run = (number - 1) * size > end - keep
            tail = Tail(order_value(items[-1]), end - keep, end) if past_run else None


@dataclass(frozen=True)
class Tail:
    """A page's trailing run of equal order values: the value, and where the run starts and the page ends."""

    value: Any
    start: int
    end: int

    def ties_with(self, items: list[Item], start: int, order_value: Callable[[Item], Any] | None) -> bool:
        """Whether the page after this one (back to back) begins with the same value: the run went on."""
        return order_value is not None and start == self.end and bool(items) and order_value(items[0]) == self.value


def run_length(items: Iterable[Item], value: Any, order_value: Callable[[Item], Any]) -> int:
    """How many rows, from the first, have `value` one after another."""
    count = 0
    for item in items:
        if order_value(item) != value:
            break
        count += 1
    return count


def trailing_ties(items: list[Item], order_value: Callable[[Item], Any]) -> int:
    return run_length(reversed(items), order_value(items[-1]), order_value)


def next_window(resume_at: int, previous_end: int, per_page: int) -> tuple[int, int]:
    """(page number, page size) of the window that starts at or before `resume_at` and reaches furthest.

    If no such window gets past `previous_end` (a tie group nearly as long as a page), continue plainly
    from `previous_end` so that paging always progresses; a later full refresh repairs any loss."""
    best = (0, 0, 0)  # (end, size, number)
    for size in range(per_page, max(1, per_page // 2) - 1, -1):
        number = resume_at // size + 1
        end = number * size
        if end > best[0]:
            best = (end, size, number)
    if best[0] <= previous_end:
        log.warning("tie group too long for a page; continuing without overlap", position=previous_end)
        return previous_end // per_page + 1, per_page
    return best[2], best[1]


def prefetched(pages: Iterator[T], depth: int = 1) -> Iterator[T]:
    """Fetches the next page in a thread while the caller writes the current one: the server's time and the
    warehouse's time then overlap instead of adding up. At most `depth` pages wait in memory."""
    handoff: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                while not stop.is_set():
                    try:
                        handoff.put(("page", page), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            handoff.put(("done", None))
        except BaseException as exc:  # handed to the consumer, which re-raises it in its own thread
            handoff.put(("error", exc))

    # run in a copy of the caller's context so the fetching thread's log lines carry the caller's run_id
    context = contextvars.copy_context()
    worker = threading.Thread(target=context.run, args=(produce,), name="page-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = handoff.get()
            if kind == "page":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
        worker.join(timeout=2)  # a daemon thread: a request in flight must not hold up a shutdown
