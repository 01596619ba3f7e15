-- COMMENT ON every table and column the schema migrations create (views carry their own comments in
-- sql/views/). Re-applied by every `syncer sync` and `syncer views`, so an edit here reaches existing
-- warehouses; `syncer dictionary` and docs/data-dictionary.md are generated from these comments.

COMMENT ON TABLE schema_migrations IS 'Warehouse schema migrations applied (sql/schema/NNN_*.sql), each once.';
COMMENT ON COLUMN schema_migrations.name IS 'The migration file name.';
COMMENT ON COLUMN schema_migrations.applied_at IS 'When it was applied.';

COMMENT ON TABLE finance_layer IS 'What the finance layer (ref_* tables, views, comments) was last built from; see syncer/views.py.';
COMMENT ON COLUMN finance_layer.fingerprint IS 'sha256 of the data files, model and comment SQL, migrations and DuckDB version the definitions were built from.';
COMMENT ON COLUMN finance_layer.built_at IS 'When the definitions were last rebuilt.';
COMMENT ON COLUMN finance_layer.rows_built_at IS 'When the materialised rows (cache_*) were last rebuilt; a refresh rebuilds them only if a sync wrote data since.';

COMMENT ON TABLE sync_state IS 'Where each stream of each source has got to: one row per (source, stream).';
COMMENT ON COLUMN sync_state.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN sync_state.stream IS 'The stream (API list endpoint), e.g. participant-declarations.';
COMMENT ON COLUMN sync_state.watermark IS 'The next incremental scan asks for updated_since = this (the server clock at the previous scan''s start minus the lookback).';
COMMENT ON COLUMN sync_state.last_full_refresh_at IS 'Start of the last complete full scan.';
COMMENT ON COLUMN sync_state.updated_at IS 'When this row was last written.';

COMMENT ON TABLE sync_runs IS 'What every sync run did, per source and stream.';
COMMENT ON COLUMN sync_runs.run_id IS 'The run (one `syncer sync`).';
COMMENT ON COLUMN sync_runs.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN sync_runs.stream IS 'The stream synced.';
COMMENT ON COLUMN sync_runs.mode IS 'incremental or full.';
COMMENT ON COLUMN sync_runs.started_at IS 'When the stream''s scan started.';
COMMENT ON COLUMN sync_runs.finished_at IS 'When it finished.';
COMMENT ON COLUMN sync_runs.updated_since IS 'The updated_since filter the scan used (null for a full scan).';
COMMENT ON COLUMN sync_runs.pages IS 'Pages applied.';
COMMENT ON COLUMN sync_runs.requests IS 'HTTP requests made.';
COMMENT ON COLUMN sync_runs.records IS 'Items received (after de-duplication).';
COMMENT ON COLUMN sync_runs.inserted IS 'New rows.';
COMMENT ON COLUMN sync_runs.updated IS 'Rows whose payload changed.';
COMMENT ON COLUMN sync_runs.unchanged IS 'Byte-identical rows (only last_seen_at touched).';
COMMENT ON COLUMN sync_runs.removed IS 'Rows a full scan marked as left the provider''s scope.';
COMMENT ON COLUMN sync_runs.quarantined IS 'Items that failed validation.';
COMMENT ON COLUMN sync_runs.outcome IS 'running, success, failed or interrupted.';
COMMENT ON COLUMN sync_runs.error IS 'Why it failed, if it did.';

COMMENT ON TABLE quarantine IS 'API items that failed validation, kept for inspection; the rest of their page was applied.';
COMMENT ON COLUMN quarantine.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN quarantine.stream IS 'The stream the item came from.';
COMMENT ON COLUMN quarantine.fingerprint IS 'md5 of raw_text: the same bad item seen again is one row.';
COMMENT ON COLUMN quarantine.item_id IS 'The item''s id, if it had one.';
COMMENT ON COLUMN quarantine.raw_text IS 'The item as received.';
COMMENT ON COLUMN quarantine.error IS 'Why it was refused.';
COMMENT ON COLUMN quarantine.first_seen_at IS 'When it was first received.';
COMMENT ON COLUMN quarantine.last_seen_at IS 'When it was last received.';
COMMENT ON COLUMN quarantine.occurrences IS 'How many times it was received.';

