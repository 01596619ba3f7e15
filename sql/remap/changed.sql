-- Notes in finance_changes (sql/schema/010) the stored rows of one table whose canonical column the remap is
-- about to change: those whose {column} is one of the ids whose canonical id the new map changes (remapped_ids,
-- registered by syncer/remap.py), so the finance layer refreshes what a merge reaches, old and new participant.
INSERT INTO finance_changes
SELECT '{table}', t.key_hash
FROM {table} AS t
WHERE t.source = $source AND t.{column} IN (SELECT participant_id FROM remapped_ids)
