//! The `.confidant` transfer file: an age-encrypted tar archive of exactly four
//! members — `manifest.json` first, then `chart.pdf`, `record.json` and
//! `fhir-bundle.json` — built and read in memory (docs/export-format.md).
//!
//! Reading trusts nothing: the age layer authenticates the bytes, then every
//! member name, type, size and hash is checked against fixed limits and the
//! manifest, and the manifest's counts against the record, before the vault
//! sees anything.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use confidant_vault::notes::NoteKind;
use confidant_vault::transfer::ExportRecord;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The manifest's `format`.
pub const FORMAT: &str = "confidant-transfer";
/// The manifest `version` this build writes and reads.
pub const VERSION: u32 = 1;
/// The scrypt work factor (log2 N) of passphrase-encrypted files: 2^18 → 256 MiB
/// and about a second on a modest laptop, so slower receiving machines still
/// open it. Documented in docs/export-format.md.
pub const SCRYPT_WORK_FACTOR: u8 = 18;
/// The highest scrypt work factor accepted when opening (1 GiB).
pub const MAX_SCRYPT_WORK_FACTOR: u8 = 20;
/// Largest transfer file accepted, encrypted.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
/// Words in a generated passphrase (BIP-39 list: 11 bits each, 77 bits in all).
pub const PASSPHRASE_WORDS: usize = 7;

/// The members, in archive order, with the largest size each may have.
pub const MEMBERS: [(&str, u64); 4] = [
    ("manifest.json", 1024 * 1024),
    ("chart.pdf", 256 * 1024 * 1024),
    ("record.json", 128 * 1024 * 1024),
    ("fhir-bundle.json", 256 * 1024 * 1024),
];

/// Everything that can be wrong with a transfer file; each has its own code and
/// message. Messages never hold record text.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// Not an age file at all.
    #[error("this is not a Confidant transfer file (it is not age-encrypted)")]
    NotATransferFile,
    /// The passphrase does not open it.
    #[error("the passphrase does not open this file; check it with the sender (it was sent separately)")]
    WrongPassphrase,
    /// Encrypted to someone else's key.
    #[error(
        "this file was encrypted for another recipient's key, not this vault's; ask the sender to use your public key"
    )]
    NotForThisVault,
    /// A passphrase file was opened with a key, or the reverse.
    #[error("this file is protected by {expected}; open it that way")]
    WrongUnlockMethod {
        /// "a passphrase" or "a recipient key".
        expected: &'static str,
    },
    /// The scrypt work factor is beyond what we accept.
    #[error("this file asks for too much work to open (scrypt 2^{required}); ask the sender to export it again")]
    ExcessiveWork {
        /// The file's work factor.
        required: u8,
    },
    /// Truncated or altered after encryption.
    #[error("this file is damaged or incomplete (it fails its integrity check); ask for a new copy")]
    Damaged,
    /// Larger than the documented limits.
    #[error("{what} is larger than the {limit_mib} MiB a transfer file may hold")]
    TooLarge {
        /// Which part.
        what: String,
        /// The limit.
        limit_mib: u64,
    },
    /// A member name with a path, or one the format does not have.
    #[error(
        "the archive holds an unexpected member {name:?}; only manifest.json, chart.pdf, record.json and fhir-bundle.json are allowed"
    )]
    UnexpectedMember {
        /// The name, escaped (names are not record text).
        name: String,
    },
    /// The same member twice.
    #[error("the archive holds {name} twice")]
    DuplicateMember {
        /// The member.
        name: String,
    },
    /// A member is missing.
    #[error("the archive has no {name}")]
    MissingMember {
        /// The member.
        name: &'static str,
    },
    /// Links, devices or directories instead of plain files.
    #[error("the archive member {name} is not a plain file")]
    NotAFile {
        /// The member.
        name: String,
    },
    /// The archive structure itself is broken.
    #[error("the archive inside the file is malformed")]
    MalformedArchive,
    /// The manifest is not valid JSON of the expected shape.
    #[error("manifest.json is malformed")]
    MalformedManifest,
    /// The manifest is from a newer (or unknown) format.
    #[error("this file is format version {version}; this Confidant reads version {VERSION} — update Confidant")]
    UnknownVersion {
        /// The file's version.
        version: u32,
    },
    /// A member's hash or size differs from the manifest.
    #[error("{name} does not match the manifest's hash; the file was altered")]
    MemberMismatch {
        /// The member.
        name: String,
    },
    /// The manifest's counts differ from the record.
    #[error("the manifest says {claimed} {what} but the record holds {found}; the file was altered")]
    CountMismatch {
        /// What was counted.
        what: &'static str,
        /// The manifest's number.
        claimed: u64,
        /// The record's number.
        found: u64,
    },
    /// record.json is not a record of the expected shape.
    #[error("record.json is malformed")]
    MalformedRecord,
    /// Not a recipient key.
    #[error("that is not an age public key (it starts with age1…)")]
    BadRecipient,
    /// The OS gave no random numbers.
    #[error("the system's random number generator is unavailable")]
    RandomnessUnavailable,
    /// Building the file failed.
    #[error("the transfer file could not be built")]
    Build,
}

