"""The money views against DfE's own worked cases: the scenarios of the current service's
spec/services/payment_calculator/ (band allocator, outputs, uplifts, banded, flat rate, service fees), ported as
tables of statements and declarations in a warehouse filled by hand (tests/ledger.py), in process."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.ledger import Ledger, band, contract

MAY, JUNE, JULY = date(2025, 5, 25), date(2025, 6, 25), date(2025, 7, 25)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    book = Ledger.at(tmp_path / "w.duckdb")
    yield book
    book.close()


def three_small_bands(ledger: Ledger, **terms: Any) -> None:
    """band_allocator_spec.rb: three bands of capacity 2, fee 100."""
    ledger.contracts.append(contract([band("A", 2), band("B", 2), band("C", 2)], **terms))


def counts(rows: list[dict[str, Any]]) -> list[tuple[int, int, int, int]]:
    return [(r["previous_billable_count"], r["previous_refundable_count"], r["billable_count"],
             r["refundable_count"]) for r in rows]  # fmt: skip


# (previous billable, previous billable+refundable on the previous statement, current billable,
#  current billable+refundable on the current statement) -> (pb, pr, b, r) per band A, B, C, and how many of
#  the current billable fall beyond band C (not paid)
ALLOCATOR_CASES = {
    "no declarations": ((0, 0, 0, 0), [(0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0)], 0),
    "current billable fits in band A": ((0, 0, 1, 0), [(0, 0, 1, 0), (0, 0, 0, 0), (0, 0, 0, 0)], 0),
    "current billable overflows to band B": ((0, 0, 3, 0), [(0, 0, 2, 0), (0, 0, 1, 0), (0, 0, 0, 0)], 0),
    "previous billable takes capacity": ((1, 0, 2, 0), [(1, 0, 1, 0), (0, 0, 1, 0), (0, 0, 0, 0)], 0),
    "refundable drains from the highest band": ((3, 0, 0, 2), [(2, 0, 0, 0), (1, 0, 1, 1), (0, 0, 1, 1)], 0),
    "the full 4-step algorithm": ((3, 0, 3, 0), [(2, 0, 0, 0), (1, 0, 1, 0), (0, 0, 2, 0)], 0),
    "previous refundable frees capacity": ((3, 1, 3, 1), [(2, 0, 0, 0), (2, 1, 1, 0), (0, 0, 2, 1)], 1),
    "billable exceeds total capacity": ((0, 0, 8, 0), [(0, 0, 2, 0), (0, 0, 2, 0), (0, 0, 2, 0)], 2),
    "refundable exceeds billable": ((1, 0, 0, 3), [(1, 0, 1, 1), (0, 0, 2, 2), (0, 0, 0, 0)], 0),
}


@pytest.mark.parametrize("case", sorted(ALLOCATOR_CASES))
def test_band_allocator_spec(ledger: Ledger, case: str) -> None:
    (previous, previous_clawed, current, current_clawed), expected, unallocated = ALLOCATOR_CASES[case]
    three_small_bands(ledger)
    june, july = ledger.statement(JUNE, paid=True), ledger.statement(JULY)
    ledger.declarations(previous, "eligible", june)
    # awaiting-clawback declarations are both billable (paid on the statement) and refundable (clawed back on it)
    ledger.declarations(previous_clawed, "awaiting-clawback", june, clawback=june)
    ledger.declarations(current, "eligible", july)
    ledger.declarations(current_clawed, "awaiting-clawback", july, clawback=july)
    ledger.refresh()
    assert counts(ledger.allocation(july)) == expected
    assert ledger.payment(july)["count_unallocated"] == unallocated


def test_each_declaration_type_is_allocated_on_its_own(ledger: Ledger) -> None:
    three_small_bands(ledger)
    july = ledger.statement(JULY)
    ledger.declarations(3, "eligible", july, kind="started")
    ledger.declarations(1, "eligible", july, kind="completed")
    ledger.refresh()
    assert [r["billable_count"] for r in ledger.allocation(july, "started")] == [2, 1, 0]
    assert [r["billable_count"] for r in ledger.allocation(july, "completed")] == [1, 0, 0]
    kinds = {r["declaration_type"] for r in ledger.rows("SELECT * FROM statement_band_allocation")}
    assert len(kinds) == 9  # every declaration type, as DfE's outputs list them


def test_outputs_spec(ledger: Ledger) -> None:
    """outputs_spec.rb: 5 eligible + 2 awaiting-clawback started; one eligible was on a previous statement; bands
    of 2 at fee 100 and output_fee_ratio 0.75: billable 5 x 0.75 x 100 x 0.2 = 75, refundable 30, net 45."""
    ledger.contracts.append(contract([band(n, 2, 100, "0.75") for n in "ABC"]))
    june, july = ledger.statement(JUNE, paid=True), ledger.statement(JULY)
    ledger.declarations(1, "eligible", june)
    ledger.declarations(4, "eligible", july)
    ledger.declarations(2, "awaiting-clawback", july, clawback=july)
    ledger.refresh()
    rows = ledger.rows("SELECT * FROM statement_band_allocation WHERE statement_id = ?", [july])
    assert sum(r["billable_amount"] for r in rows) == Decimal(75)
    assert sum(r["refundable_amount"] for r in rows) == Decimal(30)
    assert sum(r["refundable_count"] for r in rows) == 2
    assert ledger.payment(july)["output_amount"] == Decimal(45)


def test_declaration_type_output_spec(ledger: Ledger) -> None:
    """declaration_type_output_spec.rb: fee 150, ratio 0.5: a started declaration is worth 15; 5 billable 75,
    3 refundable 45, net 30."""
    ledger.contracts.append(contract([band("A", 100, 150, "0.5")]))
    june, july = ledger.statement(JUNE, paid=True), ledger.statement(JULY)
    ledger.declarations(5, "eligible", july)
    ledger.declarations(3, "awaiting-clawback", june, clawback=july)
    ledger.refresh()
    (row,) = ledger.allocation(july)
    assert row["output_fee_per_declaration"] == Decimal(15)
    assert (row["billable_amount"], row["refundable_amount"], row["net_amount"]) == (75, 45, 30)


def test_uplifts_spec(ledger: Ledger) -> None:
    """uplifts_spec.rb at 125 a declaration: eligible, payable, paid and awaiting-clawback started declarations with
    an uplift are billable (4), the awaiting-clawback one also refundable (1): net 3 x 125 = 375. No-payment ones
    and those without an uplift do not count."""
    ledger.contracts.append(contract([band("A", 100)], uplift_fee_per_declaration=125))
    july = ledger.statement(JULY)
    for state in ("eligible", "payable", "paid"):
        ledger.declarations(1, state, july, uplift=True)
    ledger.declarations(1, "awaiting-clawback", july, clawback=july, uplift=True)
    ledger.declarations(1, "eligible", july, uplift=False)
    ledger.declarations(1, "submitted", july, uplift=True)
    ledger.refresh()
    (counted,) = ledger.rows("SELECT sum(billable_uplift_count) AS b, sum(refundable_uplift_count) AS r FROM "
                             "statement_declaration_counts WHERE statement_id = ?", [july])  # fmt: skip
    assert (counted["b"], counted["r"]) == (4, 1)
    payment = ledger.payment(july)
    assert payment["uplift_amount"] == Decimal(375) and payment["is_forecast"]


def test_uplifts_of_a_paid_statement_are_the_apis_uplift_paid(ledger: Ledger) -> None:
    ledger.contracts.append(contract([band("A", 100)], uplift_fee_per_declaration=100))
    june = ledger.statement(JUNE, paid=True)
    ledger.declarations(2, "paid", june, uplift=True)
    ledger.declarations(3, "paid", june, uplift=False)
    ledger.declarations(1, "paid", june, kind="retained-1", uplift=True)  # a flag only counts once paid with it
    ledger.refresh()
    payment = ledger.payment(june)
    assert payment["uplift_amount"] == Decimal(300) and not payment["is_forecast"]


def test_banded_spec_totals_and_vat(ledger: Ledger) -> None:
    """banded_spec.rb: outputs 200 + uplifts 50 + monthly service fee 1000 + adjustments (150 - 50) = subtotal
    1350; VAT at 0.2 = 270; total 1620. Not VAT-registered (rate 0): no VAT."""
    from syncer.contract_models import Adjustment

    ledger.contracts.append(contract([band("A", 100, 1000, "1.0")], uplift_fee_per_declaration=50,
                                     monthly_service_fee=Decimal(1000), vat_rate=Decimal("0.2")))  # fmt: skip
    ledger.contracts.append(contract([band("A", 100, 1000, "1.0")], cohort=2023, uplift_fee_per_declaration=50,
                                     monthly_service_fee=Decimal(1000), vat_rate=Decimal(0)))  # fmt: skip
    july, other = ledger.statement(JULY), ledger.statement(JULY, cohort=2023)
    for statement in (july, other):
        ledger.declarations(1, "payable", statement, uplift=True)  # 0.2 x 1.0 x 1000 = 200, and the uplift 50
        ledger.declarations(1, "submitted", statement, kind="completed")  # not billable
    for amount in (150, -50):
        ledger.adjustments.append(Adjustment(source="lp", statement_id=july, description="x", amount=Decimal(amount)))
    ledger.refresh()
    payment = ledger.payment(july)
    parts = ("output_amount", "uplift_amount", "service_fee_amount", "adjustments_amount")
    assert [payment[p] for p in parts] == [200, 50, 1000, 100]
    assert (payment["subtotal_amount"], payment["vat_amount"], payment["total_amount"]) == (1350, 270, 1620)
    unregistered = ledger.payment(other)
    assert (unregistered["subtotal_amount"], unregistered["vat_amount"], unregistered["total_amount"]) == (
        1250,
        0,
        1250,
    )


def test_voided_declarations_count_on_the_statement_they_were_on(ledger: Ledger) -> None:
    """banded_spec.rb #voided_declarations_count: 4 voided on the statement (the API hides their statement_id;
    declaration_state_history saw them on it)."""
    three_small_bands(ledger)
    july = ledger.statement(JULY)
    ledger.declarations(4, "voided", None, voided_from=july)
    ledger.declarations(2, "voided", None, role="mentor", voided_from=july)
    ledger.declarations(1, "voided", None)  # first seen voided: no statement to count it on
    ledger.refresh()
    (row,) = ledger.rows("SELECT * FROM statement_reconciliation WHERE statement_id = ?", [july])
    assert row["count_voided"] == 6
    (ects,) = ledger.rows("SELECT sum(voided_count) AS n FROM statement_declaration_counts WHERE statement_id = ? "
                          "AND participant_type = 'ect'", [july])  # fmt: skip
    assert ects["n"] == 4


def test_flat_rate_spec(ledger: Ledger) -> None:
    """flat_rate_spec.rb and outputs_spec.rb: ittecf_ectp pays mentors' started and completed at 0.5 x 100 each:
    3 billable of each type (eligible, payable, paid) = 300, 2 refundable of each = 200; net 100, VAT 20. ECT
    declarations are banded instead; a mentor's retained-1 and no-payment ones are not paid."""
    ledger.contracts.append(contract([band("A", 100, 1000, "1.0")], type="ittecf_ectp", cohort=2025,
                                     mentor_fee_per_declaration=Decimal(100), vat_rate=Decimal("0.2"),
                                     monthly_service_fee=Decimal(0)))  # fmt: skip
    june, july = ledger.statement(JUNE, paid=True, cohort=2025), ledger.statement(JULY, cohort=2025)
    for kind in ("started", "completed"):
        for state in ("eligible", "payable", "paid"):
            ledger.declarations(1, state, july, kind=kind, role="mentor")
        for state in ("awaiting-clawback", "clawed-back"):
            ledger.declarations(1, state, june, clawback=july, kind=kind, role="mentor")
        ledger.declarations(1, "submitted", july, kind=kind, role="mentor")
    ledger.declarations(1, "eligible", july, kind="retained-1", role="mentor")
    ledger.declarations(1, "eligible", july, kind="started", role="ect")  # banded: 0.2 x 1.0 x 1000
    ledger.refresh()
    payment = ledger.payment(july)
    assert payment["contract_type"] == "ittecf_ectp"
    assert (payment["mentor_output_amount"], payment["output_amount"]) == (100, 200)
    assert (payment["subtotal_amount"], payment["vat_amount"]) == (300, 60)
    assert payment["clawback_amount"] == 200  # the mentors' refundable 4 x 0.5 x 100
    assert {r["billable_count"] for r in ledger.allocation(july) if r["band"] == "A"} == {1}  # ECTs only


