//! # caqes-web-grid
//!
//! The Excel grid of the web form, split out of the form's main WebAssembly
//! module: the xlsx writer (rust_xlsxwriter, zip, deflate) and reader
//! (calamine, quick-xml) are as big as the form itself, and only the
//! « Télécharger la grille Excel » and « Ouvrir une grille Excel… » buttons
//! need them. `scripts/build-web` builds this crate as a second module that
//! `web/static/loader.js` imports on the first click (`window.caqesGrid`,
//! `window.caqesGridOpen`); the service worker pre-caches it with every other
//! asset, so both work offline too.
//!
//! The form hands over the catalog as its TOML file ([`CatalogSource`]: one
//! the user opened, or the name of a bundled file, which this module embeds,
//! and the campaign id), which this module loads with the engine's own loader
//! (the form then needs no serialisation of the catalog), and the answers as
//! canonical JSON; it calls
//! the same [`caqes_grid::write_grid`] as `caqes grid`. [`open_grid`] calls
//! the same [`caqes_grid::read_grid_with_limits`] as `caqes verify`, with the
//! same default limits, and returns what the form needs ([`Opened`]).
//! [`preview_html`] builds the « Aperçu du rapport » with the report builder of
//! `caqes report` (`caqes_report`, self-evaluation mode).
//! The form's first load has no TOML parser: [`catalogs_compact`] loads the
//! catalog files opened by hand or published at run time for it, in the
//! engine's compact form.
//!
//! ```
//! let (file, toml) = caqes_catalogs::FILES[0];
//! let id = caqes_engine::load_catalogs(file, toml).unwrap().remove(0).campaign.id;
//! let source = caqes_web_grid::CatalogSource { file, toml, id: &id };
//! let answers_json = format!(r#"{{"catalog":"{id}"}}"#);
//! let xlsx = caqes_web_grid::grid_bytes(&source, &answers_json, "2026-11-23 10:00:00").unwrap();
//! assert!(xlsx.starts_with(b"PK"));
//! ```

mod changes;
mod diff;

pub use changes::{catalog_changes, published_changes};
pub use diff::{diff, Change, EMPTY};

use caqes_engine::{evaluate, load_catalogs, Answers, Catalog, Number};
use caqes_grid::{GridError, GridRead, Limits};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// The form's catalog: the TOML file that defines it (a bundled file or one
/// the user opened) and the id of the campaign in that file.
#[derive(Debug, Clone, Copy)]
pub struct CatalogSource<'a> {
    /// File name (for messages).
    pub file: &'a str,
    /// TOML text; empty for a bundled file, which this module embeds
    /// (`caqes_catalogs::FILES`): the form itself carries its bundled
    /// catalogs pre-parsed, not their TOML.
    pub toml: &'a str,
    /// Campaign id, e.g. `na-ako-2024`.
    pub id: &'a str,
}

impl CatalogSource<'_> {
    /// Loads the campaign with the engine's loader, as the form did.
    pub fn load(&self) -> Result<Catalog, String> {
        let toml = match self.toml {
            "" => bundled_toml(self.file)
                .ok_or_else(|| format!("référentiel « {} » absent du module Excel", self.file))?,
            text => text,
        };
        let list = load_catalogs(self.file, toml).map_err(|e| {
            format!(
                "référentiel « {} » illisible par le module Excel ({} erreur(s))",
                self.file,
                e.0.len()
            )
        })?;
        list.into_iter()
            .find(|c| c.campaign.id == self.id)
            .ok_or_else(|| {
                format!(
                    "la campagne « {} » est absente du référentiel « {} »",
                    self.id, self.file
                )
            })
    }
}

/// The TOML text of the bundled file `file` (`caqes_catalogs::FILES`).
pub fn bundled_toml(file: &str) -> Option<&'static str> {
    caqes_catalogs::FILES
        .iter()
        .find(|(name, _)| *name == file)
        .map(|(_, src)| *src)
}

