-- billable_counts_disagree_with_states: do statement_reconciliation's billable and refundable counts (DfE's
-- payment calculator, through statement_declaration_counts) agree with its counts by state, which it takes
-- from declarations_current? A statement bills the declarations on it that are eligible, payable, paid,
-- awaiting-clawback or clawed-back, and refunds those clawed back on it that are awaiting-clawback or
-- clawed-back, so the two ways of counting must meet; a difference means one path lost or gained declarations.
-- Returns each statement where they differ, with both numbers of each pair.
WITH counted AS (
    SELECT
        source,
        statement_id,
        billable_count,
        count_eligible + count_payable + count_paid + count_awaiting_clawback + count_clawed_back
            AS billable_by_state,
        refundable_count,
        count_clawbacks_awaiting + count_clawbacks_clawed_back AS refundable_by_state,
        refundable_count_ect,
        count_clawbacks_ect,
        refundable_count_mentor,
        count_clawbacks_mentor
    FROM statement_reconciliation
)

SELECT *
FROM counted
WHERE billable_count IS DISTINCT FROM billable_by_state
    OR refundable_count IS DISTINCT FROM refundable_by_state
    OR refundable_count_ect IS DISTINCT FROM count_clawbacks_ect
    OR refundable_count_mentor IS DISTINCT FROM count_clawbacks_mentor
