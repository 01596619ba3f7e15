"""A warehouse of synthetic rows at scale, written directly in DuckDB SQL, for timing the finance views.

`build(path, declarations=1_000_000)` fills a fresh warehouse (schema from the migrations, views and ref tables
from `views.refresh`) in a few seconds, without the sandbox or the API:

- statements: 12 output statements per cohort 2021-2026 (Nov of the cohort year to Aug three years later),
  deadlines the last day of the month before, paid when the payment date is before 2026-07-01;
- participants: one per four declarations, three in four ECTs, with one enrolment each (schedule, cohort,
  training status; a few withdrawn or deferred), and 1% merged into another participant (participant_id_changes,
  participant_id_map, and their declarations still carrying the retired id);
- declarations: started, retained-1, retained-2, retained-3 per participant, on the statements of its cohort
  in order; states drawn by a hash of the id: mostly paid, some eligible, payable, submitted, voided,
  awaiting-clawback and clawed-back (with a clawback statement), and 0.1% left the provider's scope;
- declaration_state_history: the path each declaration took to its state (about 2.7 rows per declaration).

Values are derived from hash(i), so the same size always gives the same warehouse. `raw` holds '{}': the views
never read it. `python bench/bulk_warehouse.py --declarations 1000000 --path bulk.duckdb` builds it and prints
how long each view takes to answer (`make bench` runs the same through bench/run.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syncer import contracts, views
from syncer.warehouse import Warehouse

SOURCE = "bench"
STATES = (  # (state, share in thousandths, path of states it took)
    ("paid", 700, ["eligible", "payable", "paid"]),
    ("eligible", 100, ["eligible"]),
    ("payable", 50, ["eligible", "payable"]),
    ("submitted", 30, ["submitted"]),
    ("voided", 70, ["eligible", "voided"]),
    ("awaiting-clawback", 20, ["eligible", "payable", "paid", "awaiting-clawback"]),
    ("clawed-back", 30, ["eligible", "payable", "paid", "awaiting-clawback", "clawed-back"]),
)

# {raw} is the raw payload columns: `'{}' AS raw` plus its md5 where the schema has a raw_md5 column
STATEMENTS = """
INSERT INTO statements BY NAME
SELECT
    $source AS source, md5('statement' || cohort || '-' || k) AS id, monthname(make_date(y, m, 1)) AS month,
    y::VARCHAR AS year, cohort::VARCHAR AS cohort, make_date(y, m, 1) - INTERVAL 1 DAY AS cut_off_date,
    make_date(y, m, 25) AS payment_date, make_date(y, m, 25) < DATE '2026-07-01' AS paid,
    make_timestamptz(cohort, 6, 1, 9, 0, 0) AS created_at, make_timestamptz(cohort, 6, 1, 9, 0, 0) AS updated_at,
    {raw}, now() AS first_seen_at, now() AS last_seen_at
FROM (
    SELECT cohort, k, cohort + (k + 1) // 4 AS y, [11, 1, 4, 8][(k + 1) % 4 + 1] AS m
    FROM range(2021, 2027) AS c(cohort), range(0, 12) AS s(k)
)
"""

PARTICIPANTS = """
CREATE OR REPLACE TEMP TABLE bulk_people AS
SELECT
    p,
    md5('participant' || p) AS id,
    CASE WHEN hash(p, 'merged') % 100 = 0 THEN md5('participant' || ((p + 1) % $participants)) END AS merged_into,
    CASE WHEN hash(p, 'role') % 4 = 0 THEN 'mentor' ELSE 'ect' END AS participant_type,
    CAST(2021 + hash(p, 'cohort') % 5 AS INTEGER) AS cohort,
    CASE hash(p, 'status') % 50 WHEN 0 THEN 'withdrawn' WHEN 1 THEN 'deferred' ELSE 'active' END AS training_status
