-- staging: one API partnership item -> one partnerships row (status/challenged_* exist in ECF v3 only)
SELECT
    i.source,
    i.raw ->> '$.id' AS id,
    i.raw ->> '$.attributes.cohort' AS cohort,
    i.raw ->> '$.attributes.urn' AS urn,
    i.raw ->> '$.attributes.school_id' AS school_id,
    i.raw ->> '$.attributes.delivery_partner_id' AS delivery_partner_id,
    i.raw ->> '$.attributes.delivery_partner_name' AS delivery_partner_name,
    i.raw ->> '$.attributes.induction_tutor_name' AS induction_tutor_name,
    i.raw ->> '$.attributes.induction_tutor_email' AS induction_tutor_email,
    (i.raw ->> '$.attributes.participants_currently_training')::INTEGER AS participants_currently_training,
    i.raw ->> '$.attributes.status' AS status,
    i.raw ->> '$.attributes.challenged_reason' AS challenged_reason,
    (i.raw ->> '$.attributes.challenged_at')::TIMESTAMPTZ AS challenged_at,
    (i.raw ->> '$.attributes.created_at')::TIMESTAMPTZ AS created_at,
    (i.raw ->> '$.attributes.updated_at')::TIMESTAMPTZ AS updated_at,
    i.raw,
    i.seen_at
FROM incoming AS i
