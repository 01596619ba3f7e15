"""The read snapshot is written only when the warehouse's data changed: a run that changed nothing confirms the
snapshot (its mtime) without copying it; every kind of content change, a new storage version and a snapshot from
before stamps are written again (copied whole or patched: tests/test_snapshot_patch.py). In process on small
warehouses, and `syncer sync` over loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from syncer.snapshot import publish, snapshot_path
from syncer.warehouse import Warehouse
from tests.sandbox_process import SandboxProcess
from tests.test_snapshot_patch import differences

Change = Callable[[duckdb.DuckDBPyConnection], object]


def a_warehouse(path: Path) -> Path:
    with Warehouse(path) as warehouse:
        warehouse.con.execute("INSERT INTO sync_state (source, stream, updated_at) VALUES ('lp', 'statements', now())")
    return path


def change(path: Path, what: Change) -> None:
    with Warehouse(path) as warehouse:
        what(warehouse.con)


def a_run(inserted: int = 0, updated: int = 0, removed: int = 0, quarantined: int = 0) -> Change:
    return lambda con: con.execute(
        "INSERT INTO sync_runs (run_id, source, stream, mode, started_at, outcome, inserted, updated, removed, "
        "quarantined) VALUES (?, 'lp', 'statements', 'incremental', now(), 'success', ?, ?, ?, ?)",
        [uuid.uuid4().hex, inserted, updated, removed, quarantined],
    )


def backdate(path: Path) -> tuple[int, int]:
    """Sets the file's times an hour back; answers (inode, mtime_ns) after it."""
    an_hour_ago = path.stat().st_mtime - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))
    found = path.stat()
    return found.st_ino, found.st_mtime_ns


def test_an_unchanged_warehouse_is_confirmed_not_copied(tmp_path: Path) -> None:
    path = a_warehouse(tmp_path / "w.duckdb")
    assert publish(path).replaced
    inode, mtime = backdate(snapshot_path(path))
    # bookkeeping alone (watermarks, a run that wrote nothing) is not worth a copy
    change(path, lambda con: con.execute("UPDATE sync_state SET watermark = now(), updated_at = now()"))
    change(path, a_run())
    published = publish(path)
    assert published.path == snapshot_path(path) and not published.replaced
    after = snapshot_path(path).stat()
    assert after.st_ino == inode and after.st_mtime_ns > mtime  # the same file, confirmed current now
    with duckdb.connect(str(published.path), read_only=True) as reader:
        ((runs,),) = reader.execute("SELECT count(*) FROM sync_runs").fetchall()
        (row,) = reader.execute("SELECT storage_version, length(content_stamp) FROM snapshot_publication").fetchall()
    assert runs == 0 and row == ("v1.2.0", 64)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb", "w.read.duckdb"]


CHANGES: dict[str, Change] = {
    "a run inserted rows": a_run(inserted=1),
    "a run updated rows": a_run(updated=2),
    "a run marked rows removed": a_run(removed=1),
    "a run quarantined an item": a_run(quarantined=1),
    "the finance layer was refreshed": lambda con: con.execute("INSERT INTO finance_layer VALUES ('f', now(), now())"),
    "a contracts file was loaded": lambda con: con.execute("INSERT INTO contract_file VALUES ('d', 'c.toml', now())"),
    "a merge changed the participant-id map": lambda con: con.execute(
        "INSERT INTO participant_id_map VALUES ('lp', 'old', 'new')"
    ),
    "a migration was applied": lambda con: con.execute("INSERT INTO schema_migrations VALUES ('999_next', now())"),
}


@pytest.mark.parametrize("what", list(CHANGES))
def test_each_kind_of_change_is_copied(tmp_path: Path, what: str) -> None:
    path = a_warehouse(tmp_path / "w.duckdb")
    publish(path)
    change(path, CHANGES[what])
    assert publish(path).replaced
    with duckdb.connect(str(snapshot_path(path)), read_only=True) as reader:
        ((runs, maps),) = reader.execute(
            "SELECT (SELECT count(*) FROM sync_runs), (SELECT count(*) FROM participant_id_map)"
        ).fetchall()
    assert runs + maps == (1 if "run" in what or "map" in what else 0)  # the copy holds the change
    assert not publish(path).replaced  # and is current from then on


def test_a_new_storage_version_or_a_snapshot_without_a_stamp_is_copied(tmp_path: Path) -> None:
    path = a_warehouse(tmp_path / "w.duckdb")
    publish(path)
    assert publish(path, "v1.4.0").replaced and not publish(path, "v1.4.0").replaced
    with duckdb.connect(str(snapshot_path(path))) as writer:  # as a snapshot published by an older syncer
        writer.execute("DROP TABLE snapshot_publication")
    assert publish(path, "v1.4.0").replaced and not publish(path, "v1.4.0").replaced
    snapshot_path(path).write_bytes(b"not a database" * 100)  # e.g. damaged by hand
    assert publish(path, "v1.4.0").replaced


@pytest.mark.slow
def test_syncer_sync_copies_the_snapshot_only_when_the_data_changed(tmp_path: Path) -> None:
    """The real command over loopback: a second sync with nothing new leaves the file; a day's activity replaces
    it with the previous one patched with the new rows, holding exactly what the warehouse holds."""
    with SandboxProcess(seed=5, participants=30) as sandbox:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[warehouse]\npath = "{tmp_path / "w.duckdb"}"\n[[sources]]\nname = "lp"\n'
            f'base_url = "{sandbox.url}/api/v3"\ntoken = "{sandbox.token}"\n'
        )

        def sync() -> str:
            done = subprocess.run(
                [sys.executable, "-m", "syncer", "sync", "--config", str(config)],
                capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            return done.stdout

        snapshot = snapshot_path(tmp_path / "w.duckdb")
        assert f"read snapshot: {snapshot}\n" in sync()
        inode, mtime = backdate(snapshot)
        assert f"read snapshot: {snapshot} (already current)\n" in sync()
        assert snapshot.stat().st_ino == inode and snapshot.stat().st_mtime_ns > mtime
        declarations = len(sandbox.truth()["participant-declarations"])
        sandbox.tick(3)
        assert len(sandbox.truth()["participant-declarations"]) > declarations
        assert f"read snapshot: {snapshot} (patched: " in sync()  # the days' rows written into the last one
        assert differences(tmp_path / "w.duckdb") == {}
        with duckdb.connect(str(snapshot), read_only=True) as reader:
            query = "SELECT count(*) FROM participant_declarations WHERE removed_at IS NULL"
            ((found,),) = reader.execute(query).fetchall()
        assert found == len(sandbox.truth()["participant-declarations"])
