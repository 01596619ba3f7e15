"""What RECT's `sort` accepts on each list: any column of the endpoint's model (R:app/controllers/concerns/api/
orderable.rb takes a name if it is in `model.attribute_names`), with `updated_at` rewritten to the endpoint's API
timestamp. Each column here is the sandbox's value for it, as Postgres orders it (NULLs after every value
ascending, before them descending).

The model's bigint `id` (and a foreign key such as `school_id`) is the order the world made the rows in. Columns
the sandbox does not model (TRS fields, anonymisation, tutor nominations...) read as NULL for every row, as in a
service where they are unset: sorting on one is a single tie, which the no-tiebreaker paging then scrambles
(query.window_positions).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

Record = Any
Key = Callable[[Record], Any]


class Query(Protocol):
    """The request a sort key is made for (endpoints.Scoped)."""

    @property
    def world(self) -> Any: ...
    @property
    def provider_id(self) -> str: ...
    @property
    def cohort(self) -> int | None: ...


Column = Callable[[Query], Key]
Columns = dict[str, Column]
Updated = Callable[[Any, Record], datetime]

TEACHER_UNMODELLED = (
    "anonymisation_reason", "anonymised_at", "api_ect_training_record_id", "api_mentor_training_record_id",
    "corrected_name", "ect_became_ineligible_for_funding_on", "ect_first_became_eligible_for_training_at",
    "ect_payments_frozen_year", "mentor_became_ineligible_for_funding_on",
    "mentor_became_ineligible_for_funding_reason", "mentor_first_became_eligible_for_training_at",
    "mentor_payments_frozen_year", "migration_mode", "search",
    "trnless", "trs_data_last_refreshed_at", "trs_induction_completed_date", "trs_induction_start_date",
    "trs_induction_status", "trs_initial_teacher_training_end_date", "trs_initial_teacher_training_provider_name",
    "trs_qts_awarded_on", "trs_qts_status_description", "trs_redirected_to", "trs_response",
)  # fmt: skip
SCHOOL_UNMODELLED = (
    "induction_tutor_last_nominated_in", "last_chosen_appropriate_body_id", "last_chosen_lead_provider_id",
    "last_chosen_training_programme", "marked_as_eligible", "opted_out_of_reminder_emails_until",
)  # fmt: skip


def nulls_last(value: Callable[[Record], Any]) -> Key:
    """Postgres's order: a NULL after every value (reverse=True, as for DESC, puts it first)."""

    def key(record: Record) -> Any:
        found = value(record)
        return (1, 0) if found is None else (0, found)

    return key


def plain(value: Callable[[Record], Any]) -> Column:
    return lambda query: nulls_last(value)


def updated(stamp: Updated) -> Column:
    """A timestamp that depends on the request (the provider, the cohort)."""
    return lambda query: lambda record: stamp(query, record)


def made_order(table: str, of: Callable[[Record], str] = lambda r: r.id) -> Column:
    """A bigint id: the position in which the world made the row (`table` is a dict of the world's, in order)."""

    def column(query: Query) -> Key:
        world = query.world
        positions: dict[str, int] = world.cached(
            ("made_order", table), lambda: {k: i for i, k in enumerate(getattr(world, table))}
        )
        return lambda record: positions.get(of(record), -1)

    return column


def unset(names: tuple[str, ...]) -> Columns:
    return {name: plain(lambda r: None) for name in names}


def attr(name: str) -> Callable[[Record], Any]:
    return lambda record: getattr(record, name)


def teacher(rewritten: Updated, own: Updated, unfunded: Updated) -> Columns:
    """Teacher, as /participants, /participants/transfers and /unfunded-mentors sort it; `rewritten` is what
    `updated_at` means there."""
    return {
        "id": made_order("teachers"),
        "api_id": plain(attr("id")),
        "created_at": plain(attr("created_at")),
        "updated_at": updated(rewritten),
        "api_updated_at": updated(own),
        "api_unfunded_mentor_updated_at": updated(unfunded),
        "trn": plain(attr("trn")),
        # the API's full_name is "<trs_first_name> <trs_last_name>" while corrected_name is unset
        "trs_first_name": plain(lambda t: t.full_name.partition(" ")[0] or None),
        "trs_last_name": plain(lambda t: t.full_name.partition(" ")[2] or None),
        **unset(TEACHER_UNMODELLED),
    }


def school_partnership(own: Updated) -> Columns:
    return {
        "id": made_order("partnerships"),
        "api_id": plain(attr("id")),
        "created_at": plain(attr("created_at")),
        "updated_at": updated(own),
        "api_updated_at": updated(own),
        "school_id": made_order("schools", attr("school_id")),
        "lead_provider_delivery_partnership_id": plain(lambda p: None),
    }


def delivery_partner(own: Updated) -> Columns:
    return {
        "id": made_order("delivery_partners"),
        "api_id": plain(attr("id")),
        "created_at": plain(attr("created_at")),
        "updated_at": updated(own),
        "api_updated_at": updated(own),
        "name": plain(attr("name")),
    }


def school() -> Columns:
    """School: `updated_at` is never one of them, since a sort naming it sorts Metadata::SchoolContractPeriod."""
    return {
        "id": made_order("schools"),
        "api_id": plain(attr("id")),
        "created_at": plain(attr("created_at")),
        "urn": plain(lambda s: int(s.urn) if s.urn.isdigit() else s.urn),  # an integer column
        "induction_tutor_name": plain(attr("induction_tutor_name")),
        "induction_tutor_email": plain(attr("induction_tutor_email")),
        **unset(SCHOOL_UNMODELLED),
    }


def school_metadata(cohort_updated: Updated) -> Columns:
    """Metadata::SchoolContractPeriod, the requested cohort's row of each school; its created_at and in_partnership
    are not modelled."""
    return {
        "id": plain(lambda s: None),
        "api_updated_at": updated(cohort_updated),
        "updated_at": updated(cohort_updated),
        "contract_period_year": lambda query: lambda school: query.cohort,
        "created_at": plain(lambda s: None),
        "in_partnership": plain(lambda s: None),
        "induction_programme_choice": lambda query: (
            lambda school: school.cohorts[query.cohort].induction_programme_choice
        ),
        "school_id": made_order("schools"),
    }


def schools(cohort_updated: Updated) -> Callable[[str], Columns]:
    """The schools controller's choice of model (R:app/controllers/api/v3/schools_controller.rb#sort_model): any sort
    string containing `updated_at` sorts the metadata, so `urn,updated_at` drops `urn`."""
    by_school, by_metadata = school(), school_metadata(cohort_updated)
    return lambda raw: by_metadata if "updated_at" in raw else by_school
