"""Random changes to a warehouse's API tables, written as a sync writes them: the rows changed, declaration
history recorded, and every changed row noted in finance_changes (as syncer/store.py notes it); merges go through
syncer.remap itself. For tests/test_incremental_finance.py, which compares the incremental finance layer after
them with a full rebuild."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

import duckdb

from syncer.remap import remap
from syncer.warehouse import Warehouse

STATES = ("submitted", "eligible", "payable", "paid", "voided", "awaiting-clawback", "clawed-back", "ineligible")
NOW = datetime(2026, 7, 1, 9, tzinfo=UTC)


class Changes:
    """Draws and applies changes to `warehouse` with `rng`; `made` counts them by kind."""

    def __init__(self, warehouse: Warehouse, rng: random.Random) -> None:
        self.warehouse = warehouse
        self.con = warehouse.con
        self.rng = rng
        self.made: dict[str, int] = {}
        self.clock = NOW

    # -- helpers ------------------------------------------------------------------------------------------
    def pick(self, sql: str) -> Any:
        rows = self.con.execute(sql).fetchall()
        return self.rng.choice(rows) if rows else None

    def note(self, table: str, where: str, params: list[Any]) -> None:
        self.con.execute(f"INSERT INTO finance_changes SELECT '{table}', key_hash FROM {table} WHERE {where}", params)

    def tick(self) -> datetime:
        self.clock += timedelta(minutes=1)
        return self.clock

    def history(self, declaration_id: str, before: tuple[Any, ...], removed: bool = False) -> None:
        """Records the change from `before` (state, statement_id, clawback_statement_id) as the history hook does."""
        after = self.con.execute(
            "SELECT source, state, statement_id, clawback_statement_id, updated_at FROM participant_declarations "
            "WHERE id = ?",
            [declaration_id],
        ).fetchone()
        assert after is not None
        self.con.execute(
            "INSERT INTO declaration_state_history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                after[0], declaration_id, before[0], "removed" if removed else after[1], before[1],
                None if removed else after[2], before[2], None if removed else after[3], after[4], self.tick(),
            ],
        )  # fmt: skip

    def statement(self) -> str | None:
        row = self.pick("SELECT id FROM statements")
        return row[0] if row else None

    # -- the changes ----------------------------------------------------------------------------------------
    def declaration_state(self) -> None:
        row = self.pick("SELECT id, state, statement_id, clawback_statement_id FROM participant_declarations")
        if row is None:
            return
        state = self.rng.choice(STATES)
        statement = None if state in ("submitted", "voided") else (row[2] or self.statement())
        clawback = self.statement() if state in ("awaiting-clawback", "clawed-back") else None
        self.con.execute(
            "UPDATE participant_declarations SET state = ?, statement_id = ?, clawback_statement_id = ?, "
            "updated_at = ?, uplift_paid = ? WHERE id = ?",
            [state, statement, clawback, self.tick(), self.rng.random() < 0.3, row[0]],
        )
        self.history(row[0], row[1:])
        self.note("participant_declarations", "id = ?", [row[0]])

    def new_declaration(self) -> None:
        row = self.pick("SELECT id FROM participant_declarations")
        if row is None:
            return
        new_id = str(uuid.UUID(int=self.rng.getrandbits(128)))
        declaration_type = self.rng.choice(("started", "retained-1", "retained-2", "completed", "extended-1"))
        self.con.execute(
            "INSERT INTO participant_declarations SELECT * REPLACE (? AS id, ? AS declaration_type, "
            "'submitted' AS state, NULL AS statement_id, NULL AS clawback_statement_id, ? AS created_at, "
            "? AS updated_at, NULL AS removed_at, md5_number(concat_ws(chr(31), source, ?)) AS key_hash) "
            "FROM participant_declarations WHERE id = ?",
            [new_id, declaration_type, self.tick(), self.clock, new_id, row[0]],
        )
        self.history(new_id, (None, None, None))
        self.note("participant_declarations", "id = ?", [new_id])

    def remove_declaration(self) -> None:
        row = self.pick(
            "SELECT id, state, statement_id, clawback_statement_id, removed_at FROM participant_declarations"
        )
        if row is None:
            return
        if row[4] is None:
            self.con.execute("UPDATE participant_declarations SET removed_at = ? WHERE id = ?", [self.tick(), row[0]])
            self.history(row[0], row[1:4], removed=True)
        else:  # back in scope
            self.con.execute("UPDATE participant_declarations SET removed_at = NULL WHERE id = ?", [row[0]])
            self.history(row[0], ("removed", row[2], row[3]))
        self.note("participant_declarations", "id = ?", [row[0]])

    def repoint_declaration(self) -> None:
        """The API re-sends a declaration under another participant, or another provider's name, or mentor."""
        row = self.pick("SELECT id FROM participant_declarations")
        other = self.pick("SELECT id FROM participants")
        if row is None or other is None:
            return
        what = self.rng.choice(("participant", "provider", "mentor"))
        if what == "participant":
            self.con.execute(
                "UPDATE participant_declarations SET participant_id = ?, canonical_participant_id = coalesce("
                "(SELECT canonical_participant_id FROM participant_id_map WHERE participant_id = ?), ?) WHERE id = ?",
                [other[0], other[0], other[0], row[0]],
            )
        elif what == "provider":
            self.con.execute(
                "UPDATE participant_declarations SET lead_provider_name = 'Another Provider' WHERE id = ?", [row[0]]
            )
        else:
            self.con.execute(
                "UPDATE participant_declarations SET mentor_id = ?, canonical_mentor_id = ? WHERE id = ?",
                [other[0], other[0], row[0]],
            )
        self.note("participant_declarations", "id = ?", [row[0]])

    def enrolment(self) -> None:
        row = self.pick("SELECT training_record_id, participant_id FROM participant_enrolments")
        if row is None:
            return
        what = self.rng.choice(("withdrawn", "deferred", "cohort", "removed", "second"))
        if what == "second":  # a second enrolment for the role: is_primary may move
            new_id = str(uuid.UUID(int=self.rng.getrandbits(128)))
            self.con.execute(
                "INSERT INTO participant_enrolments SELECT * REPLACE (? AS training_record_id, ? AS created_at, "
                "NULL AS removed_at, md5_number(concat_ws(chr(31), source, ?)) AS key_hash) "
                "FROM participant_enrolments WHERE training_record_id = ?",
                [new_id, self.tick(), new_id, row[0]],
            )
            self.note("participant_enrolments", "training_record_id = ?", [new_id])
            return
        sets = {
            "withdrawn": "training_status = 'withdrawn', withdrawal_reason = 'moved-school', withdrawal_date = $at",
            "deferred": "training_status = 'deferred', deferral_reason = 'parental-leave', deferral_date = $at",
            "cohort": "cohort = CAST(2021 + hash(training_record_id, $at) % 5 AS VARCHAR), "
            "schedule_identifier = 'ecf-extended-january'",
            "removed": "removed_at = CASE WHEN removed_at IS NULL THEN $at END",
        }[what]
        self.con.execute(
            f"UPDATE participant_enrolments SET {sets} WHERE training_record_id = $id",
            {"at": self.tick(), "id": row[0]},
        )
        self.note("participant_enrolments", "training_record_id = ?", [row[0]])

    def participant(self) -> None:
        row = self.pick("SELECT id FROM participants")
        if row is None:
            return
        self.con.execute(
            "UPDATE participants SET removed_at = CASE WHEN removed_at IS NULL THEN ? END WHERE id = ?",
            [self.tick(), row[0]],
        )
        self.note("participants", "id = ?", [row[0]])

    def statement_row(self) -> None:
        row = self.pick("SELECT id, payment_date FROM statements")
        if row is None:
            return
        what = self.rng.choice(("paid", "dates", "removed"))
        if what == "paid":
            self.con.execute("UPDATE statements SET paid = NOT coalesce(paid, false) WHERE id = ?", [row[0]])
        elif what == "dates":
            moved = (row[1] or date(2026, 1, 25)) + timedelta(days=self.rng.choice((-40, -10, 10, 40)))
            self.con.execute(
                "UPDATE statements SET payment_date = ?, cut_off_date = ? WHERE id = ?",
                [moved, moved - timedelta(days=20), row[0]],
            )
        else:
            self.con.execute(
                "UPDATE statements SET removed_at = CASE WHEN removed_at IS NULL THEN ? END WHERE id = ?",
                [self.tick(), row[0]],
            )
        self.note("statements", "id = ?", [row[0]])

    def merge(self) -> None:
        """One participant merged into another (or back), through syncer.remap as a sync does it."""
        ids = self.con.execute("SELECT source, id FROM participants ORDER BY id").fetchall()
        if len(ids) < 2:
            return
        (source, away), (_, kept) = self.rng.sample(ids, 2)
        self.con.execute(
            "INSERT INTO participant_id_changes VALUES (?, ?, ?, ?, ?, ?, ?, md5_number(concat_ws(chr(31), ?, ?, ?, "
            "CAST(? AS VARCHAR))))",
            [source, kept, away, kept, self.tick(), self.clock, self.clock, source, away, kept, self.clock],
        )
        self.con.execute("COMMIT")
        remap(self.warehouse, source)
        self.con.execute("BEGIN")

    KINDS: ClassVar[dict[str, Callable[[Changes], None]]] = {
        "declaration_state": declaration_state,
        "new_declaration": new_declaration,
        "remove_declaration": remove_declaration,
        "repoint_declaration": repoint_declaration,
        "enrolment": enrolment,
        "participant": participant,
        "statement": statement_row,
        "merge": merge,
    }

    def apply(self, count: int, kinds: tuple[str, ...] | None = None) -> None:
        """`count` changes of the given kinds (all by default), drawn at random, committed."""
        chosen = kinds or tuple(self.KINDS)
        self.con.execute("BEGIN")
        try:
            for _ in range(count):
                kind = self.rng.choice(chosen)
                self.KINDS[kind](self)
                self.made[kind] = self.made.get(kind, 0) + 1
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")


def contents(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    """Every cache table's and every view's rows, sorted, for comparing two warehouses exactly."""
    names = [
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, 'cache_') "
            "UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1"
        ).fetchall()
    ]
    return {name: sorted(con.execute(f"SELECT * FROM {name}").fetchall(), key=repr) for name in names}
