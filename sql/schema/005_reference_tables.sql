-- Lookup tables (ref_*) that decode the API's codes. Their rows live in versioned data files,
-- data/ref/<name>.csv, and are reloaded on every `syncer sync` and `syncer views` (syncer/views.py);
-- this file only fixes their shape. Codes are stored in the API's spelling; views match them
-- spelling-insensitively (hyphen or underscore, any case).
CREATE TABLE IF NOT EXISTS ref_declaration_states (
    state VARCHAR PRIMARY KEY,
    internal_name VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    provider_actions VARCHAR NOT NULL,
    can_void BOOLEAN NOT NULL,
    is_live BOOLEAN NOT NULL,
    money_position VARCHAR NOT NULL,
    is_money_due BOOLEAN NOT NULL,
    is_money_owed_back BOOLEAN NOT NULL,
    is_settled BOOLEAN NOT NULL,
    sort_order INTEGER NOT NULL,
    api VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_declaration_types (
    declaration_type VARCHAR PRIMARY KEY,
    milestone_order INTEGER NOT NULL,
    description VARCHAR NOT NULL,
    is_extended BOOLEAN NOT NULL,
    allowed_for_limited_courses BOOLEAN NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_training_statuses (
    training_status VARCHAR PRIMARY KEY,
    description VARCHAR NOT NULL,
    can_update_participant BOOLEAN NOT NULL,
    can_submit_declarations BOOLEAN NOT NULL,
    provider_actions VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_participant_statuses (
    participant_status VARCHAR PRIMARY KEY,
    description VARCHAR NOT NULL,
    api VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_partnership_statuses (
    status VARCHAR PRIMARY KEY,
    description VARCHAR NOT NULL,
    provider_actions VARCHAR NOT NULL,
    api VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_partnership_challenged_reasons (
    challenged_reason VARCHAR PRIMARY KEY,
    description VARCHAR NOT NULL,
    api VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_course_identifiers (
    course_identifier VARCHAR PRIMARY KEY,
    participant_type VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    limited_types_from_cohort INTEGER
);

CREATE TABLE IF NOT EXISTS ref_participant_types (
    participant_type VARCHAR PRIMARY KEY,
    course_identifier VARCHAR NOT NULL,
    description VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_schedules (
    schedule_identifier VARCHAR PRIMARY KEY,
    schedule_type VARCHAR NOT NULL,
    start_month VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    for_ects BOOLEAN NOT NULL,
    for_mentors BOOLEAN NOT NULL,
    milestone_count INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_schedule_milestones (
    schedule_identifier VARCHAR NOT NULL,
    declaration_type VARCHAR NOT NULL,
    milestone_order INTEGER NOT NULL,
    PRIMARY KEY (schedule_identifier, declaration_type)
);

CREATE TABLE IF NOT EXISTS ref_withdrawal_reasons (
    withdrawal_reason VARCHAR PRIMARY KEY,
    internal_name VARCHAR NOT NULL,
    description VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_deferral_reasons (
    deferral_reason VARCHAR PRIMARY KEY,
    internal_name VARCHAR NOT NULL,
    description VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_ineligible_for_funding_reasons (
    ineligible_for_funding_reason VARCHAR PRIMARY KEY,
    description VARCHAR NOT NULL,
    api VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_evidence_held (
    evidence_held VARCHAR PRIMARY KEY,
    description VARCHAR NOT NULL,
    from_cohort INTEGER
);

CREATE TABLE IF NOT EXISTS ref_mentor_ineligible_for_funding_reasons (
    mentor_ineligible_for_funding_reason VARCHAR PRIMARY KEY,
    description VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_induction_programme_choices (
    induction_programme_choice VARCHAR PRIMARY KEY,
    description VARCHAR NOT NULL,
    api VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_transfer_types (
    transfer_type VARCHAR PRIMARY KEY,
    description VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_transfer_statuses (
    transfer_status VARCHAR PRIMARY KEY,
    description VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_working_patterns (
    working_pattern VARCHAR PRIMARY KEY,
    description VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_anomaly_codes (
    anomaly_code VARCHAR PRIMARY KEY,
    severity VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    what_to_do VARCHAR NOT NULL
);
