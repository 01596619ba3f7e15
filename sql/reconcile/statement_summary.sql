-- `syncer reconcile`: one row per statement with its reconciliation, its money (statement_payment) and how
-- many anomalies touch it (declarations on it or clawed back on it). $source and $statement_id narrow it when not null; without a
-- statement, statements with nothing on them are left out.
WITH anomalies AS (
    SELECT source, statement_id, count(*) AS anomalies
    FROM (
        SELECT source, statement_id FROM declaration_anomalies WHERE statement_id IS NOT NULL
        UNION ALL
        SELECT source, clawback_statement_id FROM declaration_anomalies
        WHERE clawback_statement_id IS NOT NULL AND clawback_statement_id IS DISTINCT FROM statement_id
    )
    GROUP BY source, statement_id
)

SELECT
    r.*,
    p.contract_type,
    p.output_amount,
    p.mentor_output_amount,
    p.uplift_amount,
    p.service_fee_amount,
    p.adjustments_amount,
    p.clawback_amount,
    p.subtotal_amount,
    p.vat_amount,
    p.total_amount,
    p.count_unallocated,
    p.is_forecast,
    p.missing_reason,
    coalesce(a.anomalies, 0) AS anomalies
FROM statement_reconciliation AS r
LEFT JOIN statement_payment AS p ON p.source = r.source AND p.statement_id = r.statement_id
LEFT JOIN anomalies AS a ON a.source = r.source AND a.statement_id = r.statement_id
WHERE ($source IS NULL OR r.source = $source)
    AND ($statement_id IS NULL OR r.statement_id = $statement_id)
    AND ($statement_id IS NOT NULL OR r.count_declarations > 0 OR r.count_clawbacks > 0)
ORDER BY r.source, r.payment_date, r.cohort