impl TransferError {
    /// A stable, machine-readable name (UI messages and CLI JSON match on it).
    pub fn code(&self) -> &'static str {
        match self {
            TransferError::NotATransferFile => "transfer_not_age",
            TransferError::WrongPassphrase => "transfer_wrong_passphrase",
            TransferError::NotForThisVault => "transfer_not_for_this_vault",
            TransferError::WrongUnlockMethod { .. } => "transfer_wrong_unlock_method",
            TransferError::ExcessiveWork { .. } => "transfer_excessive_work",
            TransferError::Damaged => "transfer_damaged",
            TransferError::TooLarge { .. } => "transfer_too_large",
            TransferError::UnexpectedMember { .. } => "transfer_unexpected_member",
            TransferError::DuplicateMember { .. } => "transfer_duplicate_member",
            TransferError::MissingMember { .. } => "transfer_missing_member",
            TransferError::NotAFile { .. } => "transfer_not_a_file",
            TransferError::MalformedArchive => "transfer_malformed_archive",
            TransferError::MalformedManifest => "transfer_malformed_manifest",
            TransferError::UnknownVersion { .. } => "transfer_unknown_version",
            TransferError::MemberMismatch { .. } => "transfer_member_mismatch",
            TransferError::CountMismatch { .. } => "transfer_count_mismatch",
            TransferError::MalformedRecord => "transfer_malformed_record",
            TransferError::BadRecipient => "transfer_bad_recipient",
            TransferError::RandomnessUnavailable => "randomness_unavailable",
            TransferError::Build => "internal",
        }
    }
}

/// Counts the manifest states, checked against the record on import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    /// All notes.
    pub notes: u64,
    /// Signed notes.
    pub signed_notes: u64,
    /// Drafts.
    pub drafts: u64,
    /// Psychotherapy notes.
    pub psychotherapy_notes: u64,
    /// Addenda.
    pub addenda: u64,
    /// Consents.
    pub consents: u64,
    /// Disclosures.
    pub disclosures: u64,
}

impl Counts {
    fn of(record: &ExportRecord) -> Self {
        let signed = record.notes.iter().filter(|note| note.signature.is_some()).count() as u64;
        Counts {
            notes: record.notes.len() as u64,
            signed_notes: signed,
            drafts: record.notes.len() as u64 - signed,
            psychotherapy_notes: record.notes.iter().filter(|note| note.content.kind == NoteKind::Psychotherapy).count()
                as u64,
            addenda: record.notes.iter().map(|note| note.addenda.len() as u64).sum(),
            consents: record.consents.len() as u64,
            disclosures: record.disclosures.len() as u64,
        }
    }
}

/// One member as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestMember {
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// When (RFC 3339, UTC).
    pub exported_at: String,
    /// Confidant version.
    pub app_version: String,
    /// The client's code.
    pub client_code: String,
    /// What the record holds.
    pub counts: Counts,
    /// The other three members.
    pub members: Vec<ManifestMember>,
}

