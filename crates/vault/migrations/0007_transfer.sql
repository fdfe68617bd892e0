-- Schema 7: records that arrived in a transfer file from another vault.
-- A signed note's hash covers the row ids it was signed under (docs/signing.md);
-- an imported note keeps those ids here so the hash still checks.

ALTER TABLE note ADD COLUMN signed_as_note_id INTEGER;
ALTER TABLE note ADD COLUMN signed_as_client_id INTEGER;
-- "C-0007, exported 2026-11-23T17:00:00Z by Confidant 0.1.0" for imported notes.
ALTER TABLE note ADD COLUMN imported_from TEXT;
ALTER TABLE client ADD COLUMN imported_from TEXT;
