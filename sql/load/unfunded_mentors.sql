-- staging: one API unfunded mentor item -> one unfunded_mentors row (ids are teacher ids, as participants)
SELECT
    i.source,
    i.raw ->> '$.id' AS id,
    i.raw ->> '$.attributes.full_name' AS full_name,
    i.raw ->> '$.attributes.email' AS email,
    i.raw ->> '$.attributes.teacher_reference_number' AS teacher_reference_number,
    (i.raw ->> '$.attributes.created_at')::TIMESTAMPTZ AS created_at,
    (i.raw ->> '$.attributes.updated_at')::TIMESTAMPTZ AS updated_at,
    i.raw ->> '$.id' AS canonical_participant_id,
    i.raw,
    i.seen_at
FROM incoming AS i
