-- statement_reconciliation: what will (or did) each statement pay, what is clawed back on it, and how does
-- that split by state, milestone and ECT/mentor? One row per output statement in the provider's scope.
-- Declarations count on the statement that pays them (statement_id); clawbacks count on the statement they
-- are deducted from (clawback_statement_id). net_payable_count = paid or payable on it minus
-- awaiting-clawback or clawed-back on it (api-facts §4.1: authorising payment pays the payable declarations
-- and settles the clawbacks on the statement).
-- materialized: table
WITH statements AS (
    SELECT * FROM statements WHERE removed_at IS NULL
),

declarations AS (
    SELECT * FROM declarations_current
),

on_statement AS (
    SELECT
        source,
        statement_id,
        count(*) AS count_declarations,
        count(*) FILTER (WHERE state = 'submitted') AS count_submitted,
        count(*) FILTER (WHERE state = 'eligible') AS count_eligible,
        count(*) FILTER (WHERE state = 'payable') AS count_payable,
        count(*) FILTER (WHERE state = 'paid') AS count_paid,
        count(*) FILTER (WHERE state = 'voided') AS count_voided,
        count(*) FILTER (WHERE state = 'ineligible') AS count_ineligible,
        count(*) FILTER (WHERE state = 'awaiting-clawback') AS count_awaiting_clawback,
        count(*) FILTER (WHERE state = 'clawed-back') AS count_clawed_back,
        count(*) FILTER (WHERE money_position IS NULL) AS count_unknown_state,
        count(*) FILTER (WHERE declaration_type = 'started') AS count_started,
        count(*) FILTER (WHERE declaration_type = 'retained-1') AS count_retained_1,
        count(*) FILTER (WHERE declaration_type = 'retained-2') AS count_retained_2,
        count(*) FILTER (WHERE declaration_type = 'retained-3') AS count_retained_3,
        count(*) FILTER (WHERE declaration_type = 'retained-4') AS count_retained_4,
        count(*) FILTER (WHERE declaration_type = 'completed') AS count_completed,
        count(*) FILTER (WHERE declaration_type = 'extended-1') AS count_extended_1,
        count(*) FILTER (WHERE declaration_type = 'extended-2') AS count_extended_2,
        count(*) FILTER (WHERE declaration_type = 'extended-3') AS count_extended_3,
        count(*) FILTER (WHERE milestone_order IS NULL) AS count_unknown_type,
        count(*) FILTER (WHERE participant_type = 'ect') AS count_ect,
        count(*) FILTER (WHERE participant_type = 'mentor') AS count_mentor,
        count(*) FILTER (WHERE uplift_paid) AS count_uplift_paid,
        count(*) FILTER (WHERE state IN ('eligible', 'payable', 'paid')) AS count_due_or_paid,
        count(*) FILTER (WHERE state IN ('payable', 'paid')) AS count_payable_or_paid,
        count(*) FILTER (WHERE state IN ('payable', 'paid') AND participant_type = 'ect') AS count_payable_or_paid_ect,
        count(*) FILTER (WHERE state IN ('payable', 'paid') AND participant_type = 'mentor')
            AS count_payable_or_paid_mentor
    FROM declarations
    WHERE statement_id IS NOT NULL
    GROUP BY source, statement_id
),

clawbacks AS (
    SELECT
        source,
        clawback_statement_id AS statement_id,
        count(*) AS count_clawbacks,
        count(*) FILTER (WHERE state = 'awaiting-clawback') AS count_clawbacks_awaiting,
        count(*) FILTER (WHERE state = 'clawed-back') AS count_clawbacks_clawed_back,
        count(*) FILTER (WHERE state IN ('awaiting-clawback', 'clawed-back')) AS count_clawbacks_owed_or_settled,
        count(*) FILTER (WHERE state IN ('awaiting-clawback', 'clawed-back') AND participant_type = 'ect')
            AS count_clawbacks_ect,
        count(*) FILTER (WHERE state IN ('awaiting-clawback', 'clawed-back') AND participant_type = 'mentor')
            AS count_clawbacks_mentor
    FROM declarations
    WHERE clawback_statement_id IS NOT NULL
    GROUP BY source, clawback_statement_id
),

