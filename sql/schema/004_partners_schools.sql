CREATE TABLE IF NOT EXISTS partnerships (
    source VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    cohort VARCHAR,
    urn VARCHAR,
    school_id VARCHAR,
    delivery_partner_id VARCHAR,
    delivery_partner_name VARCHAR,
    induction_tutor_name VARCHAR,
    induction_tutor_email VARCHAR,
    participants_currently_training INTEGER,
    status VARCHAR,                     -- ECF v3 only
    challenged_reason VARCHAR,          -- ECF v3 only
    challenged_at TIMESTAMPTZ,          -- ECF v3 only
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

CREATE TABLE IF NOT EXISTS delivery_partners (
    source VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    name VARCHAR,
    cohort VARCHAR[],
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

CREATE TABLE IF NOT EXISTS schools (
    source VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    cohort VARCHAR NOT NULL,
    name VARCHAR,
    urn VARCHAR,
    in_partnership BOOLEAN,
    induction_programme_choice VARCHAR,
    expression_of_interest BOOLEAN,
    induction_tutor_name VARCHAR,
    induction_tutor_email VARCHAR,
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    raw JSON NOT NULL,                  -- the item exactly as the API sent it (keys in API order)
    raw_md5 UHUGEINT NOT NULL,          -- md5 of raw: compares payloads without reading them
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ
    -- key (source, id, cohort): unique by construction (see syncer/store.py), not declared: DuckDB's index
    -- maintenance would cost 40% of a full sync's write time
);
