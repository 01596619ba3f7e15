-- staging: one API school item (per cohort) -> one schools row, keyed by (id, cohort)
WITH parsed AS (
    SELECT
        source, raw, seen_at,
        json_transform(raw, '{"id": "VARCHAR", "attributes": {
            "cohort": "VARCHAR", "name": "VARCHAR", "urn": "VARCHAR", "in_partnership": "BOOLEAN",
            "induction_programme_choice": "VARCHAR", "expression_of_interest": "BOOLEAN",
            "induction_tutor_name": "VARCHAR", "induction_tutor_email": "VARCHAR",
            "created_at": "TIMESTAMPTZ", "updated_at": "TIMESTAMPTZ"}}') AS j
    FROM incoming
)
SELECT
    source,
    j.id AS id,
    j.attributes.cohort AS cohort,
    j.attributes.name AS name,
    j.attributes.urn AS urn,
    j.attributes.in_partnership AS in_partnership,
    j.attributes.induction_programme_choice AS induction_programme_choice,
    j.attributes.expression_of_interest AS expression_of_interest,
    j.attributes.induction_tutor_name AS induction_tutor_name,
    j.attributes.induction_tutor_email AS induction_tutor_email,
    j.attributes.created_at AS created_at,
    j.attributes.updated_at AS updated_at,
    raw,
    seen_at
FROM parsed