final AS (
    SELECT
        s.source,
        s.id AS statement_id,
        s.cohort,
        s.month,
        s.year,
        s.cut_off_date,
        s.payment_date,
        s.paid,
        coalesce(o.count_declarations, 0) AS count_declarations,
        coalesce(o.count_submitted, 0) AS count_submitted,
        coalesce(o.count_eligible, 0) AS count_eligible,
        coalesce(o.count_payable, 0) AS count_payable,
        coalesce(o.count_paid, 0) AS count_paid,
        coalesce(o.count_voided, 0) AS count_voided,
        coalesce(o.count_ineligible, 0) AS count_ineligible,
        coalesce(o.count_awaiting_clawback, 0) AS count_awaiting_clawback,
        coalesce(o.count_clawed_back, 0) AS count_clawed_back,
        coalesce(o.count_unknown_state, 0) AS count_unknown_state,
        coalesce(o.count_started, 0) AS count_started,
        coalesce(o.count_retained_1, 0) AS count_retained_1,
        coalesce(o.count_retained_2, 0) AS count_retained_2,
        coalesce(o.count_retained_3, 0) AS count_retained_3,
        coalesce(o.count_retained_4, 0) AS count_retained_4,
        coalesce(o.count_completed, 0) AS count_completed,
        coalesce(o.count_extended_1, 0) AS count_extended_1,
        coalesce(o.count_extended_2, 0) AS count_extended_2,
        coalesce(o.count_extended_3, 0) AS count_extended_3,
        coalesce(o.count_unknown_type, 0) AS count_unknown_type,
        coalesce(o.count_ect, 0) AS count_ect,
        coalesce(o.count_mentor, 0) AS count_mentor,
        coalesce(o.count_uplift_paid, 0) AS count_uplift_paid,
        coalesce(c.count_clawbacks, 0) AS count_clawbacks,
        coalesce(c.count_clawbacks_awaiting, 0) AS count_clawbacks_awaiting,
        coalesce(c.count_clawbacks_clawed_back, 0) AS count_clawbacks_clawed_back,
        coalesce(c.count_clawbacks_ect, 0) AS count_clawbacks_ect,
        coalesce(c.count_clawbacks_mentor, 0) AS count_clawbacks_mentor,
        coalesce(o.count_payable_or_paid, 0) AS count_payable_or_paid,
        coalesce(o.count_payable_or_paid, 0) - coalesce(c.count_clawbacks_owed_or_settled, 0) AS net_payable_count,
        coalesce(o.count_payable_or_paid_ect, 0) - coalesce(c.count_clawbacks_ect, 0) AS net_payable_count_ect,
        coalesce(o.count_payable_or_paid_mentor, 0) - coalesce(c.count_clawbacks_mentor, 0)
            AS net_payable_count_mentor,
        coalesce(o.count_due_or_paid, 0) - coalesce(c.count_clawbacks_owed_or_settled, 0) AS net_forecast_count
    FROM statements AS s
    LEFT JOIN on_statement AS o ON o.source = s.source AND o.statement_id = s.id
    LEFT JOIN clawbacks AS c ON c.source = s.source AND c.statement_id = s.id
)

SELECT * FROM final;

