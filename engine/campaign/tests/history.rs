use caqes_campaign::{history_csv, parse_history, HistoryRecord};
use caqes_engine::Number;

#[test]
fn csv_and_json_round_trip() {
    let recs = vec![
        HistoryRecord {
            finess: "330000001".into(),
            year: 2023,
            score: Some(Number::int(86)),
            interesse: true,
        },
        HistoryRecord {
            finess: "330000002".into(),
            year: 2022,
            score: Some(Number::parse("72.5").unwrap()),
            interesse: false,
        },
        HistoryRecord {
            finess: "330000003".into(),
            year: 2022,
            score: None,
            interesse: false,
        },
    ];
    assert_eq!(parse_history(&history_csv(&recs)).unwrap(), recs);
    let json = serde_json::to_string(&recs).unwrap();
    assert_eq!(parse_history(&json).unwrap(), recs);
    let wrapped = format!("{{\"catalog\":\"x\",\"history\":{json}}}");
    assert_eq!(parse_history(&wrapped).unwrap(), recs);
    let csv = "FINESS,Année,Score,Intéressé\n330000001,2023,86,Oui\n";
    assert_eq!(parse_history(csv).unwrap()[0], recs[0]);
    let e = parse_history("finess;annee;score\n1;2;3\n").unwrap_err();
    assert!(e.to_string().contains("interesse"), "{e}");
    let e = parse_history("finess;annee;score;interesse\n1;20x;3;oui\n").unwrap_err();
    assert!(e.to_string().contains("ligne 2"), "{e}");
}

#[test]
fn csv_neutralised_against_injection_and_multiline_names_read_back() {
    // As written by `caqes campaign --csv`: a name starting with `=` is
    // prefixed with `'` and quoted; a quoted name may span lines.
    let csv = "\u{feff}finess;nom;annee;score;interesse;progression\r\n\
               '=330781196;\"'=HYPERLINK(\"\"http://x\"\",\"\"clic\"\")\";2024;88,5;oui;-3\r\n\
               640780417;\"Clinique\r\nsur deux lignes ; « x »\";2024;90;non;\r\n";
    let recs = parse_history(csv).unwrap();
    assert_eq!(recs.len(), 2, "{recs:?}");
    assert_eq!(recs[0].finess, "=330781196");
    assert_eq!(recs[0].score, caqes_engine::Number::parse("88.5"));
    assert_eq!(recs[1].finess, "640780417");
    assert!(!recs[1].interesse);
}

#[test]
fn history_csv_never_writes_a_formula_and_reads_it_back() {
    let recs = vec![
        HistoryRecord {
            finess: "=HYPERLINK(\"http://x\";\"y\")".into(),
            year: 2023,
            score: Some(Number::parse("-3.5").unwrap()),
            interesse: false,
        },
        HistoryRecord {
            finess: "@SUM(A1)".into(),
            year: 2022,
            score: None,
            interesse: true,
        },
    ];
    let csv = history_csv(&recs);
    for line in csv.lines().skip(1) {
        let first = line.trim_start_matches('"');
        assert!(
            !first.starts_with(caqes_engine::csv::FORMULA_TRIGGERS),
            "formula written: {line}"
        );
    }
    assert!(
        csv.contains(";-3,5;"),
        "a negative score stays a number: {csv}"
    );
    assert_eq!(parse_history(&csv).unwrap(), recs);
}