/// Builds the filled grid: `answers_json` is an [`Answers`] document,
/// `export_time` the local time written in the grid (`YYYY-MM-DD HH:MM:SS`).
/// Errors are French sentences for the user.
pub fn grid_bytes(
    catalog: &CatalogSource,
    answers_json: &str,
    export_time: &str,
) -> Result<Vec<u8>, String> {
    let catalog = catalog.load()?;
    // The form sends its own canonical JSON, already validated: plain serde_json
    // (no located errors).
    let answers: Answers = serde_json::from_str(answers_json)
        .map_err(|e| format!("brouillon illisible par le module Excel : {e}"))?;
    caqes_grid::write_grid(&catalog, Some(&answers), export_time).map_err(|e| e.to_string())
}

/// [`grid_bytes`] for JavaScript: returns the xlsx bytes (`Uint8Array`) or
/// throws the French error message.
#[wasm_bindgen]
pub fn grid_xlsx(
    catalog_file: &str,
    catalog_toml: &str,
    catalog_id: &str,
    answers_json: &str,
    export_time: &str,
) -> Result<Vec<u8>, JsValue> {
    let source = CatalogSource {
        file: catalog_file,
        toml: catalog_toml,
        id: catalog_id,
    };
    grid_bytes(&source, answers_json, export_time).map_err(|e| JsValue::from_str(&e))
}

/// [`published_changes`] for JavaScript: the lines, or throws the French
/// error message.
#[wasm_bindgen]
pub fn published_changes_lines(
    file: &str,
    old_toml: &str,
    new_toml: &str,
) -> Result<String, JsValue> {
    published_changes(file, old_toml, new_toml).map_err(|e| JsValue::from_str(&e))
}

/// What the form gets from an opened grid: the answers rebuilt from its pink
/// cells (the form recomputes the score itself), what differs from the
/// current draft, and short French lines for the user.
#[derive(Debug, Clone, Serialize)]
pub struct Opened {
    /// The answers of the grid (same document as `caqes verify` rescores).
    pub answers: Answers,
    /// Fields whose value in the grid differs from the current draft.
    pub changes: Vec<Change>,
    /// One French sentence: how many values differ, and the score of the
    /// draft and of the grid's values.
    pub summary: String,
    /// Cells the reader could not take as they are (text in a numeric cell,
    /// value not in a list, …): `Feuille!A1 : message`.
    pub problems: Vec<String>,
    /// Information lines (inputs typed after export, score shown by the grid
    /// that differs from the recomputed one, catalog changed since export).
    pub informations: Vec<String>,
}

/// At most this many cells are named in one information line.
const NAMED_CELLS: usize = 5;

/// Reads an xlsx grid of the campaign `catalog` with the reader of
/// `caqes verify` and its default [`Limits`], and compares it with the
/// current draft `answers_json`. A grid of another campaign, a file that is
/// not a grid, damaged or too big is an `Err` with a French sentence.
pub fn open_grid(
    catalog: &CatalogSource,
    answers_json: &str,
    xlsx: &[u8],
) -> Result<Opened, String> {
    let catalog = catalog.load()?;
    let current: Answers = serde_json::from_str(answers_json)
        .map_err(|e| format!("brouillon illisible par le module Excel : {e}"))?;
    let limits = Limits::default();
    // A zip is never smaller than what it stores uncompressed by more than its
    // headers: a file over the inflation budget cannot pass it.
    if xlsx.len() as u64 > limits.max_uncompressed {
        return Err(GridError::TooLarge(format!(
            "fichier de plus de {} Mo",
            limits.max_uncompressed / (1024 * 1024)
        ))
        .to_string());
    }
    let read = caqes_grid::read_grid_with_limits(xlsx, std::slice::from_ref(&catalog), limits)
        .map_err(|e| e.to_string())?;
    Ok(opened(&catalog, &current, read))
}

/// [`open_grid`] for JavaScript: returns [`Opened::to_lines`] or throws the
/// French error message.
#[wasm_bindgen]
pub fn grid_open(
    catalog_file: &str,
    catalog_toml: &str,
    catalog_id: &str,
    answers_json: &str,
    xlsx: &[u8],
) -> Result<String, JsValue> {
    let source = CatalogSource {
        file: catalog_file,
        toml: catalog_toml,
        id: catalog_id,
    };
    open_grid(&source, answers_json, xlsx)
        .map(|o| o.to_lines())
        .map_err(|e| JsValue::from_str(&e))
}

