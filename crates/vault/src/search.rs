//! Full-text search over notes, addenda and client codes, inside the encrypted
//! database (FTS5). Psychotherapy notes are left out unless asked for.
//!
//! Query design for a large vault: the typed text becomes quoted FTS5 terms (no
//! FTS5 syntax from the user ever reaches the parser), the last word is a prefix
//! once it has two letters, and ranking looks at a bounded set of the newest
//! matches, so a two-letter prefix that matches nearly every note still costs a
//! bounded amount of work. Snippets mark matches with private-use characters that
//! are turned into structured parts: the UI renders text, never HTML.

use chrono::NaiveDate;
use rusqlite::params_from_iter;
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

use crate::audit::{self, EventKind, NewEvent};
use crate::notes::{NoteKind, NoteStatus};
use crate::vault::Vault;
use crate::{Error, Result};

/// The newest matching notes that are ranked; older matches only show when they
/// are among these (or the filters narrow the set).
pub const CANDIDATE_LIMIT: u32 = 1000;
/// Shortest prefix searched as a prefix (one letter would match everything).
pub const MINIMUM_PREFIX_CHARS: usize = 2;
/// Longest query accepted.
const MAX_QUERY_CHARS: usize = 500;

const MATCH_START: char = '\u{E000}';
const MATCH_END: char = '\u{E001}';

/// What to look for.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SearchQuery {
    /// The words typed; `"quoted words"` are a phrase; the last word is a prefix.
    pub text: String,
    /// Only this client's notes.
    #[serde(default)]
    pub client_code: Option<String>,
    /// Only these kinds (empty: all but psychotherapy notes).
    #[serde(default)]
    pub kinds: Vec<NoteKind>,
    /// Sessions on or after this date.
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Sessions on or before this date.
    #[serde(default)]
    pub to: Option<NaiveDate>,
    /// Include psychotherapy notes (only when asked for explicitly).
    #[serde(default)]
    pub include_psychotherapy: bool,
    /// How many hits (default 20, at most 100).
    #[serde(default)]
    pub limit: Option<u32>,
    /// Discreet mode: snippets come from the note and its addenda only, never
    /// from the client column (which holds the name).
    #[serde(default)]
    pub hide_names: bool,
}

/// A piece of a snippet: plain text or a match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnippetPart {
    /// The text.
    pub text: String,
    /// Whether it matched the query.
    pub matched: bool,
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    /// The note.
    pub note_id: i64,
    /// Its client's code.
    pub client_code: String,
    /// Its kind.
    pub kind: NoteKind,
    /// Its session date.
    pub session_date: NaiveDate,
    /// Draft or signed.
    pub status: NoteStatus,
    /// Where it matched, with the matches marked.
    pub snippet: Vec<SnippetPart>,
}

