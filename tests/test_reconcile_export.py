"""`syncer reconcile`, `syncer export`, `syncer views` and `syncer dictionary` on a synced sandbox warehouse."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from syncer import cli, dictionary, reconcile, views
from syncer.sync import run_sync
from syncer.warehouse import Warehouse
from tests import finance_truth
from tests.finance_truth import World, checked
from tests.sandbox_process import SandboxProcess
from tests.test_anomalies import declared_for_twice, merge_one_of
from tests.warehouse_truth import settings_for

DOCS = Path(__file__).resolve().parents[1] / "docs" / "data-dictionary.md"


@dataclass
class Synced:
    config: Path
    path: Path
    world: World


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    with SandboxProcess(seed=19, participants=40) as sandbox:
        folder = tmp_path_factory.mktemp("reconcile")
        settings = settings_for(sandbox, folder / "w.duckdb")
        # the generated history alone is clean: a teacher declared for on both registrations, then merged, gives
        # the duplicate live declarations to report (as test_anomalies.py shows)
        merge_one_of(sandbox, declared_for_twice(sandbox, lambda: None), lambda: None)
        checked(run_sync(settings, full=True))
        config = folder / "config.toml"
        config.write_text(
            f'[warehouse]\npath = "{settings.warehouse.path}"\n[[sources]]\nname = "lp"\n'
            f'base_url = "{sandbox.url}/api/v3"\ntoken = "{sandbox.token}"\n'
        )
        yield Synced(config, settings.warehouse.path, World(sandbox.truth()))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def expected_statements(world: World) -> dict[str, dict[str, object]]:
    observer = finance_truth.Observer()
    observer.observe(world.truth)  # one sync: what the warehouse's history saw
    rows = finance_truth.statement_reconciliation(world, observer)
    return {k: r for k, r in rows.items() if r["count_declarations"] or r["count_clawbacks"]}


def test_reconcile_prints_the_statement_summary_and_anomaly_counts(
    synced: Synced, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "reconcile", "--config", str(synced.config))
    assert code == 0
    statements = expected_statements(synced.world)
    assert f"Statements ({len(statements)}):" in out
    assert all(key in out for key in statements)
    counts = Counter(c for _, c in finance_truth.anomalies(synced.world))
    assert counts and f"Anomalies ({sum(counts.values())}):" in out
    for anomaly, n in counts.items():
        assert any(anomaly in line and f" {n} " in f" {line} " for line in out.splitlines()), anomaly
    assert f"Checks ({len(reconcile.check_names())}, all hold):" in out
    assert all(
        any(line.split() == [check, "0", "yes"] for line in out.splitlines()) for check in reconcile.check_names()
    )


def test_reconcile_json_for_one_statement(synced: Synced, capsys: pytest.CaptureFixture[str]) -> None:
    statements = expected_statements(synced.world)
    busiest = max(statements, key=lambda k: int(str(statements[k]["count_declarations"])))
    code, out, _ = run(capsys, "reconcile", "--config", str(synced.config), "--statement", busiest, "--format", "json")
    assert code == 0
    report = json.loads(out)
    (row,) = report["statements"]
    assert row["statement_id"] == busiest
    assert {k: row[k] for k in ("count_declarations", "count_paid", "net_count")} == {
        k: statements[busiest][k] for k in ("count_declarations", "count_paid", "net_count")
    }
    on_it = {d["id"] for d in synced.world.declarations if busiest in (d["statement_id"], d["clawback_statement_id"])}
    expected = Counter(c for key, c in finance_truth.anomalies(synced.world) if key in on_it)
    assert {a["anomaly_code"]: a["anomalies"] for a in report["anomalies"]} == dict(expected)
    assert row["anomalies"] == sum(expected.values())
    # the invariants cover the whole warehouse, whichever statement is asked about
    assert [(c["check"], c["offending_rows"], c["holds"]) for c in report["checks"]] == [
        (check, 0, True) for check in reconcile.check_names()
    ]


def test_reconcile_csv_and_source_filter(synced: Synced, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "reconcile", "--config", str(synced.config), "--format", "csv")
    assert code == 0
    statements_block, anomalies_block, checks_block = out.rstrip("\n").split("\n\n")
    rows = list(csv.DictReader(io.StringIO(statements_block)))
    assert {r["statement_id"] for r in rows} == set(expected_statements(synced.world))
    assert {r["paid"] for r in rows} <= {"true", "false"}
    assert sum(int(r["anomalies"]) for r in csv.DictReader(io.StringIO(anomalies_block))) == len(
        finance_truth.anomalies(synced.world)
    )
    checks = list(csv.DictReader(io.StringIO(checks_block)))
    assert [(r["check"], r["offending_rows"], r["holds"]) for r in checks] == [
        (check, "0", "true") for check in reconcile.check_names()
    ]
    code, out, _ = run(capsys, "reconcile", "--config", str(synced.config), "--source", "nobody")
    assert code == 0 and "Statements (0):" in out and "Anomalies (0):" in out


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_every_view_and_table(
    synced: Synced, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "export", "--config", str(synced.config), "--format", fmt, "--out", str(tmp_path))
    assert code == 0
    with duckdb.connect(str(synced.path), read_only=True) as con:
        objects = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal").fetchall()}
        objects |= {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        objects = {o for o in objects if not o.startswith(views.CACHE_PREFIX)}  # a cache is its view's rows
        counts = {o: con.execute(f"SELECT count(*) FROM {o}").fetchone() for o in objects}
    assert {p.stem for p in tmp_path.glob(f"*.{fmt}")} == objects
    reader = "read_parquet" if fmt == "parquet" else "read_csv"
    with duckdb.connect() as con:
        for name, count in counts.items():
            if count and count[0]:
                found = con.execute(f"SELECT count(*) FROM {reader}(?)", [str(tmp_path / f"{name}.{fmt}")]).fetchone()
                assert found == count, name
    assert "declaration_anomalies" in out


def test_the_warehouse_documents_every_table_view_and_column(synced: Synced) -> None:
    with duckdb.connect(str(synced.path), read_only=True) as con:
        assert dictionary.missing_comments(con) == []


def test_the_checked_in_data_dictionary_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "dictionary")
    assert code == 0
    assert out == dictionary.fresh_markdown()
    assert DOCS.read_text() == out, "regenerate it: syncer dictionary > docs/data-dictionary.md"
    for view in (
        "declarations_current",
        "statement_reconciliation",
        "clawback_ledger",
        "declaration_anomalies",
        "statement_payment",
        "statement_band_allocation",
        "next_statement_forecast",
    ):
        assert f"### {view}" in out


def test_syncer_views_and_reading_a_warehouse_without_them(
    synced: Synced, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "views", "--config", str(synced.config))
    assert code == 0 and "views up to date" in out and "no changes" in out  # the sync refreshed them
    code, out, _ = run(capsys, "views", "--rebuild", "--config", str(synced.config))
    assert code == 0 and "views created or replaced" in out
    bare = tmp_path / "bare.duckdb"
    with Warehouse(bare):
        pass  # migrated, never refreshed
    config = tmp_path / "bare.toml"
    config.write_text(synced.config.read_text().replace(str(synced.path), str(bare)))
    code, _, err = run(capsys, "reconcile", "--config", str(config))
    assert code == 1 and "run `syncer sync` or `syncer views` first" in err
    code, out, _ = run(capsys, "dictionary", "--config", str(synced.config))
    assert code == 0 and "### declaration_anomalies" in out
