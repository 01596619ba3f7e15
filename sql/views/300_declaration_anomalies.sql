-- declaration_anomalies: what looks wrong before the deadline, and why? One row per (declaration,
-- anomaly_code) with a plain-English explanation; ref_anomaly_codes says how serious each code is and what
-- to do. Rules follow api-facts §4 (state machine and statement attachment) and the state definitions in
-- DfE's guidance. Declarations that left the provider's scope appear only under left_scope_while_billable
-- (removed_at is set on those rows); every other rule looks at declarations in scope. Each rule is one CTE
-- over int_declarations, where the joins it needs were made once.
-- Refreshed as int_declarations: each row reads one row of it (and ref_anomaly_codes).
-- materialized: table
-- refreshed by: canonical_participant_id in participants, statement_id in statements, clawback_statement_id in statements
-- refreshed from: int_declarations
WITH declarations AS NOT MATERIALIZED (
    SELECT * FROM int_declarations WHERE removed_at IS NULL
),

paid_on_unpaid_statement AS (
    SELECT *, 'paid_on_unpaid_statement' AS anomaly_code, format(
        'Paid on the {} {} statement (cohort {}, payment date {}), but the API does not show that statement as paid.',
        statement_month, statement_year, statement_cohort, statement_payment_date) AS explanation
    FROM declarations
    WHERE state = 'paid' AND is_statement_known AND NOT coalesce(statement_paid, false)
),

billable_on_paid_statement AS (
    SELECT *, 'billable_on_paid_statement' AS anomaly_code, format(
        'Still {} on the {} {} statement, which has already been paid (payment date {}): it missed that payment run.',
        state, statement_month, statement_year, statement_payment_date) AS explanation
    FROM declarations
    WHERE state IN ('eligible', 'payable') AND statement_paid
),

awaiting_clawback_without_statement AS (
    SELECT *, 'awaiting_clawback_without_statement' AS anomaly_code, format(
        'The paid {} declaration was voided and is awaiting clawback, but no clawback statement says when it will be deducted.',
        declaration_type) AS explanation
    FROM declarations
    WHERE state = 'awaiting-clawback' AND clawback_statement_id IS NULL
),

clawed_back_on_unpaid_statement AS (
    SELECT *, 'clawed_back_on_unpaid_statement' AS anomaly_code, CASE
        WHEN clawback_statement_id IS NULL THEN 'Shown as clawed back, but no clawback statement is recorded.'
        ELSE format('Shown as clawed back on the {} {} statement, which is not marked paid.',
            clawback_statement_month, clawback_statement_year) END AS explanation
    FROM declarations
    WHERE state = 'clawed-back'
        AND (clawback_statement_id IS NULL OR (is_clawback_statement_known AND NOT coalesce(clawback_statement_paid, false)))
),

voided_with_statement AS (
    SELECT *, 'voided_with_statement' AS anomaly_code, format(
        'Voided, but still attached to statement {}; a voided declaration is not paid and should carry no statement.',
        statement_id) AS explanation
    FROM declarations
    WHERE state = 'voided' AND statement_id IS NOT NULL
),

statement_unknown AS (
    SELECT *, 'statement_unknown' AS anomaly_code, format(
        'Statement {} is not one of this provider''s output statements in the warehouse.',
        CASE WHEN statement_id IS NOT NULL AND NOT is_statement_known THEN statement_id
            ELSE clawback_statement_id END) AS explanation
    FROM declarations
    WHERE is_own_declaration
        AND ((statement_id IS NOT NULL AND NOT is_statement_known)
            OR (clawback_statement_id IS NOT NULL AND NOT is_clawback_statement_known))
),

