"""The ECF1 OpenAPI documents (docs/reference/ecf-v{2,3}-openapi.json in the repository) as validators.

As tests/openapi.py does for RECT: `validate` checks an instance against `components/schemas/<name>` as written (refs
resolved, OAS 3.0 formats); `validate_strict` also requires every documented attribute and refuses undocumented ones,
and checks ECF1's timestamp shapes: `YYYY-MM-DDTHH:MM:SSZ`, or with milliseconds where ECF1 serializes a time without
`.rfc3339` (partnership `challenged_at`, api-facts §8).

Readings of the documents (each from api-facts):
- `nullable: true` enums without null among their values allow null (as in tests/openapi.py);
- `nullable: true` beside an `anyOf` (and no `type`) allows null, as the document means (withdrawal, deferral, joining);
- `teacher_reference_number` is null for TRN-less teachers (§3.1), although the documents do not mark it nullable;
- v2's declaration `state` enum lacks awaiting-clawback and clawed-back, which v2 does send (§6).
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from typing import Any

from openapi_schema_validator import OAS30Validator, oas30_format_checker

from tests.openapi import REFERENCE, each_schema, is_timestamp, nullable_enums, strict_format_checker, strictly

SPECS = {"ecf-v3": REFERENCE / "ecf-v3-openapi.json", "ecf-v2": REFERENCE / "ecf-v2-openapi.json"}
MILLIS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
NULLABLE = {"teacher_reference_number"}


@cache
def spec(api: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SPECS[api].read_text())
    return loaded


def is_ecf_timestamp(value: object) -> bool:
    return is_timestamp(value) or (isinstance(value, str) and bool(MILLIS_RE.match(value)))


def null_trns(node: object) -> None:
    def allow_null(schema: dict[str, Any]) -> None:
        if schema.get("nullable") is True and isinstance(schema.get("anyOf"), list) and "type" not in schema:
            schema["anyOf"] = [*schema["anyOf"], {"enum": [None]}]
        properties = schema.get("properties")
        if isinstance(properties, dict):
            for name in NULLABLE & properties.keys():
                properties[name] = {**properties[name], "nullable": True}

    each_schema(node, allow_null)


@cache
def components(api: str, strict: bool) -> dict[str, Any]:
    found: dict[str, Any] = copy.deepcopy(spec(api)["components"])
    nullable_enums(found)
    null_trns(found)
    state = found["schemas"]["ParticipantDeclarationAttributes"]["properties"]["state"]
    state["enum"] = list(dict.fromkeys([*state["enum"], "awaiting-clawback", "clawed-back"]))
    if strict:
        found["schemas"] = strictly(found["schemas"])
    return found


@cache
def validator(api: str, name: str, strict: bool = False) -> Any:
    if name not in spec(api)["components"]["schemas"]:
        raise KeyError(f"no components/schemas/{name} in {SPECS[api].name}")
    root = {"$ref": f"#/components/schemas/{name}", "components": components(api, strict)}
    return OAS30Validator(
        root, format_checker=strict_format_checker(is_ecf_timestamp) if strict else oas30_format_checker
    )


def validate(instance: object, name: str, api: str = "ecf-v3") -> None:
    validator(api, name).validate(instance)


def validate_strict(instance: object, name: str, api: str = "ecf-v3") -> None:
    validator(api, name, strict=True).validate(instance)
