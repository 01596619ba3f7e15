-- table_rows: each row of {database}.{table} as its row id and its hash ({row_hash}: every column, nested ones as
-- text, see syncer/snapshot_patch.py), in the temp table {database}_rows. The table's digest is its row count
-- and the sum of the hashes (as HUGEINT, so nothing wraps and repeated rows do not cancel out): equal tables have
-- equal digests, and a table that changed keeps its digest only if its changes' hashes cancel exactly.
CREATE OR REPLACE TEMP TABLE {database}_rows AS
SELECT rowid AS row_id, {row_hash} AS row_hash
FROM {database}.main."{table}"
