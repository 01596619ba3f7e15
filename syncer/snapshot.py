"""The read snapshot: a whole copy of the warehouse that BI tools open read-only while the daemon writes.

DuckDB lets one process write a file, and a reader that opens it while the writer holds it fails. So after
each successful run, once the run has closed the warehouse, the daemon copies it to a temporary file in the
same directory and renames that over `<stem>.read.duckdb`. The rename is atomic: a reader opening the path
gets either the previous snapshot or the new one, whole, and a reader that already has the old file open
keeps reading it (the old inode lives until its last reader closes it). Nothing ever writes to the snapshot
in place, so it never has a lock or a WAL for a reader to trip over.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

import duckdb

from syncer.errors import StoreError
from syncer.store import connect

COPY_CHUNK = 8 * 1024 * 1024


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


def publish(warehouse: Path) -> Path:
    """Atomically replaces the warehouse's read snapshot with a copy of it; answers the snapshot's path.

    Call it only while no connection to the warehouse is open (the daemon does, between runs)."""
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise StoreError(f"cannot publish a snapshot: no warehouse at {warehouse}")
    settle(warehouse)
    target = snapshot_path(warehouse)
    # same directory, so the rename stays on one filesystem and is atomic
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as out, warehouse.open("rb") as source:
            shutil.copyfileobj(source, out, COPY_CHUNK)
            out.flush()
            os.fsync(out.fileno())  # the data is on disk before the name points at it
        # mkstemp creates 0600; readers get what the warehouse itself allows (e.g. a BI container's user)
        os.chmod(temporary, stat.S_IMODE(warehouse.stat().st_mode))
        verify(temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        wal_path(temporary).unlink(missing_ok=True)
        raise
    sync_directory(target.parent)
    return target


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
