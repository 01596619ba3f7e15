-- The money on each statement (sql/views/150-250): the terms a provider copies from its call-off contract and
-- DfE's statements, loaded from the `[finance] contracts` file by every sync and `syncer views` (syncer/
-- contracts.py); DfE's fee proportion of each declaration type; and the API's own clock at each stream's last
-- scan, so that "days to the cut-off" is counted from the service's date, never the reader's.

-- One row per [[contract]] entry: a source's terms for one cohort (DfE's framework agreement is one lead
-- provider x one contract period) from effective_from on (NULL: from its first statement).
CREATE TABLE IF NOT EXISTS contract_terms (
    source VARCHAR NOT NULL,
    cohort INTEGER NOT NULL,
    effective_from DATE,
    contract_type VARCHAR NOT NULL,             -- ecf | ittecf_ectp
    recruitment_target INTEGER NOT NULL,
    uplift_fee_per_declaration DECIMAL(18, 6) NOT NULL,
    monthly_service_fee DECIMAL(18, 6),         -- NULL: computed from the recruitment target and the bands
    setup_fee DECIMAL(18, 6) NOT NULL,
    mentor_fee_per_declaration DECIMAL(18, 6),  -- ittecf_ectp: the mentors' flat rate
    vat_rate DECIMAL(9, 6) NOT NULL,
    entry INTEGER NOT NULL,                     -- its position in the contracts file, from 1
    service_fee_amount DECIMAL(38, 12) NOT NULL -- what each statement pays: monthly_service_fee or computed
);

-- The contract's bands in allocation order (band_order 1 = A).
CREATE TABLE IF NOT EXISTS contract_bands (
    source VARCHAR NOT NULL,
    cohort INTEGER NOT NULL,
    effective_from DATE,
    band VARCHAR NOT NULL,
    band_order INTEGER NOT NULL,
    capacity INTEGER NOT NULL,
    fee_per_declaration DECIMAL(18, 6) NOT NULL,
    output_fee_ratio DECIMAL(9, 6) NOT NULL,
    service_fee_ratio DECIMAL(9, 6) NOT NULL
);

-- Manual adjustments DfE made on a statement (its statement page lists them).
CREATE TABLE IF NOT EXISTS statement_adjustments (
    source VARCHAR NOT NULL,
    statement_id VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    amount DECIMAL(18, 6) NOT NULL,
    entry INTEGER NOT NULL
);

-- What the contracts tables were last loaded from (a digest of the validated file), so an unchanged file costs
-- nothing on a sync.
CREATE TABLE IF NOT EXISTS contract_file (
    digest VARCHAR NOT NULL,
    path VARCHAR,
    loaded_at TIMESTAMPTZ NOT NULL
);

-- DfE's output fee proportion of each declaration type (payment_calculator/banded/declaration_type_output.rb)
-- and the mentors' flat-rate proportion (resolver.rb: started and completed, 0.5 each).
ALTER TABLE ref_declaration_types ADD COLUMN output_fee_proportion DECIMAL(4, 3);
ALTER TABLE ref_declaration_types ADD COLUMN flat_rate_fee_proportion DECIMAL(4, 3);

-- The API's Date at the start of the stream's last successful scan.
ALTER TABLE sync_state ADD COLUMN api_clock_at TIMESTAMPTZ;
