//! `record.json` alone, through the vault's import checks (every field rule and
//! signature hash), where most of the parsing logic lives.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = serde_json::from_slice::<confidant_vault::transfer::ExportRecord>(data) {
        let _ = confidant_vault::transfer::check_record(&record);
    }
});
