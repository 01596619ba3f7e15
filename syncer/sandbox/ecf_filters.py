"""ECF1's own reading of `filter[updated_since]` and the columns it compares (api-facts §1.1, §1.3).

Parsing (E:app/services/api/concerns/filter_updated_since.rb, and the same code for v1/v2 in
E:app/controllers/concerns/api_filter.rb): a blank value is no filter. Otherwise the value (already URL-decoded once
by Rack) goes to Ruby's `Time.iso8601` as it is, and only if that fails, once more after
`URI.decode_www_form_component`. So a `+01:00` offset sent percent-encoded (`%2B01:00`) works here, where RECT's
unconditional second decode turns it into a space and answers 400. A literal `+` still decodes to a space and fails
in both. The 400's detail says "RCF3339" [sic] (E:config/locales/en.yml `invalid_updated_since_filter`).

`Time.iso8601` is read as ruby.py reads it (the time library's xmlschema; ECF1 runs Ruby 3.2).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from syncer.sandbox import ruby
from syncer.sandbox.endpoints import Scoped
from syncer.sandbox.query import BadRequest

INVALID = "The filter '#/updated_since' must be a valid RCF3339 date"


def parse_updated_since(raw: str) -> datetime | None:
    """ECF1's updated_since: None (no filter) when blank; the raw value first, then decoded once more; else 400."""
    if ruby.blank(raw):
        return None
    found = ruby.iso8601(raw)
    if found is None and (decoded := ruby.decode_www_form_component(raw)) is not None:
        found = ruby.iso8601(decoded)  # URI.decode_www_form_component raises on a bad escape: then a 400
    if found is None:
        raise BadRequest(INVALID)
    return found


def partnership_updated_at(query: Scoped, record: Any) -> datetime:
    """ECF1's partnership `updated_at` and its updated_since match: the latest of the partnership, its school and its
    delivery partner (E:app/serializers/api/v3/ecf/partnership_serializer.rb; the query ORs the same tables with
    `>=`, so "any of them >= since" is "their maximum >= since"). The school row and the induction tutor's user row,
    the other two tables ECF1 reads, never change after creation in this world, so the school's created_at stands
    for the first and the second adds nothing."""
    world = query.world
    school = world.schools[record.school_id]
    partner = world.delivery_partners[record.delivery_partner_id]
    latest: datetime = max(record.updated_at, school.created_at, partner.updated_at)
    return latest


def school_updated_at(query: Scoped, record: Any) -> datetime:
    """ECF1's school `updated_at`: the later of the school row and this cohort's school_cohort row
    (E:app/serializers/api/v3/ecf/school_serializer.rb)."""
    assert query.cohort is not None
    latest: datetime = max(record.created_at, record.cohorts[query.cohort].updated_at)
    return latest


def school_changed_at(query: Scoped, record: Any) -> datetime:
    """What ECF1's /schools/ecf updated_since compares: the school row OR *any* of its school_cohorts rows, not just
    the requested cohort's (E:app/services/api/v3/ecf/schools_query.rb). A change to a school's 2026 row therefore
    lists it under `filter[cohort]=2025`, with an `updated_at` older than the filter."""
    latest: datetime = max(record.created_at, *(c.updated_at for c in record.cohorts.values()))
    return latest