SERVICE_FEE_CASES = {
    # recruitment target, bands (capacity, fee) -> monthly amount (service_fees_spec.rb, setup fee 500, ratio 0.4)
    "a single band": (100, [(100, 800)], Decimal(31_500) / 29),
    "multiple bands": (150, [(100, 800), (100, 600)], Decimal(43_500) / 29),
    "target below band A's capacity": (50, [(100, 800)], Decimal(15_750) / 29),
}


@pytest.mark.parametrize("case", sorted(SERVICE_FEE_CASES))
def test_service_fees_spec(ledger: Ledger, case: str) -> None:
    target, bands, monthly = SERVICE_FEE_CASES[case]
    terms = [band(chr(ord("A") + i), capacity, fee, "0.6") for i, (capacity, fee) in enumerate(bands)]
    ledger.contracts.append(contract(terms, recruitment_target=target, setup_fee=Decimal(500)))
    july = ledger.statement(JULY)
    ledger.refresh()
    assert ledger.payment(july)["service_fee_amount"] == monthly.quantize(Decimal("1e-12"), ROUND_DOWN)


def test_an_explicit_monthly_service_fee_is_used_as_it_is(ledger: Ledger) -> None:
    ledger.contracts.append(contract([band("A", 100, 800)], recruitment_target=100, monthly_service_fee=Decimal(1000)))
    july = ledger.statement(JULY)
    ledger.refresh()
    assert ledger.payment(july)["service_fee_amount"] == 1000


