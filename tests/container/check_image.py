"""`make container-test`: the image built from the Dockerfile and run with podman against a `syncer sandbox` on
loopback, the way README "Docker" tells users to run it.

    .venv/bin/python tests/container/check_image.py [--containers-conf FILE] [--keep-work] [--no-cache]

1. podman, runc and debootstrap: installed from Debian's packages when missing (apt-get; needs root, as in CI).
2. A containers.conf for this run only (CONTAINERS_CONF, nothing in /etc is touched): runtime runc and no default
   ulimits, which hosts like the CI machine need (crun fails on hybrid cgroups, runc cannot raise RLIMIT_NOFILE).
3. A base image standing in for python:3.12-slim, which no registry here serves: Debian bookworm minbase with
   python3 and a virtualenv at /opt/venv first on the PATH, so `python` and `pip` work as in the official image
   (pip installs into the image's Python). It is tagged with a hash of its recipe and reused while one with that
   tag exists, so only the first run (or a changed recipe) pays for debootstrap.
   If podman cannot run a container at all, this says why in one line and exits 2.
4. The image: `podman build --format docker --build-arg BASE=<that base>` (the docker format keeps HEALTHCHECK),
   with the host's CA bundle mounted read-only so pip inside the build trusts this network's TLS.
5. The daemon in it, host network, against the sandbox on 127.0.0.1, its health port a free one, the config at
   /config/config.toml read-only, the token in the environment variable `token_env` names, the warehouse on a
   /data volume; then the checks printed as `ok:` lines (non-root, /healthz, `podman healthcheck run`, the synced
   rows on the volume, compose.yaml's reader beside it, `podman stop`, a restart carrying on).

Every container and volume carries the label ecf-syncer.container-test=<this run's id> and is removed at the
end, also when a check fails or the run is interrupted. Every wait is bounded.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import yaml

from tests.sandbox_process import SandboxProcess

# the repository: the nearest folder above holding pyproject.toml
ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
PACKAGES = ("podman", "runc", "debootstrap")
SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")

CONTAINERS_CONF = """\
# Written by `make container-test` (tests/container/check_image.py) and used through CONTAINERS_CONF.
[containers]
# podman's default ulimits (nofile 1048576) are above this host's hard limit: runc fails "setting rlimit type 7"
default_ulimits = []

