//! The grid reader (native, and wasm32 in the form's on-demand module).
//!
//! Defensive by construction: the zip container is checked and every entry
//! inflated under a budget before any XML is read (once, see [`container`]);
//! sheets are streamed cell by cell (never as a dense range, which a single
//! far-away cell would blow up) and only the cells the reader looks at are
//! kept; the readers run under `catch_unwind` as a last resort.
//!
//! Two readers of sheets ([`Source`]): the fast reader of grids ([`fast`]),
//! and calamine, which reads the files the fast reader leaves to it, so
//! that results are calamine's either way.
//!
//! [`GridReader`] reads many grids: what depends on the catalog only
//! (layout, hash, expected formulas) is computed once per catalog.

use crate::formulas::{NON, NON_CONCERNE, NON_MESURABLE, OUI, RENSEIGNE};
use crate::layout::*;
use crate::writer::{catalog_hash, sha256_json};
use crate::GridError;
use calamine::{DataRef, Reader, Xlsx};
use caqes_engine::{
    evaluate, Answers, Catalog, Category, DeclaredStatus, Evaluation, Funding, IndicatorAnswer,
    LegalStatus, Measure, Number, QuestionKind, Severity, State, Unit,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::sync::OnceLock;

mod container;
mod fast;
pub(crate) use container::precheck;

/// Why [`read_inner`] stopped: an answer about the file, or the fast
/// reader leaving the file to calamine.
enum Failure {
    Grid(GridError),
    Fallback,
}

impl From<GridError> for Failure {
    fn from(e: GridError) -> Failure {
        Failure::Grid(e)
    }
}

/// Where [`read_inner`] reads sheets: calamine ([`Xlsx`]), or the fast
/// reader of grids ([`fast::Book`]), which reads the same values.
trait Source {
    /// The sheet names, in workbook order.
    fn sheet_names(&self) -> Vec<String>;
    /// The cells of a sheet up to column `max_col` that `keep` accepts,
    /// every cell counting against `budget`.
    fn sheet(
        &mut self,
        name: &str,
        max_col: u16,
        budget: &mut usize,
        keep: &dyn Fn((u32, u16)) -> bool,
    ) -> Result<SheetData, Failure>;
    /// The cells of `wanted` (read before by [`Source::sheet`]) whose style
    /// is a percentage number format.
    fn percent_cells(
        &mut self,
        sheet: &str,
        wanted: &PercentCells,
    ) -> Result<PercentCells, Failure>;
}

impl<R: std::io::Read + std::io::Seek> Source for Xlsx<R> {
    fn sheet_names(&self) -> Vec<String> {
        Reader::sheet_names(self)
    }

    fn sheet(
        &mut self,
        name: &str,
        max_col: u16,
        budget: &mut usize,
        keep: &dyn Fn((u32, u16)) -> bool,
    ) -> Result<SheetData, Failure> {
        Ok(read_sheet_where(self, name, max_col, budget, keep)?)
    }

    fn percent_cells(
        &mut self,
        sheet: &str,
        wanted: &PercentCells,
    ) -> Result<PercentCells, Failure> {
        let mut reader = self
            .worksheet_cells_reader(sheet)
            .map_err(|e| GridError::Corrupt(format!("feuille « {sheet} » : {e}")))?;
        let mut found = PercentCells::default();
        while let Some((row, col, style)) = reader
            .next_style_id()
            .map_err(|e| GridError::Corrupt(format!("feuille « {sheet} » : {e}")))?
        {
            let Ok(col) = u16::try_from(col) else {
                continue;
            };
            let Some(&expected) = wanted.get(&(row, col)) else {
                continue;
            };
            if reader
                .styles()
                .get(style)
                .and_then(|s| s.number_format.as_ref())
                .is_some_and(|n| is_percent_format(&n.format_code))
            {
                found.insert((row, col), expected);
            }
        }
        Ok(found)
    }
}

/// Bounds of what the reader accepts.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Total uncompressed size of the zip entries, in bytes.
    pub max_uncompressed: u64,
    /// Number of zip entries.
    pub max_entries: usize,
    /// Cells read over all sheets.
    pub max_cells: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_uncompressed: 50 * 1024 * 1024,
            max_entries: 2_000,
            max_cells: 1_000_000,
        }
    }
}

/// Metadata recorded at export.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Metadata {
    /// `caqes-grid`.
    pub format: String,
    /// Layout version ([`LAYOUT_VERSION`]).
    pub layout_version: String,
    pub catalog_id: String,
    pub catalog_sha256: String,
    pub engine_version: String,
    pub export_time: String,
    pub answers_sha256: String,
    pub grid_answers_sha256: String,
    pub declared_total: String,
}

/// An input cell whose value differs from the exported one.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EditedCell {
    /// `Sheet!A1`.
    pub cell: String,
    pub exported: String,
    pub current: String,
}

/// A problem found in a cell (text in a numeric cell, out of range, unknown list value).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CellProblem {
    /// `Sheet!A1`.
    pub cell: String,
    /// Indicator id, when in an indicator block.
    pub indicator: Option<String>,
    /// French message.
    pub message: String,
}

/// A computed (green) cell whose formula is not the catalog's: overwritten by
/// a value, emptied, or given another formula.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AlteredFormula {
    /// `Sheet!A1`.
    pub cell: String,
    /// The formula the catalog gives (without `=`).
    pub expected: String,
    /// The formula found, `None` when the cell holds a value or nothing.
    pub found: Option<String>,
    /// The value found in the cell (cached result or typed value).
    pub value: String,
}

/// The outcome of a grid for `caqes verify`: exactly one per grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// Complete, and every check passes.
    #[serde(rename = "conforme")]
    Conforme,
    /// No écart, but inputs are missing (a blank grid too): the score is provisional.
    #[serde(rename = "incomplet")]
    Incomplet,
    /// At least one écart (see [`Review::differences`]).
    #[serde(rename = "écarts")]
    Ecarts,
    /// The file cannot be read as a grid (set by the caller on a read error).
    #[serde(rename = "illisible")]
    Illisible,
}

impl Outcome {
    /// The French word, as in the JSON.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Conforme => "conforme",
            Outcome::Incomplet => "incomplet",
            Outcome::Ecarts => "écarts",
            Outcome::Illisible => "illisible",
        }
    }
}

/// What `caqes verify` says of a readable grid (French messages).
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub outcome: Outcome,
    /// Écarts: declared score differs, invalid inputs, catalog changed,
    /// metadata missing or inconsistent, computed cells altered.
    pub differences: Vec<String>,
    /// Information only (not écarts): inputs typed after export, cached
    /// formula results missing, numbers typed as text read anyway.
    pub informations: Vec<String>,
    /// Why the grid is incomplete (missing inputs), empty otherwise.
    pub missing: Vec<String>,
}

/// What a grid holds.
#[derive(Debug, Clone, Serialize)]
pub struct GridRead {
    /// Catalog id of the grid.
    pub catalog: String,
    /// Answers rebuilt from the visible input cells (authoritative).
    pub answers: Answers,
    /// The core's evaluation of these answers.
    pub evaluation: Evaluation,
    /// Metadata sheet, when present.
    pub metadata: Option<Metadata>,
    /// Whether the catalog changed since export (hash differs).
    pub catalog_changed: bool,
    /// Hex SHA-256 of the canonical answers, computed on first use
    /// ([`GridRead::answers_sha256`]).
    #[serde(skip)]
    answers_sha256: OnceLock<String>,
    /// Input cells edited after export.
    pub edited: Vec<EditedCell>,
    /// Problems of cells.
    pub problems: Vec<CellProblem>,
    /// Rounded total shown in the grid (cached value of the summary cell).
    pub declared_total: Option<f64>,
    /// The cell of that score (`Synthèse!B20`).
    pub score_cell: String,
    /// Verdict shown in the grid.
    pub declared_verdict: Option<String>,
    /// Computed cells whose formula is not the catalog's (named cells).
    pub altered_formulas: Vec<AlteredFormula>,
    /// The formulas are intact but no result is stored (file saved by a tool
    /// that does not recalculate, e.g. openpyxl): only the recomputed score counts.
    pub cached_results_missing: bool,
    /// Metadata inconsistent with the grid (French messages).
    pub metadata_problems: Vec<String>,
    /// Cells read with a French reading (« 84,5 », « 85 % » typed as text): information.
    pub notes: Vec<CellProblem>,
}

