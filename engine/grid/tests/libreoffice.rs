//! A real spreadsheet application agrees with the core.
//!
//! Every exported grid has its cached formula results poisoned (-999), is
//! recalculated by LibreOffice headless (`soffice --convert-to xlsx` with
//! recalculation on load forced in a private profile), and every computed
//! cell read back with calamine must equal the core's figure. Then input
//! cells are edited by patching the sheet XML: LibreOffice's score must equal
//! the core's score of the new inputs, and the reader must flag the edits.
//!
//! Needs `soffice` (scripts/setup-libreoffice). Skipped, loudly, only when
//! CAQES_SKIP_LIBREOFFICE=1.
#![cfg(feature = "read")]

mod common;
#[path = "common/libreoffice.rs"]
mod lo;

use calamine::{Data, Reader, Xlsx};
use caqes_engine::{evaluate, Answers, Catalog, Evaluation, Number, Role, Status};
use caqes_grid::layout::{layout, CellKind, Layout, Pos, SYNTH};
use caqes_grid::{normalise, read_grid, write_grid, Outcome};
use std::io::Read;

fn cell(ws: &calamine::Range<Data>, p: Pos) -> Option<f64> {
    lo::number(ws, p.row, p.col as u32)
}

fn text(ws: &calamine::Range<Data>, p: Pos) -> String {
    lo::text(ws, p.row, p.col as u32)
}

fn close(what: &str, got: Option<f64>, want: Option<Number>, tol: f64) {
    match (got, want) {
        (None, None) => {}
        (Some(g), Some(w)) => {
            let w = w.to_f64();
            assert!(
                (g - w).abs() <= tol * w.abs().max(1.0),
                "{what}: LibreOffice {g} ≠ cœur {w}"
            );
        }
        _ => panic!("{what}: LibreOffice {got:?} ≠ cœur {want:?}"),
    }
}

/// Checks every computed cell of a recalculated grid against the evaluation.
fn check(catalog: &Catalog, lay: &Layout, bytes: &[u8], e: &Evaluation, what: &str) {
    let mut x: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    // Share rounding of the core (10⁻⁹ when not exact) times weights up to 100 points.
    const EXACT: f64 = 1e-9;
    const POINTS: f64 = 1e-7;
    for il in &lay.indicators {
        let ws = x.worksheet_range(&il.sheet).unwrap();
        let r = e.indicator(&il.id).unwrap();
        let w = format!("{what} {}", il.id);
        assert_eq!(text(&ws, il.status_calc), r.status.label(), "{w} statut");
        close(&format!("{w} valeur"), cell(&ws, il.value), r.value, EXACT);
        close(&format!("{w} cible"), cell(&ws, il.target), r.target, EXACT);
        let met = match r.met {
            Some(true) => "Oui",
            Some(false) => "Non",
            None => "",
        };
        assert_eq!(text(&ws, il.met), met, "{w} atteinte");
        let info = r.role == Role::Information
            || matches!(
                catalog.indicator(&il.id).unwrap().measure,
                caqes_engine::Measure::Information { .. }
            );
        let share = if r.status == Status::Renseigne && !info {
            Some(r.share.unwrap_or(Number::ZERO))
        } else {
            None
        };
        close(&format!("{w} part"), cell(&ws, il.share), share, POINTS);
        close(
            &format!("{w} poids"),
            cell(&ws, il.weight),
            Some(r.weight),
            POINTS,
        );
        close(
            &format!("{w} points"),
            cell(&ws, il.points),
            Some(r.points),
            POINTS,
        );
    }
    let ws = x.worksheet_range(SYNTH).unwrap();
    let sy = &lay.synth;
    close(
        &format!("{what} score"),
        cell(&ws, sy.score),
        e.score,
        POINTS,
    );
    close(
        &format!("{what} bonus"),
        cell(&ws, sy.bonus),
        Some(e.bonus),
        POINTS,
    );
    close(
        &format!("{what} total"),
        cell(&ws, sy.total),
        e.total,
        POINTS,
    );
    close(
        &format!("{what} arrondi"),
        cell(&ws, sy.rounded),
        e.total_rounded,
        EXACT,
    );
    close(
        &format!("{what} seuil"),
        cell(&ws, sy.threshold),
        e.verdict.threshold,
        EXACT,
    );
    close(
        &format!("{what} manquant"),
        cell(&ws, sy.missing),
        e.verdict.missing,
        EXACT,
    );
    let verdict = match e.verdict.interesse {
        Some(true) => "Intéressé",
        Some(false) => "Non intéressé",
        None => "",
    };
    assert_eq!(text(&ws, sy.verdict), verdict, "{what} verdict");
    for (i, v) in e.volets.iter().enumerate() {
        let row = sy.volet_rows[i];
        close(
            &format!("{what} volet {} poids", v.id),
            cell(&ws, Pos::new(row, 1)),
            Some(v.weight),
            POINTS,
        );
        close(
            &format!("{what} volet {} points", v.id),
            cell(&ws, Pos::new(row, 2)),
            Some(v.points),
            POINTS,
        );
        close(
            &format!("{what} volet {} bonus", v.id),
            cell(&ws, Pos::new(row, 3)),
            Some(v.bonus),
            POINTS,
        );
        close(
            &format!("{what} volet {} score", v.id),
            cell(&ws, Pos::new(row, 4)),
            v.score,
            POINTS,
        );
    }
}

