-- staging: one API partnership item -> one partnerships row (status/challenged_* exist in ECF v3 only)
WITH parsed AS (
    SELECT
        source, raw, seen_at,
        json_transform(raw, '{"id": "VARCHAR", "attributes": {
            "cohort": "VARCHAR", "urn": "VARCHAR", "school_id": "VARCHAR", "delivery_partner_id": "VARCHAR",
            "delivery_partner_name": "VARCHAR", "induction_tutor_name": "VARCHAR",
            "induction_tutor_email": "VARCHAR", "participants_currently_training": "INTEGER",
            "status": "VARCHAR", "challenged_reason": "VARCHAR", "challenged_at": "TIMESTAMPTZ",
            "created_at": "TIMESTAMPTZ", "updated_at": "TIMESTAMPTZ"}}') AS j
    FROM incoming
)
SELECT
    source,
    j.id AS id,
    j.attributes.cohort AS cohort,
    j.attributes.urn AS urn,
    j.attributes.school_id AS school_id,
    j.attributes.delivery_partner_id AS delivery_partner_id,
    j.attributes.delivery_partner_name AS delivery_partner_name,
    j.attributes.induction_tutor_name AS induction_tutor_name,
    j.attributes.induction_tutor_email AS induction_tutor_email,
    j.attributes.participants_currently_training AS participants_currently_training,
    j.attributes.status AS status,
    j.attributes.challenged_reason AS challenged_reason,
    j.attributes.challenged_at AS challenged_at,
    j.attributes.created_at AS created_at,
    j.attributes.updated_at AS updated_at,
    raw,
    seen_at
FROM parsed
