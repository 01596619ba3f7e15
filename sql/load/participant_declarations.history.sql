-- Before declarations are upserted: one history row per declaration whose state, statement or clawback
-- statement differs from what the warehouse holds (or that is new, or that comes back after removal).
INSERT INTO declaration_state_history
SELECT
    s.source,
    s.id,
    CASE WHEN t.removed_at IS NOT NULL THEN 'removed' ELSE t.state END,
    s.state,
    t.statement_id,
    s.statement_id,
    t.clawback_statement_id,
    s.clawback_statement_id,
    s.updated_at,
    s.seen_at
FROM staged AS s
LEFT JOIN participant_declarations AS t ON t.source = s.source AND t.id = s.id
WHERE t.id IS NULL
    OR t.removed_at IS NOT NULL
    OR t.state IS DISTINCT FROM s.state
    OR t.statement_id IS DISTINCT FROM s.statement_id
    OR t.clawback_statement_id IS DISTINCT FROM s.clawback_statement_id
