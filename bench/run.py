"""`make bench`: the numbers behind the speed and memory targets, printed, never asserted.

1. Sandbox: time to generate the world; records/s it serves at per_page=3000.
2. Full sync from the sandbox over loopback (a separate process, so its peak RSS is its own): records/s end
   to end, peak RSS, requests per stream against the minimum (ceil((rows + 1) / per_page)).
3. A no-change incremental cycle: seconds and requests.
4. The finance views over a bulk warehouse (bench/bulk_warehouse.py, 1M declarations by default): what a sync
   spends rebuilding them, and how long each view takes to answer.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import signal
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

from tests.sandbox_process import SandboxProcess
from tests.warehouse_truth import SOURCE, config_file, differences, truth_items, warehouse_items

SYNC_RUNS = """
import json, resource, sys, time, logging
from syncer import logs
from syncer.config import load_settings
from syncer.sync import run_sync
logs.configure(json=True, level=logging.WARNING)
settings = load_settings(sys.argv[1])
for _ in range(int(sys.argv[2])):  # one after another in this process, as the daemon runs them
    started = time.perf_counter()
    result = run_sync(settings)
    seconds = time.perf_counter() - started
    # VmHWM is this process's own high-water mark: ru_maxrss would keep the (far larger) benchmark's from before exec
    status = open("/proc/self/status").read().splitlines()
    peak_kb = [int(line.split()[1]) for line in status if line.startswith("VmHWM")]
    peak_mb = (peak_kb[0] if peak_kb else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024
    streams = [s.summary() for s in result.streams]
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "streams": streams}), flush=True)
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
    """`runs` syncs one after another in a fresh process (as the daemon runs them), each with the process's
    own peak RSS so far."""
    command = [sys.executable, "-c", SYNC_RUNS, str(config), str(runs)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return [json.loads(line) for line in done.stdout.strip().splitlines()[-runs:]]


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
        print("\n== full sync (separate process)")
        (full,) = sync_process(config)
        peak_mb = full["peak_mb"]
        records = sum(s["records"] for s in full["streams"])
        print(f"full sync: {records:,} records in {full['seconds']:.1f} s = {records / full['seconds']:,.0f} records/s")
        print(f"peak RSS of the sync process: {peak_mb:.0f} MB")
        minimum = minimum_requests(truth, args.per_page)
        print(f"{'stream':<26}{'records':>10}{'seconds':>9}{'rec/s':>10}{'requests':>10}{'minimum':>9}")
        for s in full["streams"]:
            per_second = s["records"] / s["seconds"] if s["seconds"] else 0
            print(
                f"{s['stream']:<26}{s['records']:>10,}{s['seconds']:>9.1f}{per_second:>10,.0f}"
                f"{s['requests']:>10}{minimum[s['stream']]:>9}"
            )
        made, least = sum(s["requests"] for s in full["streams"]), sum(minimum.values())
        print(f"requests: {made} against a minimum of {least} ({(made - least) / least:+.1%})")
        print("\n== no-change incremental cycle")
        # the first cycle in a process pays for imports (httpcore's alone ~80 ms) and, right after a large sync,
        # DuckDB's first write to the freshly checkpointed file (~0.3 s, once); the daemon runs every cycle
        # after that in the same process
        for cycle, again in enumerate(sync_process(config, runs=4)):
            which = "first, in a fresh process" if cycle == 0 else "next, in the same process, as the daemon"
            requests = sum(s["requests"] for s in again["streams"])
            written = sum(s["inserted"] + s["updated"] for s in again["streams"])
            print(f"no-change cycle ({which}): {again['seconds']:.2f} s, {requests} requests, {written} rows written")
        (again,) = sync_process(config)
        print(f"no-change cycle (alone in a fresh process): {again['seconds']:.2f} s")
    print("\n== resilience")
    resilience()
    print(f"\n== finance views over a bulk warehouse of {args.declarations:,} declarations")
    finance_views(args.declarations, Path(tempfile.mkdtemp(prefix="ecf-bulk-")) / "bulk.duckdb")


if __name__ == "__main__":
    main()