impl GridRead {
    /// Hex SHA-256 of the canonical answers as read
    /// ([`crate::review::answers_hash`]), computed on first use: most batches
    /// never need it. Not to be called after changing [`GridRead::answers`].
    pub fn answers_sha256(&self) -> &str {
        self.answers_sha256
            .get_or_init(|| sha256_json(&self.answers))
    }

    /// Whether the answers equal the exported ones (hash of the canonical
    /// answers), when the grid has metadata.
    pub fn answers_unchanged(&self) -> Option<bool> {
        let m = self.metadata.as_ref()?;
        Some(m.grid_answers_sha256 == self.answers_sha256())
    }

    /// Whether the grid has an écart or invalid inputs (for `caqes verify`).
    pub fn has_discrepancy(&self) -> bool {
        self.review().outcome == Outcome::Ecarts
    }

    /// The outcome, écarts, information lines and missing inputs, in French.
    pub fn review(&self) -> Review {
        let e = &self.evaluation;
        let differences = self.differences();
        let informations = self.informations();
        let missing: Vec<String> = e
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Missing)
            .map(|p| p.to_string())
            .collect();
        let outcome = if !differences.is_empty() {
            Outcome::Ecarts
        } else if e.state == State::Incomplete {
            Outcome::Incomplet
        } else {
            Outcome::Conforme
        };
        Review {
            outcome,
            differences,
            informations,
            missing: if outcome == Outcome::Incomplet {
                missing
            } else {
                Vec::new()
            },
        }
    }

    /// The écarts: score, altered formulas, invalid cells and inputs, catalog, metadata.
    fn differences(&self) -> Vec<String> {
        let e = &self.evaluation;
        let mut differences = Vec::new();
        differences.extend(self.score_difference());
        if !self.altered_formulas.is_empty() {
            let cells: Vec<&str> = self
                .altered_formulas
                .iter()
                .take(8)
                .map(|c| c.cell.as_str())
                .collect();
            differences.push(format!(
                "{} cellule(s) calculée(s) modifiée(s) (formule remplacée par une valeur ou par une autre formule) : {}{}",
                self.altered_formulas.len(),
                cells.join(", "),
                if self.altered_formulas.len() > 8 { ", …" } else { "" }
            ));
        }
        if !self.problems.is_empty() {
            differences.push(format!(
                "{} cellule(s) invalide(s) : {} ({})",
                self.problems.len(),
                self.problems[0].message,
                self.problems[0].cell
            ));
        }
        let errors: Vec<String> = e
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .map(|p| p.to_string())
            .collect();
        if e.state == State::Invalid {
            differences.push(format!(
                "{} erreur(s) de saisie : {}",
                errors.len(),
                errors.first().cloned().unwrap_or_default()
            ));
        }
        if self.catalog_changed {
            differences.push("le référentiel a changé depuis l'export de la grille".into());
        }
        match &self.metadata {
            None => differences
                .push("métadonnées absentes : grille non produite par caqes ou altérée".into()),
            Some(_) => differences.extend(
                self.metadata_problems
                    .iter()
                    .map(|m| format!("métadonnées incohérentes : {m}")),
            ),
        }
        differences
    }

    /// The declared score against the recomputed one, when they disagree.
    fn score_difference(&self) -> Option<String> {
        let french = |n: Number| n.to_french_auto();
        let declared = self.declared_total.map(|f| {
            Number::parse(&format!("{f}"))
                .map(french)
                .unwrap_or_else(|| f.to_string())
        });
        let rounded_altered = self
            .altered_formulas
            .iter()
            .any(|a| a.cell == self.score_cell);
        match (self.evaluation.total_rounded, self.declared_total) {
            (Some(a), Some(b)) if (a.to_f64() - b).abs() > 1e-9 => Some(format!(
                "score déclaré {} ≠ score recalculé {}",
                declared.clone().unwrap_or_default(),
                french(a)
            )),
            (Some(_), None) if self.cached_results_missing => None,
            (Some(_), None) if !rounded_altered => Some("score déclaré absent de la grille".into()),
            (None, Some(_)) => Some("score déclaré mais non calculable".into()),
            _ => None,
        }
    }

    /// The information lines: inputs edited after export, missing cached results, notes.
    fn informations(&self) -> Vec<String> {
        let mut informations = Vec::new();
        if !self.edited.is_empty() {
            let cells: Vec<&str> = self
                .edited
                .iter()
                .take(3)
                .map(|c| c.cell.as_str())
                .collect();
            informations.push(format!(
                "{} saisie(s) après l'export ({}{})",
                self.edited.len(),
                cells.join(", "),
                if self.edited.len() > 3 { ", …" } else { "" }
            ));
        }
        if self.cached_results_missing {
            informations.push(
                "résultats des formules non enregistrés (outil qui ne recalcule pas) : seul le score recalculé compte"
                    .into(),
            );
        }
        for n in &self.notes {
            informations.push(format!("{} : {}", n.cell, n.message));
        }
        informations
    }
}

/// Reads a grid with the default [`Limits`].
pub fn read_grid(bytes: &[u8], catalogs: &[Catalog]) -> Result<GridRead, GridError> {
    GridReader::new(catalogs).read(bytes)
}

/// Reads a grid.
pub fn read_grid_with_limits(
    bytes: &[u8],
    catalogs: &[Catalog],
    limits: Limits,
) -> Result<GridRead, GridError> {
    GridReader::with_limits(catalogs, limits).read(bytes)
}

/// Reads grids of a set of catalogs, preparing each catalog once (on its
/// first grid): a batch (`caqes verify`) builds one and reads every file
/// with it, from several threads if it likes.
pub struct GridReader<'a> {
    catalogs: &'a [Catalog],
    limits: Limits,
    prepared: Vec<OnceLock<Prepared>>,
}

