"""The finance layer's materialised rows refreshed incrementally: only the rows the changes since the last refresh
reach, so a sync's cost here follows the size of what it changed, not of the warehouse.

What changed comes from `finance_changes` (sql/schema/010_finance_changes.sql), which syncer/store.py and
syncer/remap.py append to in the transaction of each write: the key_hash of every row of an API table that was
inserted, updated, marked removed or re-pointed by a participant merge. From those rows and the caches as they
stand (which still hold each row's old participant and statements), sql/incremental/keysets.sql works out the
key sets a refresh rebuilds:

- `participants`: the canonical participants a changed declaration, enrolment or participant row belonged to
  before the change or belongs to after it (a merge reaches both the old and the new participant);
- `statements`: the statements whose own row changed;
- `counted_statements`: those, and every statement a rebuilt declaration counts on before or after (its
  statement, its clawback statement, and for a voided one the statements its history saw it on).

Each `-- materialized: table` model says in its header which of its columns select its rows by which key set:

    -- refreshed by: canonical_participant_id in participants, statement_id in statements

and a refresh deletes the cache rows whose columns fall in those sets, then inserts the model's rows that do
(its SELECT, filtered), model by model in file order, in the caller's transaction. DuckDB does not carry that
filter below a model's groups, so a model that groups a big view may add

    -- refreshed from: int_declarations, stg_declarations

naming what its SELECT reads, each then read as a CTE of that name holding only the rows a refresh needs: of an
earlier model with a `refreshed by` line, the rows its own line selects; of any other view or table, the rows
whose columns of the model's own `refreshed by` line fall in the same key sets (so it must have those columns,
and the model's rows must read no other of its rows). That is exact when every row
whose inputs changed has such a column in a set, before and after: each model's header comment is the
argument, and tests/test_incremental_finance.py compares the result with a full rebuild after random changes. A
model without a `refreshed by` line is rebuilt whole (stg_code_spellings: a hundred rows of reference data;
int_own_provider: a row per source).
Band allocation and the money are plain views over statement_declaration_counts, so they follow its rows.

One input is not a key's: the lead provider a source syncs as (int_own_provider) is a mode over all its
declarations. Every cached is_own_declaration agrees with it as the last refresh left it (keysets.sql keeps that
aside); if this refresh changes it (the provider's own name changed), every cache is rebuilt in full instead, as
it also is when the changes reach more than FULL_REBUILD_SHARE of the declarations (a full sync), where one build
costs less than many filtered ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import structlog

from syncer import sqlfiles
from syncer.errors import StoreError

log = structlog.get_logger(__name__)

REFRESHED_BY = re.compile(r"^-- refreshed by: (.+?)\s*$", re.MULTILINE)
LEADING_COMMENTS = re.compile(r"\A(?:\s*--[^\n]*\n)*\s*")
REFRESHED_FROM = re.compile(r"^-- refreshed from: (\w+(?:, \w+)*)\s*$", re.MULTILINE)
KEY_SETS = ("participants", "statements", "counted_statements")
# above this share of the declarations, a filtered refresh of every model costs more than building them again
FULL_REBUILD_SHARE = 0.25
# a key set longer than this is never inlined as constants (membership); measured at 100k participants after a
# one-day tick: 20 statement ids as constants made statement_declaration_counts' refresh twice as fast as a semi
# join, 35 as fast; 5,630 participant ids made int_declarations' 25% slower and stg_enrolments' twice as slow
CONSTANTS_UP_TO = 32
# sources whose own lead provider the refresh changed (or that gained or lost one): own_provider_before holds it as
# the caches were built with it; EXCEPT matches nulls, as a change from or to none is one too
OWN_PROVIDER_CHANGED = (
    "SELECT count(*) FROM ((SELECT source, lead_provider_name FROM own_provider_before "
    "EXCEPT SELECT source, lead_provider_name FROM cache_int_own_provider) UNION ALL "
    "(SELECT source, lead_provider_name FROM cache_int_own_provider "
    "EXCEPT SELECT source, lead_provider_name FROM own_provider_before))"
)


@dataclass(frozen=True)
class Selector:
    """One `<column> in <key set>` of a model's `refreshed by` line."""

    column: str
    key_set: str


