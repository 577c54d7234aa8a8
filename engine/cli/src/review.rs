//! The agency's review (issue 10): `caqes review` writes the review workbook;
//! `--review` (workbook or CSV, several dated versions) and `--data` (agency
//! data) give `caqes verify` and `caqes campaign` the official result.

use crate::catalogs::{io_message, Source};
use crate::verify::files_of;
use crate::Failure;
use caqes_engine::{
    apply_review, evaluate, parse_agency_data, parse_review_csv, Adjustment, AdjustmentOrigin,
    Answers, Catalog, Decision, Evaluation, Number, Severity,
};
use caqes_grid::review::{
    self as rv,
    read::{refused_value, Choice},
};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Official result of an establishment in the JSON outputs.
#[derive(Debug, Clone, Serialize)]
pub struct OfficialOut {
    /// Rounded official score, French text (as `score` of the self-assessed line).
    pub score: Option<String>,
    pub total_rounded: Option<Number>,
    pub interesse: Option<bool>,
    pub reason: String,
    pub adjustments: Vec<Adjustment>,
    /// Decisions that could not be applied (French, with file, row and field).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Review versions of this establishment (oldest first).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<VersionOut>,
}

/// One review version of an establishment, in the reports.
#[derive(Debug, Clone, Serialize)]
pub struct VersionOut {
    pub version: u32,
    pub date: String,
    pub file: String,
    pub decisions: usize,
    /// What changed since the previous version (French).
    pub changes: Vec<String>,
    /// Whether this version is the one applied.
    pub applied: bool,
}

impl OfficialOut {
    /// The self-assessed result, no adjustment.
    pub fn same_as(e: &Evaluation) -> OfficialOut {
        OfficialOut {
            score: e.total_rounded.map(|n| n.to_french_auto()),
            total_rounded: e.total_rounded,
            interesse: e.verdict.interesse,
            reason: e.verdict.reason.clone(),
            adjustments: Vec::new(),
            errors: Vec::new(),
            history: Vec::new(),
        }
    }
    /// French verdict label.
    pub fn verdict(&self) -> &'static str {
        caqes_engine::labels::verdict_text(self.interesse)
    }
}

/// A decision with where it comes from.
#[derive(Debug, Clone)]
struct Located {
    file: String,
    line: usize,
    decision: Decision,
}

impl Located {
    fn at(&self) -> String {
        format!(
            "« {} », ligne {}, indicateur {}, champ {}",
            self.file, self.line, self.decision.indicator, self.decision.field
        )
    }
}

/// One version of the review of one establishment.
#[derive(Debug, Clone)]
struct Version {
    file: String,
    version: u32,
    date: String,
    order: usize,
    catalog: Option<String>,
    grid_hash: Option<String>,
    decisions: Vec<Located>,
}

fn date_key(d: &str) -> (u32, u32, u32) {
    let p: Vec<u32> = d.split('/').filter_map(|x| x.trim().parse().ok()).collect();
    match p.as_slice() {
        [j, m, a] => (*a, *m, *j),
        _ => (0, 0, 0),
    }
}

/// Reviews and agency data given on the command line.
#[derive(Debug, Default)]
pub struct Reviews {
    versions: BTreeMap<String, Vec<Version>>,
    data: BTreeMap<String, Vec<Located>>,
    /// Errors found while loading (French, located).
    pub errors: Vec<String>,
    /// Warnings (not errors).
    pub warnings: Vec<String>,
    /// Whether any review or data was given.
    pub given: bool,
    /// Savings generated on the national indicators (cents) per FINESS: agency
    /// data rows whose field is `economies` (catalogs paid as amounts).
    pub savings: BTreeMap<String, i64>,
    /// File of the first savings row of each FINESS (error messages).
    savings_files: BTreeMap<String, String>,
}

/// Parses signed euros ("-1 200,50") into cents.
fn signed_cents(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, rest) = match t.strip_prefix('-').or_else(|| t.strip_prefix('−')) {
        Some(r) => (true, r),
        None => (false, t),
    };
    let c = i64::try_from(caqes_campaign::parse_euros(rest)?).ok()?;
    Some(if neg { -c } else { c })
}