impl<'a> GridReader<'a> {
    /// A reader with the default [`Limits`].
    pub fn new(catalogs: &'a [Catalog]) -> GridReader<'a> {
        GridReader::with_limits(catalogs, Limits::default())
    }

    /// A reader with the given limits.
    pub fn with_limits(catalogs: &'a [Catalog], limits: Limits) -> GridReader<'a> {
        GridReader {
            catalogs,
            limits,
            prepared: catalogs.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// Reads one grid (same result as [`read_grid_with_limits`]).
    ///
    /// The fast reader (module `read::fast`) reads it from the inflated entries; a file
    /// it leaves aside is read by calamine from the same entries.
    pub fn read(&self, bytes: &[u8]) -> Result<GridRead, GridError> {
        self.read_with(bytes, true)
    }

    /// [`GridReader::read`], with or without the fast reader.
    fn read_with(&self, bytes: &[u8], fast: bool) -> Result<GridRead, GridError> {
        let parts = container::unpack(bytes, self.limits)?;
        let run = || {
            if let Some(parts) = parts.as_ref().filter(|_| fast) {
                if let Ok(mut book) = fast::Book::open(parts) {
                    match read_inner(&mut book, self) {
                        Ok(r) => return Ok(r),
                        Err(Failure::Grid(e)) => return Err(e),
                        Err(Failure::Fallback) => {}
                    }
                }
            }
            let stored = parts.as_ref().and_then(container::Parts::stored_zip);
            let mut xlsx: Xlsx<_> = Xlsx::new(Cursor::new(stored.as_deref().unwrap_or(bytes)))
                .map_err(|e| match e {
                    calamine::XlsxError::Password => GridError::Encrypted,
                    e => GridError::Corrupt(e.to_string()),
                })?;
            read_inner(&mut xlsx, self).map_err(|f| match f {
                Failure::Grid(e) => e,
                Failure::Fallback => GridError::Internal,
            })
        };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
            Ok(r) => r,
            Err(_) => Err(GridError::Internal),
        }
    }

    /// The fast reader alone: `None` when it leaves the file to calamine.
    #[cfg(test)]
    fn read_fast_only(&self, bytes: &[u8]) -> Option<Result<GridRead, GridError>> {
        let parts = match container::unpack(bytes, self.limits) {
            Ok(p) => p?,
            Err(e) => return Some(Err(e)),
        };
        let mut book = fast::Book::open(&parts).ok()?;
        match read_inner(&mut book, self) {
            Ok(r) => Some(Ok(r)),
            Err(Failure::Grid(e)) => Some(Err(e)),
            Err(Failure::Fallback) => None,
        }
    }

    /// The catalog of id `id` and what the reader needs of it.
    fn catalog(&self, id: &str) -> Result<(&'a Catalog, &Prepared), GridError> {
        let catalogs = self.catalogs;
        match catalogs.iter().position(|c| c.campaign.id == id) {
            Some(i) => Ok((
                &catalogs[i],
                self.prepared[i].get_or_init(|| Prepared::new(&catalogs[i])),
            )),
            None if catalogs.len() == 1 => Err(GridError::CatalogMismatch {
                expected: catalogs[0].campaign.id.clone(),
                found: id.to_string(),
            }),
            None => Err(GridError::UnknownCatalog(id.to_string())),
        }
    }
}

/// What reading a grid needs of its catalog, the same for every grid.
struct Prepared {
    layout: Layout,
    /// [`catalog_hash`] of the catalog.
    hash: String,
    /// Every computed cell: sheet, position, the catalog's formula and its
    /// canonical spelling ([`crate::formulas::canonical_formula`]).
    formulas: Vec<(String, Pos, String, String)>,
    /// The input cells (`Sheet!A1`), sorted, as the metadata lists them.
    input_cells: Vec<String>,
    /// By sheet, the cells the reader looks at: inputs, computed cells, summary.
    cells: ByName<String, CellSet>,
}

/// A set of cells of a sheet (rows of the layout, columns up to [`COL_HELP`]).
#[derive(Default)]
struct CellSet(Vec<bool>);

impl CellSet {
    const WIDTH: usize = COL_HELP as usize + 1;

    fn insert(&mut self, (row, col): (u32, u16)) {
        let (Ok(row), col) = (usize::try_from(row), usize::from(col)) else {
            return;
        };
        if col < Self::WIDTH {
            let i = row * Self::WIDTH + col;
            if self.0.len() <= i {
                self.0.resize(i + 1, false);
            }
            self.0[i] = true;
        }
    }

    fn contains(&self, (row, col): (u32, u16)) -> bool {
        let col = usize::from(col);
        col < Self::WIDTH
            && usize::try_from(row)
                .is_ok_and(|r| self.0.get(r * Self::WIDTH + col).copied().unwrap_or(false))
    }
}

/// Cells listed in the metadata that the layout does not name (a grid
/// whose metadata was altered), by sheet: their values are compared too.
fn listed_cells<'a>(
    exported: &'a [(String, String)],
    prep: &Prepared,
) -> ByName<&'a str, CellKeys> {
    let mut out: ByName<&str, CellKeys> = ByName::default();
    for (cell, _) in exported {
        let Some((sheet, a1)) = cell.rsplit_once('!') else {
            continue;
        };
        let Some(pos) = parse_a1(a1) else { continue };
        let key = (pos.row, pos.col);
        if !prep.cells.get(sheet).is_some_and(|c| c.contains(key)) {
            out.entry(sheet).or_default().insert(key);
        }
    }
    out
}

impl Prepared {
    fn new(catalog: &Catalog) -> Prepared {
        let layout = layout(catalog);
        let formulas: Vec<(String, Pos, String, String)> =
            crate::formulas::expected(catalog, &layout)
                .into_iter()
                .map(|(sheet, pos, f)| {
                    let canonical = crate::formulas::canonical_formula(&f);
                    (sheet, pos, f, canonical)
                })
                .collect();
        let mut input_cells: Vec<String> = layout
            .ident
            .iter()
            .map(|r| format!("{IDENT}!{}", r.pos.a1()))
            .chain(layout.indicators.iter().flat_map(|il| {
                il.inputs
                    .iter()
                    .map(move |(_, p)| format!("{}!{}", il.sheet, p.a1()))
            }))
            .collect();
        input_cells.sort();
        let mut cells: ByName<String, CellSet> = ByName::default();
        let mut add = |sheet: &str, p: Pos| {
            if !cells.contains_key(sheet) {
                cells.insert(sheet.to_string(), CellSet::default());
            }
            if let Some(set) = cells.get_mut(sheet) {
                set.insert((p.row, p.col));
            }
        };
        for il in &layout.indicators {
            for (_, p) in &il.inputs {
                add(&il.sheet, *p);
            }
        }
        for (sheet, p, _, _) in &formulas {
            add(sheet, *p);
        }
        add(SYNTH, layout.synth.rounded);
        add(SYNTH, layout.synth.verdict);
        Prepared {
            hash: catalog_hash(catalog),
            layout,
            formulas,
            input_cells,
            cells,
        }
    }
}

/// Value of a cell as read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum V {
    Num(f64),
    Text(String),
    Bool(bool),
    Error,
}

impl V {
    /// [`V::repr`], moving the text of a text cell.
    fn into_repr(self) -> String {
        match self {
            V::Text(t) => t,
            v => v.repr(),
        }
    }

    pub(crate) fn repr(&self) -> String {
        match self {
            V::Num(f) => format!("{f}"),
            V::Text(t) => t.clone(),
            V::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            V::Error => "#ERREUR".into(),
        }
    }
}

/// Maps keyed by cell position (row, column).
pub(crate) type CellMap<T> = HashMap<(u32, u16), T, KeyedHash>;
/// Maps keyed by sheet name.
pub(crate) type ByName<K, T> = HashMap<K, T, KeyedHash>;
pub(crate) type Cells = CellMap<V>;
/// A set of cell positions.
pub(crate) type CellKeys = std::collections::HashSet<(u32, u16), KeyedHash>;
pub(crate) type Formulas = CellMap<String>;

/// The hasher of the reader's maps (cell positions, sheet names): a keyed
/// multiply-and-mix, 8 bytes at a time, several times cheaper than SipHash,
/// which the maps of a grid's cells otherwise spend most of their time in.
/// Keys come from the file: the key, random per process, keeps collisions
/// from being precomputed.
#[derive(Clone, Copy)]
pub(crate) struct KeyedHash(u64);

impl Default for KeyedHash {
    fn default() -> KeyedHash {
        static KEY: OnceLock<u64> = OnceLock::new();
        KeyedHash(*KEY.get_or_init(|| {
            use std::hash::BuildHasher;
            std::collections::hash_map::RandomState::new().hash_one(0x6361_7165_735f_6772u64)
        }))
    }
}

impl std::hash::BuildHasher for KeyedHash {
    type Hasher = KeyedHasher;
    fn build_hasher(&self) -> KeyedHasher {
        KeyedHasher(self.0)
    }
}

/// See [`KeyedHash`]: each integer mixed in by one multiplication, the
/// state finished by murmur3's 64-bit finaliser.
pub(crate) struct KeyedHasher(u64);

impl KeyedHasher {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    fn mix(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(Self::K).rotate_left(29);
    }
}

impl std::hash::Hasher for KeyedHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.mix(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        // The length tells `ab` + `\0` from `ab`.
        self.mix(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
    }
    fn write_u8(&mut self, n: u8) {
        self.mix(u64::from(n));
    }
    fn write_u16(&mut self, n: u16) {
        self.mix(u64::from(n));
    }
    fn write_u32(&mut self, n: u32) {
        self.mix(u64::from(n));
    }
    fn finish(&self) -> u64 {
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        x ^ (x >> 33)
    }
}

/// Values of a sheet (cells with a value or a cached formula result) and
/// formulas (cells with a formula, with or without a cached result).
#[derive(Default, Debug, PartialEq)]
pub(crate) struct SheetData {
    pub(crate) cells: Cells,
    formulas: Formulas,
}

pub(crate) fn read_sheet<R: std::io::Read + std::io::Seek>(
    xlsx: &mut Xlsx<R>,
    name: &str,
    max_col: u16,
    budget: &mut usize,
) -> Result<SheetData, GridError> {
    read_sheet_where(xlsx, name, max_col, budget, &|_| true)
}

