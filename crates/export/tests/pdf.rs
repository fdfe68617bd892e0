//! The chart PDF as a reader sees it: its text extracted by poppler's `pdftotext`
//! (bytes piped through stdin, never a file), its pages counted by `pdfinfo`.
//! poppler-utils is installed by scripts/install-system-deps.sh.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

use confidant_export::fixtures::sample_record;
use confidant_export::pdf::{PdfError, chart_pdf, note_pdf};

/// Runs a poppler tool on `pdf` given on stdin and returns what it printed.
fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{tool} not runnable ({error}); run scripts/install-system-deps.sh"));
    let mut stdin = child.stdin.take().expect("stdin");
    let bytes = pdf.to_vec();
    // Write from a thread: the tool may fill its stdout pipe before it has read all input.
    let writer = std::thread::spawn(move || stdin.write_all(&bytes));
    let output = child.wait_with_output().expect("tool output");
    writer.join().expect("writer thread").expect("write the PDF to the tool");
    assert!(output.status.success(), "{tool} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8 output")
}

fn text_of(pdf: &[u8]) -> String {
    poppler("pdftotext", &["-enc", "UTF-8", "-", "-"], pdf)
}

fn page_count(pdf: &[u8]) -> usize {
    let info = poppler("pdfinfo", &["-"], pdf);
    let line = info.lines().find(|line| line.starts_with("Pages:")).expect("a Pages: line");
    line["Pages:".len()..].trim().parse().expect("a page count")
}

#[test]
fn the_chart_reads_back_with_its_text_hashes_pages_consents_and_disclosures() {
    let record = sample_record(5);
    let rendered = chart_pdf(&record).expect("chart");
    assert!(rendered.unprintable.is_empty(), "Latin with accents, dashes and × all print");
    let pdf = rendered.bytes;
    assert!(pdf.starts_with(b"%PDF-"));
    let text = text_of(&pdf);

    assert!(text.contains("Clinical record — C-0007"), "title missing:\n{text}");
    assert!(text.contains("Zoë Müller-O'Brien"), "client name with accents missing");
    assert!(text.contains("Zoë (she/her) says \"work is calmer\"; café shifts now 3×/week."), "note text missing");
    assert!(text.contains("<script>alert(1)</script>"), "markup-looking text must print as text");
    assert!(text.contains("Sleep 6–7 hours"), "en dash missing");
    assert!(text.contains("2025-01-06 · SOAP · Progress note"), "note heading missing");
    for heading in ["Subjective", "Objective", "Assessment", "Plan", "Risk screening"] {
        assert!(text.contains(heading), "section {heading} missing");
    }
    assert!(text.contains("Suicidal ideation"), "risk finding missing");
    assert!(text.contains("F41.1") && text.contains("Z63.0"), "diagnoses missing");

    // Every signature with its full hash, and the draft marked as such.
    assert!(text.contains("Signed by Dana Reyes, PsyD, Licensed Psychologist, at 2025-01-06 15:00 UTC"));
    for note in record.notes.iter().filter_map(|note| note.signature.as_ref()) {
        assert!(text.contains(&format!("SHA-256 {}", note.content_hash)), "hash {} missing", note.content_hash);
    }
    assert!(text.contains("DRAFT — not signed"));
    assert_eq!(text.matches("DRAFT — not signed").count(), 1, "only the one draft is marked");

    // Addendum, consents, disclosure.
    assert!(text.contains("Session length was 45 minutes, not 50."), "addendum text missing");
    assert!(text.contains(&format!("SHA-256 {}", "ab".repeat(32))), "addendum hash missing");
    assert!(text.contains("Release of information · form ROI-3"), "consent missing");
    assert!(text.contains("Dr. Sam Lee, Riverside Counselling"), "consent recipient missing");
    assert!(text.contains("2026-11-23 · Dr. Sam Lee"), "disclosure missing");
    assert!(text.contains("Transfer of care: the full record"), "disclosure description missing");

    // Running header and footer on every page.
    let n_pages = page_count(&pdf);
    assert!(n_pages >= 2, "five notes take more than one page, got {n_pages}");
    assert_eq!(text.matches("Confidential — contains protected health information").count(), n_pages);
    for page in 1..=n_pages {
        assert!(text.contains(&format!("Page {page} of {n_pages}")), "page {page} footer missing");
    }
}

