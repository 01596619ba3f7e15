"""The floor a full sync is held against: DuckDB's own read_json of the same pages, loaded page by page into the
warehouse's typed columns and the raw JSON, with nothing of the sync's around it.

The pages are fetched once to disk first (not timed), one NDJSON file per page, as plain consecutive pages of
`per_page` (schools per cohort, as the sync reads them; the sync's tie-safe windows overlap a few rows more). Each
page is then one INSERT per table it fills (a stream's own table and its children's, e.g. participants and their
enrolments), with the projection the sync stages it with (sql/load/<table>.sql: the same typed columns and the raw
JSON), into a fresh warehouse with the sync's settings (syncer/warehouse.py), until that warehouse is closed.
What the floor leaves out is what a sync does besides: validation in Python, comparing with stored rows,
declaration history, bookkeeping, the remap and the finance layer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson

from syncer import sqlfiles
from syncer.streams import STREAMS, Stream
from syncer.sync import FIRST_COHORT, academic_year
from syncer.warehouse import Warehouse


@dataclass(frozen=True)
class Floor:
    seconds: float
    records: int  # items in the pages (a stream's own rows)
    pages: int
    fetch_seconds: float  # fetching the pages to disk, once (not part of the floor)


def cohorts(stream: Stream) -> list[int | None]:
    if not stream.per_cohort:
        return [None]
    return list(range(FIRST_COHORT, academic_year(datetime.now(UTC)) + 1))


def fetch_pages(base_url: str, token: str, folder: Path, per_page: int) -> dict[Stream, list[Path]]:
    """Every page of every stream as an NDJSON file of its items (compact JSON, as the sync renders them)."""
    folder.mkdir(parents=True, exist_ok=True)
    found: dict[Stream, list[Path]] = {}
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
        for stream in STREAMS:
            files = found.setdefault(stream, [])
            for cohort in cohorts(stream):
                number = 1
                while True:
                    params = {"page[page]": str(number), "page[per_page]": str(per_page)}
                    if cohort is not None:
                        params["filter[cohort]"] = str(cohort)
                    response = client.get(stream.path, params=params)
                    response.raise_for_status()
                    items = orjson.loads(response.content)["data"]
                    if items:
                        path = folder / f"{stream.table}-{cohort or 0}-{number:04d}.ndjson"
                        path.write_bytes(b"\n".join(orjson.dumps(item) for item in items) + b"\n")
                        files.append(path)
                    if len(items) < per_page:
                        break
                    number += 1
    return found


def load(pages: dict[Stream, list[Path]], path: Path) -> tuple[float, int]:
    """(seconds, records): the pages read by DuckDB into a fresh warehouse at `path`, page by page."""
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    records = 0
    started = time.perf_counter()
    with Warehouse(path) as warehouse:
        con = warehouse.con
        for stream, files in pages.items():
            tables = [stream.table, *(child.table for child in stream.children)]
            selects = {table: sqlfiles.read(f"load/{table}.sql") for table in tables}
            for number, file in enumerate(files):
                quoted = "'" + str(file).replace("'", "''") + "'"
                con.execute(
                    "CREATE OR REPLACE TEMP VIEW incoming AS SELECT 'bench' AS source, json AS raw, now() AS seen_at "
                    f"FROM read_ndjson_objects({quoted})"
                )
                for table, select in selects.items():
                    floor_table = f"floor_{table}"
                    if number == 0:
                        con.execute(f"CREATE OR REPLACE TABLE {floor_table} AS {select}")
                    else:
                        con.execute(f"INSERT INTO {floor_table} {select}")
            row = con.execute(f"SELECT count(*) FROM floor_{stream.table}").fetchone() if files else (0,)
            records += row[0] if row else 0
    return time.perf_counter() - started, records


def measure(base_url: str, token: str, folder: Path, per_page: int) -> Floor:
    started = time.perf_counter()
    pages = fetch_pages(base_url, token, folder / "pages", per_page)
    fetched = time.perf_counter() - started
    seconds, records = load(pages, folder / "floor.duckdb")
    return Floor(seconds, records, sum(len(files) for files in pages.values()), fetched)
