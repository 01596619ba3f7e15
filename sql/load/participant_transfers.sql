-- staging: one API participant-transfer item -> one participant_transfers row (transfers kept as JSON)
SELECT
    i.source,
    i.raw ->> '$.id' AS id,
    i.raw ->> '$.id' AS canonical_participant_id,
    (i.raw ->> '$.attributes.updated_at')::TIMESTAMPTZ AS updated_at,
    CAST(json_array_length(i.raw -> '$.attributes.transfers') AS INTEGER) AS transfer_count,
    i.raw -> '$.attributes.transfers' AS transfers,
    i.raw,
    i.seen_at
FROM incoming AS i
