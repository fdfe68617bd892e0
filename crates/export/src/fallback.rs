//! Fallback fonts for the PDF. Characters the bundled Inter has no glyph for
//! (Chinese, Japanese, Korean, Georgian, Armenian, Thai, Devanagari, …) are drawn
//! with a font installed on this computer that has them, found in fontconfig's font
//! folders by `fontdb` (ADR 0009). Files are only read, never written.
//!
//! Not used for right-to-left scripts (Hebrew, Arabic, …): the PDF's layout is left
//! to right only, and drawn in logical order their words would read backwards. Nor
//! for colour-only (emoji) fonts, which krilla is built here without. Such
//! characters stay in [`crate::pdf::Pdf::unprintable`].
//!
//! The process keeps only what the fonts cover (scanned once, on the first
//! character Inter lacks) and the fonts it loaded; which character went to which
//! font is remembered per PDF by the caller, never here, so no record text outlives
//! a render.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rustybuzz::ttf_parser;

/// An installed font that has glyphs Inter lacks.
pub(crate) struct FallbackFont {
    data: Arc<dyn AsRef<[u8]> + Send + Sync>,
    index: u32,
    coverage: Coverage,
    /// For krilla to embed (subsetted).
    pub(crate) font: krilla::text::Font,
}

impl FallbackFont {
    /// The face to shape with (parsed on each call: cheap next to shaping).
    pub(crate) fn face(&self) -> Option<rustybuzz::Face<'_>> {
        rustybuzz::Face::from_slice((*self.data).as_ref(), self.index)
    }

    /// Whether the font has a glyph for `character`.
    pub(crate) fn has(&self, character: char) -> bool {
        self.coverage.has(character)
    }
}

/// The code points a face maps, as sorted, disjoint, inclusive ranges.
#[derive(Clone, Default)]
struct Coverage(Vec<(u32, u32)>);

impl Coverage {
    fn of(face: &ttf_parser::Face<'_>) -> Self {
        let mut points = Vec::new();
        if let Some(cmap) = face.tables().cmap {
            for subtable in cmap.subtables.into_iter().filter(|subtable| subtable.is_unicode()) {
                subtable.codepoints(|point| {
                    if subtable.glyph_index(point).is_some_and(|glyph| glyph.0 != 0) {
                        points.push(point);
                    }
                });
            }
        }
        points.sort_unstable();
        points.dedup();
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        for point in points {
            match ranges.last_mut() {
                Some((_, end)) if *end + 1 == point => *end = point,
                _ => ranges.push((point, point)),
            }
        }
        Coverage(ranges)
    }

    fn has(&self, character: char) -> bool {
        let point = u32::from(character);
        let after = self.0.partition_point(|(start, _)| *start <= point);
        after > 0 && self.0[after - 1].1 >= point
    }
}

/// An installed outline font, with what it covers.
struct Candidate {
    id: fontdb::ID,
    family: String,
    upright: bool,
    monospaced: bool,
    weight: u16,
    coverage: Coverage,
}

/// The computer's fonts, scanned once per process on first need.
struct SystemFonts {
    database: fontdb::Database,
    /// Best first: upright, sans-serif, proportional, then by family name.
    candidates: Vec<Candidate>,
    loaded: HashMap<fontdb::ID, Option<Arc<FallbackFont>>>,
}

static SYSTEM_FONTS: OnceLock<Mutex<SystemFonts>> = OnceLock::new();

/// The installed font to draw `character` with, if any has it (see the module):
/// the best-ranked family that has it, in the weight nearest the text's (400
/// regular, 600 semibold).
pub(crate) fn font_for(character: char, bold: bool) -> Option<Arc<FallbackFont>> {
    if is_right_to_left(character) {
        return None;
    }
    let fonts = SYSTEM_FONTS.get_or_init(|| Mutex::new(SystemFonts::scan()));
    let mut fonts = fonts.lock().unwrap_or_else(PoisonError::into_inner);
    fonts.find(character, if bold { 600 } else { 400 })
}

