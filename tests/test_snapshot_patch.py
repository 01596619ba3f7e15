"""A read snapshot brought level by a patch (syncer/snapshot_patch.py) holds exactly what a whole copy would: every
table row for row, after random change sets of every kind a sync writes and the finance layer's refresh; it stays
in the older storage format; and it is copied whole instead where its definitions differ, where it has grown, or
where it was published by a syncer without digests or copied whole a week ago. A patch that fails is copied whole;
a copy that fails leaves the published snapshot as it was.
In process, on copies of a small bulk warehouse (tests/conftest.py: warehouse_copy); `syncer sync` over loopback
patches too (tests/test_snapshot_publication.py, tests/test_snapshot_readers.py)."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pytest

from syncer import snapshot, snapshot_patch, views
from syncer.errors import StoreError
from syncer.snapshot import publish, snapshot_path
from syncer.warehouse import Warehouse
from tests.finance_changes import Changes


def differences(warehouse: Path) -> dict[str, int]:
    """{table: rows in one of the warehouse and its snapshot but not the other}, for tables that differ; the
    snapshot's own tables aside."""
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{warehouse}' AS w (READ_ONLY)")
        con.execute(f"ATTACH '{snapshot_path(warehouse)}' AS s (READ_ONLY)")
        tables = [
            t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'w'").fetchall()
        ]
        snapshot_tables = {
            t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 's'").fetchall()
        }
        assert snapshot_tables - set(tables) == {"snapshot_publication", "snapshot_tables"}
        found = {}
        for table in tables:
            ((count,),) = con.execute(
                f"SELECT (SELECT count(*) FROM (FROM w.{table} EXCEPT ALL FROM s.{table})) "
                f"+ (SELECT count(*) FROM (FROM s.{table} EXCEPT ALL FROM w.{table}))"
            ).fetchall()
            if count:
                found[table] = count
        return found


