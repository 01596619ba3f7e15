-- statement_payment: what does DfE pay on each statement, in pounds, as its payment calculator computes it?
-- One row per output statement. Under an ecf contract every declaration is banded; under ittecf_ectp ECTs are
-- banded and mentors' started and completed declarations are paid a flat rate (0.5 x the mentor fee each).
--   output         = the banded net amount of statement_band_allocation
--   mentor output  = (billable - refundable) mentor started/completed x 0.5 x mentor_fee_per_declaration
--   uplift         = (billable - refundable) banded declarations with an uplift x uplift_fee_per_declaration
--                    (a forecast from enrolment flags while the statement is not paid)
--   service fee    = the contract's monthly_service_fee, or: the recruitment target fills the bands in order,
--                    sum of filled x fee_per_declaration x service_fee_ratio, less the set-up fee in proportion
--                    to band A's filled places, divided by 29 payments (computed exactly as the contracts file
--                    is loaded: contract_terms.service_fee_amount)
--   subtotal       = output + mentor output + uplift + service fee + adjustments; VAT = subtotal x vat_rate
-- Amounts keep full precision (DECIMAL, 12 places): round only where shown. A
-- statement that cannot be priced has NULL amounts and a missing_reason, never a wrong number.
-- materialized: view
WITH statements AS (
    SELECT * FROM int_statement_contracts
),

unknown AS (
    -- declarations no ref table understands, on the statement or one that fills its bands first
    SELECT r.source, r.statement_id, CAST(sum(k.unknown_count) AS BIGINT) AS unknown_count
    FROM int_statement_predecessors AS r
    JOIN statement_declaration_counts AS k ON k.source = r.source AND k.statement_id = r.counted_statement_id
    GROUP BY r.source, r.statement_id
),

outputs AS (
    SELECT
        source,
        statement_id,
        sum(net_amount) AS output_amount,
        sum(refundable_amount) AS refundable_amount
    FROM statement_band_allocation
    GROUP BY source, statement_id
),

unallocated AS (
    SELECT source, statement_id, CAST(sum(unallocated_count) AS BIGINT) AS count_unallocated
    FROM (SELECT DISTINCT source, statement_id, declaration_type, unallocated_count FROM statement_band_allocation)
    GROUP BY source, statement_id
),

counted AS (
    -- the statement's own declarations in the selection each part of the calculator makes
    SELECT
        s.source,
        s.statement_id,
        CAST(coalesce(sum(k.billable_uplift_count - k.refundable_uplift_count)
            FILTER (WHERE s.contract_type = 'ecf' OR k.participant_type = 'ect'), 0) AS BIGINT) AS net_uplift_count,
        CAST(coalesce(sum(k.refundable_uplift_count)
            FILTER (WHERE s.contract_type = 'ecf' OR k.participant_type = 'ect'), 0) AS BIGINT)
            AS refundable_uplift_count,
        coalesce(sum(CAST(k.net_count * t.flat_rate_fee_proportion AS DECIMAL(38, 12)))
            FILTER (WHERE s.contract_type = 'ittecf_ectp' AND k.participant_type = 'mentor'), 0) AS mentor_net_units,
        coalesce(sum(CAST(k.refundable_count * t.flat_rate_fee_proportion AS DECIMAL(38, 12)))
            FILTER (WHERE s.contract_type = 'ittecf_ectp' AND k.participant_type = 'mentor'), 0)
            AS mentor_refundable_units
    FROM statements AS s
    JOIN statement_declaration_counts AS k ON k.source = s.source AND k.statement_id = s.statement_id
    JOIN ref_declaration_types AS t ON t.declaration_type = k.declaration_type
    GROUP BY s.source, s.statement_id
),

adjustments AS (
    SELECT source, statement_id, sum(CAST(amount AS DECIMAL(38, 12))) AS adjustments_amount
    FROM statement_adjustments
    GROUP BY source, statement_id
),

priced AS (
    SELECT
        s.source,
        s.statement_id,
        s.cohort,
        s.payment_date,
        s.paid,
        s.contract_type,
        s.vat_rate,
        CASE
            WHEN s.missing_reason IS NOT NULL THEN s.missing_reason
            WHEN coalesce(u.unknown_count, 0) > 0 THEN 'unknown_declarations'
        END AS missing_reason,
        coalesce(o.output_amount, 0) AS output_amount,
        coalesce(c.mentor_net_units, 0) * CAST(coalesce(s.mentor_fee_per_declaration, 0) AS DECIMAL(38, 6))
            AS mentor_output_amount,
        coalesce(c.net_uplift_count, 0) * CAST(s.uplift_fee_per_declaration AS DECIMAL(38, 6)) AS uplift_amount,
        CAST(s.service_fee_amount AS DECIMAL(38, 12)) AS service_fee_amount,
        coalesce(a.adjustments_amount, 0) AS adjustments_amount,
        coalesce(o.refundable_amount, 0)
            + coalesce(c.mentor_refundable_units, 0)
            * CAST(coalesce(s.mentor_fee_per_declaration, 0) AS DECIMAL(38, 6))
            + coalesce(c.refundable_uplift_count, 0) * CAST(s.uplift_fee_per_declaration AS DECIMAL(38, 6))
            AS clawback_amount,
        coalesce(n.count_unallocated, 0) AS count_unallocated
    FROM statements AS s
    LEFT JOIN unknown AS u ON u.source = s.source AND u.statement_id = s.statement_id
    LEFT JOIN outputs AS o ON o.source = s.source AND o.statement_id = s.statement_id
    LEFT JOIN unallocated AS n ON n.source = s.source AND n.statement_id = s.statement_id
    LEFT JOIN counted AS c ON c.source = s.source AND c.statement_id = s.statement_id
    LEFT JOIN adjustments AS a ON a.source = s.source AND a.statement_id = s.statement_id
),

