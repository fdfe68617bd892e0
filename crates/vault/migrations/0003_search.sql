-- Schema 3: full-text search inside the encrypted database.
-- One row per note (rowid = note id): the note's sections, its addenda, and the
-- client's code and name. Triggers keep it exact on every insert, edit, addendum,
-- client change and delete; `rebuild_search_index` rebuilds it from scratch.

CREATE VIRTUAL TABLE note_fts USING fts5 (
    body,
    addenda,
    client,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TRIGGER note_fts_after_insert AFTER INSERT ON note
BEGIN
    INSERT INTO note_fts (rowid, body, addenda, client)
    VALUES (
        NEW.id,
        (SELECT group_concat(value, char(10)) FROM json_each(NEW.sections)),
        '',
        (SELECT code || ' ' || coalesce(name, '') FROM client WHERE id = NEW.client_id)
    );
END;

CREATE TRIGGER note_fts_after_update AFTER UPDATE OF sections, client_id ON note
BEGIN
    DELETE FROM note_fts WHERE rowid = OLD.id;
    INSERT INTO note_fts (rowid, body, addenda, client)
    VALUES (
        NEW.id,
        (SELECT group_concat(value, char(10)) FROM json_each(NEW.sections)),
        (SELECT coalesce(group_concat(reason || char(10) || text, char(10)), '') FROM addendum WHERE note_id = NEW.id),
        (SELECT code || ' ' || coalesce(name, '') FROM client WHERE id = NEW.client_id)
    );
END;

CREATE TRIGGER note_fts_after_delete AFTER DELETE ON note
BEGIN
    DELETE FROM note_fts WHERE rowid = OLD.id;
END;

CREATE TRIGGER note_fts_after_addendum AFTER INSERT ON addendum
BEGIN
    UPDATE note_fts
    SET addenda = (SELECT group_concat(reason || char(10) || text, char(10)) FROM addendum WHERE note_id = NEW.note_id)
    WHERE rowid = NEW.note_id;
END;

CREATE TRIGGER note_fts_after_client_update AFTER UPDATE OF code, name ON client
BEGIN
    UPDATE note_fts
    SET client = NEW.code || ' ' || coalesce(NEW.name, '')
    WHERE rowid IN (SELECT id FROM note WHERE client_id = NEW.id);
END;
