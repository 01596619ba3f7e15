-- band_refunds_more_than_it_held: does any band of statement_band_allocation give back more declarations than
-- it held? A band's previous refundable count comes out of what the previous statements' billable ones put in
-- it, and the statement's own refundable count out of what is in it once the statement's billable ones are
-- added (previous billable - previous refundable + billable); no count is negative. A band that refunded more
-- would take off output fees nobody was paid. Returns each such band row.
SELECT
    source,
    statement_id,
    declaration_type,
    band,
    previous_billable_count,
    previous_refundable_count,
    billable_count,
    refundable_count
FROM statement_band_allocation
WHERE least(previous_billable_count, previous_refundable_count, billable_count, refundable_count) < 0
    OR previous_refundable_count > previous_billable_count
    OR refundable_count > previous_billable_count - previous_refundable_count + billable_count