COMMENT ON TABLE participant_id_map IS 'participant_id -> canonical_participant_id for every id that was merged away, rebuilt from participant_id_changes on every run.';
COMMENT ON COLUMN participant_id_map.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN participant_id_map.participant_id IS 'A participant id that was changed away from (retired).';
COMMENT ON COLUMN participant_id_map.canonical_participant_id IS 'The id that participant is known by today.';

COMMENT ON TABLE participants IS 'Participants (teachers) the provider trains: GET /participants, one row per participant id.';
COMMENT ON COLUMN participants.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN participants.id IS 'The participant id (the teacher''s API id).';
COMMENT ON COLUMN participants.full_name IS 'The participant''s name (emptied when a record is merged away).';
COMMENT ON COLUMN participants.teacher_reference_number IS 'TRN (7 digits, text); null if not known.';
COMMENT ON COLUMN participants.updated_at IS 'The API''s updated_at when last fetched (UTC). Global, not per provider.';
COMMENT ON COLUMN participants.canonical_participant_id IS 'The participant id resolved through participant_id_changes (merges, chains and cycles): equals the id unless that participant was merged away.';
COMMENT ON COLUMN participants.merged_into_id IS 'For a participant merged away: the participant it was merged into.';
COMMENT ON COLUMN participants.raw IS 'The item exactly as the API last sent it (JSON), kept so new attributes are never lost.';
COMMENT ON COLUMN participants.raw_md5 IS 'md5 of raw as a 128-bit integer: compares payloads without reading them.';
COMMENT ON COLUMN participants.first_seen_at IS 'When the sync first stored this row (UTC).';
COMMENT ON COLUMN participants.last_seen_at IS 'When a sync last saw this row in an API response (UTC).';
COMMENT ON COLUMN participants.removed_at IS 'When a full sync found the row no longer in the provider''s scope (merged, removed, or another provider''s declaration that was voided); null while in scope.';

