-- payment_total_does_not_add_up: is each priced statement's total in statement_payment its subtotal plus VAT,
-- and its VAT the subtotal times the vat_rate of the contract that prices it (int_statement_contracts), to 12
-- decimal places? The total is what DfE pays; a total that is not subtotal + VAT, or VAT at another rate,
-- could not be reconciled with DfE's statement. Returns each statement where either differs.
WITH priced AS (
    SELECT
        p.source,
        p.statement_id,
        p.subtotal_amount,
        c.vat_rate,
        p.vat_amount,
        CAST(p.subtotal_amount * c.vat_rate AS DECIMAL(38, 12)) AS vat_at_rate,
        p.total_amount,
        p.subtotal_amount + p.vat_amount AS subtotal_plus_vat
    FROM statement_payment AS p
    JOIN int_statement_contracts AS c ON c.source = p.source AND c.statement_id = p.statement_id
    WHERE p.missing_reason IS NULL
)

SELECT *
FROM priced
WHERE total_amount IS DISTINCT FROM subtotal_plus_vat
    OR vat_amount IS DISTINCT FROM vat_at_rate
