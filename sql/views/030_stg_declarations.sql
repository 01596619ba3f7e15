-- stg_declarations: what does each declaration say, with its codes in one spelling? One row per declaration,
-- including those that left the provider's scope (removed_at is set). Codes are matched through
-- stg_code_spellings (hyphens or underscores; RECT's internal state names) and shown in the API's spelling:
-- states are hyphenated (awaiting-clawback, clawed-back), and RECT's internal no_payment reads as submitted.
-- A code no ref table knows is kept as sent and flagged (is_known_* = false) for declaration_anomalies.
-- A view, read within int_declarations' build (see there why it is not materialised); int_declarations also
-- says which declarations are the provider's own.
-- materialized: view
WITH codes AS MATERIALIZED (
    -- one row: each code type's spellings as a map from spelling to its code and what the code's ref table says
    -- of it. A lookup in a map per column, where a join per code type would hold a hash table of its own until
    -- the statement ends, a megabyte or two however few its rows, in every reading of this view (two in each of
    -- int_declarations and int_duplicate_live_declarations). A spelling that stood for two codes (sql/checks
    -- reports one) decodes as the first. Materialised in each reading: two readings that join the same tables
    -- would otherwise be shared by DuckDB's common-subplan optimisation, which holds the shared rows in memory
    SELECT
        map_from_entries(list((s.spelling, {code: s.code, money_position: r.money_position, is_live: r.is_live}))
            FILTER (WHERE s.code_type = 'state')) AS states,
        map_from_entries(list((s.spelling, {code: s.code, milestone_order: t.milestone_order}))
            FILTER (WHERE s.code_type = 'declaration_type')) AS declaration_types,
        map_from_entries(list((s.spelling, {code: s.code, participant_type: c.participant_type}))
            FILTER (WHERE s.code_type = 'course_identifier')) AS courses,
        map_from_entries(list((s.spelling, s.code)) FILTER (WHERE s.code_type = 'evidence_held')) AS evidence,
        map_from_entries(list((s.spelling, s.code)) FILTER (WHERE s.code_type = 'ineligible_for_funding_reason'))
            AS ineligible_reasons
    FROM (SELECT code_type, spelling, min(code) AS code FROM stg_code_spellings GROUP BY code_type, spelling) AS s
    LEFT JOIN ref_declaration_states AS r ON s.code_type = 'state' AND r.state = s.code
    LEFT JOIN ref_declaration_types AS t ON s.code_type = 'declaration_type' AND t.declaration_type = s.code
    LEFT JOIN ref_course_identifiers AS c ON s.code_type = 'course_identifier' AND c.course_identifier = s.code
),

looked_up AS (
    SELECT
        d.*,
        c.states[d.state] AS found_state,
        c.declaration_types[d.declaration_type] AS found_declaration_type,
        c.courses[d.course_identifier] AS found_course,
        c.evidence[d.evidence_held] AS found_evidence_held,
        c.ineligible_reasons[d.ineligible_for_funding_reason] AS found_ineligible_reason
    FROM participant_declarations AS d
    CROSS JOIN codes AS c
),

decoded AS (
    SELECT
        source,
        id AS declaration_id,
        participant_id,
        canonical_participant_id,
        canonical_mentor_id,
        coalesce(found_declaration_type.code, declaration_type) AS declaration_type,
        found_declaration_type.milestone_order,
        declaration_date,
        coalesce(found_course.code, course_identifier) AS course_identifier,
        found_course.participant_type,
        coalesce(found_state.code, state) AS state,
        found_state.money_position,
        coalesce(found_state.is_live, false) AS is_live,
        coalesce(found_evidence_held, evidence_held) AS evidence_held,
        coalesce(found_ineligible_reason, ineligible_for_funding_reason) AS ineligible_for_funding_reason,
        statement_id,
        clawback_statement_id,
        delivery_partner_id,
        lead_provider_name,
        uplift_paid,
        created_at,
        updated_at,
        removed_at,
        found_state.code IS NOT NULL AS is_known_state,
        found_declaration_type.code IS NOT NULL AS is_known_declaration_type,
        found_course.code IS NOT NULL AS is_known_course_identifier,
        evidence_held IS NULL OR found_evidence_held IS NOT NULL AS is_known_evidence_held,
        ineligible_for_funding_reason IS NULL OR found_ineligible_reason IS NOT NULL
            AS is_known_ineligible_for_funding_reason
    FROM looked_up
)

SELECT * FROM decoded;

COMMENT ON VIEW stg_declarations IS 'Staging: every declaration (also those that left scope, see removed_at) as the API last sent it, codes decoded through stg_code_spellings into one spelling (hyphenated states; underscores and no_payment accepted), with flags saying which codes a ref table knows. int_declarations joins it to everything else.';
COMMENT ON COLUMN stg_declarations.source IS 'The configured source (one lead provider''s API token) the row came from.';
COMMENT ON COLUMN stg_declarations.declaration_id IS 'The declaration''s id in the API.';
COMMENT ON COLUMN stg_declarations.participant_id IS 'The participant id as the API last sent it.';
COMMENT ON COLUMN stg_declarations.canonical_participant_id IS 'The participant the declaration belongs to today (merges resolved through participant_id_changes).';
COMMENT ON COLUMN stg_declarations.canonical_mentor_id IS 'The ECT''s mentor at the declaration date (merges resolved).';
COMMENT ON COLUMN stg_declarations.declaration_type IS 'The milestone declared: started, retained-1..4, completed, extended-1..3; an unknown value as sent.';
COMMENT ON COLUMN stg_declarations.milestone_order IS 'Position of the milestone (1 = started); null for an unknown type.';
COMMENT ON COLUMN stg_declarations.declaration_date IS 'When the provider says the training event happened (UTC).';
COMMENT ON COLUMN stg_declarations.course_identifier IS 'ecf-induction (ECT) or ecf-mentor; an unknown value as sent.';
COMMENT ON COLUMN stg_declarations.participant_type IS 'ect or mentor, from the course identifier (null for an unknown one).';
COMMENT ON COLUMN stg_declarations.state IS 'Normalised state: submitted, eligible, payable, paid, voided, ineligible, awaiting-clawback or clawed-back (see ref_declaration_states); an unknown value as sent.';
COMMENT ON COLUMN stg_declarations.money_position IS 'due, owed_back, settled or none (ref_declaration_states); null for an unknown state.';
COMMENT ON COLUMN stg_declarations.is_live IS 'True while billable or changeable (submitted, eligible, payable, paid); false for an unknown state.';
COMMENT ON COLUMN stg_declarations.evidence_held IS 'The evidence the provider holds for the declaration.';
COMMENT ON COLUMN stg_declarations.ineligible_for_funding_reason IS 'Why it is not funded (ECF1 only); RECT sends null.';
COMMENT ON COLUMN stg_declarations.statement_id IS 'The output statement that pays (or paid) the declaration, as sent.';
COMMENT ON COLUMN stg_declarations.clawback_statement_id IS 'The statement the clawback is deducted from, as sent.';
COMMENT ON COLUMN stg_declarations.delivery_partner_id IS 'The delivery partner when the declaration was created.';
COMMENT ON COLUMN stg_declarations.lead_provider_name IS 'The lead provider that made the declaration.';
COMMENT ON COLUMN stg_declarations.uplift_paid IS 'True when paid with a sparsity or pupil-premium uplift.';
COMMENT ON COLUMN stg_declarations.created_at IS 'When the declaration was created (UTC).';
COMMENT ON COLUMN stg_declarations.updated_at IS 'The API''s updated_at when last fetched (UTC).';
COMMENT ON COLUMN stg_declarations.removed_at IS 'When a full sync found the declaration no longer in the provider''s scope; null while in scope.';
COMMENT ON COLUMN stg_declarations.is_known_state IS 'False when ref_declaration_states does not know the state.';
COMMENT ON COLUMN stg_declarations.is_known_declaration_type IS 'False when ref_declaration_types does not know the declaration type.';
COMMENT ON COLUMN stg_declarations.is_known_course_identifier IS 'False when ref_course_identifiers does not know the course identifier.';
COMMENT ON COLUMN stg_declarations.is_known_evidence_held IS 'False when evidence_held is set to a value ref_evidence_held does not know.';
COMMENT ON COLUMN stg_declarations.is_known_ineligible_for_funding_reason IS 'False when ineligible_for_funding_reason is set to a value ref_ineligible_for_funding_reasons does not know.';
