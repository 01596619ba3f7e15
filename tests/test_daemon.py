"""The daemon: backoff, health, metrics, the read snapshot, cooperative stop, and a real `syncer run` process
against the real sandbox (several runs, hundreds of snapshot reads, the API going away and coming back,
SIGTERM mid-run and convergence after a restart)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from syncer import snapshot, snapshot_patch
from syncer.config import Settings, load_settings
from syncer.daemon import Backoff, Daemon, schedule_period, stale_seconds
from syncer.errors import ConfigError, Interrupted, StoreError, TransientApiError, WarehouseLocked
from syncer.health import Health, LastRun
from syncer.snapshot import publish, snapshot_path
from syncer.store import WriteCounts
from syncer.sync import RunResult, StreamResult, client_for, run_sync
from syncer.warehouse import Warehouse
from tests.sandbox_process import SandboxProcess
from tests.warehouse_truth import differences, truth_items, warehouse_items

SOURCES = [{"name": "lp", "base_url": "http://127.0.0.1:9/api/v3", "token": "unused"}]
NOW = 1_000_000.0
TOKEN_ENV = "SYNCER_TEST_DAEMON_TOKEN"


# -- pieces ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("earlier_failures", "permanent", "delay"),
    [(0, False, 1.0), (1, False, 2.0), (2, False, 4.0), (5, False, 10.0), (0, True, 10.0)],
)
def test_backoff_doubles_up_to_its_cap(earlier_failures: int, permanent: bool, delay: float) -> None:
    backoff = Backoff(base=1.0, cap=10.0)
    for _ in range(earlier_failures):
        backoff.failed(0.0)
    assert backoff.failed(NOW, permanent) == delay
    assert not backoff.ready(NOW + delay - 0.01) and backoff.ready(NOW + delay)
    backoff.succeeded()
    assert backoff.ready(0.0) and backoff.failures == 0


@pytest.mark.parametrize(
    ("runs", "status", "reason"),
    [
        ([], 503, "no run has finished yet"),
        ([LastRun("success", NOW - 70, NOW - 60)], 200, None),
        ([LastRun("success", NOW - 130, NOW - 121)], 503, "finished 121s ago, more than 120s"),
        ([LastRun("success", NOW - 70, NOW - 60), LastRun("failed", NOW - 9, NOW - 5, "ApiError: 500")], 503, "500"),
        ([LastRun("interrupted", NOW - 9, NOW - 5)], 503, "the last run interrupted"),
    ],
)
def test_healthz_verdicts(runs: list[LastRun], status: int, reason: str | None) -> None:
    health = Health(stale_after=120, clock=lambda: NOW)
    for run in runs:
        health.finished(run)
    code, body = health.verdict()
    assert code == status
    if reason is None:
        assert body["status"] == "ok" and body["age_seconds"] == 60
    else:
        assert body["status"] == "unhealthy" and reason in body["reason"]
    json.dumps(body)  # the body is served as JSON


@pytest.mark.parametrize(
    ("daemon", "period"),
    [
        ({"interval": "90s"}, 90),
        ({"cron": "*/15 * * * *"}, 900),
        ({"cron": "0 9-17 * * 1-5"}, 64 * 3600),  # weekdays 9-17: the longest gap is Friday 17:00 to Monday 9:00
    ],
)
def test_schedule_period_and_staleness(daemon: dict[str, Any], period: float) -> None:
    config = load_settings(sources=SOURCES, daemon=daemon).daemon
    assert schedule_period(config, datetime(2026, 3, 4, 12, tzinfo=UTC)) == period
    assert load_settings(sources=SOURCES, daemon={**daemon, "stale_after": "7m"}).daemon.stale_after == timedelta(
        minutes=7
    )
    if "interval" in daemon:
        assert stale_seconds(config) == 2 * period


@pytest.mark.parametrize(
    ("daemon", "key"),
    [
        ({"cron": "every minute"}, "daemon.cron"),
        ({"full_refresh_cron": "61 * * * *"}, "daemon.full_refresh_cron"),
        ({"interval": "0s"}, "daemon.interval"),
        ({"misfire_grace": "0s"}, "daemon.misfire_grace"),
        ({"timezone": "Mars/Olympus_Mons"}, "daemon.timezone"),
        ({"health_port": 70000}, "daemon.health_port"),
        ({"failure_backoff": "soon"}, "daemon.failure_backoff"),
        ({"retries": 3}, "daemon.retries"),
    ],
)
def test_bad_daemon_settings_name_their_key(daemon: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(key)):
        load_settings(sources=SOURCES, daemon=daemon)


def test_daemon_settings_come_from_the_environment_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCER_DAEMON__HEALTH_PORT", "9999")
    monkeypatch.setenv("SYNCER_DAEMON__INTERVAL", "5m")
    settings = load_settings(sources=SOURCES)
    assert settings.daemon.health_port == 9999 and settings.daemon.interval == timedelta(minutes=5)
    assert settings.daemon.failure_backoff == timedelta(minutes=1)  # the documented default


def warehouse_with(path: Path, sources: int) -> None:
    """`sources` rows in sync_state, written by a run that inserted them (so the snapshot is copied again)."""
    with Warehouse(path) as warehouse:
        warehouse.con.execute("DELETE FROM sync_state")
        for n in range(sources):
            warehouse.con.execute(
                "INSERT INTO sync_state (source, stream, updated_at) VALUES (?, 'statements', now())", [f"s{n}"]
            )
        warehouse.con.execute(
            "INSERT INTO sync_runs (run_id, source, stream, mode, started_at, outcome, inserted) "
            "VALUES (?, 's0', 'statements', 'full', now(), 'success', ?)",
            [f"run{sources}", sources],
        )


def count_in_another_process(path: Path) -> int:
    """A BI tool is another process (in this one, DuckDB would hand back its cached instance of the path)."""
    code = f"import duckdb; print(duckdb.connect({str(path)!r}, read_only=True).sql('FROM sync_state').shape[0])"
    return int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def test_the_snapshot_is_replaced_whole_and_open_readers_keep_theirs(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    warehouse_with(path, 1)
    assert publish(path).path == snapshot_path(path) == tmp_path / "w.read.duckdb"
    with duckdb.connect(str(snapshot_path(path)), read_only=True) as reader:
        warehouse_with(path, 3)
        publish(path)
        assert reader.execute("SELECT count(*) FROM sync_state").fetchone() == (1,)  # still the file it opened
        assert count_in_another_process(snapshot_path(path)) == 3  # a new reader gets the new file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb", "w.read.duckdb"]  # no temporary left


def test_a_copy_that_does_not_open_is_never_published(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    warehouse_with(path, 2)
    publish(path)
    path.write_bytes(b"not a database" * 1000)
    with pytest.raises(StoreError, match="cannot write the read snapshot"):
        publish(path)
    assert count_in_another_process(snapshot_path(path)) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb", "w.read.duckdb"]


# -- the daemon with scripted runs (no network) ------------------------------------------------------------
class ScriptedRuns:
    """Stands in for run_sync: each call plays the next step, an exception to raise or a stream outcome."""

    def __init__(self, *steps: Exception | str) -> None:
        self.steps = list(steps)
        self.calls: list[bool] = []

    def __call__(
        self,
        settings: Settings,
        streams: list[str] | None = None,
        full: bool = False,
        progress: Callable[[StreamResult], None] | None = None,
        client_factory: Callable[..., Any] = client_for,
        stop: threading.Event | None = None,
    ) -> RunResult:
        self.calls.append(full)
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        error = None if step == "success" else "TransientApiError: server error 502"
        mode = "full" if full else "incremental"
        stream = StreamResult("lp", "statements", mode, counts=WriteCounts(records=5, inserted=2))
        stream.outcome, stream.error = step, error
        return RunResult(f"run{len(self.calls)}", [stream])


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def sample(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


def scripted_daemon(tmp_path: Path, runs: ScriptedRuns, clock: Callable[[], float], **daemon: Any) -> Daemon:
    settings = load_settings(
        warehouse={"path": str(tmp_path / "w.duckdb"), "read_snapshot": False},
        sources=SOURCES,
        daemon={"health_port": 0, "run_on_start": False, "interval": "1h", **daemon},
    )
    return Daemon(settings, sync=runs, clock=clock)


def test_failed_runs_back_off_and_never_stop_the_daemon(tmp_path: Path) -> None:
    now = [NOW]
    runs = ScriptedRuns(TransientApiError("connection refused"), "failed", KeyError("a bug"), "success")
    daemon = scripted_daemon(tmp_path, runs, lambda: now[0], failure_backoff="10s", failure_backoff_max="60s")
    daemon.start()
    try:
        daemon.tick()  # run_sync raises: logged, counted, not fatal
        health = httpx.get(f"{daemon.health_url}/healthz")
        assert health.status_code == 503 and "connection refused" in health.json()["reason"]
        now[0] += 5
        daemon.tick()  # inside the 10 s backoff: skipped
        assert len(runs.calls) == 1
        now[0] += 6
        daemon.tick()  # a stream failed: the backoff doubles to 20 s
        assert len(runs.calls) == 2 and daemon.backoff.failures == 2
        now[0] += 15
        daemon.tick()
        assert len(runs.calls) == 2
        daemon.tick(full=True)  # a scheduled full refresh is rare: it runs despite the backoff (and crashes)
        assert runs.calls == [False, False, True]
        now[0] += 60
        daemon.tick()
        assert len(runs.calls) == 4 and daemon.backoff.failures == 0
        health = httpx.get(f"{daemon.health_url}/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        metrics = httpx.get(f"{daemon.health_url}/metrics")
        assert metrics.headers["content-type"].startswith("text/plain")
        text = metrics.text
        assert sample(text, "syncer_runs_total", kind="incremental", outcome="failed") == 2
        assert sample(text, "syncer_runs_total", kind="full", outcome="failed") == 1
        assert sample(text, "syncer_runs_total", kind="incremental", outcome="success") == 1
        assert sample(text, "syncer_records_total", source="lp", stream="statements", outcome="inserted") == 4
        assert sample(text, "syncer_stream_runs_total", source="lp", stream="statements", outcome="failed") == 1
        assert sample(text, "syncer_last_success_timestamp_seconds") == now[0]
        assert sample(text, "syncer_consecutive_failures") == 0
    finally:
        assert daemon.shutdown()
    daemon.shutdown(grace=0.1)  # harmless twice


def test_the_schedule_runs_one_job_at_a_time(tmp_path: Path) -> None:
    daemon = scripted_daemon(tmp_path, ScriptedRuns(), time.time, interval="10m", full_refresh_cron="0 2 * * 6")
    scheduler = daemon.build_scheduler()
    scheduler.start(paused=True)  # job defaults are applied when the scheduler starts
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {"incremental", "full-refresh"}
        for job in jobs.values():
            assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 300)
        assert str(jobs["incremental"].trigger) == "interval[0:10:00]"
        assert str(jobs["full-refresh"].trigger).startswith("cron[")
        assert scheduler._executors["default"]._pool._max_workers == 1  # one run at a time across both jobs
    finally:
        scheduler.shutdown(wait=False)


def test_a_stop_request_cuts_a_retry_wait_short(tmp_path: Path) -> None:
    daemon = scripted_daemon(tmp_path, ScriptedRuns(), time.time)
    threading.Timer(0.2, daemon.stop.set).start()
    started = time.monotonic()
    with pytest.raises(Interrupted):
        daemon.pause(600)
    assert time.monotonic() - started < 300  # cut short: far less than the wait asked for, on any machine


@pytest.mark.slow
def test_a_stop_between_pages_keeps_whole_pages_and_the_next_run_converges(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    path = tmp_path / "w.duckdb"
    source = {"name": "lp", "base_url": f"{sandbox.url}/api/v3", "token": sandbox.token}
    settings = load_settings(warehouse={"path": str(path)}, sources=[{**source, "per_page": 20}])
    stop = threading.Event()
    applied: list[str] = []

    def after_each_page(result: StreamResult) -> None:
        applied.append(result.stream)
        if len(applied) == 5:
            stop.set()

    first = run_sync(settings, progress=after_each_page, stop=stop)
    assert first.interrupted and not first.ok and first.streams[-1].outcome == "interrupted"
    assert len(applied) == 5  # no page after the stop
    with duckdb.connect(str(path), read_only=True) as con:
        outcomes = dict(con.execute("SELECT outcome, count(*) FROM sync_runs GROUP BY ALL").fetchall())
    assert outcomes.get("interrupted") == 1 and "running" not in outcomes
    assert run_sync(load_settings(warehouse={"path": str(path)}, sources=[source])).ok
    assert differences(warehouse_items(path, "lp"), truth_items(sandbox.truth())) == {}


# -- a real `syncer run` against the real sandbox -----------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def healthz(port: int) -> tuple[int, dict[str, Any]]:
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    except httpx.TransportError:
        return 0, {}
    return response.status_code, response.json()


def metrics(port: int) -> str:
    return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text


def write_config(
    directory: Path, name: str, api_url: str, health_port: int, warehouse: str = "", **source: Any
) -> Path:
    """Runs back to back (a run takes longer than the 1 s interval), so /healthz turns 503 only on failure."""
    lines = "\n".join(f"{key} = {json.dumps(value)}" for key, value in source.items())
    config = directory / f"{name}.toml"
    config.write_text(
        f'[warehouse]\npath = "{directory / (warehouse or name)}.duckdb"\n\n'
        f'[daemon]\ninterval = "1s"\nstale_after = "60s"\nfailure_backoff = "0.5s"\nfailure_backoff_max = "2s"\n'
        f"health_port = {health_port}\n\n"
        f'[[sources]]\nname = "lp"\nbase_url = "{api_url}/api/v3"\ntoken_env = "{TOKEN_ENV}"\n'
        f'max_retries = 0\ntimeout = "5s"\n{lines}\n'
    )
    return config


@dataclass
class DaemonProcess:
    config: Path
    token: str
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> DaemonProcess:
        with self.log.open("ab") as out:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [sys.executable, "-m", "syncer", "run", "--config", str(self.config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, TOKEN_ENV: self.token},
            )
        return self

    def terminate(self) -> tuple[int, float]:
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=20)
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def events(self, strict: bool = False) -> list[dict[str, Any]]:
        """The log as JSON objects; `strict` once the process has exited (while it runs, a line may be partial)."""
        result = []
        for line in self.log.read_text().splitlines():
            try:
                result.append(json.loads(line))
            except json.JSONDecodeError:
                if strict:
                    raise AssertionError(f"not a JSON log line: {line!r}") from None
        return result


@pytest.fixture
def daemons() -> Iterator[list[DaemonProcess]]:
    started: list[DaemonProcess] = []
    yield started
    for daemon in started:
        daemon.kill()


DAEMON_EVENTS = {"daemon started", "stop requested; finishing the current page", "daemon stopped"}


def check_logs(daemon: DaemonProcess, token: str) -> list[dict[str, Any]]:
    """JSON lines only; a run id on every line a run wrote; never the token or an Authorization header."""
    text = daemon.log.read_text()
    assert token not in text and "Bearer" not in text and "authorization" not in text.lower()
    events = daemon.events(strict=True)
    for event in events:
        between_runs = event["event"] in DAEMON_EVENTS or event["event"].startswith(("run skipped", "Execution of"))
        assert between_runs or "run_id" in event, event
    return events


@pytest.mark.slow
def test_the_daemon_end_to_end(tmp_path: Path, daemons: list[DaemonProcess]) -> None:
    api_port, health_port = free_port(), free_port()
    sandbox = SandboxProcess(seed=13, participants=40, extra=["--port", str(api_port)]).start()
    try:
        token = sandbox.token
        expected = len(sandbox.truth()["participant-declarations"])
        config = write_config(tmp_path, "w", sandbox.url, health_port)
        daemon = DaemonProcess(config, token, tmp_path / "w.log").start()
        daemons.append(daemon)
        wait_until(lambda: healthz(health_port)[0] == 200, 30, "the first run to succeed")

        # BI readers open the snapshot hundreds of times while runs go on: never locked out, never torn. With
        # nothing new, runs confirm the snapshot and copy nothing
        snapshot = tmp_path / "w.read.duckdb"
        opens, errors, torn = 0, [], []
        copies: set[object] = set()  # each copy's published_at (an inode number can be handed on)

        def read_snapshot() -> int:
            """One reader's open; answers the live declarations it sees (a torn snapshot is noted)."""
            nonlocal opens
            try:
                with duckdb.connect(str(snapshot), read_only=True) as con:
                    seen = con.execute(
                        "SELECT (SELECT count(*) FROM sync_runs WHERE outcome = 'running'), "
                        "(SELECT count(*) FROM participant_declarations WHERE removed_at IS NULL), "
                        "(SELECT count(*) FROM sync_state), (SELECT max(published_at) FROM snapshot_publication)"
                    ).fetchone()
            except duckdb.Error as exc:
                errors.append(str(exc))
                return -1
            opens += 1
            assert seen is not None
            copies.add(seen[3])
            if seen[0] != 0 or seen[2] != 8:
                torn.append(seen)
            return int(seen[1])

        def copied(result: str) -> float:
            return sample(metrics(health_port), "syncer_snapshot_publications_total", result=result)

        before = sample(metrics(health_port), "syncer_runs_total", kind="incremental", outcome="success")
        deadline = time.monotonic() + 90  # a loaded machine runs slower; the loop ends as soon as both hold
        while time.monotonic() < deadline and (
            opens < 200
            or sample(metrics(health_port), "syncer_runs_total", kind="incremental", outcome="success") < before + 3
        ):
            if read_snapshot() != expected:
                torn.append(("declarations", expected))
        assert errors == [] and torn == []
        assert opens >= 200 and len(copies) == 1
        assert copied("copied") == 1 and copied("current") >= 3
        assert sample(metrics(health_port), "syncer_runs_total", kind="incremental", outcome="success") >= before + 3

        # the sandbox's days go on: each brings new declarations, and a run patches them into a new snapshot while
        # the readers read it
        for _ in range(3):
            known = len(copies)
            sandbox.tick(5)
            expected = len(sandbox.truth()["participant-declarations"])
            deadline = time.monotonic() + 60
            while read_snapshot() != expected or len(copies) == known:
                assert time.monotonic() < deadline, "the snapshot must be replaced with the new days' data"
        assert errors == [] and torn == []
        # patched, not copied whole: a tick during a run can take two runs to publish
        assert len(copies) >= 4 and copied("copied") == 1 and copied("patched") >= 3

        # the API goes away: /healthz says so with a reason; the snapshot stays readable; the API returns
        sandbox.stop()
        wait_until(lambda: healthz(health_port)[0] == 503, 20, "/healthz to report the failing runs")
        reason = healthz(health_port)[1]["reason"]
        assert "failed" in reason and "connection failed" in reason
        with duckdb.connect(str(snapshot), read_only=True) as con:
            query = "SELECT count(*) FROM participant_declarations WHERE removed_at IS NULL"
            assert con.execute(query).fetchone() == (expected,)
        sandbox = SandboxProcess(seed=13, participants=40, extra=["--port", str(api_port)]).start()  # same world
        wait_until(lambda: healthz(health_port)[0] == 200, 20, "/healthz to recover with the API")

        text = metrics(health_port)
        assert sample(text, "syncer_runs_total", kind="incremental", outcome="failed") >= 1
        assert sample(text, "syncer_records_total", source="lp", stream="participant-declarations", outcome="inserted")
        assert sample(text, "syncer_api_requests_total", source="lp") > 20
        for name in ("syncer_api_retries_total", "syncer_api_throttled_total", "syncer_quarantine_rows"):
            assert name in {s[0] for s in samples(text)}, name
        assert time.time() - sample(text, "syncer_last_success_timestamp_seconds") < 10
        lags = {labels: value for (name, labels), value in samples(text).items() if name == "syncer_data_lag_seconds"}
        assert len(lags) == 8 and all(0 <= lag < 10 for lag in lags.values())

        code, seconds = daemon.terminate()
        assert code == 0 and seconds < 10
        check_logs(daemon, token)

        # SIGTERM in the middle of a (slow, small-paged) first run: exit 0 within 10 s, the last page whole
        health_port = free_port()
        config = write_config(tmp_path, "mid", sandbox.url, health_port, per_page=10)
        stopped = DaemonProcess(config, token, tmp_path / "mid.log").start()
        daemons.append(stopped)
        wait_until(lambda: any(e["event"] == "stream synced" for e in stopped.events()), 30, "a stream to finish")
        code, seconds = stopped.terminate()
        assert code == 0 and seconds < 10
        assert "run interrupted" in {e["event"] for e in check_logs(stopped, token)}
        with duckdb.connect(str(tmp_path / "mid.duckdb"), read_only=True) as con:
            outcomes = dict(con.execute("SELECT outcome, count(*) FROM sync_runs GROUP BY ALL").fetchall())
        assert outcomes.get("interrupted") == 1 and "running" not in outcomes

        # the next start converges on the truth
        config = write_config(tmp_path, "again", sandbox.url, health_port, warehouse="mid")
        again = DaemonProcess(config, token, tmp_path / "again.log").start()
        daemons.append(again)
        wait_until(lambda: healthz(health_port)[0] == 200, 30, "the restarted daemon's first run")
        code, _ = again.terminate()
        assert code == 0
        check_logs(again, token)
        found = warehouse_items(tmp_path / "mid.duckdb", "lp")
        assert differences(found, truth_items(sandbox.truth())) == {}
    finally:
        sandbox.stop()


