//! `caqes verify`: recompute a batch of grids received from establishments.

use crate::catalogs::{io_message, Source};
use crate::csv::{csv_header, csv_line, Field};
use crate::Failure;
use caqes_engine::{Catalog, Severity};
use caqes_grid::{GridRead, Outcome};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Result of one file (one element of `grids` in `caqes verify --json`).
#[derive(Debug, Serialize)]
pub struct Line {
    pub file: String,
    /// `conforme`, `incomplet`, `écarts` or `illisible`.
    pub outcome: Outcome,
    pub finess: String,
    pub establishment: String,
    pub catalog: String,
    pub score: Option<String>,
    pub verdict: String,
    pub declared_score: Option<String>,
    pub declared_verdict: Option<String>,
    /// Écarts (French), empty unless the outcome is `écarts`.
    pub differences: Vec<String>,
    /// Information only, not écarts (French): inputs typed after export,
    /// cached results missing, numbers typed as text read anyway.
    pub informations: Vec<String>,
    /// Missing inputs (French), when the outcome is `incomplet`.
    pub missing: Vec<String>,
    /// Errors of the evaluation (invalid inputs).
    pub errors: Vec<String>,
    pub edited_cells: Vec<caqes_grid::EditedCell>,
    pub altered_formulas: Vec<caqes_grid::AlteredFormula>,
    pub cell_problems: Vec<caqes_grid::CellProblem>,
    /// Unreadable file: the message.
    pub error: Option<String>,
    /// Official result (agency review and data applied; equal to the
    /// self-assessed result with no adjustment when there is no decision).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub official: Option<crate::review::OfficialOut>,
}

impl Line {
    fn bad(&self) -> bool {
        matches!(self.outcome, Outcome::Ecarts | Outcome::Illisible)
    }
}

pub(crate) fn files_of(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut stack = vec![p.clone()];
            while let Some(d) = stack.pop() {
                let rd = std::fs::read_dir(&d).map_err(|e| {
                    Failure::input(format!(
                        "dossier « {} » illisible : {}",
                        d.display(),
                        io_message(&e)
                    ))
                })?;
                let mut entries: Vec<PathBuf> =
                    rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
                entries.sort();
                for e in entries {
                    if e.is_dir() {
                        stack.push(e);
                    } else if e.extension().is_some_and(|x| {
                        matches!(
                            x.to_string_lossy().to_lowercase().as_str(),
                            "xlsx" | "xlsm" | "xls"
                        )
                    }) && !e
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("~$"))
                    {
                        out.push(e);
                    }
                }
            }
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(Failure::input(format!(
                "« {} » : fichier introuvable",
                p.display()
            )));
        }
    }
    out.sort();
    Ok(out)
}

fn fmt_num(n: caqes_engine::Number) -> String {
    n.to_french_auto()
}

pub(crate) fn line_of(file: &Path, r: Result<GridRead, String>) -> Line {
    let mut line = Line {
        file: file.display().to_string(),
        outcome: Outcome::Illisible,
        finess: String::new(),
        establishment: String::new(),
        catalog: String::new(),
        score: None,
        verdict: String::new(),
        declared_score: None,
        declared_verdict: None,
        differences: Vec::new(),
        informations: Vec::new(),
        missing: Vec::new(),
        errors: Vec::new(),
        edited_cells: Vec::new(),
        altered_formulas: Vec::new(),
        cell_problems: Vec::new(),
        error: None,
        official: None,
    };
    let g = match r {
        Ok(g) => g,
        Err(e) => {
            line.error = Some(e);
            return line;
        }
    };
    let e = &g.evaluation;
    line.finess = g.answers.establishment.finess.clone();
    line.establishment = g.answers.establishment.name.clone();
    line.catalog = g.catalog.clone();
    line.score = e.total_rounded.map(fmt_num);
    line.verdict = caqes_engine::labels::verdict_line(&e.verdict);
    line.declared_score = g.declared_total.map(|f| {
        caqes_engine::Number::parse(&format!("{f}"))
            .map(fmt_num)
            .unwrap_or_else(|| f.to_string())
    });
    line.declared_verdict = g.declared_verdict.clone();
    let review = g.review();
    line.outcome = review.outcome;
    line.differences = review.differences;
    line.informations = review.informations;
    line.missing = review.missing;
    line.errors = e
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.to_string())
        .collect();
    line.edited_cells = g.edited;
    line.altered_formulas = g.altered_formulas;
    line.cell_problems = g.problems;
    line
}

const COLUMNS: [&str; 16] = [
    "fichier",
    "resultat",
    "finess",
    "etablissement",
    "referentiel",
    "score_recalcule",
    "verdict",
    "score_declare",
    "ecarts",
    "informations",
    "saisies_manquantes",
    "cellules_modifiees",
    "erreur",
    "score_officiel",
    "verdict_officiel",
    "ajustements",
];

