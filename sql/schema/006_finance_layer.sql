-- What the finance layer (ref_* tables, views, comments) was last built from, and when. syncer/views.py
-- rebuilds the definitions only when the fingerprint changes (a new version, edited data files or SQL), and
-- the materialised rows (cache_*) only when a sync has written data since rows_built_at.
CREATE TABLE IF NOT EXISTS finance_layer (
    fingerprint VARCHAR NOT NULL,
    built_at TIMESTAMPTZ NOT NULL,
    rows_built_at TIMESTAMPTZ NOT NULL
);
