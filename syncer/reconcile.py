"""`syncer reconcile`: what each statement will pay (or paid), what is clawed back on it, and what looks wrong.

Reads the views (statement_reconciliation, declaration_anomalies) through the queries in sql/reconcile/, runs
the finance layer's invariants (sql/checks/*.sql, each a query for the rows that break it), and renders them as
a table for people, or CSV or JSON for tools.
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
CHECK_COLUMNS = ("check", "offending_rows", "holds")


@dataclass(frozen=True)
class Report:
    statements: list[Row] = field(default_factory=list)
    anomalies: list[Row] = field(default_factory=list)
    checks: list[Row] = field(default_factory=list)


def rows(con: duckdb.DuckDBPyConnection, query: str, params: dict[str, Any]) -> list[Row]:
    cursor = con.execute(sqlfiles.read(f"reconcile/{query}.sql"), params)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def report(con: duckdb.DuckDBPyConnection, source: str | None = None, statement_id: str | None = None) -> Report:
    params = {"source": source, "statement_id": statement_id}
    return Report(rows(con, "statement_summary", params), rows(con, "anomaly_counts", params), checks(con))


def check_names() -> list[str]:
    return [name.removesuffix(".sql") for name in sqlfiles.listing("checks")]


def check_query(name: str) -> str:
    """The SELECT of sql/checks/<name>.sql: the rows that break the invariant (none while it holds)."""
    return sqlfiles.read(f"checks/{name}.sql").strip().rstrip(";")


def checks(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Every invariant with how many rows break it. Each covers the whole warehouse, whatever the report is
    narrowed to: an invariant that fails anywhere makes every number built on the same views suspect. Counted in
    DuckDB, so a check that fails on a million rows costs no more than one that holds."""
    found = []
    for name in check_names():
        row = con.execute(f"SELECT count(*) FROM (\n{check_query(name)}\n)").fetchone()
        offending = int(row[0]) if row else 0
        found.append({"check": name, "offending_rows": offending, "holds": offending == 0})
    return found


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
    failing = sum(1 for row in report.checks if not row["holds"])
    verdict = f"{failing} fail" if failing else "all hold"
    parts += ["", f"Checks ({len(report.checks)}, {verdict}):"]
    checked = [{name: text(row[name]) for name in CHECK_COLUMNS} for row in report.checks]
    parts.append(render_table(checked, CHECK_COLUMNS) if checked else "  none")
    return "\n".join(parts)


def as_csv(report: Report) -> str:
    """Three CSV blocks, each with its header and a blank line between: the statements, the anomaly counts, the
    checks."""
    out = io.StringIO()
    for block in (report.statements, report.anomalies, report.checks):
        if out.tell():
            out.write("\n")
        if block:
            writer = csv.DictWriter(out, fieldnames=list(block[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows({k: cell(v) for k, v in row.items()} for row in block)
    return out.getvalue().rstrip("\n")


def as_json(report: Report) -> str:
    found = {"statements": report.statements, "anomalies": report.anomalies, "checks": report.checks}
    return json.dumps(found, default=str, indent=2)


def render(report: Report, fmt: str = "table") -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    return {"table": as_table, "csv": as_csv, "json": as_json}[fmt](report)


def render_top(anomalies: list[Row]) -> str:
    if not anomalies:
        return "  none"
    lines = [f"  [{a['severity']}] {a['anomaly_code']} {a['declaration_id']}: {a['explanation']}" for a in anomalies]
    return "\n".join(lines)
