//! The decrypted archive of a transfer file: tar members, manifest, hashes,
//! counts, record shape. Must never panic, hang or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(opened) = confidant_export::transfer::open_archive(data) {
        let _ = confidant_vault::transfer::check_record(&opened.record);
    }
});
