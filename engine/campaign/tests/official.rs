//! Hand-computed official scores (issue 10): the agency's review of the
//! synthetic Nouvelle-Aquitaine campaign (`tests/campaign/revue.csv`) and the
//! agency's data replacing typed values on Occitanie 2019 (annexe 1 grid)
//! (`tests/golden/official/occitanie-vo-2019-donnees.csv`).
//!
//! The hand computation is written in `tests/golden/official/README.md`; this
//! test asserts those figures literally, then compares the whole result with
//! the golden JSON beside it (`UPDATE_GOLDEN=1` rewrites the JSON only; the
//! literal figures below never come from the engine).

use caqes_campaign::{aggregate, evaluate_with_history, parse_history, Submission};
use caqes_engine::{
    apply_review, parse_agency_data, parse_review_csv, Catalog, Decision, Number, Official,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn catalog(id: &str) -> Catalog {
    caqes_catalogs::bundled()
        .unwrap()
        .into_iter()
        .find(|c| c.campaign.id == id)
        .unwrap()
}

fn n(text: &str) -> Option<Number> {
    Number::parse(text)
}

fn frac(num: i128, den: i128) -> Option<Number> {
    Number::ratio(num, den)
}

/// The self-assessed and official results of one establishment, as JSON.
fn result_json(me: &Submission, official: &Submission, adjustments: &Official) -> Value {
    let side = |s: &Submission| {
        json!({
            "score": s.evaluation.score,
            "total": s.evaluation.total,
            "total_rounded": s.evaluation.total_rounded,
            "interesse": s.evaluation.verdict.interesse,
            "reason": s.evaluation.verdict.reason,
        })
    };
    let mut off = side(official);
    off["adjustments"] = serde_json::to_value(&adjustments.adjustments).unwrap();
    json!({
        "finess": me.evaluation.finess,
        "establishment": me.evaluation.establishment,
        "self_assessed": side(me),
        "official": off,
    })
}

/// Compares with the golden JSON (rewritten only with `UPDATE_GOLDEN=1`).
fn check_golden(name: &str, actual: &Value) {
    let path = root().join("tests/golden/official").join(name);
    let text = serde_json::to_string_pretty(actual).unwrap() + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing (UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(expected, text, "{} differs", path.display());
}

struct Campaign {
    rows: Vec<(Submission, Submission, Official)>,
}

impl Campaign {
    fn es(&self, finess: &str) -> &(Submission, Submission, Official) {
        self.rows
            .iter()
            .find(|(s, _, _)| s.evaluation.finess == finess)
            .unwrap_or_else(|| panic!("{finess}"))
    }
}

fn na_campaign() -> Campaign {
    let dir = root().join("tests/campaign");
    let catalog = catalog("na-ako-2024");
    let history =
        parse_history(&std::fs::read_to_string(dir.join("history-2022-2023.csv")).unwrap())
            .unwrap();
    let review = parse_review_csv(&std::fs::read_to_string(dir.join("revue.csv")).unwrap())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let mut by_finess: BTreeMap<String, Vec<Decision>> = BTreeMap::new();
    for row in &review {
        by_finess
            .entry(row.finess.clone())
            .or_default()
            .push(row.decision());
    }
    let mut files: Vec<_> = std::fs::read_dir(dir.join("answers-2024"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 19);
    let rows = files
        .iter()
        .map(|f| {
            let a = caqes_engine::Answers::from_json(&std::fs::read_to_string(f).unwrap()).unwrap();
            let decisions = by_finess
                .remove(&a.establishment.finess)
                .unwrap_or_default();
            let official = apply_review(&catalog, &a, &decisions)
                .unwrap_or_else(|e| panic!("{}: {e:?}", f.display()));
            let me = evaluate_with_history(&catalog, a, &history);
            let off = evaluate_with_history(&catalog, official.answers.clone(), &history);
            (me, off, official)
        })
        .collect();
    assert!(by_finess.is_empty(), "unknown FINESS in the review");
    Campaign { rows }
}

#[test]
fn na_campaign_review_hand_computed() {
    let c = na_campaign();

    // CHU de Bordeaux: IR CHO 2 « programme » refused. 80/90 = 88,89 → 89 (ceiling);
    // 2023: 100, no progression → not intéressé.
    let (me, off, o) = c.es("330990102");
    assert_eq!(me.evaluation.total_rounded, n("100"));
    assert_eq!(me.evaluation.verdict.interesse, Some(true));
    assert_eq!(off.evaluation.score, frac(800, 9));
    assert_eq!(off.evaluation.total_rounded, n("89"));
    assert_eq!(off.evaluation.verdict.interesse, Some(false));
    assert_eq!(o.adjustments.len(), 1);
    assert_eq!(
        (
            o.adjustments[0].field.as_str(),
            &o.adjustments[0].from,
            &o.adjustments[0].to
        ),
        ("criteria.programme", &json!(true), &json!(false))
    );
    assert_eq!(
        o.adjustments[0].motif,
        "Programme d'actions 2025 non transmis ; critère refusé"
    );

    // CH de Niort: IR CHO 4 declared NC → 70/70 → 100 %. NC refused, coordination
    // yes, parcours no: 80/90 → 89; 2023: 90 → no progression → not intéressé.
    let (me, off, o) = c.es("790990170");
    assert_eq!(me.evaluation.score, n("100"));
    assert_eq!(
        me.evaluation.indicator("ir-cho-4").unwrap().weight,
        Number::ZERO
    );
    assert_eq!(
        me.evaluation.indicator("ir-cho-2").unwrap().weight,
        frac(30 * 90, 70).unwrap()
    );
    assert_eq!(me.evaluation.verdict.interesse, Some(true));
    assert_eq!(off.evaluation.score, frac(800, 9));
    assert_eq!(off.evaluation.total_rounded, n("89"));
    assert_eq!(
        off.evaluation.indicator("ir-cho-4").unwrap().points,
        Number::int(10)
    );
    assert_eq!(
        off.evaluation.indicator("ir-cho-2").unwrap().weight,
        Number::int(30)
    );
    assert_eq!(off.evaluation.verdict.interesse, Some(false));
    let fields: Vec<&str> = o.adjustments.iter().map(|a| a.field.as_str()).collect();
    assert_eq!(
        fields,
        ["status", "criteria.coordination", "criteria.parcours"]
    );

    // CH de Périgueux: IR CHO 2 « pilotage » accepted by the agency: 70/90 → 78
    // becomes 80/90 → 89, 2023: 85 → +4 → intéressé (band 85–89 with progression).
    let (me, off, _) = c.es("240990093");
    assert_eq!(me.evaluation.total_rounded, n("78"));
    assert_eq!(me.evaluation.verdict.interesse, Some(false));
    assert_eq!(off.evaluation.total_rounded, n("89"));
    assert_eq!(off.evaluation.verdict.progression, n("4"));
    assert_eq!(off.evaluation.verdict.interesse, Some(true));

    // Institut Bergonié: IR CHO 1 (information, AM data) corrected 300 → 312:
    // recorded, score unchanged.
    let (me, off, o) = c.es("330990011");
    assert_eq!(o.adjustments[0].from, json!(300));
    assert_eq!(o.adjustments[0].to, json!(312));
    assert_eq!(me.evaluation.total, off.evaluation.total);

    // Capio Belharra: decision equal to the self-assessment → no adjustment.
    let (me, off, o) = c.es("640990032");
    assert!(o.adjustments.is_empty());
    assert_eq!(me.evaluation, off.evaluation);

    // Everyone else: official = self-assessed, no adjustment.
    let untouched = c
        .rows
        .iter()
        .filter(|(me, off, o)| o.adjustments.is_empty() && me.evaluation == off.evaluation)
        .count();
    assert_eq!(untouched, 15);

    // Regional figures: 13/19 self-assessed, 12/19 official (−Bordeaux, −Niort,
    // +Périgueux); mean of the rounded scores 1 614/19 → 1 603/19 = 84,4 → 84.
    let history = parse_history(
        &std::fs::read_to_string(root().join("tests/campaign/history-2022-2023.csv")).unwrap(),
    )
    .unwrap();
    let cat = catalog("na-ako-2024");
    let me: Vec<Submission> = c.rows.iter().map(|r| r.0.clone()).collect();
    let off: Vec<Submission> = c.rows.iter().map(|r| r.1.clone()).collect();
    let r_me = aggregate(&cat, &me, &history);
    let r_off = aggregate(&cat, &off, &history);
    let y = |r: &caqes_campaign::Report| {
        let y = r
            .regional
            .years
            .iter()
            .find(|y| y.year == 2024)
            .unwrap()
            .clone();
        (y.interesses, y.rate_line, y.mean, y.mean_rounded)
    };
    assert_eq!(
        y(&r_me),
        (13, "68 % (13/19)".into(), frac(1614, 19), n("85"))
    );
    assert_eq!(
        y(&r_off),
        (12, "63 % (12/19)".into(), frac(1603, 19), n("84"))
    );

    let all: Vec<Value> = c
        .rows
        .iter()
        .map(|(a, b, o)| result_json(a, b, o))
        .collect();
    check_golden("na-ako-2024-revue.json", &Value::Array(all));
}

#[test]
fn occitanie_agency_data_hand_computed() {
    let catalog = catalog("occitanie-vo-2019");
    let a = caqes_engine::Answers::from_json(
        &std::fs::read_to_string(root().join("tests/answers/occitanie-vo-2019/complet-chu.json"))
            .unwrap(),
    )
    .unwrap();
    let rows = parse_agency_data(
        &std::fs::read_to_string(
            root().join("tests/golden/official/occitanie-vo-2019-donnees.csv"),
        )
        .unwrap(),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| r.finess == "310781406"));
    let decisions: Vec<Decision> = rows.iter().map(|r| r.decision(&catalog)).collect();
    let o = apply_review(&catalog, &a, &decisions).unwrap_or_else(|e| panic!("{e:?}"));
    let me = evaluate_with_history(&catalog, a, &[]);
    let off = evaluate_with_history(&catalog, o.answers.clone(), &[]);

    // Self-assessed: 93,25 → 93 (tests/answers/README.md).
    assert_eq!(me.evaluation.total, n("93.25"));
    assert_eq!(me.evaluation.total_rounded, n("93"));
    // III.1 AM: 4 400 / 10 000 = 44 % < 45,5 % → 0 of 3 (was 46 % → 3);
    // IV.1 AM: 103,5 M / 100 M − 1 = +3,5 % ≤ 4 % → 4 of 4 (was +5 % → 0);
    // V.2 ARS: 20,5 M / 20 M − 1 = +2,5 % ≤ 3 % (the ARS's target) → 3 of 3 (was +5 % → 0).
    // 90,25 − 3 + 4 + 3 = 94,25 scored, + bonus 3 = 97,25 → 97 (half-up), intéressé.
    let pts = |id: &str| off.evaluation.indicator(id).unwrap().points;
    assert_eq!(pts("iii-1"), Number::ZERO);
    assert_eq!(pts("iv-1"), Number::int(4));
    assert_eq!(pts("v-2"), Number::int(3));
    assert_eq!(off.evaluation.score, n("94.25"));
    assert_eq!(off.evaluation.bonus, Number::int(3));
    assert_eq!(off.evaluation.total, n("97.25"));
    assert_eq!(off.evaluation.total_rounded, n("97"));
    assert_eq!(off.evaluation.verdict.interesse, Some(true));
    // Six rows, three values equal to the typed ones: three adjustments.
    let adj: Vec<(&str, &str, &Value, &Value, &str)> = o
        .adjustments
        .iter()
        .map(|a| {
            (
                a.indicator.as_str(),
                a.field.as_str(),
                &a.from,
                &a.to,
                a.motif.as_str(),
            )
        })
        .collect();
    assert_eq!(
        adj,
        [
            (
                "iii-1",
                "inputs.boites_repertoire",
                &json!(4600),
                &json!(4400),
                "donnée fournie par l'Assurance Maladie"
            ),
            (
                "iv-1",
                "inputs.depenses",
                &json!(105000000),
                &json!(103500000),
                "donnée fournie par l'Assurance Maladie"
            ),
            (
                "v-2",
                "inputs.depenses",
                &json!(21000000),
                &json!(20500000),
                "donnée fournie par l'ARS"
            ),
        ]
    );
    assert!(o
        .adjustments
        .iter()
        .all(|a| a.origin == caqes_engine::AdjustmentOrigin::Donnees));
    check_golden(
        "occitanie-vo-2019-complet-chu.json",
        &result_json(&me, &off, &o),
    );
}
