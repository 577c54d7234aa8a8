//! Earlier years' results: CSV or JSON of FINESS, year, score, intéressé.
//!
//! Accepted forms (the JSON and CSV outputs of `caqes campaign` are valid history):
//! - JSON: an array of records `{"finess", "year"|"annee", "score", "interesse"}`, or an
//!   object with such an array under `"history"`;
//! - CSV with a header line, separator `;` (or `,` when the header has no `;`), columns
//!   `finess`, `annee` (or `year`), `score`, `interesse` (accents and case ignored;
//!   other columns ignored). Scores may use a decimal comma; intéressé is
//!   oui/non, true/false, 1/0, intéressé/non intéressé.

use caqes_engine::Number;
use serde::{Deserialize, Serialize};

/// One establishment's result for one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRecord {
    pub finess: String,
    #[serde(alias = "annee", alias = "année")]
    pub year: u16,
    #[serde(default)]
    pub score: Option<Number>,
    #[serde(alias = "intéressé")]
    pub interesse: bool,
}

/// A history file that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("historique{}: {message}", line.map(|l| format!(", ligne {l}")).unwrap_or_default())]
pub struct HistoryError {
    pub line: Option<usize>,
    pub message: String,
}

fn err(line: Option<usize>, message: impl Into<String>) -> HistoryError {
    HistoryError {
        line,
        message: message.into(),
    }
}

fn fold(s: &str) -> String {
    s.trim()
        .trim_matches('"')
        .to_lowercase()
        .replace(['é', 'è', 'ê'], "e")
        .replace('é', "e")
}

/// Parses a history file: JSON when it starts with `[` or `{`, CSV otherwise.
pub fn parse_history(text: &str) -> Result<Vec<HistoryRecord>, HistoryError> {
    let text = text.trim_start_matches('\u{feff}');
    let t = text.trim_start();
    if t.starts_with('[') || t.starts_with('{') {
        parse_json(t)
    } else {
        parse_csv(text)
    }
}

fn parse_json(text: &str) -> Result<Vec<HistoryRecord>, HistoryError> {
    #[derive(Deserialize)]
    struct Wrapped {
        history: Vec<HistoryRecord>,
    }
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| err(Some(e.line()), format!("JSON mal formé ({e})")))?;
    let r = if v.is_array() {
        serde_json::from_value::<Vec<HistoryRecord>>(v)
    } else {
        serde_json::from_value::<Wrapped>(v).map(|w| w.history)
    };
    r.map_err(|e| err(None, format!("enregistrement invalide ({e})")))
}

fn split_line(line: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            c if c == sep && !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn parse_bool(s: &str) -> Option<bool> {
    match fold(s).as_str() {
        "oui" | "true" | "vrai" | "1" | "o" | "interesse" | "yes" => Some(true),
        "non" | "false" | "faux" | "0" | "n" | "non interesse" | "no" => Some(false),
        _ => None,
    }
}

/// The records of a CSV text with their first line number: a line break
/// inside a quoted field does not end a record (RFC 4180).
fn csv_records(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    let mut quoted = false;
    for (n, line) in text.lines().enumerate() {
        if cur.is_empty() && !quoted {
            start = n;
        } else {
            cur.push('\n');
        }
        cur.push_str(line);
        quoted ^= line.matches('"').count() % 2 == 1;
        if !quoted {
            out.push((start, std::mem::take(&mut cur)));
        }
    }
    if !cur.is_empty() {
        out.push((start, cur));
    }
    out
}

fn parse_csv(text: &str) -> Result<Vec<HistoryRecord>, HistoryError> {
    let records = csv_records(text);
    let mut lines = records
        .iter()
        .map(|(n, l)| (*n, l.as_str()))
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or_else(|| err(None, "fichier vide"))?;
    let sep = if header.contains(';') { ';' } else { ',' };
    let cols: Vec<String> = split_line(header, sep).iter().map(|c| fold(c)).collect();
    let find = |names: &[&str]| cols.iter().position(|c| names.contains(&c.as_str()));
    let missing = |c: &str| err(Some(1), format!("colonne « {c} » absente de l'en-tête"));
    let i_finess = find(&["finess"]).ok_or_else(|| missing("finess"))?;
    let i_year = find(&["annee", "year"]).ok_or_else(|| missing("annee"))?;
    let i_score = find(&["score"]).ok_or_else(|| missing("score"))?;
    let i_int = find(&["interesse"]).ok_or_else(|| missing("interesse"))?;
    let mut out = Vec::new();
    for (n, line) in lines {
        let n = Some(n + 1);
        let f = split_line(line, sep);
        let get = |i: usize| {
            f.get(i)
                .map(|s| caqes_engine::csv::unneutralise(s.trim()))
                .unwrap_or("")
        };
        let finess = get(i_finess).to_string();
        if finess.is_empty() {
            return Err(err(n, "FINESS vide"));
        }
        let year: u16 = get(i_year)
            .parse()
            .map_err(|_| err(n, format!("année invalide « {} »", get(i_year))))?;
        let s = get(i_score)
            .replace(['%', ' ', '\u{202f}', '\u{a0}'], "")
            .replace(',', ".");
        let score = if s.is_empty() {
            None
        } else {
            Some(
                Number::parse(&s)
                    .ok_or_else(|| err(n, format!("score invalide « {} »", get(i_score))))?,
            )
        };
        let interesse = parse_bool(get(i_int)).ok_or_else(|| {
            err(
                n,
                format!("intéressé invalide « {} » (oui/non attendu)", get(i_int)),
            )
        })?;
        out.push(HistoryRecord {
            finess,
            year,
            score,
            interesse,
        });
    }
    Ok(out)
}

/// CSV of records (`;`, BOM, CRLF), readable back by [`parse_history`]. The
/// FINESS is text from a submission: neutralised like every CSV text field.
pub fn history_csv(records: &[HistoryRecord]) -> String {
    let mut s = String::from("\u{feff}finess;annee;score;interesse\r\n");
    for r in records {
        s.push_str(&format!(
            "{};{};{};{}\r\n",
            caqes_engine::csv::text_field(&r.finess),
            r.year,
            caqes_engine::csv::number_field(
                &r.score.map(|n| n.to_french_auto()).unwrap_or_default()
            ),
            if r.interesse { "oui" } else { "non" }
        ));
    }
    s
}
