-- int_own_provider: which lead provider does each source sync as? One row per source: the lead provider named
-- on most of the declarations attached to the source's own statements. int_declarations compares each
-- declaration's lead provider with it (is_own_declaration). A view of its own because it is the one input of
-- int_declarations that depends on every declaration of a source rather than on a participant's or a
-- statement's: an incremental refresh checks that the cached rows still agree with it (syncer/incremental.py).
-- Materialised and rebuilt whole on every refresh (one scan of the declarations, no refreshed by line): that
-- check then compares its row per source with the cache as the last refresh left it, rather than every cached
-- declaration with a mode computed again, and int_declarations' refresh reads a row instead of the declarations.
-- materialized: table
WITH own_provider AS (
    SELECT d.source, mode(d.lead_provider_name) AS lead_provider_name
    FROM participant_declarations AS d
    SEMI JOIN statements AS s ON s.source = d.source AND s.id = d.statement_id
    GROUP BY d.source
)

SELECT * FROM own_provider;

COMMENT ON VIEW int_own_provider IS 'Intermediate: the lead provider each source syncs as, the one named on most declarations attached to the source''s own statements; int_declarations.is_own_declaration compares with it.';
COMMENT ON COLUMN int_own_provider.source IS 'The configured source (one lead provider''s API token).';
COMMENT ON COLUMN int_own_provider.lead_provider_name IS 'The lead provider named on most of the declarations attached to the source''s statements.';
