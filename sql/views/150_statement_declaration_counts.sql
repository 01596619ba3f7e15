-- statement_declaration_counts: how many declarations does each statement bill, refund and void, by participant
-- type and declaration type, as DfE's payment calculator counts them? One row per (statement, participant
-- type, declaration type) that anything counts on. A declaration is billable on the statement that pays it
-- (statement_id) while eligible, payable, paid, awaiting-clawback or clawed-back: a clawback does not take it
-- off the statement that paid it. It is refundable on its clawback statement (clawback_statement_id) while
-- awaiting-clawback or clawed-back. The API hides statement_id on a voided declaration, so a voided one counts
-- on the statement declaration_state_history last saw it on. Uplifts: on a paid statement the API's
-- uplift_paid; on one not yet paid, a forecast from the enrolment's flags on started ECT declarations.
-- Refreshed by statement: a statement's rows count the declarations on it, so they change only where a
-- declaration that counts on it (before or after) changed, or the statement itself did.
-- materialized: table
-- refreshed by: statement_id in counted_statements
WITH declarations AS NOT MATERIALIZED (
    -- read four times below, each reading scans the cache for only the columns and rows it uses: holding every
    -- declaration's whole row once for all four made the model twice as slow (100k participants, 556k rows)
    SELECT * FROM int_declarations WHERE removed_at IS NULL
),

voided_on AS (
    -- the last statement the sync saw each voided declaration on (the transition to voided keeps it as
    -- old_statement_id); only the voided ones without a statement are looked up, a few of all the history's rows
    SELECT
        h.source,
        h.declaration_id,
        arg_max(coalesce(h.new_statement_id, h.old_statement_id), h.observed_at) AS statement_id
    FROM declaration_state_history AS h
    SEMI JOIN declarations AS d
        ON d.source = h.source AND d.declaration_id = h.declaration_id AND d.state = 'voided' AND d.statement_id IS NULL
    WHERE coalesce(h.new_statement_id, h.old_statement_id) IS NOT NULL
    GROUP BY h.source, h.declaration_id
),

attached AS (
    -- one row per declaration and statement it counts on, saying how
    SELECT
        source,
        statement_id,
        participant_type,
        declaration_type,
        state IN ('eligible', 'payable', 'paid', 'awaiting-clawback', 'clawed-back') AS is_billable,
        false AS is_refundable,
        state = 'voided' AS is_voided,
        CASE
            WHEN statement_paid THEN coalesce(uplift_paid, false)
            ELSE participant_type = 'ect' AND declaration_type = 'started' AND enrolment_has_uplift
        END AS has_uplift,
        NOT statement_paid AS is_uplift_forecast,
        NOT (is_known_state AND is_known_declaration_type AND is_known_course_identifier) AS is_unknown
    FROM declarations
    WHERE statement_id IS NOT NULL
    UNION ALL
    SELECT
        source,
        clawback_statement_id,
        participant_type,
        declaration_type,
        false,
        state IN ('awaiting-clawback', 'clawed-back'),
        false,
        coalesce(uplift_paid, false),  -- a clawback undoes a payment: the uplift it was paid with
        false,
        NOT (is_known_state AND is_known_declaration_type AND is_known_course_identifier)
    FROM declarations
    WHERE clawback_statement_id IS NOT NULL
    UNION ALL
    SELECT d.source, v.statement_id, d.participant_type, d.declaration_type, false, false, true, false, false, false
    FROM declarations AS d
    JOIN voided_on AS v ON v.source = d.source AND v.declaration_id = d.declaration_id
    WHERE d.state = 'voided' AND d.statement_id IS NULL
),

final AS (
    SELECT
        source,
        statement_id,
        participant_type,
        declaration_type,
        count(*) FILTER (WHERE is_billable) AS billable_count,
        count(*) FILTER (WHERE is_refundable) AS refundable_count,
        count(*) FILTER (WHERE is_billable) - count(*) FILTER (WHERE is_refundable) AS net_count,
        count(*) FILTER (WHERE is_billable AND has_uplift) AS billable_uplift_count,
        count(*) FILTER (WHERE is_refundable AND has_uplift) AS refundable_uplift_count,
        count(*) FILTER (WHERE is_billable AND has_uplift AND is_uplift_forecast) AS forecast_uplift_count,
        count(*) FILTER (WHERE is_voided) AS voided_count,
        count(*) FILTER (WHERE is_unknown) AS unknown_count
    FROM attached
    GROUP BY source, statement_id, participant_type, declaration_type
)

SELECT * FROM final;

COMMENT ON VIEW statement_declaration_counts IS 'One row per statement, participant type and declaration type: the declarations it bills (statement_id, state eligible, payable, paid, awaiting-clawback or clawed-back), refunds (clawback_statement_id, state awaiting-clawback or clawed-back) and voided (attributed through declaration_state_history, as the API hides statement_id once voided), as DfE''s payment calculator counts them; the inputs of statement_band_allocation and statement_payment.';
COMMENT ON COLUMN statement_declaration_counts.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN statement_declaration_counts.statement_id IS 'The statement the declarations count on.';
COMMENT ON COLUMN statement_declaration_counts.participant_type IS 'ect or mentor (null for a course identifier no ref table knows).';
COMMENT ON COLUMN statement_declaration_counts.declaration_type IS 'The milestone: started, retained-1..4, completed, extended-1..3.';
COMMENT ON COLUMN statement_declaration_counts.billable_count IS 'Declarations the statement pays: statement_id is it and the state is eligible, payable, paid, awaiting-clawback or clawed-back (a later clawback does not take a declaration off the statement that paid it).';
COMMENT ON COLUMN statement_declaration_counts.refundable_count IS 'Declarations clawed back on the statement: clawback_statement_id is it and the state is awaiting-clawback or clawed-back.';
COMMENT ON COLUMN statement_declaration_counts.net_count IS 'billable_count minus refundable_count.';
COMMENT ON COLUMN statement_declaration_counts.billable_uplift_count IS 'Billable declarations that carry an uplift: uplift_paid on a paid statement; on one not yet paid, started ECT declarations whose enrolment has a pupil premium or sparsity flag (a forecast).';
COMMENT ON COLUMN statement_declaration_counts.refundable_uplift_count IS 'Refundable declarations that were paid with an uplift (uplift_paid): the uplift is clawed back with them.';
COMMENT ON COLUMN statement_declaration_counts.forecast_uplift_count IS 'How many of billable_uplift_count are forecast from enrolment flags (the statement is not paid yet).';
COMMENT ON COLUMN statement_declaration_counts.voided_count IS 'Voided declarations that were on the statement: statement_id while the API still shows it, else the last statement declaration_state_history saw it on.';
COMMENT ON COLUMN statement_declaration_counts.unknown_count IS 'Declarations on the statement (or clawed back on it) whose state, declaration type or course identifier no ref table knows: the money cannot be computed until they are understood (see declaration_anomalies).';
