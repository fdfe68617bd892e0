//! Text typed but not yet in the database. When a save fails (the disk is full),
//! the session keeps the draft; when the vault locks, whatever still cannot be
//! saved is sealed to the vault's own draft-rescue key — an age X25519 recipient
//! whose identity lives only inside the encrypted database — and kept in memory
//! and, when the disk allows, in `unsaved-drafts.age` beside the vault. The next
//! unlock opens it and puts the text back into its draft (ADR 0012).
//!
//! Never plaintext on disk: the sealed bytes are all that is written, and only
//! the unlocked database can open them.

use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use chrono::{SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::audit::{self, EventKind, NewEvent};
use crate::notes::NoteContent;
use crate::vault::{Vault, get_setting, set_setting};
use crate::{Error, Result};

/// The sealed drafts beside `vault.db`, when a lock could not save them.
pub const RESCUE_FILE: &str = "unsaved-drafts.age";

/// The setting that holds the draft-rescue identity (`AGE-SECRET-KEY-1…`).
const RESCUE_IDENTITY: &str = "draft_rescue_age_identity";

/// Largest sealed file read back (a few drafts at their storage limit).
const MAX_SEALED_BYTES: u64 = 64 << 20;

/// A draft's text that is not (yet) in the database.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsavedDraft {
    /// The draft it belongs to.
    pub note_id: i64,
    /// Its client (to start a new draft if that one was discarded meanwhile).
    pub client_id: i64,
    /// What was typed.
    pub content: NoteContent,
    /// When the save was attempted (RFC 3339, UTC).
    pub typed_at: String,
}

impl std::fmt::Debug for UnsavedDraft {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("UnsavedDraft")
            .field("note_id", &self.note_id)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl UnsavedDraft {
    /// A draft typed now.
    pub fn new(note_id: i64, client_id: i64, content: NoteContent) -> Self {
        UnsavedDraft { note_id, client_id, content, typed_at: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true) }
    }
}

/// Overwrites the text of drafts that are no longer needed in memory (best
/// effort: copies made along the way by the JSON encoder are not reachable).
pub fn wipe(drafts: impl IntoIterator<Item = UnsavedDraft>) {
    use zeroize::Zeroize;
    for mut draft in drafts {
        let content = &mut draft.content;
        content.sections.values_mut().for_each(Zeroize::zeroize);
        content.risk.values_mut().for_each(Zeroize::zeroize);
        content.diagnosis_codes.iter_mut().for_each(Zeroize::zeroize);
        if let Some(code) = content.service_code.as_mut() {
            code.zeroize();
        }
    }
}

/// Seals drafts to a recipient (`age1…`): only its identity opens them.
pub fn seal(drafts: &[UnsavedDraft], recipient: &str) -> Result<Vec<u8>> {
    let recipient = age::x25519::Recipient::from_str(recipient).map_err(|_| sealing_failed())?;
    let plaintext = Zeroizing::new(serde_json::to_vec(drafts).map_err(|_| sealing_failed())?);
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
        .map_err(|_| sealing_failed())?;
    let mut sealed = Vec::with_capacity(plaintext.len() + 512);
    let mut writer = encryptor.wrap_output(&mut sealed).map_err(|_| sealing_failed())?;
    writer.write_all(&plaintext).map_err(|_| sealing_failed())?;
    writer.finish().map_err(|_| sealing_failed())?;
    Ok(sealed)
}

/// Opens sealed drafts with the identity that matches their recipient.
pub fn open(sealed: &[u8], identity: &str) -> Result<Vec<UnsavedDraft>> {
    let identity = age::x25519::Identity::from_str(identity).map_err(|_| unreadable())?;
    let decryptor = age::Decryptor::new_buffered(sealed).map_err(|_| unreadable())?;
    let mut reader = decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity)).map_err(|_| unreadable())?;
    let mut plaintext = Zeroizing::new(Vec::new());
    reader.read_to_end(&mut plaintext).map_err(|_| unreadable())?;
    serde_json::from_slice(&plaintext).map_err(|_| unreadable())
}

