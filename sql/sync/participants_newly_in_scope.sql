-- participants_newly_in_scope: whose declarations may have entered this source's scope without an updated_at bump
-- since the last successful declarations scan ($scanned_since, our clock; $watermark, the declarations stream's,
-- the API's clock)? One row per participant id:
-- * first listed since then, with an enrolment created before the watermark: a teacher who trained elsewhere
--   first (a transfer-in), whose previous provider's billable declarations come along with their old timestamps.
--   A new registration's enrolments are new (created_at is the role's earliest school period), so the daily
--   intake costs no requests; ECF1 v2 sends no created_at, so there every new participant counts;
-- * the survivor of a merge first seen since then whose merged-away record this source never listed: that
--   record's declarations (another provider's) move to a participant in scope, unbumped. Where the source listed
--   both, it holds both records' declarations already, and the remap re-points them;
-- * a participant whose transfers changed since the watermark.
WITH recent_changes AS (
    SELECT source, participant_id, from_participant_id
    FROM participant_id_changes
    WHERE source = $source AND first_seen_at >= $scanned_since
),

listed_merged_away AS (
    -- the few participants named as merged away since then: a NOT EXISTS against all participants would scan and
    -- hash every participant id on every run (15 ms at 100k participants, most of a no-change run's queries)
    SELECT p.source, p.id
    FROM participants AS p
    SEMI JOIN recent_changes AS c ON c.source = p.source AND c.from_participant_id = p.id
)

SELECT p.id AS participant_id
FROM participants AS p
WHERE p.source = $source AND p.removed_at IS NULL AND p.first_seen_at >= $scanned_since
    AND EXISTS (
        SELECT 1 FROM participant_enrolments AS e
        WHERE e.source = p.source AND e.participant_id = p.id AND e.removed_at IS NULL
            AND (e.created_at IS NULL OR e.created_at < $watermark)
    )
UNION
SELECT c.participant_id
FROM recent_changes AS c
WHERE NOT EXISTS (SELECT 1 FROM listed_merged_away AS l WHERE l.source = c.source AND l.id = c.from_participant_id)
UNION
SELECT id
FROM participant_transfers
WHERE source = $source AND removed_at IS NULL AND updated_at >= $watermark
ORDER BY participant_id