/// [`read_sheet`] keeping only the cells `keep` accepts (every cell still
/// counts against the budget).
fn read_sheet_where<R: std::io::Read + std::io::Seek>(
    xlsx: &mut Xlsx<R>,
    name: &str,
    max_col: u16,
    budget: &mut usize,
    keep: &dyn Fn((u32, u16)) -> bool,
) -> Result<SheetData, GridError> {
    let mut out = Cells::default();
    let mut formulas = Formulas::default();
    let mut reader = xlsx
        .worksheet_cells_reader(name)
        .map_err(|e| GridError::Corrupt(format!("feuille « {name} » : {e}")))?;
    loop {
        let cell = reader
            .next_cell_with_formula()
            .map_err(|e| GridError::Corrupt(format!("feuille « {name} » : {e}")))?;
        let Some(cell) = cell else { break };
        if *budget == 0 {
            return Err(GridError::TooLarge("trop de cellules".into()));
        }
        *budget -= 1;
        let (row, col) = cell.pos;
        if col > max_col as u32 || !keep((row, col as u16)) {
            continue;
        }
        if let Some(f) = cell.formula.filter(|f| !f.is_empty()) {
            formulas.insert((row, col as u16), crate::normalise::clip(&f).0);
        }
        let v = match &cell.value {
            DataRef::Empty => continue,
            DataRef::Int(i) => V::Num(*i as f64),
            DataRef::Float(f) => V::Num(*f),
            DataRef::String(s) => V::Text(s.clone()),
            DataRef::SharedString(s) => V::Text(s.to_string()),
            DataRef::Bool(b) => V::Bool(*b),
            DataRef::DateTime(d) => V::Num(d.as_f64()),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => V::Text(s.clone()),
            DataRef::Error(_) => V::Error,
        };
        out.insert((row, col as u16), v);
    }
    Ok(SheetData {
        cells: out,
        formulas,
    })
}

/// Reads a grid: metadata, identification, the catalog it names, every volet's sheet,
/// the answers they carry, their evaluation and what differs from the export.
fn read_inner(xlsx: &mut impl Source, reader: &GridReader) -> Result<GridRead, Failure> {
    let limits = reader.limits;
    let names = xlsx.sheet_names();
    require_sheets(&names)?;
    let mut budget = limits.max_cells;
    let meta_cells = if names.iter().any(|n| n == META) {
        Some(xlsx.sheet(META, 1, &mut budget, &|_| true)?.cells)
    } else {
        None
    };
    let ident_data = xlsx.sheet(IDENT, COL_HELP, &mut budget, &|_| true)?;
    let MetaSheet {
        map: meta_map,
        exported,
        metadata,
    } = read_metadata(meta_cells);
    let id = catalog_id(&ident_data.cells, metadata.as_ref())?;
    let (catalog, prep) = reader.catalog(&id)?;
    let lay = &prep.layout;
    let Sheets { sheets, formulas } =
        read_sheets(xlsx, &names, prep, &exported, ident_data, &mut budget)?;
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    formulas_in_inputs(lay, &sheets, &formulas, &mut problems, &mut notes);
    let percent = percent_formatted(xlsx, catalog, lay, &sheets)?;
    let answers = rebuild(catalog, lay, &sheets, &percent, &mut problems, &mut notes);
    let evaluation = evaluate(catalog, &answers);

    let edited = edited_cells(&exported, &sheets);
    let catalog_changed = metadata
        .as_ref()
        .is_some_and(|m| !m.catalog_sha256.is_empty() && m.catalog_sha256 != prep.hash);
    let synth = sheets.get(SYNTH);
    let summary = |p: Pos| synth.and_then(|c| c.get(&(p.row, p.col)));
    let declared_total = match summary(lay.synth.rounded) {
        Some(V::Num(f)) => Some(*f),
        _ => None,
    };
    let declared_verdict = match summary(lay.synth.verdict) {
        Some(V::Text(t)) if !t.is_empty() => Some(t.clone()),
        _ => None,
    };
    let (altered_formulas, cached_results_missing) = check_formulas(prep, &sheets, &formulas);
    let metadata_problems = metadata
        .as_ref()
        .map(|m| check_metadata(catalog, prep, m, &meta_map, &exported))
        .unwrap_or_default();
    Ok(GridRead {
        catalog: catalog.campaign.id.clone(),
        answers,
        evaluation,
        metadata,
        catalog_changed,
        answers_sha256: OnceLock::new(),
        edited,
        problems,
        declared_total,
        score_cell: format!("{SYNTH}!{}", lay.synth.rounded.a1()),
        declared_verdict,
        altered_formulas,
        cached_results_missing,
        metadata_problems,
        notes,
    })
}

/// Not a grid without an Identification and a Synthèse sheet.
fn require_sheets(names: &[String]) -> Result<(), Failure> {
    for s in [IDENT, SYNTH] {
        if !names.iter().any(|n| n == s) {
            return Err(GridError::NotAGrid(format!(
                "feuille « {s} » absente (feuilles trouvées : {})",
                names.join(", ")
            ))
            .into());
        }
    }
    Ok(())
}

/// What the hidden metadata sheet holds.
struct MetaSheet {
    /// Its key/value pairs (up to `cells`).
    map: BTreeMap<String, String>,
    /// The exported value of every input cell (the rows after `cells`).
    exported: Vec<(String, String)>,
    /// The metadata, when the sheet exists.
    metadata: Option<Metadata>,
}

/// Reads the hidden metadata sheet, when there is one.
fn read_metadata(mut meta_cells: Option<Cells>) -> MetaSheet {
    let mut meta_map: BTreeMap<String, String> = BTreeMap::new();
    let mut exported: Vec<(String, String)> = Vec::new();
    if let Some(mc) = meta_cells.as_mut() {
        let mut rows: Vec<u32> = mc.keys().map(|(r, _)| *r).collect();
        rows.sort_unstable();
        rows.dedup();
        let mut in_cells = false;
        // Each cell taken once: its text is moved, not copied.
        for r in rows {
            let k = mc.remove(&(r, 0)).map(V::into_repr).unwrap_or_default();
            let v = mc.remove(&(r, 1)).map(V::into_repr).unwrap_or_default();
            if in_cells {
                exported.push((k, v));
            } else {
                if k == "cells" {
                    in_cells = true;
                }
                meta_map.insert(k, v);
            }
        }
    }
    let metadata = meta_cells.as_ref().map(|_| {
        let g = |k: &str| meta_map.get(k).cloned().unwrap_or_default();
        Metadata {
            format: g("format"),
            layout_version: g("layout_version"),
            catalog_id: g("catalog_id"),
            catalog_sha256: g("catalog_sha256"),
            engine_version: g("engine_version"),
            export_time: g("export_time"),
            answers_sha256: g("answers_sha256"),
            grid_answers_sha256: g("grid_answers_sha256"),
            declared_total: g("declared_total"),
        }
    });
    MetaSheet {
        map: meta_map,
        exported,
        metadata,
    }
}

/// The catalog of the grid: the visible identification cell, else the metadata.
fn catalog_id(ident: &Cells, metadata: Option<&Metadata>) -> Result<String, Failure> {
    let probe = layout_probe();
    let visible_id = ident
        .get(&(probe.row, probe.col))
        .map(V::repr)
        .unwrap_or_default();
    let id = if !visible_id.trim().is_empty() {
        visible_id.trim().to_string()
    } else {
        metadata.map(|m| m.catalog_id.clone()).unwrap_or_default()
    };
    if id.is_empty() {
        return Err(GridError::NotAGrid("identifiant du référentiel absent".into()).into());
    }
    Ok(id)
}

/// The values and the formulas of every sheet read, by sheet name.
struct Sheets {
    sheets: ByName<String, Cells>,
    formulas: ByName<String, Formulas>,
}