/// How the file is encrypted.
#[derive(Debug)]
pub enum Protection<'a> {
    /// A passphrase (scrypt, work factor [`SCRYPT_WORK_FACTOR`]).
    Passphrase(&'a str),
    /// A recipient's age X25519 public key (`age1…`).
    Recipient(&'a str),
}

/// How to open a file.
#[derive(Debug)]
pub enum Unlock<'a> {
    /// The passphrase it was sent with.
    Passphrase(&'a str),
    /// This vault's age identity (`AGE-SECRET-KEY-1…`).
    Identity(&'a str),
}

/// A transfer file, opened and checked.
#[derive(Debug)]
pub struct Opened {
    /// The manifest.
    pub manifest: Manifest,
    /// The structured record (not yet checked by the vault: use `preview_import`).
    pub record: ExportRecord,
    /// The chart PDF.
    pub chart_pdf: Zeroizing<Vec<u8>>,
    /// The FHIR bundle.
    pub fhir_bundle: Zeroizing<Vec<u8>>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Checks a recipient's public key (`age1…`).
pub fn parse_recipient(text: &str) -> Result<age::x25519::Recipient, TransferError> {
    age::x25519::Recipient::from_str(text.trim()).map_err(|_| TransferError::BadRecipient)
}

/// A new age identity for a vault: (secret `AGE-SECRET-KEY-1…`, public `age1…`).
pub fn new_identity() -> (Zeroizing<String>, String) {
    let identity = age::x25519::Identity::generate();
    let public = identity.to_public().to_string();
    (Zeroizing::new(identity.to_string().expose_secret().to_owned()), public)
}

/// The public key (`age1…`) of a stored identity.
pub fn public_key(identity: &str) -> Result<String, TransferError> {
    let identity = age::x25519::Identity::from_str(identity).map_err(|_| TransferError::Build)?;
    Ok(identity.to_public().to_string())
}

/// A passphrase of [`PASSPHRASE_WORDS`] random words to send by another channel.
pub fn generate_passphrase() -> Result<Zeroizing<String>, TransferError> {
    let words = bip39::Language::English.word_list();
    let mut random = Zeroizing::new([0u8; 2 * PASSPHRASE_WORDS]);
    getrandom::fill(random.as_mut_slice()).map_err(|_| TransferError::RandomnessUnavailable)?;
    let mut passphrase = Zeroizing::new(String::with_capacity(PASSPHRASE_WORDS * 9));
    for pair in random.chunks_exact(2) {
        if !passphrase.is_empty() {
            passphrase.push(' ');
        }
        // 2048 words = 11 bits: unbiased.
        passphrase.push_str(words[usize::from(u16::from_le_bytes([pair[0], pair[1]]) & 0x07ff)]);
    }
    Ok(passphrase)
}

/// Builds the encrypted transfer file from its parts, in memory.
pub fn seal(
    record: &ExportRecord,
    chart_pdf: &[u8],
    fhir_bundle: &[u8],
    protection: &Protection<'_>,
) -> Result<Vec<u8>, TransferError> {
    let record_json = Zeroizing::new(serde_json::to_vec_pretty(record).map_err(|_| TransferError::Build)?);
    let members: [(&str, &[u8]); 3] =
        [("chart.pdf", chart_pdf), ("record.json", &record_json), ("fhir-bundle.json", fhir_bundle)];
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        version: VERSION,
        exported_at: record.exported_at.clone(),
        app_version: record.app_version.clone(),
        client_code: record.client.code.clone(),
        counts: Counts::of(record),
        members: members
            .iter()
            .map(|(name, bytes)| ManifestMember {
                name: (*name).to_owned(),
                size: bytes.len() as u64,
                sha256: sha256_hex(bytes),
            })
            .collect(),
    };
    let manifest_json = serde_json::to_vec_pretty(&manifest).map_err(|_| TransferError::Build)?;
    let mut all: Vec<(&str, &[u8])> = vec![("manifest.json", manifest_json.as_slice())];
    all.extend(members);
    let archive = Zeroizing::new(tar_members(&all)?);
    encrypt(&archive, protection)
}

/// The members as a tar archive (ustar, regular files, mode 0600, fixed mtime).
pub fn tar_members(members: &[(&str, &[u8])]) -> Result<Vec<u8>, TransferError> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, bytes) in members {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut header, name, *bytes).map_err(|_| TransferError::Build)?;
    }
    builder.into_inner().map_err(|_| TransferError::Build)
}

/// Encrypts `plaintext` with age.
pub fn encrypt(plaintext: &[u8], protection: &Protection<'_>) -> Result<Vec<u8>, TransferError> {
    let encryptor = match protection {
        Protection::Passphrase(passphrase) => {
            let mut recipient = age::scrypt::Recipient::new(SecretString::from((*passphrase).to_owned()));
            recipient.set_work_factor(SCRYPT_WORK_FACTOR);
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
        }
        Protection::Recipient(key) => {
            let recipient = parse_recipient(key)?;
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
        }
    }
    .map_err(|_| TransferError::Build)?;
    let mut output = Vec::with_capacity(plaintext.len() + plaintext.len() / 64 + 512);
    let mut writer = encryptor.wrap_output(&mut output).map_err(|_| TransferError::Build)?;
    writer.write_all(plaintext).map_err(|_| TransferError::Build)?;
    writer.finish().map_err(|_| TransferError::Build)?;
    Ok(output)
}

