//! Unit tests of the review rules, on the shipped Occitanie 2019 catalog (annexe 1 grid) and a
//! small inline catalog (percent inputs, a target that may exceed 100 %).

use super::*;
use crate::{evaluate, load_catalogs, Severity, State, Status};
use serde_json::json;

fn shipped(file: &str, id: &str) -> Catalog {
    let path = format!("{}/../indicators/{file}", env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(path).unwrap();
    load_catalogs(file, &src)
        .unwrap()
        .into_iter()
        .find(|c| c.campaign.id == id)
        .unwrap()
}

fn vo() -> Catalog {
    shipped("occitanie-vo.toml", "occitanie-vo-2019")
}

fn answers(rel: &str) -> Answers {
    let path = format!("{}/../tests/answers/{rel}", env!("CARGO_MANIFEST_DIR"));
    Answers::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn ars(indicator: &str, field: &str, value: &str) -> Decision {
    Decision {
        indicator: indicator.into(),
        field: field.into(),
        value: value.into(),
        motif: "motif de l'ARS".into(),
        origin: AdjustmentOrigin::Ars,
    }
}

fn data(indicator: &str, field: &str, value: &str) -> Decision {
    Decision {
        origin: AdjustmentOrigin::Donnees,
        motif: "donnée fournie par l'ARS".into(),
        ..ars(indicator, field, value)
    }
}

/// The French messages of a failed review, one per error.
fn errors(catalog: &Catalog, a: &Answers, decisions: &[Decision]) -> Vec<String> {
    apply_review(catalog, a, decisions)
        .unwrap_err()
        .iter()
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn folding_of_french_words() {
    assert_eq!(fold(" Non concerné "), "nonconcerne");
    assert_eq!(fold("NON CONCERNÉ"), "nonconcerne");
    assert_eq!(fold("RENSEIGNÉ"), "renseigne");
    assert_eq!(fold("non_mesurable"), "nonmesurable");
    assert_eq!(parse_bool("OUI"), Some(true));
    assert_eq!(parse_bool("Faux"), Some(false));
    assert_eq!(parse_bool("peut-être"), None);
}

#[test]
fn empty_review_changes_nothing() {
    let a = answers("occitanie-vo-2019/complet-chu.json");
    let o = apply_review(&vo(), &a, &[]).unwrap();
    assert_eq!(o.answers, a);
    assert!(o.adjustments.is_empty());
}

#[test]
fn corrected_input_is_recorded_with_from_and_to() {
    let c = vo();
    let a = answers("occitanie-vo-2019/complet-chu.json");
    let o = apply_review(&c, &a, &[ars("iv-1", "inputs.depenses", "103 500 000,00")]).unwrap();
    assert_eq!(
        o.adjustments,
        vec![Adjustment {
            indicator: "iv-1".into(),
            field: "inputs.depenses".into(),
            from: json!(105000000),
            to: json!(103500000),
            motif: "motif de l'ARS".into(),
            origin: AdjustmentOrigin::Ars,
        }]
    );
    // +3.5 % ≤ 4 %: IV.1 now earns its 4 points (93.25 → 97.25).
    let e = evaluate(&c, &o.answers);
    assert_eq!(e.indicator("iv-1").unwrap().points, Number::int(4));
    assert_eq!(e.total, Number::parse("97.25"));
}

#[test]
fn numbers_in_french_habits() {
    let c = vo();
    let a = answers("occitanie-vo-2019/complet-chu.json");
    for (text, expected) in [
        ("84,5", "84.5"),
        ("84.5", "84.5"),
        ("85 %", "85"),
        ("90%", "90"),
    ] {
        let o = apply_review(&c, &a, &[ars("iii-3", "target", text)]).unwrap();
        assert_eq!(
            o.answers.indicators["iii-3"].target,
            Number::parse(expected),
            "{text}"
        );
    }
    let o = apply_review(&c, &a, &[ars("iv-1", "inputs.depenses", "1 000,50 €")]).unwrap();
    assert_eq!(
        o.answers.indicators["iv-1"].inputs["depenses"],
        json!(1000.5)
    );
}

#[test]
fn value_equal_to_the_self_assessment_makes_no_adjustment() {
    let c = vo();
    let a = answers("occitanie-vo-2019/complet-chu.json");
    // Typed 4600 (a JSON number); "4 600" and "4600,0" are the same value.
    let d = [
        ars("iii-1", "inputs.boites_repertoire", "4 600"),
        ars("iii-1", "inputs.boites", "10000,0"),
        ars("iii-3", "target", "25"),
        ars("i-2", "status", "renseigné"),
    ];
    let o = apply_review(&c, &a, &d).unwrap();
    assert!(o.adjustments.is_empty(), "{:?}", o.adjustments);
    assert_eq!(o.answers, a);
}

#[test]
fn criterion_evidence_and_clearing() {
    let c = vo();
    let a = answers("occitanie-vo-2019/complet-chu.json");
    let d = [
        ars("i-2", "criteria.audit", "non"),
        ars("i-2", "evidence.audit-phev", "non"),
        ars("iii-3", "target", ""),
        ars("iii-1", "inputs.boites", ""),
    ];
    let o = apply_review(&c, &a, &d).unwrap();
    let i2 = &o.answers.indicators["i-2"];
    assert!(!i2.criteria["audit"]);
    assert!(!i2.evidence.contains(&"audit-phev".to_string()));
    assert_eq!(o.answers.indicators["iii-3"].target, None);
    assert!(!o.answers.indicators["iii-1"].inputs.contains_key("boites"));
    let fields: Vec<&str> = o.adjustments.iter().map(|a| a.field.as_str()).collect();
    // Catalog order of the indicators, then the field kind.
    assert_eq!(
        fields,
        [
            "criteria.audit",
            "evidence.audit-phev",
            "inputs.boites",
            "target"
        ]
    );
    assert_eq!(o.adjustments[1].from, json!(true));
    assert_eq!(o.adjustments[1].to, json!(false));
    assert_eq!(o.adjustments[3].to, serde_json::Value::Null);
    // The cleared values are the evaluation's usual missing problems.
    let e = evaluate(&c, &o.answers);
    assert_eq!(e.state, State::Incomplete);
    assert!(e
        .problems
        .iter()
        .any(|p| p.indicator.as_deref() == Some("iii-3") && p.field.as_deref() == Some("target")));
}

#[test]
fn evidence_added_in_catalog_order() {
    let c = shipped("occitanie-pds-2023.toml", "occitanie-pds-2023");
    let ind = c
        .indicators
        .iter()
        .find(|i| i.evidence.len() >= 3)
        .expect("an indicator with three éléments de preuve");
    let ids: Vec<&str> = ind.evidence.iter().map(|e| e.id.as_str()).collect();
    let a = Answers {
        catalog: c.campaign.id.clone(),
        ..Answers::default()
    };
    let d1 = ars(&ind.id, &format!("evidence.{}", ids[2]), "oui");
    let d2 = ars(&ind.id, &format!("evidence.{}", ids[0]), "oui");
    let o1 = apply_review(&c, &a, &[d1.clone(), d2.clone()]).unwrap();
    let o2 = apply_review(&c, &a, &[d2, d1]).unwrap();
    assert_eq!(o1, o2);
    assert_eq!(
        o1.answers.indicators[ind.id.as_str()].evidence,
        [ids[0], ids[2]]
    );
}

#[test]
fn refused_nc_is_scored_on_the_retained_values() {
    let c = vo();
    let a = answers("occitanie-vo-2019/non-concernes-clinique-ssr.json");
    // I.6 declared NC; the agency refuses it and retains 450 / 500 units, target 80 %.
    let d = [
        ars("i-6", "status", "renseigne"),
        ars("i-6", "inputs.unites_tracees", "450"),
        ars("i-6", "inputs.unites", "500"),
        ars("i-6", "target", "80"),
    ];
    let o = apply_review(&c, &a, &d).unwrap();
    assert_eq!(o.adjustments[0].field, "status");
    assert_eq!(o.adjustments[0].from, json!("non_concerne"));
    assert_eq!(o.adjustments[0].to, json!("renseigne"));
    let e = evaluate(&c, &o.answers);
    let r = e.indicator("i-6").unwrap();
    assert_eq!((r.status, r.met), (Status::Renseigne, Some(true)));
    // Applicable 65 + 3 = 68 points, 52 + 3 earned.
    assert_eq!(e.score, Number::ratio(5500, 68));
}

#[test]
fn refused_nc_without_values_says_what_is_missing() {
    let c = vo();
    let a = answers("occitanie-vo-2019/non-concernes-clinique-ssr.json");
    let o = apply_review(
        &c,
        &a,
        &[
            ars("i-6", "status", "NC"),
            ars("i-12", "status", "renseigné"),
        ],
    )
    .unwrap();
    // i-6 stays NC (same value): one adjustment only.
    assert_eq!(o.adjustments.len(), 1);
    let e = evaluate(&c, &o.answers);
    assert_eq!(e.state, State::Incomplete);
    let missing: Vec<&str> = e
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Missing && p.indicator.as_deref() == Some("i-12"))
        .filter_map(|p| p.field.as_deref())
        .collect();
    // Nothing typed for I.12: its numerator, denominator and personalised target are missing.
    assert_eq!(missing, ["lits_ddn", "lits_priorises", "target"]);
    assert!(e.verdict.provisional);
}

#[test]
fn agency_sets_nc_and_the_motif_becomes_the_justification() {
    let c = vo();
    let a = answers("occitanie-vo-2019/complet-chu.json");
    let mut d = ars("i-6", "status", "non concerné");
    d.motif = "aucun DMI posé en 2018".into();
    let o = apply_review(&c, &a, &[d]).unwrap();
    let i6 = &o.answers.indicators["i-6"];
    assert_eq!(i6.status, Some(DeclaredStatus::NonConcerne));
    assert_eq!(i6.justification, "aucun DMI posé en 2018");
    let e = evaluate(&c, &o.answers);
    assert_eq!(e.indicator("i-6").unwrap().status, Status::NonConcerne);
    assert!(!e
        .problems
        .iter()
        .any(|p| p.indicator.as_deref() == Some("i-6")));
}

#[test]
fn located_french_errors_all_at_once() {
    let c = vo();
    let a = answers("occitanie-vo-2019/complet-chu.json");
    let mut no_motif = ars("i-2", "criteria.audit", "oui");
    no_motif.motif = "  ".into();
    let d = [
        ars("x-9", "status", "NC"),
        ars("i-2", "inputs.audit", "1"),
        ars("i-2", "criteria.inconnu", "oui"),
        ars("i-2", "evidence.inconnue", "oui"),
        ars("i-2", "commentaire", "x"),
        no_motif,
        ars("iii-1", "inputs.boites", "12,5"),
        ars("iii-1", "inputs.boites_repertoire", "-3"),
        ars("iii-1", "inputs.boites", "10 %"),
        ars("iii-3", "target", "120"),
        ars("iii-3", "target", "beaucoup"),
        ars("iv-1", "inputs.depenses", "10,005"),
        ars("i-2", "criteria.actions", "peut-être"),
        ars("ii-8", "status", "NC"),
        ars("iii-1", "target", "50"),
    ];
    let e = errors(&c, &a, &d);
    let expected = [
        "décision n° 1, indicateur « x-9 », champ « status » : indicateur inconnu dans le référentiel « occitanie-vo-2019 »",
        "décision n° 2, indicateur « i-2 », champ « inputs.audit » : saisie inconnue « audit » ; saisies de l'indicateur : aucune",
        "décision n° 3, indicateur « i-2 », champ « criteria.inconnu » : critère inconnu « inconnu » ; critères de l'indicateur : audit, actions",
        "décision n° 4, indicateur « i-2 », champ « evidence.inconnue » : élément de preuve inconnu « inconnue » ; éléments de l'indicateur : audit-phev",
        "décision n° 5, indicateur « i-2 », champ « commentaire » : champ inconnu ; champs possibles : status, inputs.<saisie>, criteria.<critère>, evidence.<preuve>, target",
        "décision n° 6, indicateur « i-2 », champ « criteria.audit » : motif obligatoire pour une décision de l'ARS",
        "décision n° 7, indicateur « iii-1 », champ « inputs.boites » : « Boîtes prescrites (PHEV) » doit être un nombre entier (12,5)",
        "décision n° 8, indicateur « iii-1 », champ « inputs.boites_repertoire » : « Boîtes prescrites (PHEV) dans le répertoire des génériques » ne peut pas être négatif (-3)",
        "décision n° 9, indicateur « iii-1 », champ « inputs.boites » : « Boîtes prescrites (PHEV) » : unité incorrecte dans « 10 % » (nombre attendu)",
        "décision n° 10, indicateur « iii-3 », champ « target » : « cible » : un pourcentage ne dépasse pas 100 (120)",
        "décision n° 11, indicateur « iii-3 », champ « target » : « cible » : « beaucoup » n'est pas un nombre",
        "décision n° 12, indicateur « iv-1 », champ « inputs.depenses » : « Dépenses de PHEV remboursées l'année évaluée (€) » : au plus 2 décimales pour un montant (10,005)",
        "décision n° 13, indicateur « i-2 », champ « criteria.actions » : « peut-être » : oui ou non attendu",
        "décision n° 14, indicateur « ii-8 », champ « status » : « non concerné » ne peut pas être retenu pour cet indicateur",
        "décision n° 15, indicateur « iii-1 », champ « target » : cet indicateur n'a pas de cible propre à l'établissement",
    ];
    for (got, want) in e.iter().zip(expected) {
        assert_eq!(got, want);
    }
    assert_eq!(e.len(), expected.len(), "{e:#?}");
}

#[test]
fn contradictory_decisions_are_refused_equal_ones_accepted() {
    let c = vo();
    let a = answers("occitanie-vo-2019/complet-chu.json");
    let e = errors(
        &c,
        &a,
        &[
            ars("i-2", "criteria.audit", "non"),
            ars("i-2", "criteria.audit", "faux"),
            ars("i-2", "criteria.audit", "oui"),
        ],
    );
    assert_eq!(
        e,
        ["décision n° 3, indicateur « i-2 », champ « criteria.audit » : décision contradictoire avec la décision n° 1 sur le même champ"]
    );
    // Same data twice with different values: contradictory too.
    let e = errors(
        &c,
        &a,
        &[
            data("iv-1", "inputs.depenses", "1"),
            data("iv-1", "inputs.depenses", "2"),
            data("iv-1", "depenses", "2"),
        ],
    );
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0].starts_with("décision n° 2") && e[0].contains("contradictoire"));
    assert!(
        e[1].contains("champ inconnu"),
        "a bare id is not a field of a decision"
    );
}

