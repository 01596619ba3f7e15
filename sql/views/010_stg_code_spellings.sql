-- stg_code_spellings: which code of a ref_* table does a value stand for, in whichever spelling the API (or the
-- service behind it) sends it? One row per code type and accepted spelling. Each code is accepted as the ref
-- table spells it, with underscores for hyphens and hyphens for underscores; where the ref table has an
-- internal_name (the service's stored spelling, e.g. RECT's no_payment for submitted), that name and its
-- hyphenated form too. Decoding a value is then an equality join on the value as sent, once per code type,
-- and a value that no spelling matches is kept as sent and flagged unknown by the model that reads it.
-- Materialised: a hundred-odd rows built once per refresh, which every decoding join then scans, rather than
-- each join working the spellings out from its ref table again.
-- materialized: table
WITH codes AS (
    -- code_type is the name of the ref table's code column
    SELECT 'state' AS code_type, state AS code, internal_name FROM ref_declaration_states
    UNION ALL
    SELECT 'declaration_type', declaration_type, NULL FROM ref_declaration_types
    UNION ALL
    SELECT 'course_identifier', course_identifier, NULL FROM ref_course_identifiers
    UNION ALL
    SELECT 'evidence_held', evidence_held, NULL FROM ref_evidence_held
    UNION ALL
    SELECT 'ineligible_for_funding_reason', ineligible_for_funding_reason, NULL FROM ref_ineligible_for_funding_reasons
    UNION ALL
    SELECT 'participant_type', participant_type, NULL FROM ref_participant_types
    UNION ALL
    SELECT 'schedule_identifier', schedule_identifier, NULL FROM ref_schedules
    UNION ALL
    SELECT 'training_status', training_status, NULL FROM ref_training_statuses
    UNION ALL
    SELECT 'participant_status', participant_status, NULL FROM ref_participant_statuses
    UNION ALL
    SELECT 'withdrawal_reason', withdrawal_reason, internal_name FROM ref_withdrawal_reasons
    UNION ALL
    SELECT 'deferral_reason', deferral_reason, internal_name FROM ref_deferral_reasons
),

spellings AS (
    SELECT DISTINCT
        code_type,
        code,
        unnest([
            code, replace(code, '-', '_'), replace(code, '_', '-'), internal_name, replace(internal_name, '_', '-')
        ]) AS spelling
    FROM codes
),

final AS (
    SELECT code_type, code, spelling FROM spellings WHERE spelling IS NOT NULL
)

SELECT * FROM final;

COMMENT ON VIEW stg_code_spellings IS 'Staging: every accepted input spelling of every code in the ref_* tables that the models decode (the code itself, hyphens or underscores, and the service''s internal_name where the ref table has one), with the code it stands for: decoding is an equality join on the value as sent. Each spelling stands for one code of its type (sql/checks/code_spelling_is_ambiguous.sql).';
COMMENT ON COLUMN stg_code_spellings.code_type IS 'Which codes: the name of the ref table''s code column (state for ref_declaration_states, declaration_type, course_identifier, evidence_held, ineligible_for_funding_reason, participant_type, schedule_identifier, training_status, participant_status, withdrawal_reason, deferral_reason).';
COMMENT ON COLUMN stg_code_spellings.code IS 'The code in the ref table''s spelling (the API''s): what the decoded value reads as.';
COMMENT ON COLUMN stg_code_spellings.spelling IS 'A value accepted on input for the code.';
