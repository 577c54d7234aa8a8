//! `caqes verify`: recompute a batch of grids received from establishments.

use crate::catalogs::{io_message, Source};
use crate::Failure;
use caqes_engine::{Catalog, Severity, State};
use caqes_grid::GridRead;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Result of one file.
#[derive(Debug, Serialize)]
pub struct Line {
    pub file: String,
    pub finess: String,
    pub establishment: String,
    pub catalog: String,
    pub score: Option<String>,
    pub verdict: String,
    pub declared_score: Option<String>,
    pub declared_verdict: Option<String>,
    pub edited_cells: Vec<caqes_grid::EditedCell>,
    pub cell_problems: Vec<caqes_grid::CellProblem>,
    pub errors: Vec<String>,
    pub differences: Vec<String>,
    /// Unreadable file: the message.
    pub error: Option<String>,
    /// Official result (agency review and data applied; equal to the
    /// self-assessed result with no adjustment when there is no decision).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub official: Option<crate::review::OfficialOut>,
}

impl Line {
    fn bad(&self) -> bool {
        self.error.is_some() || !self.differences.is_empty()
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
        finess: String::new(),
        establishment: String::new(),
        catalog: String::new(),
        score: None,
        verdict: String::new(),
        declared_score: None,
        declared_verdict: None,
        edited_cells: Vec::new(),
        cell_problems: Vec::new(),
        errors: Vec::new(),
        differences: Vec::new(),
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
    line.verdict = match e.verdict.interesse {
        Some(true) => "intéressé".into(),
        Some(false) => "non intéressé".into(),
        None => "score non calculable".into(),
    };
    if e.verdict.provisional && e.verdict.interesse.is_some() {
        line.verdict.push_str(" (provisoire)");
    }
    line.declared_score = g.declared_total.map(|f| {
        caqes_engine::Number::parse(&format!("{f}"))
            .map(fmt_num)
            .unwrap_or_else(|| f.to_string())
    });
    line.declared_verdict = g.declared_verdict.clone();
    let recomputed = e.total_rounded.map(|n| n.to_f64());
    match (recomputed, g.declared_total) {
        (Some(a), Some(b)) if (a - b).abs() > 1e-9 => line.differences.push(format!(
            "score déclaré {} ≠ score recalculé {}",
            line.declared_score.clone().unwrap_or_default(),
            line.score.clone().unwrap_or_default()
        )),
        (Some(_), None) => line
            .differences
            .push("score déclaré absent de la grille".into()),
        (None, Some(_)) => line
            .differences
            .push("score déclaré mais non calculable".into()),
        _ => {}
    }
    if !g.edited.is_empty() {
        let cells: Vec<&str> = g.edited.iter().take(5).map(|c| c.cell.as_str()).collect();
        line.differences.push(format!(
            "{} cellule(s) modifiée(s) après l'export ({}{})",
            g.edited.len(),
            cells.join(", "),
            if g.edited.len() > 5 { ", …" } else { "" }
        ));
    }
    if !g.problems.is_empty() {
        line.differences.push(format!(
            "{} cellule(s) invalide(s) : {}",
            g.problems.len(),
            g.problems[0].message
        ));
    }
    if g.catalog_changed {
        line.differences
            .push("le référentiel a changé depuis l'export de la grille".into());
    }
    if g.metadata.is_none() {
        line.differences
            .push("métadonnées absentes : grille non produite par caqes ou altérée".into());
    }
    line.errors = e
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.to_string())
        .collect();
    if e.state == State::Invalid {
        line.differences.push(format!(
            "{} erreur(s) de saisie : {}",
            line.errors.len(),
            line.errors.first().cloned().unwrap_or_default()
        ));
    }
    line.edited_cells = g.edited;
    line.cell_problems = g.problems;
    line
}

