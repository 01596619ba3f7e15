-- declaration_counts_disagree_with_reconciliation: does each statement's row of statement_reconciliation carry
-- the totals of its rows in statement_declaration_counts (billable and refundable, for everyone, ECTs and
-- mentors, and voided)? statement_band_allocation and statement_payment price the statement from the per-type
-- rows, finance teams read the totals, and the two must be the same declarations. Returns each statement where
-- a total differs, with both sets of numbers in this order: billable, billable ECT, billable mentor,
-- refundable, refundable ECT, refundable mentor, voided.
WITH totals AS (
    SELECT
        source,
        statement_id,
        CAST([
            sum(billable_count),
            coalesce(sum(billable_count) FILTER (WHERE participant_type = 'ect'), 0),
            coalesce(sum(billable_count) FILTER (WHERE participant_type = 'mentor'), 0),
            sum(refundable_count),
            coalesce(sum(refundable_count) FILTER (WHERE participant_type = 'ect'), 0),
            coalesce(sum(refundable_count) FILTER (WHERE participant_type = 'mentor'), 0),
            sum(voided_count)
        ] AS BIGINT[]) AS declaration_counts
    FROM statement_declaration_counts
    GROUP BY source, statement_id
),

compared AS (
    SELECT
        r.source,
        r.statement_id,
        [
            r.billable_count, r.billable_count_ect, r.billable_count_mentor,
            r.refundable_count, r.refundable_count_ect, r.refundable_count_mentor, r.count_voided
        ] AS reconciliation,
        coalesce(t.declaration_counts, [0, 0, 0, 0, 0, 0, 0]) AS declaration_counts
    FROM statement_reconciliation AS r
    LEFT JOIN totals AS t ON t.source = r.source AND t.statement_id = r.statement_id
)

SELECT *
FROM compared
WHERE reconciliation IS DISTINCT FROM declaration_counts