COMMENT ON TABLE participant_enrolments IS 'Each participant''s enrolments with the provider (ecf_enrolments): one row per training record, at most one ECT and one mentor per participant in the API''s latest view.';
COMMENT ON COLUMN participant_enrolments.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN participant_enrolments.training_record_id IS 'The enrolment''s stable id (per role; unchanged by merges).';
COMMENT ON COLUMN participant_enrolments.participant_id IS 'The participant that lists this enrolment.';
COMMENT ON COLUMN participant_enrolments.canonical_participant_id IS 'The participant id resolved through participant_id_changes (merges, chains and cycles): equals the id unless that participant was merged away.';
COMMENT ON COLUMN participant_enrolments.email IS 'The participant''s email for this enrolment.';
COMMENT ON COLUMN participant_enrolments.mentor_id IS 'The ECT''s mentor as the API sent it (null for mentors).';
COMMENT ON COLUMN participant_enrolments.canonical_mentor_id IS 'mentor_id resolved through participant_id_changes.';
COMMENT ON COLUMN participant_enrolments.school_urn IS 'The school''s URN (text).';
COMMENT ON COLUMN participant_enrolments.participant_type IS 'ect or mentor (see ref_participant_types).';
COMMENT ON COLUMN participant_enrolments.cohort IS 'Cohort (funding contract year) as text.';
COMMENT ON COLUMN participant_enrolments.training_status IS 'active, deferred or withdrawn (see ref_training_statuses).';
COMMENT ON COLUMN participant_enrolments.participant_status IS 'joining, active, leaving or left (see ref_participant_statuses); computed by the API from today''s date without an updated_at bump.';
COMMENT ON COLUMN participant_enrolments.eligible_for_funding IS 'Whether DfE has confirmed the participant eligible for funding (null: not yet known).';
COMMENT ON COLUMN participant_enrolments.pupil_premium_uplift IS 'Whether the school attracts the pupil premium uplift.';
COMMENT ON COLUMN participant_enrolments.sparsity_uplift IS 'Whether the school attracts the sparsity uplift.';
COMMENT ON COLUMN participant_enrolments.schedule_identifier IS 'The participant''s schedule (see ref_schedules).';
COMMENT ON COLUMN participant_enrolments.delivery_partner_id IS 'The delivery partner training the participant.';
COMMENT ON COLUMN participant_enrolments.withdrawal_reason IS 'Why the participant withdrew (see ref_withdrawal_reasons).';
COMMENT ON COLUMN participant_enrolments.withdrawal_date IS 'When the participant withdrew (UTC).';
COMMENT ON COLUMN participant_enrolments.deferral_reason IS 'Why the participant deferred (see ref_deferral_reasons).';
COMMENT ON COLUMN participant_enrolments.deferral_date IS 'When the participant deferred (UTC).';
COMMENT ON COLUMN participant_enrolments.created_at IS 'When the earliest school period of this role was created (UTC).';
COMMENT ON COLUMN participant_enrolments.induction_end_date IS 'When the ECT''s induction ended.';
COMMENT ON COLUMN participant_enrolments.most_recent_induction_period_end_date IS 'End date of the ECT''s most recent induction period.';
COMMENT ON COLUMN participant_enrolments.overall_induction_start_date IS 'When the ECT''s induction started.';
COMMENT ON COLUMN participant_enrolments.mentor_funding_end_date IS 'When the mentor''s funding ended.';
COMMENT ON COLUMN participant_enrolments.cohort_changed_after_payments_frozen IS 'Whether the participant was moved to another cohort after its payments were frozen.';
COMMENT ON COLUMN participant_enrolments.mentor_ineligible_for_funding_reason IS 'Why a mentor cannot be funded (see ref_mentor_ineligible_for_funding_reasons).';
COMMENT ON COLUMN participant_enrolments.working_pattern IS 'full_time or part_time (ECTs only; see ref_working_patterns).';
COMMENT ON COLUMN participant_enrolments.raw IS 'The enrolment exactly as the API last sent it (JSON).';
COMMENT ON COLUMN participant_enrolments.raw_md5 IS 'md5 of raw as a 128-bit integer: compares payloads without reading them.';
COMMENT ON COLUMN participant_enrolments.first_seen_at IS 'When the sync first stored this row (UTC).';
COMMENT ON COLUMN participant_enrolments.last_seen_at IS 'When a sync last saw this row in an API response (UTC).';
COMMENT ON COLUMN participant_enrolments.removed_at IS 'When the enrolment stopped being listed (superseded, or its participant left scope); null while listed.';

COMMENT ON TABLE participant_id_changes IS 'participant_id_changes listed on participants: each de-duplication (merge) of one participant id into another.';
COMMENT ON COLUMN participant_id_changes.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN participant_id_changes.participant_id IS 'The participant whose record lists the change.';
COMMENT ON COLUMN participant_id_changes.from_participant_id IS 'The retired id.';
COMMENT ON COLUMN participant_id_changes.to_participant_id IS 'The id it was merged into.';
COMMENT ON COLUMN participant_id_changes.changed_at IS 'When the change was made (UTC).';
COMMENT ON COLUMN participant_id_changes.first_seen_at IS 'When the sync first stored this row (UTC).';
COMMENT ON COLUMN participant_id_changes.last_seen_at IS 'When a sync last saw this row in an API response (UTC).';

