-- Schema 1: vault settings and the hash-chained, append-only audit log.

CREATE TABLE setting (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- One row per event, in order. `hash` = SHA-256 over the row's canonical form
-- (see audit.rs), which includes `previous_hash`: editing or removing any row
-- breaks every later link. No row ever holds record text: ids and counts only.
CREATE TABLE audit_event (
    seq           INTEGER PRIMARY KEY,
    occurred_at   TEXT NOT NULL,
    kind          TEXT NOT NULL,
    object_kind   TEXT,
    object_id     TEXT,
    detail        TEXT NOT NULL DEFAULT '{}',
    previous_hash TEXT NOT NULL,
    hash          TEXT NOT NULL UNIQUE
) STRICT;

CREATE TRIGGER audit_event_is_append_only_update
BEFORE UPDATE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_event_is_append_only_delete
BEFORE DELETE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