[engine]
# crun refuses to start containers here ("cgroups in hybrid mode not supported"); runc works
runtime = "runc"
"""

# Everything that decides the base's content; its hash is the tag, so a changed recipe builds a new base.
# (The mirror only says where the packages come from and is left out.)
BASE_REPOSITORY = "localhost/ecf-syncer-base"
BASE_RECIPE: dict[str, Any] = {
    "suite": "bookworm",
    "variant": "minbase",
    "include": ["python3", "python3-venv", "ca-certificates"],
    # run in order inside the new root (chroot)
    "steps": [
        "python3 -m venv /opt/venv",
        "/opt/venv/bin/python -m pip --version",
        "rm -rf /var/cache/apt/archives/*.deb /var/lib/apt/lists/* /var/log/*.log /root/.cache",
    ],
    # `podman import --change`: the official image's conventions
    "changes": [
        "ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "ENV LANG=C.UTF-8",
        'CMD ["python3"]',
    ],
}

IMAGE = "localhost/ecf-syncer:container-test"
LABEL = "ecf-syncer.container-test"
RUN_ID = uuid.uuid4().hex[:8]
PREFIX = f"ecf-ct-{RUN_ID}"
TOKEN_ENV = "ECF_CONTAINER_TEST_TOKEN"
SOURCE = "lp"
UID = 10001
STOP_BUDGET = 10.0  # README: SIGTERM (docker stop) exits 0 within 10 s

# podman without systemd cannot set up healthcheck timers and says so on every start of an image with a
# HEALTHCHECK; that is expected here (`podman healthcheck run` is called directly) and left out of what is shown.
NOISE = ("unable to get systemd connection", "Removing timer for container")

START = time.monotonic()


class Failed(Exception):
    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class CannotRunContainers(Failed):
    """podman cannot run a container on this host at all."""


def say(message: str) -> None:
    print(f"[{time.monotonic() - START:6.1f}s] {message}", flush=True)


def ok(message: str) -> None:
    say(f"ok: {message}")


def check(condition: bool, message: str, detail: str = "") -> None:
    if not condition:
        raise Failed(message, detail)
    ok(message)


def quiet(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if line.strip() and not any(n in line for n in NOISE))


def last_line(text: str) -> str:
    lines = quiet(text).splitlines()
    return lines[-1].strip() if lines else "(no output)"


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(quiet(text).splitlines()[-lines:])


def run(command: Sequence[str], timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(list(command), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise Failed(f"`{' '.join(command[:3])} ...` took longer than {timeout:.0f} s") from exc
    if check and result.returncode != 0:
        raise Failed(
            f"`{' '.join(command[:3])} ...` exited {result.returncode}: {last_line(result.stderr or result.stdout)}",
            tail(result.stdout + "\n" + result.stderr),
        )
    return result


def podman(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run(["podman", *args], timeout=timeout, check=check)


def which(name: str) -> str | None:
    return shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), *SBIN]))


# -- 1, 2: the tools and their configuration ---------------------------------------------------------------------


def ensure_tools() -> None:
    missing = [name for name in PACKAGES if which(name) is None]
    if not missing:
        ok(f"{', '.join(PACKAGES)} installed")
        return
    if os.geteuid() != 0 or which("apt-get") is None:
        raise Failed(f"{', '.join(missing)} missing; install them (Debian: apt-get install {' '.join(PACKAGES)})")
    say(f"installing {', '.join(missing)} from Debian's packages (apt-get update; apt-get install)")
    os.environ["DEBIAN_FRONTEND"] = "noninteractive"
    run(["apt-get", "update"], timeout=600)
    run(["apt-get", "install", "--yes", *PACKAGES], timeout=1200)
    still = [name for name in PACKAGES if which(name) is None]
    check(not still, f"{', '.join(PACKAGES)} installed", f"still missing: {still}")


def configure(work: Path, given: Path | None) -> None:
    if given is None:
        given = work / "containers.conf"
        given.write_text(CONTAINERS_CONF)
        say(f"containers.conf for this run: {given} (runtime runc, default_ulimits = [])")
    else:
        say(f"containers.conf: {given} (given)")
    os.environ["CONTAINERS_CONF"] = str(given)
    info = podman("info", "--format", "json", check=False, timeout=60)
    if info.returncode != 0:
        raise CannotRunContainers(f"podman does not work on this host: {last_line(info.stderr)}")
    host = json.loads(info.stdout)["host"]
    rootless = host.get("security", {}).get("rootless")
    say(f"podman: runtime {host['ociRuntime']['name']}, cgroups {host['cgroupVersion']}, rootless {rootless}")


# -- 3: the base image -------------------------------------------------------------------------------------------


def remove_tree(path: Path) -> None:
    """rm -rf, but never through a mount: debootstrap mounts /proc (and may bind /dev) in the new root, and an
    interrupted debootstrap can leave them mounted."""
    if not path.exists():
        return
    inside = str(path.resolve()) + "/"
    mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
    for mount in sorted((m for m in mounts if m.startswith(inside)), key=len, reverse=True):
        run(["umount", "--lazy", mount], check=False)
    mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
    if left := [m for m in mounts if m.startswith(inside)]:
        say(f"NOT removing {path}: still mounted inside it: {left}")
        return
    shutil.rmtree(path, ignore_errors=True)


def base_tag() -> str:
    digest = hashlib.sha256(json.dumps(BASE_RECIPE, sort_keys=True).encode()).hexdigest()[:12]
    return f"{BASE_REPOSITORY}:{BASE_RECIPE['suite']}-{digest}"


def ensure_base(work: Path) -> str:
    tag = base_tag()
    if podman("image", "exists", tag, check=False).returncode == 0:
        say(f"base image {tag}: cached (same recipe), reused")
        return tag
    debootstrap = which("debootstrap")
    if os.geteuid() != 0 or debootstrap is None:
        raise Failed(f"the base image {tag} is not built yet, and building it needs root and debootstrap")
    root = work / "rootfs"
    started = time.monotonic()
    say(
        f"base image {tag}: debootstrap {BASE_RECIPE['suite']} {BASE_RECIPE['variant']} with "
        f"{', '.join(BASE_RECIPE['include'])} from {MIRROR} (once; about a minute)"
    )
    run(
        [
            debootstrap, f"--variant={BASE_RECIPE['variant']}", f"--include={','.join(BASE_RECIPE['include'])}",
            BASE_RECIPE["suite"], str(root), MIRROR,
        ],
        timeout=1800,
    )  # fmt: skip
    for step in BASE_RECIPE["steps"]:
        say(f"  in the new root: {step}")
        run(["chroot", str(root), "/bin/sh", "-c", step], timeout=600)
    say(f"  podman import -> {tag}")
    changes = [arg for change in BASE_RECIPE["changes"] for arg in ("--change", change)]
    tar = subprocess.Popen(["tar", "-C", str(root), "--numeric-owner", "-c", "."], stdout=subprocess.PIPE)
    try:
        imported = subprocess.run(
            ["podman", "import", *changes, "-", tag], stdin=tar.stdout, capture_output=True, text=True, timeout=900
        )
    except subprocess.TimeoutExpired as exc:
        tar.kill()
        raise Failed("podman import took longer than 900 s") from exc
    finally:
        assert tar.stdout is not None
        tar.stdout.close()
        tar.wait(timeout=120)
    if imported.returncode != 0 or tar.returncode != 0:
        raise Failed(f"importing the base failed: {last_line(imported.stderr)}", tail(imported.stderr))
    remove_tree(root)
    # earlier recipes' bases: untagged (an image built on one keeps its layers)
    listed = podman("images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", f"reference={BASE_REPOSITORY}")
    for stale in set(listed.stdout.split()) - {tag}:
        podman("rmi", stale, check=False)
    say(f"base image {tag}: built in {time.monotonic() - started:.0f} s")
    return tag


PROBE = (
    "import json, shutil, subprocess, sys; "
    "pip = subprocess.run(['pip', '--version'], capture_output=True, text=True, check=True).stdout; "
    "print(json.dumps({'python': shutil.which('python'), 'pip': shutil.which('pip'), 'prefix': sys.prefix, "
    "'version': list(sys.version_info[:2]), 'pip_version': pip}))"
)


def probe(base: str) -> None:
    """Can podman run a container here at all? And does the base behave as python:3.12-slim does?"""
    options = ["--rm", "--network", "none", "--label", f"{LABEL}={RUN_ID}"]
    result = podman("run", *options, base, "/bin/true", check=False)
    if result.returncode != 0:
        reason = last_line(result.stderr or result.stdout)
        raise CannotRunContainers(f"podman cannot run a container on this host: {reason}")
    found = json.loads(podman("run", *options, base, "python", "-c", PROBE).stdout.strip().splitlines()[-1])
    check(
        bool(found["python"] and found["pip"])
        and tuple(found["version"]) >= (3, 11)
        and f"from {found['prefix']}/" in found["pip_version"],
        f"podman runs containers; in the base, `python` ({found['python']}, "
        f"{'.'.join(map(str, found['version']))}) and `pip` are on the PATH, pip installing into {found['prefix']}",
        json.dumps(found),
    )


# -- 4: the image ------------------------------------------------------------------------------------------------


def build_containers() -> set[str]:
    """buildah's working containers (`podman ps --external`), which a build removes only when it succeeds."""
    listed = podman("ps", "--all", "--external", "--format", "{{.ID}} {{.Names}}", check=False).stdout
    return {line.split()[0] for line in listed.splitlines() if "working-container" in line}


