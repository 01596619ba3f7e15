"""`syncer status`: per source and stream, where the sync has got to and how it last went."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from syncer.bookkeeping import last_successful_scans
from syncer.streams import STREAMS
from syncer.warehouse import Warehouse

STATUS_COLUMNS = ("source", "stream", "watermark", "rows", "removed", "last_run", "outcome", "lag", "quarantined")


def humanise(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds:.0f}s"


def status_rows(warehouse: Warehouse) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    rows = []
    con = warehouse.con
    watermarks = {(r[0], r[1]): r[2] for r in warehouse.query("SELECT source, stream, watermark FROM sync_state")}
    scanned = last_successful_scans(con)
    sources = sorted({source for source, _ in watermarks})
    for source in sources:
        for stream in STREAMS:
            watermark = watermarks.get((source, stream.name))
            counts = warehouse.query(
                f"SELECT count(*) FILTER (WHERE removed_at IS NULL), count(*) FILTER (WHERE removed_at IS NOT NULL) "
                f"FROM {stream.table} WHERE source = ?",
                [source],
            )[0]
            last = warehouse.query(
                "SELECT started_at, outcome FROM sync_runs WHERE source = ? AND stream = ? "
                "ORDER BY started_at DESC LIMIT 1",
                [source, stream.name],
            )
            quarantined = warehouse.query(
                "SELECT count(*) FROM quarantine WHERE source = ? AND stream = ?", [source, stream.name]
            )[0][0]
            success = scanned.get((source, stream.name))
            rows.append(
                {
                    "source": source,
                    "stream": stream.name,
                    "watermark": watermark.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ") if watermark else "-",
                    "rows": counts[0],
                    "removed": counts[1],
                    "last_run": last[0][0].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ") if last else "-",
                    "outcome": last[0][1] if last else "-",
                    # how old the data is: time since the start of the last scan that completed
                    "lag": humanise((now - success).total_seconds() if success else None),
                    "quarantined": quarantined,
                }
            )
    return rows


def render_table(rows: list[dict[str, Any]], columns: tuple[str, ...] = STATUS_COLUMNS) -> str:
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) if rows else len(c) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines += ["  ".join(str(r[c]).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)
