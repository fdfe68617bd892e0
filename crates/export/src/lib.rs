//! The file a therapist hands to another clinician: one client's record as an
//! age-encrypted archive of `manifest.json`, `chart.pdf`, `record.json` and
//! `fhir-bundle.json` (docs/export-format.md). Everything is built and read in
//! memory; no plaintext ever reaches a temporary file.
//!
//! Knows nothing of Tauri or the UI; works on [`ExportRecord`]s the vault builds
//! and imports.
#![forbid(unsafe_code)]

pub use confidant_vault::transfer::ExportRecord;

mod fallback;
pub mod fhir;
pub mod files;
pub mod pdf;
pub mod transfer;
pub mod wording;

#[cfg(feature = "fixtures")]
pub mod fixtures;