/// Every sheet's values and formulas: the Identification sheet already read, then
/// each volet's sheet and the Synthèse, only the cells looked at (labels are skipped).
fn read_sheets(
    xlsx: &mut impl Source,
    names: &[String],
    prep: &Prepared,
    exported: &[(String, String)],
    ident_data: SheetData,
    budget: &mut usize,
) -> Result<Sheets, Failure> {
    let lay = &prep.layout;
    let listed = listed_cells(exported, prep);
    let keep = |sheet: &str| {
        let known = prep.cells.get(sheet);
        let listed = listed.get(sheet);
        move |key: (u32, u16)| {
            known.is_some_and(|k| k.contains(key)) || listed.is_some_and(|l| l.contains(&key))
        }
    };
    let mut sheets: ByName<String, Cells> = ByName::default();
    let mut formulas: ByName<String, Formulas> = ByName::default();
    sheets.insert(IDENT.into(), ident_data.cells);
    formulas.insert(IDENT.into(), ident_data.formulas);
    for vl in &lay.volets {
        if !names.iter().any(|n| n == &vl.sheet) {
            return Err(GridError::NotAGrid(format!(
                "feuille « {} » absente : grille modifiée ou d'une autre version",
                vl.sheet
            ))
            .into());
        }
        let data = xlsx.sheet(&vl.sheet, COL_HELP, budget, &keep(&vl.sheet))?;
        sheets.insert(vl.sheet.clone(), data.cells);
        formulas.insert(vl.sheet.clone(), data.formulas);
    }
    let synth_data = xlsx.sheet(SYNTH, COL_HELP, budget, &keep(SYNTH))?;
    sheets.insert(SYNTH.into(), synth_data.cells);
    formulas.insert(SYNTH.into(), synth_data.formulas);
    Ok(Sheets { sheets, formulas })
}

/// The input cells whose value differs from the one exported in the metadata.
fn edited_cells(exported: &[(String, String)], sheets: &ByName<String, Cells>) -> Vec<EditedCell> {
    let mut edited = Vec::new();
    for (cell, was) in exported {
        let Some((sheet, a1)) = cell.rsplit_once('!') else {
            continue;
        };
        let Some(pos) = parse_a1(a1) else { continue };
        let now = sheets.get(sheet).and_then(|c| c.get(&(pos.row, pos.col)));
        // Text compared in place: most cells are unchanged.
        let same = match now {
            Some(V::Text(t)) => t == was,
            None => was.is_empty(),
            Some(v) => v.repr() == *was,
        };
        if !same {
            edited.push(EditedCell {
                cell: cell.clone(),
                exported: was.clone(),
                current: now.map(V::repr).unwrap_or_default(),
            });
        }
    }
    edited
}

/// Compares every computed cell with the catalog's formula (canonical
/// spellings); also tells whether the formulas are intact but carry no result.
fn check_formulas(
    prep: &Prepared,
    sheets: &ByName<String, Cells>,
    formulas: &ByName<String, Formulas>,
) -> (Vec<AlteredFormula>, bool) {
    let mut altered = Vec::new();
    let (mut intact, mut intact_with_result) = (0usize, 0usize);
    for (sheet, pos, expected, canonical) in &prep.formulas {
        let key = (pos.row, pos.col);
        let found = formulas.get(sheet).and_then(|f| f.get(&key));
        let value = sheets.get(sheet).and_then(|c| c.get(&key));
        // The formula as written is the common case: no need to respell it.
        let same = found
            .is_some_and(|f| f == expected || crate::formulas::canonical_formula(f) == *canonical);
        if same {
            intact += 1;
            if value.is_some() {
                intact_with_result += 1;
            }
        } else {
            altered.push(AlteredFormula {
                cell: format!("{sheet}!{}", pos.a1()),
                expected: expected.clone(),
                found: found.cloned(),
                value: value.map(V::repr).unwrap_or_default(),
            });
        }
    }
    (altered, intact > 0 && intact_with_result == 0)
}

/// A formula typed in a pink input cell: its stored result is read (an
/// information); without a stored result the value is unknown (a problem,
/// rather than an input silently read as empty or pre-filled).
fn formulas_in_inputs(
    lay: &Layout,
    sheets: &ByName<String, Cells>,
    formulas: &ByName<String, Formulas>,
    problems: &mut Vec<CellProblem>,
    notes: &mut Vec<CellProblem>,
) {
    let inputs =
        lay.ident
            .iter()
            .map(|r| (IDENT, r.pos, None))
            .chain(lay.indicators.iter().flat_map(|il| {
                il.inputs
                    .iter()
                    .map(move |(_, p)| (il.sheet.as_str(), *p, Some(il.id.as_str())))
            }));
    for (sheet, pos, indicator) in inputs {
        let key = (pos.row, pos.col);
        let Some(f) = formulas.get(sheet).and_then(|f| f.get(&key)) else {
            continue;
        };
        let cell = format!("{sheet}!{}", pos.a1());
        let indicator = indicator.map(str::to_string);
        let shown: String = f.chars().take(60).collect();
        match sheets.get(sheet).and_then(|c| c.get(&key)) {
            Some(v) => notes.push(CellProblem {
                cell,
                indicator,
                message: format!(
                    "formule « ={shown} » dans une cellule de saisie : son résultat « {} » est lu",
                    v.repr()
                ),
            }),
            None => problems.push(CellProblem {
                cell,
                indicator,
                message: format!(
                    "formule « ={shown} » sans résultat enregistré dans une cellule de saisie : saisir la valeur elle-même"
                ),
            }),
        }
    }
}

/// Metadata that does not fit the grid (French messages).
fn check_metadata(
    catalog: &Catalog,
    prep: &Prepared,
    m: &Metadata,
    map: &BTreeMap<String, String>,
    exported: &[(String, String)],
) -> Vec<String> {
    let mut out = Vec::new();
    if m.format != "caqes-grid" {
        out.push(format!("format « {} » au lieu de « caqes-grid »", m.format));
    }
    if m.layout_version != LAYOUT_VERSION {
        out.push(format!(
            "version de mise en page « {} » au lieu de « {LAYOUT_VERSION} »",
            m.layout_version
        ));
    }
    if m.catalog_id != catalog.campaign.id {
        out.push(format!(
            "référentiel « {} » dans les métadonnées, « {} » dans la feuille {IDENT}",
            m.catalog_id, catalog.campaign.id
        ));
    }
    for (key, what) in [
        ("catalog_sha256", "empreinte du référentiel"),
        ("engine_version", "version du moteur"),
        ("export_time", "date d'export"),
    ] {
        if map.get(key).is_none_or(|v| v.trim().is_empty()) {
            out.push(format!("{what} ({key}) absente"));
        }
    }
    let count = map
        .get("cells")
        .and_then(|c| c.trim().parse::<usize>().ok());
    if count != Some(exported.len()) {
        out.push(format!(
            "{} cellule(s) de saisie listée(s), {} annoncée(s)",
            exported.len(),
            map.get("cells").cloned().unwrap_or_default()
        ));
    }
    let expected = &prep.input_cells;
    let mut listed: Vec<&str> = exported.iter().map(|(k, _)| k.as_str()).collect();
    listed.sort_unstable();
    if !expected
        .iter()
        .map(String::as_str)
        .eq(listed.iter().copied())
    {
        let extra = listed
            .iter()
            .filter(|c| !expected.iter().any(|e| e == *c))
            .count();
        let absent = expected
            .iter()
            .filter(|c| !listed.contains(&c.as_str()))
            .count();
        out.push(format!(
            "liste des cellules de saisie différente de la grille ({absent} absente(s), {extra} inconnue(s))"
        ));
    }
    out
}

/// Position of the catalog id cell (independent of the catalog).
fn layout_probe() -> Pos {
    Pos::new(FIRST_ROW, COL_TEXT)
}

fn parse_a1(a1: &str) -> Option<Pos> {
    let n = a1.bytes().take_while(u8::is_ascii_alphabetic).count();
    let (letters, digits) = a1.split_at(n);
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut col: u32 = 0;
    for c in letters.bytes() {
        col = col * 26 + u32::from(c.to_ascii_uppercase() - b'A' + 1);
    }
    let row: u32 = digits.parse().ok()?;
    if row == 0 || col == 0 || col > 16_384 {
        return None;
    }
    Some(Pos::new(row - 1, (col - 1) as u16))
}

