-- band_over_capacity: does any band of statement_band_allocation hold more declarations than its capacity in the
-- contract (contract_bands)? What the previous statements put in it, and what is in it once the statement's
-- own billable declarations are added to what their refunds left (previous billable - previous refundable +
-- billable), must each fit: a declaration beyond the last band is unallocated and not paid, never paid at a
-- band's fee beyond its places. Returns each band row over capacity, with the capacity.
WITH bands AS (
    SELECT a.*, b.capacity
    FROM statement_band_allocation AS a
    JOIN int_statement_contracts AS c ON c.source = a.source AND c.statement_id = a.statement_id
    JOIN contract_bands AS b
        ON b.source = c.source
        AND b.cohort = c.cohort
        AND b.effective_from IS NOT DISTINCT FROM c.effective_from
        AND b.band = a.band
)

SELECT
    source,
    statement_id,
    declaration_type,
    band,
    capacity,
    previous_billable_count,
    previous_refundable_count,
    billable_count
FROM bands
WHERE previous_billable_count > capacity
    OR previous_billable_count - previous_refundable_count + billable_count > capacity
