//! The agency's review workbook: layout, read-back, and LibreOffice's
//! recalculation of the official score (live formulas) against the core's
//! `apply_review` + `evaluate`.
//!
//! Needs `soffice` (scripts/setup-libreoffice) for the recalculation test;
//! skipped, loudly, only when CAQES_SKIP_LIBREOFFICE=1.
#![cfg(feature = "read")]

mod common;
#[path = "common/libreoffice.rs"]
mod lo;

use calamine::{Reader, Xlsx};
use caqes_engine::{
    apply_review, evaluate, AdjustmentOrigin, Answers, Catalog, Decision, DeclaredStatus,
    Evaluation, Measure, Number, Unit,
};
use caqes_grid::layout::layout;
use caqes_grid::review::read::{read_review, Choice};
use caqes_grid::review::{self as rv, fields, relocate, FieldKind, ReviewEntry, ReviewMeta};
use std::io::Read;
use std::path::PathBuf;

fn meta() -> ReviewMeta {
    ReviewMeta {
        version: 2,
        date: "15/03/2025".into(),
        written: "2025-03-15T10:00:00Z".into(),
    }
}

fn na2024() -> Catalog {
    common::catalogs()
        .into_iter()
        .find(|c| c.campaign.id == "na-ako-2024")
        .unwrap()
}

fn campaign_answers(catalog: &Catalog) -> Vec<Answers> {
    let dir = common::workspace().join("tests/campaign/answers-2024");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let a = Answers::from_json(&std::fs::read_to_string(f).unwrap()).unwrap();
            caqes_grid::normalise(catalog, &a).0
        })
        .collect()
}

/// Excel row (1-based) of (establishment index, indicator, field).
fn row_of(catalog: &Catalog, es: usize, indicator: &str, field: &str) -> u32 {
    let per: usize = catalog.indicators.iter().map(|i| fields(i).len()).sum();
    let mut r = 2 + (es * per) as u32;
    for ind in &catalog.indicators {
        for f in fields(ind) {
            if ind.id == indicator && f.path == field {
                return r;
            }
            r += 1;
        }
    }
    panic!("champ {indicator} {field} absent");
}

