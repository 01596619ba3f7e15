-- staging: one API participant item -> one participants row (rename and cast only)
WITH parsed AS (
    SELECT
        source, raw, seen_at,
        json_transform(raw, '{"id": "VARCHAR", "attributes": {
            "full_name": "VARCHAR", "teacher_reference_number": "VARCHAR", "updated_at": "TIMESTAMPTZ"}}') AS j
    FROM incoming
)
SELECT
    p.source,
    p.j.id AS id,
    p.j.attributes.full_name AS full_name,
    p.j.attributes.teacher_reference_number AS teacher_reference_number,
    p.j.attributes.updated_at AS updated_at,
    p.j.id AS canonical_participant_id,
    CAST(NULL AS VARCHAR) AS merged_into_id,
    p.raw,
    p.seen_at
FROM parsed AS p
