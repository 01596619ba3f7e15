-- What the finance layer (ref_* tables, views, comments) was last built from. syncer/views.py rebuilds the
-- definitions only when this fingerprint changes (a new version, edited data files or SQL), and the
-- materialised rows (cache_*) on every refresh.
CREATE TABLE IF NOT EXISTS finance_layer (
    fingerprint VARCHAR NOT NULL,
    built_at TIMESTAMPTZ NOT NULL
);
