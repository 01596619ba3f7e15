-- staging: each entry of a participant's ecf_enrolments -> one participant_enrolments row. One json_transform of the
-- participant and one json_extract of its enrolments' text: unnesting the enrolments as JSON and parsing each again
-- cost a full sync's participants stream a third of its time.
WITH parents AS (
    -- each participant parsed once: its enrolments typed, and each one's JSON text (the row's raw), in order
    SELECT
        source,
        seen_at,
        json_transform(raw, '{"id": "VARCHAR", "attributes": {"ecf_enrolments": [{
                "training_record_id": "VARCHAR", "email": "VARCHAR", "mentor_id": "VARCHAR", "school_urn": "VARCHAR",
                "participant_type": "VARCHAR", "cohort": "VARCHAR", "training_status": "VARCHAR",
                "participant_status": "VARCHAR", "eligible_for_funding": "BOOLEAN", "pupil_premium_uplift": "BOOLEAN",
                "sparsity_uplift": "BOOLEAN", "schedule_identifier": "VARCHAR", "delivery_partner_id": "VARCHAR",
                "withdrawal": {"reason": "VARCHAR", "date": "TIMESTAMPTZ"},
                "deferral": {"reason": "VARCHAR", "date": "TIMESTAMPTZ"},
                "created_at": "TIMESTAMPTZ", "induction_end_date": "DATE",
                "most_recent_induction_period_end_date": "DATE", "overall_induction_start_date": "DATE",
                "mentor_funding_end_date": "DATE", "cohort_changed_after_payments_frozen": "BOOLEAN",
                "mentor_ineligible_for_funding_reason": "VARCHAR", "working_pattern": "VARCHAR"}]}}') AS participant,
        json_extract(raw, '$.attributes.ecf_enrolments[*]') AS raws
    FROM incoming
),

parsed AS (
    -- two lists of one length, unnested side by side
    SELECT
        source,
        seen_at,
        participant.id AS participant_id,
        unnest(participant.attributes.ecf_enrolments) AS j,
        unnest(raws) AS raw
    FROM parents
)

SELECT
    p.source,
    p.j.training_record_id AS training_record_id,
    p.participant_id,
    p.participant_id AS canonical_participant_id,
    p.j.email AS email,
    p.j.mentor_id AS mentor_id,
    p.j.mentor_id AS canonical_mentor_id,
    p.j.school_urn AS school_urn,
    p.j.participant_type AS participant_type,
    p.j.cohort AS cohort,
    p.j.training_status AS training_status,
    p.j.participant_status AS participant_status,
    p.j.eligible_for_funding AS eligible_for_funding,
    p.j.pupil_premium_uplift AS pupil_premium_uplift,
    p.j.sparsity_uplift AS sparsity_uplift,
    p.j.schedule_identifier AS schedule_identifier,
    p.j.delivery_partner_id AS delivery_partner_id,
    p.j.withdrawal.reason AS withdrawal_reason,
    p.j.withdrawal.date AS withdrawal_date,
    p.j.deferral.reason AS deferral_reason,
    p.j.deferral.date AS deferral_date,
    p.j.created_at AS created_at,
    p.j.induction_end_date AS induction_end_date,
    p.j.most_recent_induction_period_end_date AS most_recent_induction_period_end_date,
    p.j.overall_induction_start_date AS overall_induction_start_date,
    p.j.mentor_funding_end_date AS mentor_funding_end_date,
    p.j.cohort_changed_after_payments_frozen AS cohort_changed_after_payments_frozen,
    p.j.mentor_ineligible_for_funding_reason AS mentor_ineligible_for_funding_reason,
    p.j.working_pattern AS working_pattern,
    p.raw,
    p.seen_at
FROM parsed AS p
