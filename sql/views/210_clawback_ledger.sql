-- clawback_ledger: what has been (or will be) clawed back, from which payment, on which statement, and
-- when? One row per clawback: a declaration in the provider's scope that was paid and then voided, so it is
-- awaiting-clawback or clawed-back (or carries a clawback statement). The dates come from the API
-- (statements) and from declaration_state_history (when the sync first saw each clawback state; see
-- int_declarations).
-- Refreshed as int_declarations, whose rows it reads one by one.
-- materialized: table
-- refreshed by: canonical_participant_id in participants, original_statement_id in statements, clawback_statement_id in statements
-- refreshed from: int_declarations
WITH clawbacks AS (
    SELECT *
    FROM int_declarations
    WHERE removed_at IS NULL
        AND (state IN ('awaiting-clawback', 'clawed-back') OR clawback_statement_id IS NOT NULL)
),

final AS (
    SELECT
        c.source,
        c.declaration_id,
        c.canonical_participant_id,
        c.participant_id,
        c.declaration_type,
        c.course_identifier,
        c.participant_type,
        c.declaration_date,
        c.state,
        c.state = 'clawed-back' AS is_settled,
        c.statement_id AS original_statement_id,
        c.statement_month AS original_statement_month,
        c.statement_year AS original_statement_year,
        c.statement_payment_date AS original_statement_payment_date,
        c.statement_paid AS original_statement_paid,
        c.clawback_statement_id,
        c.clawback_statement_month,
        c.clawback_statement_year,
        c.clawback_statement_cut_off_date,
        c.clawback_statement_payment_date,
        c.clawback_statement_paid,
        c.clawback_requested_at,
        c.clawed_back_at
    FROM clawbacks AS c
)

SELECT * FROM final;

COMMENT ON VIEW clawback_ledger IS 'One row per clawback: a paid declaration that was voided, now awaiting-clawback or clawed-back (or carrying a clawback statement), with its participant, the statement that paid it, the statement it is deducted from, its state and dates.';
COMMENT ON COLUMN clawback_ledger.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN clawback_ledger.declaration_id IS 'The clawed-back declaration.';
COMMENT ON COLUMN clawback_ledger.canonical_participant_id IS 'The participant it belongs to today (merges resolved).';
COMMENT ON COLUMN clawback_ledger.participant_id IS 'The participant id as the API last sent it.';
COMMENT ON COLUMN clawback_ledger.declaration_type IS 'The milestone that was paid and is clawed back.';
COMMENT ON COLUMN clawback_ledger.course_identifier IS 'ecf-induction (ECT) or ecf-mentor.';
COMMENT ON COLUMN clawback_ledger.participant_type IS 'ect or mentor.';
COMMENT ON COLUMN clawback_ledger.declaration_date IS 'When the declared training event happened (UTC).';
COMMENT ON COLUMN clawback_ledger.state IS 'awaiting-clawback (to be deducted) or clawed-back (deducted).';
COMMENT ON COLUMN clawback_ledger.is_settled IS 'True once the clawback has been deducted (clawed-back).';
COMMENT ON COLUMN clawback_ledger.original_statement_id IS 'The statement that paid the declaration.';
COMMENT ON COLUMN clawback_ledger.original_statement_month IS 'Month of the statement that paid it.';
COMMENT ON COLUMN clawback_ledger.original_statement_year IS 'Year of the statement that paid it.';
COMMENT ON COLUMN clawback_ledger.original_statement_payment_date IS 'Payment date of the statement that paid it.';
COMMENT ON COLUMN clawback_ledger.original_statement_paid IS 'Whether the statement that paid it is marked paid.';
COMMENT ON COLUMN clawback_ledger.clawback_statement_id IS 'The statement the clawback is deducted from.';
COMMENT ON COLUMN clawback_ledger.clawback_statement_month IS 'Month of the clawback statement.';
COMMENT ON COLUMN clawback_ledger.clawback_statement_year IS 'Year of the clawback statement.';
COMMENT ON COLUMN clawback_ledger.clawback_statement_cut_off_date IS 'Deadline of the clawback statement.';
COMMENT ON COLUMN clawback_ledger.clawback_statement_payment_date IS 'Payment date of the clawback statement: when the deduction is made.';
COMMENT ON COLUMN clawback_ledger.clawback_statement_paid IS 'Whether the clawback statement has been paid.';
COMMENT ON COLUMN clawback_ledger.clawback_requested_at IS 'When the declaration became awaiting-clawback (the API''s updated_at when the sync first saw that state); null if it was first seen already clawed back.';
COMMENT ON COLUMN clawback_ledger.clawed_back_at IS 'When the declaration became clawed-back (the API''s updated_at when the sync first saw that state); null while awaiting.';
