-- definition_differences: what the previous read snapshot and the warehouse (both attached to the copier, as
-- `snapshot` and `warehouse`) define differently: tables, their columns (name, position, type, default,
-- nullability, comment), views (name, comment), the migrations applied and the finance layer's fingerprint. A
-- snapshot is brought level row by row (syncer/snapshot_patch.py) only where this returns no row; else it is
-- copied whole, definitions and all. The snapshot's own tables (snapshot_publication, snapshot_tables) are left
-- out. A view's SQL is not compared: a copy holds it as DuckDB renders it again, not as written; the fingerprint
-- covers it (every view's and comment's SQL file, the migrations and DuckDB's version: syncer/views.py).
WITH defined AS (
    SELECT database_name, 'table' AS kind, table_name AS name, NULL::VARCHAR[] AS detail, comment
    FROM duckdb_tables()
    WHERE schema_name = 'main'
    UNION ALL
    SELECT
        database_name, 'column', table_name,
        [column_index::VARCHAR, column_name, data_type, column_default, is_nullable::VARCHAR], comment
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
