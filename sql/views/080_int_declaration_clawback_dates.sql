-- int_declaration_clawback_dates: when did each declaration that was clawed back become awaiting-clawback, and
-- when clawed-back? One row per declaration whose history (declaration_state_history) shows either state,
-- in any accepted spelling: the API's updated_at carried by the change in which the sync first saw it (when
-- the sync saw it, where the change carried none). The API gives no such dates of its own.
-- materialized: view
WITH clawback_changes AS (
    SELECT h.source, h.declaration_id, s.code AS state, coalesce(h.api_updated_at, h.observed_at) AS changed_at
    FROM declaration_state_history AS h
    JOIN stg_code_spellings AS s ON s.code_type = 'state' AND s.spelling = h.new_state
    WHERE s.code IN ('awaiting-clawback', 'clawed-back')
),

clawback_dates AS (
    SELECT
        source,
        declaration_id,
        min(changed_at) FILTER (WHERE state = 'awaiting-clawback') AS clawback_requested_at,
        min(changed_at) FILTER (WHERE state = 'clawed-back') AS clawed_back_at
    FROM clawback_changes
    GROUP BY source, declaration_id
)

SELECT * FROM clawback_dates;

COMMENT ON VIEW int_declaration_clawback_dates IS 'Intermediate: one row per declaration whose recorded history shows awaiting-clawback or clawed-back: when the sync first saw each of those states (the API''s updated_at carried by that change); int_declarations and clawback_ledger show them.';
COMMENT ON COLUMN int_declaration_clawback_dates.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN int_declaration_clawback_dates.declaration_id IS 'The declaration.';
COMMENT ON COLUMN int_declaration_clawback_dates.clawback_requested_at IS 'When the declaration became awaiting-clawback (the API''s updated_at when the sync first saw that state); null if it was first seen already clawed back.';
COMMENT ON COLUMN int_declaration_clawback_dates.clawed_back_at IS 'When the declaration became clawed-back (the API''s updated_at when the sync first saw that state); null while awaiting.';
