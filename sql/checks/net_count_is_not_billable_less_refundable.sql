-- net_count_is_not_billable_less_refundable: is every net count that statement_declaration_counts and
-- statement_reconciliation show its billable count less its refundable count (also for ECTs and mentors
-- apart)? The net count is what a statement pays milestones for, and a sum of net counts over statements
-- takes each clawback off once only if each of them is exactly that difference. Returns each row whose net
-- count is not, naming the view and the split.
WITH nets AS (
    SELECT
        'statement_declaration_counts' AS view_name,
        source,
        statement_id,
        concat_ws(' ', participant_type, declaration_type) AS split,
        billable_count,
        refundable_count,
        net_count
    FROM statement_declaration_counts
    UNION ALL
    SELECT 'statement_reconciliation', source, statement_id, 'all', billable_count, refundable_count, net_count
    FROM statement_reconciliation
    UNION ALL
    SELECT
        'statement_reconciliation', source, statement_id, 'ect', billable_count_ect, refundable_count_ect,
        net_count_ect
    FROM statement_reconciliation
    UNION ALL
    SELECT
        'statement_reconciliation', source, statement_id, 'mentor', billable_count_mentor, refundable_count_mentor,
        net_count_mentor
    FROM statement_reconciliation
)

SELECT *
FROM nets
WHERE net_count IS DISTINCT FROM billable_count - refundable_count
