-- int_declarations: every declaration joined once to everything the finance views need: its codes decoded
-- (stg_declarations), whether the provider made it, the participant's enrolment for the course, the statement
-- and clawback statement, live duplicates (int_duplicate_live_declarations), clawback dates
-- (int_declaration_clawback_dates), and flags saying what is known. Materialised on every refresh, so the
-- views on top answer with a scan instead of these joins. One row per declaration, including those that left
-- the provider's scope (removed_at is set). stg_declarations is read for the rows, for the participants they
-- belong to (declared), and twice through the duplicates: views, so each reading scans participant_declarations
-- again (stg_declarations says what keeps DuckDB from sharing them), where holding its million decoded rows once
-- for all would push the rest of the build out to disk within a sync's memory.
-- DuckDB holds every hash table of a statement until it ends, and those of the enrolments and participants
-- joined here grow with the declarations: they hold only the participants of the declarations read (declared),
-- which a refresh reads from stg_declarations for the rows it rebuilds alone (refreshed from), as DuckDB would
-- not carry those keys into the tables joined; and a full build is done in parts by participant (see
-- syncer/views.py), whose ranges reach the scans of the declarations, enrolments, participants and duplicates.
-- One statement over a million declarations would not fit a sync's memory.
-- Refreshed by participant and statement: a declaration's row reads its own row, its participant's enrolments,
-- live duplicates and participant row, its clawback dates (history, written with the declaration), and its
-- statement and clawback statement, so only a change to one of those (or to int_own_provider, see
-- syncer/incremental.py) changes it.
-- materialized: table
-- built in parts by: canonical_participant_id
-- refreshed by: canonical_participant_id in participants, statement_id in statements, clawback_statement_id in statements
-- refreshed from: stg_declarations
WITH own_provider AS (
    SELECT * FROM int_own_provider
),

declared AS (
    SELECT DISTINCT source, canonical_participant_id FROM stg_declarations
),

enrolments AS (
    SELECT e.*
    FROM stg_enrolments AS e
    JOIN declared AS k ON k.source = e.source AND k.canonical_participant_id = e.canonical_participant_id
    WHERE e.is_primary
),

statements AS (
    SELECT * FROM statements WHERE removed_at IS NULL
),

participants AS (
    SELECT p.source, p.id
    FROM participants AS p
    JOIN declared AS k ON k.source = p.source AND k.canonical_participant_id = p.id
    WHERE p.removed_at IS NULL
),

