"""How Ruby and Rails read the request values both services parse: `Time.iso8601`, `String#blank?` and
`URI.decode_www_form_component`. RECT (R:app/controllers/concerns/api/date_filterable.rb) and ECF1
(E:app/services/api/concerns/filter_updated_since.rb) differ only in when they decode (query.py, ecf_filters.py).

`Time.iso8601` is `Time.xmlschema` of Ruby's time library (lib/time.rb, the same code from time 0.1 to 0.4.2, the
version Ruby 4.0 bundles; RECT runs Ruby 4.0, ECF1 3.2):

- The whole value, with surrounding ASCII whitespace, must be `YYYY-MM-DDThh:mm:ss`, an optional `.fraction`, an
  optional zone `Z` or `±hh`, `±hhmm`, `±hh:mm`. Case-insensitive, so `t` and `z` do. A date alone, a space for the
  `T`, a `,` fraction or a time without seconds raise ArgumentError: a 400.
- An offset is applied field by field (`apply_offset`), then `Time.utc` range-checks: month 1-12, day 1-31, hour
  0-24, minute 0-59, second 0-60, and at hour 24 minute and second 0. Out-of-month days and second 60 roll over
  (31 February is 3 March, 24:00:00 the next midnight); an offset of a day or more is refused (`Time#localtime`).
- Without a zone the time is server-local: UTC on both services' servers.

Checked value by value against Ruby's own Time.iso8601 (tests/test_sandbox_ruby.py lists them).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote_plus

DATETIME_RE = re.compile(
    r"\A\s*(-?\d+)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d(?::?\d\d)?)?\s*\Z", re.IGNORECASE | re.ASCII
)
OFFSET_RE = re.compile(r"\A([+-])(\d\d)(:?)(\d\d)\Z")
UTC_ZONES = ("Z", "-00:00", "-0000", "-00")  # zone_utc?: these never reach Time#localtime
# Ruby's [[:space:]] (ActiveSupport's String#blank?): Unicode White_Space, which is not quite Python's isspace()
BLANK_RE = re.compile("\\A[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*\\Z")
BAD_PERCENT_RE = re.compile(r"%(?![0-9a-fA-F]{2})")
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)
LEAP_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
COMMON_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def blank(text: str) -> bool:
    """ActiveSupport's String#blank?."""
    return bool(BLANK_RE.match(text))


def decode_www_form_component(text: str) -> str | None:
    """URI.decode_www_form_component: `+` to a space and `%XX` decoded; None where Ruby raises on a stray `%`."""
    if BAD_PERCENT_RE.search(text):
        return None
    return unquote_plus(text)  # undecodable bytes fail Time.iso8601 in both (Ruby: invalid byte sequence)


def zone_offset(zone: str) -> int:
    """Time.zone_offset for the zones the pattern lets through, in seconds east of UTC."""
    if zone.upper() == "Z":
        return 0
    match = OFFSET_RE.match(zone)
    if match:
        sign, hours, _, minutes = match.groups()
        return (-1 if sign == "-" else 1) * (int(hours) * 60 + int(minutes)) * 60
    return int(zone) * 3600  # `±hh`: String#to_i


def month_days(year: int, month: int) -> int | None:
    """Time.month_days: Ruby indexes the table with month - 1, so month 0 reads December and 13 reads nil."""
    table = LEAP_MONTH_DAYS if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else COMMON_MONTH_DAYS
    index = month - 1
    return table[index] if -len(table) <= index < len(table) else None


def apply_offset(fields: list[int], offset: int) -> list[int]:
    """Time.apply_offset: year, month, day, hour, minute, second moved to UTC one unit at a time, as Ruby does it
    (a day past the month's end becomes the 1st of the next, whatever it was)."""
    year, mon, day, hour, minute, sec = fields
    step = 1 if offset < 0 else -1  # a west offset moves the fields forward
    off = abs(offset)
    off, rest = divmod(off, 60)
    if rest:
        carry, sec = divmod(sec + step * rest, 60)
        off += step * carry
    off, rest = divmod(off, 60)
    if rest:
        carry, minute = divmod(minute + step * rest, 60)
        off += step * carry
    off, rest = divmod(off, 24)
    if rest:
        carry, hour = divmod(hour + step * rest, 24)
        off += step * carry
    if off:
        if step == 1:
            day += off
            days = month_days(year, mon)
            if days is not None and days < day:
                mon, day = mon + 1, 1
                if mon > 12:
                    mon, year = 1, year + 1
        else:
            day -= off
            if day < 1:
                mon -= 1
                if mon < 1:
                    year, mon = year - 1, 12
                day = month_days(year, mon) or 0
    return [year, mon, day, hour, minute, sec]


