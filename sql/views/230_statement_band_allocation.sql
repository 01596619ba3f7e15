-- statement_band_allocation: which band does each declaration a statement bills or refunds fall in, and what is
-- it worth? DfE's band allocator (payment_calculator/banded/band_allocator.rb), per statement S and
-- declaration type, over the banded declarations (every one under an ecf contract; ECTs under ittecf_ectp):
--   1. the billable declarations of S's previous statements (same source and cohort, earlier payment date)
--      fill the bands from A towards D, each up to its capacity;
--   2. their refundable declarations drain them from D towards A;
--   3. S's billable declarations fill what is left from A towards D (beyond the last band: not paid);
--   4. S's refundable declarations drain from D towards A.
-- Bands fill from the bottom and drain from the top, so each step leaves a level: the first `level` places,
-- band by band. That gives every step's count per band in closed form (no loop): a band holding places
-- (before, before + capacity] takes clamp(level - before, 0, capacity). Statements without a contract have
-- no rows (statement_payment says why).
-- materialized: view
WITH contracted AS (
    SELECT * FROM int_statement_contracts WHERE missing_reason IS NULL
),

counts AS (
    -- each statement's billable and refundable declarations per type, for both selections a contract can make
    SELECT
        source,
        statement_id,
        declaration_type,
        CAST(sum(billable_count) AS BIGINT) AS billable_all,
        CAST(sum(refundable_count) AS BIGINT) AS refundable_all,
        CAST(coalesce(sum(billable_count) FILTER (WHERE participant_type = 'ect'), 0) AS BIGINT) AS billable_ect,
        CAST(coalesce(sum(refundable_count) FILTER (WHERE participant_type = 'ect'), 0) AS BIGINT) AS refundable_ect
    FROM statement_declaration_counts
    GROUP BY source, statement_id, declaration_type
),

inputs AS (
    -- for S and each declaration type: PB, PR (its previous statements) and B, R (its own), in S's selection
    SELECT
        c.source,
        c.statement_id,
        c.cohort,
        c.effective_from,
        c.contract_type,
        t.declaration_type,
        t.output_fee_proportion,
        CAST(coalesce(sum(CASE WHEN c.contract_type = 'ecf' THEN k.billable_all ELSE k.billable_ect END)
            FILTER (WHERE p.is_previous), 0) AS BIGINT) AS previous_billable,
        CAST(coalesce(sum(CASE WHEN c.contract_type = 'ecf' THEN k.refundable_all ELSE k.refundable_ect END)
            FILTER (WHERE p.is_previous), 0) AS BIGINT) AS previous_refundable,
        CAST(coalesce(sum(CASE WHEN c.contract_type = 'ecf' THEN k.billable_all ELSE k.billable_ect END)
            FILTER (WHERE NOT p.is_previous), 0) AS BIGINT) AS billable,
        CAST(coalesce(sum(CASE WHEN c.contract_type = 'ecf' THEN k.refundable_all ELSE k.refundable_ect END)
            FILTER (WHERE NOT p.is_previous), 0) AS BIGINT) AS refundable
    FROM contracted AS c
    CROSS JOIN ref_declaration_types AS t
    JOIN int_statement_predecessors AS p ON p.source = c.source AND p.statement_id = c.statement_id
    LEFT JOIN counts AS k
        ON k.source = p.source
        AND k.statement_id = p.counted_statement_id
        AND k.declaration_type = t.declaration_type
    GROUP BY ALL
),

bands AS (
    SELECT
        *,
        CAST(coalesce(sum(capacity) OVER (
            PARTITION BY source, cohort, effective_from ORDER BY band_order
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ), 0) AS BIGINT) AS before,
        CAST(sum(capacity) OVER (PARTITION BY source, cohort, effective_from) AS BIGINT) AS total_capacity
    FROM contract_bands
),

levels AS (
    -- the level after each step: 1 filled by previous billable, 2 after previous refundable, 3 after S's billable
    SELECT
        i.*,
        b.band,
        b.band_order,
        b.capacity,
        b.before,
        b.before + b.capacity AS through,
        b.total_capacity,
        b.fee_per_declaration,
        b.output_fee_ratio,
        least(i.previous_billable, b.total_capacity) AS level_1,
        greatest(least(i.previous_billable, b.total_capacity) - i.previous_refundable, 0) AS level_2
    FROM inputs AS i
    JOIN bands AS b
        ON b.source = i.source AND b.cohort = i.cohort AND b.effective_from IS NOT DISTINCT FROM i.effective_from
),