/// The outcome a grid whose formulas and cached results are right must get.
fn outcome_of(e: &Evaluation) -> Outcome {
    match e.state {
        caqes_engine::State::Complete => Outcome::Conforme,
        caqes_engine::State::Incomplete => Outcome::Incomplet,
        caqes_engine::State::Invalid => Outcome::Ecarts,
    }
}

struct Case {
    name: String,
    catalog: Catalog,
    answers: Answers,
}

fn cases(catalogs: &[Catalog]) -> Vec<Case> {
    let mut out = Vec::new();
    for f in common::example_answers() {
        let Ok(a) = Answers::from_json(&std::fs::read_to_string(&f).unwrap()) else {
            continue;
        };
        let Some(c) = catalogs.iter().find(|c| c.campaign.id == a.catalog) else {
            continue;
        };
        out.push(Case {
            name: format!("ex-{}", f.file_stem().unwrap().to_string_lossy()),
            catalog: c.clone(),
            answers: a,
        });
    }
    for c in catalogs
        .iter()
        .filter(|c| c.campaign.bonus_max > Number::ZERO)
    {
        let answers = common::full_answers(c, 1);
        let e = evaluate(c, &answers);
        if c.campaign.cap_total_at_scale {
            // The cap binds: score + bonus above the scale, total at the scale.
            let sum = e.score.and_then(|s| s.add(e.bonus).ok());
            assert!(
                sum.is_some_and(|s| s > c.campaign.scale),
                "{}: {sum:?}",
                c.campaign.id
            );
            assert_eq!(e.total, Some(c.campaign.scale), "{}", c.campaign.id);
        }
        out.push(Case {
            name: format!("full-{}", c.campaign.id),
            catalog: c.clone(),
            answers,
        });
    }
    for c in catalogs {
        for seed in 0..6 {
            out.push(Case {
                name: format!("gen-{}-{seed}", c.campaign.id),
                catalog: c.clone(),
                answers: common::generate(c, seed),
            });
        }
    }
    out
}