#[test]
fn the_evaluator_overrides_agency_data_on_the_same_field() {
    let c = vo();
    let a = answers("occitanie-vo-2019/complet-chu.json");
    for order in [[0, 1], [1, 0]] {
        let both = [
            data("iv-1", "inputs.depenses", "106000000"),
            ars("iv-1", "inputs.depenses", "103000000"),
        ];
        let d: Vec<Decision> = order.iter().map(|&i| both[i].clone()).collect();
        let o = apply_review(&c, &a, &d).unwrap();
        assert_eq!(o.adjustments.len(), 1);
        assert_eq!(o.adjustments[0].origin, AdjustmentOrigin::Ars);
        assert_eq!(o.adjustments[0].to, json!(103000000));
    }
}

#[test]
fn automatically_nc_indicator() {
    let c = vo();
    // Private SSR clinic: V.1 is automatically NC (category), III.1 automatically NM (ex-OQN).
    let a = answers("occitanie-vo-2019/non-concernes-clinique-ssr.json");
    let e = errors(&c, &a, &[ars("v-1", "inputs.depenses", "10")]);
    assert_eq!(
        e,
        ["décision n° 1, indicateur « v-1 », champ « inputs.depenses » : l'indicateur est automatiquement non concerné pour cet établissement d'après son identification : aucune décision ne peut s'y appliquer"]
    );
    let e = errors(&c, &a, &[ars("iii-1", "status", "renseigne")]);
    assert!(e[0].contains("automatiquement non mesurable"), "{e:?}");
    // The region's data file may cover it: ignored, no adjustment.
    let o = apply_review(&c, &a, &[data("v-1", "inputs.depenses", "10")]).unwrap();
    assert_eq!(o.answers, a);
    assert!(o.adjustments.is_empty());
}