def storage_version(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        ((version,),) = con.execute(
            "SELECT tags['storage_version'] FROM duckdb_databases() WHERE path = ?", [str(path)]
        ).fetchall()
    return str(version)


def change(path: Path, seed: int, count: int = 4, kinds: tuple[str, ...] | None = None) -> None:
    """Random changes of the kinds a sync writes, then the finance layer's refresh, as a sync run ends."""
    with Warehouse(path) as warehouse:
        Changes(warehouse, random.Random(seed)).apply(count, kinds)
        views.refresh(warehouse)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_patches_after_random_changes_hold_exactly_what_the_warehouse_holds(warehouse_copy: Path, seed: int) -> None:
    assert publish(warehouse_copy).how == "copied"
    for round_ in range(3):
        change(warehouse_copy, seed * 10 + round_)
        published = publish(warehouse_copy)
        assert published.how == "patched" and published.patched is not None
        assert published.patched.inserted > 0 and published.patched.tables > 1  # the data and the finance layer
        assert differences(warehouse_copy) == {}
    assert storage_version(snapshot_path(warehouse_copy)) == "v1.2.0+"  # still what the older readers open
    assert publish(warehouse_copy).how == "current"


def test_repeated_rows_deleted_rows_and_an_emptied_table_are_patched(warehouse_copy: Path) -> None:
    """Rows are matched as a multiset: a second copy of a row is inserted, one of two removed."""
    publish(warehouse_copy)
    with Warehouse(warehouse_copy) as w:
        w.con.execute("INSERT INTO declaration_state_history SELECT * FROM declaration_state_history LIMIT 3")
        w.con.execute("DELETE FROM participant_declarations WHERE rowid % 7 = 0")
        w.con.execute("DELETE FROM finance_changes")
        w.con.execute("UPDATE finance_layer SET rows_built_at = now()")  # the content stamp moves on (a refresh)
    published = publish(warehouse_copy)
    assert published.how == "patched" and differences(warehouse_copy) == {}
    with Warehouse(warehouse_copy) as w:
        w.con.execute("DELETE FROM declaration_state_history WHERE rowid IN (SELECT min(rowid) FROM "
                      "declaration_state_history GROUP BY ALL HAVING count(*) > 1)")  # fmt: skip
        w.con.execute("UPDATE finance_layer SET rows_built_at = now()")  # the content stamp moves on (a refresh)
    assert publish(warehouse_copy).how == "patched" and differences(warehouse_copy) == {}


def test_different_definitions_are_copied_whole(warehouse_copy: Path) -> None:
    publish(warehouse_copy)
    with Warehouse(warehouse_copy) as w:  # as a migration or a new version of the finance layer would
        w.con.execute("CREATE TABLE extra (a INTEGER); INSERT INTO extra VALUES (1)")
        w.con.execute("COMMENT ON COLUMN participants.full_name IS 'renamed'")
        w.con.execute("INSERT INTO sync_runs (run_id, source, stream, mode, started_at, outcome, inserted) "
                      "VALUES ('r', 'lp', 'statements', 'full', now(), 'success', 1)")  # fmt: skip
    assert publish(warehouse_copy).how == "copied" and differences(warehouse_copy) == {}
    with duckdb.connect(str(snapshot_path(warehouse_copy)), read_only=True) as reader:
        (comment,) = reader.execute(
            "SELECT comment FROM duckdb_columns() WHERE table_name = 'participants' AND column_name = 'full_name'"
        ).fetchone() or (None,)
    assert comment == "renamed"
    change(warehouse_copy, 7)
    assert publish(warehouse_copy).how == "patched" and differences(warehouse_copy) == {}


def test_a_table_with_a_column_named_rowid_is_copied_whole(warehouse_copy: Path) -> None:
    """Such a column hides the row ids a patch deletes and inserts by: the snapshot is copied whole every time
    the data changes, never patched."""
    with Warehouse(warehouse_copy) as w:
        w.con.execute("CREATE TABLE keyed (\"RowId\" INTEGER, note VARCHAR); INSERT INTO keyed VALUES (7, 'a')")
    assert publish(warehouse_copy).how == "copied"
    with Warehouse(warehouse_copy) as w:
        w.con.execute("INSERT INTO keyed VALUES (7, 'b')")
    change(warehouse_copy, 9)
    assert publish(warehouse_copy).how == "copied" and differences(warehouse_copy) == {}


def test_a_grown_snapshot_or_one_without_digests_is_copied_whole(
    warehouse_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(warehouse_copy)
    change(warehouse_copy, 8)
    monkeypatch.setattr(snapshot_patch, "GROWTH_LIMIT", 0.5)
    assert publish(warehouse_copy).how == "copied" and differences(warehouse_copy) == {}
    monkeypatch.undo()
    with duckdb.connect(str(snapshot_path(warehouse_copy))) as writer:  # as a syncer before patches left it
        writer.execute("DROP TABLE snapshot_tables; ALTER TABLE snapshot_publication DROP COLUMN copied_at")
        writer.execute("UPDATE snapshot_publication SET content_stamp = 'older'")
    assert publish(warehouse_copy).how == "copied" and differences(warehouse_copy) == {}


def test_a_patch_that_fails_is_copied_whole_and_a_copy_that_fails_leaves_the_snapshot(
    warehouse_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(warehouse_copy)
    before = snapshot_path(warehouse_copy).read_bytes()
    change(warehouse_copy, 9)

    def full_disk(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int]:
        con.execute(f"DELETE FROM snapshot.main.{table}")  # half done when it failed
        raise duckdb.IOException("No space left on device")

    def no_copy(*args: object) -> None:
        raise StoreError("cannot write the read snapshot: No space left on device")

    monkeypatch.setattr(snapshot_patch, "patch_table", full_disk)
    monkeypatch.setattr(snapshot, "write_copy", no_copy)
    with pytest.raises(StoreError, match="No space left on device"):
        publish(warehouse_copy)
    assert snapshot_path(warehouse_copy).read_bytes() == before
    assert sorted(p.name for p in warehouse_copy.parent.iterdir() if not p.name.startswith("spill")) == [
        "w.duckdb",
        "w.read.duckdb",
    ]
    monkeypatch.undo()
    monkeypatch.setattr(snapshot_patch, "patch_table", full_disk)
    assert publish(warehouse_copy).how == "copied" and differences(warehouse_copy) == {}  # the run is still published
    monkeypatch.undo()
    change(warehouse_copy, 10)
    assert publish(warehouse_copy).how == "patched" and differences(warehouse_copy) == {}


def test_a_list_that_turns_from_null_to_empty_is_patched(warehouse_copy: Path) -> None:
    """DuckDB hashes NULL, [] and [NULL] alike: nested columns are hashed as their text."""
    with Warehouse(warehouse_copy) as w:
        w.con.execute(
            "INSERT INTO delivery_partners (source, id, cohort, raw, raw_md5, first_seen_at, last_seen_at) "
            "VALUES ('lp', 'dp', NULL, '{}', 0, now(), now())"
        )
    publish(warehouse_copy)
    for cohort in ("[]", "[NULL]", "NULL"):
        with Warehouse(warehouse_copy) as w:
            w.con.execute(f"UPDATE delivery_partners SET cohort = {cohort} WHERE id = 'dp'")
            w.con.execute("UPDATE finance_layer SET rows_built_at = now()")  # the content stamp moves on
        published = publish(warehouse_copy)
        assert published.how == "patched" and published.patched == snapshot_patch.Patched(2, 2, 2)  # and finance_layer
        assert differences(warehouse_copy) == {}


def test_a_snapshot_copied_whole_a_week_ago_is_copied_whole_again(warehouse_copy: Path) -> None:
    """However well patches went: a difference that a hash collision could leave lasts a week at most."""
    publish(warehouse_copy)
    with duckdb.connect(str(snapshot_path(warehouse_copy))) as writer:
        writer.execute("UPDATE snapshot_publication SET copied_at = now() - INTERVAL 8 DAY")
    change(warehouse_copy, 11)
    assert publish(warehouse_copy).how == "copied" and differences(warehouse_copy) == {}
    with duckdb.connect(str(snapshot_path(warehouse_copy)), read_only=True) as reader:
        ((age,),) = reader.execute("SELECT now() - copied_at < INTERVAL 1 HOUR FROM snapshot_publication").fetchall()
    assert age