#[test]
fn nothing_runs_off_the_page_and_a_word_wider_than_the_line_is_broken() {
    let mut record = sample_record(2);
    let word = "Pneumonoultramicroscopicsilicovolcanoconiosis".repeat(4);
    let url = format!("https://example.org/{}", "very-long-path/".repeat(12));
    let sections = &mut record.notes[0].content.sections;
    sections.insert("plan".to_owned(), format!("Refer: {word} then {url} and\ttabs\r\nand CRLF."));
    // Scripts Inter does not cover must not fail the export.
    sections.insert("objective".to_owned(), "Smiled 🙂; wrote שלום and 你好 and Ελληνικά, Русский.".to_owned());
    record.notes[0].addenda[0].reason = "A reason that itself goes on and on. ".repeat(8);
    record.consents[1].recipient = Some(word.clone());
    let rendered = chart_pdf(&record).expect("chart");
    // ... but what no font here can draw is reported, once each, in order. Hebrew
    // always (right to left: never from a fallback font); Chinese and the emoji
    // unless this computer has an outline font for them (machines differ); Greek
    // and Cyrillic are in Inter.
    assert!("שלום".chars().all(|letter| rendered.unprintable.contains(&letter)), "{:?}", rendered.unprintable);
    assert!(
        rendered.unprintable.iter().all(|character| "🙂שלום你好".contains(*character)),
        "{:?}",
        rendered.unprintable
    );
    let hebrew: Vec<char> = rendered.unprintable.iter().copied().filter(|c| "שלום".contains(*c)).collect();
    assert_eq!(hebrew, ['ש', 'ל', 'ו', 'ם'], "in order of first appearance, once each");
    let pdf = rendered.bytes;

    // Every word's box lies between the 2 cm margins of a 612 pt wide page.
    let n_words = assert_inside_margins(&pdf);
    assert!(n_words > 300, "only {n_words} words found");

    // The long word is split across lines but every letter is there, in order.
    let text = text_of(&pdf);
    assert!(!text.contains(&word), "a word wider than the line cannot be on one line");
    let joined: String = text.split('\n').collect();
    assert!(joined.contains(&word), "every letter of the long word is printed");
    assert!(joined.contains(&url), "the long address is printed whole");
    assert!(text.contains("tabs"), "tab-separated text is kept");
}

/// Whether fontconfig knows an installed font with `character` (`fc-list`).
fn installed_font_has(character: char) -> bool {
    let output = Command::new("fc-list")
        .arg(format!(":charset={:x}", u32::from(character)))
        .arg("file")
        .output()
        .expect("fc-list runs (fontconfig; scripts/install-system-deps.sh)");
    !output.stdout.is_empty()
}

/// Every word of `text` (from `pdftotext -bbox`) lies between the 2 cm margins.
fn assert_inside_margins(pdf: &[u8]) -> usize {
    let boxes = poppler("pdftotext", &["-bbox", "-enc", "UTF-8", "-", "-"], pdf);
    let mut n_words = 0;
    for line in boxes.lines().filter(|line| line.trim_start().starts_with("<word ")) {
        let coordinate = |name: &str| -> f32 {
            let start = line.find(&format!("{name}=\"")).expect("coordinate") + name.len() + 2;
            line[start..].split('"').next().expect("value").parse().expect("number")
        };
        assert!(coordinate("xMin") >= 56.0 && coordinate("xMax") <= 612.0 - 56.0, "off the page: {line}");
        n_words += 1;
    }
    n_words
}