FROM range(0, $participants) AS r(p)
"""

PARTICIPANT_ROWS = """
INSERT INTO participants BY NAME
SELECT
    $source AS source, id, 'Bulk Participant' AS full_name,
    lpad((p % 10000000)::VARCHAR, 7, '0') AS teacher_reference_number,
    TIMESTAMPTZ '2026-06-01 09:00:00+00' AS updated_at, coalesce(merged_into, id) AS canonical_participant_id,
    merged_into AS merged_into_id, {raw}, now() AS first_seen_at, now() AS last_seen_at
FROM bulk_people
"""

ENROLMENTS = """
INSERT INTO participant_enrolments BY NAME
SELECT
    $source AS source, md5('enrolment' || p) AS training_record_id, id AS participant_id,
    id AS canonical_participant_id, participant_type, cohort::VARCHAR AS cohort, training_status,
    'active' AS participant_status, true AS eligible_for_funding,
    CASE WHEN hash(p, 'schedule') % 10 = 0 THEN 'ecf-extended-september' ELSE 'ecf-standard-september' END
        AS schedule_identifier,
    CASE WHEN training_status = 'withdrawn' THEN 'moved-school' END AS withdrawal_reason,
    CASE WHEN training_status = 'withdrawn' THEN make_timestamptz(cohort + 2, 3, 1, 12, 0, 0) END AS withdrawal_date,
    CASE WHEN training_status = 'deferred' THEN 'parental-leave' END AS deferral_reason,
    CASE WHEN training_status = 'deferred' THEN make_timestamptz(cohort + 2, 3, 1, 12, 0, 0) END AS deferral_date,
    make_timestamptz(cohort, 8, 1, 9, 0, 0) AS created_at, {raw}, now() AS first_seen_at, now() AS last_seen_at
FROM bulk_people
WHERE merged_into IS NULL
"""

ID_CHANGES = """
INSERT INTO participant_id_changes BY NAME
SELECT
    $source AS source, merged_into AS participant_id, id AS from_participant_id, merged_into AS to_participant_id,
    TIMESTAMPTZ '2026-05-01 09:00:00+00' AS changed_at, now() AS first_seen_at, now() AS last_seen_at
