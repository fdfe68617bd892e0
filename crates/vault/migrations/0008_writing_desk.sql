-- Schema 8: the writing desk.

-- A draft started from an earlier note ("Start from last session") remembers
-- which, so the sections still as copied can be marked until they are edited.
-- No foreign key: deleting the earlier draft must not try to update a note that
-- has been signed since (signed notes never change); a missing source is ignored.
ALTER TABLE note ADD COLUMN copied_from_note_id INTEGER;

-- What a release of information is for (e.g. "coordination of care").
ALTER TABLE consent ADD COLUMN purpose TEXT;

-- A disclosure that came in with a transfer file was made by the sending
-- clinician: it is shown as theirs, and not in this vault's own accounting.
ALTER TABLE disclosure ADD COLUMN imported INTEGER NOT NULL DEFAULT 0;

-- Words the therapist added to the spelling dictionary. They may be client
-- names, so they live here, inside the encrypted database, and nowhere else.
CREATE TABLE spelling_word (
    word     TEXT PRIMARY KEY,
    added_at TEXT NOT NULL
) STRICT;