totals AS (
    SELECT
        *,
        output_amount + mentor_output_amount + uplift_amount + service_fee_amount + adjustments_amount
            AS subtotal_amount
    FROM priced
),

final AS (
    SELECT
        source,
        statement_id,
        cohort,
        payment_date,
        paid,
        contract_type,
        CASE WHEN missing_reason IS NULL THEN CAST(output_amount AS DECIMAL(38, 12)) END AS output_amount,
        CASE WHEN missing_reason IS NULL THEN CAST(mentor_output_amount AS DECIMAL(38, 12)) END AS mentor_output_amount,
        CASE WHEN missing_reason IS NULL THEN CAST(uplift_amount AS DECIMAL(38, 12)) END AS uplift_amount,
        CASE WHEN missing_reason IS NULL THEN CAST(service_fee_amount AS DECIMAL(38, 12)) END AS service_fee_amount,
        CASE WHEN missing_reason IS NULL THEN CAST(adjustments_amount AS DECIMAL(38, 12)) END AS adjustments_amount,
        CASE WHEN missing_reason IS NULL THEN CAST(subtotal_amount AS DECIMAL(38, 12)) END AS subtotal_amount,
        CASE WHEN missing_reason IS NULL THEN CAST(subtotal_amount * vat_rate AS DECIMAL(38, 12)) END AS vat_amount,
        CASE WHEN missing_reason IS NULL
            THEN CAST(subtotal_amount + CAST(subtotal_amount * vat_rate AS DECIMAL(38, 12)) AS DECIMAL(38, 12))
        END AS total_amount,
        CASE WHEN missing_reason IS NULL THEN CAST(clawback_amount AS DECIMAL(38, 12)) END AS clawback_amount,
        CASE WHEN missing_reason IS NULL THEN CAST(count_unallocated AS BIGINT) END AS count_unallocated,
        NOT coalesce(paid, false) AS is_forecast,
        missing_reason
    FROM totals
)

SELECT * FROM final;

COMMENT ON VIEW statement_payment IS 'One row per output statement: the pounds DfE''s payment calculator gives it (banded output, mentors'' flat-rate output, uplifts, service fee, adjustments, VAT, total) from the contracts file and the synced declarations. NULL amounts with a missing_reason where it cannot be priced. Full precision: round only to show.';
COMMENT ON COLUMN statement_payment.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN statement_payment.statement_id IS 'The output statement''s id.';
COMMENT ON COLUMN statement_payment.cohort IS 'The statement''s cohort (the contract period).';
COMMENT ON COLUMN statement_payment.payment_date IS 'When the statement is due to be paid.';
COMMENT ON COLUMN statement_payment.paid IS 'Whether DfE has marked the statement paid.';
COMMENT ON COLUMN statement_payment.contract_type IS 'ecf or ittecf_ectp, from the contract that applies; null when none does.';
COMMENT ON COLUMN statement_payment.output_amount IS 'Banded output payments, net of clawbacks: the sum of statement_band_allocation.net_amount.';
COMMENT ON COLUMN statement_payment.mentor_output_amount IS 'ittecf_ectp: mentors'' started and completed declarations, billable minus refundable, x 0.5 x mentor_fee_per_declaration; 0 under ecf (mentors are banded).';
COMMENT ON COLUMN statement_payment.uplift_amount IS 'Banded declarations carrying a sparsity or pupil premium uplift, billable minus refundable, x uplift_fee_per_declaration (forecast from enrolment flags while the statement is not paid).';
COMMENT ON COLUMN statement_payment.service_fee_amount IS 'The monthly service fee: the contract''s monthly_service_fee, or computed from the recruitment target and the bands (less the set-up fee) over 29 payments.';
COMMENT ON COLUMN statement_payment.adjustments_amount IS 'The sum of the statement''s manual adjustments in the contracts file.';
COMMENT ON COLUMN statement_payment.subtotal_amount IS 'output + mentor output + uplift + service fee + adjustments.';
COMMENT ON COLUMN statement_payment.vat_amount IS 'subtotal x the contract''s vat_rate (0 when the provider is not VAT-registered).';
COMMENT ON COLUMN statement_payment.total_amount IS 'subtotal + VAT: what DfE pays on the statement.';
COMMENT ON COLUMN statement_payment.clawback_amount IS 'What the clawbacks landing on the statement take off (banded output, mentor output and uplifts of its refundable declarations); already netted in the amounts above.';
COMMENT ON COLUMN statement_payment.count_unallocated IS 'Billable declarations beyond the last band: DfE does not pay them.';
COMMENT ON COLUMN statement_payment.is_forecast IS 'True while the statement is not paid: its declarations can still change and its uplifts are forecast from enrolment flags.';
COMMENT ON COLUMN statement_payment.missing_reason IS 'Why the amounts are NULL: missing_contract (no contract entry applies), missing_payment_date (a statement of the cohort has no payment date) or unknown_declarations (a declaration on it, or on a statement before it, has a state, type or course no ref table knows); null when priced.';
