-- declarations_current: what is the state of every declaration today, for whom, on which enrolment, and on
-- which statement will it be paid or clawed back? One row per declaration in the provider's scope, keyed by
-- the canonical participant (merges resolved). State spelling: hyphens (awaiting-clawback, clawed-back);
-- underscores are accepted on input (see int_declarations). The joins are done once per refresh in
-- int_declarations; this is its user-facing slice.
-- materialized: view
SELECT
    source,
    declaration_id,
    canonical_participant_id,
    participant_id,
    declaration_type,
    milestone_order,
    declaration_date,
    course_identifier,
    participant_type,
    state,
    money_position,
    is_live,
    is_own_declaration,
    lead_provider_name,
    delivery_partner_id,
    evidence_held,
    ineligible_for_funding_reason,
    uplift_paid,
    canonical_mentor_id,
    created_at,
    updated_at,
    training_record_id,
    cohort,
    schedule_identifier,
    training_status,
    participant_status,
    eligible_for_funding,
    withdrawal_reason,
    withdrawal_date,
    deferral_reason,
    deferral_date,
    statement_id,
    statement_cohort,
    statement_month,
    statement_year,
    statement_cut_off_date,
    statement_payment_date,
    statement_paid,
    clawback_statement_id,
    clawback_statement_month,
    clawback_statement_year,
    clawback_statement_cut_off_date,
    clawback_statement_payment_date,
    clawback_statement_paid
FROM int_declarations
WHERE removed_at IS NULL;

COMMENT ON VIEW declarations_current IS 'One row per declaration in the provider''s scope (removed_at is null): its normalised state (hyphenated spelling: awaiting-clawback, clawed-back; underscores accepted on input), canonical participant, enrolment (course, cohort, schedule, training status) and the month, year and dates of its statement and clawback statement.';
COMMENT ON COLUMN declarations_current.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN declarations_current.declaration_id IS 'The declaration''s id in the API.';
COMMENT ON COLUMN declarations_current.canonical_participant_id IS 'The participant the declaration belongs to today (merges resolved through participant_id_changes).';
COMMENT ON COLUMN declarations_current.participant_id IS 'The participant id as the API last sent it; differs from canonical_participant_id when that participant was merged away.';
COMMENT ON COLUMN declarations_current.declaration_type IS 'The milestone declared: started, retained-1..4, completed, extended-1..3.';
COMMENT ON COLUMN declarations_current.milestone_order IS 'Position of the milestone (1 = started); null for an unknown type.';
COMMENT ON COLUMN declarations_current.declaration_date IS 'When the provider says the training event happened (UTC).';
COMMENT ON COLUMN declarations_current.course_identifier IS 'ecf-induction (ECT) or ecf-mentor.';
COMMENT ON COLUMN declarations_current.participant_type IS 'ect or mentor, from the course identifier.';
COMMENT ON COLUMN declarations_current.state IS 'Normalised state: submitted, eligible, payable, paid, voided, ineligible, awaiting-clawback or clawed-back (see ref_declaration_states).';
COMMENT ON COLUMN declarations_current.money_position IS 'due (DfE will pay), owed_back (the provider will repay), settled (paid or clawed back) or none; null for an unknown state.';
COMMENT ON COLUMN declarations_current.is_live IS 'True while billable or changeable (submitted, eligible, payable, paid): at most one live declaration per participant, course and milestone can be funded.';
COMMENT ON COLUMN declarations_current.is_own_declaration IS 'False for another provider''s declaration that the API shows because the participant now trains with this provider.';
COMMENT ON COLUMN declarations_current.lead_provider_name IS 'The lead provider that made the declaration.';
COMMENT ON COLUMN declarations_current.delivery_partner_id IS 'The delivery partner when the declaration was created.';
COMMENT ON COLUMN declarations_current.evidence_held IS 'The evidence the provider holds for the declaration.';
COMMENT ON COLUMN declarations_current.ineligible_for_funding_reason IS 'Why it is not funded (ECF1 only); RECT sends null.';
COMMENT ON COLUMN declarations_current.uplift_paid IS 'True when paid with a sparsity or pupil-premium uplift.';
COMMENT ON COLUMN declarations_current.canonical_mentor_id IS 'The ECT''s mentor at the declaration date (merges resolved).';
COMMENT ON COLUMN declarations_current.created_at IS 'When the declaration was created (UTC).';
COMMENT ON COLUMN declarations_current.updated_at IS 'The API''s updated_at when last fetched (UTC).';
COMMENT ON COLUMN declarations_current.training_record_id IS 'The participant''s enrolment for the declaration''s course with this provider (null if none is known).';
COMMENT ON COLUMN declarations_current.cohort IS 'The enrolment''s cohort (funding contract year).';
COMMENT ON COLUMN declarations_current.schedule_identifier IS 'The enrolment''s schedule (see ref_schedules and ref_schedule_milestones).';
COMMENT ON COLUMN declarations_current.training_status IS 'The enrolment''s training status: active, deferred or withdrawn.';
COMMENT ON COLUMN declarations_current.participant_status IS 'The enrolment''s participant status: joining, active, leaving or left.';
COMMENT ON COLUMN declarations_current.eligible_for_funding IS 'Whether the participant is confirmed eligible for funding.';
COMMENT ON COLUMN declarations_current.withdrawal_reason IS 'The enrolment''s withdrawal reason, if withdrawn.';
COMMENT ON COLUMN declarations_current.withdrawal_date IS 'When the participant withdrew (UTC), if withdrawn.';
COMMENT ON COLUMN declarations_current.deferral_reason IS 'The enrolment''s deferral reason, if deferred.';
COMMENT ON COLUMN declarations_current.deferral_date IS 'When the participant deferred (UTC), if deferred.';
COMMENT ON COLUMN declarations_current.statement_id IS 'The output statement that pays (or paid) the declaration.';
COMMENT ON COLUMN declarations_current.statement_cohort IS 'The statement''s cohort.';
COMMENT ON COLUMN declarations_current.statement_month IS 'The statement''s month (English month name).';
COMMENT ON COLUMN declarations_current.statement_year IS 'The statement''s year.';
COMMENT ON COLUMN declarations_current.statement_cut_off_date IS 'The statement''s deadline: declarations attached by then become payable the day after.';
COMMENT ON COLUMN declarations_current.statement_payment_date IS 'When the statement is due to be paid.';
COMMENT ON COLUMN declarations_current.statement_paid IS 'Whether DfE has marked the statement paid.';
COMMENT ON COLUMN declarations_current.clawback_statement_id IS 'The statement the clawback is deducted from (after a paid declaration was voided).';
COMMENT ON COLUMN declarations_current.clawback_statement_month IS 'The clawback statement''s month.';
COMMENT ON COLUMN declarations_current.clawback_statement_year IS 'The clawback statement''s year.';
COMMENT ON COLUMN declarations_current.clawback_statement_cut_off_date IS 'The clawback statement''s deadline.';
COMMENT ON COLUMN declarations_current.clawback_statement_payment_date IS 'When the clawback statement is due to be paid (the deduction date).';
COMMENT ON COLUMN declarations_current.clawback_statement_paid IS 'Whether the clawback statement has been paid (the clawback is done).';
