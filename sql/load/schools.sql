-- staging: one API school item (per cohort) -> one schools row, keyed by (id, cohort)
SELECT
    i.source,
    i.raw ->> '$.id' AS id,
    i.raw ->> '$.attributes.cohort' AS cohort,
    i.raw ->> '$.attributes.name' AS name,
    i.raw ->> '$.attributes.urn' AS urn,
    (i.raw ->> '$.attributes.in_partnership')::BOOLEAN AS in_partnership,
    i.raw ->> '$.attributes.induction_programme_choice' AS induction_programme_choice,
    (i.raw ->> '$.attributes.expression_of_interest')::BOOLEAN AS expression_of_interest,
    i.raw ->> '$.attributes.induction_tutor_name' AS induction_tutor_name,
    i.raw ->> '$.attributes.induction_tutor_email' AS induction_tutor_email,
    (i.raw ->> '$.attributes.created_at')::TIMESTAMPTZ AS created_at,
    (i.raw ->> '$.attributes.updated_at')::TIMESTAMPTZ AS updated_at,
    i.raw,
    i.seen_at
FROM incoming AS i