/// Index of the number columns (scores).
fn is_number_column(c: usize) -> bool {
    matches!(
        COLUMNS[c],
        "score_recalcule" | "score_declare" | "score_officiel"
    )
}

fn row(l: &Line) -> [String; 16] {
    [
        l.file.clone(),
        l.outcome.label().to_string(),
        l.finess.clone(),
        l.establishment.clone(),
        l.catalog.clone(),
        l.score.clone().unwrap_or_default(),
        l.verdict.clone(),
        l.declared_score.clone().unwrap_or_default(),
        l.differences.join(" ; "),
        l.informations.join(" ; "),
        l.missing.join(" ; "),
        l.edited_cells
            .iter()
            .map(|c| format!("{} : « {} » → « {} »", c.cell, c.exported, c.current))
            .chain(l.altered_formulas.iter().map(|a| {
                format!(
                    "{} : formule « ={} » → « {} »",
                    a.cell,
                    a.expected,
                    a.found
                        .as_ref()
                        .map(|f| format!("={f}"))
                        .unwrap_or_else(|| a.value.clone())
                )
            }))
            .collect::<Vec<_>>()
            .join(" ; "),
        l.error.clone().unwrap_or_default(),
        l.official
            .as_ref()
            .and_then(|o| o.score.clone())
            .unwrap_or_default(),
        l.official
            .as_ref()
            .map(|o| o.verdict().to_string())
            .unwrap_or_default(),
        l.official
            .as_ref()
            .map(crate::review::adjustments_text)
            .unwrap_or_default(),
    ]
}

fn write_report(path: &Path, lines: &[Line]) -> Result<(), Failure> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let bytes = match ext.as_str() {
        "csv" => {
            let mut s = csv_header(&COLUMNS);
            for l in lines {
                let r = row(l);
                let fields: Vec<Field> = r
                    .iter()
                    .enumerate()
                    .map(|(c, v)| {
                        if is_number_column(c) {
                            Field::Number(v)
                        } else {
                            Field::Text(v)
                        }
                    })
                    .collect();
                s.push_str(&csv_line(&fields));
            }
            s.into_bytes()
        }
        "xlsx" => {
            let xe = |e: rust_xlsxwriter::XlsxError| Failure::input(format!("rapport : {e}"));
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            ws.set_name("Vérification").map_err(xe)?;
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (c, h) in COLUMNS.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, *h, &bold)
                    .map_err(xe)?;
            }
            for (i, l) in lines.iter().enumerate() {
                for (c, v) in row(l).iter().enumerate() {
                    let number = is_number_column(c)
                        .then(|| caqes_engine::Number::parse(v))
                        .flatten();
                    match number {
                        Some(n) => ws.write_number(i as u32 + 1, c as u16, n.to_f64()),
                        None => ws.write_string(i as u32 + 1, c as u16, caqes_grid::clip(v).0),
                    }
                    .map_err(xe)?;
                }
            }
            ws.set_freeze_panes(1, 0).map_err(xe)?;
            ws.autofilter(0, 0, lines.len() as u32, COLUMNS.len() as u16 - 1)
                .map_err(xe)?;
            wb.save_to_buffer().map_err(xe)?
        }
        _ => {
            return Err(Failure::usage(format!(
                "format de rapport inconnu « {} » : .csv ou .xlsx attendu",
                path.display()
            )))
        }
    };
    crate::grid_cmd::write_atomic(path, &bytes)
}

/// Counts of outcomes.
#[derive(Debug, Default, Serialize)]
struct Counts {
    total: usize,
    conformes: usize,
    incompletes: usize,
    avec_ecarts: usize,
    illisibles: usize,
}

fn counts(lines: &[Line]) -> Counts {
    let n = |o: Outcome| lines.iter().filter(|l| l.outcome == o).count();
    Counts {
        total: lines.len(),
        conformes: n(Outcome::Conforme),
        incompletes: n(Outcome::Incomplet),
        avec_ecarts: n(Outcome::Ecarts),
        illisibles: n(Outcome::Illisible),
    }
}

/// The line printed for one grid.
fn text_line(l: &Line) -> String {
    if let Some(e) = &l.error {
        return format!("{} | illisible | {e}", l.file);
    }
    let dash = |s: &str| {
        if s.is_empty() {
            "—".to_string()
        } else {
            s.to_string()
        }
    };
    let mut t = format!(
        "{} | {} | FINESS {} | {} | score recalculé {} | {} | score déclaré {}",
        l.file,
        l.outcome.label(),
        dash(&l.finess),
        dash(&l.establishment),
        l.score.as_deref().unwrap_or("—"),
        l.verdict,
        l.declared_score.as_deref().unwrap_or("—"),
    );
    match l.outcome {
        Outcome::Ecarts => t.push_str(&format!(" | écarts : {}", l.differences.join(" ; "))),
        Outcome::Incomplet => {
            let first = l.missing.first().cloned().unwrap_or_default();
            t.push_str(&format!(
                " | {} saisie(s) manquante(s){}{}",
                l.missing.len(),
                if first.is_empty() { "" } else { " : " },
                first
            ));
            if l.missing.len() > 1 {
                t.push_str(" ; …");
            }
        }
        _ => t.push_str(" | aucun écart"),
    }
    if !l.informations.is_empty() {
        t.push_str(&format!(" | information : {}", l.informations.join(" ; ")));
    }
    t
}

