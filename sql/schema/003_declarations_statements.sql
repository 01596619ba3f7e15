CREATE TABLE IF NOT EXISTS participant_declarations (
    source VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    participant_id VARCHAR NOT NULL,    -- as the API last sent it (may be stale after a merge)
    canonical_participant_id VARCHAR,   -- resolved through participant_id_changes on every run
    declaration_type VARCHAR,
    declaration_date TIMESTAMPTZ,
    course_identifier VARCHAR,
    state VARCHAR,
    updated_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ,
    delivery_partner_id VARCHAR,
    statement_id VARCHAR,
    clawback_statement_id VARCHAR,
    ineligible_for_funding_reason VARCHAR,
    mentor_id VARCHAR,
    canonical_mentor_id VARCHAR,        -- mentor_id resolved through participant_id_changes
    uplift_paid BOOLEAN,
    evidence_held VARCHAR,
    lead_provider_name VARCHAR,
    raw JSON NOT NULL,                  -- the item exactly as the API sent it (keys in API order)
    raw_md5 UHUGEINT NOT NULL,          -- md5 of raw: compares payloads without reading them
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ
    -- key (source, id): unique by construction (see syncer/store.py), not declared: DuckDB's index
    -- maintenance would cost 40% of a full sync's write time
);

CREATE TABLE IF NOT EXISTS declaration_state_history (
    source VARCHAR NOT NULL,
    declaration_id VARCHAR NOT NULL,
    old_state VARCHAR,                  -- NULL on first sight
    new_state VARCHAR NOT NULL,         -- 'removed' when the declaration left the provider's scope
    old_statement_id VARCHAR,
    new_statement_id VARCHAR,
    old_clawback_statement_id VARCHAR,
    new_clawback_statement_id VARCHAR,
    api_updated_at TIMESTAMPTZ,
    observed_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS statements (
    source VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    month VARCHAR,
    year VARCHAR,
    cohort VARCHAR,
    cut_off_date DATE,
    payment_date DATE,
    paid BOOLEAN,
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    raw JSON NOT NULL,                  -- the item exactly as the API sent it (keys in API order)
    raw_md5 UHUGEINT NOT NULL,          -- md5 of raw: compares payloads without reading them
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ
    -- key (source, id): unique by construction (see syncer/store.py), not declared: DuckDB's index
    -- maintenance would cost 40% of a full sync's write time
);
