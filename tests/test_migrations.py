"""A warehouse written by an earlier version is migrated in place when this version opens it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from syncer import sqlfiles
from syncer.store import Warehouse
from syncer.sync import run_sync
from tests.sandbox_process import SandboxProcess
from tests.warehouse_truth import SOURCE, differences, settings_for, truth_items, warehouse_items

RAW_TABLES = (
    "participants",
    "participant_enrolments",
    "unfunded_mentors",
    "participant_transfers",
    "participant_declarations",
    "statements",
    "partnerships",
    "delivery_partners",
    "schools",
)


def contents(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            table: con.execute(
                f"SELECT * EXCLUDE (raw), CAST(raw AS VARCHAR) FROM {table} ORDER BY key_hash"
            ).fetchall()
            for table in RAW_TABLES
        }


def test_raw_is_rewritten_as_zstd_with_every_row_kept(
    sandbox: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "w.duckdb"
    settings = settings_for(sandbox, path)
    listing = sqlfiles.listing
    # the warehouse as the version before 008_raw_zstd.sql left it, filled by a sync
    monkeypatch.setattr(
        sqlfiles, "listing", lambda folder: [n for n in listing(folder) if folder != "schema" or n < "008"]
    )
    assert run_sync(settings).ok
    before = contents(path)
    assert sum(map(len, before.values())) > 500
    monkeypatch.undo()

    with Warehouse(path) as warehouse:
        ddl = dict(warehouse.query("SELECT table_name, sql FROM duckdb_tables() WHERE table_name IN ?", [RAW_TABLES]))
    assert all("raw JSON USING COMPRESSION ZSTD NOT NULL" in ddl[table] for table in RAW_TABLES), ddl
    assert contents(path) == before
    assert run_sync(settings).ok
    assert differences(warehouse_items(path, SOURCE), truth_items(sandbox.truth())) == {}