COMMENT ON TABLE unfunded_mentors IS 'Mentors of the provider''s ECTs whom the provider does not train: GET /unfunded-mentors.';
COMMENT ON COLUMN unfunded_mentors.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN unfunded_mentors.id IS 'The mentor''s participant id (the same teacher id as /participants).';
COMMENT ON COLUMN unfunded_mentors.full_name IS 'The mentor''s name.';
COMMENT ON COLUMN unfunded_mentors.email IS 'The mentor''s email (from their latest assignment to this provider''s ECTs).';
COMMENT ON COLUMN unfunded_mentors.teacher_reference_number IS 'TRN (RECT sends null).';
COMMENT ON COLUMN unfunded_mentors.created_at IS 'The API''s created_at (UTC).';
COMMENT ON COLUMN unfunded_mentors.updated_at IS 'The API''s updated_at when last fetched (UTC).';
COMMENT ON COLUMN unfunded_mentors.canonical_participant_id IS 'The participant id resolved through participant_id_changes (merges, chains and cycles): equals the id unless that participant was merged away.';
COMMENT ON COLUMN unfunded_mentors.raw IS 'The item exactly as the API last sent it (JSON), kept so new attributes are never lost.';
COMMENT ON COLUMN unfunded_mentors.raw_md5 IS 'md5 of raw as a 128-bit integer: compares payloads without reading them.';
COMMENT ON COLUMN unfunded_mentors.first_seen_at IS 'When the sync first stored this row (UTC).';
COMMENT ON COLUMN unfunded_mentors.last_seen_at IS 'When a sync last saw this row in an API response (UTC).';
COMMENT ON COLUMN unfunded_mentors.removed_at IS 'When a full sync found the row no longer in the provider''s scope (merged, removed, or another provider''s declaration that was voided); null while in scope.';

COMMENT ON TABLE participant_transfers IS 'Participants'' school and provider transfers: GET /participants/transfers, one row per participant.';
COMMENT ON COLUMN participant_transfers.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN participant_transfers.id IS 'The participant id.';
COMMENT ON COLUMN participant_transfers.canonical_participant_id IS 'The participant id resolved through participant_id_changes (merges, chains and cycles): equals the id unless that participant was merged away.';
COMMENT ON COLUMN participant_transfers.updated_at IS 'The API''s updated_at when last fetched (UTC).';
COMMENT ON COLUMN participant_transfers.transfer_count IS 'How many transfers are listed.';
COMMENT ON COLUMN participant_transfers.transfers IS 'The transfers (JSON list: training_record_id, transfer_type, status, created_at, leaving, joining); see ref_transfer_types and ref_transfer_statuses.';
COMMENT ON COLUMN participant_transfers.raw IS 'The item exactly as the API last sent it (JSON), kept so new attributes are never lost.';
COMMENT ON COLUMN participant_transfers.raw_md5 IS 'md5 of raw as a 128-bit integer: compares payloads without reading them.';
COMMENT ON COLUMN participant_transfers.first_seen_at IS 'When the sync first stored this row (UTC).';
COMMENT ON COLUMN participant_transfers.last_seen_at IS 'When a sync last saw this row in an API response (UTC).';
COMMENT ON COLUMN participant_transfers.removed_at IS 'When a full sync found the row no longer in the provider''s scope (merged, removed, or another provider''s declaration that was voided); null while in scope.';

