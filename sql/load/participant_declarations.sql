-- staging: one API declaration item -> one participant_declarations row
SELECT
    i.source,
    i.raw ->> '$.id' AS id,
    i.raw ->> '$.attributes.participant_id' AS participant_id,
    coalesce(m.canonical_participant_id, i.raw ->> '$.attributes.participant_id') AS canonical_participant_id,
    i.raw ->> '$.attributes.declaration_type' AS declaration_type,
    (i.raw ->> '$.attributes.declaration_date')::TIMESTAMPTZ AS declaration_date,
    i.raw ->> '$.attributes.course_identifier' AS course_identifier,
    i.raw ->> '$.attributes.state' AS state,
    (i.raw ->> '$.attributes.updated_at')::TIMESTAMPTZ AS updated_at,
    (i.raw ->> '$.attributes.created_at')::TIMESTAMPTZ AS created_at,
    i.raw ->> '$.attributes.delivery_partner_id' AS delivery_partner_id,
    i.raw ->> '$.attributes.statement_id' AS statement_id,
    i.raw ->> '$.attributes.clawback_statement_id' AS clawback_statement_id,
    i.raw ->> '$.attributes.ineligible_for_funding_reason' AS ineligible_for_funding_reason,
    i.raw ->> '$.attributes.mentor_id' AS mentor_id,
    coalesce(mentor.canonical_participant_id, i.raw ->> '$.attributes.mentor_id') AS canonical_mentor_id,
    (i.raw ->> '$.attributes.uplift_paid')::BOOLEAN AS uplift_paid,
    i.raw ->> '$.attributes.evidence_held' AS evidence_held,
    i.raw ->> '$.attributes.lead_provider_name' AS lead_provider_name,
    i.raw,
    i.seen_at
FROM incoming AS i
LEFT JOIN participant_id_map AS m
    ON m.source = i.source AND m.participant_id = i.raw ->> '$.attributes.participant_id'
LEFT JOIN participant_id_map AS mentor
    ON mentor.source = i.source AND mentor.participant_id = i.raw ->> '$.attributes.mentor_id'
