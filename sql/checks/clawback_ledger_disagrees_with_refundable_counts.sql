-- clawback_ledger_disagrees_with_refundable_counts: are the clawbacks clawback_ledger lists on each statement
-- the declarations statement_declaration_counts refunds on it? A ledger row awaiting-clawback or clawed-back
-- with a clawback statement is a refundable declaration of that statement, and every refundable declaration
-- is such a row: the ledger is what a finance team checks the statement's deductions against, so it must
-- list exactly what is deducted. Counted per clawback statement, participant type and declaration type;
-- returns each of those where the two counts differ.
WITH ledger AS (
    SELECT
        source,
        clawback_statement_id AS statement_id,
        participant_type,
        declaration_type,
        count(*) AS ledger_count
    FROM clawback_ledger
    WHERE state IN ('awaiting-clawback', 'clawed-back') AND clawback_statement_id IS NOT NULL
    GROUP BY source, clawback_statement_id, participant_type, declaration_type
),

refunds AS (
    SELECT source, statement_id, participant_type, declaration_type, refundable_count
    FROM statement_declaration_counts
    WHERE refundable_count > 0
),

final AS (
    SELECT
        coalesce(l.source, r.source) AS source,
        coalesce(l.statement_id, r.statement_id) AS statement_id,
        coalesce(l.participant_type, r.participant_type) AS participant_type,
        coalesce(l.declaration_type, r.declaration_type) AS declaration_type,
        coalesce(l.ledger_count, 0) AS ledger_count,
        coalesce(r.refundable_count, 0) AS refundable_count
    FROM ledger AS l
    FULL JOIN refunds AS r
        ON r.source = l.source
        AND r.statement_id = l.statement_id
        AND r.participant_type IS NOT DISTINCT FROM l.participant_type
        AND r.declaration_type IS NOT DISTINCT FROM l.declaration_type
    WHERE coalesce(l.ledger_count, 0) <> coalesce(r.refundable_count, 0)
)

SELECT * FROM final
