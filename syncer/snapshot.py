"""The read snapshot: a whole copy of the warehouse that BI tools open read-only while the daemon writes.

DuckDB lets one process write a file, and a reader that opens it while the writer holds it fails. So after
each successful run, once the run has closed the warehouse, the daemon (and `syncer sync`) copies it to a
temporary file in the same directory and renames that over `<stem>.read.duckdb`. The rename is atomic: a
reader opening the path gets either the previous snapshot or the new one, whole, and a reader that already
has the old file open keeps reading it (the old inode lives until its last reader closes it). Nothing ever
writes to the snapshot in place, so it never has a lock or a WAL for a reader to trip over.

The copy is written by DuckDB (ATTACH ... (STORAGE_VERSION ...), COPY FROM DATABASE) in the storage format of
`[warehouse] snapshot_storage_version`, so that readers with an older DuckDB than ours open it: BI drivers
embed DuckDB 1.x, and a 1.x reader refuses a file in 2.0's format.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
from pathlib import Path

import duckdb

from syncer.config import DEFAULT_SNAPSHOT_STORAGE_VERSION
from syncer.errors import StoreError, WarehouseLocked
from syncer.warehouse import SETTINGS, connect


def snapshot_path(warehouse: Path) -> Path:
    """warehouse.duckdb -> warehouse.read.duckdb, beside it."""
    return warehouse.with_name(f"{warehouse.stem}.read{warehouse.suffix or '.duckdb'}")


def wal_path(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def settle(warehouse: Path) -> None:
    """Folds a leftover WAL into the file, so that the file alone is the whole database.

    Closing the last connection checkpoints, so after a clean run there is no WAL; one is left only when a
    process died with the file open. Raises WarehouseLocked if another process holds the file."""
    if not wal_path(warehouse).exists():
        return
    con = connect(warehouse)
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()
    if wal_path(warehouse).exists():
        raise StoreError(f"cannot publish a snapshot: {wal_path(warehouse)} remains after a checkpoint")


def verify(path: Path) -> None:
    """Opens the copy as a BI tool would before it replaces anything: a torn copy is never published."""
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            con.execute("SELECT count(*) FROM sync_state").fetchone()
    except duckdb.Error as exc:
        raise StoreError(f"the snapshot copy {path} does not open: {exc}") from exc


def quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def write_copy(warehouse: Path, copy: Path, storage_version: str) -> None:
    """Every table, view and comment of the warehouse into a new file in `storage_version`'s format."""
    con = duckdb.connect(config={"memory_limit": SETTINGS["memory_limit"]})
    try:
        con.execute("SET enable_progress_bar = false")  # a copy of a large warehouse would draw one on stderr
        # what the copy spills goes beside it, not into whatever directory syncer was started in
        con.execute(f"SET temp_directory = {quoted(copy.parent / 'spill')}")
        try:
            con.execute(f"ATTACH {quoted(warehouse)} AS warehouse (READ_ONLY)")
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WarehouseLocked(
                    f"cannot copy {warehouse} into the read snapshot now: another process holds it"
                ) from exc
            raise
        con.execute(f"ATTACH {quoted(copy)} AS snapshot (STORAGE_VERSION '{storage_version}')")
        con.execute("COPY FROM DATABASE warehouse TO snapshot")
        con.execute("DETACH snapshot")
    except duckdb.Error as exc:
        raise StoreError(f"cannot write the read snapshot (storage version {storage_version}): {exc}") from exc
    finally:
        con.close()
    with copy.open("rb+") as written:
        os.fsync(written.fileno())  # the data is on disk before the name points at it


def publish(warehouse: Path, storage_version: str = DEFAULT_SNAPSHOT_STORAGE_VERSION) -> Path:
    """Atomically replaces the warehouse's read snapshot with a copy of it; answers the snapshot's path.

    Call it only while no connection to the warehouse is open (the daemon does, between runs)."""
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise StoreError(f"cannot publish a snapshot: no warehouse at {warehouse}")
    settle(warehouse)
    target = snapshot_path(warehouse)
    sweep(target)
    # a folder of our own beside the target: the rename stays on one filesystem and is atomic, and DuckDB
    # creates the copy's file itself (it refuses an empty one)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    temporary = staging / target.name
    try:
        write_copy(warehouse, temporary, storage_version)
        # readers get what the warehouse itself allows (e.g. a BI container's user)
        os.chmod(temporary, stat.S_IMODE(warehouse.stat().st_mode))
        verify(temporary)
        os.replace(temporary, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    sync_directory(target.parent)
    return target


def sweep(target: Path, older_than: float = 3600) -> None:
    """Staging folders a killed publication left beside the snapshot (each can be as big as the warehouse)."""
    now = time.time()
    for leftover in target.parent.glob(f".{target.name}.*.tmp"):
        try:
            if leftover.is_dir() and now - leftover.stat().st_mtime > older_than:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            continue  # another process's, gone already


def sync_directory(directory: Path) -> None:
    """Makes the rename itself durable across a power cut (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
