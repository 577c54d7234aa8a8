//! `caqes campaign`: consolidate the grids of a campaign into the regional report.

use crate::catalogs::{io_message, Source};
use crate::csv::{csv_header, csv_line, Field};
use crate::review::{OfficialOut, Reviews};
use crate::verify::{files_of, line_of, Line};
use crate::Failure;
use caqes_campaign::{
    aggregate, apply_envelope, apply_targets, evaluate_with_history, parse_euros, parse_history,
    parse_targets, HistoryRecord, Key, Report, Submission,
};
use caqes_engine::labels;
use rayon::prelude::*;
use rust_xlsxwriter::{
    Chart, ChartFormat, ChartSolidFill, ChartType, Format, Workbook, Worksheet, XlsxError,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Options of `caqes campaign`.
pub struct Options<'a> {
    pub catalog: &'a str,
    pub grids: &'a Path,
    pub history: &'a [PathBuf],
    pub targets: Option<&'a Path>,
    pub envelope: Option<&'a str>,
    pub key: Key,
    pub output: &'a Path,
    pub json: bool,
    pub csv: Option<&'a Path>,
    /// Review files (workbooks or CSV).
    pub review: &'a [PathBuf],
    /// Agency data files.
    pub data: &'a [PathBuf],
}

/// Self-assessed and official result of one establishment.
pub(crate) struct Both {
    pub(crate) own: OfficialOut,
    pub(crate) official: OfficialOut,
}

/// One grid read: its verify line and, when readable, the self-assessed and
/// official submissions.
pub(crate) type Read = (Line, Option<(Submission, Submission, Both)>);

/// Reads and evaluates the grids in parallel (self-assessed, then official with
/// the review and agency data): shared by `caqes campaign` and `caqes report`.
pub(crate) fn read_grids(
    catalog: &caqes_engine::Catalog,
    files: &[PathBuf],
    targets: &[(String, String, caqes_engine::Number)],
    history: &[HistoryRecord],
    reviews: &Reviews,
) -> Vec<Read> {
    // One reader for the batch: the catalog is prepared once.
    let reader = caqes_grid::GridReader::new(std::slice::from_ref(catalog));
    files
        .par_iter()
        .map(|f| {
            let r = match std::fs::read(f) {
                Ok(b) => reader.read(&b).map_err(|e| e.to_string()),
                Err(e) => Err(format!("lecture impossible : {}", io_message(&e))),
            };
            // The reader's hash of the answers is `answers_hash`.
            let answers = r
                .as_ref()
                .ok()
                .map(|g| (g.answers.clone(), g.answers_sha256().to_string()));
            let mut line = line_of(f, r);
            let sub = answers.map(|(mut a, hash)| {
                apply_targets(&mut a, targets);
                let own = evaluate_with_history(catalog, a, history);
                let (mut off, applied) =
                    reviews.official(catalog, &own.answers, &own.evaluation, &|| hash.clone());
                let official = match applied {
                    Some((answers, _)) => evaluate_with_history(catalog, answers, history),
                    None => Submission {
                        answers: own.answers.clone(),
                        evaluation: own.evaluation.clone(),
                    },
                };
                let oe = &official.evaluation;
                off.score = oe.total_rounded.map(|n| n.to_french_auto());
                off.total_rounded = oe.total_rounded;
                off.interesse = oe.verdict.interesse;
                off.reason = oe.verdict.reason.clone();
                let both = Both {
                    own: OfficialOut::same_as(&own.evaluation),
                    official: off,
                };
                line.official = Some(both.official.clone());
                (own, official, both)
            });
            (line, sub)
        })
        .collect()
}

/// The `--envelope` amount in cents, or a usage error in French.
pub(crate) fn envelope_cents(text: Option<&str>) -> Result<Option<u64>, Failure> {
    text.map(|e| {
        parse_euros(e).ok_or_else(|| {
            Failure::usage(format!(
                "enveloppe invalide « {e} » : montant en euros attendu (ex. 150000 ou 150 000,50)"
            ))
        })
    })
    .transpose()
}