declared_after_withdrawal AS (
    SELECT *, 'declared_after_withdrawal' AS anomaly_code, format(
        'Dated {} but the participant withdrew on {} ({}): only declarations dated on or before the withdrawal are funded.',
        strftime(declaration_date AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%SZ'),
        strftime(withdrawal_date AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%SZ'), withdrawal_reason) AS explanation
    FROM declarations
    WHERE is_own_declaration AND is_live AND training_status = 'withdrawn' AND declaration_date > withdrawal_date
),

declared_while_deferred AS (
    SELECT *, 'declared_while_deferred' AS anomaly_code, format(
        'Dated {} while the participant has been deferred since {} ({}).',
        strftime(declaration_date AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%SZ'),
        strftime(deferral_date AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%SZ'), deferral_reason) AS explanation
    FROM declarations
    WHERE is_own_declaration AND is_live AND training_status = 'deferred' AND declaration_date > deferral_date
),

duplicate_live_declaration AS (
    SELECT *, 'duplicate_live_declaration' AS anomaly_code, format(
        '{} live {} declarations for participant {} on {} ({}); only one can be funded.',
        duplicate_live_count, declaration_type, canonical_participant_id, course_identifier, duplicate_declaration_ids
    ) AS explanation
    FROM declarations
    WHERE is_live AND duplicate_live_count > 1
),

participant_merged_away AS (
    SELECT *, 'participant_merged_away' AS anomaly_code, format(
        'Declared under participant {}, which was merged into {}: the declaration now belongs to {}.',
        participant_id, canonical_participant_id, canonical_participant_id) AS explanation
    FROM declarations
    WHERE participant_id <> canonical_participant_id
),

participant_unknown AS (
    SELECT *, 'participant_unknown' AS anomaly_code, format(
        'Participant {} is not among this provider''s participants in the warehouse.', canonical_participant_id
    ) AS explanation
    FROM declarations
    WHERE NOT is_participant_known
),

enrolment_unknown AS (
    SELECT *, 'enrolment_unknown' AS anomaly_code, format(
        'Participant {} has no {} enrolment ({}) with this provider.',
        canonical_participant_id, participant_type, course_identifier) AS explanation
    FROM declarations
    WHERE is_own_declaration AND is_live AND is_participant_known AND participant_type IS NOT NULL
        AND training_record_id IS NULL
),

type_not_allowed AS (
    SELECT *, 'type_not_allowed' AS anomaly_code, CASE
        WHEN is_milestone_of_schedule THEN format(
            '{} is not funded for {} in cohort {}: only started and completed are.',
            declaration_type, course_identifier, cohort)
        ELSE format('{} is not a milestone of the participant''s schedule {}.', declaration_type, schedule_identifier)
    END AS explanation
    FROM declarations
    WHERE is_own_declaration AND is_live AND training_record_id IS NOT NULL
        AND is_known_declaration_type AND is_known_schedule_identifier
        AND (NOT is_milestone_of_schedule OR (is_limited_to_started_and_completed AND NOT is_allowed_for_limited_courses))
),

unknown_codes AS (
    SELECT *, 'unknown_state' AS anomaly_code,
        format('Unknown state ''{}'' (not in ref_declaration_states).', state) AS explanation
    FROM declarations WHERE NOT is_known_state
    UNION ALL
    SELECT *, 'unknown_declaration_type',
        format('Unknown declaration type ''{}'' (not in ref_declaration_types).', declaration_type)
    FROM declarations WHERE NOT is_known_declaration_type
    UNION ALL
    SELECT *, 'unknown_course_identifier',
        format('Unknown course identifier ''{}'' (not in ref_course_identifiers).', course_identifier)
    FROM declarations WHERE NOT is_known_course_identifier
    UNION ALL
    SELECT *, 'unknown_evidence_held',
        format('Unknown evidence_held ''{}'' (not in ref_evidence_held).', evidence_held)
    FROM declarations WHERE NOT is_known_evidence_held
    UNION ALL
    SELECT *, 'unknown_ineligible_for_funding_reason',
        format('Unknown ineligible_for_funding_reason ''{}'' (not in ref_ineligible_for_funding_reasons).',
            ineligible_for_funding_reason)
    FROM declarations WHERE NOT is_known_ineligible_for_funding_reason
    UNION ALL
    SELECT *, 'unknown_training_status',
        format('The enrolment''s training status ''{}'' is not in ref_training_statuses.', training_status)
    FROM declarations WHERE NOT is_known_training_status
    UNION ALL
    SELECT *, 'unknown_participant_status',
        format('The enrolment''s participant status ''{}'' is not in ref_participant_statuses.', participant_status)
    FROM declarations WHERE NOT is_known_participant_status
    UNION ALL
    SELECT *, 'unknown_schedule_identifier',
        format('The enrolment''s schedule ''{}'' is not in ref_schedules.', schedule_identifier)
    FROM declarations WHERE NOT is_known_schedule_identifier
    UNION ALL
    SELECT *, 'unknown_withdrawal_reason',
        format('The enrolment''s withdrawal reason ''{}'' is not in ref_withdrawal_reasons.', withdrawal_reason)
    FROM declarations WHERE NOT is_known_withdrawal_reason
    UNION ALL
    SELECT *, 'unknown_deferral_reason',
        format('The enrolment''s deferral reason ''{}'' is not in ref_deferral_reasons.', deferral_reason)
    FROM declarations WHERE NOT is_known_deferral_reason
),

left_scope_while_billable AS (
    SELECT *, 'left_scope_while_billable' AS anomaly_code, format(
        'Was {} when last seen (statement {}), but the API no longer returns it: a full sync noticed on {}.',
        state, coalesce(statement_id, 'none'), strftime(removed_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%SZ')
    ) AS explanation
    FROM int_declarations
    WHERE removed_at IS NOT NULL AND state IN ('paid', 'payable')
),

found AS (
    SELECT * FROM paid_on_unpaid_statement
    UNION ALL BY NAME SELECT * FROM billable_on_paid_statement
    UNION ALL BY NAME SELECT * FROM awaiting_clawback_without_statement
    UNION ALL BY NAME SELECT * FROM clawed_back_on_unpaid_statement
    UNION ALL BY NAME SELECT * FROM voided_with_statement
    UNION ALL BY NAME SELECT * FROM statement_unknown
    UNION ALL BY NAME SELECT * FROM declared_after_withdrawal
    UNION ALL BY NAME SELECT * FROM declared_while_deferred
    UNION ALL BY NAME SELECT * FROM duplicate_live_declaration
    UNION ALL BY NAME SELECT * FROM participant_merged_away
    UNION ALL BY NAME SELECT * FROM participant_unknown
    UNION ALL BY NAME SELECT * FROM enrolment_unknown
    UNION ALL BY NAME SELECT * FROM type_not_allowed
    UNION ALL BY NAME SELECT * FROM unknown_codes
    UNION ALL BY NAME SELECT * FROM left_scope_while_billable
),

final AS (
    SELECT
        f.source,
        f.declaration_id,
        f.anomaly_code,
        coalesce(r.severity, 'warning') AS severity,
        r.title,
        f.explanation,
        r.what_to_do,
        f.canonical_participant_id,
        f.participant_id,
        f.declaration_type,
        f.course_identifier,
        f.state,
        f.declaration_date,
        f.statement_id,
        f.clawback_statement_id,
        f.removed_at
    FROM found AS f
    LEFT JOIN ref_anomaly_codes AS r ON r.anomaly_code = f.anomaly_code
)

SELECT * FROM final;

COMMENT ON VIEW declaration_anomalies IS 'One row per (declaration, anomaly_code): what looks wrong, with a plain-English explanation. Codes and what to do about each are in ref_anomaly_codes: statement inconsistencies (paid on an unpaid statement, payable on a paid one, clawbacks without or on unpaid statements, voided with a statement, unknown statements), declarations dated after a withdrawal or while deferred, duplicate live declarations, merged-away or unknown participants, missing enrolments, milestones not allowed for the course or schedule, paid or payable declarations that left the provider''s scope (removed_at set), and codes no ref table knows (unknown_*).';
COMMENT ON COLUMN declaration_anomalies.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN declaration_anomalies.declaration_id IS 'The declaration that looks wrong.';
COMMENT ON COLUMN declaration_anomalies.anomaly_code IS 'What looks wrong (see ref_anomaly_codes).';
COMMENT ON COLUMN declaration_anomalies.severity IS 'error (money or data is inconsistent) or warning (check it); from ref_anomaly_codes.';
COMMENT ON COLUMN declaration_anomalies.title IS 'A short title for the anomaly code.';
COMMENT ON COLUMN declaration_anomalies.explanation IS 'Plain English: what is wrong with this declaration, with the facts that show it.';
COMMENT ON COLUMN declaration_anomalies.what_to_do IS 'What to do about this kind of anomaly.';
COMMENT ON COLUMN declaration_anomalies.canonical_participant_id IS 'The participant the declaration belongs to today (merges resolved).';
COMMENT ON COLUMN declaration_anomalies.participant_id IS 'The participant id as the API last sent it.';
COMMENT ON COLUMN declaration_anomalies.declaration_type IS 'The milestone declared.';
COMMENT ON COLUMN declaration_anomalies.course_identifier IS 'ecf-induction (ECT) or ecf-mentor.';
COMMENT ON COLUMN declaration_anomalies.state IS 'The declaration''s normalised state (for left_scope_while_billable: the state when last seen).';
COMMENT ON COLUMN declaration_anomalies.declaration_date IS 'When the declared training event happened (UTC).';
COMMENT ON COLUMN declaration_anomalies.statement_id IS 'The statement the declaration is on.';
COMMENT ON COLUMN declaration_anomalies.clawback_statement_id IS 'The clawback statement, if any.';
COMMENT ON COLUMN declaration_anomalies.removed_at IS 'Set only for left_scope_while_billable: when a full sync found the declaration gone from the provider''s scope.';
