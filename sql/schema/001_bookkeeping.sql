-- Sync bookkeeping: where each stream of each source has got to, and what every run did.
CREATE TABLE IF NOT EXISTS sync_state (
    source VARCHAR NOT NULL,
    stream VARCHAR NOT NULL,
    watermark TIMESTAMPTZ,              -- next incremental scan asks for updated_since = watermark
    last_full_refresh_at TIMESTAMPTZ,   -- start of the last complete full scan
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, stream)
);

CREATE TABLE IF NOT EXISTS sync_runs (
    run_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    stream VARCHAR NOT NULL,
    mode VARCHAR NOT NULL,              -- incremental | full
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    updated_since TIMESTAMPTZ,          -- the filter the scan used (NULL for a full scan)
    pages INTEGER NOT NULL DEFAULT 0,
    requests INTEGER NOT NULL DEFAULT 0,
    records INTEGER NOT NULL DEFAULT 0,
    inserted INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    removed INTEGER NOT NULL DEFAULT 0,
    quarantined INTEGER NOT NULL DEFAULT 0,
    outcome VARCHAR NOT NULL,           -- running | success | failed | interrupted
    error VARCHAR,
    PRIMARY KEY (run_id, source, stream)
);

CREATE TABLE IF NOT EXISTS quarantine (
    source VARCHAR NOT NULL,
    stream VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,       -- md5 of raw_text: the same bad item seen again is one row
    item_id VARCHAR,
    raw_text VARCHAR NOT NULL,
    error VARCHAR NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    occurrences INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (source, stream, fingerprint)
);

-- participant_id -> canonical_participant_id, rebuilt from participant_id_changes on every run.
CREATE TABLE IF NOT EXISTS participant_id_map (
    source VARCHAR NOT NULL,
    participant_id VARCHAR NOT NULL,
    canonical_participant_id VARCHAR NOT NULL,
    PRIMARY KEY (source, participant_id)
);