struct Ctx<'a> {
    sheets: &'a ByName<String, Cells>,
    /// Input cells holding a number under a percentage format ([`percent_formatted`]).
    percent: &'a ByName<String, PercentCells>,
    problems: &'a mut Vec<CellProblem>,
    notes: &'a mut Vec<CellProblem>,
}

impl Ctx<'_> {
    fn get(&self, sheet: &str, pos: Pos) -> Option<&V> {
        self.sheets
            .get(sheet)
            .and_then(|c| c.get(&(pos.row, pos.col)))
    }
    /// An information line on a cell (never an écart).
    fn note(&mut self, sheet: &str, pos: Pos, ind: Option<&str>, message: String) {
        self.notes.push(CellProblem {
            cell: format!("{sheet}!{}", pos.a1()),
            indicator: ind.map(str::to_string),
            message,
        });
    }
    fn problem(&mut self, sheet: &str, pos: Pos, ind: Option<&str>, message: String) {
        self.problems.push(CellProblem {
            cell: format!("{sheet}!{}", pos.a1()),
            indicator: ind.map(str::to_string),
            message,
        });
    }
    /// Text of a cell ("" when empty); numbers are written as text.
    fn text(&self, sheet: &str, pos: Pos) -> String {
        match self.get(sheet, pos) {
            None => String::new(),
            Some(V::Text(t)) => t.clone(),
            Some(V::Num(f)) => crate::normalise::json_number(*f)
                .map(|v| v.to_string())
                .unwrap_or_default(),
            Some(V::Bool(b)) => if *b { OUI } else { NON }.into(),
            Some(V::Error) => String::new(),
        }
    }
    /// A choice among labels: Some(index), None when empty; problems for others.
    fn choice(
        &mut self,
        sheet: &str,
        pos: Pos,
        ind: Option<&str>,
        what: &str,
        labels: &[&str],
    ) -> Option<usize> {
        let t = self.text(sheet, pos);
        let t = t.trim();
        if t.is_empty() {
            return None;
        }
        let found = labels
            .iter()
            .position(|l| l.eq_ignore_ascii_case(t) || l.to_lowercase() == t.to_lowercase());
        if found.is_none() {
            self.problem(
                sheet,
                pos,
                ind,
                format!(
                    "{what} : « {t} » n'est pas une valeur de la liste ({})",
                    labels.join(", ")
                ),
            );
        }
        found
    }
    fn yes_no(&mut self, sheet: &str, pos: Pos, ind: Option<&str>, what: &str) -> Option<bool> {
        match self.get(sheet, pos) {
            Some(V::Bool(b)) => Some(*b),
            _ => self
                .choice(sheet, pos, ind, what, &[OUI, NON])
                .map(|i| i == 0),
        }
    }
    /// A number typed « 85 % » in a spreadsheet: the application stores 0,85
    /// under a percentage format. In a percentage input it means 85 (read so,
    /// with a note); elsewhere it is an error, never a silent 100× value.
    #[allow(clippy::too_many_arguments)]
    fn percent_cell(
        &mut self,
        sheet: &str,
        pos: Pos,
        ind: Option<&str>,
        what: &str,
        unit: Option<Unit>,
        expected: bool,
        f: f64,
    ) -> Option<serde_json::Value> {
        // `f64`'s Display is its shortest exact decimal text, without exponent.
        let scaled = Number::parse(&f.to_string()).and_then(|n| n.mul(Number::HUNDRED).ok());
        match (expected, scaled) {
            (true, Some(n)) => {
                if let Some(m) = number_problem(n, unit) {
                    self.problem(sheet, pos, ind, format!("{what} : {m}"));
                }
                let shown = n.to_french_auto();
                self.note(
                    sheet,
                    pos,
                    ind,
                    format!(
                        "{what} : cellule au format pourcentage ({shown} %), lue comme {shown}"
                    ),
                );
                Some(json_of(n))
            }
            (_, shown) => {
                let shown = shown.map(|n| format!("{} %", n.to_french_auto()));
                self.problem(
                    sheet,
                    pos,
                    ind,
                    format!(
                        "{what} : nombre saisi au format pourcentage ({}) alors qu'un nombre sans % est attendu",
                        shown.unwrap_or_else(|| f.to_string())
                    ),
                );
                crate::normalise::json_number(f)
            }
        }
    }

    /// Whether the cell holds a number under a percentage format, and if so
    /// whether a percentage is expected there.
    fn percent_expected(&self, sheet: &str, pos: Pos) -> Option<bool> {
        self.percent
            .get(sheet)
            .and_then(|c| c.get(&(pos.row, pos.col)))
            .copied()
    }

    /// A numeric input as JSON, with problems for text and out-of-range values.
    fn number(
        &mut self,
        sheet: &str,
        pos: Pos,
        ind: Option<&str>,
        what: &str,
        unit: Option<Unit>,
    ) -> Option<serde_json::Value> {
        match self.get(sheet, pos).cloned() {
            None => None,
            Some(V::Num(f)) if self.percent_expected(sheet, pos).is_some() => {
                let expected = self.percent_expected(sheet, pos) == Some(true);
                self.percent_cell(sheet, pos, ind, what, unit, expected, f)
            }
            Some(V::Num(f)) => {
                let msg = if f < 0.0 {
                    Some(format!("{what} : valeur négative ({f})"))
                } else {
                    match unit {
                        Some(Unit::Count) if f.fract() != 0.0 => {
                            Some(format!("{what} : un nombre entier est attendu ({f})"))
                        }
                        Some(Unit::Percent) if f > 100.0 => {
                            Some(format!("{what} : pourcentage supérieur à 100 ({f})"))
                        }
                        Some(Unit::Amount) if (f * 100.0).round() / 100.0 != f => Some(format!(
                            "{what} : au plus 2 décimales pour un montant ({f})"
                        )),
                        _ => None,
                    }
                };
                if let Some(m) = msg {
                    self.problem(sheet, pos, ind, m);
                }
                crate::normalise::json_number(f)
            }
            Some(V::Text(t)) if t.trim().is_empty() => None,
            Some(V::Text(t)) => match typed_number(&t, unit) {
                Some(n) => {
                    if let Some(m) = number_problem(n, unit) {
                        self.problem(sheet, pos, ind, format!("{what} : {m}"));
                    }
                    self.note(
                        sheet,
                        pos,
                        ind,
                        format!(
                            "{what} : texte « {t} » lu comme le nombre {}",
                            n.to_french_auto()
                        ),
                    );
                    Some(json_of(n))
                }
                None => {
                    let hint = if unit == Some(Unit::Percent) {
                        " ; par ex. 84,5 ou 85 %"
                    } else {
                        " ; par ex. 84,5"
                    };
                    self.problem(
                        sheet,
                        pos,
                        ind,
                        format!(
                            "{what} : texte « {t} » dans une cellule numérique (un nombre est attendu{hint})"
                        ),
                    );
                    Some(serde_json::Value::String(t))
                }
            },
            Some(V::Bool(b)) => {
                self.problem(
                    sheet,
                    pos,
                    ind,
                    format!("{what} : valeur logique dans une cellule numérique"),
                );
                Some(serde_json::Value::String(
                    if b { "VRAI" } else { "FAUX" }.into(),
                ))
            }
            Some(V::Error) => {
                self.problem(sheet, pos, ind, format!("{what} : cellule en erreur"));
                None
            }
        }
    }
}

/// Cells holding a number under a percentage format, with whether a
/// percentage is expected there (percentage input or target).
type PercentCells = CellMap<bool>;

