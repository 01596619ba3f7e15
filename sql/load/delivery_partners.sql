-- staging: one API delivery partner item -> one delivery_partners row
SELECT
    i.source,
    i.raw ->> '$.id' AS id,
    i.raw ->> '$.attributes.name' AS name,
    CAST(i.raw -> '$.attributes.cohort' AS VARCHAR[]) AS cohort,
    (i.raw ->> '$.attributes.created_at')::TIMESTAMPTZ AS created_at,
    (i.raw ->> '$.attributes.updated_at')::TIMESTAMPTZ AS updated_at,
    i.raw,
    i.seen_at
FROM incoming AS i
