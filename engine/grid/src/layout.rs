//! Where everything is in a grid: computed from the catalog alone, so that the
//! writer and the reader agree without reading any layout from the file.

use caqes_engine::{cut_on_word, Catalog, Category, Indicator, Measure, QuestionKind, Volet};

/// Name of the identification sheet.
pub const IDENT: &str = "Identification";
/// Name of the summary sheet.
pub const SYNTH: &str = "Synthèse";
/// Name of the hidden metadata sheet.
pub const META: &str = "_caqes";
/// Version of the grid layout (bumped on any incompatible change).
pub const LAYOUT_VERSION: &str = "1";

/// Column of labels.
pub const COL_LABEL: u16 = 0;
/// Column of long texts and titles.
pub const COL_TEXT: u16 = 1;
/// Column of input cells (numbers, lists).
pub const COL_INPUT: u16 = 2;
/// Column of computed cells.
pub const COL_CALC: u16 = 3;
/// Column of help texts / units.
pub const COL_HELP: u16 = 4;

/// First row of content (after the title and column header rows).
pub const FIRST_ROW: u32 = 3;

/// A cell position (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub row: u32,
    pub col: u16,
}

impl Pos {
    pub fn new(row: u32, col: u16) -> Pos {
        Pos { row, col }
    }
    /// `$D$5` style absolute reference.
    pub fn abs(self) -> String {
        format!("${}${}", col_name(self.col), self.row + 1)
    }
    /// `D5` style reference.
    pub fn a1(self) -> String {
        format!("{}{}", col_name(self.col), self.row + 1)
    }
}

pub fn col_name(col: u16) -> String {
    let mut n = col as u32 + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = ((n - 1) % 26) as u8;
        s.push(b'A' + r);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// `'Sheet name'!$D$5`.
pub fn qref(sheet: &str, pos: Pos) -> String {
    format!("'{}'!{}", sheet.replace('\'', "''"), pos.abs())
}

/// What an input row of the identification sheet holds.
#[derive(Debug, Clone, PartialEq)]
pub enum IdentField {
    Finess,
    Name,
    Departement,
    LegalStatus,
    Funding,
    Category(Category),
    Beds,
    Places,
    PreviousScore,
    Question(String, QuestionKind),
}

/// One row of the identification sheet.
#[derive(Debug, Clone)]
pub struct IdentRow {
    pub field: IdentField,
    pub label: String,
    pub pos: Pos,
}

/// Kind of an input cell of an indicator.
#[derive(Debug, Clone, PartialEq)]
pub enum CellKind {
    /// Declared status (list).
    Status,
    /// Justification of NC / NM (text).
    Justification,
    /// An input value by input id (number).
    Input(String),
    /// Criterion by id (Oui / Non).
    Criterion(String),
    /// Personalised target (number).
    Target,
    /// Evidence by id (Oui / Non).
    Evidence(String),
    /// Comment (text).
    Comment,
}

/// Positions of one indicator block.
#[derive(Debug, Clone)]
pub struct IndicatorLayout {
    pub id: String,
    pub sheet: String,
    pub header_row: u32,
    pub last_row: u32,
    /// Effective status (computed).
    pub status_calc: Pos,
    /// Input cells with their kind, in display order.
    pub inputs: Vec<(CellKind, Pos)>,
    /// Computed "valeur retenue" cell of each numeric input (same row, COL_CALC).
    pub retained: Vec<(String, Pos)>,
    pub value: Pos,
    pub target: Pos,
    pub met: Pos,
    pub share: Pos,
    pub weight: Pos,
    pub points: Pos,
}

impl IndicatorLayout {
    pub fn input(&self, kind: &CellKind) -> Option<Pos> {
        self.inputs.iter().find(|(k, _)| k == kind).map(|(_, p)| *p)
    }
    pub fn retained(&self, id: &str) -> Option<Pos> {
        self.retained.iter().find(|(i, _)| i == id).map(|(_, p)| *p)
    }
}

/// One volet sheet.
#[derive(Debug, Clone)]
pub struct VoletLayout {
    pub id: String,
    pub title: String,
    pub sheet: String,
    /// Indices into `Layout::indicators`.
    pub indicators: Vec<usize>,
}

/// Rows of the summary sheet.
#[derive(Debug, Clone)]
pub struct SynthLayout {
    /// Per volet: weight, points, bonus, score (row of the volet).
    pub volet_rows: Vec<u32>,
    pub base: Pos,
    pub applicable: Pos,
    pub n_applicable: Pos,
    pub freed: Pos,
    pub earned: Pos,
    pub score: Pos,
    pub bonus: Pos,
    pub total: Pos,
    pub rounded: Pos,
    pub previous: Option<Pos>,
    pub threshold: Pos,
    pub missing: Pos,
    pub verdict: Pos,
}

/// The whole layout.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Sheet holding the identification cells ([`IDENT`] in a grid).
    pub ident_sheet: String,
    /// Sheet holding the summary cells ([`SYNTH`] in a grid).
    pub synth_sheet: String,
    pub ident: Vec<IdentRow>,
    /// Grey cell holding the catalog id on the identification sheet.
    pub ident_catalog: Pos,
    pub volets: Vec<VoletLayout>,
    pub indicators: Vec<IndicatorLayout>,
    pub synth: SynthLayout,
}