/// Decrypts a transfer file's bytes (at most [`MAX_FILE_BYTES`]).
pub fn decrypt(file: &[u8], unlock: &Unlock<'_>) -> Result<Zeroizing<Vec<u8>>, TransferError> {
    if file.len() as u64 > MAX_FILE_BYTES {
        return Err(TransferError::TooLarge { what: "the file".to_owned(), limit_mib: MAX_FILE_BYTES >> 20 });
    }
    if !file.starts_with(b"age-encryption.org/") {
        return Err(TransferError::NotATransferFile);
    }
    let decryptor = age::Decryptor::new_buffered(file).map_err(|error| match error {
        age::DecryptError::Io(_) | age::DecryptError::InvalidMac => TransferError::Damaged,
        _ => TransferError::NotATransferFile,
    })?;
    let is_scrypt = decryptor.is_scrypt();
    let reader = match unlock {
        Unlock::Passphrase(passphrase) => {
            if !is_scrypt {
                return Err(TransferError::WrongUnlockMethod { expected: "a recipient key (this vault's identity)" });
            }
            let mut identity = age::scrypt::Identity::new(SecretString::from((*passphrase).to_owned()));
            identity.set_max_work_factor(MAX_SCRYPT_WORK_FACTOR);
            decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity)).map_err(|error| match error {
                age::DecryptError::ExcessiveWork { required, .. } => TransferError::ExcessiveWork { required },
                age::DecryptError::DecryptionFailed | age::DecryptError::KeyDecryptionFailed => {
                    TransferError::WrongPassphrase
                }
                age::DecryptError::NoMatchingKeys => TransferError::WrongPassphrase,
                age::DecryptError::InvalidMac => TransferError::Damaged,
                _ => TransferError::Damaged,
            })?
        }
        Unlock::Identity(secret) => {
            if is_scrypt {
                return Err(TransferError::WrongUnlockMethod { expected: "a passphrase" });
            }
            let identity = age::x25519::Identity::from_str(secret).map_err(|_| TransferError::Build)?;
            decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity)).map_err(|error| match error {
                age::DecryptError::NoMatchingKeys => TransferError::NotForThisVault,
                _ => TransferError::Damaged,
            })?
        }
    };
    let mut plaintext = Zeroizing::new(Vec::new());
    // Never more than the largest possible archive, however the payload claims.
    let limit = MEMBERS.iter().map(|(_, limit)| limit + 512).sum::<u64>() + 2048;
    reader.take(limit + 1).read_to_end(&mut plaintext).map_err(|_| TransferError::Damaged)?;
    if plaintext.len() as u64 > limit {
        return Err(TransferError::TooLarge { what: "the archive".to_owned(), limit_mib: limit >> 20 });
    }
    Ok(plaintext)
}

/// Reads the archive's members, refusing anything but the four known plain
/// files, each at most once and within its size limit.
pub fn read_members(archive: &[u8]) -> Result<BTreeMap<&'static str, Zeroizing<Vec<u8>>>, TransferError> {
    let mut members = BTreeMap::new();
    let mut reader = tar::Archive::new(archive);
    let entries = reader.entries().map_err(|_| TransferError::MalformedArchive)?;
    for entry in entries {
        let mut entry = entry.map_err(|_| TransferError::MalformedArchive)?;
        let raw_name = entry.path_bytes().into_owned();
        let name_text = String::from_utf8_lossy(&raw_name).into_owned();
        let Some(&(name, limit)) = MEMBERS.iter().find(|(known, _)| known.as_bytes() == raw_name.as_slice()) else {
            return Err(TransferError::UnexpectedMember { name: name_text.chars().take(120).collect() });
        };
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Err(TransferError::NotAFile { name: name.to_owned() });
        }
        if members.contains_key(name) {
            return Err(TransferError::DuplicateMember { name: name.to_owned() });
        }
        let size = entry.header().size().map_err(|_| TransferError::MalformedArchive)?;
        if size > limit {
            return Err(TransferError::TooLarge { what: name.to_owned(), limit_mib: limit >> 20 });
        }
        let mut bytes = Zeroizing::new(Vec::with_capacity(usize::try_from(size).unwrap_or(0)));
        (&mut entry).take(limit + 1).read_to_end(&mut bytes).map_err(|_| TransferError::MalformedArchive)?;
        if bytes.len() as u64 != size {
            return Err(TransferError::MalformedArchive);
        }
        members.insert(name, bytes);
    }
    Ok(members)
}

