-- COMMENT ON the table sql/schema/006_finance_layer.sql creates.
-- Re-applied by every `syncer sync` and `syncer views` (syncer/views.py), so an edit here reaches existing
-- warehouses; `syncer dictionary` and docs/data-dictionary.md are generated from these comments.

COMMENT ON TABLE finance_layer IS 'What the finance layer (ref_* tables, views, comments) was last built from; see syncer/views.py.';
COMMENT ON COLUMN finance_layer.fingerprint IS 'sha256 of the data files, model and comment SQL, migrations and DuckDB version the definitions were built from.';
COMMENT ON COLUMN finance_layer.built_at IS 'When the definitions were last rebuilt.';
COMMENT ON COLUMN finance_layer.rows_built_at IS 'When the materialised rows (cache_*) were last rebuilt; a refresh rebuilds them only if a sync wrote data since.';