pub(crate) fn read_text(p: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(p).map_err(|e| {
        Failure::input(format!(
            "« {} » illisible : {}",
            p.display(),
            io_message(&e)
        ))
    })
}

/// `caqes campaign`: the regional workbook, and its JSON or summary lines.
pub fn campaign(source: &Source, o: &Options) -> Result<u8, Failure> {
    let catalog = source.resolve(Some(o.catalog), o.catalog)?;
    let history = read_history(o.history)?;
    let targets = match o.targets {
        Some(t) => parse_targets(&read_text(t)?)
            .map_err(|e| Failure::input(format!("« {} » : {e}", t.display())))?,
        None => Vec::new(),
    };
    let envelope = envelope_cents(o.envelope)?;
    let files = files_of(&[o.grids.to_path_buf()])?;
    if files.is_empty() {
        return Err(Failure::input("aucune grille (.xlsx) trouvée"));
    }
    let catalogs = std::slice::from_ref(&catalog);
    let mut inputs: Vec<PathBuf> = files.clone();
    inputs.extend(o.review.iter().cloned());
    inputs.extend(o.data.iter().cloned());
    inputs.extend(o.history.iter().cloned());
    crate::review::refuse_overwrite(std::iter::once(o.output).chain(o.csv), inputs.iter())?;
    let reviews = Reviews::load(source, o.review, o.data, catalogs);
    let read = read_grids(&catalog, &files, &targets, &history, &reviews);
    let Sorted {
        own_subs,
        official_subs,
        both,
        problems,
    } = sort_reads(read);
    let known: Vec<String> = both.keys().cloned().collect();
    let mut review_errors = reviews.errors.clone();
    review_errors.extend(reviews.unknown_finess(&known));
    for b in both.values() {
        review_errors.extend(b.official.errors.iter().cloned());
    }
    let reviewed = reviews.given;
    let subs = if reviewed { &official_subs } else { &own_subs };
    let mut report = aggregate(&catalog, subs, &history);
    if let Some(cents) = envelope {
        apply_envelope(&mut report, cents, o.key)
            .map_err(|e| Failure::input(format!("répartition de l'enveloppe : {e}")))?;
    }
    caqes_campaign::apply_savings(&mut report, &catalog, &reviews.savings)
        .map_err(|e| Failure::input(format!("part des économies : {e}")))?;
    let view = ReviewView {
        reviewed,
        both: &both,
        errors: &review_errors,
    };
    let bytes = workbook(&report, &problems, &view)
        .map_err(|e| Failure::input(format!("rapport : {e}")))?;
    crate::grid_cmd::write_atomic(o.output, &bytes)?;
    if let Some(c) = o.csv {
        crate::grid_cmd::write_atomic(c, csv(&report).as_bytes())?;
    }
    if o.json {
        println!("{}", campaign_json(&report, &problems, &view)?);
    } else {
        println!("{}", view.basis_line());
        for l in &report.regional.lines {
            println!("{l}");
        }
        println!(
            "{} grille(s) lue(s), {} établissement(s), {} grille(s) en erreur ou avec écarts",
            files.len(),
            report.establishments.len(),
            problems.len()
        );
    }
    for e in &review_errors {
        eprintln!("erreur : {e}");
    }
    for w in &reviews.warnings {
        eprintln!("attention : {w}");
    }
    eprintln!("rapport écrit : {}", o.output.display());
    Ok(
        if problems.iter().any(|l| l.error.is_some()) || !review_errors.is_empty() {
            1
        } else {
            0
        },
    )
}

/// The history files (`--history`), one after the other.
pub(crate) fn read_history(paths: &[PathBuf]) -> Result<Vec<HistoryRecord>, Failure> {
    let mut history: Vec<HistoryRecord> = Vec::new();
    for h in paths {
        let recs = parse_history(&read_text(h)?)
            .map_err(|e| Failure::input(format!("« {} » : {e}", h.display())))?;
        history.extend(recs);
    }
    Ok(history)
}

