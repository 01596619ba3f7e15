-- staging: one API participant item -> one participants row (rename and cast only)
SELECT
    i.source,
    i.raw ->> '$.id' AS id,
    i.raw ->> '$.attributes.full_name' AS full_name,
    i.raw ->> '$.attributes.teacher_reference_number' AS teacher_reference_number,
    (i.raw ->> '$.attributes.updated_at')::TIMESTAMPTZ AS updated_at,
    coalesce(m.canonical_participant_id, i.raw ->> '$.id') AS canonical_participant_id,
    CAST(NULL AS VARCHAR) AS merged_into_id,
    i.raw,
    i.seen_at
FROM incoming AS i
LEFT JOIN participant_id_map AS m ON m.source = i.source AND m.participant_id = i.raw ->> '$.id'
