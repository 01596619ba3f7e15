"""The read snapshot opens in the DuckDB versions BI tools embed: the DuckDB CLI that `pip install duckdb-cli`
gives (1.5.x) and DuckDB 1.4 LTS (the line most BI drivers embed), each answering every finance view with the
rows this project's DuckDB returns. `syncer sync` (a real subprocess, over loopback) publishes it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from syncer.snapshot import snapshot_path
from tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.slow  # a real `syncer sandbox` (or `syncer`) process over loopback

ROOT = Path(__file__).resolve().parents[1]
DUMP = ROOT / "tests" / "dump_views.py"
LTS = "1.4.4"
FINANCE_VIEWS = (
    "declarations_current", "statement_reconciliation", "clawback_ledger", "declaration_anomalies",
    "participant_timeline", "statement_declaration_counts", "statement_band_allocation", "statement_payment",
    "next_statement_forecast",
)  # fmt: skip


@dataclass
class Synced:
    folder: Path
    config: Path
    warehouse: Path

    @property
    def snapshot(self) -> Path:
        return snapshot_path(self.warehouse)


def syncer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "syncer", *args], capture_output=True, text=True, timeout=300)


def write_config(folder: Path, sandbox: SandboxProcess, name: str, storage: str | None = None) -> Path:
    setting = f'snapshot_storage_version = "{storage}"\n' if storage else ""
    config = folder / f"{name}.toml"
    config.write_text(
        f'[warehouse]\npath = "{folder / name}.duckdb"\n{setting}[finance]\ncontracts = "contracts.toml"\n'
        f'[[sources]]\nname = "ambition"\nbase_url = "{sandbox.url}/api/v3"\ntoken = "{sandbox.token}"\n'
    )
    return config


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    with SandboxProcess(seed=11, participants=40) as process:
        yield process


@pytest.fixture(scope="module")
def synced(sandbox: SandboxProcess, tmp_path_factory: pytest.TempPathFactory) -> Synced:
    folder = tmp_path_factory.mktemp("readers")
    (folder / "contracts.toml").write_text((ROOT / "contracts.example.toml").read_text())
    config = write_config(folder, sandbox, "w")
    done = syncer("sync", "--config", str(config))
    assert done.returncode == 0, done.stderr
    sandbox.tick(10)
    done = syncer("sync", "--config", str(config))
    assert done.returncode == 0, done.stderr
    return Synced(folder, config, folder / "w.duckdb")


@pytest.fixture(scope="session")
def lts_python() -> Path:
    """A small virtualenv with DuckDB 1.4 LTS (and pytz, which its Python client needs for time zones), built once
    and kept between runs in the user's cache (a fresh CI machine builds it once: two wheels from PyPI)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    home = cache / "ecf-syncer" / f"duckdb-{LTS}-py{sys.version_info.major}{sys.version_info.minor}"
    python = home / "bin" / "python"
    probe = [str(python), "-c", "import duckdb, pytz; print(duckdb.__version__)"]
    if not python.exists() or subprocess.run(probe, capture_output=True, text=True).stdout.strip() != LTS:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(home)], check=True, timeout=300)
        install = [str(python), "-m", "pip", "install", "--quiet", f"duckdb=={LTS}", "pytz"]
        subprocess.run(install, check=True, timeout=600)
    assert subprocess.run(probe, capture_output=True, text=True, check=True).stdout.strip() == LTS
    return python


