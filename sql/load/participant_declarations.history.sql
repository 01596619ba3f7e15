-- Before declarations are upserted: one history row per declaration whose state, statement or clawback
-- statement differs from what the warehouse holds (or that is new, or that comes back after removal).
-- The stored values come staged as previous_<column> (Stream.compared), so this reads the page only.
INSERT INTO declaration_state_history
SELECT
    source,
    id,
    CASE WHEN previous_removed_at IS NOT NULL THEN 'removed' ELSE previous_state END,
    state,
    previous_statement_id,
    statement_id,
    previous_clawback_statement_id,
    clawback_statement_id,
    updated_at,
    seen_at
FROM staged
WHERE change = 'new'
    OR previous_removed_at IS NOT NULL
    OR previous_state IS DISTINCT FROM state
    OR previous_statement_id IS DISTINCT FROM statement_id
    OR previous_clawback_statement_id IS DISTINCT FROM clawback_statement_id
