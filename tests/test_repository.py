"""The repository stands alone: a clone with nothing beside it has every file its code, tests, bench and docs read."""

from __future__ import annotations

import ast
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


def imports_of(path: Path) -> set[str]:
    """The project modules a module imports, at its top or inside functions."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("syncer"):
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("syncer")}
    return found


def module_graph() -> dict[str, set[str]]:
    package = ROOT / "syncer"
    names = {
        ".".join(("syncer", *p.relative_to(package).with_suffix("").parts)).removesuffix(".__init__"): p
        for p in package.rglob("*.py")
    }
    return {name: (imports_of(path) & names.keys()) - {name, "syncer"} for name, path in names.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles() -> None:
    assert circles(module_graph()) == []
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_over_450_lines() -> None:
    long = {p.name: n for p in (ROOT / "syncer").rglob("*.py") if (n := len(p.read_text().splitlines())) > 450}
    assert long == {}
