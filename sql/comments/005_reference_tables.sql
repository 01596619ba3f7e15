-- COMMENT ON the lookup tables sql/schema/005_reference_tables.sql creates (their rows: data/ref/*.csv).
-- Re-applied by every `syncer sync` and `syncer views` (syncer/views.py), so an edit here reaches existing
-- warehouses; `syncer dictionary` and docs/data-dictionary.md are generated from these comments.

COMMENT ON TABLE ref_declaration_states IS 'Lookup (data/ref/declaration_states.csv): every declaration state, what it means, what the provider can do, and whether money is due, owed back or settled.';
COMMENT ON COLUMN ref_declaration_states.state IS 'The state in the API''s hyphenated spelling (the warehouse''s one spelling).';
COMMENT ON COLUMN ref_declaration_states.internal_name IS 'The service''s internal name (underscores; submitted is no_payment in RECT); accepted on input.';
COMMENT ON COLUMN ref_declaration_states.description IS 'What the code means, in plain English.';
COMMENT ON COLUMN ref_declaration_states.provider_actions IS 'What the provider can do with a declaration in this state.';
COMMENT ON COLUMN ref_declaration_states.can_void IS 'Whether the provider can void it.';
COMMENT ON COLUMN ref_declaration_states.is_live IS 'Billable or changeable: counts towards the one-declaration-per-milestone rule.';
COMMENT ON COLUMN ref_declaration_states.money_position IS 'due, owed_back, settled or none.';
COMMENT ON COLUMN ref_declaration_states.is_money_due IS 'DfE will pay it.';
COMMENT ON COLUMN ref_declaration_states.is_money_owed_back IS 'The provider will repay it.';
COMMENT ON COLUMN ref_declaration_states.is_settled IS 'Money has moved (paid or clawed back).';
COMMENT ON COLUMN ref_declaration_states.sort_order IS 'Display order along the state machine.';
COMMENT ON COLUMN ref_declaration_states.api IS 'Which API versions send this value.';

COMMENT ON TABLE ref_declaration_types IS 'Lookup (data/ref/declaration_types.csv): the declaration types (milestones).';
COMMENT ON COLUMN ref_declaration_types.declaration_type IS 'The type as the API sends it.';
COMMENT ON COLUMN ref_declaration_types.milestone_order IS 'Position among the milestones (1 = started).';
COMMENT ON COLUMN ref_declaration_types.description IS 'What the code means, in plain English.';
COMMENT ON COLUMN ref_declaration_types.is_extended IS 'Only on extended schedules.';
COMMENT ON COLUMN ref_declaration_types.allowed_for_limited_courses IS 'Funded for courses limited to started and completed (mentors from 2025).';

COMMENT ON TABLE ref_training_statuses IS 'Lookup (data/ref/training_statuses.csv): enrolment training statuses and what they allow.';
COMMENT ON COLUMN ref_training_statuses.training_status IS 'The status.';
COMMENT ON COLUMN ref_training_statuses.description IS 'What the code means, in plain English.';
COMMENT ON COLUMN ref_training_statuses.can_update_participant IS 'Whether the provider can update the participant.';
COMMENT ON COLUMN ref_training_statuses.can_submit_declarations IS 'Whether the provider can submit declarations (withdrawn: only dated on or before the withdrawal).';
COMMENT ON COLUMN ref_training_statuses.provider_actions IS 'What the provider can do.';

COMMENT ON TABLE ref_participant_statuses IS 'Lookup (data/ref/participant_statuses.csv): participant statuses from the school''s dates.';
COMMENT ON COLUMN ref_participant_statuses.participant_status IS 'The status.';
COMMENT ON COLUMN ref_participant_statuses.description IS 'What the code means, in plain English.';
COMMENT ON COLUMN ref_participant_statuses.api IS 'Which API versions send this value.';

COMMENT ON TABLE ref_partnership_statuses IS 'Lookup (data/ref/partnership_statuses.csv): partnership statuses (ECF1 only).';
COMMENT ON COLUMN ref_partnership_statuses.status IS 'The status.';
COMMENT ON COLUMN ref_partnership_statuses.description IS 'What the code means, in plain English.';
COMMENT ON COLUMN ref_partnership_statuses.provider_actions IS 'What the provider can do.';
COMMENT ON COLUMN ref_partnership_statuses.api IS 'Which API versions send this value.';

COMMENT ON TABLE ref_partnership_challenged_reasons IS 'Lookup (data/ref/partnership_challenged_reasons.csv): why a school challenged a partnership (ECF1 only).';
COMMENT ON COLUMN ref_partnership_challenged_reasons.challenged_reason IS 'The reason.';
COMMENT ON COLUMN ref_partnership_challenged_reasons.description IS 'What the code means, in plain English.';
COMMENT ON COLUMN ref_partnership_challenged_reasons.api IS 'Which API versions send this value.';

COMMENT ON TABLE ref_course_identifiers IS 'Lookup (data/ref/course_identifiers.csv): course identifiers.';
COMMENT ON COLUMN ref_course_identifiers.course_identifier IS 'The course as the API sends it.';
COMMENT ON COLUMN ref_course_identifiers.participant_type IS 'The role that declares under it.';
COMMENT ON COLUMN ref_course_identifiers.description IS 'What the code means, in plain English.';
COMMENT ON COLUMN ref_course_identifiers.limited_types_from_cohort IS 'From this cohort on, only declaration types allowed_for_limited_courses are funded (mentors: started and completed).';

COMMENT ON TABLE ref_participant_types IS 'Lookup (data/ref/participant_types.csv): participant types (roles).';
COMMENT ON COLUMN ref_participant_types.participant_type IS 'The role.';
COMMENT ON COLUMN ref_participant_types.course_identifier IS 'The course the role declares under.';
COMMENT ON COLUMN ref_participant_types.description IS 'What the code means, in plain English.';

COMMENT ON TABLE ref_schedules IS 'Lookup (data/ref/schedules.csv): the 12 schedule identifiers.';
COMMENT ON COLUMN ref_schedules.schedule_identifier IS 'The schedule as the API sends it.';
COMMENT ON COLUMN ref_schedules.schedule_type IS 'standard, extended, reduced or replacement.';
COMMENT ON COLUMN ref_schedules.start_month IS 'january, april or september.';
COMMENT ON COLUMN ref_schedules.description IS 'What the code means, in plain English.';
COMMENT ON COLUMN ref_schedules.for_ects IS 'Valid for ECTs.';
COMMENT ON COLUMN ref_schedules.for_mentors IS 'Valid for mentors.';
COMMENT ON COLUMN ref_schedules.milestone_count IS 'How many milestones (declaration types) the schedule has.';

COMMENT ON TABLE ref_schedule_milestones IS 'Lookup (data/ref/schedule_milestones.csv): the milestones (declaration types) of each schedule.';
COMMENT ON COLUMN ref_schedule_milestones.schedule_identifier IS 'The schedule.';
COMMENT ON COLUMN ref_schedule_milestones.declaration_type IS 'A milestone of the schedule.';
COMMENT ON COLUMN ref_schedule_milestones.milestone_order IS 'Its position (1 = started).';

COMMENT ON TABLE ref_withdrawal_reasons IS 'Lookup (data/ref/withdrawal_reasons.csv): withdrawal reasons.';
COMMENT ON COLUMN ref_withdrawal_reasons.withdrawal_reason IS 'The reason as the API sends it (hyphens).';
COMMENT ON COLUMN ref_withdrawal_reasons.internal_name IS 'The stored spelling (underscores); accepted on input.';
COMMENT ON COLUMN ref_withdrawal_reasons.description IS 'What the code means, in plain English.';

COMMENT ON TABLE ref_deferral_reasons IS 'Lookup (data/ref/deferral_reasons.csv): deferral reasons.';
COMMENT ON COLUMN ref_deferral_reasons.deferral_reason IS 'The reason as the API sends it (hyphens).';
COMMENT ON COLUMN ref_deferral_reasons.internal_name IS 'The stored spelling (underscores); accepted on input.';
COMMENT ON COLUMN ref_deferral_reasons.description IS 'What the code means, in plain English.';

COMMENT ON TABLE ref_ineligible_for_funding_reasons IS 'Lookup (data/ref/ineligible_for_funding_reasons.csv): why a declaration is not funded (ECF1 only).';
COMMENT ON COLUMN ref_ineligible_for_funding_reasons.ineligible_for_funding_reason IS 'The reason as the API sends it.';
COMMENT ON COLUMN ref_ineligible_for_funding_reasons.description IS 'What the code means, in plain English.';
COMMENT ON COLUMN ref_ineligible_for_funding_reasons.api IS 'Which API versions send this value.';

COMMENT ON TABLE ref_evidence_held IS 'Lookup (data/ref/evidence_held.csv): evidence types for declarations.';
COMMENT ON COLUMN ref_evidence_held.evidence_held IS 'The value as the API sends it.';
COMMENT ON COLUMN ref_evidence_held.description IS 'What the code means, in plain English.';
COMMENT ON COLUMN ref_evidence_held.from_cohort IS 'Accepted from this cohort on (null: all cohorts).';

COMMENT ON TABLE ref_mentor_ineligible_for_funding_reasons IS 'Lookup (data/ref/mentor_ineligible_for_funding_reasons.csv): why a mentor cannot be funded.';
COMMENT ON COLUMN ref_mentor_ineligible_for_funding_reasons.mentor_ineligible_for_funding_reason IS 'The reason as the API sends it.';
COMMENT ON COLUMN ref_mentor_ineligible_for_funding_reasons.description IS 'What the code means, in plain English.';

COMMENT ON TABLE ref_induction_programme_choices IS 'Lookup (data/ref/induction_programme_choices.csv): schools'' induction programme choices.';
COMMENT ON COLUMN ref_induction_programme_choices.induction_programme_choice IS 'The value as the API sends it.';
COMMENT ON COLUMN ref_induction_programme_choices.description IS 'What the code means, in plain English.';
COMMENT ON COLUMN ref_induction_programme_choices.api IS 'Which API versions send this value.';

COMMENT ON TABLE ref_transfer_types IS 'Lookup (data/ref/transfer_types.csv): transfer types.';
COMMENT ON COLUMN ref_transfer_types.transfer_type IS 'The value as the API sends it.';
COMMENT ON COLUMN ref_transfer_types.description IS 'What the code means, in plain English.';

COMMENT ON TABLE ref_transfer_statuses IS 'Lookup (data/ref/transfer_statuses.csv): transfer statuses.';
COMMENT ON COLUMN ref_transfer_statuses.transfer_status IS 'The value as the API sends it.';
COMMENT ON COLUMN ref_transfer_statuses.description IS 'What the code means, in plain English.';

COMMENT ON TABLE ref_working_patterns IS 'Lookup (data/ref/working_patterns.csv): ECT working patterns.';
COMMENT ON COLUMN ref_working_patterns.working_pattern IS 'The value as the API sends it.';
COMMENT ON COLUMN ref_working_patterns.description IS 'What the code means, in plain English.';

COMMENT ON TABLE ref_anomaly_codes IS 'Lookup (data/ref/anomaly_codes.csv): the codes of declaration_anomalies, how serious each is and what to do.';
COMMENT ON COLUMN ref_anomaly_codes.anomaly_code IS 'The code.';
COMMENT ON COLUMN ref_anomaly_codes.severity IS 'error (money or data is inconsistent) or warning (check it).';
COMMENT ON COLUMN ref_anomaly_codes.title IS 'A short title.';
COMMENT ON COLUMN ref_anomaly_codes.what_to_do IS 'What to do about it.';
