-- COMMENT ON the table sql/schema/010_finance_changes.sql creates.
-- Re-applied by every `syncer sync` and `syncer views` (syncer/views.py), so an edit here reaches existing
-- warehouses; `syncer dictionary` and docs/data-dictionary.md are generated from these comments.

COMMENT ON TABLE finance_changes IS 'Rows of the API tables written since the finance layer''s materialised rows were last refreshed: the next refresh rebuilds only the cache rows they reach, then empties this log (see syncer/incremental.py).';
COMMENT ON COLUMN finance_changes.table_name IS 'The API table the changed row is in (e.g. participant_declarations).';
COMMENT ON COLUMN finance_changes.key_hash IS 'The changed row''s key_hash: md5 of its source and key, as stored in that table.';