/// The grids read, sorted: self-assessed and official submissions, both results
/// by FINESS, and the lines of grids with écarts or unreadable.
struct Sorted {
    own_subs: Vec<Submission>,
    official_subs: Vec<Submission>,
    both: BTreeMap<String, Both>,
    problems: Vec<Line>,
}

/// Sorts the grids read (in their order) into [`Sorted`].
fn sort_reads(read: Vec<Read>) -> Sorted {
    let mut own_subs = Vec::new();
    let mut official_subs = Vec::new();
    let mut both: BTreeMap<String, Both> = BTreeMap::new();
    let mut problems: Vec<Line> = Vec::new();
    for (line, sub) in read {
        if matches!(
            line.outcome,
            caqes_grid::Outcome::Ecarts | caqes_grid::Outcome::Illisible
        ) {
            problems.push(line);
        }
        if let Some((own, official, b)) = sub {
            both.insert(own.answers.establishment.finess.clone(), b);
            own_subs.push(own);
            official_subs.push(official);
        }
    }
    Sorted {
        own_subs,
        official_subs,
        both,
        problems,
    }
}

/// `caqes campaign --json`: the report, the grids in error, the basis, the review
/// errors, and each establishment's self-assessed and official results.
fn campaign_json(
    report: &Report,
    problems: &[Line],
    view: &ReviewView<'_>,
) -> Result<String, Failure> {
    #[derive(Serialize)]
    struct Out<'a> {
        #[serde(flatten)]
        report: &'a Report,
        errors: &'a [Line],
        /// Basis of the regional figures: « officiel » or « auto-évaluation ».
        basis: &'a str,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        review_errors: &'a [String],
    }
    let mut v = serde_json::to_value(Out {
        report,
        errors: problems,
        basis: view.basis(),
        review_errors: view.errors,
    })
    .map_err(|e| Failure::input(format!("sérialisation impossible : {e}")))?;
    if let Some(list) = v.get_mut("establishments").and_then(|e| e.as_array_mut()) {
        for e in list {
            let f = e.get("finess").and_then(|f| f.as_str()).unwrap_or("");
            if let Some(b) = view.both.get(f) {
                let own = serde_json::to_value(&b.own).unwrap_or_default();
                let off = serde_json::to_value(&b.official).unwrap_or_default();
                if let Some(m) = e.as_object_mut() {
                    m.insert("self_assessed".into(), own);
                    m.insert("official".into(), off);
                }
            }
        }
    }
    serde_json::to_string_pretty(&v)
        .map_err(|e| Failure::input(format!("sérialisation impossible : {e}")))
}

/// What the workbook shows of the review.
struct ReviewView<'a> {
    reviewed: bool,
    both: &'a BTreeMap<String, Both>,
    errors: &'a [String],
}

impl ReviewView<'_> {
    fn basis(&self) -> &'static str {
        if self.reviewed {
            "officiel"
        } else {
            "auto-évaluation"
        }
    }
    fn basis_line(&self) -> &'static str {
        if self.reviewed {
            "Chiffres calculés sur les résultats officiels (revue de l'agence et données appliquées)."
        } else {
            "Chiffres calculés sur les résultats auto-évalués (aucune revue de l'agence)."
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "oui"
    } else {
        "non"
    }
}

fn num(n: Option<caqes_engine::Number>) -> String {
    n.map(|n| n.to_french_auto()).unwrap_or_default()
}

