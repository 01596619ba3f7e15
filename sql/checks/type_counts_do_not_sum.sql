-- type_counts_do_not_sum: do statement_reconciliation's counts by declaration type (started, retained-1 to
-- retained-4, completed, extended-1 to extended-3, and unknown types) add up to count_declarations? Each
-- declaration on a statement has one type, so a type that ref_declaration_types gains without a column here
-- would be counted in none of them and a reader adding the columns up would miss it. Returns each statement
-- whose type counts do not add up, with both numbers.
WITH typed AS (
    SELECT
        source,
        statement_id,
        count_declarations,
        count_started + count_retained_1 + count_retained_2 + count_retained_3 + count_retained_4
            + count_completed + count_extended_1 + count_extended_2 + count_extended_3 + count_unknown_type
            AS count_by_type
    FROM statement_reconciliation
)

SELECT *
FROM typed
WHERE count_by_type IS DISTINCT FROM count_declarations
