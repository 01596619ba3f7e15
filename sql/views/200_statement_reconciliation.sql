-- statement_reconciliation: what will (or did) each statement pay, what is clawed back on it, and how does
-- that split by state, milestone and ECT/mentor? One row per output statement in the provider's scope.
-- The counts DfE pays on are those of its payment calculator (statement_declaration_counts): billable on the
-- statement that pays a declaration (statement_id; eligible, payable, paid, awaiting-clawback, clawed-back),
-- refundable on the statement it is clawed back on (clawback_statement_id; awaiting-clawback, clawed-back),
-- net = billable - refundable. A paid declaration clawed back later stays billable where it was paid, so an
-- old statement's count never shrinks and a sum over statements takes each clawback off once. The by-state
-- counts are of the declarations whose statement_id is the statement; voided ones, whose statement the API
-- hides, count where declaration_state_history last saw them.
-- Refreshed by statement, as statement_declaration_counts: its row reads the statement, the declarations on it
-- and their counts.
-- materialized: table
-- refreshed by: statement_id in counted_statements
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
        count(*) FILTER (WHERE uplift_paid) AS count_uplift_paid
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
        count(*) FILTER (WHERE state IN ('awaiting-clawback', 'clawed-back') AND participant_type = 'ect')
            AS count_clawbacks_ect,
        count(*) FILTER (WHERE state IN ('awaiting-clawback', 'clawed-back') AND participant_type = 'mentor')
            AS count_clawbacks_mentor
    FROM declarations
    WHERE clawback_statement_id IS NOT NULL
    GROUP BY source, clawback_statement_id
),

calculator AS (
    SELECT
        source,
        statement_id,
        CAST(sum(billable_count) AS BIGINT) AS billable_count,
        CAST(sum(billable_count) FILTER (WHERE participant_type = 'ect') AS BIGINT) AS billable_count_ect,
        CAST(sum(billable_count) FILTER (WHERE participant_type = 'mentor') AS BIGINT) AS billable_count_mentor,
        CAST(sum(refundable_count) AS BIGINT) AS refundable_count,
        CAST(sum(refundable_count) FILTER (WHERE participant_type = 'ect') AS BIGINT) AS refundable_count_ect,
        CAST(sum(refundable_count) FILTER (WHERE participant_type = 'mentor') AS BIGINT) AS refundable_count_mentor,
        CAST(sum(voided_count) AS BIGINT) AS count_voided
    FROM statement_declaration_counts
    GROUP BY source, statement_id
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
        coalesce(k.count_voided, 0) AS count_voided,
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
        coalesce(k.billable_count, 0) AS billable_count,
        coalesce(k.billable_count_ect, 0) AS billable_count_ect,
        coalesce(k.billable_count_mentor, 0) AS billable_count_mentor,
        coalesce(k.refundable_count, 0) AS refundable_count,
        coalesce(k.refundable_count_ect, 0) AS refundable_count_ect,
        coalesce(k.refundable_count_mentor, 0) AS refundable_count_mentor,
        coalesce(k.billable_count, 0) - coalesce(k.refundable_count, 0) AS net_count,
        coalesce(k.billable_count_ect, 0) - coalesce(k.refundable_count_ect, 0) AS net_count_ect,
        coalesce(k.billable_count_mentor, 0) - coalesce(k.refundable_count_mentor, 0) AS net_count_mentor
    FROM statements AS s
    LEFT JOIN on_statement AS o ON o.source = s.source AND o.statement_id = s.id
    LEFT JOIN clawbacks AS c ON c.source = s.source AND c.statement_id = s.id
    LEFT JOIN calculator AS k ON k.source = s.source AND k.statement_id = s.id
)

SELECT * FROM final;

COMMENT ON VIEW statement_reconciliation IS 'One row per output statement: cohort, month, year, deadline, payment date, whether paid; counts of the declarations on it (statement_id) per state and per declaration type, split ECT/mentor; the clawbacks landing on it (clawback_statement_id); and DfE''s billable, refundable and net counts (a paid declaration clawed back later stays billable on the statement that paid it). The money is in statement_payment.';
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
COMMENT ON COLUMN statement_reconciliation.count_voided IS 'Voided declarations that were on this statement: the API hides statement_id once voided, so each counts on the statement declaration_state_history last saw it on.';
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
COMMENT ON COLUMN statement_reconciliation.billable_count IS 'Declarations this statement pays (DfE''s billable): statement_id is it and the state is eligible, payable, paid, awaiting-clawback or clawed-back.';
COMMENT ON COLUMN statement_reconciliation.billable_count_ect IS 'billable_count for ECTs (ecf-induction).';
COMMENT ON COLUMN statement_reconciliation.billable_count_mentor IS 'billable_count for mentors (ecf-mentor).';
COMMENT ON COLUMN statement_reconciliation.refundable_count IS 'Declarations clawed back on this statement (DfE''s refundable): clawback_statement_id is it and the state is awaiting-clawback or clawed-back.';
COMMENT ON COLUMN statement_reconciliation.refundable_count_ect IS 'refundable_count for ECTs (ecf-induction).';
COMMENT ON COLUMN statement_reconciliation.refundable_count_mentor IS 'refundable_count for mentors (ecf-mentor).';
COMMENT ON COLUMN statement_reconciliation.net_count IS 'billable_count minus refundable_count: the milestones the statement pays for, net. Summed over statements, each clawback is taken off once.';
COMMENT ON COLUMN statement_reconciliation.net_count_ect IS 'net_count for ECTs (ecf-induction).';
COMMENT ON COLUMN statement_reconciliation.net_count_mentor IS 'net_count for mentors (ecf-mentor).';
