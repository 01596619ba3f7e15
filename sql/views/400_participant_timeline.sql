-- participant_timeline: what happened to each participant, enrolment by enrolment, in order? One row per
-- event: the enrolment starting, each declaration being made, each change of a declaration's state or
-- statement that the sync recorded (declaration_state_history), and the enrolment's current deferral or
-- withdrawal. Declarations are matched to the participant's enrolment for their course (see
-- stg_enrolments.is_primary). Only declarations and enrolments in the provider's scope appear.
-- Materialised, so that reading it costs a scan rather than the window over every event (about four events
-- per declaration), and built in parts by participant (see syncer/views.py): one window over every event
-- would spill most of them to disk within a sync's memory, a part's barely does (parts of 250 000 events at 1M
-- declarations: 16 of them took half the time of 8 twice the size); and each part's rows are stored together,
-- so a question about one participant reads only the row groups of its part. The CTEs are not materialised,
-- so each part's range of participants reaches the scans below.
-- materialized: table
-- built in parts by: canonical_participant_id
-- Refreshed by participant: its events are its enrolments' and its declarations' (their own columns, history and
-- enrolment; not their statements' dates), numbered within the participant.
-- refreshed by: canonical_participant_id in participants
-- refreshed from: stg_enrolments, int_declarations
WITH enrolments AS NOT MATERIALIZED (
    SELECT * FROM stg_enrolments
),

declarations AS NOT MATERIALIZED (
    SELECT
        source, declaration_id, canonical_participant_id, participant_type, course_identifier, declaration_type,
        declaration_date, training_record_id, cohort
    FROM int_declarations
    WHERE removed_at IS NULL
),

history AS NOT MATERIALIZED (
    -- each recorded change joined to its declaration before its states are decoded
    SELECT
        d.source,
        d.canonical_participant_id,
        d.training_record_id,
        d.participant_type,
        d.course_identifier,
        d.cohort,
        d.declaration_id,
        d.declaration_type,
        coalesce(o.code, h.old_state) AS from_state,
        coalesce(n.code, h.new_state) AS to_state,
        h.new_statement_id,
        h.new_clawback_statement_id,
        h.api_updated_at,
        h.observed_at
    FROM declaration_state_history AS h
    JOIN declarations AS d ON d.source = h.source AND d.declaration_id = h.declaration_id
    LEFT JOIN stg_code_spellings AS o ON o.code_type = 'state' AND o.spelling = h.old_state
    LEFT JOIN stg_code_spellings AS n ON n.code_type = 'state' AND n.spelling = h.new_state
),

enrolment_events AS (
    SELECT
        source, canonical_participant_id, training_record_id, participant_type, course_identifier, cohort,
        created_at AS event_at, 0 AS event_rank, 'enrolled' AS event_type,
        NULL AS declaration_id, NULL AS declaration_type, NULL AS from_state, NULL AS to_state,
        NULL AS statement_id, NULL AS clawback_statement_id, schedule_identifier AS detail
    FROM enrolments
    UNION ALL
    SELECT
        source, canonical_participant_id, training_record_id, participant_type, course_identifier, cohort,
        deferral_date, 3, 'deferred',
        NULL, NULL, NULL, NULL, NULL, NULL, deferral_reason
    FROM enrolments
    WHERE deferral_date IS NOT NULL
    UNION ALL
    SELECT
        source, canonical_participant_id, training_record_id, participant_type, course_identifier, cohort,
        withdrawal_date, 3, 'withdrawn',
        NULL, NULL, NULL, NULL, NULL, NULL, withdrawal_reason
    FROM enrolments
    WHERE withdrawal_date IS NOT NULL
),

declaration_events AS (
    SELECT
        source, canonical_participant_id, training_record_id, participant_type, course_identifier, cohort,
        declaration_date AS event_at, 1 AS event_rank, 'declared' AS event_type,
        declaration_id, declaration_type, NULL AS from_state, NULL AS to_state,
        NULL AS statement_id, NULL AS clawback_statement_id, NULL AS detail
    FROM declarations
    UNION ALL
    SELECT
        source, canonical_participant_id, training_record_id, participant_type, course_identifier, cohort,
        CASE WHEN to_state = 'removed' THEN observed_at ELSE coalesce(api_updated_at, observed_at) END,
        2, CASE WHEN from_state IS NULL THEN 'first_seen' ELSE 'state_changed' END,
        declaration_id, declaration_type, from_state, to_state,
        new_statement_id, new_clawback_statement_id, NULL
    FROM history
),

events AS (
    SELECT * FROM enrolment_events
    UNION ALL
    SELECT * FROM declaration_events
),

final AS (
    SELECT
        source,
        canonical_participant_id,
        training_record_id,
        participant_type,
        course_identifier,
        cohort,
        row_number() OVER (
            PARTITION BY source, canonical_participant_id, training_record_id
            ORDER BY event_at, event_rank, declaration_id, to_state
        ) AS event_sequence,
        event_at,
        event_type,
        declaration_id,
        declaration_type,
        from_state,
        to_state,
        statement_id,
        clawback_statement_id,
        detail
    FROM events
)

SELECT * FROM final;

COMMENT ON VIEW participant_timeline IS 'Per canonical participant and enrolment, the ordered events: enrolled, each declaration made (declared), each state or statement change the sync recorded in declaration_state_history (first_seen, state_changed), and the enrolment''s current deferral or withdrawal. Order by source, canonical_participant_id, training_record_id, event_sequence.';
COMMENT ON COLUMN participant_timeline.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN participant_timeline.canonical_participant_id IS 'The participant (merges resolved).';
COMMENT ON COLUMN participant_timeline.training_record_id IS 'The enrolment the event belongs to; null for a declaration whose course has no enrolment with this provider.';
COMMENT ON COLUMN participant_timeline.participant_type IS 'ect or mentor.';
COMMENT ON COLUMN participant_timeline.course_identifier IS 'ecf-induction (ECT) or ecf-mentor.';
COMMENT ON COLUMN participant_timeline.cohort IS 'The enrolment''s cohort.';
COMMENT ON COLUMN participant_timeline.event_sequence IS 'Position of the event within the participant''s enrolment (1 = first), by event_at.';
COMMENT ON COLUMN participant_timeline.event_at IS 'When it happened (UTC): the enrolment''s created_at, the declaration_date, the API''s updated_at for a state change (when the sync noticed, for a removal), or the deferral or withdrawal date.';
COMMENT ON COLUMN participant_timeline.event_type IS 'enrolled, declared, first_seen (the state the sync first saw), state_changed, deferred or withdrawn.';
COMMENT ON COLUMN participant_timeline.declaration_id IS 'The declaration, for declaration events.';
COMMENT ON COLUMN participant_timeline.declaration_type IS 'The milestone, for declaration events.';
COMMENT ON COLUMN participant_timeline.from_state IS 'The state before a state_changed event (removed: the declaration had left the provider''s scope).';
COMMENT ON COLUMN participant_timeline.to_state IS 'The state after a first_seen or state_changed event (removed: it left the provider''s scope).';
COMMENT ON COLUMN participant_timeline.statement_id IS 'The statement after a state event.';
COMMENT ON COLUMN participant_timeline.clawback_statement_id IS 'The clawback statement after a state event.';
COMMENT ON COLUMN participant_timeline.detail IS 'The schedule for enrolled, the reason for deferred and withdrawn.';
