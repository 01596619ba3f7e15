-- declarations_current_not_once: is every declaration in the provider's scope (participant_declarations with
-- removed_at null) exactly one row of declarations_current, and is every row of it such a declaration? A join
-- in int_declarations that matched twice (two primary enrolments, a statement listed twice) would count a
-- declaration twice on every view built on it, and a lost one would be missing from every statement.
-- Returns each declaration that is not shown exactly once, with how many times it is shown.
WITH in_scope AS (
    SELECT source, id AS declaration_id FROM participant_declarations WHERE removed_at IS NULL
),

shown AS (
    SELECT source, declaration_id, count(*) AS times_shown
    FROM declarations_current
    GROUP BY source, declaration_id
),

final AS (
    SELECT
        coalesce(i.source, s.source) AS source,
        coalesce(i.declaration_id, s.declaration_id) AS declaration_id,
        i.declaration_id IS NOT NULL AS is_in_scope,
        coalesce(s.times_shown, 0) AS times_shown
    FROM in_scope AS i
    FULL JOIN shown AS s ON s.source = i.source AND s.declaration_id = i.declaration_id
    WHERE i.declaration_id IS NULL OR s.times_shown IS DISTINCT FROM 1
)

SELECT * FROM final
