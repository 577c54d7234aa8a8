//! The on-demand grid module writes the same workbook as `caqes grid`: the
//! catalog crosses the module boundary as its TOML file and must load identical.

use caqes_engine::{load_catalogs, Answers, Catalog};
use caqes_web_grid::CatalogSource;
use std::io::Read;
use std::path::Path;

const TIME: &str = "2026-11-23 10:00:00";

/// Every zip entry of an xlsx, by name, except docProps/core.xml (its creation
/// date is the current clock of rust_xlsxwriter).
fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("xlsx is a zip");
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("zip entry");
        let name = f.name().expect("entry name").to_string();
        if name == "docProps/core.xml" {
            continue;
        }
        let mut data = Vec::new();
        f.read_to_end(&mut data).expect("inflate");
        out.push((name, data));
    }
    out
}

fn examples(catalog: &Catalog) -> Vec<String> {
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
        .map(|p| std::fs::read_to_string(p).expect("answers file"))
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

#[test]
fn the_catalog_loaded_from_its_source_is_the_bundled_one() {
    for catalog in caqes_catalogs::bundled().expect("bundled catalogs") {
        let back = source(&catalog).load().expect("loads");
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            serde_json::to_string(&catalog).unwrap(),
            "{}",
            catalog.campaign.id
        );
    }
}

#[test]
fn grid_equals_the_cli_writer_for_every_example() {
    let mut n = 0;
    for catalog in caqes_catalogs::bundled().expect("bundled catalogs") {
        let src = source(&catalog);
        for text in examples(&catalog) {
            let answers = Answers::from_json(&text).expect("example answers");
            let cli = caqes_grid::write_grid(&catalog, Some(&answers), TIME).expect("cli grid");
            let web = caqes_web_grid::grid_bytes(&src, &text, TIME).expect("web grid");
            let (a, b) = (entries(&cli), entries(&web));
            assert_eq!(a.len(), b.len(), "{}", catalog.campaign.id);
            for ((na, da), (nb, db)) in a.iter().zip(&b) {
                assert_eq!(na, nb);
                assert!(da == db, "{}: entry {na} differs", catalog.campaign.id);
            }
            n += 1;
        }
    }
    assert!(n >= 15, "only {n} example answer files");
}

#[test]
fn errors_are_french_and_nothing_is_written() {
    let catalog = caqes_catalogs::bundled().expect("bundled").remove(0);
    let src = source(&catalog);
    let bad = CatalogSource {
        toml: "[campaign\n",
        ..src
    };
    let e = caqes_web_grid::grid_bytes(&bad, r#"{"catalog":"x"}"#, TIME).unwrap_err();
    assert!(
        e.starts_with("référentiel « ") && e.contains("illisible"),
        "{e}"
    );
    let missing = CatalogSource {
        id: "absent-1999",
        ..src
    };
    let e = caqes_web_grid::grid_bytes(&missing, r#"{"catalog":"x"}"#, TIME).unwrap_err();
    assert!(e.contains("« absent-1999 » est absente"), "{e}");
    let e = caqes_web_grid::grid_bytes(&src, "[]", TIME).unwrap_err();
    assert!(!e.is_empty());
    // Answers of another campaign.
    let e = caqes_web_grid::grid_bytes(&src, r#"{"catalog":"autre-2020"}"#, TIME).unwrap_err();
    assert!(e.contains("autre-2020"), "{e}");
}
