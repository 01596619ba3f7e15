"""Where each stream has got to and what every run did: sync_state (watermarks) and sync_runs.

`RunBook` writes them for a sync; the queries at the bottom read them for `syncer status`, the daemon's gauges
and /healthz, which must agree on what "the last successful scan" and "the last complete run" mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from syncer.warehouse import Warehouse

State = tuple[datetime | None, datetime | None]  # (watermark, last full refresh)


@dataclass(frozen=True)
class Finish:
    """Closes a stream's scan in its last batch's transaction."""

    watermark: datetime
    full: bool
    scan_started_at: datetime  # every row seen by this scan has last_seen_at >= this
    api_clock_at: datetime | None = None  # the API's Date at the scan's first page (the service's "now")


@dataclass(frozen=True)
class RunRef:
    run_id: str
    source: str
    stream: str


class RunBook:
    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        self.states: dict[tuple[str, str], State] | None = None

    def state(self, source: str, stream: str) -> State:
        """(watermark, last full refresh) of a stream: every stream's read in one query, then kept up to date by
        the transactions that move them (`remember`)."""
        if self.states is None:
            rows = self.warehouse.query("SELECT source, stream, watermark, last_full_refresh_at FROM sync_state")
            self.states = {(row[0], row[1]): (row[2], row[3]) for row in rows}
        return self.states.get((source, stream), (None, None))

    def remember(self, source: str, stream: str, saved: State) -> None:
        """What save_state wrote, once its transaction has committed."""
        if self.states is not None:
            self.states[(source, stream)] = saved

    def start_run(self, run: RunRef, mode: str, started_at: datetime, since: datetime | None) -> None:
        self.warehouse.con.execute(
            "INSERT INTO sync_runs (run_id, source, stream, mode, started_at, updated_since, outcome) "
            "VALUES (?, ?, ?, ?, ?, ?, 'running')",
            [run.run_id, run.source, run.stream, mode, started_at, since],
        )

    def fail_run(self, run: RunRef, error: str, finished_at: datetime, requests: int) -> None:
        self.warehouse.con.execute(
            "UPDATE sync_runs SET outcome = 'failed', error = ?, finished_at = ?, requests = ? "
            "WHERE run_id = ? AND source = ? AND stream = ?",
            [error[:2000], finished_at, requests, run.run_id, run.source, run.stream],
        )

    def close_interrupted_runs(self) -> int:
        """Runs still 'running' when we hold the lock were killed: say so instead of leaving them open."""
        rows = self.warehouse.query(
            "UPDATE sync_runs SET outcome = 'interrupted' WHERE outcome = 'running' RETURNING run_id"
        )
        return len(rows)

    def save_state(self, source: str, stream: str, finish: Finish) -> State:
        """Writes the stream's new watermark (and last full refresh) in the caller's transaction; answers them as
        stored."""
        state = {
            "source": source,
            "stream": stream,
            "watermark": finish.watermark,
            "full_at": finish.scan_started_at if finish.full else None,
            "api_clock_at": finish.api_clock_at,
        }
        con = self.warehouse.con
        # an UPDATE, then an INSERT the first time: half the cost of INSERT ... ON CONFLICT on every scan
        saved = con.execute(
            "UPDATE sync_state SET watermark = $watermark, last_full_refresh_at = coalesce($full_at, "
            "last_full_refresh_at), updated_at = now(), api_clock_at = coalesce($api_clock_at, api_clock_at) "
            "WHERE source = $source AND stream = $stream RETURNING watermark, last_full_refresh_at",
            state,
        ).fetchone()
        if saved is None:
            saved = con.execute(
                "INSERT INTO sync_state (source, stream, watermark, last_full_refresh_at, updated_at, api_clock_at) "
                "VALUES ($source, $stream, $watermark, $full_at, now(), $api_clock_at) "
                "RETURNING watermark, last_full_refresh_at",
                state,
            ).fetchone()
        assert saved is not None  # an INSERT ... RETURNING answers its row
        return saved[0], saved[1]


# -- what status, the daemon and /healthz read -------------------------------------------------------------
# the last run that completed (every stream of it ended; none still running or cut short)
LAST_COMPLETE_RUN = """
    WITH runs AS (
        SELECT run_id, min(started_at) AS started, max(finished_at) AS finished, max(error) AS error,
               bool_and(outcome = 'success') AS ok, bool_or(outcome IN ('running', 'interrupted')) AS cut
        FROM sync_runs GROUP BY run_id
    )
    SELECT started, finished, ok, error FROM runs WHERE NOT cut ORDER BY started DESC LIMIT 1
"""


def last_successful_scans(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], datetime]:
    """{(source, stream): start of its last scan that completed}: how old each stream's data is (its lag)."""
    rows = con.execute(
        "SELECT source, stream, max(started_at) FROM sync_runs WHERE outcome = 'success' GROUP BY ALL"
    ).fetchall()
    return {(source, stream): started for source, stream, started in rows}


def last_complete_run(con: duckdb.DuckDBPyConnection) -> tuple[datetime, datetime, bool, str | None] | None:
    row = con.execute(LAST_COMPLETE_RUN).fetchone()
    if row is None or row[1] is None:
        return None
    return row[0], row[1], bool(row[2]), row[3]
