-- code_spelling_is_ambiguous: does every accepted spelling in stg_code_spellings stand for one code of its type?
-- The models decode a value by an equality join on its spelling, so a spelling that two codes share (a new ref
-- row whose underscored form is another row's internal_name, say) would repeat every declaration or enrolment
-- that sends it, and count it twice on its statement. Returns each such spelling with the codes it could mean.
SELECT
    code_type,
    spelling,
    count(*) AS codes,
    string_agg(code, ', ' ORDER BY code) AS meanings
FROM stg_code_spellings
GROUP BY code_type, spelling
HAVING count(*) > 1
