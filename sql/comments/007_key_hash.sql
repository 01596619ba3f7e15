-- COMMENT ON the key_hash column sql/schema/007_key_hash.sql adds to each synced table.
-- Re-applied by every `syncer sync` and `syncer views` (syncer/views.py), so an edit here reaches existing
-- warehouses; `syncer dictionary` and docs/data-dictionary.md are generated from these comments.

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