def dumped(python: Path | str, path: Path) -> dict[str, Any]:
    done = subprocess.run([str(python), str(DUMP), str(path), *FINANCE_VIEWS], capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def storage_version(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute("SELECT tags['storage_version'] FROM duckdb_databases() WHERE path = ?", [str(path)])
        found = row.fetchone()
    assert found is not None
    return str(found[0])


def test_syncer_sync_publishes_the_snapshot_in_the_oldest_format_that_holds_the_warehouse(synced: Synced) -> None:
    assert synced.snapshot.is_file()
    assert storage_version(synced.snapshot) == "v1.2.0+"  # zstd-compressed raw needs 1.2; nothing needs newer
    assert storage_version(synced.warehouse).startswith("v2.")  # the warehouse keeps the engine's own format
    with duckdb.connect(str(synced.snapshot), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM contract_terms").fetchone() == (6,)


def test_the_duckdb_cli_from_pip_answers_every_finance_view(synced: Synced) -> None:
    cli = Path(sys.executable).parent / "duckdb"  # the test extra's duckdb-cli
    version = subprocess.run([str(cli), "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("v1.5."), version
    with duckdb.connect(str(synced.snapshot), read_only=True) as con:
        expected = {v: con.execute(f"SELECT count(*) FROM {v}").fetchone() for v in FINANCE_VIEWS}
    sql = " UNION ALL ".join(f"SELECT '{v}' AS view, count(*) AS n FROM {v}" for v in FINANCE_VIEWS)
    done = subprocess.run([str(cli), "-readonly", "-json", str(synced.snapshot), "-c", sql], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    counted = {r["view"]: (r["n"],) for r in json.loads(done.stdout)}
    assert counted == expected and sum(n for (n,) in counted.values()) > 0
    money = subprocess.run([str(cli), "-readonly", "-csv", str(synced.snapshot), "-c",
                            "SELECT sum(total_amount) FROM statement_payment"], capture_output=True, text=True,
                           timeout=120)  # fmt: skip
    with duckdb.connect(str(synced.snapshot), read_only=True) as con:
        total = con.execute("SELECT sum(total_amount) FROM statement_payment").fetchone()
    assert total is not None and money.stdout.splitlines()[1] == str(total[0])


def test_duckdb_lts_returns_the_same_rows_for_every_finance_view(synced: Synced, lts_python: Path) -> None:
    old, ours = dumped(lts_python, synced.snapshot), dumped(sys.executable, synced.snapshot)
    assert old["duckdb"] == LTS and ours["duckdb"] == duckdb.__version__
    assert old["views"] == ours["views"]
    assert all(ours["views"][v] for v in ("statement_payment", "statement_band_allocation", "declarations_current"))


def test_a_newer_storage_version_is_refused_by_the_lts_reader(
    sandbox: SandboxProcess, synced: Synced, lts_python: Path
) -> None:
    """The setting decides who can read: v2.0.0 serves DuckDB 2 only."""
    config = write_config(synced.folder, sandbox, "newest", storage="v2.0.0")
    done = syncer("sync", "--config", str(config))
    assert done.returncode == 0, done.stderr
    snapshot = snapshot_path(synced.folder / "newest.duckdb")
    assert storage_version(snapshot).startswith("v2.0.0")
    refused = subprocess.run([str(lts_python), str(DUMP), str(snapshot), "statement_payment"], capture_output=True,
                             text=True, timeout=120)  # fmt: skip
    assert refused.returncode != 0 and "version" in refused.stderr


def test_a_patched_snapshot_reads_the_same_in_duckdb_lts_as_the_warehouse(
    sandbox: SandboxProcess, synced: Synced, lts_python: Path
) -> None:
    """After two days' activity `syncer sync` patches the snapshot (syncer/snapshot_patch.py) rather than copying
    it: the file stays in the older format, and every finance view answers in 1.4 LTS what the warehouse does."""
    sandbox.tick(2)
    done = syncer("sync", "--config", str(synced.config))
    assert done.returncode == 0 and f"read snapshot: {synced.snapshot} (patched: " in done.stdout, done.stderr
    assert storage_version(synced.snapshot) == "v1.2.0+"
    old, warehouse = dumped(lts_python, synced.snapshot), dumped(sys.executable, synced.warehouse)
    assert old["duckdb"] == LTS and old["views"] == warehouse["views"]