fn read_bytes(p: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| {
        format!(
            "« {} » : lecture impossible : {}",
            p.display(),
            io_message(&e)
        )
    })
}

fn text_of(p: &Path) -> Result<String, String> {
    String::from_utf8(read_bytes(p)?)
        .map_err(|_| format!("« {} » : pas un texte UTF-8 (CSV attendu)", p.display()))
}

fn is_xlsx(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| matches!(e.to_string_lossy().to_lowercase().as_str(), "xlsx" | "xlsm"))
}

/// The catalog that knows every indicator of `ids`, among the available ones.
fn guess_catalog(all: &[Catalog], ids: &[&str]) -> Option<String> {
    all.iter()
        .find(|c| ids.iter().all(|i| c.indicator(i).is_some()))
        .map(|c| c.campaign.id.clone())
}

impl Reviews {
    /// Loads the review files (workbooks or CSV) and the agency data, for the
    /// given catalogs (the first is the campaign's when there is one).
    pub fn load(
        source: &Source,
        reviews: &[PathBuf],
        data: &[PathBuf],
        catalogs: &[Catalog],
    ) -> Reviews {
        let mut out = Reviews {
            given: !reviews.is_empty() || !data.is_empty(),
            ..Reviews::default()
        };
        for (order, p) in reviews.iter().enumerate() {
            let r = if is_xlsx(p) {
                out.load_workbook(p, order, catalogs)
            } else {
                out.load_csv(source, p, order, catalogs)
            };
            if let Err(e) = r {
                out.errors.push(e);
            }
        }
        for p in data {
            if let Err(e) = out.load_data(p, catalogs) {
                out.errors.push(e);
            }
        }
        out
    }

