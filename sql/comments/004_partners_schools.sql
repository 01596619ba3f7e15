-- COMMENT ON the tables sql/schema/004_partners_schools.sql creates.
-- Re-applied by every `syncer sync` and `syncer views` (syncer/views.py), so an edit here reaches existing
-- warehouses; `syncer dictionary` and docs/data-dictionary.md are generated from these comments.

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
