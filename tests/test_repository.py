"""The repository stands alone: a clone with nothing beside it has every file its code, tests, bench and docs read."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# `../shared`, `shared/reference` and code that climbs above the repository root (parents[2] from tests/ or
# bench/, parent.parent.parent from a package module) are the ways a file has reached outside it before.
OUTSIDE = re.compile(r"\.\./shared|shared/reference|shared/design|parents\[[2-9]\]|parent\.parent\.parent")
# This module names the patterns it forbids.
SELF = Path(__file__).resolve().relative_to(ROOT).as_posix()


def tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [name for name in listed.decode().split("\0") if name]


def test_no_tracked_file_refers_outside_the_repository() -> None:
    offenders = []
    for name in tracked_files():
        if name == SELF:
            continue
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        offenders += [
            f"{name}:{n}: {line.strip()}" for n, line in enumerate(text.splitlines(), 1) if OUTSIDE.search(line)
        ]
    assert offenders == []


def test_the_check_sees_a_reference_outside() -> None:
    assert OUTSIDE.search('SPEC = Path(__file__).resolve().parents[2] / "shared/reference/x.yaml"')
    assert OUTSIDE.search("see ../shared/design/conventions.md")
    assert not OUTSIDE.search('ROOT = Path(__file__).resolve().parents[1] / "docs/reference"')


def test_the_reference_documents_the_tests_read_are_in_the_repository() -> None:
    tracked = set(tracked_files())
    for name in ("rect-v3-openapi.yaml", "ecf-v3-openapi.json", "ecf-v2-openapi.json", "api-facts.md", "README.md"):
        assert f"docs/reference/{name}" in tracked, name
