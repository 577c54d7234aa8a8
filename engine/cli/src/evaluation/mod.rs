//! `caqes report`: one evaluation report (« rapport d'évaluation ») per
//! establishment, PDF (krilla, fonts embedded) or printable HTML.

pub mod pdf;

pub use caqes_report::{doc, html};

use crate::campaign::{envelope_cents, read_grids, read_text};
use crate::catalogs::Source;
use crate::review::Reviews;
use crate::verify::files_of;
use crate::Failure;
use caqes_campaign::{aggregate_refs, apply_envelope, apply_savings, parse_history, Key};
use doc::Period;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Output format of the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Html,
}

/// Options of `caqes report`.
pub struct Options<'a> {
    pub catalog: &'a str,
    pub grids: &'a Path,
    pub review: &'a [PathBuf],
    pub data: &'a [PathBuf],
    pub history: &'a [PathBuf],
    pub envelope: Option<&'a str>,
    pub key: Key,
    pub contradictory: Option<&'a str>,
    pub contradictory_end: Option<&'a str>,
    pub output: &'a Path,
    pub format: Format,
}

fn period(o: &Options) -> Result<Option<Period>, Failure> {
    let bad = |d: &str| {
        Failure::usage(format!(
            "date invalide « {d} » : JJ/MM/AAAA attendu (ex. 15/07/2024)"
        ))
    };
    let Some(s) = o.contradictory else {
        return Ok(None);
    };
    let start = doc::parse_date(s).ok_or_else(|| bad(s))?;
    let (end, end_assumed) = match o.contradictory_end {
        Some(e) => (doc::parse_date(e).ok_or_else(|| bad(e))?, false),
        None => (doc::add_days(start, 30), true),
    };
    if end < start {
        return Err(Failure::usage(
            "la fin de la période contradictoire précède son début",
        ));
    }
    Ok(Some(Period {
        start: doc::format_date(start),
        end: doc::format_date(end),
        end_assumed,
    }))
}

/// Runs `caqes report`.
pub fn report(source: &Source, o: &Options) -> Result<u8, Failure> {
    let catalog = source.resolve(Some(o.catalog), o.catalog)?;
    let period = period(o)?;
    let mut history = Vec::new();
    for h in o.history {
        history.extend(
            parse_history(&read_text(h)?)
                .map_err(|e| Failure::input(format!("« {} » : {e}", h.display())))?,
        );
    }
    let envelope = envelope_cents(o.envelope)?;
    let files = files_of(&[o.grids.to_path_buf()])?;
    if files.is_empty() {
        return Err(Failure::input("aucune grille (.xlsx) trouvée"));
    }
    std::fs::create_dir_all(o.output).map_err(|e| {
        Failure::input(format!(
            "dossier « {} » impossible à créer : {}",
            o.output.display(),
            crate::catalogs::io_message(&e)
        ))
    })?;
    let reviews = Reviews::load(source, o.review, o.data, std::slice::from_ref(&catalog));
    let read = read_grids(&catalog, &files, &[], &history, &reviews);
    let mut failed = 0usize;
    let mut subs = BTreeMap::new();
    for (line, sub) in read {
        if let Some(e) = &line.error {
            eprintln!("erreur : {} : {e}", line.file);
            failed += 1;
        }
        if let Some((own, official, both)) = sub {
            subs.insert(
                own.answers.establishment.finess.trim().to_string(),
                (own, official, both),
            );
        }
    }
    let mut errors = reviews.errors.clone();
    errors.extend(reviews.unknown_finess(&subs.keys().cloned().collect::<Vec<_>>()));
    // Borrowed: a copy of every establishment's answers would double the peak memory.
    let basis: Vec<_> = subs
        .values()
        .map(|(own, off, _)| if reviews.given { off } else { own })
        .collect();
    let mut campaign = aggregate_refs(&catalog, &basis, &history);
    if let Some(cents) = envelope {
        apply_envelope(&mut campaign, cents, o.key)
            .map_err(|e| Failure::input(format!("répartition de l'enveloppe : {e}")))?;
    }
    apply_savings(&mut campaign, &catalog, &reviews.savings)
        .map_err(|e| Failure::input(format!("part des économies : {e}")))?;
    let rows: BTreeMap<&str, &caqes_campaign::EsRow> = campaign
        .establishments
        .iter()
        .map(|r| (r.finess.as_str(), r))
        .collect();
    let done = AtomicUsize::new(0);
    let total = subs.len();
    let ext = match o.format {
        Format::Pdf => "pdf",
        Format::Html => "html",
    };
    let results: Vec<Result<PathBuf, String>> = subs
        .par_iter()
        .map(|(finess, (own, official, both))| {
            let versions: Vec<doc::Version> = both
                .official
                .history
                .iter()
                .map(|v| doc::Version {
                    version: v.version,
                    date: v.date.clone(),
                    applied: v.applied,
                    changes: v.changes.clone(),
                })
                .collect();
            let input = doc::Input {
                catalog: &catalog,
                own,
                official,
                adjustments: &both.official.adjustments,
                versions: &versions,
                row: rows.get(finess.as_str()).copied(),
                reviewed: reviews.given,
                period: period.as_ref(),
                preview: false,
            };
            let d = doc::build(&input);
            let bytes = match o.format {
                Format::Pdf => pdf::render(&d)?,
                Format::Html => html::render(&d).into_bytes(),
            };
            let name = doc::file_name(finess, &own.answers.establishment.name, ext);
            let path = o.output.join(name);
            crate::grid_cmd::write_atomic(&path, &bytes).map_err(|f| f.message)?;
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if total >= 200 && n.is_multiple_of(200) {
                eprintln!("rapports : {n} / {total}");
            }
            Ok(path)
        })
        .collect();
    let mut written = 0;
    for r in results {
        match r {
            Ok(_) => written += 1,
            Err(e) => {
                eprintln!("erreur : {e}");
                failed += 1;
            }
        }
    }
    for e in &errors {
        eprintln!("erreur : {e}");
    }
    for w in &reviews.warnings {
        eprintln!("attention : {w}");
    }
    eprintln!(
        "{written} rapport(s) écrit(s) dans « {} », {failed} grille(s) ou rapport(s) en erreur",
        o.output.display()
    );
    Ok(if failed > 0 || !errors.is_empty() {
        1
    } else {
        0
    })
}
