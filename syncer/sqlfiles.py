"""The product's SQL lives in sql/ (top level in the repository, syncer/sql inside an installed wheel)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path


@cache
def shipped(folder: str) -> Path:
    """A top-level folder of the repository (sql/, data/), found as syncer/<folder> in an installed wheel."""
    packaged = Path(str(resources.files("syncer"))) / folder
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / folder


def shipped_file(name: str) -> Path:
    """A top-level file of the repository (e.g. contracts.example.toml), found in syncer/data in a wheel."""
    packaged = Path(str(resources.files("syncer"))) / "data" / name
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / name


def sql_root() -> Path:
    return shipped("sql")


@cache
def read(relative: str) -> str:
    return (sql_root() / relative).read_text()


def listing(folder: str) -> list[str]:
    """The .sql files of a folder, in name order (which is dependency order)."""
    return sorted(p.name for p in (sql_root() / folder).glob("*.sql"))