/// CSV of the establishments (`;`, BOM): its columns finess, annee, score,
/// interesse make it valid history for the next campaign. Text fields are
/// neutralised against CSV injection ([`crate::csv`]); scores, progression
/// and amounts stay numbers.
fn csv(r: &Report) -> String {
    let mut s = csv_header(&[
        "finess",
        "nom",
        "departement",
        "statut",
        "annee",
        "score",
        "interesse",
        "verdict",
        "score_precedent",
        "progression",
        "nouvellement_interesse",
        "annees_interesse",
        "montant_euros",
    ]);
    let year = r.year.to_string();
    for e in &r.establishments {
        let score = num(e.score);
        let previous = num(e.previous_score);
        let progression = num(e.progression);
        let years = e
            .years_interesse
            .iter()
            .map(|y| y.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let amount = e
            .amount_cents
            .map(|c| {
                caqes_engine::Number::ratio(c as i128, 100)
                    .map(|n| n.to_french(2))
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        s.push_str(&csv_line(&[
            Field::Text(&e.finess),
            Field::Text(&e.name),
            Field::Text(&e.departement),
            Field::Text(&e.status_label),
            Field::Number(&year),
            Field::Number(&score),
            Field::Text(yes_no(e.interesse == Some(true))),
            Field::Text(&e.verdict),
            Field::Number(&previous),
            Field::Number(&progression),
            Field::Text(e.newly_interesse.map_or("", yes_no)),
            Field::Text(&years),
            Field::Number(&amount),
        ]));
    }
    s
}

fn f64_of(n: Option<caqes_engine::Number>) -> Option<f64> {
    n.map(|n| n.to_f64())
}

fn header(ws: &mut Worksheet, row: u32, cols: &[&str], bold: &Format) -> Result<(), XlsxError> {
    for (c, h) in cols.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, bold)?;
    }
    Ok(())
}

/// The cell formats of the campaign workbook, shared by its sheets.
struct Formats {
    bold: Format,
    /// A score in percent, « 85 % ».
    pct: Format,
    /// A progression in points, signed.
    pts: Format,
    /// An amount in euros.
    euro: Format,
    /// The title of the regional synthesis.
    title: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            bold: Format::new().set_bold(),
            pct: Format::new().set_num_format("0\" %\""),
            pts: Format::new().set_num_format("+0;-0;0"),
            euro: Format::new().set_num_format("#,##0.00\" €\""),
            title: Format::new().set_bold().set_font_size(14),
        }
    }
}

/// The regional campaign workbook: « Établissements », « Synthèse régionale »,
/// « Indicateurs », « Intéressement » (with an envelope), « Erreurs » and « Revue »
/// (when reviewed).
fn workbook(r: &Report, problems: &[Line], view: &ReviewView) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let f = Formats::new();
    establishments_sheet(&mut wb, r, view, &f)?;
    regional_sheet(&mut wb, r, view, &f)?;
    indicators_sheet(&mut wb, r, &f)?;
    if let Some(it) = &r.interessement {
        interessement_sheet(&mut wb, r, it, view, &f)?;
    }
    errors_sheet(&mut wb, problems, view, &f)?;
    if view.reviewed {
        review_sheet(&mut wb, view, &f.bold)?;
    }
    wb.save_to_buffer()
}

/// « Établissements »: one row per establishment (score, verdict, progression,
/// years intéressé, amount, self-assessed and official results), then the chart of
/// the scores, intéressés and non intéressés in two colours.
fn establishments_sheet(
    wb: &mut Workbook,
    r: &Report,
    view: &ReviewView,
    f: &Formats,
) -> Result<(), XlsxError> {
    let n = r.establishments.len() as u32;
    let ws = wb.add_worksheet();
    ws.set_name("Établissements")?;
    let cols = [
        "FINESS",
        "Établissement",
        "Département",
        "Statut",
        "Score",
        "Verdict",
        "Score précédent",
        "Progression",
        "Nouvellement intéressé",
        "Années intéressé",
        "Montant",
        "Score (intéressé)",
        "Score (non intéressé)",
        "Score auto-évalué",
        "Verdict auto-évalué",
        "Score officiel",
        "Verdict officiel",
        "Ajustements de l'agence",
    ];
    header(ws, 0, &cols, &f.bold)?;
    for (i, e) in r.establishments.iter().enumerate() {
        establishment_row(ws, i as u32 + 1, e, view, f)?;
    }
    ws.write_string(n + 2, 0, view.basis_line())?;
    ws.set_column_width(1, 42)?;
    ws.set_column_width(5, 22)?;
    ws.set_column_width(8, 12)?;
    ws.set_column_width(9, 18)?;
    ws.set_column_width(10, 14)?;
    ws.set_freeze_panes(1, 0)?;
    if n > 0 {
        ws.autofilter(0, 0, n, 10)?;
        ws.insert_chart(n + 3, 1, &scores_chart(r, n))?;
    }
    Ok(())
}