/// The input cells that hold a number under a percentage number format
/// (« 85 % » typed in Excel or LibreOffice is stored as 0,85), by sheet.
/// Only sheets with a candidate (a number between -1 and 1 in an input or
/// target cell) get the second pass over their cell styles.
fn percent_formatted(
    xlsx: &mut impl Source,
    catalog: &Catalog,
    lay: &Layout,
    sheets: &ByName<String, Cells>,
) -> Result<ByName<String, PercentCells>, Failure> {
    let mut candidates: ByName<&str, PercentCells> = ByName::default();
    for il in &lay.indicators {
        let Some(cells) = sheets.get(&il.sheet) else {
            continue;
        };
        let Some(ind) = catalog.indicator(&il.id) else {
            continue;
        };
        for (kind, pos) in &il.inputs {
            let expected = match kind {
                CellKind::Input(id) => ind
                    .measure
                    .inputs()
                    .iter()
                    .find(|i| i.id() == id)
                    .is_some_and(|i| i.unit() == Unit::Percent),
                CellKind::Target => ind
                    .measure
                    .target()
                    .is_some_and(|t| t.unit == Unit::Percent),
                _ => continue,
            };
            let key = (pos.row, pos.col);
            if matches!(cells.get(&key), Some(V::Num(f)) if *f != 0.0 && f.abs() <= 1.0) {
                candidates
                    .entry(il.sheet.as_str())
                    .or_default()
                    .insert(key, expected);
            }
        }
    }
    let mut out = ByName::default();
    for (sheet, wanted) in candidates {
        let found = xlsx.percent_cells(sheet, &wanted)?;
        if !found.is_empty() {
            out.insert(sheet.to_string(), found);
        }
    }
    Ok(out)
}

/// Whether a number format code shows its value as a percentage: a `%`
/// outside quoted text, escapes (`\%`) and brackets (`[Red]`).
fn is_percent_format(code: &str) -> bool {
    let (mut quoted, mut bracket, mut escaped) = (false, false, false);
    for c in code.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if !quoted => escaped = true,
            '"' => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            '%' if !quoted && !bracket => return true,
            _ => {}
        }
    }
    false
}

/// A number typed as text the French way: « 84,5 », « 1 234,5 », and in a
/// percentage cell « 85 % » or « 85% ». Exact (decimal parsing of
/// [`Number::parse`], never through `f64`); `None` for anything else.
fn typed_number(text: &str, unit: Option<Unit>) -> Option<Number> {
    let t = text.trim();
    let t = if unit == Some(Unit::Percent) {
        t.strip_suffix('%')
            .map(|x| x.trim_end_matches([' ', '\u{a0}', '\u{202f}']))
            .unwrap_or(t)
    } else {
        t
    };
    if t.contains('_') || !t.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    Number::parse(t)
}

/// Why a number does not fit its unit (French), like the checks on numeric cells.
fn number_problem(n: Number, unit: Option<Unit>) -> Option<String> {
    let shown = n.to_french_auto();
    if n.is_negative() {
        return Some(format!("valeur négative ({shown})"));
    }
    match unit {
        Some(Unit::Count) if !n.is_integer() => {
            Some(format!("un nombre entier est attendu ({shown})"))
        }
        Some(Unit::Percent) if n > Number::HUNDRED => {
            Some(format!("pourcentage supérieur à 100 ({shown})"))
        }
        Some(Unit::Amount) if !n.mul(Number::HUNDRED).is_ok_and(|c| c.is_integer()) => {
            Some(format!("au plus 2 décimales pour un montant ({shown})"))
        }
        _ => None,
    }
}

/// An exact number as the JSON value of an input: an integer, else a JSON
/// number whose text reads back to exactly `n`, else the decimal text (which
/// the core parses exactly).
fn json_of(n: Number) -> serde_json::Value {
    let text = n.to_decimal_string(12);
    if n.is_integer() {
        if let Ok(i) = text.parse::<i64>() {
            return serde_json::Value::from(i);
        }
    }
    match serde_json::from_str::<serde_json::Number>(&text) {
        Ok(j) if Number::from_json(&j) == Some(n) => serde_json::Value::Number(j),
        _ => serde_json::Value::String(text),
    }
}

/// The answers a grid carries: its identification, then each indicator's cells.
fn rebuild(
    catalog: &Catalog,
    lay: &Layout,
    sheets: &ByName<String, Cells>,
    percent: &ByName<String, PercentCells>,
    problems: &mut Vec<CellProblem>,
    notes: &mut Vec<CellProblem>,
) -> Answers {
    let mut cx = Ctx {
        sheets,
        percent,
        problems,
        notes,
    };
    let mut a = Answers {
        catalog: catalog.campaign.id.clone(),
        ..Answers::default()
    };
    for r in &lay.ident {
        read_ident_field(&mut cx, catalog, r, &mut a);
    }
    for il in &lay.indicators {
        let Some(ind) = catalog.indicator(&il.id) else {
            continue;
        };
        let ans = read_indicator(&mut cx, il, ind);
        let _ = matches!(ind.measure, Measure::Criteria { .. });
        if ans != IndicatorAnswer::default() {
            a.indicators.insert(ind.id.to_string(), ans);
        }
    }
    let _: &[Category] = &a.establishment.categories;
    a
}

/// One row of the Identification sheet into the answers.
fn read_ident_field(cx: &mut Ctx<'_>, catalog: &Catalog, r: &IdentRow, a: &mut Answers) {
    let p = r.pos;
    let what = r.label.as_str();
    let e = &mut a.establishment;
    match &r.field {
        IdentField::Finess => {
            let mut t = cx.text(IDENT, p).trim().to_string();
            if matches!(cx.get(IDENT, p), Some(V::Num(_))) && t.len() < 9 && !t.is_empty() {
                t = format!("{t:0>9}");
            }
            e.finess = t;
        }
        IdentField::Name => e.name = cx.text(IDENT, p),
        IdentField::Departement => e.departement = cx.text(IDENT, p),
        IdentField::LegalStatus => {
            let labels = LegalStatus::ALL.map(|l| l.label());
            e.legal_status = cx
                .choice(IDENT, p, None, what, &labels)
                .map(|i| LegalStatus::ALL[i]);
        }
        IdentField::Funding => {
            let all = [Funding::ExDg, Funding::ExOqn];
            e.funding = cx
                .choice(IDENT, p, None, what, &all.map(|f| f.label()))
                .map(|i| all[i]);
        }
        IdentField::Category(c) => {
            if cx.yes_no(IDENT, p, None, what) == Some(true) {
                e.categories.push(*c);
            }
        }
        IdentField::Beds | IdentField::Places | IdentField::PreviousScore => {
            read_ident_number(cx, r, a)
        }
        IdentField::Question(id, kind) => {
            if let Some(v) = question_answer(cx, catalog, id, *kind, p, what) {
                a.establishment.answers.insert(id.clone(), v);
            }
        }
    }
}

/// Beds, places (positive integers) or the previous score, from the Identification sheet.
fn read_ident_number(cx: &mut Ctx<'_>, r: &IdentRow, a: &mut Answers) {
    let p = r.pos;
    let what = r.label.as_str();
    let v = cx.number(IDENT, p, None, what, None);
    let e = &mut a.establishment;
    match (&r.field, v) {
        (IdentField::PreviousScore, Some(serde_json::Value::Number(n))) => {
            a.previous_score = Number::from_json(&n);
        }
        (IdentField::PreviousScore, Some(_)) => {}
        (f, Some(serde_json::Value::Number(n))) => {
            let u = n.as_u64().and_then(|u| u32::try_from(u).ok());
            if u.is_none() {
                cx.problem(
                    IDENT,
                    p,
                    None,
                    format!("{what} : nombre entier positif attendu"),
                );
            }
            if *f == IdentField::Beds {
                e.beds = u;
            } else {
                e.places = u;
            }
        }
        _ => {}
    }
}

/// The answer to one identification question, by its kind (Oui/Non, option, integer, text).
fn question_answer(
    cx: &mut Ctx<'_>,
    catalog: &Catalog,
    id: &str,
    kind: QuestionKind,
    p: Pos,
    what: &str,
) -> Option<serde_json::Value> {
    match kind {
        QuestionKind::Bool => {
            cx.get(IDENT, p)?;
            let t = cx.text(IDENT, p);
            match t.trim() {
                "" => None,
                x if x.eq_ignore_ascii_case(OUI) => Some(serde_json::Value::Bool(true)),
                x if x.eq_ignore_ascii_case(NON) => Some(serde_json::Value::Bool(false)),
                _ => {
                    cx.problem(
                        IDENT,
                        p,
                        None,
                        format!("{what} : « {t} » : Oui ou Non attendu"),
                    );
                    Some(serde_json::Value::String(t))
                }
            }
        }
        QuestionKind::Choice => {
            let t = cx.text(IDENT, p);
            if t.trim().is_empty() {
                return None;
            }
            let opt = catalog
                .question(id)
                .and_then(|q| q.options.iter().find(|o| o.label == t || o.id == t));
            match opt {
                Some(o) => Some(serde_json::Value::String(o.id.clone())),
                None => {
                    cx.problem(
                        IDENT,
                        p,
                        None,
                        format!("{what} : « {t} » n'est pas une option de la liste"),
                    );
                    Some(serde_json::Value::String(t))
                }
            }
        }
        QuestionKind::Integer => cx.number(IDENT, p, None, what, Some(Unit::Count)),
        QuestionKind::Text => {
            let t = cx.text(IDENT, p);
            if t.trim().is_empty() {
                None
            } else {
                Some(serde_json::Value::String(t))
            }
        }
    }
}

