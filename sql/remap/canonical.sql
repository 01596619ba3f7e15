-- Re-applies participant_id_map to the stored rows of one table: the API re-points declarations after a
-- merge without bumping their updated_at, so this runs over stored rows on every sync, not on fetched ones.
-- {table}, {column} (the id as sent) and {target} (its canonical column) are filled in by syncer/remap.py from a fixed list.
UPDATE {table} AS t
SET {target} = m.canonical_participant_id
FROM participant_id_map AS m
WHERE t.source = $source AND m.source = t.source AND m.participant_id = t.{column}
    AND t.{target} IS DISTINCT FROM m.canonical_participant_id;

UPDATE {table} AS t
SET {target} = t.{column}
WHERE t.source = $source AND t.{target} IS DISTINCT FROM t.{column}
    AND NOT EXISTS (
        SELECT 1 FROM participant_id_map AS m WHERE m.source = t.source AND m.participant_id = t.{column}
    );
