-- The first $limit anomalies to look at: errors first, then by code and declaration.
SELECT source, anomaly_code, severity, declaration_id, explanation
FROM declaration_anomalies
WHERE ($source IS NULL OR source = $source)
ORDER BY severity = 'error' DESC, anomaly_code, source, declaration_id
LIMIT $limit