def build(base: str, work: Path, no_cache: bool = False) -> None:
    command = ["build", "--format", "docker", "--build-arg", f"BASE={base}", "--tag", IMAGE]
    if no_cache:
        command.append("--no-cache")
    mounted = CA_BUNDLE.is_file()
    if mounted:
        command += ["--volume", f"{CA_BUNDLE}:{CA_BUNDLE}:ro"]
    say(f"podman build --format docker --build-arg BASE={base} -t {IMAGE}{' (CA bundle mounted)' if mounted else ''}")
    started, log = time.monotonic(), work / "build.log"
    before = build_containers()
    code: int | None = None
    with log.open("wb") as out:
        process = subprocess.Popen(["podman", *command, str(ROOT)], stdout=out, stderr=subprocess.STDOUT)
        try:
            code = process.wait(timeout=1800)
        except subprocess.TimeoutExpired:
            pass
        finally:  # also on an interruption: stop the build, then remove what it left
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=30)
            if code != 0:
                # buildah leaves its working containers behind when a build fails or is stopped, even with --force-rm
                left = sorted(build_containers() - before)
                if left:
                    podman("rm", "--force", *left, check=False)
    output = log.read_text(errors="replace")
    if code is None:
        raise Failed("podman build took longer than 1800 s", tail(output))
    if code != 0:
        raise Failed(f"podman build failed: {last_line(output)}", tail(output))
    say(f"image built in {time.monotonic() - started:.0f} s")
    healthcheck = json.loads(podman("image", "inspect", IMAGE, "--format", "{{json .HealthCheck}}").stdout) or {}
    check(
        "/healthz" in " ".join(healthcheck.get("Test") or []),
        "the image keeps the Dockerfile's HEALTHCHECK (--format docker)",
        json.dumps(healthcheck),
    )


