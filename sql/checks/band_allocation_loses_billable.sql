-- band_allocation_loses_billable: does statement_band_allocation put every billable declaration a statement
-- bands into a band or count it unallocated? For each statement with a contract and each declaration type,
-- the billable_count of its bands plus unallocated_count (the same on every band row of the type) must be the
-- statement's billable declarations of that type in its contract's selection (everyone under ecf, ECTs under
-- ittecf_ectp) as statement_declaration_counts counts them: a declaration lost between the two is paid by no
-- band, one gained is paid for twice. Returns each statement and type where they differ (a missing side
-- shows as null).
WITH banded AS (
    SELECT
        c.source,
        c.statement_id,
        t.declaration_type,
        CAST(coalesce(sum(k.billable_count) FILTER (WHERE c.contract_type = 'ecf' OR k.participant_type = 'ect'), 0)
            AS BIGINT) AS billable
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
        CAST(sum(billable_count) AS BIGINT) AS in_bands,
        min(unallocated_count) AS unallocated_count,
        max(unallocated_count) AS unallocated_count_max
    FROM statement_band_allocation
    GROUP BY source, statement_id, declaration_type
),

final AS (
    SELECT
        coalesce(b.source, a.source) AS source,
        coalesce(b.statement_id, a.statement_id) AS statement_id,
        coalesce(b.declaration_type, a.declaration_type) AS declaration_type,
        b.billable,
        a.in_bands,
        a.unallocated_count,
        a.unallocated_count_max
    FROM banded AS b
    FULL JOIN allocated AS a
        ON a.source = b.source AND a.statement_id = b.statement_id AND a.declaration_type = b.declaration_type
    WHERE a.in_bands + a.unallocated_count IS DISTINCT FROM b.billable
        OR a.unallocated_count <> a.unallocated_count_max
)

SELECT * FROM final
