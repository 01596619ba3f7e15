"""A warehouse filled by hand with statements, declarations and contract terms, for the money views' worked cases
(tests only): each row is what a sync would have stored, cut down to the columns the views read."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from syncer import views
from syncer.contract_models import Adjustment, Band, Contract
from syncer.contracts import Contracts
from syncer.warehouse import Warehouse

SOURCE = "lp"
PROVIDER = "Ambition Institute"
COURSE = {"ect": "ecf-induction", "mentor": "ecf-mentor"}
SEEN = datetime(2025, 1, 1, tzinfo=UTC)
Row = dict[str, Any]


def band(name: str, capacity: int, fee: Decimal | int = 100, output_ratio: str = "0.6") -> Band:
    output = Decimal(output_ratio)
    return Band(band=name, capacity=capacity, fee_per_declaration=Decimal(fee), output_fee_ratio=output,
                service_fee_ratio=1 - output)  # fmt: skip


def contract(bands: list[Band], **terms: Any) -> Contract:
    values: dict[str, Any] = {"source": SOURCE, "cohort": 2024, "type": "ecf", "recruitment_target": 0,
                              "vat_rate": Decimal(0), "band": bands}  # fmt: skip
    values.update(terms)
    return Contract(**values)


@dataclass
class Ledger:
    warehouse: Warehouse
    contracts: list[Contract] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    counter: itertools.count[int] = field(default_factory=itertools.count)

    @classmethod
    def at(cls, path: Path) -> Ledger:
        return cls(Warehouse(path))

    def close(self) -> None:
        self.warehouse.close()

    def insert(self, table: str, row: Row) -> None:
        row = {"source": SOURCE, "raw": "{}", "raw_md5": 0, "first_seen_at": SEEN, "last_seen_at": SEEN, **row}
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.warehouse.con.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(row.values()))

    def statement(self, payment_date: date, paid: bool = False, cohort: int = 2024) -> str:
        key = str(uuid.UUID(int=next(self.counter)))
        cut_off = date(payment_date.year, payment_date.month, 1)
        self.insert("statements", {"id": key, "cohort": str(cohort), "payment_date": payment_date,
                                   "cut_off_date": cut_off, "paid": paid, "month": payment_date.strftime("%B"),
                                   "year": str(payment_date.year)})  # fmt: skip
        return key

    def participant(self, role: str = "ect", uplift: bool = False, cohort: int = 2024) -> str:
        key = str(uuid.UUID(int=10**9 + next(self.counter)))
        self.insert("participants", {"id": key, "canonical_participant_id": key})
        self.insert("participant_enrolments", {
            "training_record_id": f"{key}-{role}", "participant_id": key, "canonical_participant_id": key,
            "participant_type": role, "cohort": str(cohort), "training_status": "active",
            "schedule_identifier": "ecf-standard-september", "sparsity_uplift": uplift,
            "pupil_premium_uplift": False, "created_at": SEEN,
        })  # fmt: skip
        return key

    def declarations(
        self,
        count: int,
        state: str,
        statement: str | None = None,
        clawback: str | None = None,
        kind: str = "started",
        role: str = "ect",
        uplift: bool = False,
        voided_from: str | None = None,
    ) -> list[str]:
        """`count` declarations of one participant each; `uplift` flags the enrolment (and, once paid, the
        declaration's uplift_paid); `voided_from`: the statement history saw a voided one on."""
        made = []
        for _ in range(count):
            participant = self.participant(role, uplift)
            key = str(uuid.UUID(int=2 * 10**9 + next(self.counter)))
            paid = state in ("paid", "awaiting-clawback", "clawed-back")
            self.insert("participant_declarations", {
                "id": key, "participant_id": participant, "canonical_participant_id": participant,
                "declaration_type": kind, "course_identifier": COURSE[role], "state": state,
                "statement_id": statement, "clawback_statement_id": clawback, "uplift_paid": uplift and paid,
                "lead_provider_name": PROVIDER, "declaration_date": SEEN, "created_at": SEEN, "updated_at": SEEN,
            })  # fmt: skip
            if voided_from is not None:
                self.warehouse.con.execute(
                    "INSERT INTO declaration_state_history VALUES (?, ?, 'paid', 'voided', ?, NULL, NULL, NULL, ?, ?)",
                    [SOURCE, key, voided_from, SEEN, SEEN],
                )
            made.append(key)
        return made

    def refresh(self) -> None:
        terms = Contracts(tuple(self.contracts), tuple(self.adjustments), uuid.uuid4().hex, None)
        views.refresh(self.warehouse, force=True, contracts=terms)

    def rows(self, sql: str, params: Any = None) -> list[Row]:
        cursor = self.warehouse.con.execute(sql, params)
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def payment(self, statement: str) -> Row:
        (row,) = self.rows("SELECT * FROM statement_payment WHERE statement_id = ?", [statement])
        return row

    def allocation(self, statement: str, kind: str = "started") -> list[Row]:
        return self.rows(
            "SELECT * FROM statement_band_allocation WHERE statement_id = ? AND declaration_type = ? "
            "ORDER BY band_order",
            [statement, kind],
        )
