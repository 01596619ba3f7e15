"""The finance invariants of sql/checks/ on a synced sandbox warehouse: each holds (returns no rows) after the weeks
of tests/test_views.py, also when the codes arrive in their other spellings, and each returns rows once a copy of
the warehouse is corrupted in the way it guards against, so none of them holds by being unable to fail."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from syncer import cli, reconcile, views
from syncer.warehouse import Warehouse
from tests.finance_found import rows
from tests.finance_scenario import Scenario


@pytest.fixture
def warehouse(finance_scenario: Scenario) -> Path:
    """tests/finance_scenario.py's weeks: payments, voids before and after payment, clawbacks, merges, full bands."""
    return finance_scenario.path


def offending(path: Path, check: str) -> list[dict[str, Any]]:
    return rows(path, reconcile.check_query(check))


def test_every_check_holds_on_the_synced_sandbox(warehouse: Path) -> None:
    assert {check: offending(warehouse, check) for check in reconcile.check_names()} == {
        check: [] for check in reconcile.check_names()
    }
    # the invariants are about these: the warehouse has them to check
    assert rows(warehouse, "SELECT * FROM statement_band_allocation WHERE refundable_count > 0")
    assert rows(warehouse, "SELECT * FROM statement_payment WHERE missing_reason IS NULL AND total_amount > 0")
    assert rows(warehouse, "SELECT * FROM clawback_ledger WHERE clawback_statement_id IS NOT NULL")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert all(check["holds"] for check in reconcile.checks(con))


def test_every_check_holds_with_codes_in_other_spellings_and_unknown_ones(warehouse: Path, tmp_path: Path) -> None:
    """Underscored codes, RECT's internal state names and codes no ref table knows: the statements with an unknown
    declaration cannot be priced (missing_reason), and what is counted still adds up."""
    copy = tmp_path / "respelled.duckdb"
    shutil.copy(warehouse, copy)
    with Warehouse(copy) as w:
        w.con.execute(
            "UPDATE participant_declarations SET "
            "state = CASE WHEN state = 'submitted' THEN 'no_payment' ELSE replace(state, '-', '_') END, "
            "declaration_type = CASE WHEN hash(id) % 11 = 0 THEN 'retained-9' ELSE replace(declaration_type, '-', '_') "
            "END, course_identifier = replace(course_identifier, '-', '_')"
        )
        w.con.execute(
            "UPDATE participant_enrolments SET schedule_identifier = replace(schedule_identifier, '-', '_'), "
            "withdrawal_reason = replace(withdrawal_reason, '-', '_'), deferral_reason = 'sabbatical'"
        )
        w.con.execute("UPDATE declaration_state_history SET new_state = replace(new_state, '-', '_')")
        views.refresh(w, rows=True)
    assert rows(copy, "SELECT * FROM statement_payment WHERE missing_reason = 'unknown_declarations'")
    assert rows(copy, "SELECT * FROM statement_reconciliation WHERE count_unknown_type > 0")
    assert {check: offending(copy, check) for check in reconcile.check_names()} == {
        check: [] for check in reconcile.check_names()
    }


def replaced(view: str, select: str) -> list[str]:
    """`view` answers `select` instead, which reads what the view was as `built`: the views on top of it bind it
    by name, so they read the replacement too."""
    return [f"ALTER VIEW {view} RENAME TO built", f"CREATE VIEW {view} AS {select}"]


