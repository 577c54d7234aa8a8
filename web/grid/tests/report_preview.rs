//! « Aperçu du rapport »: the on-demand module builds, from the catalog's TOML
//! file and the draft's JSON, the self-evaluation report of `caqes_report`
//! with the agency report's sections (`engine/cli/tests/report_preview.rs`
//! compares it with the HTML of `caqes report` itself).

use caqes_engine::{load_catalogs, Answers, Catalog};
use caqes_web_grid::CatalogSource;
use std::path::Path;

fn source(catalog: &Catalog) -> CatalogSource<'static> {
    let id = catalog.campaign.id.clone().leak();
    let (file, toml) = caqes_catalogs::FILES
        .iter()
        .copied()
        .find(|(f, t)| load_catalogs(f, t).is_ok_and(|l| l.iter().any(|c| c.campaign.id == *id)))
        .expect("bundled file of the catalog");
    CatalogSource { file, toml, id }
}

/// The texts of the `<h2>` elements.
fn headings(html: &str) -> Vec<&str> {
    html.split("<h2>")
        .skip(1)
        .filter_map(|s| s.split("</h2>").next())
        .collect()
}

#[test]
fn preview_of_every_example_has_the_agency_report_sections() {
    let mut n = 0;
    for catalog in caqes_catalogs::bundled().expect("bundled catalogs") {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/answers")
            .join(&catalog.campaign.id);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.map(|e| e.expect("dir entry").path()) {
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("answers file");
            let answers = Answers::from_json(&text).expect("example answers");
            let web = caqes_web_grid::preview_html(&source(&catalog), &answers.to_canonical_json())
                .expect("preview");
            let own = caqes_campaign_free_eval(&catalog, answers.clone());
            let agency = caqes_report::html::render(&caqes_report::build(&caqes_report::Input {
                catalog: &catalog,
                own: &own,
                official: &own,
                adjustments: &[],
                versions: &[],
                row: None,
                reviewed: false,
                period: None,
                preview: false,
            }));
            assert_eq!(headings(&web), headings(&agency), "{}", path.display());
            assert!(web.contains("auto-évaluation"), "{}", path.display());
            assert!(!web.contains("<script") && !web.contains("<style"));
            let name = answers.establishment.name.replace('\'', "&#39;");
            assert!(web.contains(&name), "{}", path.display());
            n += 1;
        }
    }
    assert!(n >= 20, "{n} examples");
}

fn caqes_campaign_free_eval(catalog: &Catalog, answers: Answers) -> caqes_campaign::Submission {
    caqes_campaign::evaluate_with_history(catalog, answers, &[])
}

#[test]
fn preview_errors_are_french() {
    let catalog = caqes_catalogs::bundled().expect("bundled").remove(0);
    let e = caqes_web_grid::preview_html(&source(&catalog), "{").unwrap_err();
    assert!(e.starts_with("brouillon illisible"), "{e}");
}
