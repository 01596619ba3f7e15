"""Every list endpoint the sync reads, declared as data. Adding an endpoint is one row here, one table in
sql/schema and one staging query in sql/load/<table>.sql; the sync loop has no per-endpoint code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Child:
    """Rows nested in a parent item (e.g. a participant's enrolments), staged from the parent's page."""

    table: str
    key: tuple[str, ...]
    parent_column: str
    replaces: bool  # True: a row missing from its parent's latest list has left scope (removed_at)


@dataclass(frozen=True)
class Stream:
    name: str  # also the name in sync_state and sync_runs
    path: str
    item_type: str  # the `type` every item must carry
    table: str
    key: tuple[str, ...] = ("id",)
    incremental: bool = True  # False: the endpoint ignores updated_since, so every run is a full scan
    per_cohort: bool = False  # True: filter[cohort] is mandatory; one scan per cohort
    order_field: str | None = "created_at"  # the visible ORDER BY column, for tie-safe paging
    children: tuple[Child, ...] = ()
    hooks: tuple[str, ...] = ()  # sql/load/<table>.<hook>.sql, run after staging, before the upsert
    removal_hooks: tuple[str, ...] = ()  # run after a full scan marks rows removed

    def order_value(self, item: dict[str, Any]) -> Any:
        attributes = item.get("attributes")
        return attributes.get(self.order_field) if isinstance(attributes, dict) and self.order_field else None


# Where the ORDER BY column is not in the payload (participants and transfers order by the teacher's
# created_at), the next page window overlaps the previous one by this many rows instead.
BLIND_OVERLAP = 50

STREAMS: tuple[Stream, ...] = (
    Stream("statements", "/statements", "statement", "statements", order_field="payment_date"),
    Stream("delivery-partners", "/delivery-partners", "delivery-partner", "delivery_partners", incremental=False),
    Stream("partnerships", "/partnerships", "partnership", "partnerships"),
    Stream("schools", "/schools", "school", "schools", key=("id", "cohort"), per_cohort=True),
    Stream(
        "participants",
        "/participants",
        "participant",
        "participants",
        order_field=None,
        children=(
            Child("participant_enrolments", ("training_record_id",), "participant_id", replaces=True),
            Child(
                "participant_id_changes",
                ("from_participant_id", "to_participant_id", "changed_at"),
                "participant_id",
                replaces=False,
            ),
        ),
    ),
    Stream("unfunded-mentors", "/unfunded-mentors", "unfunded-mentor", "unfunded_mentors"),
    Stream(
        "participants/transfers",
        "/participants/transfers",
        "participant-transfer",
        "participant_transfers",
        order_field=None,
    ),
    Stream(
        "participant-declarations",
        "/participant-declarations",
        "participant-declaration",
        "participant_declarations",
        hooks=("history",),
        removal_hooks=("removed",),
    ),
)
BY_NAME = {s.name: s for s in STREAMS}


def select(names: list[str] | None) -> tuple[Stream, ...]:
    if not names:
        return STREAMS
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise ValueError(f"unknown stream {', '.join(unknown)}; choose from {', '.join(BY_NAME)}")
    return tuple(s for s in STREAMS if s.name in names)
