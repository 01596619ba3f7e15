"""The RECT v3 OpenAPI document (docs/reference/rect-v3-openapi.yaml, a copy kept in the repository) as validators.

`validate` checks an instance against `components/schemas/<name>` exactly as the swagger says, with $refs resolved
and the standard OAS 3.0 format checks (uuid, date, date-time). `validate_strict` adds what the real serializers
guarantee but the swagger leaves unsaid: every documented attribute is present (nulls as JSON null, never omitted),
no undocumented attribute appears, and every `date-time` is RECT's `YYYY-MM-DDTHH:MM:SSZ` (UTC, no fraction) and
every `date` is `YYYY-MM-DD` (api-facts §3, §8).

One reading applies to both: the swagger marks enums such as `working_pattern`, `evidence_held` and
`ineligible_for_funding_reason` `nullable: true` without listing null among the values. Under OAS 3.0.3's clarification
that would refuse null; the document's intent (and api-facts §3) is that null is allowed, so null is added to them.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import FormatChecker
from openapi_schema_validator import OAS30Validator, oas30_format_checker

REFERENCE = Path(__file__).resolve().parents[1] / "docs/reference"
SPEC_PATH = REFERENCE / "rect-v3-openapi.yaml"
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@cache
def spec() -> dict[str, Any]:
    if not SPEC_PATH.is_file():
        raise FileNotFoundError(
            f"the RECT v3 OpenAPI document is expected at {SPEC_PATH} (docs/reference/ in the repository)"
        )
    loaded: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
    return loaded


def schema_names() -> list[str]:
    return sorted(spec()["components"]["schemas"])


def is_timestamp(value: object) -> bool:
    """RECT's only timestamp shape: UTC, whole seconds, `Z` (api-facts §8)."""
    if not isinstance(value, str) or not TIMESTAMP_RE.match(value):
        return False
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return True


def is_date(value: object) -> bool:
    if not isinstance(value, str) or not DATE_RE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def strict_format_checker(is_moment: Callable[[object], bool] = is_timestamp) -> FormatChecker:
    """OAS 3.0's format checks, with `date-time` as the service spells it (`is_moment`) and `date` as YYYY-MM-DD."""
    checker = FormatChecker(formats=())
    checker.checkers = dict(oas30_format_checker.checkers)
    checker.checks("date-time")(lambda value: not isinstance(value, str) or is_moment(value))
    checker.checks("date")(lambda value: not isinstance(value, str) or is_date(value))
    return checker


def each_schema(node: object, change: Callable[[dict[str, Any]], None]) -> None:
    """Applies `change` to every object of a document, depth first, in place."""
    if isinstance(node, dict):
        change(node)
        for child in node.values():
            each_schema(child, change)
    elif isinstance(node, list):
        for child in node:
            each_schema(child, change)


def strictly(schemas: dict[str, Any]) -> dict[str, Any]:
    """Every object schema with `properties` requires all of them and allows nothing else."""
    result = copy.deepcopy(schemas)

    def close(node: dict[str, Any]) -> None:
        if isinstance(node.get("properties"), dict):
            node["required"] = list(node["properties"])
            node["additionalProperties"] = False

    each_schema(result, close)
    return result


def nullable_enums(node: object) -> None:
    """`nullable: true` with an `enum` lacking null: allow null, as the document means (see the module docstring)."""

    def allow_null(schema: dict[str, Any]) -> None:
        if schema.get("nullable") is True and isinstance(schema.get("enum"), list) and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]

    each_schema(node, allow_null)


@cache
def components(strict: bool) -> dict[str, Any]:
    found: dict[str, Any] = copy.deepcopy(spec()["components"])
    nullable_enums(found)
    if strict:
        found["schemas"] = strictly(found["schemas"])
    return found


@cache
def validator(name: str, strict: bool = False) -> Any:
    if name not in spec()["components"]["schemas"]:
        raise KeyError(f"no components/schemas/{name} in {SPEC_PATH.name}")
    root = {"$ref": f"#/components/schemas/{name}", "components": components(strict)}
    checker = strict_format_checker() if strict else oas30_format_checker
    return OAS30Validator(root, format_checker=checker)


def validate(instance: object, name: str) -> None:
    """Raises jsonschema.ValidationError unless `instance` matches components/schemas/<name> of the swagger."""
    validator(name).validate(instance)


def validate_strict(instance: object, name: str) -> None:
    """As `validate`, plus: all documented keys present, no others, RECT timestamp and date shapes."""
    validator(name, strict=True).validate(instance)
