"""Logs: JSON lines off a TTY, readable on one, a run id on every line of a run, and never a secret."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
import structlog

from syncer import logs
from tests.sandbox_process import SandboxProcess

HELLO = "import structlog; from syncer import logs; logs.configure(); structlog.get_logger().info('hello', answer=42)"


def read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the other side of the terminal has closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode()


def test_json_lines_off_a_tty() -> None:
    done = subprocess.run([sys.executable, "-c", HELLO], capture_output=True, text=True, check=True)
    line = json.loads(done.stderr)
    assert (line["event"], line["answer"], line["level"]) == ("hello", 42, "info")
    assert line["timestamp"].endswith("Z")


def test_readable_console_output_on_a_tty() -> None:
    leader, follower = pty.openpty()
    try:
        subprocess.run([sys.executable, "-c", HELLO], stderr=follower, check=True)
    finally:
        os.close(follower)
    output = read_all(leader)
    os.close(leader)
    assert "hello" in output and "answer=42" in output
    with pytest.raises(json.JSONDecodeError):
        json.loads(output)


def test_secret_looking_keys_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure(json=True)
    try:
        structlog.get_logger().warning(
            "calling", token="s3cr3t", authorization="Bearer s3cr3t", api_password="s3cr3t", path="/statements"
        )
    finally:
        structlog.reset_defaults()
    err = capsys.readouterr().err
    line = json.loads(err)
    assert "s3cr3t" not in err
    assert line["token"] == line["authorization"] == line["api_password"] == "[redacted]"
    assert line["path"] == "/statements"


@pytest.mark.slow
def test_a_full_sync_logs_json_lines_with_one_run_id_and_never_the_token(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(sandbox.token)
    config = tmp_path / "config.toml"
    # small pages: the page-fetching thread logs too (tie groups longer than a page), and must carry the run id
    config.write_text(
        f'[warehouse]\npath = "{tmp_path / "w.duckdb"}"\n[[sources]]\nname = "lp"\n'
        f'base_url = "{sandbox.url}/api/v3"\ntoken_file = "{token_file}"\nper_page = 40\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "syncer", "sync", "--full", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert len({line.get("run_id") for line in lines}) == 1 and lines[0]["run_id"]
    assert any(line["event"].startswith("tie group") for line in lines)  # from the prefetch thread
    assert any(line["event"] == "stream synced" for line in lines)
    for text in (done.stdout, done.stderr):
        assert sandbox.token not in text and "Bearer" not in text and "authorization" not in text.lower()
