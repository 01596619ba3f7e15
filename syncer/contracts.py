"""The contracts file (`[finance] contracts = "PATH"`): what a provider copies from its call-off contract and its
DfE statements, so that the money views can compute each statement as DfE's payment calculator does.

    [[contract]]                     # one source x cohort, from effective_from on
    source = "ambition"
    cohort = 2024
    type = "ecf"                     # or "ittecf_ectp" (2025 on: ECTs banded, mentors at a flat rate)
    ...
    [[contract.band]]                # in allocation order: A, B, C, D...
    band = "A"
    capacity = 2000
    ...
    [[adjustment]]
    source = "ambition"
    statement_id = "..."
    amount = -250.00

Numbers are read as exact decimals (TOML floats never pass through binary floating point). `load` validates the
whole file before anything is written, and an error names the entry and the key; `write` replaces the three
tables in the caller's transaction.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal, localcontext
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from syncer.config import Settings
from syncer.errors import ConfigError

if TYPE_CHECKING:
    from syncer.contract_models import Adjustment, Contract


@dataclass(frozen=True)
class Contracts:
    """A validated contracts file (or none: `Contracts.empty()`), ready to write."""

    contracts: tuple[Contract, ...]
    adjustments: tuple[Adjustment, ...]
    digest: str
    path: Path | None

    @classmethod
    def empty(cls) -> Contracts:
        return cls((), (), hashlib.sha256(b"").hexdigest(), None)


def load(path: Path, sources: set[str]) -> Contracts:
    """Reads and validates the whole file; ConfigError names the entry and the key of the first problems."""
    from pydantic import ValidationError

    from syncer.contract_models import ContractsFile, describe

    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"contracts file {path}: cannot read it: {exc}") from exc
    try:
        parsed = tomllib.loads(text.decode("utf-8"), parse_float=Decimal)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"contracts file {path}: not valid TOML: {exc}") from exc
    try:
        validated = ContractsFile.model_validate(parsed)
    except ValidationError as exc:
        raise ConfigError(f"contracts file {path}: {describe(exc, parsed)}") from exc
    problems = []
    seen: dict[tuple[str, int, date | None], int] = {}
    for number, contract in enumerate(validated.contract, 1):
        if contract.source not in sources:
            problems.append(f"contract[{number}] key source: {contract.source!r} is not a [[sources]] name")
        key = (contract.source, contract.cohort, contract.effective_from)
        if key in seen:
            when = contract.effective_from or "(no effective_from)"
            problems.append(
                f"contract[{number}] (source {contract.source!r}, cohort {contract.cohort}) key effective_from: "
                f"{when} is also the effective_from of contract[{seen[key]}]"
            )
        seen.setdefault(key, number)
    for number, adjustment in enumerate(validated.adjustment, 1):
        if adjustment.source not in sources:
            problems.append(f"adjustment[{number}] key source: {adjustment.source!r} is not a [[sources]] name")
    if problems:
        raise ConfigError(f"contracts file {path}: {'; '.join(problems)}")
    digest = hashlib.sha256(text).hexdigest()
    return Contracts(tuple(validated.contract), tuple(validated.adjustment), digest, path)


PAYMENTS = 29  # DfE's ServiceFees::NUMBER_OF_PAYMENTS: the service fee is spread over 29 monthly statements
PLACES = Decimal("1e-12")  # the money views' precision


def service_fee_amount(contract: Contract) -> Decimal:
    """The service fee each statement pays (payment_calculator/service_fees.rb): the contract's stated
    monthly_service_fee, or the recruitment target filling the bands in order, each filled place paid
    fee_per_declaration x service_fee_ratio, less the set-up fee in proportion to band A's filled places, over 29
    payments. Computed here, in exact decimals, because SQL would divide in floating point."""
    if contract.monthly_service_fee is not None:
        return contract.monthly_service_fee
    with localcontext() as exact:
        exact.prec = 60
        remaining, total = contract.recruitment_target, Decimal(0)
        for band in contract.band:
            filled = min(remaining, band.capacity)
            remaining -= filled
            total += filled * band.fee_per_declaration * band.service_fee_ratio
        first = contract.band[0].capacity
        total -= min(contract.recruitment_target, first) * contract.setup_fee / first
        return (total / PAYMENTS).quantize(PLACES, ROUND_DOWN)


def loaded_digest(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("SELECT max(digest) FROM contract_file").fetchone()
    return row[0] if row else None


def write(con: duckdb.DuckDBPyConnection, contracts: Contracts) -> bool:
    """Replaces contract_terms, contract_bands and statement_adjustments (in the caller's transaction) unless
    they already hold this file; answers whether it wrote."""
    if loaded_digest(con) == contracts.digest:
        return False
    for table in ("contract_terms", "contract_bands", "statement_adjustments", "contract_file"):
        con.execute(f"DELETE FROM {table}")
    terms, bands = [], []
    for number, c in enumerate(contracts.contracts, 1):
        terms.append((c.source, c.cohort, c.effective_from, c.type, c.recruitment_target,
                      c.uplift_fee_per_declaration, c.monthly_service_fee, c.setup_fee,
                      c.mentor_fee_per_declaration, c.vat_rate, number, service_fee_amount(c)))  # fmt: skip
        bands += [(c.source, c.cohort, c.effective_from, b.band, order, b.capacity, b.fee_per_declaration,
                   b.output_fee_ratio, b.service_fee_ratio) for order, b in enumerate(c.band, 1)]  # fmt: skip
    adjustments = [
        (a.source, a.statement_id, a.description, a.amount, n) for n, a in enumerate(contracts.adjustments, 1)
    ]
    if terms:
        con.executemany("INSERT INTO contract_terms VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", terms)
        con.executemany("INSERT INTO contract_bands VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", bands)
    if adjustments:
        con.executemany("INSERT INTO statement_adjustments VALUES (?, ?, ?, ?, ?)", adjustments)
    path = str(contracts.path) if contracts.path else None
    con.execute("INSERT INTO contract_file VALUES (?, ?, now())", [contracts.digest, path])
    return True


def for_settings(settings: Settings) -> Contracts:
    """The configured contracts file, validated against the configured sources (none configured: empty)."""
    path = settings.finance.contracts
    if path is None:
        return Contracts.empty()
    return load(path, {source.name for source in settings.sources})
