-- staging: each entry of a participant's participant_id_changes -> one participant_id_changes row
SELECT
    i.source,
    i.raw ->> '$.id' AS participant_id,
    c ->> '$.from_participant_id' AS from_participant_id,
    c ->> '$.to_participant_id' AS to_participant_id,
    (c ->> '$.changed_at')::TIMESTAMPTZ AS changed_at,
    i.seen_at
FROM incoming AS i,
    LATERAL (SELECT unnest(CAST(i.raw -> '$.attributes.participant_id_changes' AS JSON[])) AS c)
