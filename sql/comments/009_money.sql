-- COMMENT ON the tables sql/schema/009_money.sql creates and the columns it adds to ref_declaration_types
-- and sync_state.
-- Re-applied by every `syncer sync` and `syncer views` (syncer/views.py), so an edit here reaches existing
-- warehouses; `syncer dictionary` and docs/data-dictionary.md are generated from these comments.

COMMENT ON COLUMN ref_declaration_types.output_fee_proportion IS 'DfE''s share of a band''s output fee paid for one declaration of this type: 0.2 started and completed, 0.15 the others (payment_calculator/banded/declaration_type_output.rb).';
COMMENT ON COLUMN ref_declaration_types.flat_rate_fee_proportion IS 'ittecf_ectp mentors: the share of the mentor fee paid for one declaration of this type (0.5 started and completed; null: not paid).';
COMMENT ON COLUMN sync_state.api_clock_at IS 'The API''s clock (its Date header) at the start of the stream''s last successful scan: "now" for next_statement_forecast.';

COMMENT ON TABLE contract_terms IS 'The contracts file''s [[contract]] entries (syncer/contracts.py), reloaded by a sync or `syncer views` when the file changes: one source''s terms for one cohort from effective_from on.';
COMMENT ON COLUMN contract_terms.source IS 'The configured source the terms are for.';
COMMENT ON COLUMN contract_terms.cohort IS 'The cohort (contract period) the terms are for.';
COMMENT ON COLUMN contract_terms.effective_from IS 'Applies to statements with a payment date on or after it (the latest applies); null: from the first statement.';
COMMENT ON COLUMN contract_terms.contract_type IS 'ecf (every declaration banded) or ittecf_ectp (ECTs banded, mentors at a flat rate).';
COMMENT ON COLUMN contract_terms.recruitment_target IS 'The contract''s recruitment target (fills the bands for the computed service fee).';
COMMENT ON COLUMN contract_terms.uplift_fee_per_declaration IS 'The uplift fee per banded declaration with a sparsity or pupil premium uplift.';
COMMENT ON COLUMN contract_terms.monthly_service_fee IS 'The monthly service fee when the contract states one; null: computed from the bands.';
COMMENT ON COLUMN contract_terms.service_fee_amount IS 'The service fee each statement pays: monthly_service_fee, or DfE''s ServiceFees computed when the file is loaded (the recruitment target fills the bands in order: filled x fee_per_declaration x service_fee_ratio, less the set-up fee in proportion to band A''s filled places, over 29 payments; exact to 12 decimal places).';
COMMENT ON COLUMN contract_terms.setup_fee IS 'The set-up fee, deducted from the computed service fee in proportion to band A''s filled places.';
COMMENT ON COLUMN contract_terms.mentor_fee_per_declaration IS 'ittecf_ectp: the mentors'' flat fee per declaration (0.5 of it for started, 0.5 for completed).';
COMMENT ON COLUMN contract_terms.vat_rate IS 'VAT rate on the subtotal; 0 when the provider is not VAT-registered.';
COMMENT ON COLUMN contract_terms.entry IS 'Position of the entry in the contracts file (1 = the first [[contract]]).';

COMMENT ON TABLE contract_bands IS 'The bands of each contract entry, in allocation order (from the contracts file).';
COMMENT ON COLUMN contract_bands.source IS 'The configured source of the contract entry.';
COMMENT ON COLUMN contract_bands.cohort IS 'The cohort of the contract entry.';
COMMENT ON COLUMN contract_bands.effective_from IS 'The effective_from of the contract entry (null: from the first statement).';
COMMENT ON COLUMN contract_bands.band IS 'The band''s name (A, B, C, D...).';
COMMENT ON COLUMN contract_bands.band_order IS 'Allocation order: 1 fills first.';
COMMENT ON COLUMN contract_bands.capacity IS 'How many declarations of each type the band holds.';
COMMENT ON COLUMN contract_bands.fee_per_declaration IS 'The band''s fee per participant.';
COMMENT ON COLUMN contract_bands.output_fee_ratio IS 'The part of the fee paid through output payments (declarations).';
COMMENT ON COLUMN contract_bands.service_fee_ratio IS 'The part of the fee paid through the monthly service fee (output_fee_ratio + service_fee_ratio = 1).';

COMMENT ON TABLE statement_adjustments IS 'Manual adjustments DfE made on statements, from the contracts file''s [[adjustment]] entries.';
COMMENT ON COLUMN statement_adjustments.source IS 'The configured source of the statement.';
COMMENT ON COLUMN statement_adjustments.statement_id IS 'The statement adjusted.';
COMMENT ON COLUMN statement_adjustments.description IS 'What the adjustment is for, as DfE''s statement says.';
COMMENT ON COLUMN statement_adjustments.amount IS 'The amount in pounds (negative: deducted).';
COMMENT ON COLUMN statement_adjustments.entry IS 'Position of the entry in the contracts file (1 = the first [[adjustment]]).';

COMMENT ON TABLE contract_file IS 'What the contracts tables were last loaded from: an unchanged file is not reloaded.';
COMMENT ON COLUMN contract_file.digest IS 'sha256 of the contracts file as read (of nothing when none is configured).';
COMMENT ON COLUMN contract_file.path IS 'The contracts file''s path (null when none is configured).';
COMMENT ON COLUMN contract_file.loaded_at IS 'When the contracts tables were loaded from it.';
