-- COMMENT ON the tables sql/schema/003_declarations_statements.sql creates.
-- Re-applied by every `syncer sync` and `syncer views` (syncer/views.py), so an edit here reaches existing
-- warehouses; `syncer dictionary` and docs/data-dictionary.md are generated from these comments.

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
