-- key_hash: md5 of the row's key (source and the stream's key columns, as text joined by U+001F), stored so
-- that classifying a page against the warehouse joins one fixed-width column instead of the VARCHAR keys.
-- Written by syncer/store.py (Warehouse.key_hash); the session's TimeZone is UTC, so timestamp keys render alike.

ALTER TABLE participants ADD COLUMN key_hash UHUGEINT;
UPDATE participants SET key_hash = md5_number(concat_ws(chr(31), source, id));

ALTER TABLE participant_enrolments ADD COLUMN key_hash UHUGEINT;
UPDATE participant_enrolments SET key_hash = md5_number(concat_ws(chr(31), source, training_record_id));

ALTER TABLE participant_id_changes ADD COLUMN key_hash UHUGEINT;
UPDATE participant_id_changes SET key_hash = md5_number(concat_ws(chr(31), source, from_participant_id, to_participant_id, CAST(changed_at AS VARCHAR)));

ALTER TABLE unfunded_mentors ADD COLUMN key_hash UHUGEINT;
UPDATE unfunded_mentors SET key_hash = md5_number(concat_ws(chr(31), source, id));

ALTER TABLE participant_transfers ADD COLUMN key_hash UHUGEINT;
UPDATE participant_transfers SET key_hash = md5_number(concat_ws(chr(31), source, id));

ALTER TABLE participant_declarations ADD COLUMN key_hash UHUGEINT;
UPDATE participant_declarations SET key_hash = md5_number(concat_ws(chr(31), source, id));

ALTER TABLE statements ADD COLUMN key_hash UHUGEINT;
UPDATE statements SET key_hash = md5_number(concat_ws(chr(31), source, id));

ALTER TABLE partnerships ADD COLUMN key_hash UHUGEINT;
UPDATE partnerships SET key_hash = md5_number(concat_ws(chr(31), source, id));

ALTER TABLE delivery_partners ADD COLUMN key_hash UHUGEINT;
UPDATE delivery_partners SET key_hash = md5_number(concat_ws(chr(31), source, id));

ALTER TABLE schools ADD COLUMN key_hash UHUGEINT;
UPDATE schools SET key_hash = md5_number(concat_ws(chr(31), source, id, cohort));
