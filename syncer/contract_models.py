"""The contracts file's schema (syncer/contracts.py reads the file): each entry as a pydantic model, and a
validation error told by entry and key. Apart from contracts.py so that a sync without a contracts file never
builds these models (~10 ms of a no-change `syncer sync` process)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator


def a_number(value: Any) -> Any:
    """A TOML number only: "1250" (a string) or true is refused rather than read as one."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError(f"must be a number, not {type(value).__name__} {value!r}")
    return Decimal(value)


def a_whole_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be a whole number, not {type(value).__name__} {value!r}")
    return value


Number = Annotated[Decimal, BeforeValidator(a_number)]
Whole = Annotated[int, BeforeValidator(a_whole_number)]
Ratio = Annotated[Decimal, BeforeValidator(a_number), Field(ge=0, le=1, decimal_places=6)]
MAX_PLACES = 10_000_000  # capacities and targets are counts of declarations: far below what INTEGER holds
Money = Annotated[Decimal, BeforeValidator(a_number), Field(ge=0, max_digits=18, decimal_places=6)]


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(Entry):
    band: str = Field(min_length=1, max_length=8)
    capacity: Whole = Field(ge=1, le=MAX_PLACES)
    fee_per_declaration: Money = Field(gt=0)
    output_fee_ratio: Ratio
    service_fee_ratio: Ratio

    @model_validator(mode="after")
    def ratios_make_one(self) -> Band:
        # DfE's band term: output and service fee ratios split the fee between them
        if self.output_fee_ratio + self.service_fee_ratio != 1:
            raise ValueError(
                f"output_fee_ratio + service_fee_ratio must be 1 "
                f"(got {self.output_fee_ratio} + {self.service_fee_ratio})"
            )
        return self


class Contract(Entry):
    source: str = Field(min_length=1)
    cohort: Whole = Field(ge=2020, le=2100)
    effective_from: date | None = None
    type: Literal["ecf", "ittecf_ectp"]
    recruitment_target: Whole = Field(ge=0, le=MAX_PLACES)
    uplift_fee_per_declaration: Money = Decimal(0)
    monthly_service_fee: Money | None = None
    setup_fee: Money = Decimal(0)
    mentor_fee_per_declaration: Money | None = None
    vat_rate: Ratio
    band: list[Band] = Field(min_length=1)

    @model_validator(mode="after")
    def mentors_priced_where_paid(self) -> Contract:
        if self.type == "ittecf_ectp" and self.mentor_fee_per_declaration is None:
            raise ValueError('a "ittecf_ectp" contract pays mentors a flat rate: give mentor_fee_per_declaration')
        if self.type == "ecf" and self.mentor_fee_per_declaration is not None:
            raise ValueError('an "ecf" contract bands mentors with ECTs: leave out mentor_fee_per_declaration')
        names = [b.band for b in self.band]
        if len(set(names)) != len(names):
            raise ValueError(f"band names must be unique within a contract (got {', '.join(names)})")
        return self


class Adjustment(Entry):
    source: str = Field(min_length=1)
    statement_id: str = Field(min_length=1)
    description: str = Field(min_length=1)
    amount: Annotated[Decimal, BeforeValidator(a_number), Field(max_digits=18, decimal_places=6)]


class ContractsFile(Entry):
    contract: list[Contract] = Field(default_factory=list)
    adjustment: list[Adjustment] = Field(default_factory=list)


def location(loc: tuple[int | str, ...], parsed: dict[str, Any]) -> str:
    """('contract', 1, 'band', 0, 'capacity') -> 'contract[2] (source "a", cohort 2024) band[1] (A): capacity'."""
    parts: list[str] = []
    node: Any = parsed
    keys = list(loc)
    while keys:
        key = keys.pop(0)
        if isinstance(key, int) and parts:
            parts[-1] += f"[{key + 1}]"
            node = node[key] if isinstance(node, list) and key < len(node) else None
            if isinstance(node, dict):
                if "source" in node and "cohort" in node:
                    parts[-1] += f" (source {node['source']!r}, cohort {node['cohort']})"
                elif "band" in node and isinstance(node["band"], str):
                    parts[-1] += f" (band {node['band']!r})"
                elif "statement_id" in node:
                    parts[-1] += f" (statement {node['statement_id']!r})"
            continue
        if not keys or not isinstance(keys[0], int):
            parts.append(f"key {key}" if parts else str(key))
        else:
            parts.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
    return " ".join(parts)


def describe(error: ValidationError, parsed: dict[str, Any]) -> str:
    messages = []
    for item in error.errors():
        where = location(tuple(item["loc"]), parsed) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        messages.append(f"{where}: {message}")
    return "; ".join(messages)