# -- 5: the daemon -----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_daemon(name: str, volume: str, config: Path, port: int) -> None:
    say(f"podman run {name}: host network, health on 127.0.0.1:{port}, {volume}:/data, config read-only")
    podman(
        "run", "--detach", "--name", name, "--label", f"{LABEL}={RUN_ID}", "--network", "host",
        "--env", TOKEN_ENV,  # the value from this process's environment: never on a command line
        "--env", f"SYNCER_DAEMON__HEALTH_PORT={port}", "--env", "SYNCER_DAEMON__HEALTH_HOST=127.0.0.1",
        "--volume", f"{volume}:/data", "--volume", f"{config}:/config/config.toml:ro",
        IMAGE,
    )  # fmt: skip


def logs(name: str) -> str:
    result = podman("logs", name, check=False, timeout=60)
    return result.stdout + result.stderr


def events(name: str) -> list[dict[str, Any]]:
    found = []
    for line in logs(name).splitlines():
        if line.startswith("{"):
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return found


def state(name: str) -> str:
    return podman("inspect", name, "--format", "{{.State.Status}}").stdout.strip()


def wait_for_health(name: str, port: int, timeout: float = 180) -> dict[str, Any]:
    deadline, last = time.monotonic() + timeout, "no answer"
    with httpx.Client(trust_env=False, timeout=5) as client:
        while time.monotonic() < deadline:
            if (status := state(name)) != "running":
                raise Failed(f"{name} is {status}, not running", tail(logs(name)))
            try:
                response = client.get(f"http://127.0.0.1:{port}/healthz")
                if response.status_code == 200:
                    body: dict[str, Any] = response.json()
                    return body
                last = f"{response.status_code} {response.text[:200]}"
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            time.sleep(0.5)
    raise Failed(f"/healthz did not answer 200 within {timeout:.0f} s (last: {last})", tail(logs(name)))