/// One establishment's row of « Établissements »; its score goes a second time in
/// the « Score (intéressé) » or « Score (non intéressé) » column the chart reads.
fn establishment_row(
    ws: &mut Worksheet,
    row: u32,
    e: &caqes_campaign::EsRow,
    view: &ReviewView,
    f: &Formats,
) -> Result<(), XlsxError> {
    ws.write_string(row, 0, &e.finess)?;
    ws.write_string(row, 1, caqes_grid::clip(&e.name).0)?;
    ws.write_string(row, 2, &e.departement)?;
    ws.write_string(row, 3, &e.status_label)?;
    if let Some(s) = f64_of(e.score) {
        ws.write_number_with_format(row, 4, s, &f.pct)?;
        let col = if e.interesse == Some(true) { 11 } else { 12 };
        ws.write_number_with_format(row, col, s, &f.pct)?;
    }
    ws.write_string(row, 5, &e.verdict)?;
    if let Some(s) = f64_of(e.previous_score) {
        ws.write_number_with_format(row, 6, s, &f.pct)?;
    }
    if let Some(s) = f64_of(e.progression) {
        ws.write_number_with_format(row, 7, s, &f.pts)?;
    }
    if let Some(b) = e.newly_interesse {
        ws.write_string(row, 8, yes_no(b))?;
    }
    let years: Vec<String> = e.years_interesse.iter().map(|y| y.to_string()).collect();
    ws.write_string(row, 9, years.join(", "))?;
    if let Some(c) = e.amount_cents {
        ws.write_number_with_format(row, 10, c as f64 / 100.0, &f.euro)?;
    }
    if let Some(b) = view.both.get(&e.finess) {
        for (col, o) in [(13u16, &b.own), (15, &b.official)] {
            if let Some(s) = f64_of(o.total_rounded) {
                ws.write_number_with_format(row, col, s, &f.pct)?;
            }
            ws.write_string(row, col + 1, o.verdict())?;
        }
        ws.write_string(
            row,
            17,
            caqes_grid::clip(&crate::review::adjustments_text(&b.official)).0,
        )?;
    }
    Ok(())
}

/// The column chart of « Établissements »: the scores of the `n` establishments,
/// intéressés and non intéressés as two overlapping series.
fn scores_chart(r: &Report, n: u32) -> Chart {
    let mut chart = Chart::new(ChartType::Column);
    for (col, name, color) in [
        (11u16, labels::INTERESSE, "#1F77B4"),
        (12, labels::NON_INTERESSE, "#FF7F0E"),
    ] {
        chart
            .add_series()
            .set_name(name)
            .set_categories(("Établissements", 1, 1, n, 1))
            .set_values(("Établissements", 1, col, n, col))
            .set_overlap(100)
            .set_format(ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color(color)));
    }
    chart
        .title()
        .set_name(&format!("Score des établissements {}", r.year));
    chart.y_axis().set_min(0).set_max(100).set_name("Score (%)");
    chart.set_width(900).set_height(420);
    chart
}

/// « Synthèse régionale »: title and basis, establishments by status, the figures
/// of each year, the newly / always / never intéressés, the French lines, and the
/// chart of the mean score per year.
fn regional_sheet(
    wb: &mut Workbook,
    r: &Report,
    view: &ReviewView,
    f: &Formats,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Synthèse régionale")?;
    ws.write_string_with_format(0, 0, &r.title, &f.title)?;
    ws.write_string(1, 0, format!("Année évaluée : {}", r.year))?;
    ws.write_string(2, 0, view.basis_line())?;
    let mut row = status_counts(ws, r, f)? + 2;
    let ytop = row;
    row = year_figures(ws, ytop, r, f)?;
    let ybottom = row;
    row = interessement_counts(ws, row + 2, r)?;
    for l in &r.regional.lines {
        ws.write_string(row, 0, l)?;
        row += 1;
    }
    ws.set_column_width(0, 34)?;
    ws.set_column_width(1, 16)?;
    ws.set_column_width(2, 18)?;
    if ybottom > ytop {
        let mut chart = Chart::new(ChartType::Line);
        chart
            .add_series()
            .set_name("Score moyen")
            .set_categories(("Synthèse régionale", ytop + 1, 0, ybottom, 0))
            .set_values(("Synthèse régionale", ytop + 1, 5, ybottom, 5));
        chart.title().set_name("Score moyen par année");
        chart.y_axis().set_min(0).set_max(100);
        chart.legend().set_hidden();
        ws.insert_chart(row + 1, 0, &chart)?;
    }
    Ok(())
}