def time_utc(fields: list[int], micros: int) -> datetime | None:
    """Time.utc's range checks and roll-over; None where it raises. Years Python cannot hold are before or after
    every record (Ruby holds any year)."""
    year, mon, day, hour, minute, sec = fields
    if not (1 <= mon <= 12 and 1 <= day <= 31 and 0 <= hour <= 24):
        return None
    if not (0 <= minute <= (0 if hour == 24 else 59) and 0 <= sec <= (0 if hour == 24 else 60)):
        return None
    if year < 1:
        return EARLIEST
    if year > 9999:
        return LATEST
    try:
        start = datetime(year, mon, 1, tzinfo=UTC)
        return start + timedelta(days=day - 1, hours=hour, minutes=minute, seconds=sec, microseconds=micros)
    except OverflowError:
        return LATEST


def iso8601(text: str) -> datetime | None:
    """Ruby's Time.iso8601 on a UTC server (the instant, truncated to microseconds as Postgres compares it), or
    None where it raises ArgumentError."""
    match = DATETIME_RE.match(text)
    if match is None:
        return None
    *numbers, fraction, zone = match.groups()
    fields = [int(n) for n in numbers]
    micros = int(fraction[1:7].ljust(6, "0")) if fraction else 0
    if zone:
        offset = zone_offset(zone)
        if zone.upper() not in UTC_ZONES and abs(offset) >= 86400:
            return None  # Time#localtime(offset): utc_offset out of range
        fields = apply_offset(fields, offset)
    return time_utc(fields, micros)


# ActionController::HttpAuthentication::Token (Rails 7.1 to 8.1, RECT's and ECF1's): Ruby's `^` starts any line
TOKEN_SCHEME_RE = re.compile(r"^(Token|Bearer)\s+", re.MULTILINE | re.ASCII)
FIELD_RE = re.compile(r"=(.+)?")
PAIR_DELIMITERS_RE = re.compile(r"[,;\t]")
WRAPPING_QUOTE_RE = re.compile(r'^"|"$', re.MULTILINE)
RUBY_STRIP = " \t\n\v\f\r\x00"


def http_token(authorization: str) -> str | None:
    """The token Rails' `authenticate_with_http_token` hands to the lookup, or None where it never looks one up.

    The scheme is `Token` or `Bearer`, case-sensitive, then at least one space or tab. What follows is split at
    `,`, `;` and tabs into stripped, non-empty parts; the first part counts (as `token=<value>` or a bare value),
    with one wrapping `"` taken off each end. So `Bearer abc`, `Token abc`, `Bearer token="abc"` and
    `Bearer abc, nonce=1` all carry `abc`; `bearer abc`, `Bearerabc` and `Bearer ` carry nothing."""
    if not TOKEN_SCHEME_RE.search(authorization):
        return None
    rest = TOKEN_SCHEME_RE.sub("", authorization, count=1)
    parts = [p.strip(RUBY_STRIP) for p in PAIR_DELIMITERS_RE.split(rest)]
    parts = [p for p in parts if p]
    first = parts[0] if parts else ""
    if not first.startswith("token="):
        first = "token=" + first
    # Ruby's first.split(/=(.+)?/)[1]: what the group caught after the first `=` (`.` stops at a line end), else
    # the next field, as Ruby leaves out a group that caught nothing
    found = FIELD_RE.search(first)
    assert found is not None
    value = found.group(1)
    if value is None:
        after = FIELD_RE.search(first, found.end())
        value = first[found.end() : after.start() if after else len(first)]
    token = WRAPPING_QUOTE_RE.sub("", value)
    return None if blank(token) else token
