"""A warehouse written by an earlier version is migrated in place when this version opens it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from syncer.sync import run_sync
from syncer.warehouse import Warehouse
from tests.sandbox_process import SandboxProcess
from tests.warehouse_truth import SOURCE, differences, settings_for, truth_items, warehouse_items

pytestmark = pytest.mark.slow  # a real `syncer sandbox` (or `syncer`) process over loopback

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


def test_raw_is_rewritten_as_zstd_with_every_row_kept(sandbox: SandboxProcess, tmp_path: Path) -> None:
    synced = tmp_path / "synced.duckdb"
    settings = settings_for(sandbox, synced)
    assert run_sync(settings).ok
    expected = contents(synced)
    assert sum(map(len, expected.values())) > 500

    # the warehouse as the version before 008_raw_zstd.sql left it, holding the same rows
    path = tmp_path / "w.duckdb"
    with Warehouse(path, stop_before="008") as old:
        old.con.execute(f"ATTACH '{synced}' AS synced (READ_ONLY)")
        for table in (*RAW_TABLES, "sync_runs"):
            old.con.execute(f"INSERT INTO {table} SELECT * FROM synced.{table}")
        old.con.execute("INSERT INTO sync_state SELECT * EXCLUDE (api_clock_at) FROM synced.sync_state")
        applied = [row[0] for row in old.query("SELECT name FROM schema_migrations ORDER BY name")]
        ddl = dict(old.query("SELECT table_name, sql FROM duckdb_tables() WHERE table_name IN ?", [RAW_TABLES]))
    assert applied[-1].startswith("007") and not any("ZSTD" in sql for sql in ddl.values())
    assert contents(path) == expected

    with Warehouse(path) as warehouse:
        ddl = dict(warehouse.query("SELECT table_name, sql FROM duckdb_tables() WHERE table_name IN ?", [RAW_TABLES]))
    assert all("raw JSON USING COMPRESSION ZSTD NOT NULL" in ddl[table] for table in RAW_TABLES), ddl
    assert contents(path) == expected
    again = settings_for(sandbox, path)
    assert run_sync(again).ok
    assert differences(warehouse_items(path, SOURCE), truth_items(sandbox.truth())) == {}


def test_a_failing_migration_leaves_nothing_half_applied(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Warehouse(path, stop_before="009") as warehouse:
        warehouse.con.execute("CREATE TABLE contract_bands (clash INTEGER)")  # 009 creates it IF NOT EXISTS
        warehouse.con.execute("ALTER TABLE ref_declaration_types ADD COLUMN flat_rate_fee_proportion INTEGER")
    with pytest.raises(duckdb.Error):
        Warehouse(path)  # 009 adds a column that exists: it fails part-way
    with duckdb.connect(str(path), read_only=True) as con:
        names = {row[0] for row in con.execute("SELECT name FROM schema_migrations").fetchall()}
        tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        columns = {
            row[0]
            for row in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = 'ref_declaration_types'"
            ).fetchall()
        }
    assert not any(name.startswith("009") for name in names)
    assert "contract_terms" not in tables and "output_fee_proportion" not in columns  # rolled back whole
