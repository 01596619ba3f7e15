-- staging: one API statement item -> one statements row
SELECT
    i.source,
    i.raw ->> '$.id' AS id,
    i.raw ->> '$.attributes.month' AS month,
    i.raw ->> '$.attributes.year' AS year,
    i.raw ->> '$.attributes.cohort' AS cohort,
    (i.raw ->> '$.attributes.cut_off_date')::DATE AS cut_off_date,
    (i.raw ->> '$.attributes.payment_date')::DATE AS payment_date,
    (i.raw ->> '$.attributes.paid')::BOOLEAN AS paid,
    (i.raw ->> '$.attributes.created_at')::TIMESTAMPTZ AS created_at,
    (i.raw ->> '$.attributes.updated_at')::TIMESTAMPTZ AS updated_at,
    i.raw,
    i.seen_at
FROM incoming AS i
