"""ECF1's own reading of `filter[updated_since]` and the columns it compares (api-facts §1.1, §1.3).

Parsing (E:app/services/api/concerns/filter_updated_since.rb, and the same code for v1/v2 in
E:app/controllers/concerns/api_filter.rb): a blank value is no filter. Otherwise the value (already URL-decoded once
by Rack) goes to Ruby's `Time.iso8601` as it is, and only if that fails, once more after
`URI.decode_www_form_component`. So a `+01:00` offset sent percent-encoded (`%2B01:00`) works here, where RECT's
unconditional second decode turns it into a space and answers 400. A literal `+` still decodes to a space and fails
in both. The 400's detail says "RCF3339" [sic] (E:config/locales/en.yml `invalid_updated_since_filter`).

`Time.iso8601` is Ruby's `Time.xmlschema` (lib/time.rb): `YYYY-MM-DDThh:mm:ss`, optional fraction, optional `Z` or
`±hh[:mm]`, or a date alone with an optional zone; case-insensitive, surrounding whitespace allowed. Without a zone
the time is server-local, which is UTC in ECF1 (api-facts §8). Fields are range-checked as `Time.utc` does (month
1-12, day 1-31, hour 0-24, minute 0-59, second 0-60) and then normalised, so 31 February is 3 March and 24:00:00 is
the next midnight.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote_plus

from syncer.sandbox.endpoints import Scoped
from syncer.sandbox.query import BadRequest

INVALID = "The filter '#/updated_since' must be a valid RCF3339 date"
ZONE = r"(Z|[+-]\d\d(?::?\d\d)?)?"
DATETIME_RE = re.compile(
    r"\A\s*(-?\d+)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?" + ZONE + r"\s*\Z", re.IGNORECASE | re.ASCII
)
DATE_RE = re.compile(r"\A\s*(-?\d+)-(\d\d)-(\d\d)" + ZONE + r"\s*\Z", re.IGNORECASE | re.ASCII)
BAD_PERCENT_RE = re.compile(r"%(?![0-9a-fA-F]{2})")
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def ruby_iso8601(text: str) -> datetime | None:
    """Ruby's Time.iso8601 on a UTC server, or None where it raises ArgumentError."""
    match = DATETIME_RE.match(text)
    if match:
        year, month, day, hour, minute, second, fraction, zone = match.groups()
    else:
        match = DATE_RE.match(text)
        if not match:
            return None
        (year, month, day, zone), hour, minute, second, fraction = match.groups(), "0", "0", "0", None
    fields = [int(v) for v in (month, day, hour, minute, second)]
    mon, mday, hours, minutes, seconds = fields
    if not (1 <= mon <= 12 and 1 <= mday <= 31 and 0 <= hours <= 24 and minutes <= 59 and seconds <= 60):
        return None
    if hours == 24 and (minutes or seconds):
        return None
    offset = timedelta(0)
    if zone and zone.upper() != "Z":
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0)) * (-1 if zone[0] == "-" else 1)
        if abs(offset) >= timedelta(days=1):
            return None  # Time#localtime refuses a UTC offset of a day or more
    micros = int(fraction[1:7].ljust(6, "0")) if fraction else 0
    if int(year) < 1:
        return EARLIEST  # before every record; Python has no year 0
    if int(year) > 9999:
        return LATEST
    try:
        moment = datetime(int(year), mon, 1, tzinfo=UTC) + timedelta(
            days=mday - 1, hours=hours, minutes=minutes, seconds=seconds, microseconds=micros
        )
        return moment - offset
    except OverflowError:
        return LATEST if int(year) > 1 else EARLIEST


def parse_updated_since(raw: str) -> datetime | None:
    """ECF1's updated_since: None (no filter) when blank; the raw value first, then decoded once more; else 400."""
    if not raw.strip():
        return None
    found = ruby_iso8601(raw)
    if found is None and not BAD_PERCENT_RE.search(raw):  # URI.decode_www_form_component raises on a bad escape
        found = ruby_iso8601(unquote_plus(raw))
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
