"""The money end to end: `syncer sync` (a real subprocess, over loopback) loads the contracts file named in the
config, then `syncer statement`, `syncer reconcile` and `syncer export` (CSV, and the Excel workbook read back
with openpyxl) show the pounds."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from syncer.warehouse import Warehouse
from tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.slow  # a real `syncer sandbox` (or `syncer`) process over loopback

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Synced:
    config: Path
    path: Path


def syncer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "syncer", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    with SandboxProcess(seed=7, participants=60) as sandbox:
        folder = tmp_path_factory.mktemp("statement")
        (folder / "terms").mkdir()
        (folder / "terms" / "contracts.toml").write_text((ROOT / "contracts.example.toml").read_text())
        config = folder / "config.toml"
        config.write_text(
            f'[warehouse]\npath = "{folder / "w.duckdb"}"\n[finance]\ncontracts = "terms/contracts.toml"\n'
            f'[[sources]]\nname = "ambition"\nbase_url = "{sandbox.url}/api/v3"\ntoken = "{sandbox.token}"\n'
        )
        done = syncer("sync", "--config", str(config))
        assert done.returncode == 0, done.stderr
        sandbox.tick(20)
        done = syncer("sync", "--config", str(config))
        assert done.returncode == 0, done.stderr
        yield Synced(config, folder / "w.duckdb")


def one(path: Path, sql: str) -> tuple[object, ...]:
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute(sql).fetchone()
    assert row is not None
    return tuple(row)


def test_the_sync_loaded_the_contracts_and_priced_the_statements(synced: Synced) -> None:
    assert one(synced.path, "SELECT count(*) FROM contract_terms") == (6,)
    priced, missing = one(synced.path, "SELECT count(total_amount), count(missing_reason) FROM statement_payment")
    assert isinstance(priced, int) and priced > 0 and missing == 0


def test_statement_next_prints_the_statement_page(synced: Synced) -> None:
    done = syncer("statement", "--next", "--config", str(synced.config))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for label in ("Output payments (banded)", "Uplift fees", "Service fee", "Clawbacks", "Additional adjustments",
                  "Subtotal", "VAT", "Total"):  # fmt: skip
        assert label in out, label
    statement_id, cohort = one(
        synced.path, "SELECT statement_id, cohort FROM next_statement_forecast ORDER BY days_to_cut_off, cohort LIMIT 1"
    )
    total = one(synced.path, f"SELECT total_amount FROM statement_payment WHERE statement_id = '{statement_id}'")[0]
    assert isinstance(total, Decimal)
    assert f"Statement {statement_id}" in out and f"cohort {cohort}" in out
    assert f"£{total.quantize(Decimal('0.01')):,}".replace("£", "") in out.splitlines()[-1]
    assert "forecast" in out


def test_statement_json_and_csv_carry_the_exact_amounts(synced: Synced) -> None:
    (statement_id,) = one(
        synced.path,
        "SELECT statement_id FROM statement_payment WHERE paid AND output_amount > 0 "
        "ORDER BY payment_date DESC LIMIT 1",
    )
    expected = one(
        synced.path, f"SELECT total_amount, output_amount FROM statement_payment WHERE statement_id = '{statement_id}'"
    )
    done = syncer("statement", str(statement_id), "--config", str(synced.config), "--format", "json")
    assert done.returncode == 0, done.stderr
    page = json.loads(done.stdout)
    assert (Decimal(page["statement"]["total_amount"]), Decimal(page["statement"]["output_amount"])) == expected
    assert sum(Decimal(b["net_amount"]) for b in page["bands"]) == expected[1]
    done = syncer("statement", str(statement_id), "--config", str(synced.config), "--format", "csv")
    lines = list(csv.DictReader(done.stdout.splitlines()))
    assert {r["item"]: r["amount"] for r in lines if r["section"] == "total"}["total_amount"] == str(expected[0])


def test_statement_errors_are_one_line(synced: Synced) -> None:
    done = syncer("statement", "no-such-statement", "--config", str(synced.config))
    assert (
        done.returncode == 1 and done.stderr.strip() == "syncer: error: no statement no-such-statement in the warehouse"
    )
    done = syncer("statement", "--config", str(synced.config))
    assert done.returncode == 2 and "statement_id" in done.stderr


def test_reconcile_and_export_show_the_money(synced: Synced, tmp_path: Path) -> None:
    done = syncer("reconcile", "--config", str(synced.config))
    assert done.returncode == 0, done.stderr
    assert "total_£" in done.stdout
    done = syncer("export", "--config", str(synced.config), "--format", "csv", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    for view in ("statement_payment", "statement_band_allocation", "next_statement_forecast"):
        assert (tmp_path / f"{view}.csv").is_file(), view


def excel(value: object) -> object:
    """A view's value as Excel holds it: a double, of which the workbook keeps 16 significant digits (so money is
    compared to a millionth of a penny)."""
    if isinstance(value, Decimal | float):
        return round(float(value), 6)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return value


def test_export_xlsx_writes_one_typed_workbook_of_the_finance_views(synced: Synced, tmp_path: Path) -> None:
    done = syncer("export", "--config", str(synced.config), "--format", "xlsx", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(tmp_path / "finance.xlsx", read_only=False)
    sheets = {"statements": "statement_reconciliation", "payments": "statement_payment",
              "band allocation": "statement_band_allocation", "next statement": "next_statement_forecast",
              "clawbacks": "clawback_ledger", "anomalies": "declaration_anomalies"}  # fmt: skip
    assert book.sheetnames == list(sheets)
    with duckdb.connect(str(synced.path), read_only=True) as con:
        for name, view in sheets.items():
            cursor = con.execute(f"SELECT * FROM {view}")
            header = [d[0] for d in cursor.description or ()]
            types = [str(d[1]) for d in cursor.description or ()]
            expected = sorted((tuple(excel(v) for v in row) for row in cursor.fetchall()), key=repr)
            sheet = book[name]
            assert [c.value for c in sheet[1]] == header, name
            found = sorted((tuple(excel(c.value) for c in row) for row in sheet.iter_rows(min_row=2)), key=repr)
            assert found == expected, name
            assert sheet.freeze_panes == "A2"
            for column, kind in enumerate(types, 1):
                cells = [r[column - 1] for r in sheet.iter_rows(min_row=2, max_row=3)]
                if kind.startswith("DECIMAL"):
                    assert all(c.number_format == "#,##0.00" for c in cells if c.value is not None), (name, kind)
                if kind == "DATE":
                    assert all(c.is_date for c in cells if c.value is not None), (name, kind)
            sized = sheet.column_dimensions.values()  # openpyxl joins neighbours of one width into one
            assert sum(d.max - d.min + 1 for d in sized) == len(header) and all(d.width >= 6 for d in sized), name
    payments = book["payments"]
    assert any(isinstance(c.value, float) and c.value > 0 for row in payments.iter_rows(min_row=2) for c in row)


def test_status_answers_from_the_snapshot_while_a_run_holds_the_warehouse(synced: Synced) -> None:
    free = syncer("status", "--config", str(synced.config))
    assert free.returncode == 0, free.stderr
    assert "participant-declarations" in free.stdout and "read snapshot" not in free.stdout
    with Warehouse(synced.path):  # as a run does: this process holds the file's write lock
        held = syncer("status", "--config", str(synced.config))
    assert held.returncode == 0, held.stderr
    assert "A run is writing" in held.stdout and "this is the read snapshot w.read.duckdb" in held.stdout

    def table(out: list[str]) -> list[list[str]]:  # the lag column ages while the test runs
        return [line.split()[:7] for line in out]

    assert table(held.stdout.splitlines()[1:]) == table(free.stdout.splitlines())  # the same rows, from the snapshot


def test_status_never_migrates_the_warehouse(tmp_path: Path) -> None:
    old = tmp_path / "old.duckdb"
    with Warehouse(old, stop_before="009"):
        pass
    config = tmp_path / "c.toml"
    config.write_text(f'[warehouse]\npath = "{old}"\n[[sources]]\nname = "lp"\nbase_url = "http://127.0.0.1:9"\n'
                      'token = "t"\n')  # fmt: skip
    done = syncer("status", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert one(old, "SELECT max(name) FROM schema_migrations")[0] == "008_raw_zstd.sql"