/// `caqes verify`: reads every grid, recomputes it and prints one line per grid and the counts.
pub fn verify(
    source: &Source,
    catalog: Option<&str>,
    paths: &[PathBuf],
    json: bool,
    out: Option<&Path>,
    (review, data): (&[PathBuf], &[PathBuf]),
) -> Result<u8, Failure> {
    let catalogs: Vec<Catalog> = match catalog {
        Some(id) => vec![source.resolve(Some(id), id)?],
        None => source.all()?.into_iter().map(|(_, c)| c).collect(),
    };
    let files = files_of(paths)?;
    if files.is_empty() {
        return Err(Failure::input("aucune grille (.xlsx) trouvée"));
    }
    crate::review::refuse_overwrite(out.into_iter(), review.iter().chain(data).chain(&files))?;
    let reviews = crate::review::Reviews::load(source, review, data, &catalogs);
    let pb = progress_bar(files.len());
    // Each catalog is prepared once for the whole batch.
    let reader = caqes_grid::GridReader::new(&catalogs);
    let lines: Vec<Line> = files
        .par_iter()
        .map(|f| {
            let l = verify_one(&reader, &catalogs, &reviews, f);
            pb.inc(1);
            l
        })
        .collect();
    pb.finish_and_clear();
    let known: Vec<String> = lines.iter().map(|l| l.finess.clone()).collect();
    let mut review_errors = reviews.errors.clone();
    review_errors.extend(reviews.unknown_finess(&known));
    for l in &lines {
        if let Some(o) = &l.official {
            review_errors.extend(o.errors.iter().cloned());
        }
    }
    let c = counts(&lines);
    if json {
        print_json(&lines, &c, &review_errors)?;
    } else if !print_text(&lines, &c) {
        return Ok(if lines.iter().any(Line::bad) { 1 } else { 0 });
    }
    for e in &review_errors {
        eprintln!("erreur : {e}");
    }
    for w in &reviews.warnings {
        eprintln!("attention : {w}");
    }
    if let Some(p) = out {
        write_report(p, &lines)?;
        eprintln!("rapport écrit : {}", p.display());
    }
    Ok(
        if lines.iter().any(Line::bad) || !review_errors.is_empty() {
            1
        } else {
            0
        },
    )
}

/// The progress bar of a batch of `n` grids, drawn only on a terminal.
fn progress_bar(n: usize) -> ProgressBar {
    let pb = ProgressBar::new(n as u64);
    if std::io::stderr().is_terminal() {
        pb.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} grilles ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    } else {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    pb
}

/// One grid read and recomputed: its line, with its official result under the reviews.
fn verify_one(
    reader: &caqes_grid::GridReader<'_>,
    catalogs: &[Catalog],
    reviews: &crate::review::Reviews,
    f: &Path,
) -> Line {
    let r = match std::fs::read(f) {
        Ok(b) => reader.read(&b).map_err(|e| e.to_string()),
        Err(e) => Err(format!("lecture impossible : {}", io_message(&e))),
    };
    let official = r.as_ref().ok().and_then(|g| {
        let cat = catalogs.iter().find(|c| c.campaign.id == g.catalog)?;
        Some(
            reviews
                .official(cat, &g.answers, &g.evaluation, &|| {
                    g.answers_sha256().to_string()
                })
                .0,
        )
    });
    let mut l = line_of(f, r);
    l.official = official;
    l
}

/// `caqes verify --json`: every grid's line, the counts and the review errors.
fn print_json(lines: &[Line], c: &Counts, review_errors: &[String]) -> Result<(), Failure> {
    #[derive(Serialize)]
    struct Out<'a> {
        grids: &'a [Line],
        #[serde(flatten)]
        counts: &'a Counts,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        review_errors: &'a [String],
    }
    let text = serde_json::to_string_pretty(&Out {
        grids: lines,
        counts: c,
        review_errors,
    })
    .map_err(|e| Failure::input(format!("sérialisation impossible : {e}")))?;
    println!("{text}");
    Ok(())
}

/// One French line per grid, then the counts; `false` when stdout is closed.
fn print_text(lines: &[Line], c: &Counts) -> bool {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    for l in lines {
        let text = text_line(l) + &crate::review::official_text(l.official.as_ref());
        if writeln!(o, "{text}").is_err() {
            return false;
        }
    }
    let _ = writeln!(
        o,
        "{} grille(s) : {} conforme(s), {} incomplète(s), {} avec écarts, {} illisible(s)",
        c.total, c.conformes, c.incompletes, c.avec_ecarts, c.illisibles
    );
    true
}