/// The establishments by status from row 3 (header) and their total; returns the
/// total's row.
fn status_counts(ws: &mut Worksheet, r: &Report, f: &Formats) -> Result<u32, XlsxError> {
    let n = r.establishments.len() as u32;
    header(ws, 3, &["Statut", "Établissements"], &f.bold)?;
    let mut row = 4;
    for s in &r.regional.by_status {
        ws.write_string(row, 0, &s.status)?;
        ws.write_number(row, 1, s.count as f64)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, "Total", &f.bold)?;
    ws.write_number_with_format(row, 1, n as f64, &f.bold)?;
    Ok(row)
}

/// The header at `top` and one row per year (intéressés, rate, min, max, mean);
/// returns the last year's row (`top` without years).
fn year_figures(ws: &mut Worksheet, top: u32, r: &Report, f: &Formats) -> Result<u32, XlsxError> {
    let mut row = top;
    header(
        ws,
        row,
        &[
            "Année",
            "Intéressés",
            "Taux d'intéressés",
            "Score min",
            "Score max",
            "Score moyen",
            "",
        ],
        &f.bold,
    )?;
    for y in &r.regional.years {
        row += 1;
        ws.write_string(row, 0, y.year.to_string())?;
        ws.write_string(row, 1, format!("{}/{}", y.interesses, y.establishments))?;
        ws.write_number_with_format(row, 2, y.rate.to_f64(), &f.pct)?;
        for (c, v) in [(3u16, y.min), (4, y.max), (5, y.mean_rounded)] {
            if let Some(v) = f64_of(v) {
                ws.write_number_with_format(row, c, v, &f.pct)?;
            }
        }
    }
    Ok(row)
}

/// The newly intéressés of the year (or why they cannot be counted), the intéressés
/// of every year and the never intéressés, from `row`; returns the row after the
/// blank line that follows.
fn interessement_counts(ws: &mut Worksheet, mut row: u32, r: &Report) -> Result<u32, XlsxError> {
    ws.write_string(row, 0, format!("Nouvellement intéressés en {}", r.year))?;
    match r.regional.newly {
        Some(n) => ws.write_number(row, 1, n as f64)?,
        None => ws.write_string(
            row,
            1,
            "non calculable (pas d'historique de l'année précédente)",
        )?,
    };
    row += 1;
    ws.write_string(row, 0, "Intéressés toutes les années")?;
    ws.write_number(row, 1, r.regional.always as f64)?;
    row += 1;
    ws.write_string(row, 0, "Jamais intéressés")?;
    ws.write_number(row, 1, r.regional.never as f64)?;
    Ok(row + 2)
}