FROM bulk_people WHERE merged_into IS NOT NULL
"""

ID_MAP = """
INSERT INTO participant_id_map BY NAME
SELECT $source AS source, id AS participant_id, merged_into AS canonical_participant_id
FROM bulk_people WHERE merged_into IS NOT NULL
"""

DECLARATIONS = """
CREATE OR REPLACE TEMP TABLE bulk_declarations AS
WITH drawn AS (
    SELECT
        i, i // 4 AS p, CAST(i % 4 AS INTEGER) AS k, CAST(hash(i, 'state') % 1000 AS INTEGER) AS roll,
        ['started', 'retained-1', 'retained-2', 'retained-3'][i % 4 + 1] AS declaration_type
    FROM range(0, $declarations) AS r(i)
)
SELECT
    d.i, md5('declaration' || d.i) AS id, people.id AS participant_id,
    coalesce(people.merged_into, people.id) AS canonical_participant_id, d.declaration_type,
    make_timestamptz(people.cohort + (d.k * 4 + 9) // 12, (d.k * 4 + 8) % 12 + 1, 10, 12, 0, 0) AS declaration_date,
    CASE people.participant_type WHEN 'ect' THEN 'ecf-induction' ELSE 'ecf-mentor' END AS course_identifier,
    states.state,
    md5('statement' || people.cohort || '-' || (d.k * 2)) AS statement_id,
    CASE WHEN states.state IN ('awaiting-clawback', 'clawed-back')
        THEN md5('statement' || people.cohort || '-' || (d.k * 2 + 3)) END AS clawback_statement_id,
    hash(d.i, 'removed') % 1000 = 0 AS is_removed
FROM drawn AS d
JOIN bulk_people AS people ON people.p = d.p
JOIN bulk_rolls AS states ON states.roll = d.roll
"""

DECLARATION_ROWS = """
INSERT INTO participant_declarations BY NAME
SELECT
    $source AS source, id, participant_id, canonical_participant_id, declaration_type, declaration_date,
    course_identifier, state, declaration_date + INTERVAL 30 DAY AS updated_at,
    declaration_date + INTERVAL 1 DAY AS created_at, md5('partner') AS delivery_partner_id,
    CASE WHEN state IN ('submitted', 'voided') THEN NULL ELSE statement_id END AS statement_id,
    clawback_statement_id, false AS uplift_paid, 'training-event-attended' AS evidence_held,
    'Bulk Provider' AS lead_provider_name, {raw}, now() AS first_seen_at, now() AS last_seen_at,
    CASE WHEN is_removed THEN now() END AS removed_at
FROM bulk_declarations
"""

HISTORY = """
INSERT INTO declaration_state_history BY NAME
SELECT
    $source AS source, d.id AS declaration_id,
    CASE WHEN step.n = 1 THEN NULL ELSE states.path[step.n - 1] END AS old_state, states.path[step.n] AS new_state,
    d.statement_id AS new_statement_id, d.clawback_statement_id AS new_clawback_statement_id,
    d.declaration_date + to_days(CAST(step.n * 20 AS INTEGER)) AS api_updated_at, now() AS observed_at
FROM bulk_declarations AS d
JOIN bulk_states AS states ON states.state = d.state
CROSS JOIN LATERAL (SELECT unnest(range(1, len(states.path) + 1)) AS n) AS step
"""


# each row's key_hash, as syncer/store.py writes it (the incremental finance layer finds changed rows by it)
KEY_HASHES = """
UPDATE statements SET key_hash = md5_number(concat_ws(chr(31), source, id));
UPDATE participants SET key_hash = md5_number(concat_ws(chr(31), source, id));
UPDATE participant_enrolments SET key_hash = md5_number(concat_ws(chr(31), source, training_record_id));
UPDATE participant_declarations SET key_hash = md5_number(concat_ws(chr(31), source, id));
"""


def raw_columns(con: duckdb.DuckDBPyConnection) -> str:
    has_md5 = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'statements' AND column_name = 'raw_md5'"
    ).fetchone()
    return "'{}' AS raw" + (", md5_number('{}') AS raw_md5" if has_md5 and has_md5[0] else "")


def build(path: Path, declarations: int = 1_000_000) -> dict[str, float]:
    """Fills a fresh warehouse at `path`; answers seconds per step."""
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    with Warehouse(path):
        pass  # migrations
    timings: dict[str, float] = {}
    con = duckdb.connect(str(path))
    try:
        params = {"source": SOURCE, "participants": max(1, declarations // 4), "declarations": declarations}
        low = 0
        bands = []
        for state, share, path_taken in STATES:
            bands.append((state, low, low + share, path_taken))
            low += share
        con.execute("CREATE OR REPLACE TEMP TABLE bulk_states (state VARCHAR, low INT, high INT, path VARCHAR[])")
        con.executemany("INSERT INTO bulk_states VALUES (?, ?, ?, ?)", bands)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE bulk_rolls AS SELECT CAST(r.range AS INTEGER) AS roll, s.state "
            "FROM range(0, 1000) AS r, bulk_states AS s WHERE r.range >= s.low AND r.range < s.high"
        )
        raw = raw_columns(con)
        steps = [
            ("statements", STATEMENTS),
            ("participants", PARTICIPANTS),
            ("participants", PARTICIPANT_ROWS),
            ("enrolments", ENROLMENTS),
            ("id changes", ID_CHANGES),
            ("id changes", ID_MAP),
            ("declarations", DECLARATIONS),
            ("declarations", DECLARATION_ROWS),
            ("history", HISTORY),
            ("key hashes", KEY_HASHES),
        ]
        for name, sql in steps:
            started = time.perf_counter()
            wanted = {k: v for k, v in params.items() if f"${k}" in sql}
            con.execute(sql.replace("{raw}", raw), wanted)
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - started
    finally:
        con.close()
    started = time.perf_counter()
    with Warehouse(path) as warehouse:  # the finance layer as a sync builds it: within its memory limit
        views.refresh(warehouse, contracts=bench_contracts(path.parent))
        warehouse.con.execute("CHECKPOINT")
    timings["views"] = time.perf_counter() - started
    return timings


def bench_contracts(folder: Path) -> contracts.Contracts:
    """contracts.example.toml's terms for every cohort, for the bench's source."""
    example = (Path(__file__).resolve().parents[1] / "contracts.example.toml").read_text()
    path = folder / "bench-contracts.toml"
    path.write_text(example.replace('source = "ambition"', f'source = "{SOURCE}"'))
    return contracts.load(path, {SOURCE})


# per view: a question a finance team asks of it ($statement is the busiest statement, $participant a
# participant with a clawback), besides computing the whole view
QUESTIONS = {
    "declarations_current": "SELECT * FROM declarations_current WHERE statement_id = $statement",
    "statement_reconciliation": "SELECT * FROM statement_reconciliation ORDER BY payment_date",
    "clawback_ledger": "SELECT * FROM clawback_ledger WHERE NOT is_settled",
    "declaration_anomalies": "SELECT anomaly_code, severity, count(*) FROM declaration_anomalies GROUP BY ALL",
    "participant_timeline": "SELECT * FROM participant_timeline WHERE canonical_participant_id = $participant "
    "ORDER BY training_record_id, event_sequence",
    "statement_payment": "SELECT * FROM statement_payment WHERE statement_id = $statement",
    "statement_band_allocation": "SELECT * FROM statement_band_allocation WHERE statement_id = $statement",
}


def best_of(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, str] | None = None, runs: int = 3) -> float:
    """Milliseconds to compute the whole result inside DuckDB (EXPLAIN ANALYZE runs it and discards the rows, so
    no conversion to Python is counted), best of `runs`."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        con.execute(f"EXPLAIN ANALYZE {sql}", params).fetchall()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def time_views(path: Path) -> list[tuple[str, int, float, float | None]]:
    """(view, rows, ms to compute all of it, ms for its finance question) for every view of the warehouse."""
    timings = []
    with duckdb.connect(str(path), read_only=True) as con:
        params = {
            "statement": str(con.execute(
                "SELECT statement_id FROM statement_reconciliation ORDER BY count_declarations DESC LIMIT 1"
            ).fetchone()[0]),  # type: ignore[index]
            "participant": str(con.execute(
                "SELECT canonical_participant_id FROM clawback_ledger LIMIT 1"
            ).fetchone()[0]),  # type: ignore[index]
        }  # fmt: skip
        for name in map(views.view_name, views.view_files()):
            row = con.execute(f"SELECT count(*) FROM {name}").fetchone()
            whole = best_of(con, f"SELECT * FROM {name}")
            question = QUESTIONS.get(name)
            asked = None
            if question:
                asked = best_of(con, question, {k: v for k, v in params.items() if f"${k}" in question})
            timings.append((name, row[0] if row else 0, whole, asked))
    return timings


def time_refresh(path: Path) -> tuple[float, float]:
    """Seconds a sync spends on the finance layer, on a connection set up as a sync's (Warehouse: its memory
    limit and settings): rebuilding the definitions (a new version) and only the materialised rows (a run that
    wrote data; one that did not costs nothing)."""
    with Warehouse(path) as warehouse:
        started = time.perf_counter()
        views.refresh(warehouse, force=True)
        full = time.perf_counter() - started
        started = time.perf_counter()
        views.refresh(warehouse, rows=True)
        return full, time.perf_counter() - started


# a day of changes as a sync writes them (one in `share` declarations moves on a state, a quarter as many are new),
# each changed row noted in finance_changes as syncer/store.py notes it
DAY = """
CREATE OR REPLACE TEMP TABLE bench_day AS
SELECT id, key_hash, state, statement_id, clawback_statement_id,
    CASE state WHEN 'eligible' THEN 'payable' WHEN 'payable' THEN 'paid' WHEN 'paid' THEN 'awaiting-clawback'
        WHEN 'submitted' THEN 'eligible' ELSE state END AS next_state
FROM participant_declarations
WHERE hash(id, 'day', $day) % $share = 0 AND removed_at IS NULL;
INSERT INTO declaration_state_history BY NAME
SELECT $source AS source, id AS declaration_id, state AS old_state, next_state AS new_state,
    statement_id AS old_statement_id, statement_id AS new_statement_id,
    clawback_statement_id AS old_clawback_statement_id, clawback_statement_id AS new_clawback_statement_id,
    now() AS api_updated_at, now() AS observed_at
FROM bench_day WHERE next_state <> state;
UPDATE participant_declarations AS d SET state = b.next_state, updated_at = now()
FROM bench_day AS b WHERE d.key_hash = b.key_hash;
INSERT INTO finance_changes SELECT 'participant_declarations', key_hash FROM bench_day;
CREATE OR REPLACE TEMP TABLE bench_new AS
SELECT * REPLACE (md5(id || 'day' || $day) AS id, 'retained-4' AS declaration_type, 'submitted' AS state,
    NULL AS statement_id, NULL AS clawback_statement_id, now() AS updated_at, now() AS created_at,
    md5_number(concat_ws(chr(31), source, md5(id || 'day' || $day))) AS key_hash)
FROM participant_declarations WHERE hash(id, 'new', $day) % ($share * 4) = 0 AND declaration_type = 'retained-3';
INSERT INTO participant_declarations SELECT * FROM bench_new;
INSERT INTO finance_changes SELECT 'participant_declarations', key_hash FROM bench_new;
"""


def time_incremental(path: Path, share: int = 100) -> tuple[int, float, float]:
    """(changed rows, seconds for the incremental refresh after a day of them, seconds for a full rebuild of the
    same rows), on a connection set up as a sync's."""
    with Warehouse(path) as warehouse:
        with warehouse.transaction() as con:
            params = {"source": SOURCE, "share": share, "day": 1}
            for statement in filter(str.strip, DAY.split(";")):
                con.execute(statement, {k: v for k, v in params.items() if f"${k}" in statement})
        started = time.perf_counter()
        refreshed = views.refresh(warehouse)
        incremental = time.perf_counter() - started
    # a rebuild opens its own connection, as `syncer views --rebuild` does; one on the same connection fits as well
    # (it once ran out of memory there: DuckDB held the rows the refresh wrote until a checkpoint, which every
    # refresh now starts with)
    with Warehouse(path) as warehouse:
        started = time.perf_counter()
        views.refresh(warehouse, rows=True)
        return refreshed.changes, incremental, time.perf_counter() - started


def report(declarations: int, path: Path) -> None:
    """Builds the warehouse and prints how fast every view answers; the `make bench` section."""
    started = time.perf_counter()
    build(path, declarations)
    print(f"bulk warehouse: {declarations:,} declarations built in {time.perf_counter() - started:.1f} s ({path})")
    full, rows_only = time_refresh(path)
    print(f"finance layer rebuilt in full: {rows_only:.1f} s ({full:.1f} s when its definitions change)")
    changes, changed_only, rebuilt = time_incremental(path)
    print(
        f"finance layer after a day of {changes:,} changed declarations: {changed_only:.1f} s incremental "
        f"({rebuilt:.1f} s to rebuild the same in full)"
    )
    print(f"{'view':<26}{'rows':>11}{'all rows ms':>13}{'question ms':>13}  question")
    for name, rows, whole, asked in time_views(path):
        question = " ".join(QUESTIONS.get(name, "-").split())
        answered = f"{asked:>13.0f}" if asked is not None else f"{'-':>13}"
        print(f"{name:<26}{rows:>11,}{whole:>13.0f}{answered}  {question[:70]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--declarations", type=int, default=1_000_000)
    parser.add_argument("--path", type=Path, default=Path("bulk.duckdb"))
    parser.add_argument("--no-timings", action="store_true", help="only build the warehouse")
    args = parser.parse_args()
    if args.no_timings:
        timings = build(args.path, args.declarations)
        print(", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    else:
        report(args.declarations, args.path)


if __name__ == "__main__":
    main()
