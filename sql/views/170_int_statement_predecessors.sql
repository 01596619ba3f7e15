-- int_statement_predecessors: which statements fill a statement's bands before it does? DfE's previous
-- statements of S are those of the same framework agreement (here: source and cohort) with an earlier payment
-- date (payment_calculator/banded.rb). One row per statement and each statement it counts: its previous ones
-- (is_previous) and itself. statement_band_allocation and statement_payment both read the rule from here.
-- materialized: view
WITH statements AS (
    SELECT source, id AS statement_id, try_cast(cohort AS INTEGER) AS cohort, payment_date
    FROM statements
    WHERE removed_at IS NULL
),

final AS (
    SELECT
        s.source,
        s.statement_id,
        p.statement_id AS counted_statement_id,
        p.statement_id <> s.statement_id AS is_previous
    FROM statements AS s
    JOIN statements AS p
        ON p.source = s.source
        AND p.cohort = s.cohort
        AND (p.payment_date < s.payment_date OR p.statement_id = s.statement_id)
)

SELECT * FROM final;

COMMENT ON VIEW int_statement_predecessors IS 'Intermediate: every output statement with each statement whose declarations fill its bands first (same source and cohort, earlier payment date) and itself.';
COMMENT ON COLUMN int_statement_predecessors.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN int_statement_predecessors.statement_id IS 'The statement being priced.';
COMMENT ON COLUMN int_statement_predecessors.counted_statement_id IS 'A statement whose declarations it counts: a previous one, or itself.';
COMMENT ON COLUMN int_statement_predecessors.is_previous IS 'True for a previous statement (earlier payment date), false for the statement itself.';