def test_a_statement_without_a_contract_or_with_unknown_inputs_shows_no_number(ledger: Ledger) -> None:
    three_small_bands(ledger)
    july, other_cohort = ledger.statement(JULY), ledger.statement(JULY, cohort=2023)
    august = ledger.statement(date(2025, 8, 25))
    ledger.declarations(1, "eligible", july)
    ledger.declarations(1, "eligible", other_cohort)
    ledger.declarations(1, "some-new-state", july)  # July fills August's bands first: August is unknown too
    ledger.refresh()
    missing = ledger.payment(other_cohort)
    amounts = [k for k in missing if k.endswith("_amount")]
    assert missing["missing_reason"] == "missing_contract" and all(missing[k] is None for k in amounts)
    for statement in (july, august):
        unknown = ledger.payment(statement)
        assert unknown["missing_reason"] == "unknown_declarations" and all(unknown[k] is None for k in amounts)
    assert ledger.allocation(other_cohort) == []


def test_the_latest_effective_contract_applies(ledger: Ledger) -> None:
    ledger.contracts.append(contract([band("A", 100, 100, "1.0")], monthly_service_fee=Decimal(1)))
    ledger.contracts.append(contract([band("A", 100, 200, "1.0")], effective_from=date(2025, 7, 1),
                                     monthly_service_fee=Decimal(2)))  # fmt: skip
    june, july = ledger.statement(JUNE), ledger.statement(JULY)
    ledger.refresh()
    assert (ledger.payment(june)["service_fee_amount"], ledger.payment(july)["service_fee_amount"]) == (1, 2)


