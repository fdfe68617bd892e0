-- Schema 2: clients, notes (drafts with revisions, signed notes that never
-- change), and addenda.

CREATE TABLE client (
    id                        INTEGER PRIMARY KEY,
    code                      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name                      TEXT,
    birth_date                TEXT,
    contact                   TEXT,
    status                    TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'discharged')),
    intake_date               TEXT,
    retention_override_date   TEXT,
    retention_override_reason TEXT,
    created_at                TEXT NOT NULL,
    updated_at                TEXT NOT NULL
) STRICT;

CREATE TABLE note (
    id                 INTEGER PRIMARY KEY,
    client_id          INTEGER NOT NULL REFERENCES client (id),
    kind               TEXT NOT NULL CHECK (kind IN ('progress', 'intake', 'treatment_plan', 'discharge', 'contact', 'psychotherapy')),
    template           TEXT NOT NULL,
    session_date       TEXT NOT NULL,
    start_time         TEXT,
    duration_minutes   INTEGER,
    modality           TEXT CHECK (modality IS NULL OR modality IN ('in_person', 'video', 'phone')),
    service_code       TEXT,
    diagnosis_codes    TEXT NOT NULL DEFAULT '[]',
    risk               TEXT NOT NULL DEFAULT '{}',
    sections           TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'signed')),
    signed_at          TEXT,
    signed_by          TEXT,
    signer_credentials TEXT,
    content_hash       TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    CHECK (status = 'draft' OR (signed_at IS NOT NULL AND signed_by IS NOT NULL AND content_hash IS NOT NULL))
) STRICT;

CREATE INDEX note_by_client_and_date ON note (client_id, session_date DESC, id DESC);

-- A signed note never changes: corrections are addenda.
CREATE TRIGGER note_signed_never_changes
BEFORE UPDATE ON note
WHEN OLD.status = 'signed'
BEGIN
    SELECT RAISE(ABORT, 'a signed note never changes; add an addendum');
END;

CREATE TRIGGER note_signed_never_deleted
BEFORE DELETE ON note
WHEN OLD.status = 'signed'
BEGIN
    SELECT RAISE(ABORT, 'a signed note is never deleted');
END;

-- Every save of a draft; the application keeps the newest 20 per note.
CREATE TABLE note_revision (
    id       INTEGER PRIMARY KEY,
    note_id  INTEGER NOT NULL REFERENCES note (id) ON DELETE CASCADE,
    saved_at TEXT NOT NULL,
    content  TEXT NOT NULL
) STRICT;

CREATE INDEX note_revision_by_note ON note_revision (note_id, id DESC);

CREATE TABLE addendum (
    id                 INTEGER PRIMARY KEY,
    note_id            INTEGER NOT NULL REFERENCES note (id),
    reason             TEXT NOT NULL,
    text               TEXT NOT NULL,
    author             TEXT NOT NULL,
    author_credentials TEXT,
    created_at         TEXT NOT NULL,
    content_hash       TEXT NOT NULL
) STRICT;

CREATE TRIGGER addendum_never_changes
BEFORE UPDATE ON addendum
BEGIN
    SELECT RAISE(ABORT, 'an addendum never changes; add another addendum');
END;

CREATE TRIGGER addendum_never_deleted
BEFORE DELETE ON addendum
BEGIN
    SELECT RAISE(ABORT, 'an addendum is never deleted');
END;
