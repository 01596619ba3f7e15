-- payment_subtotal_does_not_add_up: is each priced statement's subtotal in statement_payment the sum of its
-- parts, output + mentor output + uplift + service fee + adjustments? Every part is kept to 12 decimal places
-- and summed exactly, so the subtotal a finance team checks against DfE's statement must equal the parts it
-- shows, to the last place. Returns each statement whose subtotal is another number.
WITH parts AS (
    SELECT
        source,
        statement_id,
        subtotal_amount,
        output_amount + mentor_output_amount + uplift_amount + service_fee_amount + adjustments_amount
            AS sum_of_parts
    FROM statement_payment
    WHERE missing_reason IS NULL
)

SELECT *
FROM parts
WHERE subtotal_amount IS DISTINCT FROM sum_of_parts