COMMENT ON TABLE participant_declarations IS 'Declarations (the claims for payment): GET /participant-declarations, one row per declaration, as the API last sent it. See declarations_current for the decoded view.';
COMMENT ON COLUMN participant_declarations.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN participant_declarations.id IS 'The declaration id.';
COMMENT ON COLUMN participant_declarations.participant_id IS 'The participant id as the API last sent it (may be stale after a merge).';
COMMENT ON COLUMN participant_declarations.canonical_participant_id IS 'The participant id resolved through participant_id_changes (merges, chains and cycles): equals the id unless that participant was merged away.';
COMMENT ON COLUMN participant_declarations.declaration_type IS 'The milestone declared (see ref_declaration_types).';
COMMENT ON COLUMN participant_declarations.declaration_date IS 'When the training event happened (UTC).';
COMMENT ON COLUMN participant_declarations.course_identifier IS 'ecf-induction or ecf-mentor (see ref_course_identifiers).';
COMMENT ON COLUMN participant_declarations.state IS 'The state as sent (hyphenated; see ref_declaration_states).';
COMMENT ON COLUMN participant_declarations.updated_at IS 'The API''s updated_at when last fetched (UTC).';
COMMENT ON COLUMN participant_declarations.created_at IS 'The API''s created_at (UTC).';
COMMENT ON COLUMN participant_declarations.delivery_partner_id IS 'The delivery partner when the declaration was created.';
COMMENT ON COLUMN participant_declarations.statement_id IS 'The statement that pays it (null while submitted; hidden once voided).';
COMMENT ON COLUMN participant_declarations.clawback_statement_id IS 'The statement a clawback is deducted from.';
COMMENT ON COLUMN participant_declarations.ineligible_for_funding_reason IS 'ECF1 only (see ref_ineligible_for_funding_reasons); RECT sends null.';
COMMENT ON COLUMN participant_declarations.mentor_id IS 'The ECT''s mentor at the declaration date, as sent.';
COMMENT ON COLUMN participant_declarations.canonical_mentor_id IS 'mentor_id resolved through participant_id_changes.';
COMMENT ON COLUMN participant_declarations.uplift_paid IS 'Paid with a sparsity or pupil-premium uplift.';
COMMENT ON COLUMN participant_declarations.evidence_held IS 'The evidence held (see ref_evidence_held).';
COMMENT ON COLUMN participant_declarations.lead_provider_name IS 'The provider that made the declaration (can be another provider for a transferred participant).';
COMMENT ON COLUMN participant_declarations.raw IS 'The item exactly as the API last sent it (JSON), kept so new attributes are never lost.';
COMMENT ON COLUMN participant_declarations.raw_md5 IS 'md5 of raw as a 128-bit integer: compares payloads without reading them.';
COMMENT ON COLUMN participant_declarations.first_seen_at IS 'When the sync first stored this row (UTC).';
COMMENT ON COLUMN participant_declarations.last_seen_at IS 'When a sync last saw this row in an API response (UTC).';
COMMENT ON COLUMN participant_declarations.removed_at IS 'When a full sync found the row no longer in the provider''s scope (merged, removed, or another provider''s declaration that was voided); null while in scope.';

COMMENT ON TABLE declaration_state_history IS 'Every change of a declaration''s state, statement or clawback statement that the sync saw, including first sight and leaving or re-entering the provider''s scope.';
COMMENT ON COLUMN declaration_state_history.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN declaration_state_history.declaration_id IS 'The declaration.';
COMMENT ON COLUMN declaration_state_history.old_state IS 'The state before (null on first sight; removed when it came back into scope).';
COMMENT ON COLUMN declaration_state_history.new_state IS 'The state after (''removed'' when it left the provider''s scope).';
COMMENT ON COLUMN declaration_state_history.old_statement_id IS 'The statement before.';
COMMENT ON COLUMN declaration_state_history.new_statement_id IS 'The statement after.';
COMMENT ON COLUMN declaration_state_history.old_clawback_statement_id IS 'The clawback statement before.';
COMMENT ON COLUMN declaration_state_history.new_clawback_statement_id IS 'The clawback statement after.';
COMMENT ON COLUMN declaration_state_history.api_updated_at IS 'The API''s updated_at carried by the change.';
COMMENT ON COLUMN declaration_state_history.observed_at IS 'When the sync saw the change (UTC).';

COMMENT ON TABLE statements IS 'Output-fee payment statements: GET /statements, one row per statement (one per provider, cohort, month and year).';
COMMENT ON COLUMN statements.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN statements.id IS 'The statement id.';
COMMENT ON COLUMN statements.month IS 'The month (English month name).';
COMMENT ON COLUMN statements.year IS 'The year (text).';
COMMENT ON COLUMN statements.cohort IS 'The cohort (funding contract year) it pays.';
COMMENT ON COLUMN statements.cut_off_date IS 'The deadline: eligible declarations on it become payable the day after.';
COMMENT ON COLUMN statements.payment_date IS 'When it is due to be paid.';
COMMENT ON COLUMN statements.paid IS 'Whether DfE has marked it paid (a past statement with nothing payable stays unpaid).';
COMMENT ON COLUMN statements.created_at IS 'The API''s created_at (UTC).';
COMMENT ON COLUMN statements.updated_at IS 'The API''s updated_at when last fetched (UTC).';
COMMENT ON COLUMN statements.raw IS 'The item exactly as the API last sent it (JSON), kept so new attributes are never lost.';
COMMENT ON COLUMN statements.raw_md5 IS 'md5 of raw as a 128-bit integer: compares payloads without reading them.';
COMMENT ON COLUMN statements.first_seen_at IS 'When the sync first stored this row (UTC).';
COMMENT ON COLUMN statements.last_seen_at IS 'When a sync last saw this row in an API response (UTC).';
COMMENT ON COLUMN statements.removed_at IS 'When a full sync found the row no longer in the provider''s scope (merged, removed, or another provider''s declaration that was voided); null while in scope.';

