//! « Répondre au rapport d'évaluation » with the review workbook: the grid
//! module reads a workbook written by `caqes review`'s writer and gives the
//! form its decisions as review CSV, which the engine's parser reads back.

use caqes_engine::{evaluate, parse_review_csv, Answers, Catalog};
use caqes_grid::review::{self as rv, Prefill, ReviewEntry, ReviewMeta};
use caqes_web_grid::{review_csv, CatalogSource};

fn source(id: &str) -> (CatalogSource<'static>, Catalog) {
    let (file, toml) = caqes_catalogs::FILES
        .iter()
        .copied()
        .find(|(f, t)| {
            caqes_engine::load_catalogs(f, t)
                .map(|l| l.iter().any(|c| c.campaign.id == id))
                .unwrap_or(false)
        })
        .unwrap();
    let catalog = caqes_engine::load_catalogs(file, toml)
        .unwrap()
        .into_iter()
        .find(|c| c.campaign.id == id)
        .unwrap();
    let id: &'static str = Box::leak(id.to_string().into_boxed_str());
    (CatalogSource { file, toml, id }, catalog)
}

fn workbook(catalog: &Catalog) -> Vec<u8> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let answers = Answers::from_json(
        &std::fs::read_to_string(root.join("tests/answers/na-ako-2024/complet.json")).unwrap(),
    )
    .unwrap();
    let eval = evaluate(catalog, &answers);
    let entries = [ReviewEntry {
        file: "complet.xlsx".into(),
        answers: &answers,
        evaluation: &eval,
        official: &eval,
    }];
    let pre = |indicator: &str, field: &str, value: &str, motif: &str| Prefill {
        finess: "330781196".into(),
        indicator: indicator.into(),
        field: field.into(),
        value: value.into(),
        motif: motif.into(),
        from_data: false,
    };
    rv::write_review(
        catalog,
        &entries,
        &[
            pre("ir-cho-1", "inputs.patients", "1200", "File active AM"),
            pre(
                "ir-cho-2",
                "criteria.pilotage",
                "Non",
                "=pas de \"pilote\" ; voir PV",
            ),
        ],
        &ReviewMeta {
            version: 2,
            date: "15/03/2025".into(),
            written: "2025-03-15T10:00:00Z".into(),
        },
    )
    .unwrap()
}

#[test]
fn a_review_workbook_becomes_the_review_csv_of_the_form() {
    let (src, catalog) = source("na-ako-2024");
    let csv = review_csv(&src, &workbook(&catalog)).unwrap();
    let rows = parse_review_csv(&csv).unwrap();
    let got: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.finess.as_str(),
                r.indicator.as_str(),
                r.field.as_str(),
                r.value.as_str(),
                r.motif.as_str(),
                r.version,
                r.date.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "330781196",
                "ir-cho-1",
                "inputs.patients",
                "1200",
                "File active AM",
                Some(2),
                Some("15/03/2025")
            ),
            (
                "330781196",
                "ir-cho-2",
                "criteria.pilotage",
                "Non",
                "=pas de \"pilote\" ; voir PV",
                Some(2),
                Some("15/03/2025")
            ),
        ]
    );
}

#[test]
fn a_review_workbook_of_another_campaign_is_refused_naming_both() {
    let (_, catalog) = source("na-ako-2024");
    let (other, _) = source("occitanie-vo-2018");
    let e = review_csv(&other, &workbook(&catalog)).unwrap_err();
    assert!(
        e.contains("« na-ako-2024 »") && e.contains("« occitanie-vo-2018 »"),
        "{e}"
    );
    let e = review_csv(&other, b"PK\x03\x04 pas un classeur").unwrap_err();
    assert!(!e.is_empty());
}
