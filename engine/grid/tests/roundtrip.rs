//! Round trip: write the grid, read it back, same answers and same score.
#![cfg(feature = "read")]

mod common;

use caqes_engine::{evaluate, Answers};
use caqes_grid::{normalise, read_grid, write_grid, write_grid_report};

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
    assert_eq!(read.answers_unchanged, Some(true), "{what}");
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
    }
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