const INLINE: &str = r#"
[campaign]
id = "t"
years = [2024]
title = "T"
region = "T"
redistribution = "proportional"
rounding = { decimals = 0 }
[interessement]
bands = [{ min = 60 }]
[[volets]]
id = "v"
title = "V"
[[indicators]]
id = "actes"
code = "A"
title = "Actes par patient"
volet = "v"
scope = "regional"
points = 10
[indicators.measure]
kind = "rate"
numerator = { id = "actes", label = "Actes", unit = "count" }
denominator = { id = "patients", label = "Patients", unit = "count" }
target = { op = ">=", personalised = true, unit = "percent" }
scoring = { fn = "linear" }
numerator_may_exceed = true
[[indicators]]
id = "info"
code = "I"
title = "Information"
volet = "v"
scope = "regional"
role = "information"
[indicators.measure]
kind = "information"
inputs = [{ id = "taux", label = "Taux de recours", unit = "percent", provided_by = "am" }]
"#;

#[test]
fn percentages_above_100_only_where_the_catalog_allows() {
    let c = load_catalogs("t.toml", INLINE).unwrap().remove(0);
    let a = Answers {
        catalog: "t".into(),
        ..Answers::default()
    };
    let o = apply_review(&c, &a, &[ars("actes", "target", "150 %")]).unwrap();
    assert_eq!(o.answers.indicators["actes"].target, Some(Number::int(150)));
    let e = errors(&c, &a, &[ars("info", "inputs.taux", "100,5")]);
    assert!(
        e[0].ends_with("« Taux de recours » : un pourcentage ne dépasse pas 100 (100,5)"),
        "{e:?}"
    );
    let o = apply_review(&c, &a, &[ars("info", "inputs.taux", "12,345 %")]).unwrap();
    assert_eq!(o.adjustments[0].from, serde_json::Value::Null);
    assert_eq!(o.adjustments[0].to, json!(12.345));
    let e = errors(&c, &a, &[ars("info", "inputs.taux", "12 €")]);
    assert!(
        e[0].contains("unité incorrecte dans « 12 € » (pourcentage attendu)"),
        "{e:?}"
    );
}

