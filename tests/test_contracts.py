"""The contracts file: validated whole before anything is written, errors naming the entry and the key, loaded by
every sync and `syncer views` (only when it changed), its path relative to the config file."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from syncer import cli, contracts, views
from syncer.config import load_settings
from syncer.errors import ConfigError
from syncer.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "contracts.example.toml"
GOOD = """
[[contract]]
source = "lp"
cohort = 2024
type = "ecf"
recruitment_target = 2500
uplift_fee_per_declaration = 100
vat_rate = 0.2
[[contract.band]]
band = "A"
capacity = 2000
fee_per_declaration = 1250.10
output_fee_ratio = 0.6
service_fee_ratio = 0.4
[[contract.band]]
band = "B"
capacity = 500
fee_per_declaration = 1000
output_fee_ratio = 0.6
service_fee_ratio = 0.4
[[adjustment]]
source = "lp"
statement_id = "s-1"
description = "correction"
amount = -250.05
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "contracts.toml"
    path.write_text(text)
    return path


def test_the_example_file_is_valid_and_marks_its_prices_invented() -> None:
    loaded = contracts.load(EXAMPLE, {"ambition"})
    assert {c.cohort for c in loaded.contracts} == {2021, 2022, 2023, 2024, 2025, 2026}
    assert [b.capacity for b in loaded.contracts[0].band] == [2000, 2000, 500, 90]
    assert "INVENTED" in EXAMPLE.read_text()


def test_numbers_are_exact_decimals(tmp_path: Path) -> None:
    loaded = contracts.load(write(tmp_path, GOOD), {"lp"})
    (terms,) = loaded.contracts
    assert terms.band[0].fee_per_declaration == Decimal("1250.10") and terms.vat_rate == Decimal("0.2")
    assert loaded.adjustments[0].amount == Decimal("-250.05")


BAD = {
    "a missing band": (
        GOOD.split("[[contract.band]]")[0] + GOOD[GOOD.index("[[adjustment]]") :],
        "contract[1] (source 'lp', cohort 2024) key band: Field required",
    ),
    "a negative capacity": (
        GOOD.replace("capacity = 500", "capacity = -5"),
        "contract[1] (source 'lp', cohort 2024) band[2] (band 'B') key capacity: "
        "Input should be greater than or equal to 1",
    ),
    "an unknown source": (
        GOOD.replace('source = "lp"\ncohort', 'source = "elsewhere"\ncohort'),
        "contract[1] key source: 'elsewhere' is not a [[sources]] name",
    ),
    "two entries with the same effective_from": (
        GOOD.replace("[[adjustment]]", GOOD.split("[[adjustment]]")[0] + "[[adjustment]]").replace(
            "cohort = 2024", "cohort = 2024\neffective_from = 2024-09-01"
        ),
        "contract[2] (source 'lp', cohort 2024) key effective_from: 2024-09-01 is also the effective_from of "
        "contract[1]",
    ),
    "a fee that is not a number": (
        GOOD.replace("fee_per_declaration = 1000", 'fee_per_declaration = "1,000"'),
        "contract[1] (source 'lp', cohort 2024) band[2] (band 'B') key fee_per_declaration: must be a number, not "
        "str '1,000'",
    ),
    "ratios that do not make one": (
        GOOD.replace("output_fee_ratio = 0.6\nservice_fee_ratio = 0.4\n[[adjustment]]",
                     "output_fee_ratio = 0.7\nservice_fee_ratio = 0.4\n[[adjustment]]"),
        "band[2] (band 'B'): output_fee_ratio + service_fee_ratio must be 1 (got 0.7 + 0.4)",
    ),
    "a mentor fee missing from a flat-rate contract": (
        GOOD.replace('type = "ecf"', 'type = "ittecf_ectp"'),
        "contract[1] (source 'lp', cohort 2024): a \"ittecf_ectp\" contract pays mentors a flat rate",
    ),
    "an unknown key": (
        GOOD.replace("vat_rate = 0.2", "vat_rate = 0.2\nvat = 0.2"), "key vat: Extra inputs are not permitted"
    ),
    "not TOML": ("[[contract]\nsource = 1", "not valid TOML"),
    "a capacity past what a band can hold": (
        GOOD.replace("capacity = 500", "capacity = 3000000000"),
        "band[2] (band 'B') key capacity: Input should be less than or equal to 10000000",
    ),
    "a ratio with more than six decimal places": (
        GOOD.replace("output_fee_ratio = 0.6\nservice_fee_ratio = 0.4\n[[adjustment]]",
                     "output_fee_ratio = 0.6666666\nservice_fee_ratio = 0.3333334\n[[adjustment]]"),
        "band[2] (band 'B') key output_fee_ratio: Decimal input should have no more than 6 decimal places",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_file_is_refused_with_the_entry_and_the_key(tmp_path: Path, case: str) -> None:
    text, message = BAD[case]
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        contracts.load(path, {"lp"})
    assert str(raised.value).startswith(f"contracts file {path}: ")
    assert message in str(raised.value)


def config(tmp_path: Path, warehouse: Path, contracts_path: str) -> Path:
    path = tmp_path / "conf" / "config.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        f'[warehouse]\npath = "{warehouse}"\n[finance]\ncontracts = "{contracts_path}"\n'
        '[[sources]]\nname = "lp"\nbase_url = "http://127.0.0.1:9/api/v3"\ntoken = "t"\n'
    )
    return path


def test_the_path_is_relative_to_the_config_file(tmp_path: Path) -> None:
    conf = config(tmp_path, tmp_path / "w.duckdb", "terms/contracts.toml")
    assert load_settings(conf).finance.contracts == conf.parent / "terms/contracts.toml"


def test_syncer_views_loads_the_file_and_a_bad_one_leaves_the_warehouse_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = tmp_path / "w.duckdb"
    conf = config(tmp_path, warehouse, "contracts.toml")
    terms = conf.parent / "contracts.toml"
    terms.write_text(GOOD)
    assert cli.main(["views", "--config", str(conf)]) == 0
    assert "1 contracts and 1 adjustments" in capsys.readouterr().out
    shutil.copy(warehouse, tmp_path / "before.duckdb")

    def tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
        with duckdb.connect(str(path), read_only=True) as con:
            names = ("contract_terms", "contract_bands", "statement_adjustments", "contract_file")
            return {t: con.execute(f"SELECT * EXCLUDE (loaded_at) FROM {t}" if t == "contract_file" else
                                   f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in names}  # fmt: skip

    loaded = tables(warehouse)
    assert len(loaded["contract_bands"]) == 2 and loaded["statement_adjustments"][0][3] == Decimal("-250.05")
    terms.write_text(GOOD.replace("capacity = 500", "capacity = -5"))
    assert cli.main(["views", "--config", str(conf)]) == 2
    assert "band[2] (band 'B') key capacity" in capsys.readouterr().err
    assert tables(warehouse) == loaded


def test_an_unchanged_file_is_not_written_again(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    loaded = contracts.load(path, {"lp"})
    with Warehouse(tmp_path / "w.duckdb") as warehouse:
        assert views.refresh(warehouse, contracts=loaded).contracts_loaded
        assert not views.refresh(warehouse, contracts=loaded).contracts_loaded
        assert views.refresh(warehouse, contracts=contracts.Contracts.empty()).contracts_loaded
        assert warehouse.query("SELECT count(*) FROM contract_terms") == [(0,)]
