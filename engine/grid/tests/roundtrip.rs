//! Round trip: write the grid, read it back, same answers and same score.
#![cfg(feature = "read")]

mod common;

use caqes_engine::{evaluate, Answers};
use caqes_grid::{normalise, read_grid, write_grid, write_grid_report, Outcome};

fn round_trip(catalogs: &[caqes_engine::Catalog], answers: &Answers, what: &str) {
    let catalog = catalogs
        .iter()
        .find(|c| c.campaign.id == answers.catalog)
        .unwrap_or_else(|| panic!("{what}: catalog {} unknown", answers.catalog));
    let written = write_grid_report(catalog, Some(answers), "2025-01-01T00:00:00Z").unwrap();
    let read = read_grid(&written.bytes, catalogs).unwrap_or_else(|e| panic!("{what}: {e}"));
    let (expected, lost) = normalise(catalog, answers);
    assert_eq!(
        read.answers.to_canonical_json(),
        expected.to_canonical_json(),
        "{what}: answers differ after the round trip"
    );
    assert!(
        read.edited.is_empty(),
        "{what}: edited cells reported: {:?}",
        read.edited
    );
    assert_eq!(read.answers_unchanged(), Some(true), "{what}");
    assert!(!read.catalog_changed, "{what}");
    let before = evaluate(catalog, &expected);
    assert_eq!(
        common::score_summary(&read.evaluation),
        common::score_summary(&before),
        "{what}: score differs"
    );
    assert_eq!(read.evaluation, before, "{what}: evaluation differs");
    if lost.iter().all(|l| l.contains("tronqu")) {
        // Only truncated comments: the score is the one of the original answers.
        assert_eq!(
            common::score_summary(&read.evaluation),
            common::score_summary(&evaluate(catalog, answers)),
            "{what}"
        );
    }
    assert_eq!(
        read.declared_total,
        before.total_rounded.map(|n| n.to_f64()),
        "{what}: declared total"
    );
    assert!(
        !read.has_discrepancy()
            || !read.problems.is_empty()
            || before.state == caqes_engine::State::Invalid,
        "{what}: {:?}",
        read.problems
    );
    // Every computed cell has the catalog's formula and a cached result.
    assert!(
        read.altered_formulas.is_empty(),
        "{what}: {:?}",
        read.altered_formulas
    );
    assert!(!read.cached_results_missing, "{what}");
    assert!(
        read.metadata_problems.is_empty(),
        "{what}: {:?}",
        read.metadata_problems
    );
    let review = read.review();
    let want = match before.state {
        caqes_engine::State::Complete => Outcome::Conforme,
        caqes_engine::State::Incomplete => Outcome::Incomplet,
        caqes_engine::State::Invalid => Outcome::Ecarts,
    };
    if read.problems.is_empty() {
        assert_eq!(review.outcome, want, "{what}: {:?}", review.differences);
    }
    assert!(
        review.informations.is_empty(),
        "{what}: {:?}",
        review.informations
    );
}

#[test]
fn example_answers_round_trip() {
    let catalogs = common::catalogs();
    let files = common::example_answers();
    eprintln!("{} fichiers d'exemple sous tests/answers", files.len());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let Ok(a) = Answers::from_json(&text) else {
            continue; // deliberately malformed examples are the CLI's business
        };
        if !catalogs.iter().any(|c| c.campaign.id == a.catalog) {
            continue;
        }
        round_trip(&catalogs, &a, &f.display().to_string());
    }
}

#[test]
fn generated_answers_round_trip() {
    let catalogs = common::catalogs();
    for c in &catalogs {
        for seed in 0..25 {
            let a = common::generate(c, seed);
            round_trip(&catalogs, &a, &format!("{} seed {seed}", c.campaign.id));
        }
    }
}

#[test]
fn blank_grid_reads_as_empty_answers() {
    let catalogs = common::catalogs();
    for c in &catalogs {
        let bytes = write_grid(c, None, "t").unwrap();
        let read = read_grid(&bytes, &catalogs).unwrap();
        assert_eq!(read.answers.catalog, c.campaign.id);
        assert!(read.answers.indicators.is_empty());
        assert!(read.edited.is_empty());
        // A blank grid is incomplete, never « conforme », and has no écart.
        let review = read.review();
        assert_eq!(
            review.outcome,
            Outcome::Incomplet,
            "{}: {:?}",
            c.campaign.id,
            review.differences
        );
        assert!(!review.missing.is_empty());
    }
}

/// File of a sheet in the workbook (xl/worksheets/sheetN.xml).
fn sheet_file(lay: &caqes_grid::layout::Layout, sheet: &str) -> String {
    use caqes_grid::layout::{IDENT, SYNTH};
    let n = if sheet == IDENT {
        1
    } else if sheet == SYNTH {
        lay.volets.len() + 2
    } else {
        lay.volets.iter().position(|v| v.sheet == sheet).unwrap() + 2
    };
    format!("xl/worksheets/sheet{n}.xml")
}

