"""The `syncer` command: every command has help, bad input gets one clear line and a non-zero exit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from syncer.cli import build_parser


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