def wait_for_run(name: str, after: int = 0, timeout: float = 180) -> dict[str, Any]:
    """The first `run finished` event after the first `after` of them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        finished = [e for e in events(name) if e.get("event") in ("run finished", "run failed; will retry")]
        if len(finished) > after:
            return finished[after]
        if (status := state(name)) != "running":
            raise Failed(f"{name} is {status}, not running", tail(logs(name)))
        time.sleep(0.5)
    raise Failed(f"{name} finished no run within {timeout:.0f} s", tail(logs(name)))


def healthcheck(name: str) -> None:
    result = podman("healthcheck", "run", name, check=False, timeout=60)
    status = podman("inspect", name, "--format", "{{.State.Health.Status}}").stdout.strip()
    check(
        result.returncode == 0 and status == "healthy",
        f"`podman healthcheck run {name}` passes (the image's HEALTHCHECK; status {status})",
        quiet(result.stdout + result.stderr),
    )


def main_process_ids(name: str) -> tuple[set[str], set[str], str]:
    pid = podman("inspect", name, "--format", "{{.State.Pid}}").stdout.strip()
    if pid in ("", "0"):
        raise Failed(f"{name} is {state(name)}, not running", tail(logs(name)))
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    uids = next(line for line in status if line.startswith("Uid:")).split()[1:]
    gids = next(line for line in status if line.startswith("Gid:")).split()[1:]
    command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    return set(uids), set(gids), command


def stop(name: str) -> None:
    started = time.monotonic()
    result = podman("stop", "--time", str(int(STOP_BUDGET)), name, timeout=60, check=False)
    elapsed = time.monotonic() - started
    code = podman("inspect", name, "--format", "{{.State.ExitCode}}").stdout.strip()
    stopped = any(e.get("event") == "daemon stopped" for e in events(name))
    check(
        result.returncode == 0 and code == "0" and elapsed < STOP_BUDGET and stopped,
        f"`podman stop {name}` exits 0 in {elapsed:.1f} s (< {STOP_BUDGET:.0f} s); the daemon exited 0 by itself",
        f"podman stop: {result.returncode}, exit code {code}, 'daemon stopped' logged: {stopped}\n{tail(logs(name))}",
    )


READ = """\
import duckdb, json, os, sys
out = {"uid": os.getuid(), "files": sorted(os.listdir("/data"))}
try:
    open("/data/.write-probe", "w").close()
    out["writable"] = True
except OSError:
    out["writable"] = False
with duckdb.connect(sys.argv[1], read_only=True) as con:
    out["declarations"] = [row[0] for row in con.execute(
        "SELECT id FROM participant_declarations WHERE source = ? AND removed_at IS NULL", [sys.argv[2]]).fetchall()]
    out["runs"] = [list(row) for row in con.execute(
        "SELECT run_id, stream, mode, outcome, records, inserted FROM sync_runs WHERE source = ? "
        "ORDER BY started_at, stream", [sys.argv[2]]).fetchall()]
print(json.dumps(out))
"""


def read(volume: str, file: str) -> dict[str, Any]:
    """`file` on the volume, opened read-only by the image's own DuckDB from a read-only mount."""
    result = podman(
        "run", "--rm", "--label", f"{LABEL}={RUN_ID}", "--network", "none", "--no-healthcheck",
        "--volume", f"{volume}:/data:ro", IMAGE, "python", "-c", READ, f"/data/{file}", SOURCE,
    )  # fmt: skip
    found: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def run_ids(found: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(row[0] for row in found["runs"]))


def compose_reader(volume: str) -> None:
    """compose.yaml's reader service, as `podman run`: its entrypoint, command and read-only volumes."""
    reader = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["reader"]
    mounts = []
    for spec in reader["volumes"]:
        source, target, *mode = spec.split(":")
        if source != "warehouse" or "ro" not in mode:
            raise Failed(f"compose.yaml's reader mounts {spec!r}; expected the warehouse volume, read-only")
        mounts += ["--volume", f"{volume}:{target}:ro"]
    name = f"{PREFIX}-reader"
    say(f"podman run {name}: compose.yaml's reader (entrypoint {reader['entrypoint']}), the volume read-only")
    options = ["--no-healthcheck"] if reader.get("healthcheck", {}).get("disable") else []
    podman(
        "run", "--detach", "--name", name, "--label", f"{LABEL}={RUN_ID}", "--network", "none", *options,
        "--entrypoint", json.dumps(reader["entrypoint"]), *mounts, IMAGE, *reader["command"],
    )  # fmt: skip
    deadline, output = time.monotonic() + 90, ""
    while time.monotonic() < deadline:
        output = quiet(logs(name))
        if "success" in output or state(name) != "running":
            break
        time.sleep(0.5)
    running = state(name) == "running"
    check(
        running and "success" in output and "Error" not in output and "Traceback" not in output,
        "compose.yaml's reader prints sync_runs from the snapshot and keeps running (read-only mount, read_only=True)",
        output,
    )
    podman("rm", "--force", "--time", "0", name)


