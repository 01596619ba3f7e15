-- adjustment_matches_no_statement: does every [[adjustment]] of the contracts file name a statement of its
-- source? One with a mistyped statement_id, or another source's, would be left out of every statement's total
-- without a word. Returns each such adjustment.
SELECT a.source, a.statement_id, a.description, a.amount, a.entry
FROM statement_adjustments AS a
WHERE NOT EXISTS (
    SELECT 1 FROM statements AS s WHERE s.source = a.source AND s.id = a.statement_id AND s.removed_at IS NULL
)