joined AS (
    SELECT
        d.source,
        d.declaration_id,
        d.canonical_participant_id,
        d.participant_id,
        d.declaration_type,
        d.milestone_order,
        d.declaration_date,
        d.course_identifier,
        d.participant_type,
        d.state,
        d.money_position,
        d.is_live,
        coalesce(d.lead_provider_name = o.lead_provider_name, true) AS is_own_declaration,
        d.lead_provider_name,
        d.delivery_partner_id,
        d.evidence_held,
        d.ineligible_for_funding_reason,
        d.uplift_paid,
        d.canonical_mentor_id,
        d.created_at,
        d.updated_at,
        e.training_record_id,
        e.cohort,
        e.schedule_identifier,
        e.training_status,
        e.participant_status,
        e.eligible_for_funding,
        coalesce(e.pupil_premium_uplift OR e.sparsity_uplift, false) AS enrolment_has_uplift,
        e.withdrawal_reason,
        e.withdrawal_date,
        e.deferral_reason,
        e.deferral_date,
        d.statement_id,
        s.cohort AS statement_cohort,
        s.month AS statement_month,
        s.year AS statement_year,
        s.cut_off_date AS statement_cut_off_date,
        s.payment_date AS statement_payment_date,
        s.paid AS statement_paid,
        d.clawback_statement_id,
        c.month AS clawback_statement_month,
        c.year AS clawback_statement_year,
        c.cut_off_date AS clawback_statement_cut_off_date,
        c.payment_date AS clawback_statement_payment_date,
        c.paid AS clawback_statement_paid,
        d.removed_at,
        s.id IS NOT NULL AS is_statement_known,
        c.id IS NOT NULL AS is_clawback_statement_known,
        p.id IS NOT NULL AS is_participant_known,
        coalesce(e.is_limited_to_started_and_completed, false) AS is_limited_to_started_and_completed,
        m.declaration_type IS NOT NULL AS is_milestone_of_schedule,
        coalesce(t.allowed_for_limited_courses, false) AS is_allowed_for_limited_courses,
        d.is_known_state,
        d.is_known_declaration_type,
        d.is_known_course_identifier,
        d.is_known_evidence_held,
        d.is_known_ineligible_for_funding_reason,
        coalesce(e.is_known_schedule_identifier, true) AS is_known_schedule_identifier,
        coalesce(e.is_known_training_status, true) AS is_known_training_status,
        coalesce(e.is_known_participant_status, true) AS is_known_participant_status,
        coalesce(e.is_known_withdrawal_reason, true) AS is_known_withdrawal_reason,
        coalesce(e.is_known_deferral_reason, true) AS is_known_deferral_reason
    FROM stg_declarations AS d
    LEFT JOIN own_provider AS o ON o.source = d.source
    LEFT JOIN enrolments AS e
        ON e.source = d.source
        AND e.canonical_participant_id = d.canonical_participant_id
        AND e.participant_type = d.participant_type
    LEFT JOIN statements AS s ON s.source = d.source AND s.id = d.statement_id
    LEFT JOIN statements AS c ON c.source = d.source AND c.id = d.clawback_statement_id
    LEFT JOIN participants AS p ON p.source = d.source AND p.id = d.canonical_participant_id
    LEFT JOIN ref_schedule_milestones AS m
        ON m.schedule_identifier = e.schedule_identifier AND m.declaration_type = d.declaration_type
    LEFT JOIN ref_declaration_types AS t ON t.declaration_type = d.declaration_type
),

final AS (
    SELECT
        j.*,
        coalesce(dup.duplicate_live_count, 0) AS duplicate_live_count,
        dup.duplicate_declaration_ids,
        cd.clawback_requested_at,
        cd.clawed_back_at
    FROM joined AS j
    LEFT JOIN int_duplicate_live_declarations AS dup
        ON j.is_live
        AND j.removed_at IS NULL
        AND dup.source = j.source
        AND dup.canonical_participant_id = j.canonical_participant_id
        AND dup.declaration_type = j.declaration_type
        AND dup.course_identifier = j.course_identifier
    LEFT JOIN int_declaration_clawback_dates AS cd ON cd.source = j.source AND cd.declaration_id = j.declaration_id
)

SELECT * FROM final;

