-- stg_declarations: what does each declaration say, with its codes in one spelling? One row per declaration,
-- including those that left the provider's scope (removed_at is set). Codes are matched through
-- stg_code_spellings (hyphens or underscores; RECT's internal state names) and shown in the API's spelling:
-- states are hyphenated (awaiting-clawback, clawed-back), and RECT's internal no_payment reads as submitted.
-- A code no ref table knows is kept as sent and flagged (is_known_* = false) for declaration_anomalies.
-- A view, read within int_declarations' build (see there why it is not materialised); int_declarations also
-- says which declarations are the provider's own.
-- materialized: view
WITH spellings AS MATERIALIZED (
    -- materialised in each reading of this view: int_declarations reads it twice (for its rows, and through
    -- int_duplicate_live_declarations), and two readings that join the same tables would otherwise be shared
    -- by DuckDB's common-subplan optimisation, which holds the shared rows, most of a million, in memory
    SELECT code_type, code, spelling FROM stg_code_spellings
),

decoded AS (
    SELECT
        d.source,
        d.id AS declaration_id,
        d.participant_id,
        d.canonical_participant_id,
        d.canonical_mentor_id,
        coalesce(t.code, d.declaration_type) AS declaration_type,
        types.milestone_order,
        d.declaration_date,
        coalesce(c.code, d.course_identifier) AS course_identifier,
        courses.participant_type,
        coalesce(s.code, d.state) AS state,
        states.money_position,
        coalesce(states.is_live, false) AS is_live,
        coalesce(e.code, d.evidence_held) AS evidence_held,
        coalesce(i.code, d.ineligible_for_funding_reason) AS ineligible_for_funding_reason,
        d.statement_id,
        d.clawback_statement_id,
        d.delivery_partner_id,
        d.lead_provider_name,
        d.uplift_paid,
        d.created_at,
        d.updated_at,
        d.removed_at,
        s.code IS NOT NULL AS is_known_state,
        t.code IS NOT NULL AS is_known_declaration_type,
        c.code IS NOT NULL AS is_known_course_identifier,
        d.evidence_held IS NULL OR e.code IS NOT NULL AS is_known_evidence_held,
        d.ineligible_for_funding_reason IS NULL OR i.code IS NOT NULL AS is_known_ineligible_for_funding_reason
    FROM participant_declarations AS d
    LEFT JOIN spellings AS s ON s.code_type = 'state' AND s.spelling = d.state
    LEFT JOIN ref_declaration_states AS states ON states.state = s.code
    LEFT JOIN spellings AS t ON t.code_type = 'declaration_type' AND t.spelling = d.declaration_type
    LEFT JOIN ref_declaration_types AS types ON types.declaration_type = t.code
    LEFT JOIN spellings AS c ON c.code_type = 'course_identifier' AND c.spelling = d.course_identifier
    LEFT JOIN ref_course_identifiers AS courses ON courses.course_identifier = c.code
    LEFT JOIN spellings AS e ON e.code_type = 'evidence_held' AND e.spelling = d.evidence_held
    LEFT JOIN spellings AS i
        ON i.code_type = 'ineligible_for_funding_reason' AND i.spelling = d.ineligible_for_funding_reason
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
