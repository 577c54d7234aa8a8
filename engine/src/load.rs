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
    ///
    /// A value written by year (a table whose keys are all years) is
    /// transparent: the walk enters the entry of `year` (the greatest key
    /// not after it), so that a problem of one year points at that year's
    /// value.
    fn line(&self, path: &[Seg], extra_key: Option<&str>, year: Option<u16>) -> Option<usize> {
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
        /// The entry of `year` in a value written by year (the greatest key not after it).
        fn enter_dated<'n>(
            node: Node<'n>,
            year: Option<u16>,
            best: &mut Option<std::ops::Range<usize>>,
        ) -> Node<'n> {
            let (Some(y), Node::Table(t)) = (year, &node) else {
                return node;
            };
            if t.is_empty() || !t.iter().all(|(k, _)| is_year_key(k)) {
                return node;
            }
            let chosen = t
                .iter()
                .filter_map(|(k, _)| k.parse::<u16>().ok())
                .filter(|k| *k <= y)
                .max();
            match chosen.and_then(|k| t.get_key_value(&k.to_string())) {
                Some((key, it)) => {
                    if let Some(s) = key.span() {
                        *best = Some(s);
                    }
                    enter_dated(of_item(it), year, best)
                }
                None => node,
            }
        }
        let doc = self.doc.as_ref()?;
        let mut node = Node::Table(doc.as_table());
        let mut best: Option<std::ops::Range<usize>> = None;
        for seg in path {
            // Enter values written by year, for the year of the problem.
            if !matches!((seg, &node), (Seg::Key(k), Node::Table(t)) if t.contains_key(k)) {
                node = enter_dated(node, year, &mut best);
            }
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
        if extra_key.is_none() {
            node = enter_dated(node, year, &mut best);
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
    let root: toml::Value = match toml::from_str(src) {
        Ok(v) => v,
        Err(e) => {
            let line = e.span().map(|s| locator.line_of_offset(s.start));
            return Err(CatalogErrors(vec![CatalogError {
                file: file.to_string(),
                line,
                year: None,
                indicator: None,
                field: String::new(),
                message: format!("syntaxe TOML invalide : {}", e.message()),
            }]));
        }
    };
    let f = FamilyFile {
        file,
        locator: &locator,
        root: &root,
    };
    let years = match family_years(&root) {
        Ok(y) => y,
        Err(p) => {
            return Err(CatalogErrors(vec![f.error(
                locator.line(&p.path, None, None),
                None,
                None,
                path_text(&p.path),
                p.message,
            )]))
        }
    };
    let structural = f.structural_errors(&years);
    if !structural.is_empty() {
        return Err(CatalogErrors(structural));
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for year in years {
        match f.load_year(year) {
            Ok(catalog) => out.push(catalog),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(CatalogErrors(once_for_all_years(errors)))
    }
}

/// A catalog file being loaded: its name, its lines and its TOML as written.
struct FamilyFile<'a> {
    file: &'a str,
    locator: &'a Locator<'a>,
    root: &'a toml::Value,
}

impl FamilyFile<'_> {
    /// An error of this file.
    fn error(
        &self,
        line: Option<usize>,
        year: Option<u16>,
        indicator: Option<String>,
        field: String,
        message: String,
    ) -> CatalogError {
        CatalogError {
            file: self.file.to_string(),
            line,
            year,
            indicator,
            field,
            message,
        }
    }

    /// Checks of the file as written, for every year at once (dated values, indicator years).
    fn structural_errors(&self, years: &[u16]) -> Vec<CatalogError> {
        let mut structural = Vec::new();
        check_dated_values(self.root, years, &mut Vec::new(), &mut structural);
        check_indicator_years(self.root, years, &mut structural);
        structural
            .into_iter()
            .map(|(p, key)| {
                self.error(
                    self.locator.line(&p.path, key.as_deref(), None),
                    None,
                    indicator_id(self.root, &p.path),
                    path_text(&p.path),
                    p.message,
                )
            })
            .collect()
    }

    /// The catalog of one year: its indicators, values resolved for the year,
    /// deserialised and validated; or its errors, located in the file as written.
    fn load_year(&self, year: u16) -> Result<Catalog, Vec<CatalogError>> {
        let root = self.root;
        let mut value = root.clone();
        // Indicators absent from this year are dropped before resolution, so
        // that their values need not be given for years they do not exist in.
        keep_indicators_of_year(&mut value, year);
        let mut problems = Vec::new();
        resolve(&mut value, year, &mut Vec::new(), &mut problems);
        let located = |path: &[Seg], key: Option<&str>| {
            let orig = original_path(root, path, year);
            (
                self.locator.line(&orig, key, Some(year)),
                indicator_id(root, &orig),
            )
        };
        let errors = |problems: Vec<RawProblem>| -> Vec<CatalogError> {
            problems
                .into_iter()
                .map(|p| {
                    let (line, ind) = located(&p.path, None);
                    self.error(line, Some(year), ind, path_text(&p.path), p.message)
                })
                .collect()
        };
        if !problems.is_empty() {
            return Err(errors(problems));
        }
        set_campaign_year(&mut value, year);
        let catalog: Catalog = match serde_path_to_error::deserialize(value.clone()) {
            Ok(c) => Catalog::with_shared_volet_ids(c),
            Err(e) => {
                let raw = e.inner().to_string();
                let path = refine_serde_path(&value, serde_path(e.path()), &raw);
                let (line, ind) = located(&path, None);
                return Err(vec![self.error(
                    line,
                    Some(year),
                    ind,
                    path_text(&path),
                    french_serde_message(&raw),
                )]);
            }
        };
        let problems = validate_catalog(&catalog);
        if problems.is_empty() {
            Ok(catalog)
        } else {
            Err(errors(problems))
        }
    }
}

/// The same mistake is usually reported once per year: keep it once, for no year.
fn once_for_all_years(errors: Vec<CatalogError>) -> Vec<CatalogError> {
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
    dedup
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

/// Whether an indicator of the file exists in `year` (no `years` list: every year).
fn indicator_in_year(ind: &toml::Value, year: u16) -> bool {
    match ind.get("years") {
        Some(toml::Value::Array(ys)) => ys.iter().any(|y| y.as_integer() == Some(year as i64)),
        _ => true,
    }
}

/// Keeps the indicators that exist in `year`, without their `years` list.
fn keep_indicators_of_year(value: &mut toml::Value, year: u16) {
    if let Some(toml::Value::Array(inds)) = value.get_mut("indicators") {
        inds.retain(|ind| indicator_in_year(ind, year));
        for ind in inds.iter_mut() {
            if let Some(t) = ind.as_table_mut() {
                t.remove("years");
            }
        }
    }
}

/// Sets `campaign.id = "<family>-<year>"` and `campaign.year`.
fn set_campaign_year(value: &mut toml::Value, year: u16) {
    if let Some(campaign) = value.get_mut("campaign").and_then(|c| c.as_table_mut()) {
        campaign.remove("years");
        if let Some(toml::Value::String(id)) = campaign.get("id").cloned() {
            campaign.insert("id".into(), toml::Value::String(format!("{id}-{year}")));
        }
        campaign.insert("year".into(), toml::Value::Integer(year as i64));
    }
}

/// A structural problem, with the key to point at inside the table of its path.
type Located = (RawProblem, Option<String>);

/// Checks every value written by year: its keys are all years (a table that
/// mixes years and other keys is a typo), and none is after the last year of
/// the campaign (such a value would never be used).
fn check_dated_values(
    value: &toml::Value,
    years: &[u16],
    path: &mut Vec<Seg>,
    out: &mut Vec<Located>,
) {
    let last = years.iter().copied().max().unwrap_or(0);
    match value {
        toml::Value::Table(t) => {
            let year_keys = t.keys().filter(|k| is_year_key(k)).count();
            if year_keys > 0 && year_keys < t.len() {
                if let Some(bad) = t.keys().find(|k| !is_year_key(k)) {
                    out.push((
                        RawProblem::new(
                            path.clone(),
                            format!(
                                "valeur par année : la clé « {bad} » n'est pas une année (AAAA) ; une valeur par année n'a que des années pour clés"
                            ),
                        ),
                        Some(bad.clone()),
                    ));
                }
                return;
            }
            if year_keys > 0 {
                for k in t.keys() {
                    let y: u16 = k.parse().unwrap_or(0);
                    if y > last {
                        out.push((
                            RawProblem::new(
                                path.clone(),
                                format!(
                                    "valeur datée de {y} postérieure à la dernière année de la campagne ({last}) : elle ne serait jamais utilisée (ajouter {y} à « years » de [campaign] ?)"
                                ),
                            ),
                            Some(k.clone()),
                        ));
                    }
                }
            }
            for (k, v) in t {
                // `[campaign] years` is the list of the family, not a value.
                if path.len() == 1 && path[0] == Seg::Key("campaign".into()) && k == "years" {
                    continue;
                }
                path.push(Seg::Key(k.clone()));
                check_dated_values(v, years, path, out);
                path.pop();
            }
        }
        toml::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                path.push(Seg::Index(i));
                check_dated_values(v, years, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Checks the `years` list of each indicator: a non-empty list of years of the campaign.
fn check_indicator_years(root: &toml::Value, years: &[u16], out: &mut Vec<Located>) {
    let Some(toml::Value::Array(inds)) = root.get("indicators") else {
        return;
    };
    for (i, ind) in inds.iter().enumerate() {
        let Some(list) = ind.get("years") else {
            continue;
        };
        let path = vec![
            Seg::Key("indicators".into()),
            Seg::Index(i),
            Seg::Key("years".into()),
        ];
        let message = match list {
            toml::Value::Array(ys) if ys.is_empty() => {
                Some("liste d'années vide : l'indicateur n'existerait dans aucune année".into())
            }
            toml::Value::Array(ys) => ys.iter().find_map(|y| match y.as_integer() {
                Some(v) if years.iter().any(|f| *f as i64 == v) => None,
                Some(v) => Some(format!(
                    "année {v} absente de la campagne (years = {:?} dans [campaign])",
                    years
                )),
                None => Some(format!("année invalide : {y}")),
            }),
            _ => Some("liste d'années attendue, ex. years = [2025, 2026]".into()),
        };
        if let Some(m) = message {
            out.push((RawProblem::new(path, m), None));
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
                    .filter(|(_, ind)| indicator_in_year(ind, year))
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

/// The value at `path` in a resolved document.
fn value_at<'v>(root: &'v toml::Value, path: &[Seg]) -> Option<&'v toml::Value> {
    let mut v = root;
    for seg in path {
        v = match seg {
            Seg::Key(k) => v.get(k.as_str())?,
            Seg::Index(i) => v.get(*i)?,
        };
    }
    Some(v)
}

/// Every node of `value` with its path relative to it, depth first, `value` first.
fn walk<'v>(
    value: &'v toml::Value,
    path: &mut Vec<Seg>,
    out: &mut Vec<(Vec<Seg>, &'v toml::Value)>,
) {
    out.push((path.clone(), value));
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                path.push(Seg::Key(k.clone()));
                walk(v, path, out);
                path.pop();
            }
        }
        toml::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                path.push(Seg::Index(i));
                walk(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The text between the first pair of « » or of `"` / `` ` `` in a message.
fn quoted_literal(message: &str) -> Option<String> {
    for (open, close) in [("« ", " »"), ("\"", "\""), ("`", "`")] {
        if let Some((_, rest)) = message.split_once(open) {
            if let Some((lit, _)) = rest.split_once(close) {
                return Some(lit.to_string());
            }
        }
    }
    None
}

fn literal_matches(value: &toml::Value, lit: &str) -> bool {
    match value {
        toml::Value::String(s) => s == lit,
        toml::Value::Integer(i) => i.to_string() == lit,
        toml::Value::Float(f) => f.to_string() == lit,
        toml::Value::Boolean(b) => b.to_string() == lit,
        _ => false,
    }
}

/// Completes the path of a deserialization error.
///
/// serde buffers an internally tagged enum (`measure`, selected by `kind`;
/// `scoring`, selected by `fn`) before reading its variant, so the path it
/// reports stops at the enum. The faulty item is then searched in the value
/// at that path, from the message:
/// - unknown field `k`: the table holding `k` (the path ends with `k`);
/// - unknown variant `v`, invalid type or invalid number: the value written `v`;
/// - missing field `f`: a table without `f` whose keys are a subset of those of
///   a table with `f` (e.g. a `numerator` without the `unit` its `denominator`
///   has); otherwise the path is kept.
fn refine_serde_path(root: &toml::Value, path: Vec<Seg>, raw: &str) -> Vec<Seg> {
    let raw = strip_serde_suffix(raw);
    let Some(node) = value_at(root, &path) else {
        return path;
    };
    let mut nodes = Vec::new();
    walk(node, &mut Vec::new(), &mut nodes);
    let join = |mut base: Vec<Seg>, rel: &[Seg]| {
        base.extend(rel.iter().cloned());
        base
    };
    if let Some(field) = unknown_field(raw) {
        let found = nodes
            .iter()
            .find(|(_, v)| v.as_table().is_some_and(|t| t.contains_key(&field)));
        return match found {
            Some((rel, _)) => {
                let mut p = join(path, rel);
                p.push(Seg::Key(field));
                p
            }
            None => path,
        };
    }
    if !node.is_table() {
        return path;
    }
    if let Some(rest) = raw.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        let tables: Vec<(&Vec<Seg>, &toml::Table)> = nodes
            .iter()
            .filter_map(|(rel, v)| v.as_table().map(|t| (rel, t)))
            .collect();
        let found = tables.iter().find(|(_, t)| {
            !t.contains_key(field)
                && tables
                    .iter()
                    .any(|(_, u)| u.contains_key(field) && t.keys().all(|k| u.contains_key(k)))
        });
        return match found {
            Some((rel, _)) => join(path, rel),
            None => path,
        };
    }
    let lit = if let Some(rest) = raw.strip_prefix("unknown variant `") {
        rest.split('`').next().map(str::to_string)
    } else if raw.starts_with("invalid type")
        || raw.starts_with("invalid value")
        || raw.contains("invalide")
    {
        quoted_literal(raw)
    } else {
        None
    };
    if let Some(lit) = lit {
        if let Some((rel, _)) = nodes
            .iter()
            .find(|(rel, v)| !rel.is_empty() && literal_matches(v, &lit))
        {
            return join(path, rel);
        }
    }
    path
}

/// Drops the location suffix some deserializers append (`\nin `a.b``).
fn strip_serde_suffix(message: &str) -> &str {
    message.split("\nin `").next().unwrap_or(message).trim_end()
}

fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(rest.split('`').next()?.to_string())
}

/// Translates serde's English messages into French for catalog authors.
pub(crate) fn french_serde_message(message: &str) -> String {
    let message = strip_serde_suffix(message);
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
        .filter(|s| !s.is_empty() && !matches!(*s, "«" | "»" | "or"))
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

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
[campaign]
id = "t"
years = [2024, 2025, 2026]
title = "T"
region = "R"
redistribution = "proportional"
rounding = { decimals = 0 }
points_total = { 2024 = 10, 2025 = 15 }

[interessement]
bands = [{ min = 80 }]

[[volets]]
id = "v"
title = "V"

[[indicators]]
id = "a"
code = "A"
title = "A"
volet = "v"
scope = "regional"
points = 10
[indicators.measure]
kind = "criteria"
criteria = [{ id = "c", label = "C", points = 10 }]

[[indicators]]
id = "b"
code = "B"
title = "B"
volet = "v"
scope = "regional"
years = [2025, 2026]
points = 5
[indicators.measure]
kind = "rate"
numerator = { id = "n", label = "N", unit = "count" }
denominator = { id = "d", label = "D", unit = "count" }
target = { op = ">=", value = { 2025 = 10, 2026 = 20 }, unit = "percent" }
scoring = { fn = "linear" }
"#;

    fn first_error(src: &str) -> CatalogError {
        load_catalogs("t.toml", src).unwrap_err().0.remove(0)
    }

    #[test]
    fn an_indicator_limited_to_some_years_needs_values_only_for_them() {
        let cats = load_catalogs("t.toml", BASE).unwrap();
        let ids: Vec<_> = cats.iter().map(|c| c.indicators.len()).collect();
        assert_eq!(ids, vec![1, 2, 2]);
        let target = |c: &Catalog| c.indicators[1].measure.target().unwrap().value;
        assert_eq!(target(&cats[1]), Some(crate::Number::int(10)));
        assert_eq!(target(&cats[2]), Some(crate::Number::int(20)));
        assert_eq!(cats[2].campaign.points_total, Some(crate::Number::int(15)));
    }

    #[test]
    fn a_problem_of_one_year_points_at_that_years_value() {
        // 2026 has its own line: the problem of 2026 must point at it.
        let src = BASE.replace(
            "[interessement]\nbands = [{ min = 80 }]",
            "[interessement.bands]\n2024 = [{ min = 80 }]\n2026 = [{ min = 80, below = 70 }]",
        );
        let e = first_error(&src);
        assert_eq!(e.year, Some(2026), "{e}");
        assert_eq!(e.field, "interessement.bands[0].below");
        let line = src.lines().position(|l| l.starts_with("2026 =")).unwrap() + 1;
        assert_eq!(e.line, Some(line));
    }

    #[test]
    fn dated_values_must_have_only_year_keys_within_the_campaign() {
        let e = first_error(&BASE.replace("2026 = 20 }", "2027 = 20 }"));
        assert!(e.message.contains("2027"), "{e}");
        assert_eq!(e.field, "indicators[1].measure.target.value");
        let e = first_error(&BASE.replace("2026 = 20 }", "2O26 = 20 }"));
        assert!(e.message.contains("« 2O26 »"), "{e}");
    }

    #[test]
    fn indicator_years_must_belong_to_the_campaign() {
        let e = first_error(&BASE.replace("years = [2025, 2026]", "years = [2025, 2027]"));
        assert_eq!(e.field, "indicators[1].years");
        assert!(e.message.contains("2027"));
        let e = first_error(&BASE.replace("years = [2025, 2026]", "years = []"));
        assert!(e.message.contains("vide"));
    }

    #[test]
    fn paths_inside_tagged_enums_are_completed() {
        let e = first_error(&BASE.replace(r#"fn = "linear""#, r#"fn = "linaer""#));
        assert_eq!(e.field, "indicators[1].measure.scoring.fn");
        let e = first_error(&BASE.replace(r#"label = "N", unit = "count""#, r#"label = "N""#));
        assert_eq!(e.field, "indicators[1].measure.numerator");
        assert!(e.message.contains("« unit »"));
        let e = first_error(&BASE.replace(r#"{ op = ">=", value"#, r#"{ op = ">=", valeur"#));
        assert_eq!(e.field, "indicators[1].measure.target.valeur");
    }

    #[test]
    fn serde_location_suffixes_are_dropped() {
        assert_eq!(
            french_serde_message("nombre invalide : « x »\nin `indicators.points`"),
            "nombre invalide : « x »"
        );
    }
}
