-- A merged-away participant's row is kept, marked with the participant it merged into.
UPDATE participants
SET merged_into_id = CASE WHEN canonical_participant_id <> id THEN canonical_participant_id END
WHERE source = $source
    AND merged_into_id IS DISTINCT FROM (CASE WHEN canonical_participant_id <> id THEN canonical_participant_id END);
