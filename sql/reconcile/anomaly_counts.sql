-- `syncer reconcile`: how many anomalies of each code, most serious first. $source and $statement_id
-- (declarations on that statement or clawed back on it) narrow it when not null.
SELECT source, anomaly_code, severity, title, count(*) AS anomalies
FROM declaration_anomalies
WHERE ($source IS NULL OR source = $source)
    AND ($statement_id IS NULL OR statement_id = $statement_id OR clawback_statement_id = $statement_id)
GROUP BY source, anomaly_code, severity, title
ORDER BY source, severity = 'error' DESC, anomalies DESC, anomaly_code