impl Layout {
    pub fn ident_pos(&self, field: &IdentField) -> Option<Pos> {
        self.ident.iter().find(|r| &r.field == field).map(|r| r.pos)
    }
    pub fn indicator(&self, id: &str) -> Option<&IndicatorLayout> {
        self.indicators.iter().find(|i| i.id == id)
    }
}

/// Excel sheet name of a volet: « V<n> » and its short title (or its title),
/// forbidden characters removed, cut at 31 characters on a word boundary
/// (Excel's limit), unique.
fn sheet_name(index: usize, volet: &Volet, used: &mut Vec<String>) -> String {
    let title = volet
        .short_title
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(&volet.title);
    let clean: String = title
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' | '\'' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let clean = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    let base = cut_on_word(&format!("V{} {}", index + 1, clean), 31);
    let mut name = base.clone();
    let mut n = 2;
    while used.iter().any(|u| u.to_lowercase() == name.to_lowercase())
        || [IDENT, SYNTH, META]
            .iter()
            .any(|s| s.to_lowercase() == name.to_lowercase())
    {
        let suffix = format!(" ({n})");
        let keep = 31usize.saturating_sub(suffix.chars().count());
        name = format!("{}{}", cut_on_word(&base, keep), suffix);
        n += 1;
    }
    used.push(name.clone());
    name
}

/// Whether an indicator has a personalised target (main or numerator-only).
pub fn has_personalised_target(ind: &Indicator) -> bool {
    let main = ind.measure.target().is_some_and(|t| t.personalised);
    let no = matches!(&ind.measure, Measure::Rate { numerator_only: Some(no), .. } if no.target.personalised);
    main || no
}

/// Every cell position of the grid of `catalog`: Identification, volet sheets, Synthèse.
pub fn layout(catalog: &Catalog) -> Layout {
    let (ident, ident_catalog) = ident_layout(catalog);
    let mut volets = volet_layouts(catalog);
    let mut next_row: Vec<u32> = vec![FIRST_ROW; volets.len()];
    let mut indicators = Vec::new();
    for ind in &catalog.indicators {
        let Some(vi) = volets.iter().position(|v| v.id == ind.volet) else {
            continue; // validated by the core: never happens
        };
        let (il, r) = indicator_layout(ind, volets[vi].sheet.clone(), next_row[vi]);
        next_row[vi] = r;
        volets[vi].indicators.push(indicators.len());
        indicators.push(il);
    }
    let synth = synth_layout(volets.len());
    Layout {
        ident_sheet: IDENT.into(),
        synth_sheet: SYNTH.into(),
        ident,
        ident_catalog,
        volets,
        indicators,
        synth,
    }
}

/// The Identification sheet: one row per field (FINESS, name, statut, activités, lits,
/// previous score, the catalog's questions), after the catalog's id and year.
fn ident_layout(catalog: &Catalog) -> (Vec<IdentRow>, Pos) {
    let mut ident = Vec::new();
    let mut row = FIRST_ROW;
    let ident_catalog = Pos::new(row, COL_TEXT);
    row += 2; // catalog id, year
    let mut push = |field: IdentField, label: String, row: &mut u32| {
        ident.push(IdentRow {
            field,
            label,
            pos: Pos::new(*row, COL_TEXT),
        });
        *row += 1;
    };
    push(
        IdentField::Finess,
        "N° FINESS (9 caractères)".into(),
        &mut row,
    );
    push(IdentField::Name, "Nom de l'établissement".into(), &mut row);
    push(IdentField::Departement, "Département".into(), &mut row);
    push(IdentField::LegalStatus, "Statut juridique".into(), &mut row);
    push(
        IdentField::Funding,
        "Catégorie de financement (vide : déduite du statut)".into(),
        &mut row,
    );
    for c in Category::ALL {
        push(
            IdentField::Category(c),
            format!("Activité {}", c.label()),
            &mut row,
        );
    }
    push(IdentField::Beds, "Nombre de lits".into(), &mut row);
    push(IdentField::Places, "Nombre de places".into(), &mut row);
    push(
        IdentField::PreviousScore,
        format!(
            "Score {} (année précédente)",
            catalog.campaign.year.saturating_sub(1)
        ),
        &mut row,
    );
    for q in &catalog.identification {
        push(
            IdentField::Question(q.id.clone(), q.kind),
            q.label.clone(),
            &mut row,
        );
    }
    (ident, ident_catalog)
}

