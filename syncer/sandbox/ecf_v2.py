"""ECF1's API v2 (the Lead Provider API 2.0.0 guide, ecf-v2-openapi.json, api-facts §6) over the same world.

- /participants/ecf: one flat row per enrolment. `id` is the participant (user) id, so a teacher who is both an
  ECT and a mentor appears twice with the same id; `training_record_id` tells the rows apart. Ordered by the
  user's created_at, or by the user's updated_at when updated_since is given (inclusive on users.updated_at).
- /participant-declarations: the v2 serializer, and an **exclusive** `updated_at > updated_since`.
- The .csv variants: the whole filtered list (no pagination), the columns of the spec's CSV row schemas, every
  value stringified, an empty body for an empty result.

`status` (active|withdrawn) comes from the induction record in ECF1; the world has no induction records, so it reads
"withdrawn" exactly when the enrolment's training_status is withdrawn.

Teachers registered twice in ECF1 (ecf1_duplicate_users.py) are listed too, and their repeated declarations read
`ineligible` (v2 has no ineligible_for_funding_reason). `filter[updated_since]` is read the ECF1 way (ecf_filters.py).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from syncer.sandbox import ecf, ecf1_duplicate_users
from syncer.sandbox.ecf import trn_validated
from syncer.sandbox.endpoints import Endpoint, Scoped, by_values
from syncer.sandbox.model import COURSES, Declaration, Teacher, TrainingPeriod
from syncer.sandbox.serialize import Item, item, ts

if TYPE_CHECKING:
    from syncer.sandbox.world import World

PROFILE = "ecf-v2"
PARTICIPANT_CSV = (
    "id", "type", "email", "full_name", "mentor_id", "school_urn", "participant_type", "cohort", "status",
    "teacher_reference_number", "teacher_reference_number_validated", "eligible_for_funding", "pupil_premium_uplift",
    "sparsity_uplift", "training_status", "training_record_id", "schedule_identifier", "updated_at",
)  # fmt: skip
DECLARATION_CSV = (
    "id",
    "participant_id",
    "declaration_type",
    "course_identifier",
    "declaration_date",
    "state",
    "updated_at",
)


@dataclass(frozen=True, slots=True)
class EnrolmentRow:
    """A v2 participant row: one teacher in one of this provider's enrolments."""

    teacher: Teacher
    period: TrainingPeriod

    @property
    def id(self) -> str:
        return self.teacher.id  # GET /participants/ecf/{id} looks rows up by participant id

    @property
    def created_at(self) -> datetime:
        return self.teacher.created_at

    @property
    def updated_at(self) -> datetime:
        return self.teacher.updated_at


def enrolment_rows(query: Scoped) -> list[EnrolmentRow]:
    world = query.world

    def build() -> list[EnrolmentRow]:
        return [
            EnrolmentRow(teacher, period)
            for teacher in ecf1_duplicate_users.participants(world, query.provider_id)
            for period in world.latest_periods(teacher.id, query.provider_id)
        ]

    return world.cached(("v2_enrolment_rows", query.provider_id), build)


def participant(world: World, row: EnrolmentRow, provider_id: str) -> Item:
    teacher, period = row.teacher, row.period
    return item(
        teacher.id,
        "participant",
        {
            "email": period.email,
            "full_name": teacher.full_name,
            "mentor_id": period.mentor_id,
            "school_urn": period.school_urn,
            "participant_type": period.participant_type,
            "cohort": str(period.cohort),
            "status": "withdrawn" if period.training_status == "withdrawn" else "active",
            "teacher_reference_number": teacher.trn,
            "teacher_reference_number_validated": trn_validated(world, teacher),
            "eligible_for_funding": period.eligible_for_funding,
            "pupil_premium_uplift": period.pupil_premium_uplift,
            "sparsity_uplift": period.sparsity_uplift,
            "training_status": period.training_status,
            "training_record_id": period.profile_id,
            "schedule_identifier": period.schedule_identifier,
            "updated_at": ts(teacher.updated_at),
        },
    )


def declaration_updated_at(world: World, record: Declaration) -> datetime:
    """ECF1 moves a merged participant's declarations by updating their user_id, which bumps updated_at (api-facts
    §5): a declaration created before a merge into its participant shows the merge's time at least."""
    teacher = world.teachers.get(record.training_period.teacher_id)
    merges = [c.changed_at for c in teacher.id_changes if c.changed_at > record.created_at] if teacher else []
    return max([record.updated_at, *merges])


def declaration(world: World, record: Declaration, provider_id: str) -> Item:
    period = record.training_period
    return item(
        record.id,
        "participant-declaration",
        {
            "participant_id": period.teacher_id,
            "declaration_type": record.declaration_type,
            "declaration_date": ts(record.declaration_date),
            "course_identifier": COURSES[period.participant_type],
            "state": record.state,
            "updated_at": ts(declaration_updated_at(world, record)),
            "has_passed": None,
        },
    )


V3 = ecf.ENDPOINTS_BY_NAME
ENDPOINTS: tuple[Endpoint, ...] = (
    replace(
        V3["participants"],
        scope=enrolment_rows,
        serialize=lambda q, r: participant(q.world, r, q.provider_id),
        ident=lambda r: str(r.period.profile_id),
        filters={"cohort": by_values(lambda q, r: {str(r.period.cohort)}, lambda v: v.isdigit())},
        sort_columns=None,
        profile=PROFILE,
        since_order=attrgetter("updated_at"),
    ),
    replace(
        V3["participant-declarations"],
        serialize=lambda q, r: declaration(q.world, r, q.provider_id),
        updated_at=lambda q, r: declaration_updated_at(q.world, r),
        filters={"participant_id": V3["participant-declarations"].filters["participant_id"]},
        profile=PROFILE,
        since_exclusive=True,
    ),
)
CSV_COLUMNS = {"participants": PARTICIPANT_CSV, "participant-declarations": DECLARATION_CSV}


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_body(name: str, items: list[Item]) -> bytes:
    """The .csv variant of a list: a header row, then one row per item; nothing at all for no items."""
    if not items:
        return b""
    columns = CSV_COLUMNS[name]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for served in items:
        flat = {"id": served["id"], "type": served["type"], **served["attributes"]}
        writer.writerow([text(flat.get(c)) for c in columns])
    return out.getvalue().encode()
