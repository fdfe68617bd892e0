//! The app's session: at most one unlocked vault, the idle timer, and the
//! onboarding steps between "vault created" and "recovery kit confirmed".
//!
//! Everything the desktop shell needs to stay thin lives here, free of Tauri, so
//! it can be tested directly. Locked means `vault` is `None`: nothing else holds
//! the connection or the key.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use chrono::Utc;
use serde::Serialize;
use zeroize::Zeroizing;

use std::collections::BTreeMap;

use crate::audit::{self, AuditEvent, EventKind, NewEvent};
use crate::backup::{
    self, BackupContents, BackupInfo, BackupReport, BackupSettings, RestoreKey, RestoreTarget, RetentionPolicy,
};
use crate::clients::Client;
use crate::device::DeviceKeychain;
use crate::kdf::KdfPolicy;
use crate::notes::{Note, NoteContent, NoteStatus, NoteSummary};
use crate::recovery::RecoveryKey;
use crate::secret::Passphrase;
use crate::unsaved::{self, UnsavedDraft, wipe};
use crate::vault::{CreateOptions, LockReason, Vault, VaultLocation};
use crate::{Error, Result};

/// What the lock screen and the settings page need to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionStatus {
    /// Whether a vault exists in the folder.
    pub exists: bool,
    /// Whether it is unlocked now.
    pub unlocked: bool,
    /// Whether unlocking needs this computer's keychain.
    pub device_bound: bool,
    /// Wrong attempts in a row.
    pub failed_attempts: u32,
    /// Seconds until the next attempt is allowed.
    pub retry_after_seconds: u64,
    /// Auto-lock minutes (only known while unlocked).
    pub auto_lock_minutes: Option<u32>,
    /// Whether a just-created vault still waits for its recovery kit / binding choice.
    pub onboarding: bool,
    /// Whether the current recovery kit was confirmed as saved (only known while unlocked).
    pub recovery_kit_confirmed: Option<bool>,
    /// Whether discreet mode is on (only known while unlocked).
    pub discreet_mode: Option<bool>,
    /// Whether the therapist has read what discreet mode does (only known while unlocked).
    pub discreet_mode_explained: Option<bool>,
    /// The vault folder.
    pub vault_folder: PathBuf,
}

/// When a backup is considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupOccasion {
    /// The therapist asked for one: always.
    OnDemand,
    /// The periodic check: when there are changes and the interval has passed.
    Timer,
    /// Locking or quitting: when there are changes since the last backup.
    Lock,
}

/// A wait after a failed automatic backup before the next try (the drive may
/// be unplugged for the afternoon; do not retry every few seconds).
const RETRY_AFTER_FAILURE: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

/// The backup settings and what happened last, plus the newest backups.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupOverview {
    /// Folder, policy, last success and failure.
    pub settings: BackupSettings,
    /// Whether there are changes the newest backup does not have (only known while unlocked).
    pub changes_since_backup: Option<bool>,
}

/// A new vault between creation and the end of onboarding: the recovery key to
/// show and save, and the passphrase for the device-binding step. Both wipe on drop.
struct Onboarding {
    recovery_key: RecoveryKey,
    /// Only for a new vault (the binding step); a replaced kit has none.
    passphrase: Option<Passphrase>,
    kit_confirmed: bool,
}

struct SessionState {
    vault: Option<Vault>,
    onboarding: Option<Onboarding>,
    last_activity: Instant,
    idle_limit: Duration,
    /// Drafts whose last save failed, by note id: the text typed, in memory only
    /// while unlocked (never on disk as plaintext).
    unsaved: BTreeMap<i64, UnsavedDraft>,
    /// What a lock could not save, sealed to the vault's draft-rescue key; kept
    /// across the lock (also written beside the vault when the disk allows).
    sealed: Option<Vec<u8>>,
    /// The draft-rescue key's public half, read at unlock (not secret).
    rescue_recipient: Option<String>,
    /// The chart and note on screen, to return to after the next unlock (ids and
    /// a pseudonymous code only).
    place: Option<Place>,
    /// What the last unlock put back from sealed drafts, for the UI to say so.
    rescued: RescuedDrafts,
}

/// Where the therapist was: the chart (by client code) and the note open in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    /// The client's code.
    pub client_code: String,
    /// The note open in the editor, if any.
    pub note_id: Option<i64>,
}

/// What the last unlock did with drafts a lock could not save.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RescuedDrafts {
    /// Drafts whose text is back in the database.
    pub restored_note_ids: Vec<i64>,
    /// Drafts still waiting (the disk is still full): their text stays with the
    /// session and the editor shows it.
    pub waiting_note_ids: Vec<i64>,
    /// Drafts whose client was destroyed meanwhile: nothing to put them back into.
    pub n_dropped: usize,
}

/// The one session of the app.
pub struct Session {
    location: VaultLocation,
    keychain: Arc<dyn DeviceKeychain>,
    kdf: KdfPolicy,
    idle_limit_override: Option<Duration>,
    state: Mutex<SessionState>,
    /// One unlock (or create, or recover) at a time: the backoff counter stays
    /// exact and two Argon2 runs never compete for memory.
    unlock_gate: Mutex<()>,
    /// Bumped by every lock: an unlock that was under way when a lock came in
    /// (sleep, screen lock) sees the change and does not open the vault.
    lock_generation: AtomicU64,
    /// The app's claim on the vault folder (`app.lock`), held for the app's
    /// lifetime: `Err` when another app instance holds it.
    instance: Mutex<Option<std::result::Result<std::fs::File, ()>>>,
    /// The spell checker, loaded at the first check after an unlock and dropped
    /// at the lock (it holds the therapist's words, often client names). Apart
    /// from `state`, so a check never waits for a save.
    spelling: RwLock<Option<confidant_spelling::SpellChecker>>,
}

/// The file an app instance keeps locked while it runs.
pub const APP_LOCK_FILE: &str = "app.lock";

impl std::fmt::Debug for Session {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Session").field("location", &self.location).finish_non_exhaustive()
    }
}

impl Session {
    /// A locked session over the vault in `location`.
    ///
    /// `idle_limit_override` replaces the therapist's auto-lock minutes (used by the
    /// end-to-end tests to see the auto-lock in seconds).
    pub fn new(
        location: VaultLocation,
        keychain: Arc<dyn DeviceKeychain>,
        kdf: KdfPolicy,
        idle_limit_override: Option<Duration>,
    ) -> Self {
        Session {
            location,
            keychain,
            kdf,
            idle_limit_override,
            state: Mutex::new(SessionState {
                vault: None,
                onboarding: None,
                last_activity: Instant::now(),
                idle_limit: Duration::from_secs(60 * u64::from(crate::vault::DEFAULT_AUTO_LOCK_MINUTES)),
                unsaved: BTreeMap::new(),
                sealed: None,
                rescue_recipient: None,
                place: None,
                rescued: RescuedDrafts::default(),
            }),
            unlock_gate: Mutex::new(()),
            lock_generation: AtomicU64::new(0),
            instance: Mutex::new(None),
            spelling: RwLock::new(None),
        }
    }

