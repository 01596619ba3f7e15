-- content_stamp: what the read snapshot holds, reduced to the inputs that change it, so that a publication can tell
-- "the warehouse holds what the snapshot holds" without copying (syncer/snapshot.py). Read from the warehouse
-- attached as `warehouse`. Each input only ever grows or is replaced, so an equal stamp means equal data:
-- * the migrations applied (a new one changes tables);
-- * the finance layer's build (fingerprint and build times change with every rebuild or incremental refresh);
-- * the contracts file loaded (its digest and load time);
-- * the runs that wrote anything: their number and summed counts grow with every batch that inserted, updated,
--   removed or quarantined rows, including a failed or interrupted run's committed batches;
-- * the participant-id map (merges re-point stored rows).
-- Left out on purpose: watermarks, run rows that wrote nothing and last_seen_at of byte-identical rows, which a
-- run that changed nothing writes every time: a snapshot is not copied again for bookkeeping alone.
SELECT
    (SELECT string_agg(name, ',' ORDER BY name) FROM warehouse.schema_migrations) AS migrations,
    (SELECT string_agg(concat_ws('|', fingerprint, built_at, rows_built_at), ',') FROM warehouse.finance_layer)
        AS finance_layer,
    (SELECT string_agg(concat_ws('|', digest, loaded_at), ',') FROM warehouse.contract_file) AS contracts,
    (
        SELECT concat_ws('|', count(*), sum(inserted), sum(updated), sum(removed), sum(quarantined))
        FROM warehouse.sync_runs
        WHERE inserted + updated + removed + quarantined > 0
    ) AS writing_runs,
    (
        SELECT concat_ws('|', count(*), bit_xor(hash(source, participant_id, canonical_participant_id)))
        FROM warehouse.participant_id_map
    ) AS participant_id_map
