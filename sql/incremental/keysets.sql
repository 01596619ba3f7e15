-- The keys an incremental refresh of the finance layer rebuilds (syncer/incremental.py), from the rows
-- finance_changes names and the cache rows as they stand before the refresh (which hold each row's old
-- participant and statements). Each refresh_<keyset> table is one key set a model's `-- refreshed by:` line
-- can name; ids are matched whatever the source (a superset is still exact: those keys are rebuilt in full).
-- A key set is a union of semi joins on one id column rather than one scan filtered by an OR of IN lists: a
-- semi join's keys reach the scan of its big table, which then reads only the rows that match.

CREATE OR REPLACE TEMP TABLE changed_declarations AS
SELECT d.source, d.id, d.canonical_participant_id, d.statement_id, d.clawback_statement_id
FROM participant_declarations AS d
SEMI JOIN finance_changes AS c ON c.table_name = 'participant_declarations' AND c.key_hash = d.key_hash;

-- the cached rows of the changed declarations, as they were: read by two key sets below, scanned once
CREATE OR REPLACE TEMP TABLE changed_cached AS
SELECT c.canonical_participant_id, c.statement_id, c.clawback_statement_id
FROM cache_int_declarations AS c
SEMI JOIN changed_declarations AS d ON d.id = c.declaration_id;

CREATE OR REPLACE TEMP TABLE changed_enrolments AS
SELECT e.source, e.training_record_id, e.canonical_participant_id
FROM participant_enrolments AS e
SEMI JOIN finance_changes AS c ON c.table_name = 'participant_enrolments' AND c.key_hash = e.key_hash;

-- participants: every participant a changed declaration, enrolment or participant row belonged to before the
-- change (the caches' canonical_participant_id) or belongs to after it. The rows of stg_enrolments,
-- int_declarations (its enrolment, duplicates, participant and clawback dates) and participant_timeline depend
-- on nothing else of theirs but the rows of their participant.
CREATE OR REPLACE TEMP TABLE refresh_participants AS
SELECT canonical_participant_id AS id FROM changed_declarations
UNION
SELECT canonical_participant_id FROM changed_cached
UNION
SELECT canonical_participant_id FROM changed_enrolments
UNION
SELECT c.canonical_participant_id
FROM cache_stg_enrolments AS c
SEMI JOIN changed_enrolments AS e ON e.training_record_id = c.training_record_id
UNION
SELECT p.id
FROM participants AS p
SEMI JOIN finance_changes AS c ON c.table_name = 'participants' AND c.key_hash = p.key_hash;

-- statements: the statements whose own row changed (dates, paid, removed): what a declaration copies from them
CREATE OR REPLACE TEMP TABLE refresh_statements AS
SELECT s.id
FROM statements AS s
SEMI JOIN finance_changes AS c ON c.table_name = 'statements' AND c.key_hash = s.key_hash;

-- counted_statements: the statements whose counts can change: those that changed, and every statement a
-- declaration being rebuilt (int_declarations' refreshed by) counts on before or after (statement_id, clawback_statement_id, and for a voided
-- one any statement its history saw it on, which includes the one statement_declaration_counts attributes it to)
CREATE OR REPLACE TEMP TABLE refresh_counted_statements AS
WITH rebuilt_before AS (
    SELECT c.statement_id, c.clawback_statement_id
    FROM cache_int_declarations AS c
    SEMI JOIN refresh_participants AS p ON p.id = c.canonical_participant_id
    UNION ALL
    SELECT statement_id, clawback_statement_id FROM changed_cached
    UNION ALL
    SELECT statement_id, clawback_statement_id
    FROM cache_int_declarations
    WHERE statement_id IN (SELECT id FROM refresh_statements)
        OR clawback_statement_id IN (SELECT id FROM refresh_statements)
),

rebuilt_after AS (
    SELECT d.statement_id, d.clawback_statement_id
    FROM participant_declarations AS d
    SEMI JOIN refresh_participants AS p ON p.id = d.canonical_participant_id
    UNION ALL
    SELECT statement_id, clawback_statement_id FROM changed_declarations
    UNION ALL
    SELECT statement_id, clawback_statement_id
    FROM participant_declarations
    WHERE statement_id IN (SELECT id FROM refresh_statements)
        OR clawback_statement_id IN (SELECT id FROM refresh_statements)
)

SELECT id FROM refresh_statements
UNION SELECT statement_id FROM rebuilt_before
UNION SELECT clawback_statement_id FROM rebuilt_before
UNION SELECT statement_id FROM rebuilt_after
UNION SELECT clawback_statement_id FROM rebuilt_after
UNION
SELECT coalesce(h.new_statement_id, h.old_statement_id)
FROM declaration_state_history AS h
SEMI JOIN changed_declarations AS d ON d.id = h.declaration_id;

-- the lead provider each source synced as when the caches were last refreshed (int_own_provider's cache, not yet
-- rebuilt): every cached is_own_declaration agrees with it, so after the refresh the caches agree with the new
-- one if it is the same (syncer/incremental.py)
CREATE OR REPLACE TEMP TABLE own_provider_before AS
SELECT source, lead_provider_name FROM cache_int_own_provider;