fn example(path: &str) -> Answers {
    Answers::from_json(&std::fs::read_to_string(common::workspace().join(path)).unwrap()).unwrap()
}

#[test]
fn overwritten_or_changed_formulas_are_named_ecarts() {
    let catalogs = common::catalogs();
    let c = catalogs
        .iter()
        .find(|c| c.campaign.id == "na-ako-2024")
        .unwrap();
    let a = example("tests/answers/na-ako-2024/complet.json");
    let bytes = write_grid(c, Some(&a), "t").unwrap();
    let lay = caqes_grid::layout::layout(c);
    let il = &lay.indicators[1];
    // Points of an indicator overwritten by a value; its share given another formula.
    let (points, share) = (il.points.a1(), il.share.a1());
    let file = sheet_file(&lay, &il.sheet);
    let patched = common::patch_zip(&bytes, &|name, xml| {
        if name != file {
            return xml;
        }
        let xml = common::set_cell(&xml, &points, "20", true);
        let start = xml.find(&format!("<c r=\"{share}\"")).unwrap();
        let f0 = start + xml[start..].find("<f>").unwrap() + 3;
        let f1 = start + xml[start..].find("</f>").unwrap();
        format!("{}1{}", &xml[..f0], &xml[f1..])
    });
    let read = read_grid(&patched, &catalogs).unwrap();
    let cells: Vec<String> = read
        .altered_formulas
        .iter()
        .map(|a| a.cell.clone())
        .collect();
    assert_eq!(
        cells,
        vec![
            format!("{}!{share}", il.sheet),
            format!("{}!{points}", il.sheet)
        ]
    );
    assert_eq!(read.altered_formulas[0].found.as_deref(), Some("1"));
    assert_eq!(read.altered_formulas[1].found, None);
    assert_eq!(read.altered_formulas[1].value, "20");
    let review = read.review();
    assert_eq!(review.outcome, Outcome::Ecarts);
    assert!(
        review.differences[0].contains("2 cellule(s) calculée(s) modifiée(s)")
            && review.differences[0].contains(&format!("{}!{points}", il.sheet)),
        "{:?}",
        review.differences
    );
}

#[test]
fn french_typed_numbers_are_read_with_an_information() {
    use caqes_engine::{Number, Unit};
    let catalogs = common::catalogs();
    // A catalog with a percentage input (the grid test catalog has one).
    let c = catalogs
        .iter()
        .find(|c| {
            c.indicators.iter().any(|i| {
                i.measure
                    .inputs()
                    .iter()
                    .any(|x| x.unit() == Unit::Percent && x.prefill().is_none())
            })
        })
        .unwrap();
    let lay = caqes_grid::layout::layout(c);
    // The first input of a unit in the catalog.
    let find = |unit: Unit| {
        lay.indicators
            .iter()
            .find_map(|il| {
                let ind = c.indicator(&il.id)?;
                ind.measure.inputs().into_iter().find_map(|i| {
                    (i.unit() == unit && i.prefill().is_none()).then(|| {
                        (
                            il.sheet.clone(),
                            il.input(&caqes_grid::layout::CellKind::Input(i.id().into()))
                                .unwrap(),
                        )
                    })
                })
            })
            .unwrap_or_else(|| panic!("{}: no {unit:?} input", c.campaign.id))
    };
    let bytes = write_grid(c, None, "t").unwrap();
    let cases: Vec<(Unit, &str, Option<&str>)> = vec![
        (Unit::Percent, "84,5", Some("84.5")),
        (Unit::Percent, "85 %", Some("85")),
        (Unit::Percent, "85%", Some("85")),
        (Unit::Percent, "85\u{a0}%", Some("85")),
        (Unit::Count, "1 234", Some("1234")),
        (Unit::Percent, "quatre-vingts", None),
        (Unit::Percent, "84,5,3", None),
        (Unit::Count, "12 %", None),
        (Unit::Percent, "", None),
    ];
    for (unit, typed, want) in cases {
        if typed.is_empty() {
            continue;
        }
        let (sheet, pos) = find(unit);
        let file = sheet_file(&lay, &sheet);
        let patched = common::patch_zip(&bytes, &|name, xml| {
            if name == file {
                common::set_cell(&xml, &pos.a1(), typed, false)
            } else {
                xml
            }
        });
        let read = read_grid(&patched, &catalogs).unwrap();
        match want {
            Some(n) => {
                assert!(read.problems.is_empty(), "{typed}: {:?}", read.problems);
                assert_eq!(read.notes.len(), 1, "{typed}");
                let v = read
                    .answers
                    .indicators
                    .values()
                    .flat_map(|a| a.inputs.values())
                    .next()
                    .unwrap();
                assert_eq!(
                    Number::parse(&v.to_string()),
                    Number::parse(n),
                    "{typed}: {v}"
                );
                let review = read.review();
                // Not recalculated here, so the declared score may differ; but
                // the typed cell is neither invalid nor an input error.
                assert!(
                    review
                        .differences
                        .iter()
                        .all(|d| d.starts_with("score déclaré")),
                    "{typed}: {:?}",
                    review.differences
                );
                assert!(
                    review
                        .informations
                        .iter()
                        .any(|i| i.contains(&format!("texte « {typed} » lu comme le nombre"))),
                    "{:?}",
                    review.informations
                );
            }
            None => {
                assert_eq!(read.problems.len(), 1, "{typed}");
                assert!(
                    read.problems[0].message.contains("un nombre est attendu"),
                    "{}",
                    read.problems[0].message
                );
                assert!(read.notes.is_empty());
                assert_eq!(read.review().outcome, Outcome::Ecarts);
            }
        }
    }
}

