-- snapshot_publication: one row in the read snapshot (never in the warehouse) saying what it was copied from, so
-- that the next publication can tell whether the warehouse still holds the same content (content_stamp.sql).
CREATE TABLE snapshot.snapshot_publication (
    content_stamp VARCHAR NOT NULL,
    storage_version VARCHAR NOT NULL,
    published_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE snapshot.snapshot_publication IS 'The read snapshot''s own record of the warehouse content it was copied from (one row). A run that changes no data does not copy the snapshot again: it only touches the file''s modification time, so the file''s mtime says when it was last confirmed current and published_at when it was copied.';
COMMENT ON COLUMN snapshot.snapshot_publication.content_stamp IS 'SHA-256 of the warehouse''s migrations, finance-layer build, contracts file, writing runs and participant-id map at the copy (sql/snapshot/content_stamp.sql)';
COMMENT ON COLUMN snapshot.snapshot_publication.storage_version IS 'The DuckDB storage format the snapshot was written in ([warehouse] snapshot_storage_version)';
COMMENT ON COLUMN snapshot.snapshot_publication.published_at IS 'When this copy was written';
