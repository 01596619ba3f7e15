-- int_duplicate_live_declarations: which participants have more than one live declaration of the same milestone
-- and course, when at most one of them can be funded? One row per (participant, declaration type, course) with
-- two or more live declarations in the provider's scope. int_declarations gives each of those declarations
-- its count and the ids, for declaration_anomalies.
-- materialized: view
WITH live_keys AS NOT MATERIALIZED (
    -- live declarations in scope, each with a hash of (participant, milestone, course) so that finding the
    -- repeated ones groups the hash and the participant, not four strings per row; read twice below, and scanned
    -- again each time rather than holding every live declaration in memory for both
    SELECT
        source,
        declaration_id,
        canonical_participant_id,
        declaration_type,
        course_identifier,
        hash(source, canonical_participant_id, declaration_type, course_identifier) AS key_hash
    FROM stg_declarations
    WHERE is_live AND removed_at IS NULL
),

repeated AS (
    -- grouped by the participant too, so that int_declarations' parts by participant reach this scan as well
    SELECT canonical_participant_id, key_hash FROM live_keys GROUP BY ALL HAVING count(*) > 1
),

duplicates AS (
    -- the strings are grouped only for the few repeated hashes, and only they decide: two keys that share a
    -- hash fall into separate groups here, and a group of one is dropped
    SELECT
        l.source,
        l.canonical_participant_id,
        l.declaration_type,
        l.course_identifier,
        count(*) AS duplicate_live_count,
        string_agg(l.declaration_id, ', ' ORDER BY l.declaration_id) AS duplicate_declaration_ids
    FROM live_keys AS l
    JOIN repeated AS r ON r.canonical_participant_id = l.canonical_participant_id AND r.key_hash = l.key_hash
    GROUP BY l.source, l.canonical_participant_id, l.declaration_type, l.course_identifier
    HAVING count(*) > 1
)

SELECT * FROM duplicates;

COMMENT ON VIEW int_duplicate_live_declarations IS 'Intermediate: one row per participant, declaration type and course with more than one live declaration (submitted, eligible, payable or paid) in the provider''s scope, of which at most one can be funded; int_declarations carries the count and ids to each of them.';
COMMENT ON COLUMN int_duplicate_live_declarations.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN int_duplicate_live_declarations.canonical_participant_id IS 'The participant (merges resolved) with the repeated declarations.';
COMMENT ON COLUMN int_duplicate_live_declarations.declaration_type IS 'The milestone declared more than once.';
COMMENT ON COLUMN int_duplicate_live_declarations.course_identifier IS 'The course it was declared for.';
COMMENT ON COLUMN int_duplicate_live_declarations.duplicate_live_count IS 'How many live declarations the participant has for the milestone and course (2 or more).';
COMMENT ON COLUMN int_duplicate_live_declarations.duplicate_declaration_ids IS 'Their ids, comma-separated in id order.';