@dataclass(frozen=True)
class Target:
    """A `-- materialized: table` model as a refresh sees it."""

    file_name: str
    name: str
    cache: str
    select: str
    refreshed_by: tuple[Selector, ...] | None  # None: rebuilt whole
    refreshed_from: tuple[str, ...] = ()  # what the selected rows read, restricted to its selected rows


def selectors(header: str, file_name: str) -> tuple[Selector, ...] | None:
    """The model's `refreshed by` selectors, or None when it has no such line (it is rebuilt whole)."""
    found = REFRESHED_BY.search(header)
    if found is None:
        return None
    chosen = []
    for part in found.group(1).split(","):
        words = part.split()
        if len(words) != 3 or words[1] != "in" or words[2] not in KEY_SETS:
            raise ValueError(
                f"sql/views/{file_name}: '-- refreshed by:' takes '<column> in <key set>, ...' with a key set of "
                f"{', '.join(KEY_SETS)}; not {part.strip()!r}"
            )
        chosen.append(Selector(words[0], words[2]))
    return tuple(chosen)


def read_header(text: str, file_name: str, table: bool) -> tuple[tuple[Selector, ...] | None, tuple[str, ...]]:
    """A model's `refreshed by` selectors (None: it has none) and the models it is `refreshed from`."""
    try:
        chosen = selectors(text, file_name)
    except ValueError as exc:
        raise StoreError(str(exc)) from exc
    if chosen is not None and not table:
        raise StoreError(f"sql/views/{file_name}: only a '-- materialized: table' model is refreshed by keys")
    found = REFRESHED_FROM.search(text)
    if found is not None and chosen is None:
        raise StoreError(f"sql/views/{file_name}: '-- refreshed from:' needs a '-- refreshed by:' line")
    return chosen, tuple(found.group(1).split(", ")) if found else ()


def pending(con: duckdb.DuckDBPyConnection) -> int:
    """How many changed rows are waiting for the finance layer."""
    row = con.execute("SELECT count(*) FROM finance_changes").fetchone()
    return row[0] if row else 0


def forget_changes(con: duckdb.DuckDBPyConnection) -> None:
    """After a refresh that rebuilt every cache: nothing is pending any more."""
    con.execute("DELETE FROM finance_changes")


def find_key_sets(con: duckdb.DuckDBPyConnection) -> None:
    """Fills the temp tables refresh_<key set> for the pending changes (sql/incremental/keysets.sql)."""
    con.execute(sqlfiles.read("incremental/keysets.sql"))


def too_many(con: duckdb.DuckDBPyConnection) -> bool:
    """Do the pending changes reach more than FULL_REBUILD_SHARE of the declarations?"""
    row = con.execute(
        "SELECT count(*) FILTER (WHERE canonical_participant_id IN (SELECT id FROM refresh_participants) "
        "OR statement_id IN (SELECT id FROM refresh_statements) "
        "OR clawback_statement_id IN (SELECT id FROM refresh_statements)), count(*) FROM participant_declarations"
    ).fetchone()
    return bool(row and row[0] > FULL_REBUILD_SHARE * row[1])


def key_sets(con: duckdb.DuckDBPyConnection) -> dict[str, list[str | None]]:
    """{key set: its keys}, read from the tables find_key_sets filled."""
    return {name: [row[0] for row in con.execute(f"SELECT id FROM refresh_{name}").fetchall()] for name in KEY_SETS}


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def membership(column: str, key_set: str, keys: list[str | None], constants: bool) -> str | None:
    """SQL true for a row whose `column` is one of the keys of `key_set` (None: no keys, never). `constants`: as
    a list of them, which DuckDB pushes through a model's windows, groups and joins down to the scans of its
    tables, if there are no more than CONSTANTS_UP_TO; else as a semi join against refresh_<key set>, which
    costs less where the rows are few already, or the keys many (a list of constants is planned key by key, and
    copied into every branch it is pushed into)."""
    values = [k for k in keys if k is not None]
    terms = []
    if values:
        inline = constants and len(values) <= CONSTANTS_UP_TO
        listed = ", ".join(map(quote, values)) if inline else f"SELECT id FROM refresh_{key_set}"
        terms.append(f"{column} IN ({listed})")
    if len(values) < len(keys):
        terms.append(f"{column} IS NULL")
    return " OR ".join(terms) if terms else None


