"""The `syncer` command: every command has help, bad input gets one clear line and a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from syncer.cli import build_parser
from tests.sandbox_process import SandboxProcess
from tests.warehouse_truth import SOURCE, config_file, differences, truth_items, warehouse_items


def commands() -> list[str]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    return sorted(sub.choices)  # type: ignore[arg-type]


def syncer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "syncer", *args], capture_output=True, text=True, timeout=60)


def test_every_command_has_help_text() -> None:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    helps = {choice.dest: choice.help for choice in sub._choices_actions}  # type: ignore[attr-defined]
    assert set(helps) == set(commands())
    assert all(helps.values()), helps
    for name, command in sub.choices.items():  # type: ignore[union-attr]
        for action in command._actions:
            assert action.help, f"syncer {name} {action.option_strings} has no help"


@pytest.mark.parametrize("command", ["sync", "status"])
def test_a_missing_config_is_one_clear_line(command: str, tmp_path: Path) -> None:
    done = syncer(command, "--config", str(tmp_path / "nope.toml"))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"syncer: error: config file not found: {tmp_path / 'nope.toml'}"]


def test_a_bad_config_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[[sources]]\nname = "x"\nbase_url = "http://example.org/api/v3"\ntoken = "s3cret"\n')
    done = syncer("sync", "--config", str(config))
    assert done.returncode == 2 and "sources.0.base_url" in done.stderr and "s3cret" not in done.stderr


def test_an_unknown_stream_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        f'[warehouse]\npath = "{tmp_path / "w.duckdb"}"\n[[sources]]\nname = "x"\n'
        'base_url = "http://127.0.0.1:9/api/v3"\ntoken = "t"\n'
    )
    done = syncer("sync", "--config", str(config), "--stream", "declarations")
    assert done.returncode == 2 and "unknown stream declarations" in done.stderr


# what `syncer sync` never needs: the daemon's scheduler and metrics, the sandbox's server, the contracts file's
# models when no contracts file is configured (issue 19: a cron-started no-change sync is mostly start-up)
NOT_FOR_SYNC = (
    "apscheduler", "prometheus_client", "starlette", "uvicorn",
    "syncer.contract_models", "syncer.daemon", "syncer.health", "syncer.reconcile", "syncer.sandbox",
)  # fmt: skip
IMPORTED_BY_SYNC = """
import json, sys
from syncer.cli import main
code = main(["sync", "--config", sys.argv[1]])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_a_no_change_sync_imports_only_what_it_uses(sandbox: SandboxProcess, tmp_path: Path) -> None:
    config = config_file(sandbox, tmp_path / "w.duckdb")
    assert syncer("sync", "--config", str(config)).returncode == 0
    done = subprocess.run(
        [sys.executable, "-c", IMPORTED_BY_SYNC, str(config)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["code"] == 0
    unused = [name for name in found["modules"] if any(name == m or name.startswith(f"{m}.") for m in NOT_FOR_SYNC)]
    assert unused == []
    assert "syncer.sync" in found["modules"] and "duckdb" in found["modules"]


def test_a_sync_that_skips_the_teardown_leaves_nothing_unwritten(sandbox: SandboxProcess, tmp_path: Path) -> None:
    """`syncer sync` ends with os._exit once its output is flushed (cli.program): its output, sent to a file where
    Python buffers it whole, is all there, and the warehouse and the read snapshot were closed and complete."""
    path = tmp_path / "w.duckdb"
    config = config_file(sandbox, path)
    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    with (tmp_path / "out.txt").open("w") as out:
        done = subprocess.run(
            [sys.executable, "-m", "syncer", "sync", "--config", str(config)], stdout=out, stderr=subprocess.PIPE,
            text=True, timeout=120, env=buffered,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "out.txt").read_text().splitlines()
    assert len([line for line in lines if ": success (full) " in line]) == 8
    assert lines[-1].startswith("read snapshot: ")
    assert not path.with_name("w.duckdb.wal").exists()  # closed, so checkpointed: nothing left to replay
    assert differences(warehouse_items(path, SOURCE), truth_items(sandbox.truth())) == {}
    status = syncer("status", "--config", str(config))  # the snapshot and the warehouse open again, unlocked
    assert status.returncode == 0 and "participant-declarations" in status.stdout, status.stderr
