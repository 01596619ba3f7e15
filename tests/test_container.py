"""The container, without a container engine: the Dockerfile's static properties, compose.yaml, and its build
and install steps replayed in a fresh virtualenv (the build context the Dockerfile copies -> a wheel -> an
install with no access to the repository -> `syncer --help`, the schema and views from the installed package,
and the HEALTHCHECK command against a live and an unhealthy endpoint)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
Instruction = tuple[str, str]


def instructions(text: str) -> list[Instruction]:
    """(INSTRUCTION, arguments), with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def stages(text: str) -> list[list[Instruction]]:
    """The instructions of each stage, from its FROM (the ARGs before the first FROM are `build_args`')."""
    result: list[list[Instruction]] = []
    for instruction in instructions(text):
        if instruction[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def build_args(text: str) -> dict[str, str]:
    """The ARGs declared before the first FROM, which FROM lines may use: {name: default}."""
    result = {}
    for word, rest in instructions(text):
        if word == "FROM":
            break
        assert word == "ARG", f"only ARG may come before the first FROM, not {word}"
        name, _, default = rest.partition("=")
        result[name] = default
    return result


def resolve(value: str, defaults: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: defaults[m.group(1) or m.group(2)], value)


@pytest.fixture(scope="module")
def dockerfile() -> list[list[Instruction]]:
    return stages((ROOT / "Dockerfile").read_text())


@pytest.fixture(scope="module")
def defaults() -> dict[str, str]:
    return build_args((ROOT / "Dockerfile").read_text())


def args(stage: list[Instruction], word: str) -> list[str]:
    return [rest for name, rest in stage if name == word]


def test_the_runtime_image(dockerfile: list[list[Instruction]], defaults: dict[str, str]) -> None:
    build, runtime = dockerfile[0], dockerfile[-1]
    # by default the official slim Python; both stages on the one base, which `--build-arg BASE=...` swaps
    # (make container-test builds on a local Debian base)
    assert args(runtime, "FROM") == ["${BASE}"] and args(build, "FROM") == ["${BASE} AS build"]
    assert re.fullmatch(r"python:3\.1[1-9]-slim", resolve(args(runtime, "FROM")[0], defaults))
    # installed from pyproject.toml: the build stage makes the wheel, the runtime stage installs it
    assert any(rest.startswith("pyproject.toml") for rest in args(build, "COPY"))
    assert any("pip wheel" in rest for rest in args(build, "RUN"))
    assert any("pip install" in rest and ".whl" in rest for rest in args(runtime, "RUN"))
    # non-root from the moment the package is installed
    users = args(runtime, "USER")
    assert users and users[-1].split(":")[0] not in ("root", "0")
    last_run = max(i for i, (name, _) in enumerate(runtime) if name == "RUN")
    assert max(i for i, (name, _) in enumerate(runtime) if name == "USER") > last_run
    assert "/data" in " ".join(args(runtime, "VOLUME"))
    env = " ".join(args(runtime, "ENV"))
    assert "SYNCER_WAREHOUSE__PATH=/data/" in env and "SYNCER_DAEMON__HEALTH_HOST=0.0.0.0" in env
    (healthcheck,) = args(runtime, "HEALTHCHECK")
    assert "/healthz" in healthcheck and " CMD " in f" {healthcheck} "
    (command,) = args(runtime, "CMD")
    assert json.loads(command) == ["syncer", "run", "--config", "/config/config.toml"]


def test_compose_runs_the_daemon_and_a_read_only_reader() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    daemon, reader = compose["services"]["syncer"], compose["services"]["reader"]
    assert any(v.endswith(":/data") for v in daemon["volumes"])
    assert any(v.endswith(":/config/config.toml:ro") for v in daemon["volumes"])
    assert reader["volumes"] and all(v.endswith(":ro") for v in reader["volumes"])
    assert reader["depends_on"]["syncer"]["condition"] == "service_healthy"
    script = "\n".join(reader["command"])
    assert "warehouse.read.duckdb" in script and "read_only=True" in script


def test_dockerignore_keeps_state_and_secrets_out_of_the_build() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "*.duckdb", "config.toml", "tokens.json"} <= ignored


