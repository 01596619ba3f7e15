"""`syncer reconcile`: what each statement will pay (or paid), what is clawed back on it, and what looks wrong.

Reads the views (statement_reconciliation, declaration_anomalies) through the queries in sql/reconcile/ and
renders them as a table for people, or CSV or JSON for tools.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb

from syncer import sqlfiles
from syncer.status import render_table

FORMATS = ("table", "csv", "json")
PENNY = Decimal("0.01")
Row = dict[str, Any]

# the table format shows these (renamed for a terminal); csv and json carry every column of the view
SUMMARY_COLUMNS = {
    "source": "source",
    "statement_id": "statement_id",
    "cohort": "cohort",
    "month": "month",
    "year": "year",
    "payment_date": "payment_date",
    "paid": "paid",
    "count_declarations": "declarations",
    "count_eligible": "eligible",
    "count_payable": "payable",
    "count_paid": "paid_decl",
    "count_clawbacks": "clawbacks",
    "billable_count": "billable",
    "refundable_count": "refundable",
    "net_count": "net",
    "total_amount": "total_£",
    "missing_reason": "not_priced",
    "anomalies": "anomalies",
}
ANOMALY_COLUMNS = ("source", "severity", "anomaly_code", "anomalies", "title")


@dataclass(frozen=True)
class Report:
    statements: list[Row] = field(default_factory=list)
    anomalies: list[Row] = field(default_factory=list)


def rows(con: duckdb.DuckDBPyConnection, query: str, params: dict[str, Any]) -> list[Row]:
    cursor = con.execute(sqlfiles.read(f"reconcile/{query}.sql"), params)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def report(con: duckdb.DuckDBPyConnection, source: str | None = None, statement_id: str | None = None) -> Report:
    params = {"source": source, "statement_id": statement_id}
    return Report(rows(con, "statement_summary", params), rows(con, "anomaly_counts", params))


def top_anomalies(con: duckdb.DuckDBPyConnection, limit: int = 10, source: str | None = None) -> list[Row]:
    return rows(con, "top_anomalies", {"source": source, "limit": limit})


def text(value: Any) -> str:
    """A cell for people: money rounded to pence here, and only here (the views keep full precision)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return pounds(value)
    return str(value)


def cell(value: Any) -> str:
    """A CSV cell for tools: full precision, true/false, empty for null."""
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def pounds(value: Decimal) -> str:
    return f"{value.quantize(PENNY, ROUND_HALF_UP):,}"


def as_table(report: Report) -> str:
    summary = [{short: text(row[name]) for name, short in SUMMARY_COLUMNS.items()} for row in report.statements]
    counts = [{name: text(row[name]) for name in ANOMALY_COLUMNS} for row in report.anomalies]
    parts = [f"Statements ({len(summary)}):"]
    parts.append(render_table(summary, tuple(SUMMARY_COLUMNS.values())) if summary else "  none")
    total = sum(int(row["anomalies"]) for row in report.anomalies)
    parts += ["", f"Anomalies ({total}):"]
    parts.append(render_table(counts, ANOMALY_COLUMNS) if counts else "  none")
    return "\n".join(parts)


def as_csv(report: Report) -> str:
    """Two CSV blocks, each with its header: the statements, a blank line, the anomaly counts."""
    out = io.StringIO()
    for block in (report.statements, report.anomalies):
        if out.tell():
            out.write("\n")
        if block:
            writer = csv.DictWriter(out, fieldnames=list(block[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows({k: cell(v) for k, v in row.items()} for row in block)
    return out.getvalue().rstrip("\n")


def as_json(report: Report) -> str:
    return json.dumps({"statements": report.statements, "anomalies": report.anomalies}, default=str, indent=2)


def render(report: Report, fmt: str = "table") -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    return {"table": as_table, "csv": as_csv, "json": as_json}[fmt](report)


def render_top(anomalies: list[Row]) -> str:
    if not anomalies:
        return "  none"
    lines = [f"  [{a['severity']}] {a['anomaly_code']} {a['declaration_id']}: {a['explanation']}" for a in anomalies]
    return "\n".join(lines)
