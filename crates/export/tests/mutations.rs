//! The importer's parsing on a stable toolchain: thousands of deterministic
//! mutations of a valid archive (bit flips, truncations, inserted and deleted
//! bytes, swapped blocks) never panic and never pass with altered content.
//! `fuzz/` runs the same entry point under libFuzzer (docs/development.md).

use confidant_export::fixtures::sample_record;
use confidant_export::transfer::{self, open_archive};

/// A small, fast, deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

fn valid_archive() -> Vec<u8> {
    let record = sample_record(3);
    let record_json = serde_json::to_vec_pretty(&record).expect("json");
    let chart = b"%PDF-1.7 stand-in".to_vec();
    let bundle = b"{\"resourceType\":\"Bundle\"}".to_vec();
    // Reuse the real sealing path, then decrypt, to get the exact archive bytes.
    let sealed = transfer::seal(&record, &chart, &bundle, &transfer::Protection::Passphrase("correct horse battery"))
        .expect("seal");
    let archive = transfer::decrypt(&sealed, &transfer::Unlock::Passphrase("correct horse battery")).expect("decrypt");
    assert!(open_archive(&archive).is_ok());
    assert!(record_json.len() > 1000);
    archive.to_vec()
}

#[test]
fn mutated_archives_are_refused_cleanly_and_never_accepted_altered() {
    let original = valid_archive();
    // `CONFIDANT_FUZZ_SEED=fuzz/seeds/open_archive/valid.tar` refreshes the fuzz seed.
    if let Some(path) = std::env::var_os("CONFIDANT_FUZZ_SEED") {
        std::fs::write(path, &original).expect("seed written");
    }
    let mut rng = Rng(0x00C0_FFEE_D00D_F00D);
    let (mut refused, mut accepted) = (0, 0);
    for _ in 0..3_000 {
        let mut bytes = original.clone();
        for _ in 0..1 + rng.below(4) {
            match rng.below(5) {
                0 => {
                    let at = rng.below(bytes.len());
                    bytes[at] ^= 1 << rng.below(8);
                }
                1 => bytes.truncate(rng.below(bytes.len())),
                2 => {
                    let at = rng.below(bytes.len());
                    bytes.insert(at, rng.next() as u8);
                }
                3 if !bytes.is_empty() => {
                    let at = rng.below(bytes.len());
                    bytes.remove(at);
                }
                _ => {
                    let (a, b) = (rng.below(bytes.len() / 512) * 512, rng.below(bytes.len() / 512) * 512);
                    if a + 512 <= bytes.len() && b + 512 <= bytes.len() && a != b {
                        let block: Vec<u8> = bytes[a..a + 512].to_vec();
                        bytes.copy_within(b..b + 512, a);
                        bytes[b..b + 512].copy_from_slice(&block);
                    }
                }
            }
        }
        match open_archive(&bytes) {
            Err(_) => refused += 1,
            Ok(opened) => {
                // Only mutations that touched no content (tar padding, unused header
                // bytes) may pass — and then the content is exactly the original.
                let again = open_archive(&original).expect("original");
                assert_eq!(opened.record, again.record, "an altered record was accepted");
                assert_eq!(opened.manifest, again.manifest);
                accepted += 1;
            }
        }
    }
    assert!(refused > 2_000, "most mutations are refused ({refused} refused, {accepted} harmless)");
}