def build_context(build: list[Instruction], into: Path) -> None:
    """What the build stage's COPY instructions put in the image's /src (.dockerignore'd caches left out)."""
    for rest in args(build, "COPY"):
        *sources, destination = rest.split()
        for source in sources:
            origin = ROOT / source
            if origin.is_dir():
                shutil.copytree(origin, into / destination, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                (into / destination).mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, into / destination / origin.name)


class Probe(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def probe() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Probe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_the_image_install_steps_work_in_a_fresh_virtualenv(
    dockerfile: list[list[Instruction]], tmp_path: Path, probe: ThreadingHTTPServer
) -> None:
    context, dist, venv = tmp_path / "src", tmp_path / "dist", tmp_path / "venv"
    build_context(dockerfile[0], context)
    pip = [sys.executable, "-m", "pip", "--quiet"]
    # the Dockerfile's `pip wheel .` (offline here: hatchling comes from the dev environment)
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(dist), str(context)],
                   check=True)  # fmt: skip
    (wheel,) = dist.glob("ecf_syncer-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([*pip, "--python", str(venv / "bin" / "python"), "install", str(wheel)], check=True)

    work = tmp_path / "work"  # nowhere near the repository, so only the installed package can be imported
    work.mkdir()
    help_text = subprocess.run([venv / "bin" / "syncer", "--help"], capture_output=True, text=True, check=True).stdout
    assert all(command in help_text for command in ("run", "sync", "status", "views"))
    config = work / "config.toml"
    config.write_text(
        '[warehouse]\npath = "w.duckdb"\n[[sources]]\nname = "lp"\n'
        'base_url = "https://example.invalid/api/v3"\ntoken = "unused"\n'
    )
    subprocess.run([venv / "bin" / "syncer", "views", "--config", str(config)], cwd=work, check=True)
    check = (
        "import duckdb, json, syncer, syncer.sqlfiles as s; print(s.sql_root()); print(syncer.__file__); "
        "con = duckdb.connect('w.duckdb', read_only=True); "
        "views = con.execute('SELECT view_name FROM duckdb_views() WHERE NOT internal').fetchall(); "
        "print(json.dumps([v[0] for v in views])); "
        "print(con.execute('SELECT count(*) FROM schema_migrations').fetchone()[0])"
    )  # fmt: skip
    out = subprocess.run([venv / "bin" / "python", "-c", check], cwd=work, capture_output=True, text=True, check=True)
    sql_root, package, views, migrations = out.stdout.splitlines()
    assert sql_root.startswith(str(venv)) and sql_root.endswith("syncer/sql") and package.startswith(str(venv))
    packaged = {p.relative_to(sql_root).as_posix() for p in Path(sql_root).rglob("*.sql")}
    assert packaged == {p.relative_to(ROOT / "sql").as_posix() for p in (ROOT / "sql").rglob("*.sql")}
    assert int(migrations) == len(list((ROOT / "sql" / "schema").glob("*.sql")))
    assert len(json.loads(views)) == len(list((ROOT / "sql" / "views").glob("*.sql")))  # one view per file

    # the HEALTHCHECK command itself, run by the installed interpreter: 0 when healthy, non-zero when not
    (healthcheck,) = args(dockerfile[-1], "HEALTHCHECK")
    command = json.loads(healthcheck.split(" CMD ", 1)[1])
    command[0] = str(venv / "bin" / command[0])
    environment = {"SYNCER_DAEMON__HEALTH_PORT": str(probe.server_address[1])}
    assert subprocess.run(command, env=environment, capture_output=True).returncode == 0
    Probe.status = 503
    try:
        assert subprocess.run(command, env=environment, capture_output=True).returncode != 0
    finally:
        Probe.status = 200