COMMENT ON TABLE partnerships IS 'Partnerships between the provider, schools and delivery partners, per cohort: GET /partnerships.';
COMMENT ON COLUMN partnerships.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN partnerships.id IS 'The partnership id.';
COMMENT ON COLUMN partnerships.cohort IS 'The cohort.';
COMMENT ON COLUMN partnerships.urn IS 'The school''s URN.';
COMMENT ON COLUMN partnerships.school_id IS 'The school.';
COMMENT ON COLUMN partnerships.delivery_partner_id IS 'The delivery partner.';
COMMENT ON COLUMN partnerships.delivery_partner_name IS 'The delivery partner''s name.';
COMMENT ON COLUMN partnerships.induction_tutor_name IS 'The school''s induction tutor.';
COMMENT ON COLUMN partnerships.induction_tutor_email IS 'The induction tutor''s email.';
COMMENT ON COLUMN partnerships.participants_currently_training IS 'Participants in training under the partnership (refreshed nightly, up to a day late).';
COMMENT ON COLUMN partnerships.status IS 'ECF1 only: active or challenged (see ref_partnership_statuses).';
COMMENT ON COLUMN partnerships.challenged_reason IS 'ECF1 only (see ref_partnership_challenged_reasons).';
COMMENT ON COLUMN partnerships.challenged_at IS 'ECF1 only: when the school challenged it.';
COMMENT ON COLUMN partnerships.created_at IS 'The API''s created_at (UTC).';
COMMENT ON COLUMN partnerships.updated_at IS 'The API''s updated_at when last fetched (UTC).';
COMMENT ON COLUMN partnerships.raw IS 'The item exactly as the API last sent it (JSON), kept so new attributes are never lost.';
COMMENT ON COLUMN partnerships.raw_md5 IS 'md5 of raw as a 128-bit integer: compares payloads without reading them.';
COMMENT ON COLUMN partnerships.first_seen_at IS 'When the sync first stored this row (UTC).';
COMMENT ON COLUMN partnerships.last_seen_at IS 'When a sync last saw this row in an API response (UTC).';
COMMENT ON COLUMN partnerships.removed_at IS 'When a full sync found the row no longer in the provider''s scope (merged, removed, or another provider''s declaration that was voided); null while in scope.';

COMMENT ON TABLE delivery_partners IS 'Delivery partners the provider works with: GET /delivery-partners.';
COMMENT ON COLUMN delivery_partners.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN delivery_partners.id IS 'The delivery partner id.';
COMMENT ON COLUMN delivery_partners.name IS 'The name.';
COMMENT ON COLUMN delivery_partners.cohort IS 'The cohorts in which it works with this provider.';
COMMENT ON COLUMN delivery_partners.created_at IS 'The API''s created_at (UTC).';
COMMENT ON COLUMN delivery_partners.updated_at IS 'The API''s updated_at when last fetched (UTC).';
COMMENT ON COLUMN delivery_partners.raw IS 'The item exactly as the API last sent it (JSON), kept so new attributes are never lost.';
COMMENT ON COLUMN delivery_partners.raw_md5 IS 'md5 of raw as a 128-bit integer: compares payloads without reading them.';
COMMENT ON COLUMN delivery_partners.first_seen_at IS 'When the sync first stored this row (UTC).';
COMMENT ON COLUMN delivery_partners.last_seen_at IS 'When a sync last saw this row in an API response (UTC).';
COMMENT ON COLUMN delivery_partners.removed_at IS 'When a full sync found the row no longer in the provider''s scope (merged, removed, or another provider''s declaration that was voided); null while in scope.';