@pytest.mark.parametrize("written_by", ["write_copy", "write_patched"])
def test_a_copy_that_verify_refuses_is_never_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written_by: str
) -> None:
    """Whether it was copied whole or patched."""
    path = tmp_path / "w.duckdb"
    warehouse_with(path, 2)
    publish(path)
    warehouse_with(path, 3)  # new data: the snapshot is written again

    def torn(con: duckdb.DuckDBPyConnection, *args: Any) -> snapshot_patch.Patched | None:
        copy = args[1] if written_by == "write_patched" else args[0]
        copy.write_bytes(b"half a database" * 1000)
        return snapshot_patch.Patched(1, 0, 1) if written_by == "write_patched" else None

    monkeypatch.setattr(snapshot, written_by, torn)
    if written_by == "write_copy":
        monkeypatch.setattr(snapshot_patch, "patchable", lambda previous, warehouse: False)
    with pytest.raises(StoreError, match="does not open"):
        publish(path)
    assert count_in_another_process(snapshot_path(path)) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb", "w.read.duckdb"]


def test_a_warehouse_another_process_holds_is_not_copied_and_the_snapshot_stays(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    warehouse_with(path, 2)
    publish(path)
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; con = duckdb.connect({str(path)!r}); print('held', flush=True); "
         "sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseLocked):
            publish(path)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    assert count_in_another_process(snapshot_path(path)) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb", "w.read.duckdb"]