/// « Indicateurs »: per indicator, the establishments evaluated and meeting the
/// target, the line, the distribution of points, then one row per criterion.
fn indicators_sheet(wb: &mut Workbook, r: &Report, f: &Formats) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Indicateurs")?;
    header(
        ws,
        0,
        &[
            "Code",
            "Indicateur",
            "Points max",
            "Évalués",
            "Cible atteinte",
            "Ligne",
            "Répartition des points",
        ],
        &f.bold,
    )?;
    let mut row = 1;
    for i in &r.indicators {
        ws.write_string(row, 0, &i.code)?;
        ws.write_string(row, 1, caqes_grid::clip(&i.title).0)?;
        ws.write_number(row, 2, i.max_points.to_f64())?;
        ws.write_number(row, 3, i.evaluated as f64)?;
        ws.write_number(row, 4, i.reached as f64)?;
        ws.write_string(row, 5, caqes_grid::clip(&i.reached_line).0)?;
        let d: Vec<String> = i
            .distribution
            .iter()
            .map(|(p, c)| format!("{} pts : {c}", p.to_french_auto()))
            .collect();
        ws.write_string(row, 6, d.join(" ; "))?;
        row += 1;
        for c in &i.criteria {
            ws.write_string(
                row,
                1,
                caqes_grid::clip(&format!("  critère : {}", c.label)).0,
            )?;
            ws.write_number(row, 4, c.met as f64)?;
            ws.write_string(row, 5, caqes_grid::clip(&c.line).0)?;
            row += 1;
        }
    }
    ws.set_column_width(1, 60)?;
    ws.set_column_width(5, 70)?;
    ws.set_column_width(6, 30)?;
    Ok(())
}

/// « Intéressement »: the envelope, its key and method, the national share of the
/// savings, one row per establishment with an amount, and the totals.
fn interessement_sheet(
    wb: &mut Workbook,
    r: &Report,
    it: &caqes_campaign::Interessement,
    view: &ReviewView,
    f: &Formats,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Intéressement")?;
    ws.write_string_with_format(0, 0, "Enveloppe", &f.bold)?;
    ws.write_number_with_format(0, 1, it.envelope_cents as f64 / 100.0, &f.euro)?;
    ws.write_string_with_format(1, 0, "Clé de répartition", &f.bold)?;
    ws.write_string(1, 1, &it.key_label)?;
    ws.write_string_with_format(2, 0, "Bénéficiaires", &f.bold)?;
    ws.write_number(2, 1, it.beneficiaries as f64)?;
    ws.write_string(4, 0, view.basis_line())?;
    ws.write_string(
        3,
        0,
        "Méthode : parts arrondies au centime inférieur, centimes restants attribués aux plus forts restes ; la somme est exactement l'enveloppe.",
    )?;
    header(
        ws,
        5,
        &[
            "FINESS",
            "Établissement",
            "Score",
            "Lits",
            "Montant",
            "Économies (nationaux)",
            "Part des économies",
            "Part de l'enveloppe FIR",
        ],
        &f.bold,
    )?;
    if let Some(p) = it.savings_percent {
        ws.write_string(
            3,
            3,
            format!(
                "Indicateurs nationaux : {} % des économies générées (arrondi au centime inférieur).",
                p.to_french_auto()
            ),
        )?;
    }
    let mut row = 6;
    for e in r.establishments.iter().filter(|e| e.amount_cents.is_some()) {
        amount_row(ws, row, e, f)?;
        row += 1;
    }
    ws.write_string_with_format(row, 1, "Total", &f.bold)?;
    ws.write_number_with_format(row, 4, it.total_cents as f64 / 100.0, &f.euro)?;
    if let Some(n) = it.national_cents {
        ws.write_number_with_format(row, 6, n as f64 / 100.0, &f.euro)?;
    }
    ws.write_number_with_format(row, 7, it.envelope_cents as f64 / 100.0, &f.euro)?;
    ws.set_column_width(0, 20)?;
    ws.set_column_width(1, 42)?;
    ws.set_column_width(4, 16)?;
    Ok(())
}

/// One establishment's row of « Intéressement »: score, beds, amount, savings and
/// its national and regional parts.
fn amount_row(
    ws: &mut Worksheet,
    row: u32,
    e: &caqes_campaign::EsRow,
    f: &Formats,
) -> Result<(), XlsxError> {
    let cents = |c: Option<i64>| c.map(|c| c as f64 / 100.0);
    ws.write_string(row, 0, &e.finess)?;
    ws.write_string(row, 1, caqes_grid::clip(&e.name).0)?;
    if let Some(s) = f64_of(e.score) {
        ws.write_number_with_format(row, 2, s, &f.pct)?;
    }
    if let Some(b) = e.beds {
        ws.write_number(row, 3, b as f64)?;
    }
    ws.write_number_with_format(row, 4, e.amount_cents.unwrap_or(0) as f64 / 100.0, &f.euro)?;
    let parts = [
        e.savings_cents,
        e.national_cents.map(|c| c as i64),
        e.regional_cents.map(|c| c as i64),
    ];
    for (k, v) in parts.into_iter().enumerate() {
        if let Some(v) = cents(v) {
            ws.write_number_with_format(row, 5 + k as u16, v, &f.euro)?;
        }
    }
    Ok(())
}

