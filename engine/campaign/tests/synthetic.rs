//! The synthetic Nouvelle-Aquitaine campaign (tests/campaign): the aggregates equal
//! the figures of the regional presentation (../shared/sources/000_*.txt), including
//! the 2024 minimum of 45 % (40/90 = 44.4 %, rounded up by the catalog), except the
//! programme line (15/19 is 79 %; the presentation prints « 74 % (15/19) »).

use caqes_campaign::{aggregate, apply_envelope, evaluate_with_history, parse_history, Key};
use caqes_engine::{Answers, Number};
use std::path::Path;

fn campaign() -> caqes_campaign::Report {
    campaign_with(true)
}

/// The campaign, with the 2022-2023 history or without any.
fn campaign_with(with_history: bool) -> caqes_campaign::Report {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/campaign");
    let catalogs = caqes_catalogs::bundled().expect("catalogs");
    let catalog = catalogs
        .iter()
        .find(|c| c.campaign.id == "na-ako-2024")
        .expect("na-ako-2024");
    let history = if with_history {
        parse_history(&std::fs::read_to_string(dir.join("history-2022-2023.csv")).unwrap()).unwrap()
    } else {
        Vec::new()
    };
    let mut files: Vec<_> = std::fs::read_dir(dir.join("answers-2024"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let subs: Vec<_> = files
        .iter()
        .map(|f| {
            let a = Answers::from_json(&std::fs::read_to_string(f).unwrap()).unwrap();
            let s = evaluate_with_history(catalog, a, &history);
            assert!(
                caqes_engine::finess_is_valid(&s.answers.establishment.finess),
                "{}",
                f.display()
            );
            s
        })
        .collect();
    aggregate(catalog, &subs, &history)
}

fn n(i: i64) -> Option<Number> {
    Some(Number::int(i))
}

#[test]
fn figures_of_the_presentation() {
    let r = campaign();
    let g = &r.regional;
    assert_eq!(g.establishments, 19);
    let st: Vec<(&str, usize)> = g
        .by_status
        .iter()
        .map(|s| (s.status.as_str(), s.count))
        .collect();
    assert_eq!(st, vec![("Public", 15), ("Privé", 3), ("ESPIC", 1)]);
    let y: Vec<_> = g
        .years
        .iter()
        .map(|y| (y.year, y.interesses, y.rate_line.clone()))
        .collect();
    assert_eq!(
        y,
        vec![
            (2022, 10, "53 % (10/19)".to_string()),
            (2023, 10, "53 % (10/19)".to_string()),
            (2024, 13, "68 % (13/19)".to_string()),
        ]
    );
    assert_eq!(g.change, Some(3));
    assert_eq!((g.newly, g.always, g.never), (Some(4), 9, 4));
    let y24 = &g.years[2];
    assert_eq!((y24.min, y24.max, y24.mean_rounded), (n(45), n(100), n(85)));
    // Mean of the rounded scores: (9 × 100 + 4 × 89 + 78 + 67 + 3 × 56 + 45) / 19 = 84.9.
    assert_eq!(y24.mean, Number::ratio(1614, 19));
    assert_eq!(g.years[1].mean_rounded, n(80));
    assert_eq!(g.years[0].mean_rounded, n(72));
    let line = |ind: &str, c: &str| {
        r.indicators
            .iter()
            .find(|i| i.id == ind)
            .unwrap()
            .criteria
            .iter()
            .find(|x| x.id == c)
            .unwrap()
            .clone()
    };
    let prog = line("ir-cho-2", "programme");
    assert_eq!(prog.met, 15);
    assert!(
        prog.line.starts_with("79 % (15/19) des ES"),
        "{}",
        prog.line
    );
    let pc = line("ir-cho-3-1", "actions");
    assert_eq!(pc.met, 17);
    assert!(pc.line.starts_with("89 % (17/19) des ES"), "{}", pc.line);
    // Per-establishment rows.
    assert_eq!(
        r.establishments
            .iter()
            .filter(|e| e.interesse == Some(true))
            .count(),
        13
    );
    assert_eq!(
        r.establishments
            .iter()
            .filter(|e| e.newly_interesse == Some(true))
            .count(),
        4
    );
    let belharra = r
        .establishments
        .iter()
        .find(|e| e.name.contains("BELHARRA"))
        .unwrap();
    assert_eq!(belharra.score, n(89));
    assert_eq!(belharra.progression, n(19));
    assert_eq!(belharra.years_interesse, vec![2024]);
    assert_eq!(belharra.status_label, "Privé");
    // The report's history is valid history and gives the same figures.
    let csv = caqes_campaign::history_csv(&r.history);
    assert_eq!(parse_history(&csv).unwrap(), r.history);
    assert_eq!(r.history.len(), 57);
}

#[test]
fn envelope_split_on_the_campaign() {
    let mut r = campaign();
    for key in [Key::Equal, Key::Score, Key::Beds] {
        apply_envelope(&mut r, 15_000_000, key).unwrap();
        let amounts: Vec<u64> = r
            .establishments
            .iter()
            .filter_map(|e| e.amount_cents)
            .collect();
        assert_eq!(amounts.len(), 13);
        assert_eq!(amounts.iter().sum::<u64>(), 15_000_000);
    }
}

/// Without the results of 2023, nobody can be said newly intéressé in 2024:
/// not 13/19 (every intéressé), but « non calculable », in the figures and
/// in each establishment's row.
#[test]
fn newly_interesses_need_the_previous_year() {
    let r = campaign_with(false);
    assert_eq!(r.regional.newly, None);
    assert!(r.establishments.iter().all(|e| e.newly_interesse.is_none()));
    assert!(
        r.regional.lines.iter().any(|l| l
            == "Établissements nouvellement intéressés en 2024 : non calculable sans les résultats 2023 (historique)"),
        "{:#?}",
        r.regional.lines
    );
    assert!(!r
        .regional
        .lines
        .iter()
        .any(|l| l.contains("13/19 établissements nouvellement")));
    let with = campaign();
    assert_eq!(
        with.establishments
            .iter()
            .filter(|e| e.newly_interesse == Some(true))
            .count(),
        4
    );
}
