-- next_statement_forecast: for each source and cohort, which statement is next to close, how long is left
-- before its cut-off, what is on it now, what could still join it, and what is it worth at the current band
-- position? One row per source and cohort with an open statement. "Now" is the API's own clock at the last
-- sync (sync_state.api_clock_at), so the view answers the same whenever it is read; its date is the date in
-- England (cut-offs are DfE's dates), whatever time zone the reader's session is in.
-- materialized: view
WITH clock AS (
    SELECT source, max(api_clock_at) AS as_of FROM sync_state GROUP BY source
),

candidates AS (
    SELECT
        s.source,
        s.statement_id,
        s.cohort,
        s.cut_off_date,
        s.payment_date,
        c.as_of,
        row_number() OVER (
            PARTITION BY s.source, s.cohort ORDER BY s.cut_off_date, s.payment_date, s.statement_id
        ) AS position
    FROM int_statement_contracts AS s
    JOIN clock AS c ON c.source = s.source
    WHERE NOT coalesce(s.paid, false) AND s.cut_off_date >= CAST(timezone('Europe/London', c.as_of) AS DATE)
),

next_statements AS (
    SELECT * FROM candidates WHERE position = 1
),

on_it AS (
    SELECT
        source,
        statement_id,
        CAST(sum(billable_count) AS BIGINT) AS billable_count,
        CAST(sum(refundable_count) AS BIGINT) AS refundable_count
    FROM statement_declaration_counts
    GROUP BY source, statement_id
),

waiting AS (
    -- the provider's own submitted declarations that no statement holds yet: they join one once found eligible
    SELECT source, try_cast(cohort AS INTEGER) AS cohort, count(*) AS submitted_count
    FROM int_declarations
    WHERE removed_at IS NULL AND is_own_declaration AND state = 'submitted' AND statement_id IS NULL
    GROUP BY source, try_cast(cohort AS INTEGER)
),

final AS (
    SELECT
        n.source,
        n.cohort,
        n.statement_id,
        n.cut_off_date,
        n.payment_date,
        n.as_of,
        n.cut_off_date - CAST(timezone('Europe/London', n.as_of) AS DATE) AS days_to_cut_off,
        coalesce(o.billable_count, 0) AS billable_count,
        coalesce(o.refundable_count, 0) AS clawback_count,
        coalesce(w.submitted_count, 0) AS submitted_not_on_statement_count,
        p.total_amount,
        p.subtotal_amount,
        p.vat_amount,
        p.missing_reason
    FROM next_statements AS n
    LEFT JOIN on_it AS o ON o.source = n.source AND o.statement_id = n.statement_id
    LEFT JOIN waiting AS w ON w.source = n.source AND w.cohort = n.cohort
    LEFT JOIN statement_payment AS p ON p.source = n.source AND p.statement_id = n.statement_id
)

SELECT * FROM final;

COMMENT ON VIEW next_statement_forecast IS 'One row per source and cohort: the next open statement (not paid, cut-off on or after the API''s date at the last sync), the days to its cut-off, what is on it now, submitted declarations not on a statement yet, the clawbacks that will land on it, and its pounds at the current band position.';
COMMENT ON COLUMN next_statement_forecast.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN next_statement_forecast.cohort IS 'The cohort (contract period).';
COMMENT ON COLUMN next_statement_forecast.statement_id IS 'The next statement to close: not paid, with the earliest cut-off on or after as_of.';
COMMENT ON COLUMN next_statement_forecast.cut_off_date IS 'Its deadline: declarations on it by then become payable the day after.';
COMMENT ON COLUMN next_statement_forecast.payment_date IS 'When it is due to be paid.';
COMMENT ON COLUMN next_statement_forecast.as_of IS 'The API''s clock (its Date header) at the start of the last sync of the source.';
COMMENT ON COLUMN next_statement_forecast.days_to_cut_off IS 'Days from as_of''s date in England to the cut-off (0: it closes today).';
COMMENT ON COLUMN next_statement_forecast.billable_count IS 'Declarations it would pay as things stand (billable on it).';
COMMENT ON COLUMN next_statement_forecast.clawback_count IS 'Clawbacks that will land on it (refundable on it).';
COMMENT ON COLUMN next_statement_forecast.submitted_not_on_statement_count IS 'The provider''s own submitted declarations of the cohort that no statement holds yet: they join one when DfE finds the participant eligible.';
COMMENT ON COLUMN next_statement_forecast.total_amount IS 'Its total with VAT at the current band position (statement_payment); null with missing_reason when it cannot be priced.';
COMMENT ON COLUMN next_statement_forecast.subtotal_amount IS 'Its subtotal before VAT (statement_payment).';
COMMENT ON COLUMN next_statement_forecast.vat_amount IS 'Its VAT (statement_payment).';
COMMENT ON COLUMN next_statement_forecast.missing_reason IS 'Why it cannot be priced (statement_payment.missing_reason); null when priced.';