COMMENT ON TABLE schools IS 'Schools, per cohort: GET /schools?filter[cohort]=YYYY, one row per (school, cohort).';
COMMENT ON COLUMN schools.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN schools.id IS 'The school id.';
COMMENT ON COLUMN schools.cohort IS 'The cohort this row describes.';
COMMENT ON COLUMN schools.name IS 'The school''s name.';
COMMENT ON COLUMN schools.urn IS 'The URN (text).';
COMMENT ON COLUMN schools.in_partnership IS 'Whether it has a partnership with this provider in the cohort.';
COMMENT ON COLUMN schools.induction_programme_choice IS 'The school''s choice (see ref_induction_programme_choices).';
COMMENT ON COLUMN schools.expression_of_interest IS 'Whether the school expressed interest in this provider (RECT only).';
COMMENT ON COLUMN schools.induction_tutor_name IS 'The induction tutor (null unless partnered or interested).';
COMMENT ON COLUMN schools.induction_tutor_email IS 'The induction tutor''s email.';
COMMENT ON COLUMN schools.created_at IS 'The API''s created_at (UTC).';
COMMENT ON COLUMN schools.updated_at IS 'The API''s updated_at for the school in this cohort.';
COMMENT ON COLUMN schools.raw IS 'The item exactly as the API last sent it (JSON), kept so new attributes are never lost.';
COMMENT ON COLUMN schools.raw_md5 IS 'md5 of raw as a 128-bit integer: compares payloads without reading them.';
COMMENT ON COLUMN schools.first_seen_at IS 'When the sync first stored this row (UTC).';
COMMENT ON COLUMN schools.last_seen_at IS 'When a sync last saw this row in an API response (UTC).';
COMMENT ON COLUMN schools.removed_at IS 'When a full sync found the row no longer in the provider''s scope (merged, removed, or another provider''s declaration that was voided); null while in scope.';

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
COMMENT ON COLUMN participants.key_hash IS 'md5 of source and the row''s key as a 128-bit integer: how the sync finds the stored row of a fetched item.';
COMMENT ON COLUMN participant_enrolments.key_hash IS 'md5 of source and the row''s key as a 128-bit integer: how the sync finds the stored row of a fetched item.';
COMMENT ON COLUMN participant_id_changes.key_hash IS 'md5 of source and the row''s key as a 128-bit integer: how the sync finds the stored row of a fetched item.';
COMMENT ON COLUMN unfunded_mentors.key_hash IS 'md5 of source and the row''s key as a 128-bit integer: how the sync finds the stored row of a fetched item.';
COMMENT ON COLUMN participant_transfers.key_hash IS 'md5 of source and the row''s key as a 128-bit integer: how the sync finds the stored row of a fetched item.';
COMMENT ON COLUMN participant_declarations.key_hash IS 'md5 of source and the row''s key as a 128-bit integer: how the sync finds the stored row of a fetched item.';
COMMENT ON COLUMN statements.key_hash IS 'md5 of source and the row''s key as a 128-bit integer: how the sync finds the stored row of a fetched item.';
COMMENT ON COLUMN partnerships.key_hash IS 'md5 of source and the row''s key as a 128-bit integer: how the sync finds the stored row of a fetched item.';
COMMENT ON COLUMN delivery_partners.key_hash IS 'md5 of source and the row''s key as a 128-bit integer: how the sync finds the stored row of a fetched item.';
COMMENT ON COLUMN schools.key_hash IS 'md5 of source and the row''s key as a 128-bit integer: how the sync finds the stored row of a fetched item.';

COMMENT ON COLUMN ref_declaration_types.output_fee_proportion IS 'DfE''s share of a band''s output fee paid for one declaration of this type: 0.2 started and completed, 0.15 the others (payment_calculator/banded/declaration_type_output.rb).';
COMMENT ON COLUMN ref_declaration_types.flat_rate_fee_proportion IS 'ittecf_ectp mentors: the share of the mentor fee paid for one declaration of this type (0.5 started and completed; null: not paid).';
COMMENT ON COLUMN sync_state.api_clock_at IS 'The API''s clock (its Date header) at the start of the stream''s last successful scan: "now" for next_statement_forecast.';

