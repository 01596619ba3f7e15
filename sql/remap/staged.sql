-- Maps a staged page's participant ids to their canonical ids before it is written (staging emits them as sent).
-- {column} and {target} are filled in by syncer/store.py from syncer.streams.REMAPPED. An empty map costs nothing.
UPDATE staged AS s
SET {target} = m.canonical_participant_id
FROM participant_id_map AS m
WHERE m.source = s.source AND m.participant_id = s.{column}
