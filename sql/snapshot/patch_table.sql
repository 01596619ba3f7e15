-- patch_table: brings snapshot.{table} level with warehouse.{table} by deleting the rows the warehouse no longer
-- holds and inserting those the snapshot lacks, leaving every other row (and its compressed storage) where it is.
-- A row is told by the 64-bit hash of all its columns and, where rows repeat, by its occurrence (the n-th row with
-- that hash), so the tables compare as multisets whatever their keys. Run as four statements, in this order.
CREATE OR REPLACE TEMP TABLE warehouse_rows AS
SELECT row_id, row_hash, row_number() OVER (PARTITION BY row_hash) AS occurrence
FROM (SELECT rowid AS row_id, hash(t) AS row_hash FROM warehouse.main."{table}" AS t);

CREATE OR REPLACE TEMP TABLE snapshot_rows AS
SELECT row_id, row_hash, row_number() OVER (PARTITION BY row_hash) AS occurrence
FROM (SELECT rowid AS row_id, hash(t) AS row_hash FROM snapshot.main."{table}" AS t);

DELETE FROM snapshot.main."{table}"
WHERE rowid IN (SELECT row_id FROM snapshot_rows ANTI JOIN warehouse_rows USING (row_hash, occurrence));

INSERT INTO snapshot.main."{table}"
SELECT * FROM warehouse.main."{table}"
WHERE rowid IN (SELECT row_id FROM warehouse_rows ANTI JOIN snapshot_rows USING (row_hash, occurrence));
