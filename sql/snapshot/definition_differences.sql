-- definition_differences: what the previous read snapshot and the warehouse (both attached to the copier, as
-- `snapshot` and `warehouse`) define differently: tables, their columns (name, position, type, default,
-- nullability, comment), views (name, comment), the migrations applied and the finance layer's fingerprint (which
-- covers every view's and comment's SQL, syncer/views.py). A snapshot is brought level row by row
-- (syncer/snapshot_patch.py) only where this returns no row; else it is copied whole, definitions and all.
-- The snapshot's own tables (snapshot_publication, snapshot_tables) are left out.
WITH defined AS (
    SELECT database_name, 'table' AS kind, table_name AS name, NULL AS detail, comment
    FROM duckdb_tables()
    WHERE schema_name = 'main'
    UNION ALL
    SELECT
        database_name, 'column', table_name,
        concat_ws(' ', column_index, column_name, data_type, column_default, is_nullable), comment
    FROM duckdb_columns()
    WHERE schema_name = 'main'
    UNION ALL
    SELECT database_name, 'view', view_name, NULL, comment
    FROM duckdb_views()
    WHERE schema_name = 'main' AND NOT internal
    UNION ALL
    SELECT 'warehouse', 'migration', name, NULL, NULL FROM warehouse.schema_migrations
    UNION ALL
    SELECT 'snapshot', 'migration', name, NULL, NULL FROM snapshot.schema_migrations
    UNION ALL
    SELECT 'warehouse', 'finance layer', fingerprint, NULL, NULL FROM warehouse.finance_layer
    UNION ALL
    SELECT 'snapshot', 'finance layer', fingerprint, NULL, NULL FROM snapshot.finance_layer
),

compared AS (
    SELECT database_name, kind, name, detail, comment
    FROM defined
    WHERE database_name IN ('warehouse', 'snapshot') AND name NOT IN ('snapshot_publication', 'snapshot_tables')
)

(
    SELECT 'only in the warehouse' AS difference, kind, name, detail, comment
    FROM compared WHERE database_name = 'warehouse'
    EXCEPT ALL
    SELECT 'only in the warehouse', kind, name, detail, comment FROM compared WHERE database_name = 'snapshot'
)
UNION ALL
(
    SELECT 'only in the snapshot', kind, name, detail, comment FROM compared WHERE database_name = 'snapshot'
    EXCEPT ALL
    SELECT 'only in the snapshot', kind, name, detail, comment FROM compared WHERE database_name = 'warehouse'
)
