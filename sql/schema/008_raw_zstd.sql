-- raw (the API's JSON, most of a warehouse's bytes) is compressed with zstd. Left to choose, DuckDB analyses
-- every row group of it to pick FSST or a dictionary on each checkpoint: measured on 166k declarations, zstd
-- writes a batch ~20% faster and stores raw in half the bytes (the file 56 MB instead of 104), and reading it
-- costs the same. A column's compression is fixed when the table is created, so each table with a raw column is
-- created again as it stands after 007, copied (an INSERT, which DuckDB writes to disk as it goes, where an
-- UPDATE of every raw would hold it all in memory) and given the old one's name.

CREATE TABLE participants_zstd (
    source VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    full_name VARCHAR,
    teacher_reference_number VARCHAR,
    updated_at TIMESTAMPTZ,
    canonical_participant_id VARCHAR,
    merged_into_id VARCHAR,
    raw JSON USING COMPRESSION zstd NOT NULL,
    raw_md5 UHUGEINT NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    key_hash UHUGEINT
);
INSERT INTO participants_zstd BY NAME SELECT * FROM participants;
DROP TABLE participants;
ALTER TABLE participants_zstd RENAME TO participants;

CREATE TABLE participant_enrolments_zstd (
    source VARCHAR NOT NULL,
    training_record_id VARCHAR NOT NULL,
    participant_id VARCHAR NOT NULL,
    canonical_participant_id VARCHAR,
    email VARCHAR,
    mentor_id VARCHAR,
    canonical_mentor_id VARCHAR,
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
    raw JSON USING COMPRESSION zstd NOT NULL,
    raw_md5 UHUGEINT NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    key_hash UHUGEINT
);
INSERT INTO participant_enrolments_zstd BY NAME SELECT * FROM participant_enrolments;
DROP TABLE participant_enrolments;
ALTER TABLE participant_enrolments_zstd RENAME TO participant_enrolments;

CREATE TABLE unfunded_mentors_zstd (
    source VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    full_name VARCHAR,
    email VARCHAR,
    teacher_reference_number VARCHAR,
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    canonical_participant_id VARCHAR,
    raw JSON USING COMPRESSION zstd NOT NULL,
    raw_md5 UHUGEINT NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    key_hash UHUGEINT
);
INSERT INTO unfunded_mentors_zstd BY NAME SELECT * FROM unfunded_mentors;
DROP TABLE unfunded_mentors;
ALTER TABLE unfunded_mentors_zstd RENAME TO unfunded_mentors;

CREATE TABLE participant_transfers_zstd (
    source VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    canonical_participant_id VARCHAR,
    updated_at TIMESTAMPTZ,
    transfer_count INTEGER,
    transfers JSON,
    raw JSON USING COMPRESSION zstd NOT NULL,
    raw_md5 UHUGEINT NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    key_hash UHUGEINT
);
INSERT INTO participant_transfers_zstd BY NAME SELECT * FROM participant_transfers;
DROP TABLE participant_transfers;
ALTER TABLE participant_transfers_zstd RENAME TO participant_transfers;

CREATE TABLE participant_declarations_zstd (
    source VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    participant_id VARCHAR NOT NULL,
    canonical_participant_id VARCHAR,
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
    canonical_mentor_id VARCHAR,
    uplift_paid BOOLEAN,
    evidence_held VARCHAR,
    lead_provider_name VARCHAR,
    raw JSON USING COMPRESSION zstd NOT NULL,
    raw_md5 UHUGEINT NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    key_hash UHUGEINT
);
INSERT INTO participant_declarations_zstd BY NAME SELECT * FROM participant_declarations;
DROP TABLE participant_declarations;
ALTER TABLE participant_declarations_zstd RENAME TO participant_declarations;

CREATE TABLE statements_zstd (
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
    raw JSON USING COMPRESSION zstd NOT NULL,
    raw_md5 UHUGEINT NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    key_hash UHUGEINT
);
INSERT INTO statements_zstd BY NAME SELECT * FROM statements;
DROP TABLE statements;
ALTER TABLE statements_zstd RENAME TO statements;

CREATE TABLE partnerships_zstd (
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
    status VARCHAR,
    challenged_reason VARCHAR,
    challenged_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    raw JSON USING COMPRESSION zstd NOT NULL,
    raw_md5 UHUGEINT NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    key_hash UHUGEINT
);
INSERT INTO partnerships_zstd BY NAME SELECT * FROM partnerships;
DROP TABLE partnerships;
ALTER TABLE partnerships_zstd RENAME TO partnerships;

CREATE TABLE delivery_partners_zstd (
    source VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    name VARCHAR,
    cohort VARCHAR[],
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    raw JSON USING COMPRESSION zstd NOT NULL,
    raw_md5 UHUGEINT NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    key_hash UHUGEINT
);
INSERT INTO delivery_partners_zstd BY NAME SELECT * FROM delivery_partners;
DROP TABLE delivery_partners;
ALTER TABLE delivery_partners_zstd RENAME TO delivery_partners;

CREATE TABLE schools_zstd (
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
    raw JSON USING COMPRESSION zstd NOT NULL,
    raw_md5 UHUGEINT NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    key_hash UHUGEINT
);
INSERT INTO schools_zstd BY NAME SELECT * FROM schools;
DROP TABLE schools;
ALTER TABLE schools_zstd RENAME TO schools;
