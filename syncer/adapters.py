"""Page adapters for the older API profiles: each reshapes one page's items into the items the warehouse's staging
SQL already reads, before validation, so every profile lands in the same tables (api-facts §6, §9 trap 10).

ECF v2 participants are flat rows, one per enrolment, and one participant id repeats for an ECT who also mentors.
They are keyed by `training_record_id` (the overlap of paging windows is removed by that key), then grouped by id
into participant items whose `ecf_enrolments` entries are the rows' attributes as sent. The participant row then
holds the user-level fields; each enrolment row keeps its whole v2 row in `raw`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

USER_FIELDS = ("full_name", "teacher_reference_number", "updated_at")
Adapter = Callable[[list[Any], set[str]], tuple[list[Any], set[str]]]


def flat_key(item: Any) -> str | None:
    attributes = item.get("attributes") if isinstance(item, dict) else None
    key = attributes.get("training_record_id") if isinstance(attributes, dict) else None
    return key if isinstance(key, str) else None


def v2_participants(items: list[Any], previous: set[str]) -> tuple[list[Any], set[str]]:
    """(participant items, this page's keys). Rows without a usable shape pass through, to be quarantined."""
    grouped: dict[str, dict[str, Any]] = {}
    passed: list[Any] = []
    keys: set[str] = set()
    for row in items:
        key = flat_key(row)
        if key is None or not isinstance(row.get("id"), str):
            passed.append(row)
            continue
        keys.add(key)
        if key in previous:
            continue  # the window overlap repeats rows of the previous page
        attributes = row["attributes"]
        item = grouped.setdefault(
            row["id"],
            {
                "id": row["id"],
                "type": row.get("type"),
                "attributes": {
                    **{f: attributes.get(f) for f in USER_FIELDS},
                    "ecf_enrolments": [],
                    "participant_id_changes": [],
                },
            },
        )
        enrolments = item["attributes"]["ecf_enrolments"]
        if all(e.get("training_record_id") != key for e in enrolments):
            enrolments.append(dict(attributes))
    return [*grouped.values(), *passed], keys


ADAPTERS: dict[str, Adapter] = {"v2-participants": v2_participants}
