"""The finance views as the warehouse holds them, in the shapes tests/finance_truth.py computes them, so that each
view test compares like with like (shared by test_views.py and test_views_ecf.py)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date
from pathlib import Path
from typing import Any

import duckdb


def rows(path: Path, sql: str, params: Any = None) -> list[dict[str, Any]]:
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(sql, params)
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def declarations_current(path: Path) -> set[tuple[Any, ...]]:
    return {
        (r["declaration_id"], r["canonical_participant_id"], r["participant_id"], r["declaration_type"],
         r["course_identifier"], r["state"], r["is_own_declaration"], r["is_live"], r["training_record_id"],
         r["cohort"], r["schedule_identifier"], r["training_status"], r["statement_id"], r["statement_month"],
         r["statement_year"], r["statement_paid"], r["clawback_statement_id"], r["clawback_statement_month"],
         r["clawback_statement_paid"])
        for r in rows(path, "SELECT * FROM declarations_current")
    }  # fmt: skip


def statement_reconciliation(path: Path) -> dict[str, dict[str, Any]]:
    return {r["statement_id"]: r for r in rows(path, "SELECT * FROM statement_reconciliation")}


def as_expected(found: dict[str, dict[str, Any]], expected: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each found row cut down to the columns the expected row has, dates as ISO text."""
    return {key: {k: plain(found[key][k]) for k in row} for key, row in expected.items()}


def clawback_ledger(path: Path) -> dict[str, tuple[Any, ...]]:
    return {
        r["declaration_id"]: (r["state"], r["original_statement_id"], r["clawback_statement_id"],
                              r["clawback_requested_at"], r["clawed_back_at"])
        for r in rows(path, "SELECT * FROM clawback_ledger")
    }  # fmt: skip


def timeline(found: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    return Counter(
        (r["canonical_participant_id"], r["training_record_id"], r["event_type"], r["declaration_id"],
         r["from_state"], r["to_state"], None if r["to_state"] == "removed" else r["event_at"].astimezone(UTC))
        for r in found
    )  # fmt: skip
