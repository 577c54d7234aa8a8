//! The form opens a grid with the reader of `caqes verify`: every example
//! comes back whole (no change against the draft that produced the grid), a
//! changed draft lists its differences, and bad files are refused in French.

use caqes_engine::load_catalogs;
use caqes_engine::{evaluate, Answers, Catalog};
use caqes_web_grid::{grid_bytes, open_grid, CatalogSource};
use std::path::Path;

const TIME: &str = "2026-11-23 10:00:00";

fn examples(catalog: &Catalog) -> Vec<Answers> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/answers")
        .join(&catalog.campaign.id);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("answers file");
            Answers::from_json(&text).expect("example answers")
        })
        .collect()
}

/// The bundled file of a catalog, as the form hands it over.
fn source(catalog: &Catalog) -> CatalogSource<'static> {
    let id = catalog.campaign.id.clone().leak();
    let (file, toml) = caqes_catalogs::FILES
        .iter()
        .copied()
        .find(|(f, t)| load_catalogs(f, t).is_ok_and(|l| l.iter().any(|c| c.campaign.id == *id)))
        .expect("bundled file of the catalog");
    CatalogSource { file, toml, id }
}

fn catalog(id: &str) -> Catalog {
    caqes_catalogs::bundled()
        .expect("bundled catalogs")
        .into_iter()
        .find(|c| c.campaign.id == id)
        .expect("catalog")
}

#[test]
fn every_example_comes_back_with_the_same_score_and_no_change() {
    for catalog in caqes_catalogs::bundled().expect("bundled catalogs") {
        let cj = source(&catalog);
        for answers in examples(&catalog) {
            // What a grid can carry of this draft (the round-trip contract).
            let (carried, _) = caqes_grid::normalise(&catalog, &answers);
            let aj = carried.to_canonical_json();
            let xlsx = grid_bytes(&cj, &aj, TIME).expect("grid");
            let opened = open_grid(&cj, &aj, &xlsx).expect("grid opens");
            let id = &catalog.campaign.id;
            assert_eq!(
                opened.changes,
                vec![],
                "{id}: no change against the same draft"
            );
            // The same cell problems as `caqes verify` (an example may hold an invalid value).
            let native = caqes_grid::read_grid(&xlsx, std::slice::from_ref(&catalog)).unwrap();
            assert_eq!(opened.problems.len(), native.problems.len(), "{id}");
            assert_eq!(opened.informations, Vec::<String>::new(), "{id}");
            assert_eq!(
                evaluate(&catalog, &opened.answers).total_rounded,
                evaluate(&catalog, &answers).total_rounded,
                "{id}: same score"
            );
        }
    }
}

#[test]
fn differences_with_the_draft_are_listed_before_replacing() {
    let catalog = catalog("na-ako-2024");
    let cj = source(&catalog);
    let answers = examples(&catalog).remove(0);
    let (carried, _) = caqes_grid::normalise(&catalog, &answers);
    let xlsx = grid_bytes(&cj, &carried.to_canonical_json(), TIME).expect("grid");
    let blank = format!(r#"{{"catalog":"{}"}}"#, catalog.campaign.id);
    let opened = open_grid(&cj, &blank, &xlsx).expect("grid opens");
    assert!(!opened.changes.is_empty());
    for c in &opened.changes {
        // Empty, or « Non » for a box left unticked.
        assert!(c.current == "(vide)" || c.current == "Non", "{c:?}");
        assert_ne!(c.grid, c.current, "{c:?}");
    }
    assert!(opened
        .changes
        .iter()
        .any(|c| c.field == "Numéro FINESS" && c.grid == carried.establishment.finess));
}

#[test]
fn bad_files_are_refused_in_french() {
    let catalog = catalog("na-ako-2024");
    let cj = source(&catalog);
    let blank = r#"{"catalog":"na-ako-2024"}"#;
    let err = |bytes: &[u8]| open_grid(&cj, blank, bytes).expect_err("refused");
    assert!(err(b"").contains("fichier vide"));
    assert!(err(b"%PDF-1.4 pas un classeur").contains("n'est pas un classeur Excel .xlsx"));
    // Another campaign's grid.
    let other = catalog_other();
    let oj = source(&other);
    let xlsx = grid_bytes(
        &oj,
        &format!(r#"{{"catalog":"{}"}}"#, other.campaign.id),
        TIME,
    )
    .unwrap();
    let e = err(&xlsx);
    assert!(
        e.contains(&format!("« {} »", other.campaign.id)) && e.contains("autre campagne"),
        "{e}"
    );
    // Truncated (corrupted) grid.
    let good = grid_bytes(&cj, blank, TIME).unwrap();
    let e = err(&good[..good.len() / 2]);
    assert!(
        e.contains("illisible") || e.contains("endommagé") || e.contains("n'est pas un classeur"),
        "{e}"
    );
    // Over the size limit, refused before reading.
    let big = vec![b'P'; 50 * 1024 * 1024 + 1];
    assert!(err(&big).contains("trop volumineux"), "{}", err(&big));
}

fn catalog_other() -> Catalog {
    caqes_catalogs::bundled()
        .expect("bundled catalogs")
        .into_iter()
        .find(|c| c.campaign.id != "na-ako-2024")
        .expect("a second catalog")
}

#[test]
fn the_form_format_has_one_line_per_item_and_no_stray_tab() {
    let catalog = catalog("na-ako-2024");
    let cj = source(&catalog);
    let mut answers = examples(&catalog).remove(0);
    answers.establishment.name = "Nom\tavec\ttabulations\net retour".into();
    let (carried, _) = caqes_grid::normalise(&catalog, &answers);
    let xlsx = grid_bytes(&cj, &carried.to_canonical_json(), TIME).expect("grid");
    let blank = r#"{"catalog":"na-ako-2024"}"#;
    let opened = open_grid(&cj, blank, &xlsx).expect("grid opens");
    let text = opened.to_lines();
    let mut lines = text.lines();
    let back = Answers::from_json(lines.next().unwrap()).expect("answers line");
    assert_eq!(back, opened.answers);
    let rest: Vec<&str> = lines.collect();
    assert_eq!(
        rest.len(),
        1 + opened.changes.len() + opened.problems.len() + opened.informations.len()
    );
    for l in rest {
        let n = l.split('\t').count();
        assert!(
            ["S\t", "C\t", "P\t", "I\t"]
                .iter()
                .any(|p| l.starts_with(p))
                && n == 2,
            "{l:?}"
        );
    }
}