/// Reads the sealed drafts beside the vault, if there are any.
pub fn read_rescue_file(folder: &Path) -> Result<Option<Vec<u8>>> {
    let path = folder.join(RESCUE_FILE);
    match std::fs::metadata(&path) {
        Ok(metadata) if metadata.len() > MAX_SEALED_BYTES => Err(unreadable()),
        Ok(_) => std::fs::read(&path).map(Some).map_err(Error::io("read the unsaved drafts")),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(Error::from_io("read the unsaved drafts", error)),
    }
}

/// Writes sealed drafts beside the vault, atomically (a full disk leaves the
/// previous file, or none, in place).
pub fn write_rescue_file(folder: &Path, sealed: &[u8]) -> Result<()> {
    crate::keyfile::write_atomically(&folder.join(RESCUE_FILE), sealed, "keep the unsaved drafts")?;
    crate::vault::restrict_permissions(&folder.join(RESCUE_FILE), 0o600);
    Ok(())
}

/// Removes the sealed drafts once every one of them is back in the database.
pub fn remove_rescue_file(folder: &Path) {
    let _ = std::fs::remove_file(folder.join(RESCUE_FILE));
}

impl Vault {
    /// The public half of the vault's draft-rescue key (`age1…`), made on first
    /// use. The session asks at unlock, while the disk is most likely writable,
    /// and keeps it (it is not secret) for sealing drafts at the next lock.
    pub fn draft_rescue_recipient(&mut self) -> Result<String> {
        if let Some(identity) = self.draft_rescue_identity()? {
            let identity = age::x25519::Identity::from_str(&identity).map_err(|_| unreadable())?;
            return Ok(identity.to_public().to_string());
        }
        let identity = age::x25519::Identity::generate();
        let secret = Zeroizing::new(identity.to_string().expose_secret().to_owned());
        let transaction = self.connection_mut().transaction()?;
        set_setting(&transaction, RESCUE_IDENTITY, &secret)?;
        audit::append(
            &transaction,
            &NewEvent::new(EventKind::SettingChanged).with_detail(serde_json::json!({ "setting": "draft_rescue_key" })),
        )?;
        transaction.commit()?;
        Ok(identity.to_public().to_string())
    }

    /// The draft-rescue identity, if one was made.
    pub(crate) fn draft_rescue_identity(&self) -> Result<Option<Zeroizing<String>>> {
        Ok(get_setting(self.connection(), RESCUE_IDENTITY)?.map(Zeroizing::new))
    }
}

fn sealing_failed() -> Error {
    Error::Io { action: "seal the unsaved drafts", source: std::io::Error::other("encryption failed") }
}

fn unreadable() -> Error {
    Error::Io {
        action: "open the unsaved drafts",
        source: std::io::Error::other("they were sealed for another vault, or the file is damaged"),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::notes::NoteKind;

    fn draft(text: &str) -> UnsavedDraft {
        UnsavedDraft::new(
            7,
            3,
            NoteContent {
                kind: NoteKind::Progress,
                template: "soap".to_owned(),
                session_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 2).expect("date"),
                start_time: None,
                duration_minutes: Some(50),
                modality: None,
                service_code: Some("9O834".to_owned()),
                diagnosis_codes: Vec::new(),
                risk: BTreeMap::new(),
                sections: BTreeMap::from([("subjective".to_owned(), text.to_owned())]),
            },
        )
    }

    #[test]
    fn sealed_drafts_open_only_with_their_identity_and_hold_no_plaintext() {
        let identity = age::x25519::Identity::generate();
        let other = age::x25519::Identity::generate();
        let drafts = vec![draft("Zanzibarquartet reported")];
        let sealed = seal(&drafts, &identity.to_public().to_string()).expect("sealed");
        assert!(!sealed.windows(8).any(|window| window == b"Zanzibar"), "no plaintext in the sealed bytes");
        let opened = open(&sealed, identity.to_string().expose_secret()).expect("opened");
        assert_eq!(opened, drafts);
        assert!(open(&sealed, other.to_string().expose_secret()).is_err(), "another vault's key opens nothing");
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(open(&flipped, identity.to_string().expose_secret()).is_err(), "a damaged file is refused");
    }

    #[test]
    fn the_debug_form_names_ids_only() {
        let shown = format!("{:?}", draft("Zanzibarquartet"));
        assert!(!shown.contains("Zanzibar") && shown.contains("note_id: 7"), "{shown}");
    }
}
