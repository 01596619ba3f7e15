-- After a complete full scan marks declarations removed: record the transition to 'removed'.
INSERT INTO declaration_state_history
SELECT source, id, state, 'removed', statement_id, NULL, clawback_statement_id, NULL, updated_at, removed_at
FROM participant_declarations
WHERE source = $source AND removed_at = $removed_at