impl Vault {
    /// Searches notes; records that a search ran (never what was searched for).
    pub fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>> {
        if query.text.chars().count() > MAX_QUERY_CHARS {
            return Err(Error::InvalidInput {
                field: "search",
                problem: format!("use at most {MAX_QUERY_CHARS} characters"),
            });
        }
        let psychotherapy_asked = query.include_psychotherapy || query.kinds.contains(&NoteKind::Psychotherapy);
        if psychotherapy_asked {
            // Snippets show their text: the same rule as opening one.
            self.require_reauthentication()?;
        }
        let Some(fts_query) = fts_query(&query.text) else { return Ok(Vec::new()) };
        let limit = query.limit.unwrap_or(20).clamp(1, 100);

        // Client and kind filters are tokens of the `tags` column, so they join the
        // full-text query itself; never `rowid IN (subquery)`, which makes FTS5
        // re-run the query per row. Dates are checked per match.
        // The typed words search the text columns only, never the tags.
        let mut match_expression = format!("{{body addenda client}} : ({fts_query})");
        if let Some(code) = &query.client_code {
            match_expression.push_str(&format!(" AND tags:cid{}", self.client_by_code(code)?.id));
        }
        if !query.kinds.is_empty() {
            let kinds: Vec<String> =
                query.kinds.iter().map(|kind| format!("tags:k{}", kind.as_str().replace('_', ""))).collect();
            match_expression.push_str(&format!(" AND ({})", kinds.join(" OR ")));
        }
        if !psychotherapy_asked {
            match_expression.push_str(" NOT tags:kpsychotherapy");
        }
        let mut filters = Vec::new();
        let mut values: Vec<Value> = vec![Value::Text(match_expression.clone())];
        if let Some(from) = query.from {
            values.push(Value::Text(from.to_string()));
            filters.push(format!("session_date >= ?{}", values.len()));
        }
        if let Some(to) = query.to {
            values.push(Value::Text(to.to_string()));
            filters.push(format!("session_date <= ?{}", values.len()));
        }
        let filter_sql: String = filters.iter().map(|filter| format!(" AND {filter}")).collect();
        let sql = format!(
            "WITH candidates AS (
                 SELECT rowid AS note_id, bm25(note_fts, 1.0, 0.8, 2.0, 0.0) AS score
                 FROM note_fts WHERE note_fts MATCH ?1{filter_sql}
                 ORDER BY rowid DESC LIMIT {CANDIDATE_LIMIT}
             )
             SELECT c.note_id, cl.code, n.kind, n.session_date, n.status
             FROM candidates c JOIN note n ON n.id = c.note_id JOIN client cl ON cl.id = n.client_id
             ORDER BY c.score, n.session_date DESC, c.note_id DESC
             LIMIT {limit}"
        );
        let mut statement = self.connection().prepare(&sql)?;
        let rows = statement
            .query_map(params_from_iter(values.iter()), |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;

        let mut hits = Vec::with_capacity(rows.len());
        // Column -1: the best-matching column; with names hidden, the note (0),
        // else its addenda (1), never the client column (2).
        let mut snippet_statement = self.connection().prepare(&format!(
            "SELECT snippet(note_fts, -1, '{MATCH_START}', '{MATCH_END}', '…', 14),
                    snippet(note_fts, 0, '{MATCH_START}', '{MATCH_END}', '…', 14),
                    snippet(note_fts, 1, '{MATCH_START}', '{MATCH_END}', '…', 14)
             FROM note_fts WHERE note_fts MATCH ?1 AND rowid >= ?2 AND rowid <= ?2"
        ))?;
        for (note_id, client_code, kind, session_date, status) in rows {
            let (best, body, addenda): (String, String, String) = snippet_statement
                .query_row(rusqlite::params![fts_query, note_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
            let snippet = if !query.hide_names {
                best
            } else if body.contains(MATCH_START) {
                body
            } else if addenda.contains(MATCH_START) {
                addenda
            } else {
                // Only the client column matched: say so, without the name.
                "(the client's code or name matches)".to_owned()
            };
            hits.push(SearchHit {
                note_id,
                client_code,
                kind: serde_json::from_value(serde_json::Value::from(kind)).unwrap_or(NoteKind::Progress),
                session_date: NaiveDate::parse_from_str(&session_date, "%Y-%m-%d").unwrap_or_default(),
                status: if status == "signed" { NoteStatus::Signed } else { NoteStatus::Draft },
                snippet: snippet_parts(&snippet),
            });
        }
        audit::append(
            self.connection(),
            &NewEvent::new(EventKind::SearchRun).with_detail(serde_json::json!({ "n_results": hits.len() })),
        )?;
        Ok(hits)
    }

    /// Rebuilds the search index from the notes; returns how many were indexed.
    pub fn rebuild_search_index(&mut self) -> Result<u64> {
        let transaction = self.connection_mut().transaction()?;
        transaction.execute("DELETE FROM note_fts", [])?;
        let indexed = transaction.execute(
            "INSERT INTO note_fts (rowid, body, addenda, client, tags, session_date)
             SELECT n.id,
                    (SELECT group_concat(value, char(10)) FROM json_each(n.sections)),
                    (SELECT coalesce(group_concat(a.reason || char(10) || a.text, char(10)), '') FROM addendum a WHERE a.note_id = n.id),
                    c.code || ' ' || coalesce(c.name, ''),
                    'cid' || n.client_id || ' k' || replace(n.kind, '_', ''),
                    n.session_date
             FROM note n JOIN client c ON c.id = n.client_id",
            [],
        )?;
        transaction.execute("INSERT INTO note_fts (note_fts) VALUES ('optimize')", [])?;
        transaction.commit()?;
        Ok(indexed as u64)
    }
}

/// Turns typed text into a safe FTS5 query: every word quoted, `"phrases"` kept,
/// the last word a prefix when it has at least two characters. `None` when
/// nothing searchable is left.
pub fn fts_query(typed: &str) -> Option<String> {
    let mut terms: Vec<String> = Vec::new();
    let mut rest = typed;
    let mut last_is_open_word = false;
    while !rest.is_empty() {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        if let Some(after_quote) = rest.strip_prefix('"') {
            let (phrase, remainder) = match after_quote.find('"') {
                Some(end) => (&after_quote[..end], &after_quote[end + 1..]),
                None => (after_quote, ""),
            };
            let words = words_of(phrase);
            if !words.is_empty() {
                terms.push(format!("\"{}\"", words.join(" ")));
            }
            rest = remainder;
            last_is_open_word = false;
        } else {
            let end = rest.find(|character: char| character.is_whitespace() || character == '"').unwrap_or(rest.len());
            let words = words_of(&rest[..end]);
            if !words.is_empty() {
                terms.push(format!("\"{}\"", words.join(" ")));
            }
            last_is_open_word = !words.is_empty() && end == rest.len();
            rest = &rest[end..];
        }
    }
    if terms.is_empty() {
        return None;
    }
    if last_is_open_word && !typed.ends_with(char::is_whitespace) {
        let last = terms.last_mut()?;
        let inner_chars = last.chars().count().saturating_sub(2);
        if inner_chars >= MINIMUM_PREFIX_CHARS && !last.contains(' ') {
            last.push('*');
        }
    }
    Some(terms.join(" "))
}

/// The letters-and-digits runs of `text` (what the unicode61 tokenizer indexes).
fn words_of(text: &str) -> Vec<String> {
    text.split(|character: char| !character.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect()
}

fn snippet_parts(marked: &str) -> Vec<SnippetPart> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut matched = false;
    for character in marked.chars() {
        if character == MATCH_START || character == MATCH_END {
            if !current.is_empty() {
                parts.push(SnippetPart { text: std::mem::take(&mut current), matched });
            }
            matched = character == MATCH_START;
        } else {
            current.push(character);
        }
    }
    if !current.is_empty() {
        parts.push(SnippetPart { text: current, matched });
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_quoted_terms_and_fts_syntax_is_neutralised() {
        assert_eq!(fts_query("sleep"), Some("\"sleep\"*".to_owned()));
        assert_eq!(fts_query("sleep "), Some("\"sleep\"".to_owned()));
        assert_eq!(fts_query("better sl"), Some("\"better\" \"sl\"*".to_owned()));
        assert_eq!(fts_query("a"), Some("\"a\"".to_owned()), "one letter is not a prefix");
        assert_eq!(fts_query("\"panic attack\" work"), Some("\"panic attack\" \"work\"*".to_owned()));
        assert_eq!(fts_query("self-harm"), Some("\"self harm\"".to_owned()));
        assert_eq!(fts_query("NOT OR AND ^ * ( ) :"), Some("\"NOT\" \"OR\" \"AND\"".to_owned()));
        assert_eq!(fts_query("  * ^ "), None);
    }

    #[test]
    fn snippets_become_marked_parts() {
        let parts = snippet_parts("…slept \u{E000}better\u{E001} this week");
        assert_eq!(
            parts,
            vec![
                SnippetPart { text: "…slept ".to_owned(), matched: false },
                SnippetPart { text: "better".to_owned(), matched: true },
                SnippetPart { text: " this week".to_owned(), matched: false },
            ]
        );
    }
}