    /// Claims the vault folder for this app instance (one running app per
    /// vault). Afterwards, a session whose claim failed answers every status,
    /// unlock and create with [`Error::AppAlreadyRunning`]. The command line does
    /// not claim: it may list backups while the app runs, and the vault's own
    /// lock keeps the two from having it open at once.
    pub fn claim_instance(&self) -> Result<()> {
        let claimed = (|| {
            std::fs::create_dir_all(self.location.folder()).ok()?;
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(self.location.folder().join(APP_LOCK_FILE))
                .ok()?;
            crate::vault::restrict_permissions(&self.location.folder().join(APP_LOCK_FILE), 0o600);
            file.try_lock().ok()?;
            Some(file)
        })();
        let ok = claimed.is_some();
        *self.instance.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(claimed.ok_or(()));
        if ok { Ok(()) } else { Err(Error::AppAlreadyRunning) }
    }

    fn check_instance(&self) -> Result<()> {
        match &*self.instance.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) {
            Some(Err(())) => Err(Error::AppAlreadyRunning),
            _ => Ok(()),
        }
    }

    fn gate(&self) -> MutexGuard<'_, ()> {
        self.unlock_gate.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The idle limit for `minutes`: the override can only shorten it.
    fn idle_limit(&self, minutes: u32) -> Duration {
        let configured = Duration::from_secs(60 * u64::from(minutes));
        self.idle_limit_override.map_or(configured, |limit| limit.min(configured))
    }

    fn state(&self) -> MutexGuard<'_, SessionState> {
        // A panic while holding the lock must not leave the vault unlockable.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Where the vault lives.
    pub fn location(&self) -> &VaultLocation {
        &self.location
    }

    /// The lock screen's view of things.
    pub fn status(&self) -> Result<SessionStatus> {
        self.check_instance()?;
        let vault_status = Vault::status(&self.location)?;
        let state = self.state();
        let (auto_lock_minutes, recovery_kit_confirmed, discreet_mode, discreet_mode_explained) = match &state.vault {
            Some(vault) => (
                Some(vault.auto_lock_minutes()?),
                Some(vault.recovery_kit_confirmed()?),
                Some(vault.discreet_mode()?),
                Some(vault.discreet_mode_explained()?),
            ),
            None => (None, None, None, None),
        };
        Ok(SessionStatus {
            exists: vault_status.exists,
            unlocked: state.vault.is_some(),
            device_bound: vault_status.device_bound,
            failed_attempts: vault_status.failed_attempts,
            retry_after_seconds: vault_status.retry_after_seconds,
            auto_lock_minutes,
            onboarding: state.onboarding.is_some(),
            recovery_kit_confirmed,
            discreet_mode,
            discreet_mode_explained,
            vault_folder: self.location.folder().to_path_buf(),
        })
    }

    /// Creates the vault (not yet device-bound) and returns the recovery key to show.
    pub fn create(&self, passphrase: Passphrase) -> Result<Zeroizing<String>> {
        self.check_instance()?;
        let _gate = self.gate();
        let options = CreateOptions { device_binding: false, kdf: self.kdf };
        let created = Vault::create(&self.location, &passphrase, options, self.keychain.clone())?;
        let shown = created.recovery_key.expose_formatted();
        let mut state = self.state();
        self.start_unlocked(&mut state, created.vault);
        state.onboarding =
            Some(Onboarding { recovery_key: created.recovery_key, passphrase: Some(passphrase), kit_confirmed: false });
        Ok(shown)
    }

    /// Replaces the recovery key of the open vault (the old one stops working) and
    /// returns the new one to show; the kit must then be confirmed again.
    pub fn start_new_recovery_kit(&self) -> Result<Zeroizing<String>> {
        let mut state = self.state();
        let recovery_key = state.vault.as_mut().ok_or(Error::Locked)?.replace_recovery_key()?;
        let shown = recovery_key.expose_formatted();
        state.onboarding = Some(Onboarding { recovery_key, passphrase: None, kit_confirmed: false });
        Ok(shown)
    }

    /// Writes the recovery kit as a text file at `path`, where the therapist chose
    /// to save it (a save dialog has asked before replacing a file there). The
    /// file says to print it and delete it; only the owner can read it.
    pub fn save_recovery_kit(&self, path: &Path) -> Result<()> {
        let state = self.state();
        let onboarding = state.onboarding.as_ref().ok_or(Error::NoOnboarding)?;
        let vault_id = state.vault.as_ref().map(|vault| vault.vault_id().to_owned()).unwrap_or_default();
        let key = onboarding.recovery_key.expose_formatted();
        let mut text = Zeroizing::new(String::new());
        text.push_str("CONFIDANT RECOVERY KIT\n\n");
        text.push_str("Recovery key:\n\n    ");
        text.push_str(&key);
        text.push_str("\n\nVault id: ");
        text.push_str(&vault_id);
        text.push_str("\nCreated: ");
        text.push_str(&Utc::now().format("%Y-%m-%d").to_string());
        text.push_str(
            "\n\nThis key opens your vault if you forget your passphrase or move to a new computer.\n\
             Print this page or write the key down, keep it somewhere safe and private,\n\
             then delete this file. Without your passphrase and without this key,\n\
             nobody - not even Confidant's developers - can open your vault.\n",
        );
        crate::keyfile::write_atomically(path, text.as_bytes(), "save the recovery kit")?;
        crate::vault::restrict_permissions(path, 0o600);
        Ok(())
    }

    /// Checks that the therapist typed the recovery key's last group back.
    pub fn confirm_recovery_kit(&self, last_group: &str) -> Result<()> {
        let mut state = self.state();
        let onboarding = state.onboarding.as_mut().ok_or(Error::NoOnboarding)?;
        let key = onboarding.recovery_key.expose_formatted();
        let expected = key.rsplit('-').next().unwrap_or_default();
        let typed: String =
            last_group.chars().filter(|character| !character.is_whitespace() && *character != '-').collect();
        let typed = typed.to_ascii_uppercase().replace(['I', 'L'], "1").replace('O', "0");
        if typed != expected {
            return Err(Error::RecoveryKitMismatch);
        }
        onboarding.kit_confirmed = true;
        state.vault.as_mut().ok_or(Error::Locked)?.confirm_recovery_kit()
    }

    /// Ends onboarding: binds the vault to this computer's keychain if asked,
    /// then forgets the recovery key and the passphrase.
    pub fn finish_onboarding(&self, device_binding: bool) -> Result<()> {
        let mut state = self.state();
        let confirmed = state.onboarding.as_ref().is_some_and(|onboarding| onboarding.kit_confirmed);
        if !confirmed {
            return Err(if state.onboarding.is_some() { Error::RecoveryKitMismatch } else { Error::NoOnboarding });
        }
        let passphrase = state.onboarding.as_ref().and_then(|onboarding| onboarding.passphrase.as_ref());
        if let (true, Some(passphrase)) = (device_binding, passphrase) {
            // Keep the onboarding (and its passphrase) if binding fails, so the
            // therapist can retry or choose "not now".
            let passphrase = Passphrase::new(passphrase.expose_secret().to_owned());
            state.vault.as_mut().ok_or(Error::Locked)?.set_device_binding(&passphrase, true)?;
        }
        state.onboarding = None;
        Ok(())
    }

    /// Unlocks with the passphrase.
    pub fn unlock(&self, passphrase: &Passphrase) -> Result<()> {
        self.check_instance()?;
        let _gate = self.gate();
        let generation = self.lock_generation.load(Ordering::SeqCst);
        let vault = Vault::unlock(&self.location, passphrase, self.keychain.clone())?;
        self.finish_unlock(vault, generation)
    }

    /// Unlocks with the recovery key and sets a new passphrase.
    pub fn recover(&self, recovery_key: &str, new_passphrase: &Passphrase) -> Result<()> {
        self.check_instance()?;
        let _gate = self.gate();
        let recovery_key = RecoveryKey::parse(recovery_key)?;
        let generation = self.lock_generation.load(Ordering::SeqCst);
        let vault = Vault::recover(&self.location, &recovery_key, new_passphrase, self.keychain.clone())?;
        self.finish_unlock(vault, generation)
    }

    /// Installs a freshly unlocked vault unless a lock arrived while it was being
    /// unlocked (the computer went to sleep mid-unlock): then it is closed again.
    fn finish_unlock(&self, vault: Vault, generation: u64) -> Result<()> {
        let mut state = self.state();
        if self.lock_generation.load(Ordering::SeqCst) != generation {
            drop(state);
            let _ = vault.lock(LockReason::User);
            return Err(Error::Locked);
        }
        self.start_unlocked(&mut state, vault);
        Ok(())
    }

    fn start_unlocked(&self, state: &mut SessionState, mut vault: Vault) {
        let minutes = vault.auto_lock_minutes().unwrap_or(crate::vault::DEFAULT_AUTO_LOCK_MINUTES);
        state.idle_limit = self.idle_limit(minutes);
        state.last_activity = Instant::now();
        // Read now, while the disk is most likely writable: the next lock may
        // need it to seal a draft it cannot save.
        state.rescue_recipient = vault.draft_rescue_recipient().ok();
        state.rescued = self.put_back_sealed_drafts(state, &mut vault);
        if let Some(previous) = state.vault.replace(vault) {
            let _ = previous.lock(LockReason::User);
        }
    }

    /// Opens what the last lock sealed (from memory, or from the file beside the
    /// vault after a restart) and saves each draft back into its note — a new
    /// draft when that one was discarded meanwhile. What still cannot be saved
    /// stays with the session.
    fn put_back_sealed_drafts(&self, state: &mut SessionState, vault: &mut Vault) -> RescuedDrafts {
        let mut rescued = RescuedDrafts::default();
        let sealed = match state.sealed.take() {
            Some(sealed) => Some(sealed),
            None => unsaved::read_rescue_file(self.location.folder()).ok().flatten(),
        };
        let Some(sealed) = sealed else { return rescued };
        let identity = match vault.draft_rescue_identity() {
            Ok(Some(identity)) => identity,
            // Sealed for another vault (a restored backup): left on disk, untouched.
            _ => return rescued,
        };
        let Ok(drafts) = unsaved::open(&sealed, &identity) else {
            state.sealed = Some(sealed);
            return rescued;
        };
        for draft in drafts {
            let saved = match vault.load_note(draft.note_id) {
                Ok(note) if note.status == NoteStatus::Draft && note.client_id == draft.client_id => {
                    vault.save_draft(draft.note_id, draft.content.clone()).map(|note| note.id)
                }
                _ => match vault.client_by_id(draft.client_id) {
                    Ok(client) => vault.create_note(&client.code, draft.content.clone()).map(|note| note.id),
                    Err(_) => {
                        rescued.n_dropped += 1;
                        continue;
                    }
                },
            };
            match saved {
                Ok(note_id) => rescued.restored_note_ids.push(note_id),
                Err(_) => {
                    rescued.waiting_note_ids.push(draft.note_id);
                    state.unsaved.insert(draft.note_id, draft);
                }
            }
        }
        if state.unsaved.is_empty() {
            unsaved::remove_rescue_file(self.location.folder());
        }
        if let Some(&note_id) = rescued.restored_note_ids.first().or(rescued.waiting_note_ids.first())
            && let Ok(note) = vault.load_note(note_id)
        {
            state.place = Some(Place { client_code: note.client_code, note_id: Some(note_id) });
        }
        rescued
    }

    /// Locks: closes the database, wipes the keys and any onboarding secrets.
    /// Returns whether a vault was open. When there are changes since the last
    /// backup, one is made first (not on suspend: the computer is going to sleep
    /// and the drive may be gone); a failure is recorded, and the lock goes on.
    pub fn lock(&self, reason: LockReason) -> bool {
        self.lock_generation.fetch_add(1, Ordering::SeqCst);
        self.forget_spell_checker();
        let mut state = self.state();
        state.onboarding = None;
        match state.vault.take() {
            // The vault is closed either way; a failed audit write must not keep it open.
            Some(mut vault) => {
                self.save_or_seal_unsaved(&mut state, &mut vault);
                if reason != LockReason::Suspend {
                    let _ = self.back_up_if_due(&mut vault, BackupOccasion::Lock, Utc::now());
                }
                let _ = vault.lock(reason);
                true
            }
            None => false,
        }
    }

    /// Before a lock: saves each draft whose last save failed; whatever still
    /// fails is sealed to the vault's draft-rescue key, kept in memory and, when
    /// the disk allows, written beside the vault. The plaintext is wiped.
    fn save_or_seal_unsaved(&self, state: &mut SessionState, vault: &mut Vault) {
        let drafts = std::mem::take(&mut state.unsaved);
        let mut remaining: Vec<UnsavedDraft> = Vec::new();
        for (note_id, draft) in drafts {
            match vault.save_draft(note_id, draft.content.clone()) {
                Ok(_) => {}
                // Signed or discarded meanwhile: the next unlock starts a new draft with it.
                Err(_) => remaining.push(draft),
            }
        }
        if remaining.is_empty() {
            if state.sealed.is_none() {
                unsaved::remove_rescue_file(self.location.folder());
            }
            return;
        }
        let Some(recipient) = state.rescue_recipient.clone() else { return };
        if let Ok(sealed) = unsaved::seal(&remaining, &recipient) {
            // On a full disk this fails, and the sealed copy in memory is what is left.
            let _ = unsaved::write_rescue_file(self.location.folder(), &sealed);
            state.sealed = Some(sealed);
        }
        wipe(remaining);
    }

    /// Saves a draft (autosave). When the save fails for a reason the text is not
    /// to blame — a full disk, an unwritable folder, a note beyond the storage
    /// limit — the text stays with the session: the editor gets it back from
    /// [`Session::open_note`], and a lock seals it instead of losing it.
    pub fn save_draft(&self, note_id: i64, content: NoteContent) -> Result<Note> {
        let mut state = self.state();
        let vault = state.vault.as_mut().ok_or(Error::Locked)?;
        match vault.save_draft(note_id, content.clone()) {
            Ok(note) => {
                state.place = Some(Place { client_code: note.client_code.clone(), note_id: Some(note_id) });
                if let Some(draft) = state.unsaved.remove(&note_id) {
                    wipe(vec![draft]);
                    if state.unsaved.is_empty() && state.sealed.is_none() {
                        unsaved::remove_rescue_file(self.location.folder());
                    }
                }
                Ok(note)
            }
            Err(error @ (Error::SignedNoteIsImmutable | Error::NotFound { .. } | Error::Locked)) => Err(error),
            Err(error) => {
                let client_id = vault.load_note(note_id).map(|note| note.client_id).unwrap_or_default();
                if let Some(previous) = state.unsaved.insert(note_id, UnsavedDraft::new(note_id, client_id, content)) {
                    wipe(vec![previous]);
                }
                Err(error)
            }
        }
    }

    /// Opens a note (audited) and remembers it as the place to return to after
    /// the next unlock. The second value is text typed into it that is not in
    /// the database yet (its save failed): the editor shows that instead.
    pub fn open_note(&self, note_id: i64) -> Result<(Note, Option<NoteContent>)> {
        let mut state = self.state();
        let vault = state.vault.as_mut().ok_or(Error::Locked)?;
        let note = vault.open_note(note_id)?;
        let unsaved = state.unsaved.get(&note_id).map(|draft| draft.content.clone());
        state.place = Some(Place { client_code: note.client_code.clone(), note_id: Some(note_id) });
        Ok((note, unsaved))
    }

    /// Starts a draft (or, with `from_previous`, a copy of the client's previous
    /// note of that kind and template) and makes it the place to return to.
    pub fn create_note(&self, client_code: &str, content: NoteContent, from_previous: bool) -> Result<Note> {
        let mut state = self.state();
        let vault = state.vault.as_mut().ok_or(Error::Locked)?;
        let note = if from_previous {
            vault.create_note_from_previous(client_code, content.kind, &content.template, content.session_date)?
        } else {
            vault.create_note(client_code, content)?
        };
        state.place = Some(Place { client_code: note.client_code.clone(), note_id: Some(note.id) });
        Ok(note)
    }

    /// Opens a client's chart (audited): the client and its notes, newest first.
    /// Remembered as the place to return to.
    pub fn open_chart(&self, client_code: &str) -> Result<(Client, Vec<NoteSummary>)> {
        let mut state = self.state();
        let vault = state.vault.as_mut().ok_or(Error::Locked)?;
        let client = vault.open_client(client_code)?;
        let notes = vault.notes_for_client(&client.code, false)?;
        state.place = Some(Place { client_code: client.code.clone(), note_id: None });
        Ok((client, notes))
    }

    /// Forgets the place (a draft was discarded, the chart closed).
    pub fn leave_place(&self, note_only: bool) {
        let mut state = self.state();
        match (&mut state.place, note_only) {
            (Some(place), true) => place.note_id = None,
            _ => state.place = None,
        }
    }

    /// Where the therapist was before the lock, and what the unlock did with
    /// drafts a lock could not save. `None` while locked.
    pub fn resume(&self) -> Option<(Option<Place>, RescuedDrafts)> {
        let state = self.state();
        state.vault.as_ref()?;
        Some((state.place.clone(), state.rescued.clone()))
    }

    /// The misspelt words of `text` (UTF-16 offsets), in the chosen languages
    /// with the therapist's words; empty when no dictionary is chosen.
    pub fn check_spelling(&self, text: &str) -> Result<Vec<confidant_spelling::Misspelling>> {
        self.with_spell_checker(|checker| checker.misspellings(text))
    }

    /// Up to `limit` corrections for a misspelt word.
    pub fn suggest_spelling(&self, word: &str, limit: usize) -> Result<Vec<String>> {
        self.with_spell_checker(|checker| checker.suggest(word, limit))
    }

    /// Adds a word to the therapist's dictionary (in the vault) and to the checker.
    pub fn add_spelling_word(&self, word: &str) -> Result<()> {
        self.with_vault(|vault| vault.add_spelling_word(word))?;
        if let Some(checker) = self.spelling.write().unwrap_or_else(|poisoned| poisoned.into_inner()).as_mut() {
            let _ = checker.add_words([word.trim().replace('’', "'")]);
        }
        Ok(())
    }

    /// Removes a word from the dictionary; the checker is loaded afresh.
    pub fn remove_spelling_word(&self, word: &str) -> Result<()> {
        self.with_vault(|vault| vault.remove_spelling_word(word))?;
        self.forget_spell_checker();
        Ok(())
    }

    /// Chooses the languages to check; the checker is loaded afresh.
    pub fn set_spelling_languages(&self, tags: &[String]) -> Result<()> {
        self.with_vault(|vault| vault.set_spelling_languages(tags))?;
        self.forget_spell_checker();
        Ok(())
    }

    fn forget_spell_checker(&self) {
        *self.spelling.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }

    fn with_spell_checker<T: Default>(&self, action: impl FnOnce(&confidant_spelling::SpellChecker) -> T) -> Result<T> {
        {
            let loaded = self.spelling.read().unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(checker) = loaded.as_ref() {
                return Ok(action(checker));
            }
        }
        let lang = std::env::var("LANG").ok();
        let Some(checker) = self.with_vault(|vault| vault.load_spell_checker(lang.as_deref()))? else {
            return Ok(T::default());
        };
        let mut slot = self.spelling.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Locked while loading: the checker (and its words) is not kept.
        if !self.is_unlocked() {
            return Err(Error::Locked);
        }
        let checker = slot.insert(checker);
        Ok(action(checker))
    }

    /// The backup settings and status; readable while locked (a damaged vault
    /// still finds its backups).
    pub fn backup_overview(&self) -> BackupOverview {
        let settings = BackupSettings::read(&self.location);
        let state = self.state();
        let changes_since_backup = state
            .vault
            .as_ref()
            .and_then(|vault| vault.last_change().ok())
            .map(|last| settings.backed_up_through.is_none_or(|through| last > through));
        BackupOverview { settings, changes_since_backup }
    }

    /// Chooses the backup folder (`None` turns backups off), the rotation and the
    /// interval. The folder must exist now. Audited without the path.
    pub fn set_backup_settings(
        &self,
        folder: Option<PathBuf>,
        keep: RetentionPolicy,
        every_hours: u32,
    ) -> Result<BackupOverview> {
        {
            let state = self.state();
            let vault = state.vault.as_ref().ok_or(Error::Locked)?;
            let mut settings = BackupSettings::read(&self.location);
            let folder_changed = settings.folder != folder;
            settings.folder = folder;
            settings.keep = keep;
            settings.every_hours = every_hours;
            settings.validate()?;
            if let Some(folder) = &settings.folder {
                self.check_backup_folder_choice(folder)?;
            }
            if folder_changed {
                // A new folder starts afresh: the next backup is due at once.
                settings.backed_up_through = None;
                settings.last_failure_at = None;
                settings.last_failure_code = None;
            }
            settings.write(&self.location)?;
            audit::append(
                vault.connection(),
                &NewEvent::new(EventKind::SettingChanged).with_detail(serde_json::json!({
                    "setting": "backups",
                    "enabled": settings.folder.is_some(),
                    "keep_daily": keep.daily,
                    "keep_weekly": keep.weekly,
                    "keep_monthly": keep.monthly,
                    "every_hours": every_hours,
                })),
            )?;
        }
        Ok(self.backup_overview())
    }

    /// Refuses a backup folder that cannot work: one inside the vault folder (a
    /// lost laptop takes both), or one that cannot be written now (missing,
    /// read-only, full) — said before anything is saved, not at the first backup.
    fn check_backup_folder_choice(&self, folder: &Path) -> Result<()> {
        let vault_folder = self.location.folder();
        let inside = |candidate: &Path| {
            let resolved = candidate.canonicalize().unwrap_or_else(|_| candidate.to_path_buf());
            let vault = vault_folder.canonicalize().unwrap_or_else(|_| vault_folder.to_path_buf());
            resolved.starts_with(&vault)
        };
        if !folder.is_absolute() {
            return Err(Error::BackupFolderUnavailable { problem: "is not a full path; choose the folder again" });
        }
        if inside(folder) {
            return Err(Error::BackupFolderUnavailable {
                problem: "is inside the vault folder; choose a folder elsewhere, best on an external drive",
            });
        }
        backup::check_backup_folder(folder)
    }

    /// Where backups could go, best first: each external drive, then a folder in
    /// the home folder (see [`backup::suggest_backup_folders`]).
    pub fn suggest_backup_folders(&self) -> Vec<backup::FolderSuggestion> {
        let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
        let user = std::env::var("USER").ok();
        backup::suggest_backup_folders(&mounts, user.as_deref(), dirs::home_dir().as_deref())
            .into_iter()
            .filter(|suggestion| !suggestion.path.starts_with(self.location.folder()))
            .collect()
    }

    /// Makes `folder` the backup folder — creating it first when `create` (a
    /// suggestion the therapist accepted) — keeps the rotation and interval, and
    /// backs up at once, so the vault is backed up from the first minute. The
    /// folder is kept even if that first backup fails (its outcome is in the
    /// overview, and the next lock tries again).
    pub fn set_backup_folder(&self, folder: &Path, create: bool) -> Result<(BackupOverview, Result<BackupReport>)> {
        if create && folder.is_absolute() && !folder.exists() {
            std::fs::create_dir_all(folder).map_err(|error| match error.kind() {
                std::io::ErrorKind::NotFound => {
                    Error::BackupFolderUnavailable { problem: "is on a drive that is not connected" }
                }
                _ => Error::BackupFolderUnavailable { problem: "cannot be created there; choose another place" },
            })?;
            crate::vault::restrict_permissions(folder, 0o700);
        }
        let settings = BackupSettings::read(&self.location);
        self.set_backup_settings(Some(folder.to_path_buf()), settings.keep, settings.every_hours)?;
        let first = self.back_up_now();
        Ok((self.backup_overview(), first))
    }

    /// Changes how many backups are kept and how often they are made; the folder stays.
    pub fn set_backup_policy(&self, keep: RetentionPolicy, every_hours: u32) -> Result<BackupOverview> {
        let settings = BackupSettings::read(&self.location);
        self.set_backup_settings(settings.folder, keep, every_hours)
    }

    /// Backs up now, whatever the schedule says.
    pub fn back_up_now(&self) -> Result<BackupReport> {
        let mut state = self.state();
        let vault = state.vault.as_mut().ok_or(Error::Locked)?;
        self.back_up_if_due(vault, BackupOccasion::OnDemand, Utc::now())
            .unwrap_or(Err(Error::BackupFolderUnavailable { problem: "is not chosen yet; choose one in Settings" }))
    }

    /// The periodic check (the app calls it every minute or so): backs up when
    /// there are changes and the interval has passed. `None` when nothing was due.
    pub fn back_up_on_schedule(&self, now: chrono::DateTime<Utc>) -> Option<Result<BackupReport>> {
        let mut state = self.state();
        let vault = state.vault.as_mut()?;
        self.back_up_if_due(vault, BackupOccasion::Timer, now)
    }

    /// Backs up `vault` if `occasion` calls for it, and records the outcome in
    /// backup.json. `None` when no backup was due (or no folder is chosen).
    fn back_up_if_due(
        &self,
        vault: &mut Vault,
        occasion: BackupOccasion,
        now: chrono::DateTime<Utc>,
    ) -> Option<Result<BackupReport>> {
        let mut settings = BackupSettings::read(&self.location);
        let folder = settings.folder.clone()?;
        let through = match vault.last_change() {
            Ok(through) => through,
            Err(error) => return Some(Err(error)),
        };
        let changed = settings.backed_up_through.is_none_or(|backed_up| through > backed_up);
        let interval = chrono::TimeDelta::hours(i64::from(settings.every_hours.max(1)));
        let due = match occasion {
            BackupOccasion::OnDemand => true,
            BackupOccasion::Lock => changed,
            BackupOccasion::Timer => {
                changed
                    && settings.last_success_at.is_none_or(|last| now - last >= interval)
                    && settings.last_failure_at.is_none_or(|failed| now - failed >= RETRY_AFTER_FAILURE)
            }
        };
        if !due {
            return None;
        }
        let result = vault.back_up_to(&folder, settings.keep);
        settings.record(&result, through, now);
        // The outcome is also in the audit log (success) or returned (failure);
        // a status file that cannot be written must not hide either.
        let _ = settings.write(&self.location);
        Some(result)
    }

    /// Backups of this vault in the chosen folder, newest first (at most
    /// `limit`); every backup of any vault when vault.keys is lost.
    pub fn backups(&self, limit: usize) -> Result<Vec<BackupInfo>> {
        let settings = BackupSettings::read(&self.location);
        let folder = settings
            .folder
            .ok_or(Error::BackupFolderUnavailable { problem: "is not chosen yet; choose one in Settings" })?;
        let vault_id = Vault::status(&self.location).ok().and_then(|status| status.vault_id);
        Ok(backup::list_backups(&folder, vault_id.as_deref())?
            .into_iter()
            .filter_map(|listed| match listed {
                backup::ListedBackup::Readable(info) => Some(info),
                backup::ListedBackup::Damaged { .. } => None,
            })
            .take(limit)
            .collect())
    }

    /// Opens a backup with the passphrase (or the recovery key) and says what it
    /// holds, changing nothing.
    pub fn preview_backup(&self, path: &Path, key: &RestoreKey<'_>) -> Result<(BackupInfo, BackupContents)> {
        let _gate = self.gate();
        backup::preview_backup(path, key, self.keychain.as_ref())
    }

    /// Restores a backup over this vault (after a safety copy) or, when there is
    /// no vault yet, as this vault; leaves it unlocked. Locks first.
    pub fn restore_backup(&self, path: &Path, key: &RestoreKey<'_>) -> Result<(BackupContents, Option<PathBuf>)> {
        self.check_instance()?;
        // No backup on this lock: its rotation could remove the very file being restored.
        self.lock_generation.fetch_add(1, Ordering::SeqCst);
        {
            let mut state = self.state();
            // The vault is replaced: drafts typed since the backup go with it (the
            // therapist was told), and the place may not exist in the backup.
            wipe(std::mem::take(&mut state.unsaved).into_values());
            state.sealed = None;
            state.place = None;
            if let Some(vault) = state.vault.take() {
                let _ = vault.lock(LockReason::User);
            }
        }
        let _gate = self.gate();
        let generation = self.lock_generation.load(Ordering::SeqCst);
        let target = if self.location.exists() || self.location.database_path().exists() {
            RestoreTarget::ReplaceExisting
        } else {
            RestoreTarget::NewVault
        };
        let backup::Restored { vault, contents, safety_copy } =
            backup::restore_backup(path, &self.location, key, target, self.keychain.clone())?;
        self.finish_unlock(vault, generation)?;
        Ok((contents, safety_copy))
    }

    /// Puts the key slots of a backup in place of a lost or damaged vault.keys
    /// (the database stays); unlock afterwards.
    pub fn restore_key_file(&self, path: &Path) -> Result<()> {
        let _gate = self.gate();
        backup::restore_key_file(path, &self.location)
    }

    /// The therapist did something: restart the idle clock.
    pub fn record_activity(&self) {
        self.state().last_activity = Instant::now();
    }

    /// Seconds until the idle lock (None while locked).
    pub fn seconds_until_idle_lock(&self, now: Instant) -> Option<u64> {
        let state = self.state();
        state.vault.as_ref()?;
        let idle = now.saturating_duration_since(state.last_activity);
        // Rounded up: "locking in 10 s" until the tenth second has fully passed.
        Some(state.idle_limit.saturating_sub(idle).as_secs_f64().ceil() as u64)
    }

    /// Locks if the therapist has been idle for the auto-lock time. Returns
    /// whether it locked.
    pub fn lock_if_idle(&self, now: Instant) -> bool {
        self.is_idle_too_long(now) && self.lock(LockReason::Idle)
    }

    /// Whether a vault is open and the therapist has been idle for the auto-lock time.
    pub fn is_idle_too_long(&self, now: Instant) -> bool {
        let state = self.state();
        state.vault.is_some() && now.saturating_duration_since(state.last_activity) >= state.idle_limit
    }

    /// Whether a vault is open.
    pub fn is_unlocked(&self) -> bool {
        self.state().vault.is_some()
    }

    /// Runs `action` on the unlocked vault, or fails with [`Error::Locked`].
    pub fn with_vault<T>(&self, action: impl FnOnce(&mut Vault) -> Result<T>) -> Result<T> {
        let mut state = self.state();
        let vault = state.vault.as_mut().ok_or(Error::Locked)?;
        action(vault)
    }

    /// Sets the auto-lock time and applies it at once.
    pub fn set_auto_lock_minutes(&self, minutes: u32) -> Result<()> {
        let mut state = self.state();
        state.vault.as_mut().ok_or(Error::Locked)?.set_auto_lock_minutes(minutes)?;
        state.idle_limit = self.idle_limit(minutes);
        Ok(())
    }

    /// The newest audit events (ids and kinds only), newest first.
    pub fn recent_activity(&self, limit: u32) -> Result<Vec<AuditEvent>> {
        self.with_vault(|vault| vault.recent_audit_events(limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::MemoryKeychain;

    const PASSPHRASE: &str = "lantern orbit pickle meadow";

    fn session(folder: &Path, keychain: Arc<MemoryKeychain>) -> Session {
        Session::new(VaultLocation::new(folder.join("vault")), keychain, KdfPolicy::fast_for_tests(), None)
    }

    #[test]
    fn onboarding_needs_the_last_group_typed_back_before_it_can_finish() {
        let folder = tempfile::tempdir().expect("temp dir");
        let keychain = Arc::new(MemoryKeychain::new());
        let session = session(folder.path(), keychain.clone());
        let key = session.create(Passphrase::new(PASSPHRASE.to_owned())).expect("created");
        let status = session.status().expect("status");
        assert!(status.unlocked && status.onboarding && !status.device_bound);

        assert!(matches!(session.finish_onboarding(true), Err(Error::RecoveryKitMismatch)));
        assert!(matches!(session.confirm_recovery_kit("0000"), Err(Error::RecoveryKitMismatch)));
        let last_group = key.rsplit('-').next().expect("group").to_lowercase();
        session.confirm_recovery_kit(&last_group).expect("confirmed");
        session.finish_onboarding(true).expect("bound");
        let status = session.status().expect("status");
        assert!(status.device_bound && !status.onboarding);
    }

    #[test]
    fn the_saved_recovery_kit_holds_the_key_and_is_private() {
        let folder = tempfile::tempdir().expect("temp dir");
        let session = session(folder.path(), Arc::new(MemoryKeychain::new()));
        let key = session.create(Passphrase::new(PASSPHRASE.to_owned())).expect("created");
        let path = folder.path().join("Confidant recovery kit.txt");
        session.save_recovery_kit(&path).expect("saved");
        let text = std::fs::read_to_string(&path).expect("kit");
        assert!(text.contains(key.as_str()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
        }
        let missing = session.save_recovery_kit(&folder.path().join("unplugged").join("kit.txt"));
        assert_eq!(missing.expect_err("no such folder").code(), "path_not_found");
    }

    #[test]
    fn locking_drops_the_vault_and_onboarding_and_the_idle_timer_locks() {
        let folder = tempfile::tempdir().expect("temp dir");
        let session = Session::new(
            VaultLocation::new(folder.path().join("vault")),
            Arc::new(MemoryKeychain::new()),
            KdfPolicy::fast_for_tests(),
            Some(Duration::from_secs(30)),
        );
        session.create(Passphrase::new(PASSPHRASE.to_owned())).expect("created");
        let now = Instant::now();
        assert!(!session.lock_if_idle(now + Duration::from_secs(29)));
        assert_eq!(session.seconds_until_idle_lock(now + Duration::from_secs(20)), Some(10));
        assert!(session.lock_if_idle(now + Duration::from_secs(31)));
        let status = session.status().expect("status");
        assert!(!status.unlocked && !status.onboarding);
        assert!(matches!(session.recent_activity(5), Err(Error::Locked)));
        assert!(!session.lock(LockReason::User), "already locked");

        session.unlock(&Passphrase::new(PASSPHRASE.to_owned())).expect("unlocks");
        let kinds: Vec<String> = session.recent_activity(2).expect("events").into_iter().map(|e| e.detail).collect();
        assert!(kinds[1].contains("idle"), "the idle lock is in the audit log: {kinds:?}");
    }

    #[test]
    fn activity_restarts_the_idle_clock() {
        let folder = tempfile::tempdir().expect("temp dir");
        let session = session(folder.path(), Arc::new(MemoryKeychain::new()));
        session.create(Passphrase::new(PASSPHRASE.to_owned())).expect("created");
        session.set_auto_lock_minutes(1).expect("one minute");
        // The therapist last did something 50 s ago: 10 s are left.
        let now = Instant::now();
        session.state().last_activity = now.checked_sub(Duration::from_secs(50)).expect("an instant 50 s ago");
        assert_eq!(session.seconds_until_idle_lock(now), Some(10));
        // A key press now gives her the whole minute again (were it ignored,
        // the vault would lock 10 s from now).
        session.record_activity();
        assert!(!session.lock_if_idle(now + Duration::from_secs(30)), "activity restarted the clock");
        assert!(session.seconds_until_idle_lock(now + Duration::from_secs(30)).is_some_and(|left| left >= 29));
        assert!(session.lock_if_idle(Instant::now() + Duration::from_secs(61)), "and it still runs out");
    }

    fn soap_draft(session: &Session, text: &str) -> (i64, crate::notes::NoteContent) {
        let content = crate::notes::NoteContent {
            kind: crate::notes::NoteKind::Progress,
            template: "soap".to_owned(),
            session_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 2).expect("date"),
            start_time: None,
            duration_minutes: None,
            modality: None,
            service_code: Some("9O834".to_owned()),
            diagnosis_codes: Vec::new(),
            risk: BTreeMap::new(),
            sections: BTreeMap::from([("subjective".to_owned(), text.to_owned())]),
        };
        let note = session
            .with_vault(|vault| {
                let client = vault.add_client(crate::clients::NewClient::default())?;
                vault.create_note(&client.code, content.clone())
            })
            .expect("draft");
        (note.id, content)
    }

    /// The database refuses writes from now on, as a full disk would.
    fn refuse_writes(session: &Session) {
        session
            .with_vault(|vault| Ok(vault.connection().execute_batch("PRAGMA query_only = ON")?))
            .expect("query only");
    }

    fn contains(bytes: &[u8], marker: &str) -> bool {
        bytes.windows(marker.len()).any(|window| window == marker.as_bytes())
    }

    #[test]
    fn a_draft_whose_save_fails_is_kept_sealed_through_the_lock_and_put_back_at_unlock() {
        const MARKER: &str = "Zanzibarquartet";
        let folder = tempfile::tempdir().expect("temp dir");
        let session = session(folder.path(), Arc::new(MemoryKeychain::new()));
        session.create(Passphrase::new(PASSPHRASE.to_owned())).expect("created");
        let (note_id, mut content) = soap_draft(&session, "First words.");
        refuse_writes(&session);
        content.sections.insert("subjective".to_owned(), format!("Typed while the disk was full: {MARKER}."));
        assert!(session.save_draft(note_id, content.clone()).is_err(), "the save fails");
        // (Opening a note needs an audit entry, which a full disk refuses too.)
        let kept = session.state().unsaved.get(&note_id).map(|draft| draft.content.clone());
        assert_eq!(kept.as_ref(), Some(&content), "the session keeps the text typed");

        assert!(session.lock(LockReason::User));
        let sealed = std::fs::read(folder.path().join("vault").join(unsaved::RESCUE_FILE)).expect("sealed file");
        assert!(!contains(&sealed, MARKER), "the sealed file holds no plaintext");
        for entry in std::fs::read_dir(folder.path().join("vault")).expect("folder") {
            let bytes = std::fs::read(entry.expect("entry").path()).unwrap_or_default();
            assert!(!contains(&bytes, MARKER), "no file in the vault folder holds the text in the clear");
        }

        session.unlock(&Passphrase::new(PASSPHRASE.to_owned())).expect("unlocks");
        let (place, rescued) = session.resume().expect("unlocked");
        assert_eq!(rescued.restored_note_ids, [note_id]);
        assert_eq!(place.and_then(|place| place.note_id), Some(note_id), "the unlock returns to that note");
        let (note, unsaved) = session.open_note(note_id).expect("opens");
        assert!(unsaved.is_none(), "nothing waits any more");
        assert_eq!(note.content.sections, content.sections, "the text is back in the database");
        assert_eq!(note.content.service_code.as_deref(), Some("9O834"), "the invalid code too, as typed");
        assert!(!folder.path().join("vault").join(unsaved::RESCUE_FILE).exists(), "the sealed file is gone");
    }

    #[test]
    fn when_even_the_sealed_file_cannot_be_written_the_sealed_copy_waits_in_memory() {
        const MARKER: &str = "Quokkafestival";
        let folder = tempfile::tempdir().expect("temp dir");
        let session = session(folder.path(), Arc::new(MemoryKeychain::new()));
        session.create(Passphrase::new(PASSPHRASE.to_owned())).expect("created");
        let (note_id, mut content) = soap_draft(&session, "Start.");
        refuse_writes(&session);
        content.sections.insert("subjective".to_owned(), MARKER.to_owned());
        let _ = session.save_draft(note_id, content.clone());
        // A folder where the sealed file would go: writing it fails, as on a full disk.
        let blocker = folder.path().join("vault").join(unsaved::RESCUE_FILE);
        std::fs::create_dir(&blocker).expect("blocker");
        std::fs::write(blocker.join("keep"), b"x").expect("non-empty");
        assert!(session.lock(LockReason::Idle));
        assert!(blocker.is_dir(), "nothing could be written");
        std::fs::remove_dir_all(&blocker).expect("space again");

        session.unlock(&Passphrase::new(PASSPHRASE.to_owned())).expect("unlocks");
        assert_eq!(session.resume().expect("unlocked").1.restored_note_ids, [note_id]);
        let (note, _) = session.open_note(note_id).expect("opens");
        assert_eq!(note.content.sections["subjective"], MARKER);
    }

    #[test]
    fn a_note_beyond_the_storage_limit_is_refused_but_its_text_comes_back_to_the_editor() {
        let folder = tempfile::tempdir().expect("temp dir");
        let session = session(folder.path(), Arc::new(MemoryKeychain::new()));
        session.create(Passphrase::new(PASSPHRASE.to_owned())).expect("created");
        let (note_id, mut content) = soap_draft(&session, "Start.");
        content.sections.insert("subjective".to_owned(), "pasted ".repeat(150_000));
        let refused = session.save_draft(note_id, content.clone()).expect_err("too large to store");
        assert!(refused.to_string().contains("split it into two notes"), "{refused}");
        let (saved, unsaved) = session.open_note(note_id).expect("opens");
        assert_eq!(saved.content.sections["subjective"], "Start.");
        assert_eq!(unsaved, Some(content.clone()), "the editor shows what was typed, not the older save");
        content.sections.insert("subjective".to_owned(), "Shortened.".to_owned());
        session.save_draft(note_id, content).expect("saved once shortened");
        assert_eq!(session.open_note(note_id).expect("opens").1, None);
    }

    #[test]
    fn the_unlock_returns_to_the_chart_and_note_that_were_open() {
        let folder = tempfile::tempdir().expect("temp dir");
        let session = session(folder.path(), Arc::new(MemoryKeychain::new()));
        session.create(Passphrase::new(PASSPHRASE.to_owned())).expect("created");
        let (note_id, _) = soap_draft(&session, "Text.");
        let (client, _) = session.open_chart("C-0001").expect("chart");
        session.open_note(note_id).expect("note");
        session.lock(LockReason::User);
        assert!(session.resume().is_none(), "nothing while locked");
        session.unlock(&Passphrase::new(PASSPHRASE.to_owned())).expect("unlocks");
        let (place, rescued) = session.resume().expect("unlocked");
        assert_eq!(place, Some(Place { client_code: client.code, note_id: Some(note_id) }));
        assert_eq!(rescued, RescuedDrafts::default());
        session.with_vault(|vault| vault.delete_draft(note_id)).expect("discarded");
        session.leave_place(true);
        assert_eq!(session.resume().expect("unlocked").0.and_then(|place| place.note_id), None);
    }

    fn unlocked_session_with_backups(folder: &Path) -> (Session, PathBuf) {
        let keychain = Arc::new(MemoryKeychain::new());
        let session = session(folder, keychain);
        let key = session.create(Passphrase::new(PASSPHRASE.to_owned())).expect("created");
        session.confirm_recovery_kit(key.rsplit('-').next().expect("group")).expect("confirmed");
        session.finish_onboarding(false).expect("done");
        let backups = folder.join("backups");
        std::fs::create_dir(&backups).expect("backup folder");
        (session, backups)
    }

    #[test]
    fn backups_are_made_on_lock_and_on_schedule_only_after_changes() {
        let folder = tempfile::tempdir().expect("temp dir");
        let (session, backups) = unlocked_session_with_backups(folder.path());
        assert!(session.back_up_on_schedule(Utc::now()).is_none(), "no folder chosen: nothing to do");
        assert!(matches!(session.back_up_now(), Err(Error::BackupFolderUnavailable { .. })));
        session.set_backup_settings(Some(backups.clone()), RetentionPolicy::default(), 4).expect("settings");
        assert_eq!(session.backup_overview().changes_since_backup, Some(true));

        let first = session.back_up_on_schedule(Utc::now()).expect("due: never backed up").expect("backup");
        assert_eq!(session.backup_overview().changes_since_backup, Some(false));
        assert!(session.back_up_on_schedule(Utc::now()).is_none(), "nothing changed since");

        session.with_vault(|vault| vault.add_client(crate::clients::NewClient::default())).expect("client");
        assert!(session.back_up_on_schedule(Utc::now()).is_none(), "changed, but the interval has not passed");
        let later = Utc::now() + chrono::TimeDelta::hours(5);
        assert!(session.back_up_on_schedule(later).is_some_and(|result| result.is_ok()));

        session.with_vault(|vault| vault.add_client(crate::clients::NewClient::default())).expect("client");
        assert!(session.lock(LockReason::User));
        let overview = session.backup_overview();
        assert_eq!(backup::list_backups(&backups, None).expect("list").len(), 3, "one more on lock");
        assert!(overview.settings.last_failure_code.is_none());
        assert_ne!(overview.settings.last_backup_file.as_deref(), Some(first.info.file_name.as_str()));
    }

    #[test]
    fn a_failed_backup_is_recorded_and_retried_later_while_the_vault_keeps_working() {
        let folder = tempfile::tempdir().expect("temp dir");
        let (session, backups) = unlocked_session_with_backups(folder.path());
        session.set_backup_settings(Some(backups.clone()), RetentionPolicy::default(), 4).expect("settings");
        std::fs::remove_dir(&backups).expect("unplug the drive");
        let now = Utc::now();
        let failed = session.back_up_on_schedule(now).expect("due");
        assert_eq!(failed.expect_err("no folder").code(), "backup_folder_unavailable");
        let overview = session.backup_overview();
        assert_eq!(overview.settings.last_failure_code.as_deref(), Some("backup_folder_unavailable"));
        assert!(session.back_up_on_schedule(now + chrono::TimeDelta::minutes(5)).is_none(), "no retry at once");
        session.with_vault(|vault| vault.add_client(crate::clients::NewClient::default())).expect("still works");
        std::fs::create_dir(&backups).expect("plug it back in");
        let retried = session.back_up_on_schedule(now + chrono::TimeDelta::minutes(16)).expect("retried");
        assert!(retried.is_ok());
        assert!(session.backup_overview().settings.last_failure_code.is_none());
    }

    #[test]
    fn restoring_through_the_session_leaves_the_restored_vault_unlocked() {
        let folder = tempfile::tempdir().expect("temp dir");
        let (session, backups) = unlocked_session_with_backups(folder.path());
        session.set_backup_settings(Some(backups), RetentionPolicy::default(), 4).expect("settings");
        session.back_up_now().expect("backup");
        session.with_vault(|vault| vault.add_client(crate::clients::NewClient::default())).expect("client");
        let newest = session.backups(10).expect("list").remove(0);
        let passphrase = Passphrase::new(PASSPHRASE.to_owned());
        let (contents, safety_copy) =
            session.restore_backup(&newest.path, &RestoreKey::Passphrase(&passphrase)).expect("restored");
        assert_eq!(contents.clients, 0);
        assert!(safety_copy.is_some());
        assert!(session.status().expect("status").unlocked);
        assert_eq!(session.with_vault(|vault| vault.clients()).expect("clients").len(), 0);
        assert!(newest.path.exists(), "the backup restored from is still there");
    }

    #[test]
    fn a_second_app_instance_on_the_same_vault_is_told_so() {
        let folder = tempfile::tempdir().expect("temp dir");
        let first = session(folder.path(), Arc::new(MemoryKeychain::new()));
        first.claim_instance().expect("the first instance claims the folder");
        let second = session(folder.path(), Arc::new(MemoryKeychain::new()));
        assert!(matches!(second.claim_instance(), Err(Error::AppAlreadyRunning)));
        assert!(matches!(second.status(), Err(Error::AppAlreadyRunning)));
        assert!(matches!(second.create(Passphrase::new(PASSPHRASE.to_owned())), Err(Error::AppAlreadyRunning)));
        assert!(first.status().is_ok());
        drop(first);
        let third = session(folder.path(), Arc::new(MemoryKeychain::new()));
        third.claim_instance().expect("free again once the first quits");
    }
}
