-- staging: one API declaration item -> one participant_declarations row (rename and cast only).
-- json_transform parses each item once into a typed struct; ->> per column would parse it per column.
WITH parsed AS (
    SELECT
        source, raw, seen_at,
        json_transform(raw, '{"id": "VARCHAR", "attributes": {
            "participant_id": "VARCHAR", "declaration_type": "VARCHAR", "declaration_date": "TIMESTAMPTZ",
            "course_identifier": "VARCHAR", "state": "VARCHAR", "updated_at": "TIMESTAMPTZ",
            "created_at": "TIMESTAMPTZ", "delivery_partner_id": "VARCHAR", "statement_id": "VARCHAR",
            "clawback_statement_id": "VARCHAR", "ineligible_for_funding_reason": "VARCHAR", "mentor_id": "VARCHAR",
            "uplift_paid": "BOOLEAN", "evidence_held": "VARCHAR", "lead_provider_name": "VARCHAR"}}') AS j
    FROM incoming
)
SELECT
    p.source,
    p.j.id AS id,
    p.j.attributes.participant_id AS participant_id,
    p.j.attributes.participant_id AS canonical_participant_id,
    p.j.attributes.declaration_type AS declaration_type,
    p.j.attributes.declaration_date AS declaration_date,
    p.j.attributes.course_identifier AS course_identifier,
    p.j.attributes.state AS state,
    p.j.attributes.updated_at AS updated_at,
    p.j.attributes.created_at AS created_at,
    p.j.attributes.delivery_partner_id AS delivery_partner_id,
    p.j.attributes.statement_id AS statement_id,
    p.j.attributes.clawback_statement_id AS clawback_statement_id,
    p.j.attributes.ineligible_for_funding_reason AS ineligible_for_funding_reason,
    p.j.attributes.mentor_id AS mentor_id,
    p.j.attributes.mentor_id AS canonical_mentor_id,
    p.j.attributes.uplift_paid AS uplift_paid,
    p.j.attributes.evidence_held AS evidence_held,
    p.j.attributes.lead_provider_name AS lead_provider_name,
    p.raw,
    p.seen_at
FROM parsed AS p