def exercise(sandbox: SandboxProcess, work: Path) -> None:
    config_dir = work / "config"
    config_dir.mkdir(mode=0o755)
    config = config_dir / "config.toml"
    config.write_text(
        '# README "Docker": mounted read-only at /config/config.toml; [warehouse] path is the image\'s (/data)\n'
        '[daemon]\ninterval = "2s"\nstale_after = "10m"\n\n'
        f'[[sources]]\nname = "{SOURCE}"\nbase_url = "{sandbox.url}/api/v3"\ntoken_env = "{TOKEN_ENV}"\n'
    )
    config.chmod(0o644)
    os.environ[TOKEN_ENV] = sandbox.token
    volume = f"{PREFIX}-data"
    podman("volume", "create", "--label", f"{LABEL}={RUN_ID}", volume)
    say(f"volume {volume} created; sandbox at {sandbox.url}")

    # the first start: a full sync into an empty /data
    first, port = f"{PREFIX}-daemon-1", free_port()
    start_daemon(first, volume, config, port)
    uids, gids, command = main_process_ids(first)
    check(
        uids == {str(UID)} and gids == {str(UID)} and "syncer run" in command,
        f"the container's process runs as uid {UID}, gid {UID}, not root: {command}",
        f"uids {uids}, gids {gids}",
    )
    health = wait_for_health(first, port)
    check(health.get("last_run") == "success", f"/healthz answers 200 ({health})")
    healthcheck(first)

    truth = sandbox.truth()
    expected = {item["id"] for item in truth["participant-declarations"]}
    snapshot = read(volume, "warehouse.read.duckdb")
    check(
        {"warehouse.duckdb", "warehouse.read.duckdb"} <= set(snapshot["files"]),
        f"the warehouse and its read snapshot are on the /data volume: {snapshot['files']}",
    )
    check(
        set(snapshot["declarations"]) == expected and len(snapshot["declarations"]) == len(expected),
        f"the snapshot holds the synced rows: {len(snapshot['declarations'])} participant-declarations, "
        f"/sandbox/truth has {len(expected)}",
    )
    check(snapshot["writable"] is False and snapshot["uid"] == UID, "the reader's /data mount is read-only")

    # readers while the daemon works: every read opens, and each new day's data is published between them (a run
    # that changed nothing leaves the snapshot as it is)
    seen, published = [len(snapshot["declarations"])], 0
    for _ in range(2):
        sandbox.tick(5)
        wanted = {item["id"] for item in sandbox.truth()["participant-declarations"]}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = set(read(volume, "warehouse.read.duckdb")["declarations"])
            seen.append(len(found))
            if found == wanted:
                published += 1
                break
    check(
        published == 2 and state(first) == "running",
        f"{len(seen)} read-only reads of the snapshot while the daemon ran and published two days of new data "
        f"(declarations in each: {seen})",
    )
    compose_reader(volume)
    finished = [e for e in events(first) if e.get("event") == "run finished"]
    failed = [e for e in events(first) if e.get("level") == "error"]
    check(
        not failed and len(finished) >= 3,
        f"the daemon ran on beside the readers: {len(finished)} runs, all successful",
        json.dumps(failed),
    )
    check(sandbox.token not in logs(first), "the token appears nowhere in the daemon's logs")

    stop(first)
    before = read(volume, "warehouse.duckdb")
    earlier = run_ids(before)
    steady = {row[1] for row in before["runs"] if row[0] != earlier[0] and row[2] == "full"}
    say(f"{len(earlier)} runs in the warehouse; streams always scanned in full: {sorted(steady) or 'none'}")
    podman("rm", first)

    # the restart: a new container on the same volume, after the sandbox's world moved on a week
    activity = sandbox.tick(7)["activity"]
    say(f"sandbox: 7 days of activity ({activity.get('declarations_created', 0)} new declarations)")
    second, port = f"{PREFIX}-daemon-2", free_port()
    start_daemon(second, volume, config, port)
    event = wait_for_run(second)
    check(event.get("event") == "run finished", f"the restarted daemon's first run succeeded ({event.get('run_id')})")
    wait_for_health(second, port)
    healthcheck(second)
    truth = sandbox.truth()
    stop(second)

    after = read(volume, "warehouse.duckdb")
    rows = [row for row in after["runs"] if row[0] == event["run_id"]]
    modes = {row[1]: row[2] for row in rows}
    fetched = {row[1]: row[4] for row in rows}
    expected = {item["id"] for item in truth["participant-declarations"]}
    check(set(earlier) <= set(run_ids(after)), f"sync_runs keeps the first container's {len(earlier)} runs")
    check(
        bool(rows)
        and {stream for stream, mode in modes.items() if mode == "full"} <= steady
        and modes.get("participant-declarations") == "incremental",
        f"the restart carried on from the same warehouse: its first run was incremental ({modes})",
    )
    check(
        0 < fetched.get("participant-declarations", 0) < len(expected) and expected <= set(after["declarations"]),
        f"it fetched only what changed ({fetched.get('participant-declarations')} of {len(expected)} "
        "participant-declarations) and the warehouse has every declaration /sandbox/truth has",
    )