/// One sheet per volet, named uniquely, its indicators still to place.
fn volet_layouts(catalog: &Catalog) -> Vec<VoletLayout> {
    let mut used = Vec::new();
    catalog
        .volets
        .iter()
        .enumerate()
        .map(|(i, v)| VoletLayout {
            id: v.id.to_string(),
            title: v.title.to_string(),
            sheet: sheet_name(i, v, &mut used),
            indicators: Vec::new(),
        })
        .collect()
}

/// The block of one indicator on its volet's sheet from `row`: header, statut, saisies,
/// critères, personalised target, preuves, computed cells, comment; returns the next free row.
fn indicator_layout(ind: &Indicator, sheet: String, row: u32) -> (IndicatorLayout, u32) {
    let mut r = row;
    let header_row = r;
    r += 3; // header, period, target description
    let mut inputs = Vec::new();
    let status_calc = Pos::new(r, COL_CALC);
    inputs.push((CellKind::Status, Pos::new(r, COL_INPUT)));
    r += 1;
    inputs.push((CellKind::Justification, Pos::new(r, COL_TEXT)));
    r += 1;
    let mut retained = Vec::new();
    for input in ind.measure.inputs() {
        inputs.push((
            CellKind::Input(input.id().to_string()),
            Pos::new(r, COL_INPUT),
        ));
        retained.push((input.id().to_string(), Pos::new(r, COL_CALC)));
        r += 1;
    }
    if let Measure::Criteria { criteria } = &ind.measure {
        for c in criteria {
            inputs.push((CellKind::Criterion(c.id.clone()), Pos::new(r, COL_INPUT)));
            r += 1;
        }
    }
    if has_personalised_target(ind) {
        inputs.push((CellKind::Target, Pos::new(r, COL_INPUT)));
        r += 1;
    }
    for e in &ind.evidence {
        inputs.push((CellKind::Evidence(e.id.clone()), Pos::new(r, COL_INPUT)));
        r += 1;
    }
    let value = Pos::new(r, COL_CALC);
    let target = Pos::new(r + 1, COL_CALC);
    let met = Pos::new(r + 2, COL_CALC);
    let share = Pos::new(r + 3, COL_CALC);
    let weight = Pos::new(r + 4, COL_CALC);
    let points = Pos::new(r + 5, COL_CALC);
    r += 6;
    inputs.push((CellKind::Comment, Pos::new(r, COL_TEXT)));
    let last_row = r;
    r += 2; // blank separator
    let il = IndicatorLayout {
        id: ind.id.to_string(),
        sheet,
        header_row,
        last_row,
        status_calc,
        inputs,
        retained,
        value,
        target,
        met,
        share,
        weight,
        points,
    };
    (il, r)
}

/// The Synthèse sheet: one row per volet, then the score, bonus, total, rounding and verdict rows.
fn synth_layout(n_volets: usize) -> SynthLayout {
    let mut r = FIRST_ROW;
    let volet_rows: Vec<u32> = (0..n_volets).map(|i| r + i as u32).collect();
    r += n_volets as u32 + 1;
    let mut next = || {
        let p = Pos::new(r, COL_TEXT);
        r += 1;
        p
    };
    let base = next();
    let applicable = next();
    let n_applicable = next();
    let freed = next();
    let earned = next();
    let score = next();
    let bonus = next();
    let total = next();
    let rounded = next();
    let previous = Some(next());
    let threshold = next();
    let missing = next();
    let verdict = next();
    SynthLayout {
        volet_rows,
        base,
        applicable,
        n_applicable,
        freed,
        earned,
        score,
        bonus,
        total,
        rounded,
        previous,
        threshold,
        missing,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn volet(title: &str, short: Option<&str>) -> Volet {
        Volet {
            id: "v".into(),
            title: title.into(),
            short_title: short.map(str::to_string),
        }
    }

    #[test]
    fn sheet_names_are_cut_between_words_at_31_characters_and_unique() {
        let mut used = Vec::new();
        let long = volet("Parcours et lien ville-hôpital du patient", None);
        let name = sheet_name(1, &long, &mut used);
        assert_eq!(name, "V2 Parcours et lien");
        assert!(name.chars().count() <= 31);
        let again = sheet_name(1, &long, &mut used);
        assert_eq!(again, "V2 Parcours et lien (2)");
        let short = volet(
            "Parcours et lien ville-hôpital",
            Some("Parcours ville-hôpital"),
        );
        assert_eq!(
            sheet_name(2, &short, &mut used),
            "V3 Parcours ville-hôpital"
        );
        // A single word longer than the limit is cut at the limit.
        let word = volet(&"x".repeat(40), None);
        assert_eq!(sheet_name(3, &word, &mut used).chars().count(), 31);
        // Forbidden characters never reach the sheet name.
        let odd = volet("Art. 10-1 : produits [santé]/pharmacie?", None);
        let n = sheet_name(4, &odd, &mut used);
        assert!(!n.contains([':', '[', ']', '/', '?']), "{n}");
    }
}