COMMENT ON TABLE contract_terms IS 'The contracts file''s [[contract]] entries (syncer/contracts.py), reloaded by a sync or `syncer views` when the file changes: one source''s terms for one cohort from effective_from on.';
COMMENT ON COLUMN contract_terms.source IS 'The configured source the terms are for.';
COMMENT ON COLUMN contract_terms.cohort IS 'The cohort (contract period) the terms are for.';
COMMENT ON COLUMN contract_terms.effective_from IS 'Applies to statements with a payment date on or after it (the latest applies); null: from the first statement.';
COMMENT ON COLUMN contract_terms.contract_type IS 'ecf (every declaration banded) or ittecf_ectp (ECTs banded, mentors at a flat rate).';
COMMENT ON COLUMN contract_terms.recruitment_target IS 'The contract''s recruitment target (fills the bands for the computed service fee).';
COMMENT ON COLUMN contract_terms.uplift_fee_per_declaration IS 'The uplift fee per banded declaration with a sparsity or pupil premium uplift.';
COMMENT ON COLUMN contract_terms.monthly_service_fee IS 'The monthly service fee when the contract states one; null: computed from the bands.';
COMMENT ON COLUMN contract_terms.setup_fee IS 'The set-up fee, deducted from the computed service fee in proportion to band A''s filled places.';
COMMENT ON COLUMN contract_terms.mentor_fee_per_declaration IS 'ittecf_ectp: the mentors'' flat fee per declaration (0.5 of it for started, 0.5 for completed).';
COMMENT ON COLUMN contract_terms.vat_rate IS 'VAT rate on the subtotal; 0 when the provider is not VAT-registered.';
COMMENT ON COLUMN contract_terms.entry IS 'Position of the entry in the contracts file (1 = the first [[contract]]).';
COMMENT ON TABLE contract_bands IS 'The bands of each contract entry, in allocation order (from the contracts file).';
COMMENT ON COLUMN contract_bands.source IS 'The configured source of the contract entry.';
COMMENT ON COLUMN contract_bands.cohort IS 'The cohort of the contract entry.';
COMMENT ON COLUMN contract_bands.effective_from IS 'The effective_from of the contract entry (null: from the first statement).';
COMMENT ON COLUMN contract_bands.band IS 'The band''s name (A, B, C, D...).';
COMMENT ON COLUMN contract_bands.band_order IS 'Allocation order: 1 fills first.';
COMMENT ON COLUMN contract_bands.capacity IS 'How many declarations of each type the band holds.';
COMMENT ON COLUMN contract_bands.fee_per_declaration IS 'The band''s fee per participant.';
COMMENT ON COLUMN contract_bands.output_fee_ratio IS 'The part of the fee paid through output payments (declarations).';
COMMENT ON COLUMN contract_bands.service_fee_ratio IS 'The part of the fee paid through the monthly service fee (output_fee_ratio + service_fee_ratio = 1).';
COMMENT ON TABLE statement_adjustments IS 'Manual adjustments DfE made on statements, from the contracts file''s [[adjustment]] entries.';
COMMENT ON COLUMN statement_adjustments.source IS 'The configured source of the statement.';
COMMENT ON COLUMN statement_adjustments.statement_id IS 'The statement adjusted.';
COMMENT ON COLUMN statement_adjustments.description IS 'What the adjustment is for, as DfE''s statement says.';
COMMENT ON COLUMN statement_adjustments.amount IS 'The amount in pounds (negative: deducted).';
COMMENT ON COLUMN statement_adjustments.entry IS 'Position of the entry in the contracts file (1 = the first [[adjustment]]).';
COMMENT ON TABLE contract_file IS 'What the contracts tables were last loaded from: an unchanged file is not reloaded.';
COMMENT ON COLUMN contract_file.digest IS 'sha256 of the contracts file as read (of nothing when none is configured).';
COMMENT ON COLUMN contract_file.path IS 'The contracts file''s path (null when none is configured).';
COMMENT ON COLUMN contract_file.loaded_at IS 'When the contracts tables were loaded from it.';
