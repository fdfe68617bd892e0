-- Schema 5: destruction at the end of retention. Signed notes and addenda never
-- change and are never deleted — except when their whole client is destroyed at
-- the end of the retention period. `client_destruction` holds the one client being
-- destroyed, only inside the destroying transaction.

CREATE TABLE client_destruction (
    client_id INTEGER PRIMARY KEY
) STRICT;

DROP TRIGGER note_signed_never_deleted;
CREATE TRIGGER note_signed_never_deleted
BEFORE DELETE ON note
WHEN OLD.status = 'signed'
     AND NOT EXISTS (SELECT 1 FROM client_destruction WHERE client_id = OLD.client_id)
BEGIN
    SELECT RAISE(ABORT, 'a signed note is never deleted');
END;

DROP TRIGGER addendum_never_deleted;
CREATE TRIGGER addendum_never_deleted
BEFORE DELETE ON addendum
WHEN NOT EXISTS (
    SELECT 1 FROM client_destruction d JOIN note n ON n.client_id = d.client_id WHERE n.id = OLD.note_id
)
BEGIN
    SELECT RAISE(ABORT, 'an addendum is never deleted');
END;