#[test]
fn metadata_missing_or_inconsistent_is_an_ecart() {
    let catalogs = common::catalogs();
    let c = catalogs
        .iter()
        .find(|c| c.campaign.id == "na-ako-2024")
        .unwrap();
    let a = example("tests/answers/na-ako-2024/complet.json");
    let bytes = write_grid(c, Some(&a), "t").unwrap();
    assert_eq!(
        read_grid(&bytes, &catalogs).unwrap().review().outcome,
        Outcome::Conforme
    );
    let lay = caqes_grid::layout::layout(c);
    let meta = format!("xl/worksheets/sheet{}.xml", lay.volets.len() + 3);
    // The metadata names another layout version: inconsistent.
    let patched = common::patch_zip(&bytes, &|name, xml| {
        if name == meta {
            common::set_cell(&xml, "B2", "99", false)
        } else {
            xml
        }
    });
    let read = read_grid(&patched, &catalogs).unwrap();
    assert_eq!(
        read.metadata_problems.len(),
        1,
        "{:?}",
        read.metadata_problems
    );
    let review = read.review();
    assert_eq!(review.outcome, Outcome::Ecarts);
    assert!(
        review
            .differences
            .iter()
            .any(|d| d.starts_with("métadonnées incohérentes : version de mise en page « 99 »")),
        "{:?}",
        review.differences
    );
}

#[test]
fn user_text_stays_text() {
    let catalogs = common::catalogs();
    let c = &catalogs[0];
    let mut a = common::generate(c, 0);
    a.establishment.name = "=1+1".into();
    let bytes = write_grid(c, Some(&a), "t").unwrap();
    let read = read_grid(&bytes, &catalogs).unwrap();
    assert_eq!(read.answers.establishment.name, "=1+1");
    // And never written as a formula element.
    let xml = common_sheet_xml(&bytes, "xl/worksheets/sheet1.xml");
    assert!(!xml.contains("<f>1+1</f>"));
}

fn common_sheet_xml(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[test]
fn long_text_is_truncated_and_reported() {
    let catalogs = common::catalogs();
    let c = &catalogs[0];
    let mut a = Answers {
        catalog: c.campaign.id.clone(),
        ..Answers::default()
    };
    a.establishment.name = "é".repeat(40_000);
    let w = write_grid_report(c, Some(&a), "t").unwrap();
    assert!(w.lost.iter().any(|l| l.contains("tronqué")), "{:?}", w.lost);
    let read = read_grid(&w.bytes, &catalogs).unwrap();
    assert_eq!(read.answers.establishment.name.chars().count(), 32_767);
}

#[test]
fn formula_typed_in_an_input_cell() {
    let catalogs = common::catalogs();
    let c = catalogs
        .iter()
        .find(|c| c.campaign.id == "na-ako-2024")
        .unwrap();
    let bytes = write_grid(c, None, "t").unwrap();
    let lay = caqes_grid::layout::layout(c);
    let beds = lay
        .ident_pos(&caqes_grid::layout::IdentField::Beds)
        .unwrap()
        .a1();
    let with = |cell: String| {
        let beds = beds.clone();
        common::patch_zip(&bytes, &move |name, xml| {
            if name != "xl/worksheets/sheet1.xml" {
                return xml;
            }
            let start = xml.find(&format!("<c r=\"{beds}\"")).unwrap();
            let end = start + xml[start..].find("/>").unwrap() + 2;
            format!("{}{}{}", &xml[..start], cell, &xml[end..])
        })
    };
    // With its result stored (Excel, LibreOffice): the result is read, an information.
    let read = read_grid(
        &with(format!("<c r=\"{beds}\"><f>100+20</f><v>120</v></c>")),
        &catalogs,
    )
    .unwrap();
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    assert_eq!(read.answers.establishment.beds, Some(120));
    assert!(read.notes[0].message.contains("formule « =100+20 »"));
    // Without a stored result (openpyxl): unknown value, an écart.
    let read = read_grid(
        &with(format!("<c r=\"{beds}\"><f>100+20</f></c>")),
        &catalogs,
    )
    .unwrap();
    assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
    assert!(read.problems[0]
        .message
        .contains("sans résultat enregistré"));
    assert_eq!(read.review().outcome, Outcome::Ecarts);
}