    fn load_workbook(
        &mut self,
        p: &Path,
        order: usize,
        catalogs: &[Catalog],
    ) -> Result<(), String> {
        let file = p.display().to_string();
        let wb = rv::read::read_review(&read_bytes(p)?).map_err(|e| format!("« {file} » : {e}"))?;
        let Some(cat) = catalogs.iter().find(|c| c.campaign.id == wb.catalog_id) else {
            return Err(format!(
                "« {file} » : revue du référentiel « {} », pas de « {} » (autre campagne) : refusée",
                wb.catalog_id,
                catalogs
                    .iter()
                    .map(|c| c.campaign.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        };
        if wb.catalog_sha256 != caqes_grid::catalog_hash(cat) {
            self.warnings.push(format!(
                "« {file} » : le référentiel « {} » a changé depuis l'écriture de la revue",
                wb.catalog_id
            ));
        }
        for pb in &wb.problems {
            self.errors.push(format!(
                "« {file} », ligne {}, colonne « {} » : {}",
                pb.line, pb.column, pb.message
            ));
        }
        let version = wb.version.unwrap_or(1);
        let mut per: BTreeMap<String, Version> = BTreeMap::new();
        for (finess, hash) in &wb.grid_hashes {
            per.insert(
                finess.clone(),
                Version {
                    file: file.clone(),
                    version,
                    date: wb.date.clone(),
                    order,
                    catalog: Some(wb.catalog_id.clone()),
                    grid_hash: Some(hash.clone()),
                    decisions: Vec::new(),
                },
            );
        }
        for r in wb.rows {
            let value = match r.choice {
                Choice::Corrige | Choice::Valide => r.value.clone(),
                Choice::Refuse => match refused_value(&r.field, &r.value) {
                    Ok(v) => v,
                    Err(m) => {
                        self.errors.push(format!(
                            "« {file} », ligne {}, indicateur {}, champ {} : {m}",
                            r.line, r.indicator, r.field
                        ));
                        continue;
                    }
                },
            };
            let origin = if r.from_data {
                AdjustmentOrigin::Donnees
            } else {
                AdjustmentOrigin::Ars
            };
            let v = per.entry(r.finess.clone()).or_insert_with(|| Version {
                file: file.clone(),
                version,
                date: wb.date.clone(),
                order,
                catalog: Some(wb.catalog_id.clone()),
                grid_hash: None,
                decisions: Vec::new(),
            });
            v.decisions.push(Located {
                file: file.clone(),
                line: r.line,
                decision: Decision {
                    indicator: r.indicator,
                    field: r.field,
                    value,
                    motif: r.motif,
                    origin,
                },
            });
        }
        for (finess, v) in per {
            self.versions.entry(finess).or_default().push(v);
        }
        Ok(())
    }

    fn load_csv(
        &mut self,
        source: &Source,
        p: &Path,
        order: usize,
        catalogs: &[Catalog],
    ) -> Result<(), String> {
        let file = p.display().to_string();
        let rows = parse_review_csv(&text_of(p)?).map_err(|errs| {
            errs.iter()
                .map(|e| format!("« {file} » : {e}"))
                .collect::<Vec<_>>()
                .join("\n")
        })?;
        // A CSV carries no catalog id: one from another campaign is recognised
        // by its indicators.
        let unknown: Vec<&str> = rows
            .iter()
            .map(|r| r.indicator.as_str())
            .filter(|i| !catalogs.iter().any(|c| c.indicator(i).is_some()))
            .collect();
        if !rows.is_empty() && unknown.len() == rows.len() {
            let all: Vec<Catalog> = source
                .all()
                .map(|v| v.into_iter().map(|(_, c)| c).collect())
                .unwrap_or_default();
            if let Some(other) = guess_catalog(&all, &unknown) {
                return Err(format!(
                    "« {file} » : revue du référentiel « {other} », pas de « {} » (autre campagne) : refusée",
                    catalogs
                        .iter()
                        .map(|c| c.campaign.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        let mut per: BTreeMap<(String, u32), Version> = BTreeMap::new();
        for r in rows {
            let version = r.version.unwrap_or(1);
            let v = per
                .entry((r.finess.trim().to_string(), version))
                .or_insert_with(|| Version {
                    file: file.clone(),
                    version,
                    date: r.date.clone().unwrap_or_default(),
                    order,
                    catalog: None,
                    grid_hash: None,
                    decisions: Vec::new(),
                });
            if v.date.is_empty() {
                v.date = r.date.clone().unwrap_or_default();
            }
            v.decisions.push(Located {
                file: file.clone(),
                line: r.line,
                decision: r.decision(),
            });
        }
        for ((finess, _), v) in per {
            self.versions.entry(finess).or_default().push(v);
        }
        Ok(())
    }

    fn load_data(&mut self, p: &Path, catalogs: &[Catalog]) -> Result<(), String> {
        let file = p.display().to_string();
        let rows = parse_agency_data(&text_of(p)?).map_err(|errs| {
            errs.iter()
                .map(|e| format!("« {file} » : {e}"))
                .collect::<Vec<_>>()
                .join("\n")
        })?;
        for r in rows {
            let cat = catalogs
                .iter()
                .find(|c| c.indicator(&r.indicator).is_some())
                .or(catalogs.first());
            let Some(cat) = cat else { continue };
            if r.field == "economies" {
                self.add_savings(&file, &r, cat);
                continue;
            }
            let d = r.decision(cat);
            self.data
                .entry(r.finess.clone())
                .or_default()
                .push(Located {
                    file: file.clone(),
                    line: r.line,
                    decision: d,
                });
        }
        Ok(())
    }

    /// Records a savings row (`champ` = `economies`, euros, on a national indicator).
    fn add_savings(&mut self, file: &str, r: &caqes_engine::AgencyDataRow, cat: &Catalog) {
        let at = format!(
            "« {file} », ligne {}, indicateur {}, champ economies",
            r.line, r.indicator
        );
        let national = cat
            .indicator(&r.indicator)
            .is_some_and(|i| i.scope == caqes_engine::Scope::National);
        if cat.interessement.amounts.is_none() {
            self.errors.push(format!(
                "{at} : le référentiel « {} » ne paie pas de part des économies",
                cat.campaign.id
            ));
        } else if !national {
            self.errors.push(format!(
                "{at} : économies attendues sur un indicateur national du référentiel"
            ));
        } else if let Some(c) = signed_cents(&r.value) {
            let e = self.savings.entry(r.finess.clone()).or_insert(0);
            *e = e.saturating_add(c);
            self.savings_files
                .entry(r.finess.clone())
                .or_insert_with(|| file.to_string());
        } else {
            self.errors
                .push(format!("{at} : montant en euros invalide « {} »", r.value));
        }
    }

    /// FINESS of the review and data files that match no grid (French errors).
    pub fn unknown_finess(&self, known: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        let mut list = |what: &str, f: &str, file: &str| {
            if !known.iter().any(|k| k == f) {
                out.push(format!(
                    "« {file} » : FINESS {f} inconnu ({what} sans grille correspondante)"
                ));
            }
        };
        for (f, vs) in &self.versions {
            for v in vs {
                if !v.decisions.is_empty() {
                    list("revue", f, &v.file);
                    break;
                }
            }
        }
        for (f, ds) in &self.data {
            if let Some(d) = ds.first() {
                list("donnée de l'agence", f, &d.file);
            }
        }
        for (f, file) in &self.savings_files {
            list("économies", f, file);
        }
        out.sort();
        out.dedup();
        out
    }

    /// The official result of one establishment: the latest review version
    /// and the agency data applied to its self-assessed answers. `grid_hash`
    /// gives [`rv::answers_hash`] of the answers read from the grid (before
    /// any campaign target or history), compared with the review workbook's:
    /// called only for an establishment with a review that records it.
    pub fn official(
        &self,
        catalog: &Catalog,
        answers: &Answers,
        own: &Evaluation,
        grid_hash: &dyn Fn() -> String,
    ) -> (OfficialOut, Option<(Answers, Evaluation)>) {
        let mut errors = Vec::new();
        let mut history = Vec::new();
        let all = self.decisions(catalog, answers, grid_hash, &mut errors, &mut history);
        self.apply(catalog, answers, own, all, errors, history)
    }

    /// The decisions to apply to one establishment (latest review version,
    /// then agency data on the fields the review did not decide), without
    /// the contradictory ones; `history` gets the versions.
    fn decisions(
        &self,
        catalog: &Catalog,
        answers: &Answers,
        grid_hash: &dyn Fn() -> String,
        errors: &mut Vec<String>,
        history: &mut Vec<VersionOut>,
    ) -> Vec<Located> {
        let finess = &answers.establishment.finess;
        let mut chosen: Vec<Located> = Vec::new();
        if let Some(vs) = self.versions.get(finess) {
            let mut vs: Vec<&Version> = vs.iter().collect();
            vs.sort_by_key(|v| (v.version, date_key(&v.date), v.order));
            let latest = vs.last().map(|v| (v.version, date_key(&v.date)));
            let mut prev: BTreeMap<(String, String), String> = BTreeMap::new();
            for v in &vs {
                let now: BTreeMap<(String, String), String> = v
                    .decisions
                    .iter()
                    .map(|l| {
                        (
                            (l.decision.indicator.clone(), l.decision.field.clone()),
                            l.decision.value.clone(),
                        )
                    })
                    .collect();
                let applied = Some((v.version, date_key(&v.date))) == latest;
                history.push(VersionOut {
                    version: v.version,
                    date: v.date.clone(),
                    file: v.file.clone(),
                    decisions: v.decisions.len(),
                    changes: changes(&prev, &now),
                    applied,
                });
                prev = now;
                if applied {
                    if let Some(c) = &v.catalog {
                        if c != &catalog.campaign.id {
                            errors.push(format!(
                                "« {} » : revue du référentiel « {c} », grille du référentiel « {} »",
                                v.file, catalog.campaign.id
                            ));
                            continue;
                        }
                    }
                    if let Some(h) = &v.grid_hash {
                        if *h != grid_hash() {
                            errors.push(format!(
                                "« {} » : la grille du FINESS {finess} a changé depuis l'écriture de la revue (empreinte différente) : revue à vérifier",
                                v.file
                            ));
                        }
                    }
                    chosen.extend(v.decisions.iter().cloned());
                }
            }
        }
        let chosen = drop_contradictions(chosen, errors);
        // Agency data, unless the review decided the same field.
        let data: Vec<Located> = self
            .data
            .get(finess)
            .map(|v| {
                v.iter()
                    .filter(|d| {
                        !chosen.iter().any(|c| {
                            c.decision.indicator == d.decision.indicator
                                && c.decision.field == d.decision.field
                        })
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let mut all = drop_contradictions(data, errors);
        all.extend(chosen);
        all
    }

    /// Decisions to pre-fill in a new review workbook: (decision, from agency data).
    pub fn prefill(
        &self,
        catalog: &Catalog,
        answers: &Answers,
        grid_hash: &dyn Fn() -> String,
    ) -> Vec<(Decision, bool)> {
        let (mut errors, mut history) = (Vec::new(), Vec::new());
        self.decisions(catalog, answers, grid_hash, &mut errors, &mut history)
            .into_iter()
            .map(|l| {
                let data = l.decision.origin == AdjustmentOrigin::Donnees;
                (l.decision, data)
            })
            .collect()
    }

    /// Highest review version read, if any.
    pub fn max_version(&self) -> Option<u32> {
        self.versions.values().flatten().map(|v| v.version).max()
    }

    fn apply(
        &self,
        catalog: &Catalog,
        answers: &Answers,
        own: &Evaluation,
        all: Vec<Located>,
        mut errors: Vec<String>,
        history: Vec<VersionOut>,
    ) -> (OfficialOut, Option<(Answers, Evaluation)>) {
        if all.is_empty() {
            let mut o = OfficialOut::same_as(own);
            o.errors = errors;
            o.history = history;
            return (o, None);
        }
        let (official, applied) = apply_valid(catalog, answers, all, &mut errors);
        let eval = evaluate(catalog, &official.answers);
        // A retained value the core refuses (out of range, wrong unit) is an error.
        for p in eval
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
        {
            let (Some(ind), Some(field)) = (&p.indicator, &p.field) else {
                continue;
            };
            if let Some(l) = applied.iter().find(|l| {
                &l.decision.indicator == ind
                    && (&l.decision.field == field || l.decision.field == format!("inputs.{field}"))
            }) {
                errors.push(format!(
                    "{} : valeur retenue refusée : {}",
                    l.at(),
                    p.message
                ));
            }
        }
        let out = OfficialOut {
            score: eval.total_rounded.map(|n| n.to_french_auto()),
            total_rounded: eval.total_rounded,
            interesse: eval.verdict.interesse,
            reason: eval.verdict.reason.clone(),
            adjustments: official.adjustments,
            errors,
            history,
        };
        (out, Some((official.answers, eval)))
    }
}

/// What changed between two versions (French lines).
fn changes(
    prev: &BTreeMap<(String, String), String>,
    now: &BTreeMap<(String, String), String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for ((i, f), v) in now {
        match prev.get(&(i.clone(), f.clone())) {
            None => out.push(format!("{i} {f} : décision ajoutée ({v})")),
            Some(p) if p != v => out.push(format!("{i} {f} : {p} → {v}")),
            _ => {}
        }
    }
    for (i, f) in prev.keys() {
        if !now.contains_key(&(i.clone(), f.clone())) {
            out.push(format!("{i} {f} : décision retirée"));
        }
    }
    out
}

/// Removes both sides of contradictory decisions on one field (same field,
/// different value or motif), reporting them; identical duplicates count once.
fn drop_contradictions(ds: Vec<Located>, errors: &mut Vec<String>) -> Vec<Located> {
    let mut out: Vec<Located> = Vec::new();
    let mut bad: Vec<(String, String)> = Vec::new();
    for d in ds {
        let key = (d.decision.indicator.clone(), d.decision.field.clone());
        if bad.contains(&key) {
            continue;
        }
        match out
            .iter()
            .position(|o| o.decision.indicator == key.0 && o.decision.field == key.1)
        {
            Some(i) => {
                let o = &out[i];
                if o.decision.value.trim() != d.decision.value.trim()
                    || o.decision.motif.trim() != d.decision.motif.trim()
                {
                    errors.push(format!(
                        "décisions contradictoires : {} (« {} ») et {} (« {} ») : aucune n'est appliquée",
                        o.at(),
                        o.decision.value,
                        d.at(),
                        d.decision.value
                    ));
                    out.remove(i);
                    bad.push(key);
                }
            }
            None => out.push(d),
        }
    }
    out
}

/// Applies the decisions; those the core refuses are reported and left out.
fn apply_valid(
    catalog: &Catalog,
    answers: &Answers,
    mut ds: Vec<Located>,
    errors: &mut Vec<String>,
) -> (caqes_engine::Official, Vec<Located>) {
    loop {
        let decisions: Vec<Decision> = ds.iter().map(|l| l.decision.clone()).collect();
        match apply_review(catalog, answers, &decisions) {
            Ok(o) => return (o, ds),
            Err(errs) => {
                let mut drop: Vec<usize> = Vec::new();
                for e in &errs {
                    match ds.get(e.decision) {
                        Some(l) => errors.push(format!("{} : {}", l.at(), e.message)),
                        None => errors.push(e.to_string()),
                    }
                    drop.push(e.decision);
                }
                if drop.is_empty() {
                    ds.clear();
                } else {
                    let mut i = 0;
                    ds.retain(|_| {
                        let keep = !drop.contains(&i);
                        i += 1;
                        keep
                    });
                }
            }
        }
    }
}

/// Options of `caqes review`.
pub struct Options<'a> {
    pub catalog: &'a str,
    pub grids: &'a Path,
    pub output: &'a Path,
    pub data: &'a [PathBuf],
    /// Previous review versions, whose decisions are pre-filled.
    pub reviews: &'a [PathBuf],
    /// Version of the new review (default: 1 + the highest version read).
    pub version: Option<u32>,
    pub date: Option<&'a str>,
    /// The establishments' response files (contradictory period), or directories of them.
    pub responses: &'a [PathBuf],
}

/// Today as JJ/MM/AAAA (UTC).
fn today() -> String {
    let t = crate::grid_cmd::now_rfc3339();
    let (y, rest) = t.split_at(4);
    let m = &rest[1..3];
    let d = &rest[4..6];
    format!("{d}/{m}/{y}")
}

/// What `caqes review` keeps of a grid.
struct Read {
    answers: Answers,
    evaluation: Evaluation,
}

/// `caqes review`: the review workbook of a campaign.
pub fn review(source: &Source, o: &Options) -> Result<u8, Failure> {
    let catalog = source.resolve(Some(o.catalog), o.catalog)?;
    if o.output.exists() {
        return Err(Failure::input(format!(
            "« {} » existe déjà : rien n'est écrasé ; choisir un autre nom (ex. revue-v{}.xlsx)",
            o.output.display(),
            o.version.unwrap_or(2)
        )));
    }
    let date = review_date(o.date)?;
    let files = files_of(&[o.grids.to_path_buf()])?;
    if files.is_empty() {
        return Err(Failure::input("aucune grille (.xlsx) trouvée"));
    }
    let catalogs = std::slice::from_ref(&catalog);
    let read = read_grids(catalogs, &files);
    let reviews = Reviews::load(source, o.reviews, o.data, catalogs);
    let version = o
        .version
        .unwrap_or_else(|| reviews.max_version().map_or(1, |v| v + 1));
    let mut errors: Vec<String> = reviews.errors.clone();
    let grids = one_per_finess(read, &mut errors);
    let known: Vec<String> = grids
        .iter()
        .map(|(_, g)| g.answers.establishment.finess.clone())
        .collect();
    errors.extend(reviews.unknown_finess(&known));
    let (officials, prefill) = officials_and_prefill(&reviews, &catalog, &grids, &mut errors);
    let entries = review_entries(&grids, &officials);
    let (answers, warnings) = responses_of(o.responses, &known, &prefill, &mut errors);
    let bytes = rv::write_review_with_responses(
        &catalog,
        &entries,
        &prefill,
        &answers,
        &rv::ReviewMeta {
            version,
            date: date.clone(),
            written: crate::grid_cmd::now_rfc3339(),
        },
    )
    .map_err(|e| Failure::input(e.to_string()))?;
    crate::grid_cmd::write_atomic(o.output, &bytes)?;
    for e in &errors {
        eprintln!("erreur : {e}");
    }
    for w in &warnings {
        eprintln!("attention : {w}");
    }
    let answered = if o.responses.is_empty() {
        String::new()
    } else {
        format!(
            ", {} réponse(s) des établissements dont {} contestation(s)",
            answers.len(),
            answers
                .iter()
                .filter(|r| r.response == caqes_engine::Reponse::Conteste)
                .count()
        )
    };
    println!(
        "revue écrite : {} ({} établissement(s), version {version}, {date}, {} décision(s) ou valeur(s) de l'agence pré-remplie(s){answered}, {} erreur(s))",
        o.output.display(),
        entries.len(),
        prefill.len(),
        errors.len()
    );
    Ok(if errors.is_empty() { 0 } else { 1 })
}

/// The date of the review: `--date` (JJ/MM/AAAA), today by default.
fn review_date(given: Option<&str>) -> Result<String, Failure> {
    Ok(match given {
        Some(d) if date_key(d) != (0, 0, 0) => d.to_string(),
        Some(d) => {
            return Err(Failure::usage(format!(
                "date invalide « {d} » : JJ/MM/AAAA attendu"
            )))
        }
        None => today(),
    })
}

/// Every grid read in parallel, keeping only its answers and their evaluation
/// (3,000 grids); one reader for the batch prepares the catalog once.
fn read_grids(catalogs: &[Catalog], files: &[PathBuf]) -> Vec<(PathBuf, Result<Read, String>)> {
    let reader = caqes_grid::GridReader::new(catalogs);
    files
        .par_iter()
        .map(|f| {
            let r = match std::fs::read(f) {
                Ok(b) => reader
                    .read(&b)
                    .map(|g| Read {
                        answers: g.answers,
                        evaluation: g.evaluation,
                    })
                    .map_err(|e| e.to_string()),
                Err(e) => Err(format!("lecture impossible : {}", io_message(&e))),
            };
            (f.clone(), r)
        })
        .collect()
}

/// The grids read, one per FINESS (the first one; a later one and unreadable
/// grids go to `errors`).
fn one_per_finess(
    read: Vec<(PathBuf, Result<Read, String>)>,
    errors: &mut Vec<String>,
) -> Vec<(PathBuf, Read)> {
    let mut grids = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (f, r) in read {
        match r {
            Ok(g) => {
                let finess = g.answers.establishment.finess.clone();
                if let Some(other) = seen.insert(finess.clone(), f.display().to_string()) {
                    errors.push(format!(
                        "« {} » : FINESS {finess} déjà lu dans « {other} » : grille ignorée",
                        f.display()
                    ));
                    continue;
                }
                grids.push((f, g));
            }
            Err(e) => errors.push(format!("« {} » : {e}", f.display())),
        }
    }
    grids
}

/// Each establishment's official evaluation under the previous reviews (its
/// self-assessment without one), and the agency's decisions and data to prefill.
fn officials_and_prefill(
    reviews: &Reviews,
    catalog: &Catalog,
    grids: &[(PathBuf, Read)],
    errors: &mut Vec<String>,
) -> (Vec<Evaluation>, Vec<rv::Prefill>) {
    let mut officials = Vec::with_capacity(grids.len());
    let mut prefill: Vec<rv::Prefill> = Vec::new();
    for (_, g) in grids {
        let (off, eval) = reviews.official(catalog, &g.answers, &g.evaluation, &|| {
            rv::answers_hash(&g.answers)
        });
        errors.extend(off.errors.iter().cloned());
        let hash = || rv::answers_hash(&g.answers);
        for (d, from_data) in reviews.prefill(catalog, &g.answers, &hash) {
            prefill.push(rv::Prefill {
                finess: g.answers.establishment.finess.clone(),
                indicator: d.indicator,
                field: d.field,
                value: d.value,
                motif: d.motif,
                from_data,
            });
        }
        officials.push(eval.map(|(_, e)| e).unwrap_or_else(|| g.evaluation.clone()));
    }
    (officials, prefill)
}

/// One entry of the workbook per grid: file name, answers, self-assessed and official evaluations.
fn review_entries<'a>(
    grids: &'a [(PathBuf, Read)],
    officials: &'a [Evaluation],
) -> Vec<rv::ReviewEntry<'a>> {
    grids
        .iter()
        .zip(officials)
        .map(|((f, g), off)| rv::ReviewEntry {
            file: f
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default(),
            answers: &g.answers,
            evaluation: &g.evaluation,
            official: off,
        })
        .collect()
}

/// The establishments' responses (`--reponses`) to the decisions carried
/// into the new version; bad files go to `errors`, responses that match no
/// FINESS or no decision are the returned warnings.
fn responses_of(
    paths: &[PathBuf],
    known: &[String],
    prefill: &[rv::Prefill],
    errors: &mut Vec<String>,
) -> (Vec<rv::Response>, Vec<String>) {
    if paths.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let loaded = crate::responses::load(paths);
    errors.extend(loaded.errors.iter().cloned());
    let mut decided: BTreeMap<String, std::collections::BTreeSet<(String, String)>> = known
        .iter()
        .map(|f| (f.clone(), Default::default()))
        .collect();
    for p in prefill {
        if let Some(set) = decided.get_mut(&p.finess) {
            set.insert((p.indicator.clone(), p.field.clone()));
        }
    }
    loaded.check(&decided)
}

fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "(vide)".into(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(true) => "oui".into(),
        serde_json::Value::Bool(false) => "non".into(),
        serde_json::Value::Number(n) => Number::parse(&n.to_string())
            .map(|n| n.to_french_auto())
            .unwrap_or_else(|| n.to_string()),
        other => other.to_string(),
    }
}

/// The adjustments of an official result on one line (French).
pub fn adjustments_text(o: &OfficialOut) -> String {
    o.adjustments
        .iter()
        .map(|a| {
            format!(
                "{} {} : {} → {} ({} : {})",
                a.indicator,
                a.field,
                json_text(&a.from),
                json_text(&a.to),
                match a.origin {
                    AdjustmentOrigin::Ars => "décision",
                    AdjustmentOrigin::Donnees => "donnée",
                },
                a.motif
            )
        })
        .collect::<Vec<_>>()
        .join(" ; ")
}

/// Suffix of a `caqes verify` text line: the official result when it differs.
pub fn official_text(o: Option<&OfficialOut>) -> String {
    match o {
        Some(o) if !o.adjustments.is_empty() => format!(
            " | score officiel {} | {} | {} ajustement(s)",
            o.score.as_deref().unwrap_or("—"),
            o.verdict(),
            o.adjustments.len()
        ),
        _ => String::new(),
    }
}

/// Refuses an output that is one of the inputs (inputs are never modified).
pub fn refuse_overwrite<'a>(
    outputs: impl Iterator<Item = &'a Path>,
    inputs: impl Iterator<Item = &'a PathBuf> + Clone,
) -> Result<(), Failure> {
    for o in outputs {
        let oc = o.canonicalize().ok();
        for i in inputs.clone() {
            if i.as_path() == o || (oc.is_some() && i.canonicalize().ok() == oc) {
                return Err(Failure::usage(format!(
                    "« {} » est aussi un fichier lu : les fichiers reçus ne sont jamais modifiés ; choisir un autre nom de sortie",
                    o.display()
                )));
            }
        }
    }
    Ok(())
}
