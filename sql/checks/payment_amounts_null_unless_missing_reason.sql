-- payment_amounts_null_unless_missing_reason: are statement_payment's amounts NULL exactly when missing_reason
-- says why the statement cannot be priced? A statement without a contract, or with declarations no ref table
-- understands, must show no number rather than a wrong one; and a priced statement must show every amount, as
-- a NULL part would make its subtotal and total NULL without a reason. Returns each statement where an amount
-- is NULL without a reason or set despite one, naming the amounts that are NULL.
WITH nulls AS (
    SELECT
        source,
        statement_id,
        missing_reason,
        [name FOR name IN [
            CASE WHEN output_amount IS NULL THEN 'output_amount' END,
            CASE WHEN mentor_output_amount IS NULL THEN 'mentor_output_amount' END,
            CASE WHEN uplift_amount IS NULL THEN 'uplift_amount' END,
            CASE WHEN service_fee_amount IS NULL THEN 'service_fee_amount' END,
            CASE WHEN adjustments_amount IS NULL THEN 'adjustments_amount' END,
            CASE WHEN subtotal_amount IS NULL THEN 'subtotal_amount' END,
            CASE WHEN vat_amount IS NULL THEN 'vat_amount' END,
            CASE WHEN total_amount IS NULL THEN 'total_amount' END,
            CASE WHEN clawback_amount IS NULL THEN 'clawback_amount' END,
            CASE WHEN count_unallocated IS NULL THEN 'count_unallocated' END
        ] IF name IS NOT NULL] AS null_amounts
    FROM statement_payment
)

SELECT *
FROM nulls
WHERE CASE WHEN missing_reason IS NULL THEN len(null_amounts) > 0 ELSE len(null_amounts) < 10 END