#[test]
fn letters_inter_lacks_print_in_an_installed_font() {
    // DejaVu (installed with fontconfig everywhere Confidant builds) has Georgian
    // and Armenian; Inter has neither.
    assert!(installed_font_has('ნ'), "fonts-dejavu-core is missing: run scripts/install-system-deps.sh");
    let mut record = sample_record(1);
    record.client.name = Some("ნინო Beridze · Անի".to_owned());
    record.notes[0].content.sections.insert("subjective".to_owned(), "Ani (Անի) said: «ნინო is my sister».".to_owned());
    let rendered = chart_pdf(&record).expect("chart");
    assert!(rendered.unprintable.is_empty(), "unprintable: {:?}", rendered.unprintable);
    let text = text_of(&rendered.bytes);
    assert!(text.contains("ნინო Beridze · Անի"), "name missing:\n{text}");
    assert!(text.contains("Ani (Անի) said: «ნინო is my sister»."), "note text missing:\n{text}");
    let fonts = poppler("pdffonts", &["-"], &rendered.bytes);
    assert!(fonts.contains("Inter") && fonts.contains("DejaVu"), "both fonts embedded:\n{fonts}");
    // The same record still gives the same bytes with a fallback font in it.
    assert_eq!(chart_pdf(&record).expect("again").bytes, rendered.bytes);

    // A long paragraph mixing both fonts wraps inside the margins, every word kept,
    // including lines that start and end inside Georgian or Armenian words.
    let words: Vec<String> = (0..120)
        .map(|index| ["ნინო", "Beridze", "Անի", "საქართველო", "sleep", "Հայաստան"][index % 6].to_owned())
        .collect();
    record.notes[0].content.sections.insert("objective".to_owned(), words.join(" "));
    let rendered = chart_pdf(&record).expect("chart");
    assert!(rendered.unprintable.is_empty(), "unprintable: {:?}", rendered.unprintable);
    assert!(assert_inside_margins(&rendered.bytes) > 120, "the paragraph's words are on the page");
    let text: String = text_of(&rendered.bytes).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains(&words.join(" ")), "every word, in order:\n{text}");
}

#[test]
fn five_hundred_notes_render_on_a_sane_number_of_pages() {
    let record = sample_record(500);
    let started = Instant::now();
    let pdf = chart_pdf(&record).expect("chart").bytes;
    let elapsed = started.elapsed();
    let n_pages = page_count(&pdf);
    // About half a page per note: well above one note per page would mean broken
    // pagination, far below would mean text went missing.
    assert!((150..=500).contains(&n_pages), "{n_pages} pages for 500 notes");
    let text = text_of(&pdf);
    assert!(text.contains(&format!("Page {n_pages} of {n_pages}")));
    assert!(text.contains("Session 500."), "the last signed note is there");
    eprintln!("500 notes: {n_pages} pages, {} KiB, {elapsed:?} (debug-or-release as built)", pdf.len() / 1024);
}

#[test]
fn one_note_prints_alone() {
    let record = sample_record(5);
    let pdf = note_pdf(&record, 0).expect("note").bytes;
    let text = text_of(&pdf);
    assert!(text.contains("Clinical note — C-0007"));
    assert!(text.contains("2025-01-06 · SOAP · Progress note"));
    assert!(text.contains("Zoë (she/her)"));
    assert!(text.contains("Session length was 45 minutes, not 50."), "its addendum comes with it");
    assert!(text.contains(&format!("SHA-256 {:064x}", 1)));
    assert!(!text.contains("Session 2."), "no other note");
    assert!(!text.contains("Disclosures"), "no chart sections");
    assert!(text.contains("Page 1 of 1"));
    assert!(text.contains("Confidential"));

    let draft = note_pdf(&record, record.notes.len() - 1).expect("draft note").bytes;
    assert!(text_of(&draft).contains("DRAFT — not signed"));
}

#[test]
fn asking_for_a_missing_note_says_so_without_record_text() {
    let record = sample_record(2);
    let error = note_pdf(&record, 99).expect_err("no such note");
    assert!(matches!(error, PdfError::NoteNotFound { note_index: 99, n_notes: 3 }));
    let message = error.to_string();
    assert!(!message.contains("C-0007") && !message.contains("Zoë"), "{message}");
}

#[test]
fn the_same_record_gives_the_same_bytes() {
    let record = sample_record(3);
    assert_eq!(chart_pdf(&record).expect("first").bytes, chart_pdf(&record).expect("second").bytes);
}

/// A long chart renders: 50 notes in every `cargo test`; timed with 500 notes
/// and five runs by `CONFIDANT_BENCH=1 cargo test --release -p confidant-export
/// --test pdf -- --nocapture long_chart`.
#[test]
fn a_long_chart_renders_and_is_timed() {
    let benchmark = std::env::var_os("CONFIDANT_BENCH").is_some();
    let size = if benchmark { 500 } else { 50 };
    let record = sample_record(size);
    let warm_up = chart_pdf(&record).expect("warm-up");
    assert!(warm_up.bytes.starts_with(b"%PDF-"), "a PDF");
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let pdf = chart_pdf(&record).expect("chart").bytes;
        times.push(started.elapsed());
        std::hint::black_box(pdf);
    }
    times.sort();
    eprintln!("chart_pdf(sample_record({size})): median {:?}, min {:?}, max {:?}", times[2], times[0], times[4]);
}
