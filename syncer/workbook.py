"""`syncer export --format xlsx`: the finance views in one Excel workbook, a sheet each, for finance teams.

Cells are typed as Excel types them: dates and timestamps as dates (timestamps in UTC: Excel has no time zones),
amounts (DECIMAL) as numbers shown to 2 decimal places, counts as whole numbers, booleans as TRUE/FALSE. Each
sheet's header row is frozen and its columns are sized to their contents. Excel holds a number as a double, so an
amount keeps 15 significant digits there: the exact value stays in the warehouse and the CSV/Parquet exports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from syncer.errors import StoreError

# sheet name -> view, in the order the sheets appear
SHEETS = {
    "statements": "statement_reconciliation",
    "payments": "statement_payment",
    "band allocation": "statement_band_allocation",
    "next statement": "next_statement_forecast",
    "clawbacks": "clawback_ledger",
    "anomalies": "declaration_anomalies",
}
EXCEL_ROWS = 1_048_576  # a worksheet's limit, the header included
MAX_WIDTH = 60
WORKBOOK = "finance.xlsx"


@dataclass(frozen=True)
class Sheet:
    name: str
    view: str
    rows: int


def excel_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, list | dict | tuple):
        return str(value)
    return value


def column_format(type_name: str, formats: dict[str, Any]) -> Any:
    if type_name.startswith("DECIMAL") or type_name in ("DOUBLE", "FLOAT"):
        return formats["amount"]
    if type_name == "DATE":
        return formats["date"]
    if type_name.startswith("TIMESTAMP"):
        return formats["timestamp"]
    return None


def write(con: duckdb.DuckDBPyConnection, out: Path) -> tuple[Path, list[Sheet]]:
    """Writes `<out>/finance.xlsx` (or `out` itself when it names an .xlsx file); answers it and its sheets."""
    import xlsxwriter  # only for this export

    path = out if out.suffix == ".xlsx" else out / WORKBOOK
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    book = xlsxwriter.Workbook(str(temporary), {"constant_memory": True, "strings_to_numbers": False})
    formats = {
        "header": book.add_format({"bold": True, "bottom": 1}),
        "amount": book.add_format({"num_format": "#,##0.00"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "timestamp": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
    }
    written = []
    try:
        for name, view in SHEETS.items():
            written.append(write_sheet(con, book, name, view, formats))
        book.close()
        temporary.replace(path)  # a reader never sees half a workbook
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path, written


def write_sheet(con: duckdb.DuckDBPyConnection, book: Any, name: str, view: str, formats: dict[str, Any]) -> Sheet:
    try:
        cursor = con.execute(f"SELECT * FROM {view}")
    except duckdb.Error as exc:
        raise StoreError(f"cannot export {view} to the workbook: {exc}") from exc
    columns = [(d[0], str(d[1])) for d in cursor.description or ()]
    sheet = book.add_worksheet(name)
    sheet.freeze_panes(1, 0)
    widths = [len(column) + 2 for column, _ in columns]
    for number, (column, _) in enumerate(columns):
        sheet.write_string(0, number, column, formats["header"])
    cell_formats = [column_format(type_name, formats) for _, type_name in columns]
    count = 0
    while batch := cursor.fetchmany(10_000):
        for row in batch:
            count += 1
            if count >= EXCEL_ROWS:
                raise StoreError(f"{view} has more rows than an Excel sheet holds: export it as csv or parquet")
            for number, value in enumerate(row):
                cell = excel_value(value)
                if cell is None:
                    continue
                if isinstance(cell, Decimal):
                    sheet.write_number(count, number, cell, cell_formats[number])
                elif isinstance(cell, datetime):
                    sheet.write_datetime(count, number, cell, cell_formats[number])
                elif isinstance(cell, date):
                    sheet.write_datetime(count, number, datetime(cell.year, cell.month, cell.day), cell_formats[number])
                elif isinstance(cell, bool):
                    sheet.write_boolean(count, number, cell)
                elif isinstance(cell, int | float):
                    sheet.write_number(count, number, cell, cell_formats[number])
                else:
                    sheet.write_string(count, number, str(cell))
                widths[number] = max(widths[number], min(len(shown(cell)) + 2, MAX_WIDTH))
    for number, width in enumerate(widths):
        sheet.set_column(number, number, width)
    return Sheet(name, view, count)


def shown(value: Any) -> str:
    """About what Excel shows, for the column's width."""
    if isinstance(value, Decimal | float):
        return f"{value:,.2f}"
    if isinstance(value, datetime):
        return "2026-01-01 00:00:00"
    if isinstance(value, date):
        return "2026-01-01"
    return str(value)