fn csv_field(s: &str) -> String {
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

const COLUMNS: [&str; 13] = [
    "fichier",
    "finess",
    "etablissement",
    "referentiel",
    "score_recalcule",
    "verdict",
    "score_declare",
    "ecarts",
    "cellules_modifiees",
    "erreur",
    "score_officiel",
    "verdict_officiel",
    "ajustements",
];

fn row(l: &Line) -> [String; 13] {
    [
        l.file.clone(),
        l.finess.clone(),
        l.establishment.clone(),
        l.catalog.clone(),
        l.score.clone().unwrap_or_default(),
        l.verdict.clone(),
        l.declared_score.clone().unwrap_or_default(),
        l.differences.join(" ; "),
        l.edited_cells
            .iter()
            .map(|c| format!("{} : « {} » → « {} »", c.cell, c.exported, c.current))
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
            let mut s = String::from("\u{feff}");
            s.push_str(&COLUMNS.join(";"));
            s.push_str("\r\n");
            for l in lines {
                let r = row(l);
                s.push_str(&r.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(";"));
                s.push_str("\r\n");
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
                    let v = caqes_grid::clip(v).0;
                    ws.write_string(i as u32 + 1, c as u16, v).map_err(xe)?;
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
    let pb = ProgressBar::new(files.len() as u64);
    if std::io::stderr().is_terminal() {
        pb.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} grilles ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    } else {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    let lines: Vec<Line> = files
        .par_iter()
        .map(|f| {
            let r = match std::fs::read(f) {
                Ok(b) => caqes_grid::read_grid(&b, &catalogs).map_err(|e| e.to_string()),
                Err(e) => Err(format!("lecture impossible : {}", io_message(&e))),
            };
            let official = r.as_ref().ok().and_then(|g| {
                let cat = catalogs.iter().find(|c| c.campaign.id == g.catalog)?;
                Some(reviews.official(cat, &g.answers, &g.evaluation).0)
            });
            let mut l = line_of(f, r);
            l.official = official;
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
    let unreadable = lines.iter().filter(|l| l.error.is_some()).count();
    let with_diff = lines
        .iter()
        .filter(|l| l.error.is_none() && !l.differences.is_empty())
        .count();
    let ok = lines.len() - unreadable - with_diff;
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            grids: &'a [Line],
            total: usize,
            conformes: usize,
            avec_ecarts: usize,
            illisibles: usize,
            #[serde(skip_serializing_if = "<[String]>::is_empty")]
            review_errors: &'a [String],
        }
        let text = serde_json::to_string_pretty(&Out {
            grids: &lines,
            total: lines.len(),
            conformes: ok,
            avec_ecarts: with_diff,
            illisibles: unreadable,
            review_errors: &review_errors,
        })
        .map_err(|e| Failure::input(format!("sérialisation impossible : {e}")))?;
        println!("{text}");
    } else {
        use std::io::Write;
        let mut o = std::io::stdout().lock();
        for l in &lines {
            let text = match &l.error {
                Some(e) => format!("{} | ERREUR : {e}", l.file),
                None => {
                    format!(
                        "{} | FINESS {} | {} | score recalculé {} | {} | score déclaré {} | {}",
                        l.file,
                        if l.finess.is_empty() {
                            "—"
                        } else {
                            &l.finess
                        },
                        if l.establishment.is_empty() {
                            "—"
                        } else {
                            &l.establishment
                        },
                        l.score.as_deref().unwrap_or("—"),
                        l.verdict,
                        l.declared_score.as_deref().unwrap_or("—"),
                        if l.differences.is_empty() {
                            "aucun écart".to_string()
                        } else {
                            l.differences.join(" ; ")
                        }
                    ) + &crate::review::official_text(l.official.as_ref())
                }
            };
            if writeln!(o, "{text}").is_err() {
                return Ok(if lines.iter().any(Line::bad) { 1 } else { 0 });
            }
        }
        let _ = writeln!(
            o,
            "{} grille(s) : {ok} conforme(s), {with_diff} avec écarts, {unreadable} illisible(s)",
            lines.len()
        );
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