#[test]
fn libreoffice_recalculates_like_the_core() {
    let Some(soffice) = lo::soffice("LibreOffice") else {
        return;
    };
    let catalogs = common::catalogs();
    let dir = std::env::temp_dir().join(format!("caqes-lo-{}", std::process::id()));
    let (input, output) = (dir.join("in"), dir.join("out"));
    std::fs::create_dir_all(&input).unwrap();
    std::fs::create_dir_all(&output).unwrap();
    let cases = cases(&catalogs);
    let mut files = Vec::new();
    let mut edited = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let bytes = write_grid(&case.catalog, Some(&case.answers), "2025-01-01T00:00:00Z").unwrap();
        let poisoned = common::patch_zip(&bytes, &|name, xml| {
            if name.starts_with("xl/worksheets/") {
                lo::poison(xml)
            } else {
                xml
            }
        });
        let p = input.join(format!("{i:03}-{}.xlsx", case.name));
        std::fs::write(&p, &poisoned).unwrap();
        files.push(p);
        // Edited copy: change the first numeric input / criterion found, and the beds.
        let (expected, _) = normalise(&case.catalog, &case.answers);
        let mut changed = expected.clone();
        let lay = layout(&case.catalog);
        let mut patches: Vec<(usize, String, String, bool)> = Vec::new(); // (sheet index, cell, value, numeric)
        let sheet_index =
            |sheet: &str| lay.volets.iter().position(|v| v.sheet == sheet).unwrap() + 2;
        for il in &lay.indicators {
            for (kind, pos) in &il.inputs {
                match kind {
                    CellKind::Input(id) if patches.len() < 3 => {
                        changed
                            .indicators
                            .entry(il.id.clone())
                            .or_default()
                            .inputs
                            .insert(id.clone(), 7.into());
                        patches.push((sheet_index(&il.sheet), pos.a1(), "7".into(), true));
                    }
                    CellKind::Criterion(id) if patches.len() < 3 => {
                        let now = changed
                            .indicators
                            .get(&il.id)
                            .and_then(|a| a.criteria.get(id))
                            .copied();
                        let new = now != Some(true);
                        changed
                            .indicators
                            .entry(il.id.clone())
                            .or_default()
                            .criteria
                            .insert(id.clone(), new);
                        patches.push((
                            sheet_index(&il.sheet),
                            pos.a1(),
                            if new { "Oui" } else { "Non" }.into(),
                            false,
                        ));
                    }
                    _ => {}
                }
            }
        }
        let eb = common::patch_zip(&poisoned, &|name, xml| {
            let mut xml = xml;
            for (si, a1, v, numeric) in &patches {
                if name == format!("xl/worksheets/sheet{si}.xml") {
                    xml = common::set_cell(&xml, a1, v, *numeric);
                }
            }
            xml
        });
        let pe = input.join(format!("{i:03}-{}-edited.xlsx", case.name));
        std::fs::write(&pe, &eb).unwrap();
        // The reader flags the edits (on the file as edited, before any recalculation).
        let read = read_grid(&eb, &catalogs).unwrap();
        assert_eq!(
            read.edited.len(),
            patches.len(),
            "{}: cellules modifiées {:?}",
            case.name,
            read.edited
        );
        // Inputs typed after export are information, not écarts.
        assert!(
            read.review()
                .informations
                .iter()
                .any(|i| i.contains("après l'export")),
            "{}",
            case.name
        );
        assert_eq!(
            read.answers.to_canonical_json(),
            changed.to_canonical_json(),
            "{}",
            case.name
        );
        files.push(pe.clone());
        edited.push((i, pe, changed));
    }
    lo::convert(
        &soffice,
        &lo::temp_profile("grid"),
        lo::XLSX,
        &files,
        &output,
    );
    for (i, case) in cases.iter().enumerate() {
        let lay = layout(&case.catalog);
        let p = output.join(format!("{i:03}-{}.xlsx", case.name));
        let bytes = std::fs::read(&p).unwrap();
        let (expected, _) = normalise(&case.catalog, &case.answers);
        check(
            &case.catalog,
            &lay,
            &bytes,
            &evaluate(&case.catalog, &expected),
            &case.name,
        );
        // Drop-down lists and protection survive the round trip through LibreOffice.
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let mut xml = String::new();
        z.by_name("xl/worksheets/sheet2.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        assert!(
            xml.contains("<dataValidation"),
            "{}: listes perdues",
            case.name
        );
        assert!(
            xml.contains("<sheetProtection"),
            "{}: protection perdue",
            case.name
        );
        // The recalculated grid reads back to the same answers.
        let read = read_grid(&bytes, &catalogs).unwrap();
        assert_eq!(
            read.answers.to_canonical_json(),
            expected.to_canonical_json(),
            "{}",
            case.name
        );
        assert!(read.edited.is_empty(), "{}: {:?}", case.name, read.edited);
        // LibreOffice's spelling of every formula is the catalog's formula.
        assert!(
            read.altered_formulas.is_empty(),
            "{}: {:?}",
            case.name,
            read.altered_formulas
        );
        assert!(read.metadata_problems.is_empty(), "{}", case.name);
        assert_eq!(
            read.review().outcome,
            outcome_of(&read.evaluation),
            "{}: {:?}",
            case.name,
            read.review().differences
        );
    }
    for (i, pe, changed) in &edited {
        let case = &cases[*i];
        let lay = layout(&case.catalog);
        let bytes = std::fs::read(output.join(pe.file_name().unwrap())).unwrap();
        check(
            &case.catalog,
            &lay,
            &bytes,
            &evaluate(&case.catalog, changed),
            &format!("{} (modifiée)", case.name),
        );
        // Edited then recalculated: not an écart (unless the inputs are invalid).
        let read = read_grid(&bytes, &catalogs).unwrap();
        assert!(read.altered_formulas.is_empty(), "{}", case.name);
        if read.problems.is_empty() {
            assert_eq!(
                read.review().outcome,
                outcome_of(&read.evaluation),
                "{} (modifiée): {:?}",
                case.name,
                read.review().differences
            );
        }
    }
    eprintln!(
        "LibreOffice : {} grilles recalculées et vérifiées",
        files.len()
    );
}