steps AS (
    SELECT
        *,
        least(level_2 + billable, total_capacity) AS level_3,
        greatest(level_2 + billable - total_capacity, 0) AS unallocated_count,
        -- the places each step's level holds in this band
        least(greatest(level_1 - before, 0), capacity) AS held_1,
        least(greatest(level_2 - before, 0), capacity) AS held_2,
        least(greatest(least(level_2 + billable, total_capacity) - before, 0), capacity) AS held_3
    FROM levels
),

allocated AS (
    SELECT
        source,
        statement_id,
        declaration_type,
        band,
        band_order,
        held_1 AS previous_billable_count,
        -- drained from the top: what the bands above this one held absorbs the refunds first
        least(held_1, greatest(previous_refundable - greatest(level_1 - through, 0), 0)) AS previous_refundable_count,
        held_3 - held_2 AS billable_count,
        least(held_3, greatest(refundable - greatest(level_3 - through, 0), 0)) AS refundable_count,
        unallocated_count,
        CAST(
            CAST(output_fee_proportion AS DECIMAL(38, 12)) * output_fee_ratio * fee_per_declaration
            AS DECIMAL(38, 12)
        ) AS output_fee_per_declaration
    FROM steps
),

final AS (
    SELECT
        source,
        statement_id,
        declaration_type,
        band,
        band_order,
        previous_billable_count,
        previous_refundable_count,
        billable_count,
        refundable_count,
        unallocated_count,
        output_fee_per_declaration,
        CAST(billable_count * output_fee_per_declaration AS DECIMAL(38, 12)) AS billable_amount,
        CAST(refundable_count * output_fee_per_declaration AS DECIMAL(38, 12)) AS refundable_amount,
        CAST((billable_count - refundable_count) * output_fee_per_declaration AS DECIMAL(38, 12)) AS net_amount
    FROM allocated
)

SELECT * FROM final;

COMMENT ON VIEW statement_band_allocation IS 'One row per statement with a contract, declaration type and band: DfE''s band allocation (previous statements'' billable fill A to D, their refundable drain D to A, then the statement''s own billable fill and refundable drain), the output fee per declaration in the band and the amounts. Full precision: round only to show.';
COMMENT ON COLUMN statement_band_allocation.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN statement_band_allocation.statement_id IS 'The output statement''s id.';
COMMENT ON COLUMN statement_band_allocation.declaration_type IS 'The milestone: bands are allocated separately for each declaration type.';
COMMENT ON COLUMN statement_band_allocation.band IS 'The band (A, B, C, D...) as the contracts file names it.';
COMMENT ON COLUMN statement_band_allocation.band_order IS 'The band''s place in allocation order (1 = A).';
COMMENT ON COLUMN statement_band_allocation.previous_billable_count IS 'Billable declarations of the previous statements (same source and cohort, earlier payment date) that fall in this band.';
COMMENT ON COLUMN statement_band_allocation.previous_refundable_count IS 'Refundable declarations of the previous statements drained from this band (from the top band down).';
COMMENT ON COLUMN statement_band_allocation.billable_count IS 'This statement''s billable declarations that fall in this band (what capacity the previous statements left, from A up).';
COMMENT ON COLUMN statement_band_allocation.refundable_count IS 'This statement''s refundable declarations drained from this band (from the top band down).';
COMMENT ON COLUMN statement_band_allocation.unallocated_count IS 'This statement''s billable declarations of this type beyond the last band (not paid); the same on every band row of the type.';
COMMENT ON COLUMN statement_band_allocation.output_fee_per_declaration IS 'The output fee of one declaration of this type in this band: proportion of the type (0.2 started and completed, 0.15 the others) x the band''s output_fee_ratio x its fee_per_declaration.';
COMMENT ON COLUMN statement_band_allocation.billable_amount IS 'billable_count x output_fee_per_declaration.';
COMMENT ON COLUMN statement_band_allocation.refundable_amount IS 'refundable_count x output_fee_per_declaration.';
COMMENT ON COLUMN statement_band_allocation.net_amount IS 'billable_amount minus refundable_amount.';
