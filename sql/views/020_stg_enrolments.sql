-- stg_enrolments: which enrolments (training records) does each participant have with the provider today,
-- with statuses, schedule and reasons in one spelling (decoded through stg_code_spellings)? One row per
-- enrolment in the provider's scope.
-- is_primary picks the one enrolment per participant and role that declarations are matched to: after a
-- merge the surviving participant can hold two, until a full sync retires the one it no longer lists.
-- Refreshed by participant: an enrolment's row reads its own row and, for is_primary, its participant's others.
-- materialized: table
-- refreshed by: canonical_participant_id in participants
WITH source AS (
    SELECT * FROM participant_enrolments WHERE removed_at IS NULL
),

decoded AS (
    SELECT
        e.source,
        e.training_record_id,
        e.participant_id,
        e.canonical_participant_id,
        e.canonical_mentor_id,
        coalesce(pt.code, e.participant_type) AS participant_type,
        types.course_identifier,
        e.cohort,
        try_cast(e.cohort AS INTEGER) AS cohort_year,
        coalesce(s.code, e.schedule_identifier) AS schedule_identifier,
        coalesce(ts.code, e.training_status) AS training_status,
        coalesce(ps.code, e.participant_status) AS participant_status,
        e.eligible_for_funding,
        e.pupil_premium_uplift,
        e.sparsity_uplift,
        coalesce(w.code, e.withdrawal_reason) AS withdrawal_reason,
        e.withdrawal_date,
        coalesce(d.code, e.deferral_reason) AS deferral_reason,
        e.deferral_date,
        e.school_urn,
        e.delivery_partner_id,
        e.created_at,
        coalesce(try_cast(e.cohort AS INTEGER) >= courses.limited_types_from_cohort, false)
            AS is_limited_to_started_and_completed,
        s.code IS NOT NULL AS is_known_schedule_identifier,
        ts.code IS NOT NULL AS is_known_training_status,
        e.participant_status IS NULL OR ps.code IS NOT NULL AS is_known_participant_status,
        e.withdrawal_reason IS NULL OR w.code IS NOT NULL AS is_known_withdrawal_reason,
        e.deferral_reason IS NULL OR d.code IS NOT NULL AS is_known_deferral_reason
    FROM source AS e
    LEFT JOIN stg_code_spellings AS pt ON pt.code_type = 'participant_type' AND pt.spelling = e.participant_type
    LEFT JOIN ref_participant_types AS types ON types.participant_type = pt.code
    LEFT JOIN ref_course_identifiers AS courses ON courses.course_identifier = types.course_identifier
    LEFT JOIN stg_code_spellings AS s ON s.code_type = 'schedule_identifier' AND s.spelling = e.schedule_identifier
    LEFT JOIN stg_code_spellings AS ts ON ts.code_type = 'training_status' AND ts.spelling = e.training_status
    LEFT JOIN stg_code_spellings AS ps
        ON ps.code_type = 'participant_status' AND ps.spelling = e.participant_status
    LEFT JOIN stg_code_spellings AS w ON w.code_type = 'withdrawal_reason' AND w.spelling = e.withdrawal_reason
    LEFT JOIN stg_code_spellings AS d ON d.code_type = 'deferral_reason' AND d.spelling = e.deferral_reason
),

ranked AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY source, canonical_participant_id, participant_type
            ORDER BY participant_id = canonical_participant_id DESC, created_at DESC, training_record_id
        ) = 1 AS is_primary
    FROM decoded
)

SELECT * FROM ranked;

