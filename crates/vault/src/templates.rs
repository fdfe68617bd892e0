//! Note templates (SOAP, DAP, BIRP, GIRP, free text, intake, treatment plan,
//! discharge) as data: every `assets/templates/*.json` file is compiled in, so
//! adding a template means adding a file, not code.

use std::sync::OnceLock;

use include_dir::{Dir, include_dir};
use serde::{Deserialize, Serialize};

use crate::notes::NoteKind;

static TEMPLATE_FILES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../assets/templates");

/// One structured section of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateSection {
    /// Stable key stored with the note, e.g. `subjective`.
    pub key: String,
    /// Heading shown above the section, e.g. "Subjective".
    pub heading: String,
    /// A hint for what belongs in it.
    pub hint: String,
}

/// A note template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Stable id, e.g. `soap`.
    pub id: String,
    /// Display name, e.g. "SOAP".
    pub name: String,
    /// The note kinds it suits.
    pub kinds: Vec<NoteKind>,
    /// The kinds it is the first choice for (choosing "Intake assessment" picks
    /// the intake template). Each kind has exactly one default.
    #[serde(default)]
    pub default_for: Vec<NoteKind>,
    /// Its sections, in order.
    pub sections: Vec<TemplateSection>,
}

/// Every template, sorted by id. A malformed file fails the unit tests, never the app.
pub fn templates() -> &'static [Template] {
    static TEMPLATES: OnceLock<Vec<Template>> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        let mut templates: Vec<Template> = TEMPLATE_FILES
            .files()
            .filter(|file| file.path().extension().is_some_and(|extension| extension == "json"))
            .filter_map(|file| serde_json::from_slice(file.contents()).ok())
            .collect();
        templates.sort_by(|first, second| first.id.cmp(&second.id));
        templates
    })
}

/// The template with this id.
pub fn template(id: &str) -> Option<&'static Template> {
    templates().iter().find(|template| template.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_file_parses_and_has_unique_section_keys() {
        let files = TEMPLATE_FILES.files().filter(|file| file.path().extension().is_some_and(|e| e == "json")).count();
        assert_eq!(templates().len(), files, "a template file failed to parse");
        for template in templates() {
            assert!(!template.sections.is_empty(), "{} has no sections", template.id);
            assert!(!template.kinds.is_empty(), "{} suits no note kind", template.id);
            let mut keys: Vec<&str> = template.sections.iter().map(|section| section.key.as_str()).collect();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), template.sections.len(), "{} repeats a section key", template.id);
        }
    }

    #[test]
    fn every_kind_has_exactly_one_default_template_that_suits_it() {
        use crate::notes::NoteKind::*;
        for kind in [Progress, Intake, TreatmentPlan, Discharge, Contact, Psychotherapy] {
            let defaults: Vec<&str> = templates()
                .iter()
                .filter(|template| template.default_for.contains(&kind))
                .map(|template| template.id.as_str())
                .collect();
            assert_eq!(defaults.len(), 1, "{kind:?} has defaults {defaults:?}");
            assert!(template(defaults[0]).expect("template").kinds.contains(&kind));
        }
        assert_eq!(templates().iter().find(|t| t.default_for.contains(&Intake)).map(|t| t.id.as_str()), Some("intake"));
    }

    #[test]
    fn the_usual_formats_are_there() {
        for id in ["soap", "dap", "birp", "girp", "free", "intake", "treatment_plan", "discharge"] {
            assert!(template(id).is_some(), "missing template {id}");
        }
        let soap: Vec<&str> = template("soap").expect("soap").sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(soap, ["Subjective", "Objective", "Assessment", "Plan"]);
    }
}