COMMENT ON VIEW statement_reconciliation IS 'One row per output statement: cohort, month, year, deadline, payment date, whether paid; counts of the declarations on it (statement_id) per state and per declaration type, split ECT/mentor; the clawbacks landing on it (clawback_statement_id); and the net payable count (paid or payable on it minus awaiting-clawback or clawed-back on it).';
COMMENT ON COLUMN statement_reconciliation.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN statement_reconciliation.statement_id IS 'The output statement''s id.';
COMMENT ON COLUMN statement_reconciliation.cohort IS 'The statement''s cohort (funding contract year).';
COMMENT ON COLUMN statement_reconciliation.month IS 'The statement''s month (English month name).';
COMMENT ON COLUMN statement_reconciliation.year IS 'The statement''s year.';
COMMENT ON COLUMN statement_reconciliation.cut_off_date IS 'The statement''s deadline: eligible declarations on it become payable the day after.';
COMMENT ON COLUMN statement_reconciliation.payment_date IS 'When the statement is due to be paid.';
COMMENT ON COLUMN statement_reconciliation.paid IS 'Whether DfE has marked the statement paid. A past statement with nothing payable on it stays unpaid.';
COMMENT ON COLUMN statement_reconciliation.count_declarations IS 'Declarations whose statement_id is this statement, in any state.';
COMMENT ON COLUMN statement_reconciliation.count_submitted IS 'Declarations on this statement (statement_id) now in state submitted.';
COMMENT ON COLUMN statement_reconciliation.count_eligible IS 'Declarations on this statement (statement_id) now in state eligible.';
COMMENT ON COLUMN statement_reconciliation.count_payable IS 'Declarations on this statement (statement_id) now in state payable.';
COMMENT ON COLUMN statement_reconciliation.count_paid IS 'Declarations on this statement (statement_id) now in state paid.';
COMMENT ON COLUMN statement_reconciliation.count_voided IS 'Declarations on this statement (statement_id) now in state voided.';
COMMENT ON COLUMN statement_reconciliation.count_ineligible IS 'Declarations on this statement (statement_id) now in state ineligible.';
COMMENT ON COLUMN statement_reconciliation.count_awaiting_clawback IS 'Declarations on this statement (statement_id) now in state awaiting-clawback.';
COMMENT ON COLUMN statement_reconciliation.count_clawed_back IS 'Declarations on this statement (statement_id) now in state clawed-back.';
COMMENT ON COLUMN statement_reconciliation.count_unknown_state IS 'Declarations on this statement whose state no ref table knows (see declaration_anomalies).';
COMMENT ON COLUMN statement_reconciliation.count_started IS 'Declarations on this statement of type started, in any state.';
COMMENT ON COLUMN statement_reconciliation.count_retained_1 IS 'Declarations on this statement of type retained-1, in any state.';
COMMENT ON COLUMN statement_reconciliation.count_retained_2 IS 'Declarations on this statement of type retained-2, in any state.';
COMMENT ON COLUMN statement_reconciliation.count_retained_3 IS 'Declarations on this statement of type retained-3, in any state.';
COMMENT ON COLUMN statement_reconciliation.count_retained_4 IS 'Declarations on this statement of type retained-4, in any state.';
COMMENT ON COLUMN statement_reconciliation.count_completed IS 'Declarations on this statement of type completed, in any state.';
COMMENT ON COLUMN statement_reconciliation.count_extended_1 IS 'Declarations on this statement of type extended-1, in any state.';
COMMENT ON COLUMN statement_reconciliation.count_extended_2 IS 'Declarations on this statement of type extended-2, in any state.';
COMMENT ON COLUMN statement_reconciliation.count_extended_3 IS 'Declarations on this statement of type extended-3, in any state.';
COMMENT ON COLUMN statement_reconciliation.count_unknown_type IS 'Declarations on this statement whose declaration type no ref table knows.';
COMMENT ON COLUMN statement_reconciliation.count_ect IS 'Declarations on this statement for ECTs (ecf-induction), in any state.';
COMMENT ON COLUMN statement_reconciliation.count_mentor IS 'Declarations on this statement for mentors (ecf-mentor), in any state.';
COMMENT ON COLUMN statement_reconciliation.count_uplift_paid IS 'Declarations on this statement paid with a sparsity or pupil-premium uplift.';
COMMENT ON COLUMN statement_reconciliation.count_clawbacks IS 'Declarations whose clawback_statement_id is this statement: the clawbacks landing on it.';
COMMENT ON COLUMN statement_reconciliation.count_clawbacks_awaiting IS 'Clawbacks landing on this statement still awaiting-clawback.';
COMMENT ON COLUMN statement_reconciliation.count_clawbacks_clawed_back IS 'Clawbacks landing on this statement already clawed-back.';
COMMENT ON COLUMN statement_reconciliation.count_clawbacks_ect IS 'Clawbacks (awaiting or done) landing on this statement for ECTs.';
COMMENT ON COLUMN statement_reconciliation.count_clawbacks_mentor IS 'Clawbacks (awaiting or done) landing on this statement for mentors.';
COMMENT ON COLUMN statement_reconciliation.count_payable_or_paid IS 'Declarations on this statement that are payable or paid.';
COMMENT ON COLUMN statement_reconciliation.net_payable_count IS 'Paid or payable on this statement minus awaiting-clawback or clawed-back landing on it: the number of milestones the statement pays for, net.';
COMMENT ON COLUMN statement_reconciliation.net_payable_count_ect IS 'net_payable_count for ECTs (ecf-induction).';
COMMENT ON COLUMN statement_reconciliation.net_payable_count_mentor IS 'net_payable_count for mentors (ecf-mentor).';
COMMENT ON COLUMN statement_reconciliation.net_forecast_count IS 'Like net_payable_count but also counting eligible declarations, which become payable after the deadline: what an open statement is heading for.';
