-- The change log behind the incremental finance layer: one row per row of an API table that a write changed
-- (inserted, updated, marked removed, or re-pointed by the participant-id remap) since the materialised rows
-- (cache_*) were last refreshed. syncer/store.py and syncer/remap.py append to it in the transaction that makes
-- the change; syncer/incremental.py reads it, refreshes only the cache rows those changes reach, and empties it
-- in the refresh's own transaction, so a change is never lost between a write and a refresh, nor counted twice.
CREATE TABLE IF NOT EXISTS finance_changes (
    table_name VARCHAR NOT NULL,        -- the API table written
    key_hash UHUGEINT NOT NULL          -- the changed row's key_hash (sql/schema/007_key_hash.sql)
);
