//! Loading a catalog file: TOML parsing, resolution of values by year,
//! deserialization and semantic validation, with every error located by
//! file, line, indicator and field.
//!
//! A catalog file describes a campaign *family* for one or more years
//! (`[campaign] years = [2022, 2023, 2024]`). Any value may be written by
//! year, in the spirit of OpenFisca's dated parameters:
//!
//! ```toml
//! points = { 2022 = 30, 2024 = 25 }   # 30 in 2022 and 2023, 25 from 2024
//! ```
//!
//! A table whose keys are all years is such a dated value; the value of a
//! year is the one of the greatest key not after it. An indicator may carry
//! `years = [...]` to exist only in some years.

use crate::catalog::Catalog;
use crate::validate::validate_catalog;
use std::fmt;

/// One problem of a catalog file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    /// File name as given to the loader.
    pub file: String,
    /// Line (1-based) when known.
    pub line: Option<usize>,
    /// Year of the resolved catalog, when the problem is specific to one.
    pub year: Option<u16>,
    /// Indicator id, when the problem is in an indicator.
    pub indicator: Option<String>,
    /// Field path, e.g. `indicators[3].measure.target.value`.
    pub field: String,
    /// French message.
    pub message: String,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ", ligne {line}")?;
        }
        if let Some(year) = self.year {
            write!(f, ", année {year}")?;
        }
        if let Some(ind) = &self.indicator {
            write!(f, ", indicateur « {ind} »")?;
        }
        if !self.field.is_empty() {
            write!(f, ", champ « {} »", self.field)?;
        }
        write!(f, " : {}", self.message)
    }
}

/// Every problem found in a catalog file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CatalogErrors(pub Vec<CatalogError>);

impl fmt::Display for CatalogErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// A segment of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

pub(crate) fn path_text(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// A problem found while validating a resolved catalog, before location.
#[derive(Debug, Clone)]
pub(crate) struct RawProblem {
    pub path: Vec<Seg>,
    pub message: String,
}

impl RawProblem {
    pub(crate) fn new(path: Vec<Seg>, message: impl Into<String>) -> Self {
        RawProblem {
            path,
            message: message.into(),
        }
    }
}

/// Maps field paths to lines of the source text.
struct Locator<'a> {
    src: &'a str,
    doc: Option<toml_edit::ImDocument<&'a str>>,
}

impl<'a> Locator<'a> {
    fn new(src: &'a str) -> Self {
        Locator {
            src,
            doc: toml_edit::ImDocument::parse(src).ok(),
        }
    }

    fn line_of_offset(&self, offset: usize) -> usize {
        self.src[..offset.min(self.src.len())]
            .bytes()
            .filter(|b| *b == b'\n')
            .count()
            + 1
    }

