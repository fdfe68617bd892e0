//! Times loading en_US with the medical and clinical lists, and `misspellings` over a
//! 5,000-word note. Run with `cargo run --release --example timing`.

use std::time::{Duration, Instant};

use confidant_spelling::{SpellChecker, system_dictionary_folders};

const SENTENCES: &[&str] = &[
    "Client reports anhedonia and insomnia; psychoeducation on sleep hygiene provided.",
    "Discussed countertransference in supervision and reviewed the biopsychosocial formulation.",
    "PHQ-9 score 14, GAD-7 9, compared with 17 and 12 at intake on 2024-03-05.",
    "Zoë described catastrophizing about work and rumination at night, with some dysregulation.",
    "Practiced grounding and paced breathing; client’s partner attended the last ten minutes.",
    "Plan: CBT weekly via telehealth, 90837, review safety plan, continue sertraline per psychiatrist.",
    "She was anxeity about the apointment but engaged well with the mentalization exercise.",
    "Self-compassion and trauma-informed pacing were emphasised; co-occurring ADHD was noted.",
    "Denies SI/HI. Affect congruent, thought process linear and goal-directed, insight fair.",
    "Homework: thought record three times a week and a values card sort before next session.",
];

fn main() {
    let folders = system_dictionary_folders();
    let resident_before = resident_memory_bytes();
    let load_started = Instant::now();
    let checker = match SpellChecker::load(&folders, &["en_US".to_owned()]) {
        Ok(checker) => checker,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    };
    let load_time = load_started.elapsed();
    let resident_after = resident_memory_bytes();

    let note = five_thousand_word_note();
    let n_words = note.split_whitespace().count();
    let mut times: Vec<Duration> = Vec::with_capacity(20);
    let mut n_misspellings = 0;
    for _ in 0..20 {
        let started = Instant::now();
        n_misspellings = std::hint::black_box(checker.misspellings(&note)).len();
        times.push(started.elapsed());
    }
    times.sort_unstable();
    let median = (times[9] + times[10]) / 2;

    let suggest_started = Instant::now();
    let suggestions = checker.suggest("anxeity", 5);
    let suggest_time = suggest_started.elapsed();

    println!("{checker:?}");
    println!("load en_US + medical + clinical: {load_time:.1?}");
    if let (Some(before), Some(after)) = (resident_before, resident_after) {
        println!("resident memory added by loading: {:.1} MiB", (after.saturating_sub(before)) as f64 / 1_048_576.0);
    }
    println!(
        "misspellings over {n_words} words / {} UTF-16 units: median {median:.2?} of 20 (min {:.2?}, max {:.2?}), {n_misspellings} found",
        note.encode_utf16().count(),
        times[0],
        times[19]
    );
    println!("suggest(\"anxeity\", 5) = {suggestions:?} in {suggest_time:.1?}");
}

fn five_thousand_word_note() -> String {
    let mut note = String::new();
    let mut n_words = 0;
    for sentence in SENTENCES.iter().cycle() {
        if n_words >= 5_000 {
            break;
        }
        note.push_str(sentence);
        note.push(if n_words % 7 == 0 { '\n' } else { ' ' });
        n_words += sentence.split_whitespace().count();
    }
    note
}

/// Resident set size from /proc/self/statm (Linux), in bytes.
fn resident_memory_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let resident_pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(resident_pages * 4096)
}
