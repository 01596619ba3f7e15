-- int_statement_contracts: which contract terms price each statement? One row per output statement in scope:
-- the [[contract]] entry of its source and cohort whose effective_from is the latest on or before the
-- statement's payment date (an entry without effective_from applies from the first statement), or nulls and
-- missing_reason = 'missing_contract' when the contracts file has none ('missing_payment_date' when a statement of
-- the cohort has no payment date).
-- materialized: view
WITH statements AS (
    SELECT source, id AS statement_id, try_cast(cohort AS INTEGER) AS cohort, payment_date, cut_off_date, paid
    FROM statements
    WHERE removed_at IS NULL
),

ranked AS (
    SELECT
        s.source,
        s.statement_id,
        t.effective_from,
        t.contract_type,
        t.recruitment_target,
        t.uplift_fee_per_declaration,
        t.monthly_service_fee,
        t.setup_fee,
        t.service_fee_amount,
        t.mentor_fee_per_declaration,
        t.vat_rate,
        t.entry,
        row_number() OVER (
            PARTITION BY s.source, s.statement_id ORDER BY t.effective_from DESC NULLS LAST
        ) AS position
    FROM statements AS s
    JOIN contract_terms AS t
        ON t.source = s.source
        AND t.cohort = s.cohort
        AND (t.effective_from IS NULL OR t.effective_from <= s.payment_date)
),

final AS (
    SELECT
        s.source,
        s.statement_id,
        s.cohort,
        s.cut_off_date,
        s.payment_date,
        s.paid,
        r.entry AS contract_entry,
        r.effective_from,
        r.contract_type,
        r.recruitment_target,
        r.uplift_fee_per_declaration,
        r.monthly_service_fee,
        r.setup_fee,
        r.service_fee_amount,
        r.mentor_fee_per_declaration,
        r.vat_rate,
        CASE
            WHEN r.statement_id IS NULL THEN 'missing_contract'
            -- a statement without a payment date cannot be placed among its cohort's: neither it nor the others
            -- know which came before
            WHEN bool_or(s.payment_date IS NULL) OVER (PARTITION BY s.source, s.cohort) THEN 'missing_payment_date'
        END AS missing_reason
    FROM statements AS s
    LEFT JOIN ranked AS r ON r.source = s.source AND r.statement_id = s.statement_id AND r.position = 1
)

SELECT * FROM final;

COMMENT ON VIEW int_statement_contracts IS 'Intermediate: every output statement with the contract terms that price it (the contracts file''s entry for its source and cohort with the latest effective_from on or before its payment date), or missing_reason = missing_contract.';
COMMENT ON COLUMN int_statement_contracts.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN int_statement_contracts.statement_id IS 'The output statement''s id.';
COMMENT ON COLUMN int_statement_contracts.cohort IS 'The statement''s cohort as an integer (the contract period).';
COMMENT ON COLUMN int_statement_contracts.cut_off_date IS 'The statement''s deadline.';
COMMENT ON COLUMN int_statement_contracts.payment_date IS 'When the statement is due to be paid.';
COMMENT ON COLUMN int_statement_contracts.paid IS 'Whether DfE has marked the statement paid.';
COMMENT ON COLUMN int_statement_contracts.contract_entry IS 'Which [[contract]] of the contracts file applies (1 = the first); null when none does.';
COMMENT ON COLUMN int_statement_contracts.effective_from IS 'The applying contract''s effective_from (null: from the first statement).';
COMMENT ON COLUMN int_statement_contracts.contract_type IS 'ecf (every declaration banded) or ittecf_ectp (ECTs banded, mentors at a flat rate).';
COMMENT ON COLUMN int_statement_contracts.recruitment_target IS 'The contract''s recruitment target (fills the bands for the service fee).';
COMMENT ON COLUMN int_statement_contracts.uplift_fee_per_declaration IS 'The uplift fee per declaration that carries an uplift.';
COMMENT ON COLUMN int_statement_contracts.monthly_service_fee IS 'The monthly service fee, when the contract states one (else computed from the bands).';
COMMENT ON COLUMN int_statement_contracts.service_fee_amount IS 'The service fee the statement pays (contract_terms.service_fee_amount: stated, or computed from the bands).';
COMMENT ON COLUMN int_statement_contracts.setup_fee IS 'The set-up fee, deducted from the computed service fee in proportion to band A''s filled places.';
COMMENT ON COLUMN int_statement_contracts.mentor_fee_per_declaration IS 'ittecf_ectp: the mentors'' flat fee per declaration.';
COMMENT ON COLUMN int_statement_contracts.vat_rate IS 'The VAT rate applied to the subtotal (0 when the provider is not VAT-registered).';
COMMENT ON COLUMN int_statement_contracts.missing_reason IS 'missing_contract when no contract entry applies to the statement; missing_payment_date when a statement of its source and cohort has no payment date (the order the bands fill in is unknown); null otherwise.';
