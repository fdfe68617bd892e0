//! Fallback fonts for the PDF. Characters the bundled Inter has no glyph for
//! (Chinese, Japanese, Korean, Georgian, Armenian, Thai, Devanagari, …) are drawn
//! with a font installed on this computer that has them, found in fontconfig's font
//! folders by `fontdb` (ADR 0009). Files are only read, never written.
//!
//! Not used for right-to-left scripts (Hebrew, Arabic, …): the PDF's layout is left
//! to right only, and drawn in logical order their words would read backwards. Nor
//! for colour (emoji) fonts, which krilla is built here without. Such characters
//! stay in [`crate::pdf::Pdf::unprintable`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rustybuzz::ttf_parser;

/// An installed font that has glyphs Inter lacks.
pub(crate) struct FallbackFont {
    data: Arc<dyn AsRef<[u8]> + Send + Sync>,
    index: u32,
    /// For krilla to embed (subsetted).
    pub(crate) font: krilla::text::Font,
}

impl FallbackFont {
    /// The face to shape with (parsed on each call: fallback text is rare).
    pub(crate) fn face(&self) -> Option<rustybuzz::Face<'_>> {
        rustybuzz::Face::from_slice((*self.data).as_ref(), self.index)
    }
}

/// The computer's fonts, scanned once per process on first need.
struct SystemFonts {
    database: fontdb::Database,
    /// Outline fonts, best candidates first (upright, sans-serif, then by name).
    candidates: Vec<fontdb::ID>,
    /// Which font each (character, bold) went to.
    chosen: HashMap<(char, bool), Option<fontdb::ID>>,
    loaded: HashMap<fontdb::ID, Option<Arc<FallbackFont>>>,
}

static SYSTEM_FONTS: OnceLock<Mutex<SystemFonts>> = OnceLock::new();

/// The installed font to draw `character` with, if any has it (see the module).
pub(crate) fn font_for(character: char, bold: bool) -> Option<Arc<FallbackFont>> {
    if is_right_to_left(character) {
        return None;
    }
    let fonts = SYSTEM_FONTS.get_or_init(|| Mutex::new(SystemFonts::scan()));
    let mut fonts = fonts.lock().unwrap_or_else(PoisonError::into_inner);
    let id = match fonts.chosen.get(&(character, bold)) {
        Some(id) => *id,
        None => {
            let id = fonts.find(character, bold);
            fonts.chosen.insert((character, bold), id);
            id
        }
    }?;
    fonts.load(id)
}

impl SystemFonts {
    fn scan() -> Self {
        let mut database = fontdb::Database::new();
        database.load_system_fonts();
        let mut faces: Vec<&fontdb::FaceInfo> = database.faces().collect();
        // Deterministic and sensible: upright before italic, sans before serif,
        // proportional before monospaced, then by name (the scan order is the file
        // system's).
        faces.sort_by_key(|face| {
            let family = face.families.first().map_or("", |(name, _)| name.as_str());
            (
                face.style != fontdb::Style::Normal,
                !family.contains("Sans"),
                face.monospaced,
                family.to_owned(),
                face.post_script_name.clone(),
            )
        });
        let candidates = faces.iter().map(|face| face.id).collect();
        SystemFonts { database, candidates, chosen: HashMap::new(), loaded: HashMap::new() }
    }

    /// The first candidate with an outline glyph for `character`, preferring the
    /// weight closest to the text's (400 regular, 600 semibold).
    fn find(&self, character: char, bold: bool) -> Option<fontdb::ID> {
        let wanted = if bold { 600 } else { 400 };
        let mut covering: Vec<(u16, usize, fontdb::ID)> = Vec::new();
        for (rank, id) in self.candidates.iter().enumerate() {
            let usable = self
                .database
                .with_face_data(*id, |data, index| {
                    ttf_parser::Face::parse(data, index)
                        .is_ok_and(|face| has_outlines(&face) && face.glyph_index(character).is_some())
                })
                .unwrap_or(false);
            if usable {
                let weight = self.database.face(*id).map_or(400, |face| face.weight.0);
                covering.push((weight.abs_diff(wanted), rank, *id));
            }
        }
        covering.into_iter().min().map(|(_, _, id)| id)
    }

    fn load(&mut self, id: fontdb::ID) -> Option<Arc<FallbackFont>> {
        if let Some(font) = self.loaded.get(&id) {
            return font.clone();
        }
        let font = self.database.face_source(id).and_then(|(source, index)| {
            let data: Arc<dyn AsRef<[u8]> + Send + Sync> = match source {
                fontdb::Source::Binary(data) | fontdb::Source::SharedFile(_, data) => data,
                // Read once and kept for the process: a font file, not record data.
                fontdb::Source::File(path) => Arc::new(std::fs::read(path).ok()?),
            };
            let font = krilla::text::Font::new(data.clone().into(), index)?;
            Some(Arc::new(FallbackFont { data, index, font }))
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
