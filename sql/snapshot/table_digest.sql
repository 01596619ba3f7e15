-- table_digest: {database}.{table} reduced to its row count and the sum of its rows' 64-bit hashes (as HUGEINT,
-- so nothing wraps and repeated rows do not cancel out): equal tables have equal digests, and a table that
-- changed keeps its digest only if the changes' hashes cancel exactly (a chance of about 2^-64).
SELECT count(*) AS row_count, coalesce(sum(hash(t)), 0)::HUGEINT AS row_hash_sum FROM {database}.main."{table}" AS t
