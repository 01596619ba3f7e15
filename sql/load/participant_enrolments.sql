-- staging: each entry of a participant's ecf_enrolments -> one participant_enrolments row
WITH enrolments AS (
    SELECT i.source, i.raw ->> '$.id' AS participant_id, e AS raw, i.seen_at
    FROM incoming AS i,
        LATERAL (SELECT unnest(CAST(i.raw -> '$.attributes.ecf_enrolments' AS JSON[])) AS e)
)
SELECT
    e.source,
    e.raw ->> '$.training_record_id' AS training_record_id,
    e.participant_id,
    coalesce(m.canonical_participant_id, e.participant_id) AS canonical_participant_id,
    e.raw ->> '$.email' AS email,
    e.raw ->> '$.mentor_id' AS mentor_id,
    coalesce(mentor.canonical_participant_id, e.raw ->> '$.mentor_id') AS canonical_mentor_id,
    e.raw ->> '$.school_urn' AS school_urn,
    e.raw ->> '$.participant_type' AS participant_type,
    e.raw ->> '$.cohort' AS cohort,
    e.raw ->> '$.training_status' AS training_status,
    e.raw ->> '$.participant_status' AS participant_status,
    (e.raw ->> '$.eligible_for_funding')::BOOLEAN AS eligible_for_funding,
    (e.raw ->> '$.pupil_premium_uplift')::BOOLEAN AS pupil_premium_uplift,
    (e.raw ->> '$.sparsity_uplift')::BOOLEAN AS sparsity_uplift,
    e.raw ->> '$.schedule_identifier' AS schedule_identifier,
    e.raw ->> '$.delivery_partner_id' AS delivery_partner_id,
    e.raw ->> '$.withdrawal.reason' AS withdrawal_reason,
    (e.raw ->> '$.withdrawal.date')::TIMESTAMPTZ AS withdrawal_date,
    e.raw ->> '$.deferral.reason' AS deferral_reason,
    (e.raw ->> '$.deferral.date')::TIMESTAMPTZ AS deferral_date,
    (e.raw ->> '$.created_at')::TIMESTAMPTZ AS created_at,
    (e.raw ->> '$.induction_end_date')::DATE AS induction_end_date,
    (e.raw ->> '$.most_recent_induction_period_end_date')::DATE AS most_recent_induction_period_end_date,
    (e.raw ->> '$.overall_induction_start_date')::DATE AS overall_induction_start_date,
    (e.raw ->> '$.mentor_funding_end_date')::DATE AS mentor_funding_end_date,
    (e.raw ->> '$.cohort_changed_after_payments_frozen')::BOOLEAN AS cohort_changed_after_payments_frozen,
    e.raw ->> '$.mentor_ineligible_for_funding_reason' AS mentor_ineligible_for_funding_reason,
    e.raw ->> '$.working_pattern' AS working_pattern,
    e.raw,
    e.seen_at
FROM enrolments AS e
LEFT JOIN participant_id_map AS m ON m.source = e.source AND m.participant_id = e.participant_id
LEFT JOIN participant_id_map AS mentor ON mentor.source = e.source AND mentor.participant_id = e.raw ->> '$.mentor_id'
