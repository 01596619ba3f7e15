"""`make bench`: the numbers behind the speed and memory targets, printed, never asserted.

1. Sandbox: time to generate the world; records/s it serves at per_page=3000.
2. Full sync from the sandbox over loopback (a separate process, so its peak RSS is its own): records/s end
   to end, peak RSS, requests per stream against the minimum (ceil((rows + 1) / per_page)), and its ratio to
   the floor: DuckDB's own read_json of the same pages into the same typed columns (bench/floor.py).
3. No-change runs: a cycle in one process after another (as the daemon runs them, with its read snapshot), and
   the wall time of a whole `syncer sync --config F` process, as cron would start it.
4. The incremental run after a one-day tick of the sandbox: sync + remap + finance layer, and the rows it changed.
5. The finance views over a bulk warehouse (bench/bulk_warehouse.py, 1M declarations by default): what a sync
   spends rebuilding them, and how long each view takes to answer.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bulk_warehouse import report as finance_views
from floor import measure as measure_floor

from tests.sandbox_process import SandboxProcess
from tests.warehouse_truth import SOURCE, config_file, differences, truth_items, warehouse_items

SYNC_RUNS = """
import json, resource, sys, time, logging
from syncer import logs, sync
from syncer.config import load_settings
from syncer.snapshot import publish
logs.configure(json=True, level=logging.WARNING)
settings = load_settings(sys.argv[1])
spent = {}
def timed(name, function):  # what a run spends in the remap and the finance layer, out of its seconds
    def run(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - started
    return run
sync.remap, sync.refresh_views = timed("remap", sync.remap), timed("views", sync.refresh_views)
def peak_mb():
    # VmHWM is this process's own high-water mark: ru_maxrss would keep the (far larger) benchmark's from before exec
    status = open("/proc/self/status").read().splitlines()
    peak_kb = [int(line.split()[1]) for line in status if line.startswith("VmHWM")]
    return (peak_kb[0] if peak_kb else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024
for _ in range(int(sys.argv[2])):  # one after another in this process, as the daemon runs them
    spent.clear()
    started = time.perf_counter()
    result = sync.run_sync(settings)
    seconds = time.perf_counter() - started
    sync_peak, snapshot, publication = peak_mb(), None, None
    if result.ok and settings.warehouse.read_snapshot:  # as the daemon and `syncer sync` do after a success
        started = time.perf_counter()
        publication = publish(settings.warehouse.path, settings.warehouse.snapshot_storage_version).how
        snapshot = time.perf_counter() - started
    streams = [s.summary() for s in result.streams]
    found = {"seconds": seconds, "snapshot": snapshot, "publication": publication, "peak_mb": sync_peak,
             "peak_with_snapshot_mb": peak_mb()}  # fmt: skip
    found |= {"remap": spent.get("remap", 0.0), "views": spent.get("views", 0.0), "streams": streams}
    print(json.dumps(found), flush=True)
"""


def serving_rate(sandbox: SandboxProcess, pages: int = 40) -> tuple[float, int]:
    records = 0
    started = time.perf_counter()
    with sandbox.client() as client:
        for number in range(1, pages + 1):
            params = {"page[page]": str(number), "page[per_page]": "3000"}
            data = orjson.loads(client.get("/api/v3/participant-declarations", params=params).content)["data"]
            records += len(data)
            if len(data) < 3000:
                break
    return records / (time.perf_counter() - started), records


def sync_process(config: Path, runs: int = 1) -> list[dict[str, Any]]:
    """`runs` syncs one after another in a fresh process (as the daemon runs them, each followed by the read
    snapshot when the config asks for one), each with the process's own peak RSS so far and the wall time of
    the whole process (start-up and imports included) in the first."""
    command = [sys.executable, "-c", SYNC_RUNS, str(config), str(runs)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"the sync process failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    found = [json.loads(line) for line in done.stdout.strip().splitlines()[-runs:]]
    found[0]["process_wall"] = wall
    return found


def syncer_command() -> list[str]:
    """The `syncer` entry point of this environment, as cron would start it."""
    script = Path(sys.executable).with_name("syncer")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "syncer"]


def process_walls(config: Path, times: int) -> list[float]:
    """Wall seconds of whole `syncer sync --config F` processes, one after another."""
    walls = []
    for _ in range(times):
        started = time.perf_counter()
        subprocess.run([*syncer_command(), "sync", "--config", str(config)], capture_output=True, check=True)
        walls.append(time.perf_counter() - started)
    return walls


def changed(run: dict[str, Any]) -> int:
    return sum(s["inserted"] + s["updated"] + s["removed"] for s in run["streams"])


def published(run: dict[str, Any]) -> str:
    """What the run's publication did: the snapshot is written only when the data changed, patched where it can."""
    return {
        "copied": "copied whole",
        "patched": "the previous one patched with the changed rows",
        "current": "already current: not written",
        None: "not published",
    }[run["publication"]]


def streams_phase(run: dict[str, Any]) -> float:
    """A run's seconds but the remap's and the finance layer's."""
    return float(run["seconds"] - run["remap"] - run["views"])


def phases(run: dict[str, Any]) -> str:
    return f"streams {streams_phase(run):.2f} s + remap {run['remap']:.2f} s + finance layer {run['views']:.2f} s"


def minimum_requests(truth: dict[str, Any], per_page: int) -> dict[str, int]:
    minimum = {name: math.ceil((len(items) + 1) / per_page) for name, items in truth.items() if name != "_meta"}
    cohorts: dict[str, int] = {}
    for school in truth["schools"]:
        cohorts[school["attributes"]["cohort"]] = cohorts.get(school["attributes"]["cohort"], 0) + 1
    minimum["schools"] = sum(math.ceil((n + 1) / per_page) for n in cohorts.values())
    return minimum


def resilience(kills_wanted: int = 12) -> None:
    """Syncs under hostile chaos, killed with SIGKILL at random moments; then faults stop and the
    warehouse must converge (two incremental runs and a full refresh) to /sandbox/truth exactly."""
    rng = random.Random(1125)
    workdir = Path(tempfile.mkdtemp(prefix="ecf-resilience-"))
    extra = ["--chaos-slow", "1.0"]
    with SandboxProcess(seed=9, participants=150, chaos="hostile", extra=extra) as sandbox:
        options: dict[str, Any] = {"per_page": 50, "timeout": "0.7s", "max_retries": 12, "rate_window": "1s",
                   "retry_backoff": "0.05s", "retry_backoff_max": "0.5s"}  # fmt: skip
        config = config_file(sandbox, workdir / "w.duckdb", **options)
        command = [sys.executable, "-m", "syncer", "sync", "--config", str(config)]
        kills = 0
        while kills < kills_wanted:
            child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.3, 2.5))
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
                kills += 1
            child.wait()
            if kills % 4 == 3:
                sandbox.tick(2)
        faults = httpx.get(f"{sandbox.url}/sandbox/chaos", timeout=10).json()["injected"]
        httpx.post(f"{sandbox.url}/sandbox/chaos", json={"profile": "none"}, timeout=10)
        for extra_args in ([], [], ["--full"]):
            subprocess.run([*command, *extra_args], capture_output=True, check=False)
        diff = differences(warehouse_items(workdir / "w.duckdb", SOURCE), truth_items(sandbox.truth()))
    drift = sum(sum(r.values()) for r in diff.values())
    injected = ", ".join(f"{k} {v}" for k, v in faults.items() if v)
    print(f"resilience: {kills} kills survived, {sum(faults.values())} faults injected ({injected}), "
          f"final diff against truth: {drift} rows")  # fmt: skip