def test_a_large_contract_is_priced_exactly(ledger: Ledger) -> None:
    """The computed service fee is worked out in exact decimals as the file loads: a band of ten million places
    at a fee of 1000 gives (10,000,000 x 1000 x 0.4 - 500) / 29, with nothing overflowing."""
    ledger.contracts.append(contract([band("A", 10_000_000, 1000)], recruitment_target=10_000_000,
                                     setup_fee=Decimal(500)))  # fmt: skip
    july = ledger.statement(JULY)
    ledger.declarations(3, "eligible", july)
    ledger.refresh()
    payment = ledger.payment(july)
    assert payment["service_fee_amount"] == (Decimal(3_999_999_500) / 29).quantize(Decimal("1e-12"), ROUND_DOWN)
    assert payment["output_amount"] == 3 * Decimal("0.2") * Decimal("0.6") * 1000


def test_a_cohort_with_a_statement_without_a_payment_date_is_not_priced(ledger: Ledger) -> None:
    three_small_bands(ledger)
    june, july = ledger.statement(JUNE, paid=True), ledger.statement(JULY)
    ledger.declarations(2, "eligible", july)
    ledger.warehouse.con.execute("UPDATE statements SET payment_date = NULL WHERE id = ?", [june])
    other = ledger.statement(JULY, cohort=2023)
    ledger.contracts.append(contract([band("A", 2)], cohort=2023))
    ledger.refresh()
    for statement in (june, july):  # which came first is unknown: neither can be placed in the bands
        assert ledger.payment(statement)["missing_reason"] == "missing_payment_date"
        assert ledger.payment(statement)["total_amount"] is None
    assert ledger.payment(other)["missing_reason"] is None


def test_days_to_the_cut_off_count_from_the_apis_date_in_england_whatever_the_readers_zone(ledger: Ledger) -> None:
    three_small_bands(ledger)
    ledger.statement(date(2025, 7, 25))  # cut-off 1 July
    ledger.warehouse.con.execute(
        "INSERT INTO sync_state (source, stream, updated_at, api_clock_at) "
        "VALUES ('lp', 'statements', now(), TIMESTAMPTZ '2025-06-30 23:30:00+00')"  # 00:30 on 1 July in London
    )
    ledger.refresh()
    for zone in ("UTC", "America/New_York", "Pacific/Auckland"):
        ledger.warehouse.con.execute(f"SET TimeZone = '{zone}'")
        (row,) = ledger.rows("SELECT days_to_cut_off, cut_off_date FROM next_statement_forecast")
        assert (row["days_to_cut_off"], row["cut_off_date"]) == (0, date(2025, 7, 1)), zone
    ledger.warehouse.con.execute("SET TimeZone = 'UTC'")
