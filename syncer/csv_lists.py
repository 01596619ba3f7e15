"""ECF1 v2's .csv lists, a list format besides JSON (source `list_format = "csv"`, api-facts §6): one unpaginated
request per stream, each CSV row turned back into the JSON item the list endpoint would have sent.

CSV stringifies everything: booleans come back from "true"/"false", and an empty field is null (the world of the
API has no empty strings in these columns). Attributes are rebuilt in the JSON serializer's order, with the JSON-only
`has_passed` (always null) restored, so the warehouse's raw JSON is the same whichever list format fed it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from syncer.client import ApiClient
from syncer.pager import Page

BOOLEANS = {"teacher_reference_number_validated", "eligible_for_funding", "pupil_premium_uplift", "sparsity_uplift"}
# item type -> (the JSON attributes in serializer order, JSON-only attributes and their values)
PARTICIPANT = (
    "email", "full_name", "mentor_id", "school_urn", "participant_type", "cohort", "status",
    "teacher_reference_number", "teacher_reference_number_validated", "eligible_for_funding",
    "pupil_premium_uplift", "sparsity_uplift", "training_status", "training_record_id",
    "schedule_identifier", "updated_at",
)  # fmt: skip
SHAPES: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "participant": (PARTICIPANT, {}),
    "participant-declaration": (
        ("participant_id", "declaration_type", "declaration_date", "course_identifier", "state", "updated_at"),
        {"has_passed": None},
    ),
}


def value(column: str, text: str) -> Any:
    if text == "":
        return None
    if column in BOOLEANS:
        if text not in ("true", "false"):
            raise ValueError(f"{column} is {text!r}, not true or false")
        return text == "true"
    return text


def items_from_csv(item_type: str) -> Callable[[bytes], list[dict[str, Any]]]:
    attributes, extra = SHAPES[item_type]

    def decode(body: bytes) -> list[dict[str, Any]]:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError("not UTF-8") from exc
        if not text.strip():
            return []  # an empty result is an empty body
        reader = csv.DictReader(io.StringIO(text))
        if reader.fieldnames is None or "id" not in reader.fieldnames:
            raise ValueError("no header row with an id column")
        found = []
        for row in reader:
            if None in row:
                raise ValueError("a row has more fields than the header")
            fields = {k: value(k, v or "") for k, v in row.items()}
            found.append(
                {
                    "id": fields["id"],
                    "type": fields.get("type") or item_type,
                    "attributes": {**{a: fields.get(a) for a in attributes}, **extra},
                }
            )
        return found

    return decode


def csv_pages(client: ApiClient, path: str, item_type: str, params: Mapping[str, str]) -> Iterator[Page]:
    """The whole list as one last page (the .csv variants are not paginated)."""
    response = client.get(f"{path}.csv", params, decode=items_from_csv(item_type))
    items: list[dict[str, Any]] = response.data
    yield Page(items, 1, len(items), True, response.server_date)
