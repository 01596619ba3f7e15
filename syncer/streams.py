"""Every list endpoint the sync reads, declared as data. Adding an endpoint is one row here, one table in
sql/schema and one staging query in sql/load/<table>.sql; the sync loop has no per-endpoint code."""

from __future__ import annotations

from dataclasses import dataclass, replace
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
    adapter: str | None = None  # syncer.adapters.ADAPTERS: reshapes each page before validation (older profiles)
    since_exclusive: bool = False  # the endpoint filters updated_at > updated_since (ECF v1/v2 declarations)
    compared: tuple[str, ...] = ()  # stored columns the hooks compare with, staged as previous_<column>

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
        compared=("state", "statement_id", "clawback_statement_id", "removed_at"),
    ),
)
BY_NAME = {s.name: s for s in STREAMS}

# (table, column holding a participant id as the API sent it, column holding its canonical id): applied to each
# staged page and re-applied to stored rows by every run. mentor_id needs it too: the API re-points it after a
# mentor's merge without a bump (trap 8).
REMAPPED = (
    ("participant_declarations", "participant_id", "canonical_participant_id"),
    ("participant_declarations", "mentor_id", "canonical_mentor_id"),
    ("participant_enrolments", "participant_id", "canonical_participant_id"),
    ("participant_enrolments", "mentor_id", "canonical_mentor_id"),
    ("participant_transfers", "id", "canonical_participant_id"),
    ("unfunded_mentors", "id", "canonical_participant_id"),
    ("participants", "id", "canonical_participant_id"),
)

# ECF1's API v3 (api-facts §1.3): the same streams, names, item types and tables, under ECF1's paths. Its extra
# attributes (partnership status and challenged_*, teacher_reference_number_validated, has_passed, statement type)
# land in columns that exist for them or stay in `raw`.
ECF_V3_PATHS = {
    "participants": "/participants/ecf",
    "partnerships": "/partnerships/ecf",
    "schools": "/schools/ecf",
    "unfunded-mentors": "/unfunded-mentors/ecf",
    "participants/transfers": "/participants/ecf/transfers",
}
ECF_V3_STREAMS: tuple[Stream, ...] = tuple(replace(s, path=ECF_V3_PATHS.get(s.name, s.path)) for s in STREAMS)

# ECF1's API v2 (api-facts §6): participants and declarations only. Participants are flat per-enrolment rows keyed by
# training_record_id, regrouped into the participants and participant_enrolments tables (syncer/adapters.py);
# declarations carry no statement ids, so the statement views stay empty for a v2 source.
ECF_V2_STREAMS: tuple[Stream, ...] = (
    replace(BY_NAME["participants"], path="/participants/ecf", adapter="v2-participants"),
    # no created_at in a v2 declaration: the pager cannot see the ORDER BY column, so windows overlap blindly
    replace(BY_NAME["participant-declarations"], since_exclusive=True, order_field=None),
)

# source.api -> the streams it reads
PROFILES: dict[str, tuple[Stream, ...]] = {"rect-v3": STREAMS, "ecf-v3": ECF_V3_STREAMS, "ecf-v2": ECF_V2_STREAMS}


def select(names: list[str] | None, api: str = "rect-v3") -> tuple[Stream, ...]:
    streams = PROFILES.get(api)
    if streams is None:
        raise ValueError(f"api {api!r} is not supported by the sync yet; choose from {', '.join(PROFILES)}")
    if not names:
        return streams
    known = [s.name for s in streams]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown stream {', '.join(unknown)}; choose from {', '.join(known)}")
    return tuple(s for s in streams if s.name in names)
