-- band_allocation_loses_refundable: does statement_band_allocation drain each statement's refundable
-- declarations from its bands, and only what they hold? Refunds drain from the top band down, so for each
-- statement with a contract and each declaration type the refundable_count of its bands must be the
-- statement's refundable declarations of that type in its contract's selection (everyone under ecf, ECTs
-- under ittecf_ectp; statement_declaration_counts), or all that its bands hold once its billable ones are in
-- (previous billable - previous refundable + billable, band by band), whichever is less. Returns each
-- statement and type where the drained count is another number.
WITH banded AS (
    SELECT
        c.source,
        c.statement_id,
        t.declaration_type,
        CAST(coalesce(sum(k.refundable_count) FILTER (WHERE c.contract_type = 'ecf' OR k.participant_type = 'ect'), 0)
            AS BIGINT) AS refundable
    FROM int_statement_contracts AS c
    CROSS JOIN ref_declaration_types AS t
    LEFT JOIN statement_declaration_counts AS k
        ON k.source = c.source AND k.statement_id = c.statement_id AND k.declaration_type = t.declaration_type
    WHERE c.missing_reason IS NULL
    GROUP BY c.source, c.statement_id, t.declaration_type
),

allocated AS (
    SELECT
        source,
        statement_id,
        declaration_type,
        CAST(sum(previous_billable_count - previous_refundable_count + billable_count) AS BIGINT) AS held,
        CAST(sum(refundable_count) AS BIGINT) AS drained
    FROM statement_band_allocation
    GROUP BY source, statement_id, declaration_type
),

final AS (
    SELECT a.source, a.statement_id, a.declaration_type, b.refundable, a.held, a.drained
    FROM allocated AS a
    LEFT JOIN banded AS b
        ON b.source = a.source AND b.statement_id = a.statement_id AND b.declaration_type = a.declaration_type
    WHERE a.drained IS DISTINCT FROM least(b.refundable, a.held)
)

SELECT * FROM final
