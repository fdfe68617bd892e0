-- Schema 4: consents and the accounting of disclosures (45 CFR 164.528).

CREATE TABLE consent (
    id           INTEGER PRIMARY KEY,
    client_id    INTEGER NOT NULL REFERENCES client (id),
    kind         TEXT NOT NULL CHECK (kind IN ('treatment', 'telehealth', 'release_of_information')),
    form_version TEXT NOT NULL,
    signed_date  TEXT NOT NULL,
    expires_date TEXT,
    scope        TEXT,
    recipient    TEXT,
    revoked_date TEXT,
    created_at   TEXT NOT NULL
) STRICT;

CREATE INDEX consent_by_client ON consent (client_id, signed_date DESC);

CREATE TABLE disclosure (
    id                  INTEGER PRIMARY KEY,
    client_id           INTEGER NOT NULL REFERENCES client (id),
    disclosed_on        TEXT NOT NULL,
    recipient_name      TEXT NOT NULL,
    recipient_address   TEXT,
    purpose             TEXT NOT NULL CHECK (purpose IN ('client_authorization', 'court_order', 'mandated_report',
                                                         'duty_to_warn', 'consultation', 'transfer_of_care', 'other')),
    purpose_detail      TEXT,
    description         TEXT NOT NULL,
    consent_id          INTEGER REFERENCES consent (id),
    client_informed     INTEGER NOT NULL CHECK (client_informed IN (0, 1)),
    not_informed_reason TEXT,
    created_at          TEXT NOT NULL,
    CHECK (client_informed = 1 OR not_informed_reason IS NOT NULL)
) STRICT;

CREATE INDEX disclosure_by_client ON disclosure (client_id, disclosed_on DESC);

CREATE TABLE disclosure_note (
    disclosure_id INTEGER NOT NULL REFERENCES disclosure (id) ON DELETE CASCADE,
    note_id       INTEGER NOT NULL REFERENCES note (id),
    PRIMARY KEY (disclosure_id, note_id)
) STRICT;