# -- the run -----------------------------------------------------------------------------------------------------


def cleanup() -> None:
    label = f"label={LABEL}={RUN_ID}"
    containers = podman("ps", "--all", "--quiet", "--filter", label, check=False).stdout.split()
    if containers:
        podman("rm", "--force", "--volumes", "--time", "0", *containers, check=False)
    volumes = podman("volume", "ls", "--quiet", "--filter", label, check=False).stdout.split()
    if volumes:
        podman("volume", "rm", "--force", *volumes, check=False)
    left = podman("ps", "--all", "--quiet", "--filter", label, check=False).stdout.split()
    left += podman("volume", "ls", "--quiet", "--filter", label, check=False).stdout.split()
    if containers or volumes or left:
        say(f"cleaned up {len(containers)} containers, {len(volumes)} volumes" + (f"; LEFT: {left}" if left else ""))


def interrupted(signum: int, frame: FrameType | None) -> None:
    print(f"container-test: interrupted ({signal.Signals(signum).name}); cleaning up", file=sys.stderr, flush=True)
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--containers-conf", type=Path, help="use this containers.conf instead of writing one")
    parser.add_argument("--keep-work", action="store_true", help="keep the work folder (build log, config)")
    parser.add_argument("--no-cache", action="store_true", help="build the image without podman's layer cache")
    options = parser.parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupted)
    # on disk rather than a tmpfs /tmp (which may be nodev): debootstrap's new root lives here
    work = Path(tempfile.mkdtemp(prefix=f"{PREFIX}-", dir="/var/tmp" if Path("/var/tmp").is_dir() else None))
    configured = False
    sandbox: SandboxProcess | None = None
    try:
        say(f"container test {RUN_ID}: work folder {work}")
        ensure_tools()
        configure(work, options.containers_conf)
        configured = True
        base = ensure_base(work)
        probe(base)
        build(base, work, options.no_cache)
        # as a user starts it: `syncer sandbox` on a free loopback port, its tokens through --tokens-out
        sandbox = SandboxProcess(seed=20, participants=200, providers=1).start()
        exercise(sandbox, work)
        say(f"container test passed in {time.monotonic() - START:.0f} s")
        return 0
    except CannotRunContainers as exc:
        print(f"container-test: {exc}", file=sys.stderr, flush=True)
        return 2
    except Failed as exc:
        if exc.detail:
            print(exc.detail, file=sys.stderr)
        print(f"container-test: FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        if configured:
            cleanup()
        if sandbox is not None:
            sandbox.stop()
        if options.keep_work:
            say(f"work folder kept: {work}")
        else:
            remove_tree(work)


if __name__ == "__main__":
    sys.exit(main())
