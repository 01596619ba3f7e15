-- patch_table: brings snapshot.{table} level with warehouse.{table}, whose rows are hashed in warehouse_rows and
-- snapshot_rows (sql/snapshot/table_rows.sql), by deleting the rows only the snapshot holds and inserting those
-- only the warehouse holds, leaving every other row (and its compressed storage) where it is. A row is told by
-- its hash and, where rows repeat, by its occurrence (the n-th row with that hash), so the tables compare as
-- multisets whatever their keys. Two statements, the deletion first: its row ids are the snapshot's as they were.
DELETE FROM snapshot.main."{table}"
WHERE rowid IN (
    SELECT row_id
    FROM (SELECT *, row_number() OVER (PARTITION BY row_hash) AS occurrence FROM snapshot_rows)
    ANTI JOIN (SELECT row_hash, row_number() OVER (PARTITION BY row_hash) AS occurrence FROM warehouse_rows)
        USING (row_hash, occurrence)
);

INSERT INTO snapshot.main."{table}"
SELECT *
FROM warehouse.main."{table}"
WHERE rowid IN (
    SELECT row_id
    FROM (SELECT *, row_number() OVER (PARTITION BY row_hash) AS occurrence FROM warehouse_rows)
    ANTI JOIN (SELECT row_hash, row_number() OVER (PARTITION BY row_hash) AS occurrence FROM snapshot_rows)
        USING (row_hash, occurrence)
);