    /// Line of the deepest item of `path` found in the document; for a key
    /// that does not exist (e.g. an unknown field), `extra_key` is searched
    /// inside the deepest found table.
    fn line(&self, path: &[Seg], extra_key: Option<&str>) -> Option<usize> {
        use toml_edit::{Item, TableLike, Value};
        enum Node<'n> {
            Table(&'n dyn TableLike),
            Aot(&'n toml_edit::ArrayOfTables),
            Array(&'n toml_edit::Array),
            Leaf,
        }
        fn of_item(item: &Item) -> Node<'_> {
            match item {
                Item::Table(t) => Node::Table(t),
                Item::ArrayOfTables(a) => Node::Aot(a),
                Item::Value(v) => of_value(v),
                Item::None => Node::Leaf,
            }
        }
        fn of_value(v: &Value) -> Node<'_> {
            match v {
                Value::InlineTable(t) => Node::Table(t),
                Value::Array(a) => Node::Array(a),
                _ => Node::Leaf,
            }
        }
        let doc = self.doc.as_ref()?;
        let mut node = Node::Table(doc.as_table());
        let mut best: Option<std::ops::Range<usize>> = None;
        for seg in path {
            let next = match (seg, &node) {
                (Seg::Key(k), Node::Table(t)) => t.get_key_value(k).map(|(key, it)| {
                    if let Some(s) = key.span() {
                        best = Some(s);
                    }
                    of_item(it)
                }),
                (Seg::Index(i), Node::Aot(a)) => a.get(*i).map(|t| {
                    if let Some(s) = t.span() {
                        best = Some(s);
                    }
                    Node::Table(t as &dyn TableLike)
                }),
                (Seg::Index(i), Node::Array(a)) => a.get(*i).map(|v| {
                    if let Some(s) = v.span() {
                        best = Some(s);
                    }
                    of_value(v)
                }),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        if let (Some(key), Node::Table(t)) = (extra_key, &node) {
            if let Some(s) = t.get_key_value(key).and_then(|(k, _)| k.span()) {
                best = Some(s);
            }
        }
        best.map(|r| self.line_of_offset(r.start))
    }
}

/// Loads every year of a catalog file.
///
/// ```
/// let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../indicators/na-ako.toml")).unwrap();
/// let catalogs = caqes_engine::load_catalogs("na-ako.toml", &src).unwrap();
/// assert!(catalogs.iter().any(|c| c.campaign.id == "na-ako-2024"));
/// ```
pub fn load_catalogs(file: &str, src: &str) -> Result<Vec<Catalog>, CatalogErrors> {
    let locator = Locator::new(src);
    let err = |line: Option<usize>, year, indicator, field: String, message: String| CatalogError {
        file: file.to_string(),
        line,
        year,
        indicator,
        field,
        message,
    };
    let root: toml::Value = match toml::from_str(src) {
        Ok(v) => v,
        Err(e) => {
            let line = e.span().map(|s| locator.line_of_offset(s.start));
            return Err(CatalogErrors(vec![err(
                line,
                None,
                None,
                String::new(),
                format!("syntaxe TOML invalide : {}", e.message()),
            )]));
        }
    };
    let years = match family_years(&root) {
        Ok(y) => y,
        Err(p) => {
            return Err(CatalogErrors(vec![err(
                locator.line(&p.path, None),
                None,
                None,
                path_text(&p.path),
                p.message,
            )]))
        }
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for year in years {
        let mut value = root.clone();
        let mut problems = Vec::new();
        resolve(&mut value, year, &mut Vec::new(), &mut problems);
        if problems.is_empty() {
            prepare_year(&mut value, year);
        }
        let indicator_of = |path: &[Seg]| indicator_id(&root, path);
        if !problems.is_empty() {
            for p in problems {
                errors.push(err(
                    locator.line(&p.path, None),
                    Some(year),
                    indicator_of(&p.path),
                    path_text(&p.path),
                    p.message,
                ));
            }
            continue;
        }
        let catalog: Catalog = match serde_path_to_error::deserialize(value) {
            Ok(c) => c,
            Err(e) => {
                let path = serde_path(e.path());
                let message = french_serde_message(&e.inner().to_string());
                let unknown = unknown_field(&e.inner().to_string());
                errors.push(err(
                    locator.line(&original_path(&root, &path, year), unknown.as_deref()),
                    Some(year),
                    indicator_of(&original_path(&root, &path, year)),
                    path_text(&path),
                    message,
                ));
                continue;
            }
        };
        let problems = validate_catalog(&catalog);
        if problems.is_empty() {
            out.push(catalog);
        } else {
            for p in problems {
                let orig = original_path(&root, &p.path, year);
                errors.push(err(
                    locator.line(&orig, None),
                    Some(year),
                    indicator_of(&orig),
                    path_text(&p.path),
                    p.message,
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        // The same mistake is usually reported once per year: keep it once.
        let mut dedup: Vec<CatalogError> = Vec::new();
        for e in errors {
            if let Some(prev) = dedup
                .iter_mut()
                .find(|d| d.line == e.line && d.field == e.field && d.message == e.message)
            {
                prev.year = None;
            } else {
                dedup.push(e);
            }
        }
        Err(CatalogErrors(dedup))
    }
}

/// The years of the family: `[campaign] years = [..]`.
fn family_years(root: &toml::Value) -> Result<Vec<u16>, RawProblem> {
    let path = vec![Seg::Key("campaign".into()), Seg::Key("years".into())];
    let campaign = root
        .get("campaign")
        .and_then(|c| c.as_table())
        .ok_or_else(|| {
            RawProblem::new(
                vec![Seg::Key("campaign".into())],
                "section [campaign] manquante",
            )
        })?;
    if campaign.contains_key("year") {
        return Err(RawProblem::new(
            vec![Seg::Key("campaign".into()), Seg::Key("year".into())],
            "écrire « years = [AAAA, …] » (liste des années de la campagne), pas « year »",
        ));
    }
    let years = campaign
        .get("years")
        .and_then(|y| y.as_array())
        .ok_or_else(|| {
            RawProblem::new(
                path.clone(),
                "liste « years » manquante (ex. years = [2024])",
            )
        })?;
    let mut out = Vec::new();
    for y in years {
        match y.as_integer() {
            Some(v) if (1900..=2200).contains(&v) => out.push(v as u16),
            _ => return Err(RawProblem::new(path, format!("année invalide : {y}"))),
        }
    }
    if out.is_empty() {
        return Err(RawProblem::new(path, "la liste des années est vide"));
    }
    let mut sorted = out.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != out.len() {
        return Err(RawProblem::new(path, "année en double"));
    }
    Ok(out)
}

fn is_year_key(k: &str) -> bool {
    k.len() == 4 && k.bytes().all(|b| b.is_ascii_digit())
}

/// Replaces every dated table by its value for `year`.
fn resolve(
    value: &mut toml::Value,
    year: u16,
    path: &mut Vec<Seg>,
    problems: &mut Vec<RawProblem>,
) {
    match value {
        toml::Value::Table(t) => {
            if !t.is_empty() && t.keys().all(|k| is_year_key(k)) {
                let mut best: Option<(u16, toml::Value)> = None;
                for (k, v) in t.iter() {
                    let y: u16 = k.parse().unwrap_or(0);
                    if y <= year && best.as_ref().is_none_or(|(b, _)| y > *b) {
                        best = Some((y, v.clone()));
                    }
                }
                match best {
                    Some((_, mut v)) => {
                        resolve(&mut v, year, path, problems);
                        *value = v;
                    }
                    None => {
                        let known: Vec<&str> = t.keys().map(|k| k.as_str()).collect();
                        problems.push(RawProblem::new(
                            path.clone(),
                            format!(
                                "aucune valeur pour l'année {year} (valeurs données pour : {})",
                                known.join(", ")
                            ),
                        ));
                    }
                }
                return;
            }
            for (k, v) in t.iter_mut() {
                path.push(Seg::Key(k.clone()));
                resolve(v, year, path, problems);
                path.pop();
            }
        }
        toml::Value::Array(a) => {
            for (i, v) in a.iter_mut().enumerate() {
                path.push(Seg::Index(i));
                resolve(v, year, path, problems);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Sets `campaign.id = "<family>-<year>"` and `campaign.year`, and keeps the
/// indicators that exist in `year`.
fn prepare_year(value: &mut toml::Value, year: u16) {
    if let Some(campaign) = value.get_mut("campaign").and_then(|c| c.as_table_mut()) {
        campaign.remove("years");
        if let Some(toml::Value::String(id)) = campaign.get("id").cloned() {
            campaign.insert("id".into(), toml::Value::String(format!("{id}-{year}")));
        }
        campaign.insert("year".into(), toml::Value::Integer(year as i64));
    }
    if let Some(toml::Value::Array(inds)) = value.get_mut("indicators") {
        inds.retain(|ind| match ind.get("years") {
            Some(toml::Value::Array(ys)) => ys.iter().any(|y| y.as_integer() == Some(year as i64)),
            _ => true,
        });
        for ind in inds.iter_mut() {
            if let Some(t) = ind.as_table_mut() {
                if matches!(t.get("years"), Some(toml::Value::Array(_))) {
                    t.remove("years");
                }
            }
        }
    }
}

/// Maps a path in the resolved catalog of `year` back to the source file
/// (indicators filtered out by `years` shift the indexes).
fn original_path(root: &toml::Value, path: &[Seg], year: u16) -> Vec<Seg> {
    let mut out = path.to_vec();
    if let (Some(Seg::Key(k)), Some(Seg::Index(i))) = (out.first(), out.get(1)) {
        if k == "indicators" {
            if let Some(toml::Value::Array(inds)) = root.get("indicators") {
                let kept: Vec<usize> = inds
                    .iter()
                    .enumerate()
                    .filter(|(_, ind)| match ind.get("years") {
                        Some(toml::Value::Array(ys)) => {
                            ys.iter().any(|y| y.as_integer() == Some(year as i64))
                        }
                        _ => true,
                    })
                    .map(|(n, _)| n)
                    .collect();
                if let Some(orig) = kept.get(*i) {
                    out[1] = Seg::Index(*orig);
                }
            }
        }
    }
    out
}

fn indicator_id(root: &toml::Value, path: &[Seg]) -> Option<String> {
    if let (Some(Seg::Key(k)), Some(Seg::Index(i))) = (path.first(), path.get(1)) {
        if k == "indicators" {
            let ind = root.get("indicators")?.get(*i)?;
            let code = ind.get("code").and_then(|c| c.as_str());
            let id = ind.get("id").and_then(|c| c.as_str());
            return Some(match (code, id) {
                (Some(c), _) => c.to_string(),
                (None, Some(id)) => id.to_string(),
                (None, None) => format!("n° {}", i + 1),
            });
        }
    }
    None
}

fn serde_path(path: &serde_path_to_error::Path) -> Vec<Seg> {
    path.iter()
        .filter_map(|seg| match seg {
            serde_path_to_error::Segment::Seq { index } => Some(Seg::Index(*index)),
            serde_path_to_error::Segment::Map { key } => Some(Seg::Key(key.clone())),
            serde_path_to_error::Segment::Enum { variant } => Some(Seg::Key(variant.clone())),
            serde_path_to_error::Segment::Unknown => None,
        })
        .collect()
}

fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(rest.split('`').next()?.to_string())
}

/// Translates serde's English messages into French for catalog authors.
pub(crate) fn french_serde_message(message: &str) -> String {
    if let Some(field) = unknown_field(message) {
        let expected = message
            .split_once("expected ")
            .map(|(_, e)| e.replace('`', "« ").replace("« ,", "»,"))
            .unwrap_or_default();
        let expected = tidy_expected(&expected);
        return format!("champ inconnu « {field} » (faute de frappe ?){expected}");
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return format!("champ obligatoire « {field} » manquant");
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let variant = rest.split('`').next().unwrap_or(rest);
        let expected = message
            .split_once("expected ")
            .map(|(_, e)| tidy_expected(e))
            .unwrap_or_default();
        return format!("valeur inconnue « {variant} »{expected}");
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let rest = rest
            .replace("expected", "attendu :")
            .replace("a string", "un texte")
            .replace("string", "texte")
            .replace("integer", "entier")
            .replace("boolean", "booléen")
            .replace("a sequence", "une liste")
            .replace("sequence", "liste")
            .replace("map", "table")
            .replace("floating point", "décimal");
        return format!("type invalide : {rest}");
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        return format!("valeur invalide : {rest}");
    }
    message.to_string()
}

fn tidy_expected(expected: &str) -> String {
    let names: Vec<String> = expected
        .split(['`', ','])
        .map(|s| {
            s.trim()
                .trim_start_matches("one of")
                .trim_start_matches("or ")
                .trim()
        })
        .filter(|s| !s.is_empty() && *s != "«" && *s != "»")
        .map(|s| {
            s.trim_matches(|c| c == '«' || c == '»' || c == ' ')
                .to_string()
        })
        .filter(|s| !s.is_empty())
        .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!(" ; attendu : {}", names.join(", "))
    }
}
