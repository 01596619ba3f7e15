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

A copy costs seconds per hundred MB, and most daemon cycles change nothing. So the snapshot records the content
stamp of what it was copied from (sql/snapshot/content_stamp.sql, in its table snapshot_publication), and a
publication whose warehouse has the same stamp, in the same storage version, copies nothing: it touches the
snapshot's modification time, which then says when the snapshot was last confirmed current. Only bookkeeping
(watermarks, the rows of runs that wrote nothing) goes unpublished by such a run; the next copy carries it.

A cycle that changed some rows is published by patching: the previous snapshot is copied byte for byte into the
temporary file and only the rows that differ are written into it (syncer/snapshot_patch.py), then it replaces the
snapshot as a whole copy does. The snapshot is copied whole the first time, when the storage version or the
definitions changed, when patches have grown it past GROWTH_LIMIT times the warehouse, a week after its last
whole copy, and when a patch fails.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb
import structlog

from syncer import snapshot_patch, sqlfiles
from syncer.config import DEFAULT_SNAPSHOT_STORAGE_VERSION
from syncer.errors import StoreError, WarehouseLocked
from syncer.warehouse import SETTINGS, connect

log = structlog.get_logger(__name__)


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


@dataclass(frozen=True)
class Publication:
    path: Path
    replaced: bool  # False: the snapshot already held the warehouse's content; only its mtime was touched
    patched: snapshot_patch.Patched | None = None  # the rows a patch wrote; None for a whole copy (or none)

    @property
    def how(self) -> str:
        """'copied' (whole), 'patched' or 'current' (confirmed, not written)."""
        return "current" if not self.replaced else "patched" if self.patched else "copied"


@contextmanager
def copier(warehouse: Path, spill: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with the warehouse attached read-only as `warehouse`."""
    con = duckdb.connect(config={"memory_limit": SETTINGS["memory_limit"]})
    try:
        con.execute("SET enable_progress_bar = false")  # a copy of a large warehouse would draw one on stderr
        # what the copy spills goes beside it, not into whatever directory syncer was started in
        con.execute(f"SET temp_directory = {quoted(spill)}")
        try:
            con.execute(f"ATTACH {quoted(warehouse)} AS warehouse (READ_ONLY)")
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WarehouseLocked(
                    f"cannot copy {warehouse} into the read snapshot now: another process holds it"
                ) from exc
            raise
        yield con
    except duckdb.Error as exc:
        raise StoreError(f"cannot write the read snapshot from {warehouse}: {exc}") from exc
    finally:
        con.close()


def content_stamp(con: duckdb.DuckDBPyConnection) -> str:
    """The stamp of the attached warehouse's content (sql/snapshot/content_stamp.sql)."""
    row = con.execute(sqlfiles.read("snapshot/content_stamp.sql")).fetchone()
    return hashlib.sha256(repr(row).encode()).hexdigest()


def published_stamp(con: duckdb.DuckDBPyConnection, target: Path) -> tuple[str, str] | None:
    """(content stamp, storage version) the snapshot at `target` was copied with; None where there is none, it
    predates stamps or does not open (it is then copied again)."""
    if not target.is_file():
        return None
    try:
        con.execute(f"ATTACH {quoted(target)} AS published (READ_ONLY)")
    except duckdb.Error:
        return None
    try:
        row = con.execute("SELECT content_stamp, storage_version FROM published.snapshot_publication").fetchall()
        return row[0] if len(row) == 1 else None
    except duckdb.Error:
        return None
    finally:
        con.execute("DETACH published")


def write_copy(con: duckdb.DuckDBPyConnection, copy: Path, storage_version: str, stamp: str) -> None:
    """Every table, view and comment of the attached warehouse into a new file in `storage_version`'s format,
    with the stamp of what it holds."""
    try:
        con.execute(f"ATTACH {quoted(copy)} AS snapshot (STORAGE_VERSION '{storage_version}')")
        con.execute("COPY FROM DATABASE warehouse TO snapshot")
        con.execute(sqlfiles.read("snapshot/publication.sql"))
        con.execute("INSERT INTO snapshot.snapshot_publication VALUES (?, ?, now(), now())", [stamp, storage_version])
        con.execute("DETACH snapshot")
    except duckdb.Error as exc:
        raise StoreError(f"cannot write the read snapshot (storage version {storage_version}): {exc}") from exc
    fsync(copy)


def write_patched(
    con: duckdb.DuckDBPyConnection, previous: Path, copy: Path, stamp: str
) -> snapshot_patch.Patched | None:
    """The previous snapshot copied byte for byte to `copy` and brought level with the attached warehouse; None
    (and `copy` removed) where only a whole copy will do (snapshot_patch.patch says when)."""
    shutil.copyfile(previous, copy)
    try:
        con.execute(f"ATTACH {quoted(copy)} AS snapshot")  # the file keeps its own storage version
        try:
            patched = snapshot_patch.patch(con, stamp)
        except BaseException:
            with suppress(duckdb.Error):  # the patch's own error says what went wrong
                con.execute("DETACH snapshot")
            raise
        con.execute("DETACH snapshot")  # checkpoints what was patched into the file
    except duckdb.Error as exc:
        raise StoreError(f"cannot patch the read snapshot: {exc}") from exc
    if patched is None:
        copy.unlink()
        return None
    fsync(copy)
    return patched


def fsync(path: Path) -> None:
    with path.open("rb+") as written:
        os.fsync(written.fileno())  # the data is on disk before the name points at it


def publish(warehouse: Path, storage_version: str = DEFAULT_SNAPSHOT_STORAGE_VERSION) -> Publication:
    """Atomically replaces the warehouse's read snapshot with a copy of it, unless the snapshot already holds the
    warehouse's content in `storage_version` (then it only touches the snapshot's modification time).

    Call it only while no connection to the warehouse is open (the daemon does, between runs)."""
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise StoreError(f"cannot publish a snapshot: no warehouse at {warehouse}")
    settle(warehouse)
    target = snapshot_path(warehouse)
    sweep(target)
    with copier(warehouse, target.parent / "spill") as con:
        stamp = content_stamp(con)
        previous = published_stamp(con, target)
        if previous == (stamp, storage_version):
            os.utime(target)
            return Publication(target, replaced=False)
        # a folder of our own beside the target: the rename stays on one filesystem and is atomic, and DuckDB
        # creates the copy's file itself (it refuses an empty one)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        temporary = staging / target.name
        patched = None
        try:
            if previous is not None and previous[1] == storage_version and snapshot_patch.patchable(target, warehouse):
                try:
                    patched = write_patched(con, target, temporary, stamp)
                except StoreError as exc:  # e.g. out of memory: a whole copy still publishes the run
                    log.warning("the read snapshot could not be patched: it is copied whole", error=str(exc))
                    temporary.unlink(missing_ok=True)
            if patched is None:
                write_copy(con, temporary, storage_version, stamp)
            # readers get what the warehouse itself allows (e.g. a BI container's user)
            os.chmod(temporary, stat.S_IMODE(warehouse.stat().st_mode))
            verify(temporary)
            os.replace(temporary, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    sync_directory(target.parent)
    return Publication(target, replaced=True, patched=patched)


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