def full_sync(config: Path, truth: dict[str, Any], per_page: int, sandbox: SandboxProcess, workdir: Path) -> None:
    print("\n== full sync (separate process)")
    (full,) = sync_process(config)
    records = sum(s["records"] for s in full["streams"])
    print(f"full sync: {records:,} records in {full['seconds']:.1f} s = {records / full['seconds']:,.0f} records/s "
          f"({phases(full)}; the process {full['process_wall']:.1f} s with start-up and the read snapshot "
          f"{full['snapshot'] or 0:.1f} s after it)")  # fmt: skip
    print(f"peak RSS of the sync process: {full['peak_mb']:.0f} MB (with the read snapshot after it: "
          f"{full['peak_with_snapshot_mb']:.0f} MB)")  # fmt: skip
    minimum = minimum_requests(truth, per_page)
    print(f"{'stream':<26}{'records':>10}{'seconds':>9}{'rec/s':>10}{'requests':>10}{'minimum':>9}")
    for s in full["streams"]:
        per_second = s["records"] / s["seconds"] if s["seconds"] else 0
        print(
            f"{s['stream']:<26}{s['records']:>10,}{s['seconds']:>9.1f}{per_second:>10,.0f}"
            f"{s['requests']:>10}{minimum[s['stream']]:>9}"
        )
    made, least = sum(s["requests"] for s in full["streams"]), sum(minimum.values())
    print(f"requests: {made} against a minimum of {least} ({(made - least) / least:+.1%})")
    floor = measure_floor(f"{sandbox.url}/api/v3", sandbox.token, workdir / "floor", per_page)
    print(f"floor: DuckDB's read_json of the same {floor.pages} pages ({floor.records:,} records, fetched to disk "
          f"once in {floor.fetch_seconds:.1f} s), page by page into the typed columns and raw JSON: "
          f"{floor.seconds:.1f} s")  # fmt: skip
    print(f"full sync / floor: {full['seconds'] / floor.seconds:.2f} (target <= 1.3); its streams phase alone (what "
          f"the floor does, plus comparing, history and bookkeeping): "
          f"{streams_phase(full) / floor.seconds:.2f}")  # fmt: skip