/// One indicator's answer from its cells on its volet's sheet (statut, saisies, critères, preuves).
fn read_indicator(
    cx: &mut Ctx<'_>,
    il: &IndicatorLayout,
    ind: &caqes_engine::Indicator,
) -> IndicatorAnswer {
    let sheet = il.sheet.as_str();
    let iid = Some(ind.id.as_str());
    let mut ans = IndicatorAnswer::default();
    let inputs = ind.measure.inputs();
    for (kind, pos) in &il.inputs {
        let p = *pos;
        match kind {
            CellKind::Status => {
                ans.status = cx
                    .choice(
                        sheet,
                        p,
                        iid,
                        "statut",
                        &[RENSEIGNE, NON_CONCERNE, NON_MESURABLE],
                    )
                    .map(|i| match i {
                        0 => DeclaredStatus::Renseigne,
                        1 => DeclaredStatus::NonConcerne,
                        _ => DeclaredStatus::NonMesurable,
                    });
            }
            CellKind::Justification => ans.justification = cx.text(sheet, p),
            CellKind::Comment => ans.comment = cx.text(sheet, p),
            CellKind::Input(id) => {
                let input = inputs.iter().find(|i| i.id() == id);
                let label = input.map(|i| i.label().to_string()).unwrap_or_default();
                if let Some(v) = cx.number(
                    sheet,
                    p,
                    iid,
                    &format!("« {label} »"),
                    input.map(|i| i.unit()),
                ) {
                    ans.inputs.insert(id.clone(), v);
                }
            }
            CellKind::Criterion(id) => {
                if let Some(b) = cx.yes_no(sheet, p, iid, "critère") {
                    ans.criteria.insert(id.clone(), b);
                }
            }
            CellKind::Target => match cx.number(sheet, p, iid, "cible personnalisée", None) {
                Some(serde_json::Value::Number(n)) => ans.target = Number::from_json(&n),
                Some(_) => {}
                None => {}
            },
            CellKind::Evidence(id) => {
                if cx.yes_no(sheet, p, iid, "élément de preuve") == Some(true) {
                    ans.evidence.push(id.clone());
                }
            }
        }
    }
    ans
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every bundled catalog's grid, blank and with its example answers.
    fn grids() -> (Vec<Catalog>, Vec<Vec<u8>>) {
        let catalogs = caqes_catalogs::bundled().expect("bundled catalogs");
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/answers");
        let mut grids = Vec::new();
        for c in &catalogs {
            grids.push(crate::write_grid(c, None, "2026-01-01T00:00:00Z").unwrap());
            let Ok(dir) = std::fs::read_dir(root.join(&c.campaign.id)) else {
                continue;
            };
            for f in dir.flatten() {
                let text = std::fs::read_to_string(f.path()).unwrap();
                if let Ok(a) = Answers::from_json(&text) {
                    grids.push(crate::write_grid(c, Some(&a), "2026-01-01T00:00:00Z").unwrap());
                }
            }
        }
        (catalogs, grids)
    }

    fn outcome(r: &Result<GridRead, GridError>) -> String {
        match r {
            Ok(g) => serde_json::to_string(g).unwrap() + &format!("{:?}", g.review()),
            Err(e) => format!("{e:?}"),
        }
    }

    #[test]
    fn grids_are_scanned_and_read_as_calamine_reads_them() {
        let (catalogs, grids) = grids();
        let reader = GridReader::new(&catalogs);
        for g in &grids {
            let fast = reader
                .read_fast_only(g)
                .expect("the fast reader reads our grids");
            assert_eq!(outcome(&fast), outcome(&reader.read_with(g, false)));
            let parts = container::unpack(g, Limits::default()).unwrap().unwrap();
            let mut book = fast::Book::open(&parts).unwrap();
            read_inner(&mut book, &reader).ok().unwrap();
            assert_eq!(
                book.scanned(),
                book.sheet_names().len(),
                "every sheet scanned"
            );
        }
    }

    /// Mutations inside the parts (sheets, shared strings, styles,
    /// workbook): whatever the fast reader answers, calamine answers too.
    #[test]
    fn mutated_grids_read_as_calamine_reads_them() {
        use std::io::{Read, Write};
        let (catalogs, grids) = grids();
        let reader = GridReader::new(&catalogs);
        let mut seed: u64 = 0x5eed;
        let mut rand = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as usize) % n.max(1)
        };
        let (mut fast_answers, mut total) = (0, 0);
        for round in 0..400 {
            let base = &grids[round % grids.len()];
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(base)).unwrap();
            let names: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
            let xml: Vec<usize> = (0..names.len())
                .filter(|&i| names[i].starts_with("xl/") && names[i].ends_with(".xml"))
                .collect();
            let target = xml[rand(xml.len())];
            let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            for (i, name) in names.iter().enumerate() {
                let mut data = Vec::new();
                zip.by_index(i).unwrap().read_to_end(&mut data).unwrap();
                if i == target {
                    let at = rand(data.len());
                    match rand(4) {
                        0 => data[at] ^= 1 << rand(8),
                        1 => data.truncate(at),
                        2 => {
                            let piece: Vec<u8> = data[at..(at + rand(64)).min(data.len())].to_vec();
                            let to = rand(data.len());
                            data.splice(to..to, piece);
                        }
                        _ => {
                            let snippet = [
                                &b"<"[..],
                                b">",
                                b"&amp;",
                                b"&",
                                b"\"",
                                b"</c>",
                                b"<c>",
                                b" t=\"s\"",
                                b"<v>9</v>",
                                b"_x0041_",
                                b" r=\"B2\"",
                                b"\r",
                            ];
                            let s = snippet[rand(snippet.len())];
                            data.splice(at..at, s.iter().copied());
                        }
                    }
                }
                out.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
                    .unwrap();
                out.write_all(&data).unwrap();
            }
            let bytes = out.finish().unwrap().into_inner();
            total += 1;
            if let Some(fast) = reader.read_fast_only(&bytes) {
                fast_answers += 1;
                let reference = reader.read_with(&bytes, false);
                // calamine parses fonts, fills and borders, which the fast
                // reader skips: a style sheet only it refuses is allowed.
                let styles_only = target
                    == names
                        .iter()
                        .position(|n| n == "xl/styles.xml")
                        .unwrap_or(usize::MAX)
                    && matches!(reference, Err(GridError::Corrupt(_)));
                if !styles_only {
                    assert_eq!(
                        outcome(&fast),
                        outcome(&reference),
                        "round {round}, {}",
                        names[target]
                    );
                }
            }
        }
        assert!(fast_answers * 2 > total, "{fast_answers} of {total}");
    }

    #[test]
    fn percentage_formats_are_told_from_literal_percent_signs() {
        for code in ["0%", "0.00%", "#,##0.0 %", "[Red]0%", "0%;[Red]-0%"] {
            assert!(is_percent_format(code), "{code}");
        }
        // The grid's own formats, a literal « % » in quotes or escaped, a colour.
        for code in [
            "General",
            "#,##0.##########",
            "0\" %\"",
            "0\\%",
            "[$%-40C]0",
            "@",
        ] {
            assert!(!is_percent_format(code), "{code}");
        }
    }

    #[test]
    fn typed_percent_sign_is_accepted_in_percentage_cells_only() {
        assert_eq!(
            typed_number("85 %", Some(Unit::Percent)),
            Number::parse("85")
        );
        assert_eq!(typed_number("85 %", Some(Unit::Count)), None);
    }
}