impl SystemFonts {
    fn scan() -> Self {
        let mut database = fontdb::Database::new();
        database.load_system_fonts();
        let mut candidates: Vec<Candidate> = database
            .faces()
            .filter_map(|info| {
                let coverage = database
                    .with_face_data(info.id, |data, index| {
                        let face = ttf_parser::Face::parse(data, index).ok()?;
                        has_outlines(&face).then(|| Coverage::of(&face))
                    })
                    .flatten()?;
                Some(Candidate {
                    id: info.id,
                    family: info.families.first().map_or_else(String::new, |(name, _)| name.clone()),
                    upright: info.style == fontdb::Style::Normal,
                    monospaced: info.monospaced,
                    weight: info.weight.0,
                    coverage,
                })
            })
            .collect();
        // Deterministic (the scan order is the file system's) and sensible.
        let names: HashMap<fontdb::ID, String> =
            database.faces().map(|info| (info.id, info.post_script_name.clone())).collect();
        candidates.sort_by(|a, b| {
            let key = |candidate: &Candidate| {
                (!candidate.upright, !candidate.family.contains("Sans"), candidate.monospaced, candidate.family.clone())
            };
            key(a).cmp(&key(b)).then_with(|| a.weight.cmp(&b.weight)).then_with(|| names[&a.id].cmp(&names[&b.id]))
        });
        SystemFonts { database, candidates, loaded: HashMap::new() }
    }

    fn find(&mut self, character: char, weight: u16) -> Option<Arc<FallbackFont>> {
        let mut tried: Vec<(String, bool, bool)> = Vec::new();
        for first in 0..self.candidates.len() {
            let candidate = &self.candidates[first];
            if !candidate.coverage.has(character) {
                continue;
            }
            let group = (candidate.family.clone(), candidate.upright, candidate.monospaced);
            if tried.contains(&group) {
                continue;
            }
            // This family (same style): its face nearest in weight that loads.
            let mut members: Vec<(u16, usize)> = self
                .candidates
                .iter()
                .enumerate()
                .filter(|(_, member)| {
                    (member.family.as_str(), member.upright, member.monospaced) == (group.0.as_str(), group.1, group.2)
                        && member.coverage.has(character)
                })
                .map(|(index, member)| (member.weight.abs_diff(weight), index))
                .collect();
            members.sort_unstable();
            for (_, index) in members {
                if let Some(font) = self.load(index) {
                    return Some(font);
                }
            }
            tried.push(group);
        }
        None
    }

    fn load(&mut self, index: usize) -> Option<Arc<FallbackFont>> {
        let id = self.candidates[index].id;
        if let Some(font) = self.loaded.get(&id) {
            return font.clone();
        }
        let coverage = self.candidates[index].coverage.clone();
        let font = self.database.face_source(id).and_then(|(source, index)| {
            let data: Arc<dyn AsRef<[u8]> + Send + Sync> = match source {
                fontdb::Source::Binary(data) | fontdb::Source::SharedFile(_, data) => data,
                // Read once and kept for the process: a font file, not record data.
                fontdb::Source::File(path) => Arc::new(std::fs::read(path).ok()?),
            };
            rustybuzz::Face::from_slice((*data).as_ref(), index)?;
            let font = krilla::text::Font::new(data.clone().into(), index)?;
            Some(Arc::new(FallbackFont { data, index, coverage, font }))
        });
        self.loaded.insert(id, font.clone());
        font
    }
}

/// Whether the font draws glyphs as outlines only (krilla is built without
/// bitmap and SVG glyph support; colour emoji fonts are left out).
fn has_outlines(face: &ttf_parser::Face<'_>) -> bool {
    let tables = face.tables();
    (tables.glyf.is_some() || tables.cff.is_some() || tables.cff2.is_some())
        && tables.cbdt.is_none()
        && tables.sbix.is_none()
        && tables.svg.is_none()
        && tables.colr.is_none()
}

/// Characters of right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko,
/// Samaritan, Mandaic, and their presentation forms and historic relatives).
pub(crate) fn is_right_to_left(character: char) -> bool {
    matches!(
        u32::from(character),
        0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_answers_inside_between_and_at_the_ends_of_ranges() {
        let coverage = Coverage(vec![(0x41, 0x5A), (0x10D0, 0x10FF)]);
        for (character, has) in [('@', false), ('A', true), ('M', true), ('Z', true), ('[', false), ('ა', true)] {
            assert_eq!(coverage.has(character), has, "{character}");
        }
        assert!(!coverage.has('\u{10CF}') && coverage.has('\u{10FF}') && !coverage.has('\u{1100}'));
        assert!(!Coverage::default().has('A'));
    }

    #[test]
    fn right_to_left_scripts_are_recognised() {
        assert!("שלוםمرحباܫܠܡ".chars().all(is_right_to_left));
        assert!(!"Zoë Ελληνικά Русский ნინო Անի 你好".chars().any(is_right_to_left));
    }
}