def no_change(config: Path, workdir: Path) -> None:
    print("\n== no-change runs")
    # the first cycle in a process pays for imports (httpcore's alone ~80 ms) and, right after a large sync,
    # DuckDB's first write to the freshly checkpointed file (~0.3 s, once); the daemon runs every cycle
    # after that in the same process, each followed by the read snapshot
    cycles = sync_process(config, runs=4)
    for cycle, again in enumerate(cycles):
        which = "first, in a fresh process" if cycle == 0 else "next, in the same process, as the daemon"
        requests = sum(s["requests"] for s in again["streams"])
        print(f"no-change cycle ({which}): {again['seconds']:.2f} s, {requests} requests, {changed(again)} rows "
              f"written; then the read snapshot {again['snapshot'] or 0:.2f} s ({published(again)})")  # fmt: skip
    daemon = statistics.median(c["seconds"] for c in cycles[1:])
    snapshot = statistics.median(c["snapshot"] or 0 for c in cycles[1:])
    print(f"no-change cycle in the daemon's process: {daemon:.2f} s (median; target < 0.25 s), "
          f"{daemon + snapshot:.2f} s with its read snapshot")  # fmt: skip
    walls = process_walls(config, 5)
    without = workdir / "no-snapshot.toml"
    without.write_text(config.read_text().replace("[warehouse]\n", "[warehouse]\nread_snapshot = false\n", 1))
    bare = process_walls(without, 9)
    print(f"no-change `syncer sync --config F` process, wall: {statistics.median(bare):.2f} s (median of "
          f"{len(bare)}; target < 0.6 s) with read_snapshot = false; {statistics.median(walls):.2f} s (median of "
          f"{len(walls)}) with the read snapshot it publishes by default")  # fmt: skip


def incremental(config: Path, sandbox: SandboxProcess) -> None:
    print("\n== incremental run after a one-day tick")
    ticked = sandbox.tick(1)
    try:
        (run,) = sync_process(config)
    except RuntimeError as exc:  # printed, so that the sections after it still run
        print(f"incremental run FAILED: {str(exc)[-600:]}")
        return
    print(f"sandbox /sandbox/tick days=1: {json.dumps(ticked, separators=(',', ':'))[:200]}")
    written = ", ".join(
        f"{s['stream']} +{s['inserted']} ~{s['updated']} -{s['removed']}"
        for s in run["streams"]
        if s["inserted"] + s["updated"] + s["removed"]
    )
    print(f"incremental run (a fresh process): {run['seconds']:.2f} s (target < 3 s) = {phases(run)}; "
          f"{changed(run):,} rows written ({written or 'none'}); then the read snapshot "
          f"{run['snapshot'] or 0:.1f} s ({published(run)})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--per-page", type=int, default=3000)
    parser.add_argument("--declarations", type=int, default=1_000_000, help="size of the bulk warehouse for views")
    args = parser.parse_args()
    extra = ["--rate-limit", "1000000"]
    print(f"== sandbox: {args.participants} participants, one lead provider")
    started = time.perf_counter()
    with SandboxProcess(seed=1, participants=args.participants, providers=1, extra=extra) as sandbox:
        timings = re.search(r"generated in ([\d.]+)s, lists rendered in ([\d.]+)s", sandbox.banner)
        generated, rendered = timings.groups() if timings else ("?", "?")
        print(f"generate + start: {time.perf_counter() - started:.1f} s (generating {generated} s, then "
              f"rendering every list once {rendered} s, process start-up the rest)")  # fmt: skip
        rate, sampled = serving_rate(sandbox)
        print(f"serving: {rate:,.0f} records/s ({sampled} declarations at per_page=3000)")
        truth = sandbox.truth()
        total = sum(len(v) for k, v in truth.items() if k != "_meta")
        print(f"world: {total:,} records ({len(truth['participant-declarations']):,} declarations)")
        workdir = Path(tempfile.mkdtemp(prefix="ecf-bench-"))
        config = workdir / "config.toml"
        config.write_text(
            f'[warehouse]\npath = "{workdir / "bench.duckdb"}"\n[[sources]]\nname = "bench"\n'
            f'base_url = "{sandbox.url}/api/v3"\ntoken = "{sandbox.token}"\nper_page = {args.per_page}\n'
            f"rate_limit = 1000000\n"
        )
        full_sync(config, truth, args.per_page, sandbox, workdir)
        no_change(config, workdir)
        incremental(config, sandbox)
    print("\n== resilience")
    resilience()
    print(f"\n== finance views over a bulk warehouse of {args.declarations:,} declarations")
    finance_views(args.declarations, Path(tempfile.mkdtemp(prefix="ecf-bulk-")) / "bulk.duckdb")


if __name__ == "__main__":
    main()
