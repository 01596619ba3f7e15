-- snapshot_publication: one row in the read snapshot (never in the warehouse) saying what it was copied from, so
-- that the next publication can tell whether the warehouse still holds the same content (content_stamp.sql);
-- snapshot_tables: each table's digest as last published, so that the next one patches only the tables that
-- changed (syncer/snapshot_patch.py). Created in a whole copy of the warehouse.
CREATE TABLE snapshot.snapshot_publication (
    content_stamp VARCHAR NOT NULL,
    storage_version VARCHAR NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    copied_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE snapshot.snapshot_publication IS 'The read snapshot''s own record of the warehouse content it was copied from (one row). A run that changes no data does not write the snapshot again: it only touches the file''s modification time, so the file''s mtime says when it was last confirmed current, published_at when it was last brought level with the warehouse and copied_at when it was last copied whole.';
COMMENT ON COLUMN snapshot.snapshot_publication.content_stamp IS 'SHA-256 of the warehouse''s migrations, finance-layer build, contracts file, writing runs and participant-id map at the copy (sql/snapshot/content_stamp.sql)';
COMMENT ON COLUMN snapshot.snapshot_publication.storage_version IS 'The DuckDB storage format the snapshot was written in ([warehouse] snapshot_storage_version)';
COMMENT ON COLUMN snapshot.snapshot_publication.published_at IS 'When this snapshot was last brought level with the warehouse (copied whole or patched)';
COMMENT ON COLUMN snapshot.snapshot_publication.copied_at IS 'When this file was last copied whole from the warehouse; patched in place since where published_at is later';

CREATE TABLE snapshot.snapshot_tables (
    table_name VARCHAR NOT NULL,
    row_count BIGINT NOT NULL,
    row_hash_sum HUGEINT NOT NULL
);
COMMENT ON TABLE snapshot.snapshot_tables IS 'The read snapshot''s own digest of each table as it was last brought level with the warehouse (one row per table; none after a whole copy), so that the next publication patches only the tables whose digest changed, without reading the snapshot''s side of the others.';
COMMENT ON COLUMN snapshot.snapshot_tables.table_name IS 'A table of the warehouse (and of this snapshot)';
COMMENT ON COLUMN snapshot.snapshot_tables.row_count IS 'Its rows';
COMMENT ON COLUMN snapshot.snapshot_tables.row_hash_sum IS 'The sum of its rows'' 64-bit hashes (sql/snapshot/table_rows.sql)';