impl Opened {
    /// The form's format, parsed without serde and shown as is (the form's
    /// first load stays small): the canonical JSON of the answers on the
    /// first line, then one line per item, a letter and a tab before the
    /// French text: `S` for the summary, `C` for a change (`place — field :
    /// current → grid`), `P` for a problem, `I` for an information. Tabs and line breaks inside the
    /// texts become spaces.
    pub fn to_lines(&self) -> String {
        let clean = |t: &str| t.replace(['\t', '\n', '\r'], " ");
        let mut out = self.answers.to_canonical_json();
        out.push_str(&format!("\nS\t{}", clean(&self.summary)));
        for c in &self.changes {
            let text = format!("{} — {} : {} → {}", c.place, c.field, c.current, c.grid);
            out.push_str(&format!("\nC\t{}", clean(&text)));
        }
        for p in &self.problems {
            out.push_str(&format!("\nP\t{}", clean(p)));
        }
        for i in &self.informations {
            out.push_str(&format!("\nI\t{}", clean(i)));
        }
        out
    }
}

fn opened(catalog: &Catalog, current: &Answers, read: GridRead) -> Opened {
    let code = |id: &Option<String>| {
        id.as_deref()
            .and_then(|i| catalog.indicator(i))
            .map(|i| format!(" ({})", i.code))
            .unwrap_or_default()
    };
    let problems = read
        .problems
        .iter()
        .map(|p| format!("{}{} : {}", p.cell, code(&p.indicator), p.message))
        .collect();
    let mut informations = Vec::new();
    if !read.edited.is_empty() {
        let cells: Vec<&str> = read
            .edited
            .iter()
            .take(NAMED_CELLS)
            .map(|c| c.cell.as_str())
            .collect();
        informations.push(format!(
            "{} cellule(s) saisie(s) dans la grille après son export ({}{}).",
            read.edited.len(),
            cells.join(", "),
            if read.edited.len() > NAMED_CELLS {
                ", …"
            } else {
                ""
            }
        ));
    }
    // Numbers typed as text the French way (« 84,5 », « 85 % »), read anyway.
    informations.extend(
        read.notes
            .iter()
            .map(|n| format!("{}{} : {}", n.cell, code(&n.indicator), n.message)),
    );
    if read.catalog_changed {
        informations.push(
            "Le référentiel a changé depuis l'export de cette grille : ses valeurs sont reprises \
             et le score est recalculé avec le référentiel actuel."
                .into(),
        );
    }
    let decimals = catalog.campaign.rounding.decimals;
    let score = |n: Option<Number>| {
        n.map(|n| n.to_french(decimals))
            .unwrap_or_else(|| "non calculable".into())
    };
    let changes = diff(catalog, current, &read.answers);
    let summary = format!(
        "{} valeur(s) de la grille diffèrent de votre brouillon. Votre brouillon n'est remplacé que si \
         vous confirmez. Score du brouillon actuel : {} ; score avec les valeurs de la grille : {}.",
        changes.len(),
        score(evaluate(catalog, current).total_rounded),
        score(read.evaluation.total_rounded)
    );
    if let (Some(declared), Some(recomputed)) = (read.declared_total, read.evaluation.total_rounded)
    {
        let shown = serde_json::Number::from_f64(declared).and_then(|n| Number::from_json(&n));
        if (recomputed.to_f64() - declared).abs() > 1e-9 {
            informations.push(format!(
                "La grille affichait le score {} ; le score recalculé à partir de ses valeurs est {}.",
                shown.map(|n| n.to_french(decimals)).unwrap_or_else(|| declared.to_string()),
                recomputed.to_french(decimals)
            ));
        }
    }
    Opened {
        changes,
        summary,
        answers: read.answers,
        problems,
        informations,
    }
}

