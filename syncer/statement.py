"""`syncer statement`: one statement laid out as DfE's statement page is (output payments per declaration type
and band, mentors' flat rate, uplifts, service fee, clawbacks, adjustments, VAT, total), from the money views.

The views keep full precision; this is where amounts are rounded to pence, for people (`table`). `json` and
`csv` carry the exact values for tools.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb

from syncer.errors import SyncerError
from syncer.reconcile import pounds
from syncer.status import render_table

FORMATS = ("table", "json", "csv")
Row = dict[str, Any]
REASONS = {
    "missing_contract": "the contracts file has no [[contract]] for this source and cohort on this payment date",
    "unknown_declarations": "a declaration on it, or on an earlier statement of the cohort, has a state, type or "
    "course no ref table knows (see `syncer reconcile` and declaration_anomalies)",
}


@dataclass(frozen=True)
class Statement:
    payment: Row  # statement_payment, with the statement's month, year and cut-off
    bands: list[Row]  # statement_band_allocation rows that hold anything
    mentors: list[Row]  # flat-rate lines: declaration type, billable, refundable, fee per declaration
    adjustments: list[Row]


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[Row]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def find(con: duckdb.DuckDBPyConnection, statement_id: str | None, source: str | None) -> tuple[str, str]:
    """(source, statement id) of the statement asked for, or of the next one to close (`statement_id` None)."""
    if statement_id is None:
        found = rows(
            con,
            "SELECT source, statement_id FROM next_statement_forecast WHERE $1 IS NULL OR source = $1 "
            "ORDER BY days_to_cut_off, cohort LIMIT 1",
            [source],
        )
        if not found:
            raise SyncerError("no open statement: every statement is paid or past its cut-off (as of the last sync)")
    else:
        found = rows(
            con,
            "SELECT source, statement_id FROM statement_payment "
            "WHERE statement_id = $1 AND ($2 IS NULL OR source = $2)",
            [statement_id, source],
        )
        if not found:
            where = f" for source {source!r}" if source else ""
            raise SyncerError(f"no statement {statement_id}{where} in the warehouse")
        if len(found) > 1:
            raise SyncerError(f"statement {statement_id} is in several sources: say which with --source")
    return str(found[0]["source"]), str(found[0]["statement_id"])


def load(con: duckdb.DuckDBPyConnection, statement_id: str | None = None, source: str | None = None) -> Statement:
    key = list(find(con, statement_id, source))
    (payment,) = rows(
        con,
        "SELECT p.*, s.month, s.year, s.cut_off_date FROM statement_payment AS p "
        "JOIN statements AS s ON s.source = p.source AND s.id = p.statement_id "
        "WHERE p.source = $1 AND p.statement_id = $2",
        key,
    )
    bands = rows(
        con,
        "SELECT b.* FROM statement_band_allocation AS b JOIN ref_declaration_types AS t USING (declaration_type) "
        "WHERE b.source = $1 AND b.statement_id = $2 AND (b.billable_count > 0 OR b.refundable_count > 0) "
        "ORDER BY t.milestone_order, b.band_order",
        key,
    )
    mentors = rows(
        con,
        "SELECT k.declaration_type, k.billable_count, k.refundable_count, "
        "CAST(t.flat_rate_fee_proportion * c.mentor_fee_per_declaration AS DECIMAL(38, 12)) AS fee_per_declaration "
        "FROM statement_declaration_counts AS k "
        "JOIN ref_declaration_types AS t USING (declaration_type) "
        "JOIN int_statement_contracts AS c ON c.source = k.source AND c.statement_id = k.statement_id "
        "WHERE k.source = $1 AND k.statement_id = $2 AND c.contract_type = 'ittecf_ectp' "
        "AND k.participant_type = 'mentor' AND t.flat_rate_fee_proportion IS NOT NULL "
        "AND (k.billable_count > 0 OR k.refundable_count > 0) ORDER BY t.milestone_order",
        key,
    )
    adjustments = rows(
        con,
        "SELECT description, amount FROM statement_adjustments WHERE source = $1 AND statement_id = $2 ORDER BY entry",
        key,
    )
    return Statement(payment, bands, mentors, adjustments)


def money(value: Decimal | None) -> str:
    return "" if value is None else pounds(value)


def as_table(s: Statement) -> str:
    p = s.payment
    status = "paid" if p["paid"] else "not paid yet: a forecast as things stand"
    lines = [
        f"Statement {p['statement_id']} ({p['source']}): {p['month']} {p['year']}, cohort {p['cohort']}",
        f"Cut-off {p['cut_off_date']}, payment {p['payment_date']}, {status}",
    ]
    if p["missing_reason"] is not None:
        lines += ["", f"Not priced ({p['missing_reason']}): {REASONS.get(p['missing_reason'], '')}"]
        return "\n".join(lines)
    lines += [f"Contract: {p['contract_type']}", "", "Output payments (banded)"]
    banded = [{"type": r["declaration_type"], "band": r["band"], "billable": str(r["billable_count"]),
               "refundable": str(r["refundable_count"]), "fee_each": money(r["output_fee_per_declaration"]),
               "net": money(r["net_amount"])} for r in s.bands]  # fmt: skip
    columns = ("type", "band", "billable", "refundable", "fee_each", "net")
    lines.append(render_table(banded, columns) if banded else "  none")
    if p["contract_type"] == "ittecf_ectp":
        lines += ["", "Mentor output payments (flat rate)"]
        flat = [{"type": r["declaration_type"], "billable": str(r["billable_count"]),
                 "refundable": str(r["refundable_count"]), "fee_each": money(r["fee_per_declaration"]),
                 "net": money((r["billable_count"] - r["refundable_count"]) * r["fee_per_declaration"])}
                for r in s.mentors]  # fmt: skip
        lines.append(render_table(flat, ("type", "billable", "refundable", "fee_each", "net")) if flat else "  none")
    total_lines = [
        ("Output payments", p["output_amount"]),
        ("Mentor output payments", p["mentor_output_amount"]),
        ("Uplift fees" + (" (forecast)" if p["is_forecast"] else ""), p["uplift_amount"]),
        ("Service fee", p["service_fee_amount"]),
        ("Clawbacks (included above)", -p["clawback_amount"]),
        ("Additional adjustments", p["adjustments_amount"]),
        *((f"  {a['description']}", a["amount"]) for a in s.adjustments),
        ("Subtotal", p["subtotal_amount"]),
        ("VAT", p["vat_amount"]),
        ("Total", p["total_amount"]),
    ]
    width = max(len(label) for label, _ in total_lines)
    amounts = [money(value) for _, value in total_lines]
    amount_width = max(len(a) for a in amounts)
    lines.append("")
    lines += [
        f"{label:<{width}}  £{amount:>{amount_width}}" for (label, _), amount in zip(total_lines, amounts, strict=True)
    ]
    if p["count_unallocated"]:
        lines.append(f"\n{p['count_unallocated']} billable declaration(s) fall beyond the last band and are not paid.")
    return "\n".join(lines)


def as_json(s: Statement) -> str:
    body = {"statement": s.payment, "bands": s.bands, "mentors": s.mentors, "adjustments": s.adjustments}
    return json.dumps(body, default=str, indent=2)


def as_csv(s: Statement) -> str:
    """One line per item of the page: section, item, billable, refundable, amount (exact)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("section", "item", "billable", "refundable", "amount"))
    for r in s.bands:
        writer.writerow(("output", f"{r['declaration_type']} band {r['band']}", r["billable_count"],
                         r["refundable_count"], r["net_amount"]))  # fmt: skip
    for r in s.mentors:
        net = (r["billable_count"] - r["refundable_count"]) * r["fee_per_declaration"]
        writer.writerow(("mentor_output", r["declaration_type"], r["billable_count"], r["refundable_count"], net))
    for a in s.adjustments:
        writer.writerow(("adjustment", a["description"], "", "", a["amount"]))
    p = s.payment
    for name in ("output_amount", "mentor_output_amount", "uplift_amount", "service_fee_amount", "clawback_amount",
                 "adjustments_amount", "subtotal_amount", "vat_amount", "total_amount"):  # fmt: skip
        writer.writerow(("total", name, "", "", "" if p[name] is None else p[name]))
    return out.getvalue().rstrip("\n")


def render(s: Statement, fmt: str = "table") -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    return {"table": as_table, "json": as_json, "csv": as_csv}[fmt](s)
