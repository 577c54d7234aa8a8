//! `caqes campaign`: consolidate the grids of a campaign into the regional report.

use crate::catalogs::{io_message, Source};
use crate::csv::{csv_header, csv_line, Field};
use crate::verify::{files_of, line_of, Line};
use crate::Failure;
use caqes_campaign::{
    aggregate, apply_envelope, apply_targets, evaluate_with_history, parse_euros, parse_history,
    parse_targets, HistoryRecord, Key, Report, Submission,
};
use rayon::prelude::*;
use rust_xlsxwriter::{
    Chart, ChartFormat, ChartSolidFill, ChartType, Format, Workbook, Worksheet, XlsxError,
};
use serde::Serialize;
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
}

fn read_text(p: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(p).map_err(|e| {
        Failure::input(format!(
            "« {} » illisible : {}",
            p.display(),
            io_message(&e)
        ))
    })
}

pub fn campaign(source: &Source, o: &Options) -> Result<u8, Failure> {
    let catalog = source.resolve(Some(o.catalog), o.catalog)?;
    let mut history: Vec<HistoryRecord> = Vec::new();
    for h in o.history {
        let recs = parse_history(&read_text(h)?)
            .map_err(|e| Failure::input(format!("« {} » : {e}", h.display())))?;
        history.extend(recs);
    }
    let targets = match o.targets {
        Some(t) => parse_targets(&read_text(t)?)
            .map_err(|e| Failure::input(format!("« {} » : {e}", t.display())))?,
        None => Vec::new(),
    };
    let envelope = match o.envelope {
        Some(e) => Some(parse_euros(e).ok_or_else(|| {
            Failure::usage(format!(
                "enveloppe invalide « {e} » : montant en euros attendu (ex. 150000 ou 150 000,50)"
            ))
        })?),
        None => None,
    };
    let files = files_of(&[o.grids.to_path_buf()])?;
    if files.is_empty() {
        return Err(Failure::input("aucune grille (.xlsx) trouvée"));
    }
    let catalogs = std::slice::from_ref(&catalog);
    let read: Vec<(Line, Option<Submission>)> = files
        .par_iter()
        .map(|f| {
            let r = match std::fs::read(f) {
                Ok(b) => caqes_grid::read_grid(&b, catalogs).map_err(|e| e.to_string()),
                Err(e) => Err(format!("lecture impossible : {}", io_message(&e))),
            };
            let answers = r.as_ref().ok().map(|g| g.answers.clone());
            let line = line_of(f, r);
            let sub = answers.map(|mut a| {
                apply_targets(&mut a, &targets);
                evaluate_with_history(&catalog, a, &history)
            });
            (line, sub)
        })
        .collect();
    let mut subs = Vec::new();
    let mut problems: Vec<Line> = Vec::new();
    for (line, sub) in read {
        if matches!(
            line.outcome,
            caqes_grid::Outcome::Ecarts | caqes_grid::Outcome::Illisible
        ) {
            problems.push(line);
        }
        if let Some(s) = sub {
            subs.push(s);
        }
    }
    let mut report = aggregate(&catalog, &subs, &history);
    if let Some(cents) = envelope {
        apply_envelope(&mut report, cents, o.key)
            .map_err(|e| Failure::input(format!("répartition de l'enveloppe : {e}")))?;
    }
    let bytes =
        workbook(&report, &problems).map_err(|e| Failure::input(format!("rapport : {e}")))?;
    crate::grid_cmd::write_atomic(o.output, &bytes)?;
    if let Some(c) = o.csv {
        crate::grid_cmd::write_atomic(c, csv(&report).as_bytes())?;
    }
    if o.json {
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            report: &'a Report,
            errors: &'a [Line],
        }
        let text = serde_json::to_string_pretty(&Out {
            report: &report,
            errors: &problems,
        })
        .map_err(|e| Failure::input(format!("sérialisation impossible : {e}")))?;
        println!("{text}");
    } else {
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
    eprintln!("rapport écrit : {}", o.output.display());
    Ok(if problems.iter().any(|l| l.error.is_some()) {
        1
    } else {
        0
    })
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
            Field::Text(yes_no(e.newly_interesse)),
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

fn workbook(r: &Report, problems: &[Line]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0\" %\"");
    let pct1 = Format::new().set_num_format("0,0\" %\"");
    let _ = &pct1;
    let pts = Format::new().set_num_format("+0;-0;0");
    let euro = Format::new().set_num_format("#,##0.00\" €\"");
    let title = Format::new().set_bold().set_font_size(14);
    let n = r.establishments.len() as u32;

    // Établissements.
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
    ];
    header(ws, 0, &cols, &bold)?;
    for (i, e) in r.establishments.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, &e.finess)?;
        ws.write_string(row, 1, caqes_grid::clip(&e.name).0)?;
        ws.write_string(row, 2, &e.departement)?;
        ws.write_string(row, 3, &e.status_label)?;
        if let Some(s) = f64_of(e.score) {
            ws.write_number_with_format(row, 4, s, &pct)?;
            let col = if e.interesse == Some(true) { 11 } else { 12 };
            ws.write_number_with_format(row, col, s, &pct)?;
        }
        ws.write_string(row, 5, &e.verdict)?;
        if let Some(s) = f64_of(e.previous_score) {
            ws.write_number_with_format(row, 6, s, &pct)?;
        }
        if let Some(s) = f64_of(e.progression) {
            ws.write_number_with_format(row, 7, s, &pts)?;
        }
        ws.write_string(row, 8, yes_no(e.newly_interesse))?;
        let years: Vec<String> = e.years_interesse.iter().map(|y| y.to_string()).collect();
        ws.write_string(row, 9, years.join(", "))?;
        if let Some(c) = e.amount_cents {
            ws.write_number_with_format(row, 10, c as f64 / 100.0, &euro)?;
        }
    }
    ws.set_column_width(1, 42)?;
    ws.set_column_width(5, 22)?;
    ws.set_column_width(8, 12)?;
    ws.set_column_width(9, 18)?;
    ws.set_column_width(10, 14)?;
    ws.set_freeze_panes(1, 0)?;
    if n > 0 {
        ws.autofilter(0, 0, n, 10)?;
        let mut chart = Chart::new(ChartType::Column);
        for (col, name, color) in [
            (11u16, "Intéressé", "#1F77B4"),
            (12, "Non intéressé", "#FF7F0E"),
        ] {
            chart
                .add_series()
                .set_name(name)
                .set_categories(("Établissements", 1, 1, n, 1))
                .set_values(("Établissements", 1, col, n, col))
                .set_overlap(100)
                .set_format(
                    ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color(color)),
                );
        }
        chart
            .title()
            .set_name(&format!("Score des établissements {}", r.year));
        chart.y_axis().set_min(0).set_max(100).set_name("Score (%)");
        chart.set_width(900).set_height(420);
        ws.insert_chart(n + 3, 1, &chart)?;
    }

    // Synthèse régionale.
    let ws = wb.add_worksheet();
    ws.set_name("Synthèse régionale")?;
    ws.write_string_with_format(0, 0, &r.title, &title)?;
    ws.write_string(1, 0, format!("Année évaluée : {}", r.year))?;
    header(ws, 3, &["Statut", "Établissements"], &bold)?;
    let mut row = 4;
    for s in &r.regional.by_status {
        ws.write_string(row, 0, &s.status)?;
        ws.write_number(row, 1, s.count as f64)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, "Total", &bold)?;
    ws.write_number_with_format(row, 1, n as f64, &bold)?;
    row += 2;
    let ytop = row;
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
        &bold,
    )?;
    for y in &r.regional.years {
        row += 1;
        ws.write_string(row, 0, y.year.to_string())?;
        ws.write_string(row, 1, format!("{}/{}", y.interesses, y.establishments))?;
        ws.write_number_with_format(row, 2, y.rate.to_f64(), &pct)?;
        for (c, v) in [(3u16, y.min), (4, y.max), (5, y.mean_rounded)] {
            if let Some(v) = f64_of(v) {
                ws.write_number_with_format(row, c, v, &pct)?;
            }
        }
    }
    let ybottom = row;
    row += 2;
    ws.write_string(row, 0, format!("Nouvellement intéressés en {}", r.year))?;
    ws.write_number(row, 1, r.regional.newly as f64)?;
    row += 1;
    ws.write_string(row, 0, "Intéressés toutes les années")?;
    ws.write_number(row, 1, r.regional.always as f64)?;
    row += 1;
    ws.write_string(row, 0, "Jamais intéressés")?;
    ws.write_number(row, 1, r.regional.never as f64)?;
    row += 2;
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

    // Indicateurs.
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
        &bold,
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

    // Intéressement.
    if let Some(it) = &r.interessement {
        let ws = wb.add_worksheet();
        ws.set_name("Intéressement")?;
        ws.write_string_with_format(0, 0, "Enveloppe", &bold)?;
        ws.write_number_with_format(0, 1, it.envelope_cents as f64 / 100.0, &euro)?;
        ws.write_string_with_format(1, 0, "Clé de répartition", &bold)?;
        ws.write_string(1, 1, &it.key_label)?;
        ws.write_string_with_format(2, 0, "Bénéficiaires", &bold)?;
        ws.write_number(2, 1, it.beneficiaries as f64)?;
        ws.write_string(
            3,
            0,
            "Méthode : parts arrondies au centime inférieur, centimes restants attribués aux plus forts restes ; la somme est exactement l'enveloppe.",
        )?;
        header(
            ws,
            5,
            &["FINESS", "Établissement", "Score", "Lits", "Montant"],
            &bold,
        )?;
        let mut row = 6;
        for e in r.establishments.iter().filter(|e| e.amount_cents.is_some()) {
            ws.write_string(row, 0, &e.finess)?;
            ws.write_string(row, 1, caqes_grid::clip(&e.name).0)?;
            if let Some(s) = f64_of(e.score) {
                ws.write_number_with_format(row, 2, s, &pct)?;
            }
            if let Some(b) = e.beds {
                ws.write_number(row, 3, b as f64)?;
            }
            ws.write_number_with_format(row, 4, e.amount_cents.unwrap_or(0) as f64 / 100.0, &euro)?;
            row += 1;
        }
        ws.write_string_with_format(row, 1, "Total", &bold)?;
        ws.write_number_with_format(row, 4, it.envelope_cents as f64 / 100.0, &euro)?;
        ws.set_column_width(0, 20)?;
        ws.set_column_width(1, 42)?;
        ws.set_column_width(4, 16)?;
    }

    // Erreurs.
    let ws = wb.add_worksheet();
    ws.set_name("Erreurs")?;
    header(
        ws,
        0,
        &["Fichier", "FINESS", "Établissement", "Erreur", "Écarts"],
        &bold,
    )?;
    for (i, l) in problems.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, caqes_grid::clip(&l.file).0)?;
        ws.write_string(row, 1, &l.finess)?;
        ws.write_string(row, 2, caqes_grid::clip(&l.establishment).0)?;
        ws.write_string(row, 3, caqes_grid::clip(l.error.as_deref().unwrap_or("")).0)?;
        ws.write_string(row, 4, caqes_grid::clip(&l.differences.join(" ; ")).0)?;
    }
    if problems.is_empty() {
        ws.write_string(1, 0, "Aucune grille en erreur ni avec écarts.")?;
    }
    ws.set_column_width(0, 50)?;
    ws.set_column_width(3, 60)?;
    ws.set_column_width(4, 60)?;
    wb.save_to_buffer()
}