def predicate(chosen: tuple[Selector, ...], keys: dict[str, list[str | None]], constants: bool = False) -> str | None:
    found = (membership(s.column, s.key_set, keys[s.key_set], constants) for s in chosen)
    terms = [t for t in found if t is not None]
    return " OR ".join(f"({t})" for t in terms) if terms else None


def own_provider_agrees(con: duckdb.DuckDBPyConnection) -> bool:
    """Is each source's own lead provider what it was when the caches were last refreshed? Every cached row
    agreed with it then (each refresh leaves the caches as a full rebuild would), and every row refreshed now
    agrees with the new one, so then they all agree; this compares a row per source, not every declaration."""
    row = con.execute(OWN_PROVIDER_CHANGED).fetchone()
    return not (row and row[0])


def drop_key_sets(con: duckdb.DuckDBPyConnection) -> None:
    temporary = ("changed_declarations", "changed_cached", "changed_enrolments", "own_provider_before")
    for table in (*temporary, *(f"refresh_{name}" for name in KEY_SETS)):
        con.execute(f"DROP TABLE IF EXISTS temp.{table}")


def refresh_changed_rows(
    con: duckdb.DuckDBPyConnection,
    targets: list[Target],
    rebuild: Callable[[duckdb.DuckDBPyConnection], object],
) -> bool:
    """Rebuilds, model by model in file order, only the cache rows the pending changes reach; answers False where
    it called `rebuild` (every cache in full) instead: changes reaching most declarations, or a source's own lead
    provider changed. Either way no change is pending afterwards. Runs in the caller's transaction."""
    find_key_sets(con)
    done = not too_many(con) and refresh_targets(con, targets, key_sets(con))
    if not done:
        rebuild(con)
    drop_key_sets(con)
    forget_changes(con)
    return done


def restricted(select: str, models: dict[str, str]) -> str:
    """`select` reading only the rows of each model of `models` that its condition selects: CTEs of their names in
    front of the model's own shadow those views within this one statement. Materialised, so each is read once
    however many of the model's CTEs read it."""
    shadows = ", ".join(f"{m} AS MATERIALIZED (SELECT * FROM main.{m} WHERE {w})" for m, w in models.items())
    body = LEADING_COMMENTS.sub("", select)
    if body[:5].upper() == "WITH ":
        return f"WITH {shadows}, {body[5:]}"
    return f"WITH {shadows} {body}"


def refresh_targets(con: duckdb.DuckDBPyConnection, targets: list[Target], keys: dict[str, list[str | None]]) -> bool:
    """Each target's rows the key sets select; False if the cached rows then disagree with int_own_provider."""
    earlier: dict[str, Target] = {}
    for target in targets:
        try:
            refresh_target(con, target, earlier, keys)
        except duckdb.Error as exc:
            raise StoreError(f"cannot refresh the rows of sql/views/{target.file_name}: {exc}") from exc
        earlier[target.name] = target
    if not own_provider_agrees(con):
        log.info("a source's own lead provider changed: every cache is rebuilt")
        return False
    return True


def refresh_target(
    con: duckdb.DuckDBPyConnection, target: Target, earlier: dict[str, Target], keys: dict[str, list[str | None]]
) -> None:
    if target.refreshed_by is None:
        con.execute(f"DELETE FROM {target.cache}")
        con.execute(f"INSERT INTO {target.cache} {target.select}")
        return
    where = predicate(target.refreshed_by, keys)
    if where is None:
        return  # no key of its sets changed
    select, selected = target.select, where
    if target.refreshed_from:
        inputs = {}
        for name in target.refreshed_from:
            source = earlier.get(name)
            if source is None:  # a view or table of its own: read through the model's own selectors
                inputs[name] = predicate(target.refreshed_by, keys, constants=True) or "false"
            elif source.refreshed_by is None:
                raise StoreError(
                    f"sql/views/{target.file_name} is refreshed from {name}, an earlier model that has no "
                    "'-- refreshed by:' line (it is rebuilt whole)"
                )
            else:
                inputs[name] = predicate(source.refreshed_by, keys) or "false"
        select = restricted(select, inputs)
    else:
        selected = predicate(target.refreshed_by, keys, constants=True) or "false"  # reaches its tables' scans
    con.execute(f"DELETE FROM {target.cache} WHERE {where}")
    con.execute(f"INSERT INTO {target.cache} SELECT * FROM ({select}) WHERE {selected}")