COMMENT ON VIEW int_declarations IS 'Intermediate: every declaration (also those that left scope, see removed_at), codes decoded into one spelling (hyphenated states; underscores and no_payment accepted), joined once to its participant''s enrolment for the course, its statement and clawback statement, and flags saying what is known; materialised on every refresh so the finance views answer with a scan. declarations_current is its user-facing slice.';
COMMENT ON COLUMN int_declarations.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN int_declarations.declaration_id IS 'The declaration''s id in the API.';
COMMENT ON COLUMN int_declarations.canonical_participant_id IS 'The participant the declaration belongs to today (merges resolved through participant_id_changes).';
COMMENT ON COLUMN int_declarations.participant_id IS 'The participant id as the API last sent it; differs from canonical_participant_id when that participant was merged away.';
COMMENT ON COLUMN int_declarations.declaration_type IS 'The milestone declared: started, retained-1..4, completed, extended-1..3.';
COMMENT ON COLUMN int_declarations.milestone_order IS 'Position of the milestone (1 = started); null for an unknown type.';
COMMENT ON COLUMN int_declarations.declaration_date IS 'When the provider says the training event happened (UTC).';
COMMENT ON COLUMN int_declarations.course_identifier IS 'ecf-induction (ECT) or ecf-mentor.';
COMMENT ON COLUMN int_declarations.participant_type IS 'ect or mentor, from the course identifier.';
COMMENT ON COLUMN int_declarations.state IS 'Normalised state: submitted, eligible, payable, paid, voided, ineligible, awaiting-clawback or clawed-back (see ref_declaration_states).';
COMMENT ON COLUMN int_declarations.money_position IS 'due (DfE will pay), owed_back (the provider will repay), settled (paid or clawed back) or none; null for an unknown state.';
COMMENT ON COLUMN int_declarations.is_live IS 'True while billable or changeable (submitted, eligible, payable, paid): at most one live declaration per participant, course and milestone can be funded.';
COMMENT ON COLUMN int_declarations.is_own_declaration IS 'False for another provider''s declaration that the API shows because the participant now trains with this provider.';
COMMENT ON COLUMN int_declarations.lead_provider_name IS 'The lead provider that made the declaration.';
COMMENT ON COLUMN int_declarations.delivery_partner_id IS 'The delivery partner when the declaration was created.';
COMMENT ON COLUMN int_declarations.evidence_held IS 'The evidence the provider holds for the declaration.';
COMMENT ON COLUMN int_declarations.ineligible_for_funding_reason IS 'Why it is not funded (ECF1 only); RECT sends null.';
COMMENT ON COLUMN int_declarations.uplift_paid IS 'True when paid with a sparsity or pupil-premium uplift.';
COMMENT ON COLUMN int_declarations.canonical_mentor_id IS 'The ECT''s mentor at the declaration date (merges resolved).';
COMMENT ON COLUMN int_declarations.created_at IS 'When the declaration was created (UTC).';
COMMENT ON COLUMN int_declarations.updated_at IS 'The API''s updated_at when last fetched (UTC).';
COMMENT ON COLUMN int_declarations.training_record_id IS 'The participant''s enrolment for the declaration''s course with this provider (null if none is known).';
COMMENT ON COLUMN int_declarations.cohort IS 'The enrolment''s cohort (funding contract year).';
COMMENT ON COLUMN int_declarations.schedule_identifier IS 'The enrolment''s schedule (see ref_schedules and ref_schedule_milestones).';
COMMENT ON COLUMN int_declarations.training_status IS 'The enrolment''s training status: active, deferred or withdrawn.';
COMMENT ON COLUMN int_declarations.participant_status IS 'The enrolment''s participant status: joining, active, leaving or left.';
COMMENT ON COLUMN int_declarations.eligible_for_funding IS 'Whether the participant is confirmed eligible for funding.';
COMMENT ON COLUMN int_declarations.enrolment_has_uplift IS 'The enrolment''s school attracts a pupil premium or sparsity uplift (what forecasts the uplift of a started ECT declaration on a statement not yet paid).';
COMMENT ON COLUMN int_declarations.withdrawal_reason IS 'The enrolment''s withdrawal reason, if withdrawn.';
COMMENT ON COLUMN int_declarations.withdrawal_date IS 'When the participant withdrew (UTC), if withdrawn.';
COMMENT ON COLUMN int_declarations.deferral_reason IS 'The enrolment''s deferral reason, if deferred.';
COMMENT ON COLUMN int_declarations.deferral_date IS 'When the participant deferred (UTC), if deferred.';
COMMENT ON COLUMN int_declarations.statement_id IS 'The output statement that pays (or paid) the declaration.';
COMMENT ON COLUMN int_declarations.statement_cohort IS 'The statement''s cohort.';
COMMENT ON COLUMN int_declarations.statement_month IS 'The statement''s month (English month name).';
COMMENT ON COLUMN int_declarations.statement_year IS 'The statement''s year.';
COMMENT ON COLUMN int_declarations.statement_cut_off_date IS 'The statement''s deadline: declarations attached by then become payable the day after.';
COMMENT ON COLUMN int_declarations.statement_payment_date IS 'When the statement is due to be paid.';
COMMENT ON COLUMN int_declarations.statement_paid IS 'Whether DfE has marked the statement paid.';
COMMENT ON COLUMN int_declarations.clawback_statement_id IS 'The statement the clawback is deducted from (after a paid declaration was voided).';
COMMENT ON COLUMN int_declarations.clawback_statement_month IS 'The clawback statement''s month.';
COMMENT ON COLUMN int_declarations.clawback_statement_year IS 'The clawback statement''s year.';
COMMENT ON COLUMN int_declarations.clawback_statement_cut_off_date IS 'The clawback statement''s deadline.';
COMMENT ON COLUMN int_declarations.clawback_statement_payment_date IS 'When the clawback statement is due to be paid (the deduction date).';
COMMENT ON COLUMN int_declarations.clawback_statement_paid IS 'Whether the clawback statement has been paid (the clawback is done).';
COMMENT ON COLUMN int_declarations.removed_at IS 'When a full sync found the declaration no longer in the provider''s scope; null while in scope.';
COMMENT ON COLUMN int_declarations.is_statement_known IS 'statement_id is one of the provider''s statements in the warehouse (false also when it is null).';
COMMENT ON COLUMN int_declarations.is_clawback_statement_known IS 'clawback_statement_id is one of the provider''s statements in the warehouse (false also when it is null).';
COMMENT ON COLUMN int_declarations.is_participant_known IS 'canonical_participant_id is one of the provider''s participants in the warehouse (in scope).';
COMMENT ON COLUMN int_declarations.is_limited_to_started_and_completed IS 'The enrolment''s course funds only started and completed in its cohort (mentors from 2025).';
COMMENT ON COLUMN int_declarations.is_milestone_of_schedule IS 'declaration_type is a milestone of the enrolment''s schedule (ref_schedule_milestones).';
COMMENT ON COLUMN int_declarations.is_allowed_for_limited_courses IS 'declaration_type is funded where a course is limited to started and completed.';
COMMENT ON COLUMN int_declarations.is_known_state IS 'False when ref_declaration_states does not know the state.';
COMMENT ON COLUMN int_declarations.is_known_declaration_type IS 'False when ref_declaration_types does not know the declaration type.';
COMMENT ON COLUMN int_declarations.is_known_course_identifier IS 'False when ref_course_identifiers does not know the course identifier.';
COMMENT ON COLUMN int_declarations.is_known_evidence_held IS 'False when evidence_held is set to a value ref_evidence_held does not know.';
COMMENT ON COLUMN int_declarations.is_known_ineligible_for_funding_reason IS 'False when ineligible_for_funding_reason is set to a value ref_ineligible_for_funding_reasons does not know.';
COMMENT ON COLUMN int_declarations.is_known_schedule_identifier IS 'False when the enrolment''s schedule is not in ref_schedules (true when there is no enrolment).';
COMMENT ON COLUMN int_declarations.is_known_training_status IS 'False when the enrolment''s training status is not in ref_training_statuses.';
COMMENT ON COLUMN int_declarations.is_known_participant_status IS 'False when the enrolment''s participant status is not in ref_participant_statuses.';
COMMENT ON COLUMN int_declarations.is_known_withdrawal_reason IS 'False when the enrolment''s withdrawal reason is not in ref_withdrawal_reasons.';
COMMENT ON COLUMN int_declarations.is_known_deferral_reason IS 'False when the enrolment''s deferral reason is not in ref_deferral_reasons.';
COMMENT ON COLUMN int_declarations.duplicate_live_count IS 'For a live declaration in scope: how many live declarations the participant has for the same milestone and course (0 when it is the only one).';
COMMENT ON COLUMN int_declarations.duplicate_declaration_ids IS 'The ids of those live declarations, when there is more than one.';
COMMENT ON COLUMN int_declarations.clawback_requested_at IS 'When the declaration became awaiting-clawback (the API''s updated_at when the sync first saw that state).';
COMMENT ON COLUMN int_declarations.clawed_back_at IS 'When the declaration became clawed-back (the API''s updated_at when the sync first saw that state).';