#[test]
fn agency_data_row_motif_follows_provided_by() {
    let c = load_catalogs("t.toml", INLINE).unwrap().remove(0);
    let row = |ind: &str, field: &str| AgencyDataRow {
        line: 2,
        finess: "330781196".into(),
        indicator: ind.into(),
        field: field.into(),
        value: "12,5".into(),
    };
    let d = row("info", "taux").decision(&c);
    assert_eq!(d.field, "inputs.taux");
    assert_eq!(d.motif, "donnée fournie par l'Assurance Maladie");
    assert_eq!(d.origin, AdjustmentOrigin::Donnees);
    assert_eq!(
        row("actes", "inputs.actes").decision(&c).motif,
        "donnée fournie par l'ARS"
    );
}

#[test]
fn number_json_is_exact() {
    assert_eq!(number_json(Number::int(3)), json!(3));
    assert_eq!(number_json(Number::parse("84.5").unwrap()), json!(84.5));
    // More decimals than a JSON number keeps exactly here: text.
    assert_eq!(
        number_json(Number::parse("0.123456789").unwrap()),
        json!("0.123456789")
    );
    assert_eq!(
        input_number(Some(&json!("0.123456789"))),
        Number::parse("0.123456789")
    );
}

#[test]
fn self_assessed_text_numbers_are_reported_as_numbers() {
    let c = vo();
    let mut a = answers("occitanie-vo-2019/complet-chu.json");
    let iv1 = a.indicators.get_mut("iv-1").unwrap();
    iv1.inputs.insert("depenses".into(), json!("105 000 000,5"));
    iv1.inputs.insert("depenses_n1".into(), json!("n/a"));
    let d = [
        ars("iv-1", "inputs.depenses", "1"),
        ars("iv-1", "inputs.depenses_n1", "2"),
    ];
    let o = apply_review(&c, &a, &d).unwrap();
    let from = |field: &str| {
        o.adjustments
            .iter()
            .find(|a| a.field == field)
            .map(|a| a.from.clone())
    };
    assert_eq!(
        from("inputs.depenses_n1"),
        Some(json!("n/a")),
        "unparsable text kept as typed"
    );
    assert_eq!(from("inputs.depenses"), Some(json!(105000000.5)));
}