# per check: statements that break what it guards on a copy of the warehouse (the caches of `table` models are
# edited in place; a `view` model is replaced by a wrong one over what it built)
CORRUPTIONS: dict[str, list[str]] = {
    "adjustment_matches_no_statement": [
        "INSERT INTO statement_adjustments VALUES ('lp', 'a-mistyped-statement-id', 'correction', -250, 1)"
    ],
    "declarations_current_not_once": [
        "INSERT INTO cache_int_declarations SELECT * FROM cache_int_declarations WHERE removed_at IS NULL LIMIT 1"
    ],
    "code_spelling_is_ambiguous": ["INSERT INTO cache_stg_code_spellings VALUES ('state', 'eligible', 'paid')"],
    "net_count_is_not_billable_less_refundable": [
        "UPDATE cache_statement_declaration_counts SET net_count = billable_count WHERE refundable_count > 0"
    ],
    "type_counts_do_not_sum": ["UPDATE cache_statement_reconciliation SET count_completed = count_completed + 1"],
    "declaration_counts_disagree_with_reconciliation": [
        "UPDATE cache_statement_declaration_counts SET voided_count = voided_count + 1"
    ],
    "billable_counts_disagree_with_states": [
        "UPDATE cache_statement_reconciliation SET count_paid = count_paid - 1 WHERE count_paid > 0"
    ],
    "band_allocation_loses_billable": replaced(
        "statement_band_allocation",
        "SELECT * REPLACE (CASE WHEN band_order = 1 THEN 0 ELSE billable_count END AS billable_count) FROM built",
    ),
    "band_allocation_loses_refundable": replaced(
        "statement_band_allocation", "SELECT * REPLACE (0 AS refundable_count) FROM built"
    ),
    "band_refunds_more_than_it_held": replaced(
        "statement_band_allocation",
        "SELECT * REPLACE (previous_billable_count + 1 AS previous_refundable_count) FROM built",
    ),
    "band_over_capacity": replaced(
        "statement_band_allocation", "SELECT * REPLACE (billable_count + 100 AS billable_count) FROM built"
    ),
    "payment_subtotal_does_not_add_up": replaced(
        "statement_payment", "SELECT * REPLACE (uplift_amount + 0.000000000001 AS uplift_amount) FROM built"
    ),
    "payment_total_does_not_add_up": replaced(
        "statement_payment", "SELECT * REPLACE (subtotal_amount AS vat_amount) FROM built"
    ),
    "payment_amounts_null_unless_missing_reason": replaced(
        "statement_payment", "SELECT * REPLACE (NULL AS adjustments_amount) FROM built"
    ),
    "clawback_ledger_disagrees_with_refundable_counts": [
        "DELETE FROM cache_clawback_ledger WHERE clawback_statement_id IS NOT NULL"
    ],
}


def test_every_check_is_proved_able_to_fail() -> None:
    assert sorted(CORRUPTIONS) == reconcile.check_names()


@pytest.mark.parametrize("check", sorted(CORRUPTIONS))
def test_a_check_returns_the_rows_that_break_it(warehouse: Path, tmp_path: Path, check: str) -> None:
    copy = tmp_path / "corrupted.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        for statement in CORRUPTIONS[check]:
            con.execute(statement)
    assert offending(copy, check)


def test_reconcile_lists_a_failing_check_with_its_rows_in_every_format(warehouse: Path, tmp_path: Path) -> None:
    copy = tmp_path / "corrupted.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("UPDATE cache_statement_reconciliation SET count_completed = count_completed + 1")
        failing = len(con.execute("SELECT * FROM statement_reconciliation").fetchall())
        report = reconcile.report(con)
    assert failing and {c["check"]: c["offending_rows"] for c in report.checks if not c["holds"]} == {
        "type_counts_do_not_sum": failing
    }
    table = reconcile.render(report, "table")
    assert f"Checks ({len(CORRUPTIONS)}, 1 fail):" in table
    assert any(line.split() == ["type_counts_do_not_sum", str(failing), "no"] for line in table.splitlines())
    assert f"\ntype_counts_do_not_sum,{failing},false" in reconcile.render(report, "csv")
    found = json.loads(reconcile.render(report, "json"))["checks"]
    assert {"check": "type_counts_do_not_sum", "offending_rows": failing, "holds": False} in found
    assert len(found) == len(CORRUPTIONS) and sum(not c["holds"] for c in found) == 1


def test_each_check_says_what_it_checks_and_is_one_select() -> None:
    with duckdb.connect() as con:
        for check in reconcile.check_names():
            text = reconcile.check_query(check)
            assert text.startswith(f"-- {check}: "), check
            statements = con.extract_statements(text)
            assert [s.type for s in statements] == [duckdb.StatementType.SELECT], check


def test_syncer_reconcile_exits_1_while_an_invariant_fails(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "corrupted.duckdb"
    shutil.copy(warehouse, copy)
    config = tmp_path / "c.toml"
    config.write_text(f'[warehouse]\npath = "{copy}"\n[[sources]]\nname = "lp"\nbase_url = "http://127.0.0.1:9"\n'
                      'token = "t"\n')  # fmt: skip
    assert cli.main(["reconcile", "--config", str(config)]) == 0
    with duckdb.connect(str(copy)) as con:
        con.execute("UPDATE cache_statement_reconciliation SET count_completed = count_completed + 1")
    capsys.readouterr()
    assert cli.main(["reconcile", "--config", str(config)]) == 1
    assert "1 invariant check(s) fail: type_counts_do_not_sum" in capsys.readouterr().err
