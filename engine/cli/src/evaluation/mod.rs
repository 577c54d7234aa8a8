//! `caqes report`: one evaluation report (« rapport d'évaluation ») per
//! establishment, PDF (krilla, fonts embedded) or printable HTML.

pub mod pdf;

pub use caqes_report::{doc, html};

use crate::campaign::{envelope_cents, read_grids, read_history, Both, Read};
use crate::catalogs::Source;
use crate::review::Reviews;
use crate::verify::files_of;
use crate::Failure;
use caqes_campaign::{aggregate_refs, apply_envelope, apply_savings, Key, Submission};
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
    let history = read_history(o.history)?;
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
    let (subs, mut failed) = by_finess(read);
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
    let batch = Batch {
        catalog: &catalog,
        rows: campaign
            .establishments
            .iter()
            .map(|r| (r.finess.as_str(), r))
            .collect(),
        reviewed: reviews.given,
        period: period.as_ref(),
        format: o.format,
        output: o.output,
        done: AtomicUsize::new(0),
        total: subs.len(),
    };
    let results: Vec<Result<PathBuf, String>> = subs
        .par_iter()
        .map(|(finess, (own, official, both))| batch.write(finess, own, official, both))
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

/// The readable grids by FINESS (a later grid of the same FINESS replaces an
/// earlier one), and how many grids could not be read (each told on stderr).
fn by_finess(read: Vec<Read>) -> (BTreeMap<String, (Submission, Submission, Both)>, usize) {
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
    (subs, failed)
}

/// What every establishment's report of the batch shares.
struct Batch<'a> {
    catalog: &'a caqes_engine::Catalog,
    /// The campaign's row of each establishment, by FINESS.
    rows: BTreeMap<&'a str, &'a caqes_campaign::EsRow>,
    reviewed: bool,
    period: Option<&'a Period>,
    format: Format,
    output: &'a Path,
    /// Reports written so far (progress every 200 on large batches).
    done: AtomicUsize,
    total: usize,
}

impl Batch<'_> {
    /// Builds, renders and writes one establishment's report; returns its path.
    fn write(
        &self,
        finess: &str,
        own: &Submission,
        official: &Submission,
        both: &Both,
    ) -> Result<PathBuf, String> {
        let ext = match self.format {
            Format::Pdf => "pdf",
            Format::Html => "html",
        };
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
            catalog: self.catalog,
            own,
            official,
            adjustments: &both.official.adjustments,
            versions: &versions,
            row: self.rows.get(finess).copied(),
            reviewed: self.reviewed,
            period: self.period,
            preview: false,
        };
        let d = doc::build(&input);
        let bytes = match self.format {
            Format::Pdf => pdf::render(&d)?,
            Format::Html => html::render(&d).into_bytes(),
        };
        let name = doc::file_name(finess, &own.answers.establishment.name, ext);
        let path = self.output.join(name);
        crate::grid_cmd::write_atomic(&path, &bytes).map_err(|f| f.message)?;
        let n = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.total >= 200 && n.is_multiple_of(200) {
            eprintln!("rapports : {n} / {}", self.total);
        }
        Ok(path)
    }
}