/// A decision typed in the workbook: (establishment, indicator, field, Décision, Valeur retenue, numeric, Motif).
#[derive(Clone, Debug)]
struct Typed {
    es: usize,
    indicator: String,
    field: String,
    choice: &'static str,
    value: String,
    numeric: bool,
    motif: String,
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn patch(catalog: &Catalog, bytes: &[u8], typed: &[Typed]) -> Vec<u8> {
    common::patch_zip(bytes, &|name, xml| {
        if name != "xl/worksheets/sheet1.xml" {
            return xml;
        }
        let mut xml = xml;
        for t in typed {
            let r = row_of(catalog, t.es, &t.indicator, &t.field);
            xml = common::set_cell(&xml, &format!("I{r}"), t.choice, false);
            if !t.value.is_empty() {
                xml = common::set_cell(&xml, &format!("J{r}"), &xml_escape(&t.value), t.numeric);
            }
            xml = common::set_cell(&xml, &format!("K{r}"), &xml_escape(&t.motif), false);
        }
        xml
    })
}

/// The core's decision for a typed row (Refusé mapped as `caqes` does).
fn decision(t: &Typed) -> Decision {
    let value = match t.choice {
        "Refusé" if t.field.starts_with("criteria.") || t.field.starts_with("evidence.") => {
            "non".to_string()
        }
        "Refusé" if t.field == "status" => "renseigne".to_string(),
        _ => t.value.clone(),
    };
    Decision {
        indicator: t.indicator.clone(),
        field: t.field.clone(),
        value,
        motif: t.motif.clone(),
        origin: AdjustmentOrigin::Ars,
    }
}

fn write(catalog: &Catalog, answers: &[Answers]) -> Vec<u8> {
    let evals: Vec<Evaluation> = answers.iter().map(|a| evaluate(catalog, a)).collect();
    let entries: Vec<ReviewEntry> = answers
        .iter()
        .zip(&evals)
        .enumerate()
        .map(|(i, (a, e))| ReviewEntry {
            file: format!("grille-{i}.xlsx"),
            answers: a,
            evaluation: e,
            official: e,
        })
        .collect();
    rv::write_review(catalog, &entries, &[], &meta()).unwrap()
}

fn zip_text(bytes: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// Decisions of the NA campaign: a refused criterion (with a formula-leading
/// motif), a refused NC, a corrected criterion, a status corrected to NC.
fn na_decisions() -> Vec<Typed> {
    let t = |es, ind: &str, field: &str, choice, value: &str, motif: &str| Typed {
        es,
        indicator: ind.into(),
        field: field.into(),
        choice,
        value: value.into(),
        numeric: false,
        motif: motif.into(),
    };
    vec![
        t(
            0,
            "ir-cho-2",
            "criteria.programme",
            "Refusé",
            "",
            "=1+1 programme absent",
        ),
        t(4, "ir-cho-4", "status", "Refusé", "", "NC non justifié"),
        t(
            2,
            "ir-cho-4",
            "criteria.parcours",
            "Corrigé",
            "Oui",
            "parcours vérifié sur place",
        ),
        t(
            3,
            "ir-cho-3-1",
            "status",
            "Corrigé",
            "NC",
            "@activité absente",
        ),
        t(6, "ir-cho-3-2", "criteria.outils", "Validé", "", ""),
    ]
}

fn na_answers(catalog: &Catalog) -> Vec<Answers> {
    let mut answers = campaign_answers(catalog);
    // A declared NC, refused by the agency.
    let a = answers[4].indicators.entry("ir-cho-4".into()).or_default();
    a.status = Some(DeclaredStatus::NonConcerne);
    a.justification = "pas de parcours".into();
    a.criteria.insert("parcours".into(), false);
    answers
}

#[test]
fn review_workbook_layout_metadata_and_read_back() {
    let catalog = na2024();
    let answers = na_answers(&catalog);
    let bytes = write(&catalog, &answers);
    // Layout: protected sheet, drop-down, unlocked pink cells, hidden sheets.
    let revue = zip_text(&bytes, "xl/worksheets/sheet1.xml");
    assert!(revue.contains("<sheetProtection"), "feuille Revue protégée");
    assert!(revue.contains("Validé,Corrigé,Refusé"), "liste Décision");
    let styles = zip_text(&bytes, "xl/styles.xml");
    assert!(
        styles.contains("locked=\"0\""),
        "cellules roses déverrouillées"
    );
    let wbxml = zip_text(&bytes, "xl/workbook.xml");
    assert_eq!(
        wbxml.matches("state=\"hidden\"").count(),
        answers.len() + 1,
        "une feuille cachée par établissement + _caqes"
    );
    // One row per establishment × field.
    let per: usize = catalog.indicators.iter().map(|i| fields(i).len()).sum();
    let mut x: Xlsx<_> = Xlsx::new(std::io::Cursor::new(&bytes)).unwrap();
    let ws = x.worksheet_range(rv::REVUE).unwrap();
    assert_eq!(ws.height(), 1 + per * answers.len());
    // Read back: metadata, and no decision in a fresh workbook.
    let r = read_review(&bytes).unwrap();
    assert_eq!(r.catalog_id, "na-ako-2024");
    assert_eq!(r.catalog_sha256, caqes_grid::catalog_hash(&catalog));
    assert_eq!(r.version, Some(2));
    assert_eq!(r.date, "15/03/2025");
    assert_eq!(r.grid_hashes.len(), answers.len());
    assert_eq!(
        r.grid_hashes[&answers[0].establishment.finess],
        rv::answers_hash(&answers[0])
    );
    assert!(r.rows.is_empty() && r.problems.is_empty());
    // Typed decisions come back located; Validé is no decision; motifs stay text.
    let typed = na_decisions();
    let patched = patch(&catalog, &bytes, &typed);
    let r = read_review(&patched).unwrap();
    assert_eq!(r.rows.len(), 4, "{:?}", r.rows);
    let first = &r.rows[0];
    assert_eq!(first.finess, answers[0].establishment.finess);
    assert_eq!(first.indicator, "ir-cho-2");
    assert_eq!(first.field, "criteria.programme");
    assert_eq!(first.choice, Choice::Refuse);
    assert_eq!(first.motif, "=1+1 programme absent");
    assert_eq!(
        first.line as u32,
        row_of(&catalog, 0, "ir-cho-2", "criteria.programme")
    );
    assert!(!first.from_data);
    // A value without decision, and an unknown decision, are located problems.
    let bad = common::patch_zip(&bytes, &|name, xml| {
        if name != "xl/worksheets/sheet1.xml" {
            return xml;
        }
        let xml = common::set_cell(&xml, "J2", "12", true);
        common::set_cell(&xml, "I3", "Peut-être", false)
    });
    let r = read_review(&bad).unwrap();
    assert_eq!(r.problems.len(), 2, "{:?}", r.problems);
    assert_eq!((r.problems[0].line, r.problems[1].line), (2, 3));
    assert!(r.problems[1].message.contains("Peut-être"));
    // A grid is not a review workbook.
    let grid = caqes_grid::write_grid(&catalog, Some(&answers[0]), "2025-01-01T00:00:00Z").unwrap();
    assert!(read_review(&grid).is_err());
}

#[test]
fn data_prefill_is_corrige_with_text_motif() {
    let catalog = na2024();
    let answers = campaign_answers(&catalog);
    let evals: Vec<Evaluation> = answers.iter().map(|a| evaluate(&catalog, a)).collect();
    let entries: Vec<ReviewEntry> = answers
        .iter()
        .zip(&evals)
        .map(|(a, e)| ReviewEntry {
            file: "g.xlsx".into(),
            answers: a,
            evaluation: e,
            official: e,
        })
        .collect();
    let pre = vec![rv::Prefill {
        finess: answers[1].establishment.finess.clone(),
        indicator: "ir-cho-1".into(),
        field: "inputs.depenses".into(),
        value: "1234567,5".into(),
        motif: "=donnée fournie par l'Assurance Maladie".into(),
        from_data: true,
    }];
    let bytes = rv::write_review(&catalog, &entries, &pre, &meta()).unwrap();
    let r = read_review(&bytes).unwrap();
    assert_eq!(r.rows.len(), 1);
    let row = &r.rows[0];
    assert_eq!(row.choice, Choice::Corrige);
    assert_eq!(row.value, "1234567.5");
    assert!(row.from_data);
    assert_eq!(row.motif, "=donnée fournie par l'Assurance Maladie");
    // Never a formula in the review sheet.
    let revue = zip_text(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        !revue.contains("<f>"),
        "aucune formule dans la feuille Revue"
    );
}

// ---------------------------------------------------------------- LibreOffice

/// Random decisions on generated answers (every kind of field), keeping only
/// those the core accepts.
fn random_decisions(catalog: &Catalog, answers: &[Answers], seed: u64) -> Vec<Typed> {
    let mut rng = common::Rng::new(seed);
    let mut out: Vec<Typed> = Vec::new();
    for (es, a) in answers.iter().enumerate() {
        let mut mine: Vec<Typed> = Vec::new();
        for ind in &catalog.indicators {
            for f in fields(ind) {
                if !rng.chance(25) {
                    continue;
                }
                let (choice, value, numeric) = match f.kind {
                    FieldKind::Status => match rng.below(4) {
                        0 => ("Refusé", String::new(), false),
                        1 => ("Corrigé", "NC".to_string(), false),
                        2 => ("Corrigé", "Non mesurable".to_string(), false),
                        _ => ("Corrigé", "Renseigné".to_string(), false),
                    },
                    FieldKind::Criterion | FieldKind::Evidence => match rng.below(3) {
                        0 => ("Refusé", String::new(), false),
                        1 => ("Corrigé", "Oui".to_string(), false),
                        _ => ("Corrigé", "non".to_string(), false),
                    },
                    FieldKind::Input | FieldKind::Target => {
                        let unit = match &ind.measure {
                            Measure::Criteria { .. } => Unit::Count,
                            m => m
                                .inputs()
                                .iter()
                                .find(|i| f.path == format!("inputs.{}", i.id()))
                                .map(|i| i.unit())
                                .unwrap_or(Unit::Percent),
                        };
                        let v = match unit {
                            Unit::Count => rng.below(500).to_string(),
                            Unit::Amount => format!("{}.{:02}", rng.below(100000), rng.below(100)),
                            Unit::Percent => format!("{}.5", rng.below(100)),
                        };
                        let choice = if rng.chance(50) {
                            "Corrigé"
                        } else {
                            "Refusé"
                        };
                        (choice, v, true)
                    }
                };
                mine.push(Typed {
                    es,
                    indicator: ind.id.to_string(),
                    field: f.path.clone(),
                    choice,
                    value,
                    numeric,
                    motif: format!("motif {es} {}", f.path),
                });
            }
        }
        // Keep only what the core accepts (e.g. no decision on an automatic NC).
        loop {
            let ds: Vec<Decision> = mine.iter().map(decision).collect();
            match apply_review(catalog, a, &ds) {
                Ok(_) => break,
                Err(errs) => {
                    let bad: Vec<usize> = errs.iter().map(|e| e.decision).collect();
                    let mut i = 0;
                    mine.retain(|_| {
                        i += 1;
                        !bad.contains(&(i - 1))
                    });
                }
            }
        }
        out.extend(mine);
    }
    out
}

fn official(catalog: &Catalog, answers: &[Answers], typed: &[Typed]) -> Vec<Evaluation> {
    answers
        .iter()
        .enumerate()
        .map(|(es, a)| {
            let ds: Vec<Decision> = typed
                .iter()
                .filter(|t| t.es == es && t.choice != "Validé")
                .map(decision)
                .collect();
            let o = apply_review(catalog, a, &ds).expect("décisions acceptées");
            evaluate(catalog, &o.answers)
        })
        .collect()
}

#[test]
fn libreoffice_recalculates_the_official_score_like_the_core() {
    let Some(soffice) = lo::soffice("LibreOffice") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("caqes-review-lo-{}", std::process::id()));
    let (input, output) = (dir.join("in"), dir.join("out"));
    std::fs::create_dir_all(&input).unwrap();
    std::fs::create_dir_all(&output).unwrap();
    // Cases: the NA campaign with hand-picked decisions, and every catalog
    // with generated answers and random decisions.
    let mut cases: Vec<(String, Catalog, Vec<Answers>, Vec<Typed>)> = Vec::new();
    let na = na2024();
    let na_a = na_answers(&na);
    cases.push(("na-campagne".into(), na.clone(), na_a, na_decisions()));
    for c in common::catalogs() {
        let answers: Vec<Answers> = (0..4)
            .map(|s| {
                let mut a = common::generate(&c, s * 7 + 1);
                a.establishment.finess = format!("33078119{s}");
                caqes_grid::normalise(&c, &a).0
            })
            .collect();
        let typed = random_decisions(&c, &answers, 11);
        cases.push((format!("gen-{}", c.campaign.id), c, answers, typed));
    }
    let mut files = Vec::new();
    for (name, c, answers, typed) in &cases {
        let bytes = patch(c, &write(c, answers), typed);
        let poisoned = common::patch_zip(&bytes, &|n, xml| {
            if n.starts_with("xl/worksheets/") {
                lo::poison(xml)
            } else {
                xml
            }
        });
        let p = input.join(format!("{name}.xlsx"));
        std::fs::write(&p, poisoned).unwrap();
        files.push(p);
    }
    lo::convert(
        &soffice,
        &lo::temp_profile("review"),
        lo::XLSX,
        &files,
        &output,
    );
    let mut checked = 0;
    for (name, c, answers, typed) in &cases {
        let bytes = std::fs::read(output.join(format!("{name}.xlsx"))).unwrap();
        let mut x: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let syn = x.worksheet_range(rv::SYNTHESE).unwrap();
        let expected = official(c, answers, typed);
        let l = relocate(&layout(c), "x");
        for (es, e) in expected.iter().enumerate() {
            let row = 3 + es as u32;
            let what = format!("{name} établissement {es}");
            let got = lo::number(&syn, row, 5);
            match (got, e.total_rounded) {
                (None, None) => {}
                (Some(g), Some(w)) => assert!(
                    (g - w.to_f64()).abs() < 1e-9,
                    "{what} : LibreOffice {g} ≠ cœur {w:?}"
                ),
                (g, w) => panic!("{what} : LibreOffice {g:?} ≠ cœur {w:?}"),
            }
            let verdict = match e.verdict.interesse {
                Some(true) => "Intéressé",
                Some(false) => "Non intéressé",
                None => "",
            };
            assert_eq!(lo::text(&syn, row, 6), verdict, "{what} verdict");
            // Every indicator's points on the hidden sheet.
            let ws = x.worksheet_range(&rv::calc_sheet(es)).unwrap();
            for r in &e.indicators {
                let il = l.indicator(&r.id).unwrap();
                assert_eq!(
                    lo::text(&ws, il.status_calc.row, il.status_calc.col as u32),
                    r.status.label(),
                    "{what} {} statut",
                    r.id
                );
                let p = lo::number(&ws, il.points.row, il.points.col as u32).unwrap_or(0.0);
                assert!(
                    (p - r.points.to_f64()).abs() < 1e-7,
                    "{what} {} points : LibreOffice {p} ≠ cœur {}",
                    r.id,
                    r.points.to_f64()
                );
            }
            checked += 1;
        }
        // Decisions counted per establishment.
        let n0 = typed
            .iter()
            .filter(|t| t.es == 0 && t.choice != "Validé")
            .count();
        assert_eq!(lo::number(&syn, 3, 7), Some(n0 as f64), "{name} décisions");
    }
    // The NA campaign's decisions do move scores.
    let na_case = &cases[0];
    let own: Vec<Option<Number>> = na_case
        .2
        .iter()
        .map(|a| evaluate(&na_case.1, a).total_rounded)
        .collect();
    let off = official(&na_case.1, &na_case.2, &na_case.3);
    assert_ne!(own[0], off[0].total_rounded, "critère refusé");
    assert_ne!(own[4], off[4].total_rounded, "NC refusé");
    assert!(checked > 19);
    let _ = std::fs::remove_dir_all(&dir);
}
