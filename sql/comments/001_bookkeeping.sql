-- COMMENT ON the tables sql/schema/001_bookkeeping.sql creates, and on schema_migrations, which the
-- migration runner (syncer/warehouse.py) creates before it applies 001.
-- Re-applied by every `syncer sync` and `syncer views` (syncer/views.py), so an edit here reaches existing
-- warehouses; `syncer dictionary` and docs/data-dictionary.md are generated from these comments.

COMMENT ON TABLE schema_migrations IS 'Warehouse schema migrations applied (sql/schema/NNN_*.sql), each once.';
COMMENT ON COLUMN schema_migrations.name IS 'The migration file name.';
COMMENT ON COLUMN schema_migrations.applied_at IS 'When it was applied.';

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