/// Reads a review workbook of `caqes review` (« Répondre au rapport
/// d'évaluation » in the form) with the reader of the CLI
/// ([`caqes_grid::review::read::read_review`]) and returns its decisions as
/// the review CSV `finess;indicateur;champ;valeur;motif;version;date`, which
/// the form parses with `caqes_engine::parse_review_csv` like an imported
/// CSV (one path for both). A « Refusé » becomes the value it stands for. A
/// workbook of another campaign is refused naming both; unreadable rows are
/// listed. Errors are French sentences.
pub fn review_csv(catalog: &CatalogSource, xlsx: &[u8]) -> Result<String, String> {
    use caqes_grid::review::read::{read_review, refused_value, Choice};
    let wb = read_review(xlsx).map_err(|e| e.to_string())?;
    if wb.catalog_id != catalog.id {
        return Err(format!(
            "ce rapport est de la campagne « {} », pas de la campagne ouverte « {} »",
            wb.catalog_id, catalog.id
        ));
    }
    let mut problems: Vec<String> = wb
        .problems
        .iter()
        .map(|p| format!("ligne {}, colonne « {} » : {}", p.line, p.column, p.message))
        .collect();
    let version = wb.version.unwrap_or(1).to_string();
    let mut out = String::from("finess;indicateur;champ;valeur;motif;version;date\r\n");
    for r in &wb.rows {
        let value = match r.choice {
            Choice::Corrige | Choice::Valide => r.value.clone(),
            Choice::Refuse => match refused_value(&r.field, &r.value) {
                Ok(v) => v,
                Err(m) => {
                    problems.push(format!("ligne {} : {m}", r.line));
                    continue;
                }
            },
        };
        // Plain RFC 4180 quoting: the form reads this text back, no spreadsheet does.
        let q = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
        let fields = [
            q(&r.finess),
            q(&r.indicator),
            q(&r.field),
            q(&value),
            q(&r.motif),
            version.clone(),
            q(&wb.date),
        ];
        out.push_str(&fields.join(";"));
        out.push_str("\r\n");
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(format!(
            "classeur de revue à corriger par l'agence : {}",
            problems.join(" ; ")
        ))
    }
}

/// [`review_csv`] for JavaScript: returns the review CSV or throws the
/// French error message.
#[wasm_bindgen]
pub fn review_open(
    catalog_file: &str,
    catalog_toml: &str,
    catalog_id: &str,
    xlsx: &[u8],
) -> Result<String, JsValue> {
    let source = CatalogSource {
        file: catalog_file,
        toml: catalog_toml,
        id: catalog_id,
    };
    review_csv(&source, xlsx).map_err(|e| JsValue::from_str(&e))
}

/// The « Aperçu du rapport » of the draft `answers_json` (canonical JSON):
/// the evaluation report of `caqes report` built by [`caqes_report::preview`]
/// (same sections, marked « auto-évaluation »), as the content of an HTML
/// `<body>` ([`caqes_report::html::body`], every text escaped) that the form
/// shows and prints with its own stylesheet. Errors are French sentences.
pub fn preview_html(catalog: &CatalogSource, answers_json: &str) -> Result<String, String> {
    let catalog = catalog.load()?;
    let answers: Answers = serde_json::from_str(answers_json)
        .map_err(|e| format!("brouillon illisible par le module Excel : {e}"))?;
    Ok(caqes_report::html::body(&caqes_report::preview(
        &catalog, answers,
    )))
}

/// [`preview_html`] for JavaScript: returns the HTML or throws the French
/// error message.
#[wasm_bindgen]
pub fn report_preview(
    catalog_file: &str,
    catalog_toml: &str,
    catalog_id: &str,
    answers_json: &str,
) -> Result<String, JsValue> {
    let source = CatalogSource {
        file: catalog_file,
        toml: catalog_toml,
        id: catalog_id,
    };
    preview_html(&source, answers_json).map_err(|e| JsValue::from_str(&e))
}

/// Loads a catalog file with the engine's loader for the form (which has no
/// TOML parser): its campaigns in the engine's compact form
/// (`caqes_engine::compact`), or the located French errors, one per line.
pub fn catalogs_from_toml(file: &str, toml: &str) -> Result<Vec<u8>, String> {
    let list = load_catalogs(file, toml).map_err(|e| {
        e.0.iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    Ok(caqes_engine::compact::encode_catalogs(&list))
}

/// [`catalogs_from_toml`] for JavaScript (`window.caqesCatalogParse`):
/// returns the bytes (`Uint8Array`), or throws the error lines.
#[wasm_bindgen]
pub fn catalogs_compact(file: &str, toml: &str) -> Result<Vec<u8>, JsValue> {
    catalogs_from_toml(file, toml).map_err(|e| JsValue::from_str(&e))
}