/// Opens a transfer file: decrypts, reads the members, checks every hash and
/// size against the manifest and the manifest's counts against the record.
pub fn open(file: &[u8], unlock: &Unlock<'_>) -> Result<Opened, TransferError> {
    let archive = match decrypt(file, unlock) {
        // A passphrase read out over the phone and typed with a double or a
        // trailing space is still the passphrase: the words are what count.
        Err(TransferError::WrongPassphrase) => match unlock {
            Unlock::Passphrase(typed) => {
                let words = typed.split_whitespace().collect::<Vec<_>>().join(" ");
                if words == *typed {
                    return Err(TransferError::WrongPassphrase);
                }
                decrypt(file, &Unlock::Passphrase(&words))?
            }
            Unlock::Identity(_) => return Err(TransferError::WrongPassphrase),
        },
        other => other?,
    };
    open_archive(&archive)
}

/// How a transfer file opens, read from its header: with the passphrase the
/// sender gave, or with this vault's own key. Decrypts nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnlockMethod {
    /// A passphrase (age scrypt).
    Passphrase,
    /// A recipient key: this vault's identity, if the sender used its public key.
    Identity,
}

/// The unlock method a transfer file asks for.
pub fn unlock_method(file: &[u8]) -> Result<UnlockMethod, TransferError> {
    if !file.starts_with(b"age-encryption.org/") {
        return Err(TransferError::NotATransferFile);
    }
    let decryptor = age::Decryptor::new_buffered(file).map_err(|_| TransferError::Damaged)?;
    Ok(if decryptor.is_scrypt() { UnlockMethod::Passphrase } else { UnlockMethod::Identity })
}

/// Everything [`open`] checks after decryption: members, manifest, hashes,
/// counts and the record's shape. The fuzz target drives this directly.
pub fn open_archive(archive: &[u8]) -> Result<Opened, TransferError> {
    let mut members = read_members(archive)?;
    let manifest_bytes =
        members.remove("manifest.json").ok_or(TransferError::MissingMember { name: "manifest.json" })?;
    // Version first, so a newer file says "update" rather than "malformed".
    let version = serde_json::from_slice::<serde_json::Value>(&manifest_bytes)
        .map_err(|_| TransferError::MalformedManifest)?
        .get("version")
        .and_then(serde_json::Value::as_u64)
        .ok_or(TransferError::MalformedManifest)?;
    if version != u64::from(VERSION) {
        return Err(TransferError::UnknownVersion { version: u32::try_from(version).unwrap_or(u32::MAX) });
    }
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes).map_err(|_| TransferError::MalformedManifest)?;
    if manifest.format != FORMAT {
        return Err(TransferError::MalformedManifest);
    }
    for (name, _) in &MEMBERS[1..] {
        let bytes = members.get(name).ok_or(TransferError::MissingMember { name })?;
        let listed = manifest.members.iter().filter(|member| member.name == *name).collect::<Vec<_>>();
        let [listed] = listed.as_slice() else {
            return Err(TransferError::MemberMismatch { name: (*name).to_owned() });
        };
        if listed.size != bytes.len() as u64 || listed.sha256 != sha256_hex(bytes) {
            return Err(TransferError::MemberMismatch { name: (*name).to_owned() });
        }
    }
    if manifest.members.len() != MEMBERS.len() - 1 {
        return Err(TransferError::MalformedManifest);
    }
    let record: ExportRecord =
        serde_json::from_slice(&members["record.json"]).map_err(|_| TransferError::MalformedRecord)?;
    let found = Counts::of(&record);
    let claimed = &manifest.counts;
    for (what, claimed, found) in [
        ("notes", claimed.notes, found.notes),
        ("signed notes", claimed.signed_notes, found.signed_notes),
        ("drafts", claimed.drafts, found.drafts),
        ("psychotherapy notes", claimed.psychotherapy_notes, found.psychotherapy_notes),
        ("addenda", claimed.addenda, found.addenda),
        ("consents", claimed.consents, found.consents),
        ("disclosures", claimed.disclosures, found.disclosures),
    ] {
        if claimed != found {
            return Err(TransferError::CountMismatch { what, claimed, found });
        }
    }
    // The manifest repeats the record's identity: every field must agree.
    if manifest.client_code != record.client.code
        || manifest.exported_at != record.exported_at
        || manifest.app_version != record.app_version
    {
        return Err(TransferError::MemberMismatch { name: "record.json".to_owned() });
    }
    Ok(Opened {
        manifest,
        record,
        chart_pdf: members.remove("chart.pdf").unwrap_or_default(),
        fhir_bundle: members.remove("fhir-bundle.json").unwrap_or_default(),
    })
}