COMMENT ON VIEW stg_enrolments IS 'Staging: every enrolment (training record) in the provider''s scope, with participant type, schedule, statuses and reasons decoded through the ref_* tables into one spelling (the API''s; hyphens or underscores accepted). is_primary marks the one enrolment per participant and role that declarations are matched to.';
COMMENT ON COLUMN stg_enrolments.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN stg_enrolments.training_record_id IS 'The enrolment''s stable id: one per participant and role, unchanged by merges.';
COMMENT ON COLUMN stg_enrolments.participant_id IS 'The participant that lists this enrolment, as the API last sent it.';
COMMENT ON COLUMN stg_enrolments.canonical_participant_id IS 'The participant the enrolment belongs to today (participant_id resolved through merges).';
COMMENT ON COLUMN stg_enrolments.canonical_mentor_id IS 'The ECT''s current mentor, resolved through merges (null for mentors).';
COMMENT ON COLUMN stg_enrolments.participant_type IS 'ect or mentor; an unknown value as sent.';
COMMENT ON COLUMN stg_enrolments.course_identifier IS 'The course the role declares under: ecf-induction for ect, ecf-mentor for mentor.';
COMMENT ON COLUMN stg_enrolments.cohort IS 'The cohort (funding contract year) as text, e.g. 2025.';
COMMENT ON COLUMN stg_enrolments.cohort_year IS 'The cohort as an integer (null if not a number).';
COMMENT ON COLUMN stg_enrolments.schedule_identifier IS 'One of the 12 schedules (ecf-{standard,extended,reduced,replacement}-{january,april,september}); an unknown value as sent.';
COMMENT ON COLUMN stg_enrolments.training_status IS 'active, deferred or withdrawn (the newer of withdrawal and deferral wins); an unknown value as sent.';
COMMENT ON COLUMN stg_enrolments.participant_status IS 'joining, active, leaving or left, from the school''s dates (computed by the API from today''s date, without an updated_at bump).';
COMMENT ON COLUMN stg_enrolments.eligible_for_funding IS 'Whether DfE has confirmed the participant as eligible for funding (null: not known yet).';
COMMENT ON COLUMN stg_enrolments.pupil_premium_uplift IS 'Whether the school attracts the pupil premium uplift in the enrolment''s cohort (false where the cohort pays no uplifts).';
COMMENT ON COLUMN stg_enrolments.sparsity_uplift IS 'Whether the school attracts the sparsity uplift in the enrolment''s cohort (false where the cohort pays no uplifts).';
COMMENT ON COLUMN stg_enrolments.withdrawal_reason IS 'Why the participant withdrew (hyphenated, as the API sends it); null if not withdrawn.';
COMMENT ON COLUMN stg_enrolments.withdrawal_date IS 'When the participant withdrew (UTC); null if not withdrawn.';
COMMENT ON COLUMN stg_enrolments.deferral_reason IS 'Why the participant deferred (hyphenated); null if not deferred.';
COMMENT ON COLUMN stg_enrolments.deferral_date IS 'When the participant deferred (UTC); null if not deferred.';
COMMENT ON COLUMN stg_enrolments.school_urn IS 'The school''s URN (text, keeps leading zeros).';
COMMENT ON COLUMN stg_enrolments.delivery_partner_id IS 'The delivery partner training the participant.';
COMMENT ON COLUMN stg_enrolments.created_at IS 'When the earliest school period of this role was created (UTC).';
COMMENT ON COLUMN stg_enrolments.is_limited_to_started_and_completed IS 'True when the course only funds started and completed in this cohort (mentors from the 2025 cohort).';
COMMENT ON COLUMN stg_enrolments.is_known_schedule_identifier IS 'False when ref_schedules does not know the schedule.';
COMMENT ON COLUMN stg_enrolments.is_known_training_status IS 'False when ref_training_statuses does not know the training status.';
COMMENT ON COLUMN stg_enrolments.is_known_participant_status IS 'False when ref_participant_statuses does not know the participant status.';
COMMENT ON COLUMN stg_enrolments.is_known_withdrawal_reason IS 'False when a withdrawal reason is set that ref_withdrawal_reasons does not know.';
COMMENT ON COLUMN stg_enrolments.is_known_deferral_reason IS 'False when a deferral reason is set that ref_deferral_reasons does not know.';
COMMENT ON COLUMN stg_enrolments.is_primary IS 'True for the one enrolment per participant and role that declarations are matched to (the one the surviving participant lists, else the newest).';