/// « Erreurs »: the grids in error or with écarts, then the errors of the review
/// and the agency's data (or one line saying there is none).
fn errors_sheet(
    wb: &mut Workbook,
    problems: &[Line],
    view: &ReviewView,
    f: &Formats,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Erreurs")?;
    header(
        ws,
        0,
        &["Fichier", "FINESS", "Établissement", "Erreur", "Écarts"],
        &f.bold,
    )?;
    for (i, l) in problems.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, caqes_grid::clip(&l.file).0)?;
        ws.write_string(row, 1, &l.finess)?;
        ws.write_string(row, 2, caqes_grid::clip(&l.establishment).0)?;
        ws.write_string(row, 3, caqes_grid::clip(l.error.as_deref().unwrap_or("")).0)?;
        ws.write_string(row, 4, caqes_grid::clip(&l.differences.join(" ; ")).0)?;
    }
    for (i, e) in view.errors.iter().enumerate() {
        let row = (problems.len() + i) as u32 + 1;
        ws.write_string(row, 0, "revue / données de l'agence")?;
        ws.write_string(row, 3, caqes_grid::clip(e).0)?;
    }
    if problems.is_empty() && view.errors.is_empty() {
        ws.write_string(1, 0, "Aucune grille en erreur ni avec écarts.")?;
    }
    ws.set_column_width(0, 50)?;
    ws.set_column_width(3, 60)?;
    ws.set_column_width(4, 60)?;
    Ok(())
}

/// « Revue » sheet: every adjustment and the history of the review versions.
fn review_sheet(wb: &mut Workbook, view: &ReviewView, bold: &Format) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Revue")?;
    ws.write_string(0, 0, view.basis_line())?;
    header(
        ws,
        2,
        &[
            "FINESS",
            "Indicateur",
            "Champ",
            "Auto-évalué",
            "Retenu",
            "Origine",
            "Motif",
        ],
        bold,
    )?;
    let mut row = 3;
    let t = |v: &serde_json::Value| match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    for (finess, b) in view.both {
        for a in &b.official.adjustments {
            ws.write_string(row, 0, finess)?;
            ws.write_string(row, 1, &a.indicator)?;
            ws.write_string(row, 2, &a.field)?;
            ws.write_string(row, 3, caqes_grid::clip(&t(&a.from)).0)?;
            ws.write_string(row, 4, caqes_grid::clip(&t(&a.to)).0)?;
            ws.write_string(row, 5, a.origin.label())?;
            ws.write_string(row, 6, caqes_grid::clip(&a.motif).0)?;
            row += 1;
        }
    }
    row += 1;
    header(
        ws,
        row,
        &[
            "FINESS",
            "Version",
            "Date",
            "Fichier",
            "Décisions",
            "Appliquée",
            "Changements",
        ],
        bold,
    )?;
    row += 1;
    for (finess, b) in view.both {
        for h in &b.official.history {
            ws.write_string(row, 0, finess)?;
            ws.write_number(row, 1, h.version as f64)?;
            ws.write_string(row, 2, &h.date)?;
            ws.write_string(row, 3, caqes_grid::clip(&h.file).0)?;
            ws.write_number(row, 4, h.decisions as f64)?;
            ws.write_string(row, 5, yes_no(h.applied))?;
            ws.write_string(row, 6, caqes_grid::clip(&h.changes.join(" ; ")).0)?;
            row += 1;
        }
    }
    ws.set_column_width(1, 16)?;
    ws.set_column_width(2, 22)?;
    ws.set_column_width(6, 70)?;
    Ok(())
}
