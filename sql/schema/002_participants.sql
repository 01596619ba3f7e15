CREATE TABLE IF NOT EXISTS participants (
    source VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    full_name VARCHAR,
    teacher_reference_number VARCHAR,
    updated_at TIMESTAMPTZ,
    canonical_participant_id VARCHAR,   -- equals id unless this participant was merged away
    merged_into_id VARCHAR,             -- the surviving participant, for a merged-away row
    raw JSON NOT NULL,                  -- the item exactly as the API sent it (keys in API order)
    raw_md5 UHUGEINT NOT NULL,          -- md5 of raw: compares payloads without reading them
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ
    -- key (source, id): unique by construction (see syncer/store.py), not declared: DuckDB's index
    -- maintenance would cost 40% of a full sync's write time
);

CREATE TABLE IF NOT EXISTS participant_enrolments (
    source VARCHAR NOT NULL,
    training_record_id VARCHAR NOT NULL,
    participant_id VARCHAR NOT NULL,
    canonical_participant_id VARCHAR,
    email VARCHAR,
    mentor_id VARCHAR,
    canonical_mentor_id VARCHAR,        -- mentor_id resolved through participant_id_changes
    school_urn VARCHAR,
    participant_type VARCHAR,
    cohort VARCHAR,
    training_status VARCHAR,
    participant_status VARCHAR,
    eligible_for_funding BOOLEAN,
    pupil_premium_uplift BOOLEAN,
    sparsity_uplift BOOLEAN,
    schedule_identifier VARCHAR,
    delivery_partner_id VARCHAR,
    withdrawal_reason VARCHAR,
    withdrawal_date TIMESTAMPTZ,
    deferral_reason VARCHAR,
    deferral_date TIMESTAMPTZ,
    created_at TIMESTAMPTZ,
    induction_end_date DATE,
    most_recent_induction_period_end_date DATE,
    overall_induction_start_date DATE,
    mentor_funding_end_date DATE,
    cohort_changed_after_payments_frozen BOOLEAN,
    mentor_ineligible_for_funding_reason VARCHAR,
    working_pattern VARCHAR,
    raw JSON NOT NULL,                  -- the item exactly as the API sent it (keys in API order)
    raw_md5 UHUGEINT NOT NULL,          -- md5 of raw: compares payloads without reading them
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ
    -- key (source, training_record_id): unique by construction (see syncer/store.py), not declared: DuckDB's index
    -- maintenance would cost 40% of a full sync's write time
);

CREATE TABLE IF NOT EXISTS participant_id_changes (
    source VARCHAR NOT NULL,
    participant_id VARCHAR NOT NULL,    -- the participant whose record lists the change
    from_participant_id VARCHAR NOT NULL,
    to_participant_id VARCHAR NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
    -- key (source, from_participant_id, to_participant_id, changed_at): unique by construction (see syncer/store.py), not declared: DuckDB's index
    -- maintenance would cost 40% of a full sync's write time
);

CREATE TABLE IF NOT EXISTS unfunded_mentors (
    source VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    full_name VARCHAR,
    email VARCHAR,
    teacher_reference_number VARCHAR,
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    canonical_participant_id VARCHAR,
    raw JSON NOT NULL,                  -- the item exactly as the API sent it (keys in API order)
    raw_md5 UHUGEINT NOT NULL,          -- md5 of raw: compares payloads without reading them
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ
    -- key (source, id): unique by construction (see syncer/store.py), not declared: DuckDB's index
    -- maintenance would cost 40% of a full sync's write time
);

CREATE TABLE IF NOT EXISTS participant_transfers (
    source VARCHAR NOT NULL,
    id VARCHAR NOT NULL,                -- the participant (teacher) id
    canonical_participant_id VARCHAR,
    updated_at TIMESTAMPTZ,
    transfer_count INTEGER,
    transfers JSON,
    raw JSON NOT NULL,                  -- the item exactly as the API sent it (keys in API order)
    raw_md5 UHUGEINT NOT NULL,          -- md5 of raw: compares payloads without reading them
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ
    -- key (source, id): unique by construction (see syncer/store.py), not declared: DuckDB's index
    -- maintenance would cost 40% of a full sync's write time
);
