//! Hand-computed tests of every scoring rule, on small inline catalogs.

use caqes_engine::{
    evaluate, load_catalogs, Answers, Catalog, Evaluation, Number, RoundingMode, Severity, State,
    Status,
};

fn n(s: &str) -> Number {
    Number::parse(s).unwrap()
}

fn catalog(src: &str) -> Catalog {
    let mut cats = load_catalogs("test.toml", src).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cats.len(), 1);
    cats.remove(0)
}

fn eval(c: &Catalog, json: &str) -> Evaluation {
    evaluate(
        c,
        &Answers::from_json(json).unwrap_or_else(|e| panic!("{e}")),
    )
}

const EST: &str = r#""establishment": { "finess": "330781196", "name": "CH Test", "legal_status": "public", "categories": ["mco"] }"#;

/// Four yes/no indicators of 10, 20, 30, 40 points plus a 4-point bonus (cap 3).
fn four(redistribution: &str) -> Catalog {
    catalog(&format!(
        r#"
[campaign]
id = "t"
years = [2024]
title = "Test"
region = "Test"
bonus_max = 3
points_total = 100
redistribution = "{redistribution}"
rounding = {{ decimals = 0 }}
[interessement]
bands = [{{ min = 60 }}]
[[volets]]
id = "v1"
title = "Volet 1"
[[volets]]
id = "v2"
title = "Volet 2"
[[indicators]]
id = "a"
code = "A"
title = "A"
volet = "v1"
scope = "regional"
points = 10
measure = {{ kind = "criteria", criteria = [{{ id = "ok", label = "ok", points = 10 }}] }}
[[indicators]]
id = "b"
code = "B"
title = "B"
volet = "v1"
scope = "regional"
points = 20
measure = {{ kind = "criteria", criteria = [{{ id = "ok", label = "ok", points = 20 }}] }}
[[indicators]]
id = "c"
code = "C"
title = "C"
volet = "v2"
scope = "regional"
points = 30
measure = {{ kind = "criteria", criteria = [{{ id = "ok", label = "ok", points = 30 }}] }}
[[indicators]]
id = "d"
code = "D"
title = "D"
volet = "v2"
scope = "national"
points = 40
measure = {{ kind = "criteria", criteria = [{{ id = "ok", label = "ok", points = 40 }}] }}
[[indicators]]
id = "bonus"
code = "BONUS"
title = "Bonus"
volet = "v2"
scope = "regional"
role = "bonus"
points = 4
measure = {{ kind = "criteria", criteria = [{{ id = "ok", label = "ok", points = 4 }}] }}
"#
    ))
}

fn yes_no(a: &str, b: &str, c: &str, d: &str, bonus: bool) -> String {
    let item = |v: &str| match v {
        "nc" => r#"{ "status": "non_concerne", "justification": "pas d'activité" }"#.to_string(),
        "nm" => r#"{ "status": "non_mesurable", "justification": "non requêtable" }"#.to_string(),
        "y" => r#"{ "criteria": { "ok": true } }"#.to_string(),
        _ => r#"{ "criteria": { "ok": false } }"#.to_string(),
    };
    format!(
        r#"{{ "catalog": "t-2024", {EST}, "indicators": {{ "a": {}, "b": {}, "c": {}, "d": {}, "bonus": {{ "criteria": {{ "ok": {bonus} }} }} }} }}"#,
        item(a),
        item(b),
        item(c),
        item(d)
    )
}

#[test]
fn proportional_redistribution_by_hand() {
    let c = four("proportional");
    // B (20) is NC: the 80 remaining points are scaled to 100 (×100/80).
    // A met (10 → 12.5), C not (30 → 37.5), D met (40 → 50): score 62.5.
    let e = eval(&c, &yes_no("y", "nc", "n", "y", false));
    assert_eq!(e.state, State::Complete, "{:?}", e.problems);
    assert_eq!(e.indicator("a").unwrap().weight, n("12.5"));
    assert_eq!(e.indicator("b").unwrap().weight, Number::ZERO);
    assert_eq!(e.indicator("b").unwrap().status, Status::NonConcerne);
    assert_eq!(e.indicator("c").unwrap().weight, n("37.5"));
    assert_eq!(e.indicator("d").unwrap().points, n("50"));
    assert_eq!(e.score, Some(n("62.5")));
    // Half up: 62.5 → 63.
    assert_eq!(e.total_rounded, Some(n("63")));
    // Volet 1: only A, 12.5 / 12.5 = 100 %; volet 2: 50 / 87.5.
    assert_eq!(e.volets[0].score, Some(n("100")));
    assert_eq!(e.volets[1].points, n("50"));
    assert_eq!(e.volets[1].weight, n("87.5"));
}

#[test]
fn equal_redistribution_by_hand() {
    let c = four("equal");
    // B (20) is NM: its 20 points are shared equally by A, C, D (+20/3 each).
    // A met: 10 + 20/3 = 50/3; D met: 40 + 20/3 = 140/3; C missed. Score = 190/3 = 63.333…
    let e = eval(&c, &yes_no("y", "nm", "n", "y", false));
    assert_eq!(
        e.indicator("a").unwrap().weight,
        Number::ratio(50, 3).unwrap()
    );
    assert_eq!(
        e.indicator("c").unwrap().weight,
        Number::ratio(110, 3).unwrap()
    );
    assert_eq!(e.score, Some(Number::ratio(190, 3).unwrap()));
    assert_eq!(e.total_rounded, Some(n("63")));
    // The two options differ when weights differ: proportional gives 62.5 here.
    let p = eval(&four("proportional"), &yes_no("y", "nm", "n", "y", false));
    assert_eq!(p.score, Some(n("62.5")));
}

#[test]
fn bonus_is_capped_and_never_redistributed() {
    let c = four("proportional");
    // Everything met: 100 + bonus 4 capped at 3 = 103.
    let e = eval(&c, &yes_no("y", "y", "y", "y", true));
    assert_eq!(e.score, Some(n("100")));
    assert_eq!(e.indicator("bonus").unwrap().points, n("4"));
    assert_eq!(e.bonus, n("3"));
    assert_eq!(e.total, Some(n("103")));
    // The bonus keeps its weight whatever is NC, and NC bonus gives nothing.
    let e = eval(&c, &yes_no("nc", "y", "y", "y", true));
    assert_eq!(e.indicator("bonus").unwrap().weight, n("4"));
    assert_eq!(e.total, Some(n("103")));
    let mut a = Answers::from_json(&yes_no("y", "y", "y", "y", true)).unwrap();
    a.indicators.get_mut("bonus").unwrap().status = Some(caqes_engine::DeclaredStatus::NonConcerne);
    let e = evaluate(&c, &a);
    assert_eq!(e.bonus, Number::ZERO);
    assert_eq!(e.total, Some(n("100")));
}

#[test]
fn everything_nc_gives_no_score() {
    let c = four("proportional");
    let e = eval(&c, &yes_no("nc", "nc", "nc", "nc", false));
    assert_eq!(e.score, None);
    assert_eq!(e.verdict.interesse, None);
    assert_eq!(e.state, State::Invalid);
}

// ---------------------------------------------------------------- thresholds

fn na() -> Vec<Catalog> {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../indicators/na-ako.toml"
    ))
    .unwrap();
    load_catalogs("na-ako.toml", &src).unwrap()
}

/// A one-indicator catalog whose score equals the rate entered (no rounding
/// surprises): used to put an exact score like 84.99 on the NA bands of
/// `year`, rounded at the catalog's decimals with `mode`.
fn na_bands(year: u16, mode: RoundingMode) -> Catalog {
    let na = na();
    let real = na.iter().find(|c| c.campaign.year == year).unwrap();
    let mut c = catalog(
        r#"
[campaign]
id = "bands"
years = [2024]
title = "Bandes"
region = "Test"
redistribution = "proportional"
rounding = { decimals = 0, mode = "half_up" }
[interessement]
bands = [{ min = 0 }]
[[volets]]
id = "v"
title = "V"
[[indicators]]
id = "r"
code = "R"
title = "Taux"
volet = "v"
scope = "regional"
points = 100
[indicators.measure]
kind = "rate"
numerator = { id = "num", label = "Numérateur", unit = "count" }
denominator = { id = "den", label = "Dénominateur", unit = "count" }
target = { op = ">=", value = 100, unit = "percent" }
scoring = { fn = "linear" }
"#,
    );
    c.interessement = real.interessement.clone();
    c.campaign.rounding = real.campaign.rounding;
    c.campaign.rounding.mode = mode;
    c.campaign.year = year;
    c
}

/// The NA bands with the NA catalog's own rounding.
fn na_bands_as_shipped(year: u16) -> Catalog {
    let mode = na()
        .iter()
        .find(|c| c.campaign.year == year)
        .unwrap()
        .campaign
        .rounding
        .mode;
    na_bands(year, mode)
}

fn with_score(c: &Catalog, num: u32, den: u32, previous: Option<&str>) -> Evaluation {
    let prev = previous
        .map(|p| format!(r#""previous_score": {p},"#))
        .unwrap_or_default();
    eval(
        c,
        &format!(
            r#"{{ "catalog": "bands-2024", {EST}, {prev} "indicators": {{ "r": {{ "inputs": {{ "num": {num}, "den": {den} }} }} }} }}"#
        ),
    )
}

// The NA bands under half-up rounding (the rule of the other regions' catalogs).

#[test]
fn na_2022_threshold_80_half_up() {
    let c = na_bands(2022, RoundingMode::HalfUp);
    assert_eq!(with_score(&c, 80, 100, None).verdict.interesse, Some(true));
    assert_eq!(with_score(&c, 79, 100, None).verdict.interesse, Some(false));
    // 79.5 rounds half up to 80.
    assert_eq!(
        with_score(&c, 795, 1000, None).verdict.interesse,
        Some(true)
    );
    // 79.49 rounds to 79: 1 point missing.
    let e = with_score(&c, 7949, 10000, None);
    assert_eq!(e.verdict.interesse, Some(false));
    assert_eq!(e.verdict.missing, Some(n("1")));
    assert_eq!(e.verdict.reason, "score 79 % inférieur au seuil de 80 %");
}

#[test]
fn na_2023_threshold_85_without_progression_clause_half_up() {
    let c = na_bands(2023, RoundingMode::HalfUp);
    assert_eq!(
        with_score(&c, 85, 100, Some("80")).verdict.interesse,
        Some(true)
    );
    assert_eq!(
        with_score(&c, 84, 100, Some("70")).verdict.interesse,
        Some(false)
    );
    // 84.99 → 85 after rounding: intéressé.
    assert_eq!(
        with_score(&c, 8499, 10000, None).verdict.interesse,
        Some(true)
    );
    assert_eq!(
        with_score(&c, 8449, 10000, None).verdict.interesse,
        Some(false)
    );
}

#[test]
fn na_2024_bands_and_boundaries_half_up() {
    let c = na_bands(2024, RoundingMode::HalfUp);
    // ≥ 90 whatever the past.
    let e = with_score(&c, 90, 100, Some("95"));
    assert_eq!(e.verdict.interesse, Some(true));
    assert_eq!(e.verdict.reason, "score 90 % ≥ seuil de 90 %");
    // 89.99 → 90 after rounding.
    assert_eq!(
        with_score(&c, 8999, 10000, Some("95")).verdict.interesse,
        Some(true)
    );
    // 87 with progression from 82: +5.
    let e = with_score(&c, 87, 100, Some("82"));
    assert_eq!(e.verdict.interesse, Some(true));
    assert_eq!(
        e.verdict.reason,
        "score 87 % dans la bande 85–89 % et en progression de +5 points par rapport à 2023"
    );
    // 87 without progression (87 in 2023 too).
    let e = with_score(&c, 87, 100, Some("87"));
    assert_eq!(e.verdict.interesse, Some(false));
    assert_eq!(
        e.verdict.reason,
        "score 87 % dans la bande 85–89 % mais sans progression par rapport à 2023 (87 %)"
    );
    assert_eq!(e.verdict.threshold, Some(n("88")));
    assert_eq!(e.verdict.missing, Some(n("1")));
    // 89 with 89 last year: only 90 gives intéressement.
    let e = with_score(&c, 89, 100, Some("89"));
    assert_eq!(e.verdict.threshold, Some(n("90")));
    // 85 exactly with progression; 84.99 → 85 with progression.
    assert_eq!(
        with_score(&c, 85, 100, Some("84")).verdict.interesse,
        Some(true)
    );
    assert_eq!(
        with_score(&c, 8499, 10000, Some("84")).verdict.interesse,
        Some(true)
    );
    // 84.49 → 84: below every band.
    let e = with_score(&c, 8449, 10000, Some("60"));
    assert_eq!(e.verdict.interesse, Some(false));
    assert_eq!(e.verdict.missing, Some(n("1")));
    // Previous score is needed: missing → incomplete and not intéressé in the band.
    let e = with_score(&c, 87, 100, None);
    assert_eq!(e.verdict.interesse, Some(false));
    assert_eq!(e.state, State::Incomplete);
    assert!(e
        .problems
        .iter()
        .any(|p| p.field.as_deref() == Some("previous_score")));
}

// The NA bands as shipped: the score is rounded up (ceiling) before comparison.

#[test]
fn na_catalog_rounds_up_every_year() {
    for c in na() {
        assert_eq!(
            c.campaign.rounding.mode,
            RoundingMode::Up,
            "{}",
            c.campaign.id
        );
        assert_eq!(c.campaign.rounding.decimals, 0, "{}", c.campaign.id);
    }
}

#[test]
fn na_2022_and_2023_thresholds_rounded_up() {
    let c = na_bands_as_shipped(2022);
    // 79.01 → 80: intéressé; 79 exactly stays 79: 1 point missing.
    let e = with_score(&c, 7901, 10000, None);
    assert_eq!(e.total_rounded, Some(n("80")));
    assert_eq!(e.verdict.interesse, Some(true));
    let e = with_score(&c, 79, 100, None);
    assert_eq!(e.total_rounded, Some(n("79")));
    assert_eq!(e.verdict.interesse, Some(false));
    assert_eq!(e.verdict.missing, Some(n("1")));
    assert_eq!(e.verdict.reason, "score 79 % inférieur au seuil de 80 %");
    let c = na_bands_as_shipped(2023);
    // 84.01 → 85: intéressé, no progression needed in 2023.
    let e = with_score(&c, 8401, 10000, Some("90"));
    assert_eq!(e.total_rounded, Some(n("85")));
    assert_eq!(e.verdict.interesse, Some(true));
    // 84 exactly: not intéressé.
    assert_eq!(with_score(&c, 84, 100, None).verdict.interesse, Some(false));
}

#[test]
fn na_2024_bands_rounded_up() {
    let c = na_bands_as_shipped(2024);
    // 89.01 → 90: intéressé whatever the past.
    let e = with_score(&c, 8901, 10000, Some("95"));
    assert_eq!(e.total_rounded, Some(n("90")));
    assert_eq!(e.verdict.interesse, Some(true));
    assert_eq!(e.verdict.reason, "score 90 % ≥ seuil de 90 %");
    // 89 exactly stays 89: in the band, with progression from 84.
    let e = with_score(&c, 89, 100, Some("84"));
    assert_eq!(e.total_rounded, Some(n("89")));
    assert_eq!(e.verdict.interesse, Some(true));
    // 84.01 → 85 with progression from 84: intéressé.
    let e = with_score(&c, 8401, 10000, Some("84"));
    assert_eq!(e.total_rounded, Some(n("85")));
    assert_eq!(e.verdict.interesse, Some(true));
    assert_eq!(
        e.verdict.reason,
        "score 85 % dans la bande 85–89 % et en progression de +1 point par rapport à 2023"
    );
    // The previous score is rounded up too: 84.2 → 85, so 85 is no progression.
    let e = with_score(&c, 8401, 10000, Some("84.2"));
    assert_eq!(e.verdict.interesse, Some(false));
    assert_eq!(e.verdict.threshold, Some(n("86")));
    // 84 exactly: below every band, 1 point missing.
    let e = with_score(&c, 84, 100, Some("60"));
    assert_eq!(e.total_rounded, Some(n("84")));
    assert_eq!(e.verdict.interesse, Some(false));
    assert_eq!(e.verdict.missing, Some(n("1")));
}

#[test]
fn na_real_catalog_forty_points_round_up_to_45() {
    let na = na();
    let c = na.iter().find(|c| c.campaign.id == "na-ako-2024").unwrap();
    // 30 + 10 = 40 / 90 = 44.44 % → 45 % (half-up would give 44 %): the
    // presentation's 2024 minimum.
    let e = eval(
        c,
        &format!(
            r#"{{ "catalog": "na-ako-2024", {EST}, "previous_score": 60, "indicators": {{
              "ir-cho-2": {{ "criteria": {{ "programme": true, "pilotage": true, "paqss": true }}, "evidence": ["programme", "bilan"] }},
              "ir-cho-3-1": {{ "criteria": {{ "actions": true, "tracabilite": false }}, "evidence": ["cas-conciliation"] }},
              "ir-cho-3-2": {{ "criteria": {{ "transmission": false, "outils": false }} }},
              "ir-cho-4": {{ "criteria": {{ "coordination": false, "parcours": false }} }} }} }}"#
        ),
    );
    assert_eq!(e.state, State::Complete, "{:?}", e.problems);
    assert_eq!(e.score, Some(Number::ratio(400, 9).unwrap()));
    assert_eq!(e.total_rounded, Some(n("45")));
    assert_eq!(e.verdict.interesse, Some(false));
}

#[test]
fn na_real_catalog_points_over_ninety() {
    let na = na();
    let c = na.iter().find(|c| c.campaign.id == "na-ako-2024").unwrap();
    // 30 + 20 + 20 + 10 = 80 / 90 = 88.89 % → 89 %.
    let e = eval(
        c,
        &format!(
            r#"{{ "catalog": "na-ako-2024", {EST}, "previous_score": 84, "indicators": {{
              "ir-cho-2": {{ "criteria": {{ "programme": true, "pilotage": true, "paqss": true }}, "evidence": ["programme", "bilan"] }},
              "ir-cho-3-1": {{ "criteria": {{ "actions": true, "tracabilite": true }}, "evidence": ["cas-conciliation"] }},
              "ir-cho-3-2": {{ "criteria": {{ "transmission": true, "outils": true }} }},
              "ir-cho-4": {{ "criteria": {{ "coordination": true, "parcours": false }} }} }} }}"#
        ),
    );
    assert_eq!(e.score, Some(Number::ratio(800, 9).unwrap()));
    assert_eq!(e.total_rounded, Some(n("89")));
    assert_eq!(e.verdict.interesse, Some(true));
    assert_eq!(e.state, State::Complete, "{:?}", e.problems);
}

// ---------------------------------------------------------------- kinds

const KINDS: &str = r#"
[campaign]
id = "k"
years = [2023]
title = "Kinds"
region = "Test"
redistribution = "proportional"
rounding = { decimals = 0 }
[interessement]
bands = [{ min = 50 }]
[[identification]]
id = "conso_mo"
label = "Consommation de molécules onéreuses"
kind = "bool"
[[volets]]
id = "v"
title = "V"
[[indicators]]
id = "conciliation"
code = "CM"
title = "Conciliation"
volet = "v"
scope = "regional"
points = 25
[indicators.measure]
kind = "count"
terms = [
  { id = "entree", label = "Entrée seule", weight = 1 },
  { id = "sortie", label = "Sortie seule", weight = 1 },
  { id = "entree_sortie", label = "Entrée et sortie", weight = 2 },
]
target = { op = ">=", personalised = true, unit = "count" }
scoring = { fn = "linear" }
[[indicators]]
id = "analyse"
code = "AP"
title = "Analyse pharmaceutique"
volet = "v"
scope = "regional"
points = 25
[indicators.measure]
kind = "distribution"
total = { id = "total", label = "Lits et places", unit = "count", prefill = "lits_et_places" }
parts = [
  { id = "sans", label = "Sans analyse", unit = "count" },
  { id = "n1", label = "Niveau 1", unit = "count" },
  { id = "n2", label = "Niveau 2", unit = "count" },
  { id = "n3", label = "Niveau 3", unit = "count" },
]
counted = ["n2", "n3"]
excluded = { id = "exclus", label = "Lits de réanimation, SC, UHCD, néonatologie", unit = "count" }
target = { op = ">=", value = 90, unit = "percent" }
scoring = { fn = "all_or_nothing" }
[[indicators]]
id = "phev"
code = "PHEV"
title = "Évolution PHEV"
volet = "v"
scope = "national"
points = 25
[indicators.measure]
kind = "evolution"
previous = { id = "n1", label = "Dépenses N-1", unit = "amount" }
current = { id = "n", label = "Dépenses N", unit = "amount" }
target = { op = "<=", value = -5, unit = "percent" }
scoring = { fn = "linear", floor = 5 }
[[indicators]]
id = "mo"
code = "MO"
title = "Molécules onéreuses"
volet = "v"
scope = "regional"
points = 25
applies_to = { when = [{ question = "conso_mo", equals = true }] }
[indicators.measure]
kind = "rate"
numerator = { id = "num", label = "Numérateur", unit = "count" }
denominator = { id = "den", label = "Dénominateur", unit = "count" }
target = { op = ">=", value = 80, unit = "percent" }
scoring = { fn = "tiers", tiers = [{ from = 50, share = 25 }, { from = 70, share = 50 }] }
"#;

fn kinds_eval(indicators: &str, conso_mo: bool) -> Evaluation {
    let c = catalog(KINDS);
    eval(
        &c,
        &format!(
            r#"{{ "catalog": "k-2023", "establishment": {{ "finess": "330781196", "name": "CH", "legal_status": "public",
                "categories": ["mco"], "beds": 380, "places": 20, "answers": {{ "conso_mo": {conso_mo} }} }},
                "indicators": {{ {indicators} }} }}"#
        ),
    )
}

#[test]
fn conciliation_counting() {
    // 120 entry-only + 30 exit-only + 50 entry-and-exit = 120 + 30 + 2×50 = 250.
    let e = kinds_eval(
        r#""conciliation": { "inputs": { "entree": 120, "sortie": 30, "entree_sortie": 50 }, "target": 250 }"#,
        false,
    );
    let r = e.indicator("conciliation").unwrap();
    assert_eq!(r.value, Some(n("250")));
    assert_eq!(r.met, Some(true));
    assert_eq!(r.share, Some(Number::ONE));
    // Linear against the personalised target: 200 / 250 = 80 % of the points.
    let e = kinds_eval(
        r#""conciliation": { "inputs": { "entree": 100, "sortie": 0, "entree_sortie": 50 }, "target": 250 }"#,
        false,
    );
    assert_eq!(e.indicator("conciliation").unwrap().share, Some(n("0.8")));
    // Missing personalised target: incomplete.
    let e = kinds_eval(
        r#""conciliation": { "inputs": { "entree": 1, "sortie": 0, "entree_sortie": 0 } }"#,
        false,
    );
    assert!(e
        .problems
        .iter()
        .any(|p| p.field.as_deref() == Some("target") && p.severity == Severity::Missing));
}

#[test]
fn beds_distribution_rule() {
    // 400 beds (prefilled from 380 beds + 20 places), 40 excluded → 360; N2 + N3 = 330 → 91.67 % ≥ 90 %.
    let e = kinds_eval(
        r#""analyse": { "inputs": { "sans": 20, "n1": 50, "n2": 300, "n3": 30, "exclus": 40 } }"#,
        false,
    );
    let r = e.indicator("analyse").unwrap();
    assert_eq!(r.value, Some(Number::ratio(330 * 100, 360).unwrap()));
    assert_eq!(r.met, Some(true));
    // Parts that do not add up to the total: error naming the field.
    let e = kinds_eval(
        r#""analyse": { "inputs": { "total": 400, "sans": 10, "n1": 50, "n2": 300, "n3": 30, "exclus": 40 } }"#,
        false,
    );
    let p = e
        .problems
        .iter()
        .find(|p| p.indicator.as_deref() == Some("analyse"))
        .unwrap();
    assert_eq!(p.severity, Severity::Error);
    assert_eq!(p.field.as_deref(), Some("parts"));
    assert!(
        p.message.contains("ne correspond pas au total (400)"),
        "{}",
        p.message
    );
    assert_eq!(e.state, State::Invalid);
    // Level 1 beds count in the total but not in the share: 89.72 % → missed.
    let e = kinds_eval(
        r#""analyse": { "inputs": { "sans": 40, "n1": 37, "n2": 300, "n3": 23, "exclus": 40 } }"#,
        false,
    );
    assert_eq!(e.indicator("analyse").unwrap().met, Some(false));
}

#[test]
fn evolution_linear_between_floor_and_target() {
    // -5 % or better: full points; +5 %: none; 0 %: half.
    let e = kinds_eval(
        r#""phev": { "inputs": { "n1": 100000, "n": 95000 } }"#,
        false,
    );
    assert_eq!(e.indicator("phev").unwrap().share, Some(Number::ONE));
    let e = kinds_eval(
        r#""phev": { "inputs": { "n1": 100000, "n": 100000 } }"#,
        false,
    );
    assert_eq!(e.indicator("phev").unwrap().share, Some(n("0.5")));
    let e = kinds_eval(
        r#""phev": { "inputs": { "n1": 100000, "n": 110000 } }"#,
        false,
    );
    assert_eq!(e.indicator("phev").unwrap().share, Some(Number::ZERO));
    let e = kinds_eval(r#""phev": { "inputs": { "n1": 0, "n": 10 } }"#, false);
    assert_eq!(e.state, State::Invalid);
}

#[test]
fn tiers_and_automatic_non_concerne() {
    // Without MO consumption the MO indicator is automatically non concerné.
    let e = kinds_eval(r#""mo": { "inputs": { "num": 1, "den": 2 } }"#, false);
    let r = e.indicator("mo").unwrap();
    assert_eq!(r.status, Status::NonConcerne);
    assert_eq!(r.origin, caqes_engine::Origin::Automatic);
    // With it: 75 % reaches the 70 % tier (half the points), 45 % none, 80 % all.
    let share = |num: u32| {
        kinds_eval(
            &format!(r#""mo": {{ "inputs": {{ "num": {num}, "den": 100 }} }}"#),
            true,
        )
        .indicator("mo")
        .unwrap()
        .share
    };
    assert_eq!(share(75), Some(n("0.5")));
    assert_eq!(share(55), Some(n("0.25")));
    assert_eq!(share(45), Some(Number::ZERO));
    assert_eq!(share(80), Some(Number::ONE));
}

#[test]
fn validation_reports_every_problem_at_once() {
    let e = kinds_eval(
        r#""mo": { "inputs": { "num": 12, "den": 10 } },
           "conciliation": { "inputs": { "entree": -3, "sortie": 2.5, "entree_sortie": "beaucoup" }, "target": 10 },
           "phev": { "status": "non_concerne" },
           "inconnu": {}"#,
        true,
    );
    let msgs: Vec<String> = e.problems.iter().map(|p| p.to_string()).collect();
    let has = |s: &str| msgs.iter().any(|m| m.contains(s));
    assert!(
        has("le numérateur (12) est supérieur au dénominateur (10)"),
        "{msgs:#?}"
    );
    assert!(
        has("« Entrée seule » ne peut pas être négatif"),
        "{msgs:#?}"
    );
    assert!(
        has("« Sortie seule » doit être un nombre entier"),
        "{msgs:#?}"
    );
    assert!(has("« beaucoup » n'est pas un nombre"), "{msgs:#?}");
    assert!(has("indicateur inconnu « inconnu »"), "{msgs:#?}");
    assert!(
        has("« Lits de réanimation, SC, UHCD, néonatologie » non renseigné"),
        "{msgs:#?}"
    );
    assert!(
        has("statut « Non concerné » sans justification"),
        "{msgs:#?}"
    );
    assert_eq!(e.state, State::Invalid);
    // Errors come first.
    assert_eq!(e.problems[0].severity, Severity::Error);
    // The score is still shown (provisional).
    assert!(e.score.is_some());
    assert!(e.verdict.provisional);
}

#[test]
fn nc_forbidden_and_missing_evidence() {
    let na = na();
    let c = na.iter().find(|c| c.campaign.id == "na-ako-2022").unwrap();
    let e = eval(
        c,
        &format!(
            r#"{{ "catalog": "na-ako-2022", {EST}, "indicators": {{
              "ir-cho-1": {{ "status": "non_concerne", "justification": "x" }},
              "ir-cho-2": {{ "criteria": {{ "programme": true, "pilotage": true, "paqss": true }}, "evidence": ["programme"] }} }} }}"#
        ),
    );
    assert!(e
        .problems
        .iter()
        .any(|p| p.indicator.as_deref() == Some("ir-cho-1")
            && p.severity == Severity::Error
            && p.message.contains("ne peut pas être déclaré")));
    assert!(e
        .problems
        .iter()
        .any(|p| p.severity == Severity::Warning && p.field.as_deref() == Some("evidence.bilan")));
    // Missing inputs: incomplete, provisional score still computed (30 / 90).
    assert_eq!(e.score, Some(Number::ratio(100, 3).unwrap()));
}

#[test]
fn foreign_catalog_answers_are_flagged() {
    let na = na();
    let c = na.iter().find(|c| c.campaign.id == "na-ako-2022").unwrap();
    let e = eval(c, r#"{ "catalog": "na-ako-2023" }"#);
    assert!(e
        .problems
        .iter()
        .any(|p| p.field.as_deref() == Some("catalog")));
}

#[test]
fn malformed_answers_json_names_the_field() {
    let e = Answers::from_json(
        r#"{ "catalog": "x", "indicators": { "a": { "status": "peut-être" } } }"#,
    )
    .unwrap_err();
    assert_eq!(e.field, "indicators.a.status");
    assert!(
        e.message.contains("valeur inconnue « peut-être »"),
        "{}",
        e.message
    );
    let e = Answers::from_json("{ \"catalog\": ").unwrap_err();
    assert!(
        e.message
            .contains("JSON mal formé (fin de fichier inattendue"),
        "{}",
        e.message
    );
    assert_eq!(e.line, Some(1));
    assert!(e.field.is_empty());
    let e = Answers::from_json("{ \"catalog\": \"x\" } extra").unwrap_err();
    assert!(e.message.contains("caractères en trop"), "{}", e.message);
    let e = Answers::from_json(r#"{ "catalog": "x", "extra": 1 }"#).unwrap_err();
    assert!(
        e.message.contains("champ inconnu « extra »"),
        "{}",
        e.message
    );
}

#[test]
fn bad_catalogs_name_file_indicator_and_field() {
    let base = |extra: &str, points: &str| {
        format!(
            r#"[campaign]
id = "b"
years = [2024]
title = "B"
region = "R"
points_total = 100
redistribution = "proportional"
rounding = {{ decimals = 0 }}
[interessement]
bands = [{{ min = 50 }}]
[[volets]]
id = "v"
title = "V"
[[indicators]]
id = "a"
code = "A 1"
title = "A"
volet = "v"
scope = "regional"
points = {points}
measure = {{ kind = "criteria", criteria = [{{ id = "ok", label = "ok", points = {points} }}] }}
{extra}"#
        )
    };
    let err = |src: &str| load_catalogs("bad.toml", src).unwrap_err().to_string();
    // Duplicate id.
    let e = err(&base(
        "[[indicators]]\nid = \"a\"\ncode = \"A 2\"\ntitle = \"A\"\nvolet = \"v\"\nscope = \"regional\"\npoints = 0\nrole = \"information\"\nmeasure = { kind = \"information\" }\n",
        "100",
    ));
    assert!(
        e.contains("bad.toml, ligne 23")
            && e.contains("indicateur « A 2 »")
            && e.contains("champ « indicators[1].id »")
            && e.contains("en double"),
        "{e}"
    );
    // Weights not summing to the declared total.
    let e = err(&base("", "90"));
    assert!(
        e.contains("ligne 6") && e.contains("points_total") && e.contains("vaut 90 au lieu de 100"),
        "{e}"
    );
    // Unknown kind.
    let e = err(&base("", "100").replace("kind = \"criteria\"", "kind = \"ratio\""));
    assert!(
        e.contains("indicateur « A 1 »") && e.contains("valeur inconnue « ratio »"),
        "{e}"
    );
    // Missing target.
    let src = base("", "100").replace(
        "measure = { kind = \"criteria\", criteria = [{ id = \"ok\", label = \"ok\", points = 100 }] }",
        "measure = { kind = \"rate\", numerator = { id = \"n\", label = \"n\", unit = \"count\" }, denominator = { id = \"d\", label = \"d\", unit = \"count\" }, target = { op = \">=\", unit = \"percent\" }, scoring = { fn = \"all_or_nothing\" } }",
    );
    let e = err(&src);
    assert!(
        e.contains("indicateur « A 1 »")
            && e.contains("measure.target.value")
            && e.contains("cible manquante"),
        "{e}"
    );
}

#[test]
fn rate_numerator_may_exceed_its_denominator_when_the_catalog_says_so() {
    // NA 2025: stays with a medication review over patients with a first
    // prescription; one patient may have several stays (numerator_may_exceed).
    let na = na();
    let c = na.iter().find(|c| c.campaign.id == "na-ako-2025").unwrap();
    let e = eval(
        c,
        &format!(
            r#"{{ "catalog": "na-ako-2025", {EST}, "indicators": {{
                "cho-3-bilan-medication": {{ "inputs": {{ "sejours": 30, "primoprescriptions": 20 }} }} }} }}"#
        ),
    );
    let r = e.indicator("cho-3-bilan-medication").unwrap();
    assert_eq!(r.value, Some(n("150")));
    assert_eq!(r.share, Some(Number::ONE));
    assert!(
        !e.problems
            .iter()
            .any(|p| p.indicator.as_deref() == Some("cho-3-bilan-medication")
                && p.severity == caqes_engine::Severity::Error),
        "{:#?}",
        e.problems
    );
    // Without the option (the `kinds` catalog), the same figures are an input error.
    let e = kinds_eval(r#""mo": { "inputs": { "num": 30, "den": 20 } }"#, true);
    assert_eq!(e.indicator("mo").unwrap().share, Some(Number::ZERO));
    assert!(e.problems.iter().any(|p| p
        .to_string()
        .contains("le numérateur (30) est supérieur au dénominateur (20)")));
}

/// Occitanie 2019 (the annexe 1 grid, evaluated from 2019: 001 l.246-253): II.6 and II.7 take
/// the II.5 breakdown when left empty.
fn occitanie() -> Catalog {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../indicators/occitanie-vo.toml"
    ))
    .unwrap();
    load_catalogs("occitanie-vo.toml", &src)
        .unwrap()
        .into_iter()
        .find(|c| c.campaign.id == "occitanie-vo-2019")
        .unwrap()
}

#[test]
fn inputs_prefilled_from_another_indicator() {
    let c = occitanie();
    let est = r#""establishment": { "finess": "330781196", "name": "CH Test", "legal_status": "public", "categories": ["mco"], "beds": 900, "places": 100 }"#;
    let doc = |ii6: &str, ii5: &str| {
        format!(
            r#"{{ "catalog": "occitanie-vo-2019", {est}, "indicators": {{
                "ii-5": {{ "inputs": {ii5}, "target": 80 }},
                "ii-6": {ii6} }} }}"#
        )
    };
    let ii5 = r#"{ "sans_analyse": 200, "niveau_1": 300, "niveau_2": 300, "niveau_3": 200 }"#;
    // Empty II.6: the II.5 breakdown (total from beds + places through II.5).
    let e = eval(&c, &doc(r#"{ "target": 40 }"#, ii5));
    let r = e.indicator("ii-6").unwrap();
    assert_eq!(r.value, Some(n("50")), "(300 + 200) / 1000");
    assert_eq!(r.share, Some(Number::ONE));
    assert!(
        !e.problems
            .iter()
            .any(|p| p.indicator.as_deref() == Some("ii-6")),
        "{:#?}",
        e.problems
    );
    // A value typed in II.6 wins over the II.5 one (here it breaks the sum).
    let e = eval(
        &c,
        &doc(r#"{ "inputs": { "niveau_3": 100 }, "target": 40 }"#, ii5),
    );
    assert!(
        e.problems
            .iter()
            .any(|p| p.indicator.as_deref() == Some("ii-6")
                && p.message.contains("la somme des parties (900)")),
        "{:#?}",
        e.problems
    );
    // An invalid II.5 value is not copied: II.6 lacks it (missing), while the
    // error itself is reported once, on II.5.
    let bad5 = r#"{ "sans_analyse": 200, "niveau_1": -1, "niveau_2": 300, "niveau_3": 200 }"#;
    let e = eval(&c, &doc(r#"{ "target": 40 }"#, bad5));
    let on = |id: &str, sev: caqes_engine::Severity| {
        e.problems
            .iter()
            .filter(|p| p.indicator.as_deref() == Some(id) && p.severity == sev)
            .count()
    };
    assert_eq!(
        on("ii-5", caqes_engine::Severity::Error),
        1,
        "{:#?}",
        e.problems
    );
    assert_eq!(
        on("ii-6", caqes_engine::Severity::Error),
        0,
        "{:#?}",
        e.problems
    );
    assert_eq!(
        on("ii-6", caqes_engine::Severity::Missing),
        1,
        "{:#?}",
        e.problems
    );
    assert_eq!(e.indicator("ii-6").unwrap().share, Some(Number::ZERO));
}

/// Occitanie 2019 V.1 / V.2: the target is « Fournis par l'ARS • Tx régional / dialogue de
/// gestion » (001 l.723-727), i.e. the establishment's own target, not a fixed rate.
#[test]
fn occitanie_v1_v2_targets_are_agency_provided() {
    let c = occitanie();
    for id in ["v-1", "v-2"] {
        let target = c.indicator(id).unwrap().measure.target().unwrap();
        assert!(target.personalised, "{id}: personalised target");
    }
    let doc = |target: &str| {
        format!(
            r#"{{ "catalog": "occitanie-vo-2019", "establishment": {{ "finess": "330781196", "name": "CH Test",
                "legal_status": "public", "categories": ["mco"], "answers": {{ "depenses_liste_en_sus": true }} }},
                "indicators": {{ "v-1": {{ "inputs": {{ "depenses_n1": 1000000, "depenses": 1050000 }}{target} }} }} }}"#
        )
    };
    // +5 %: met against a negotiated 6 %, missed against a regional 3 %.
    let e = eval(&c, &doc(r#", "target": 6"#));
    assert_eq!(e.indicator("v-1").unwrap().share, Some(Number::ONE));
    let e = eval(&c, &doc(r#", "target": 3"#));
    assert_eq!(e.indicator("v-1").unwrap().share, Some(Number::ZERO));
    // Without the ARS's target the indicator cannot be scored.
    let e = eval(&c, &doc(""));
    assert!(e.problems.iter().any(
        |p| p.indicator.as_deref() == Some("v-1") && p.message.contains("cible personnalisée")
    ));
}

/// Occitanie 2019-2021: one référentiel year for the national rates (001 l.200-206: annexe 1
/// signed before 31/12/2018): IV.1 4 % (arrêté du 27/04/2017) with III.1 45,5 % (004 l.107,
/// « Taux cible réglementaire 2018 »), the same in 2019, 2020 and 2021.
#[test]
fn occitanie_grid_uses_one_referentiel_year() {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../indicators/occitanie-vo.toml"
    ))
    .unwrap();
    let all = load_catalogs("occitanie-vo.toml", &src).unwrap();
    for year in [2019, 2020, 2021] {
        let c = all
            .iter()
            .find(|c| c.campaign.id == format!("occitanie-vo-{year}"))
            .unwrap();
        let value = |id: &str| c.indicator(id).unwrap().measure.target().unwrap().value;
        assert_eq!(value("iv-1"), Some(n("4")), "{year}");
        assert_eq!(value("iii-1"), Some(n("45.5")), "{year}");
    }
}

fn occitanie_pds() -> Catalog {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../indicators/occitanie-pds-2023.toml"
    ))
    .unwrap();
    load_catalogs("occitanie-pds-2023.toml", &src)
        .unwrap()
        .remove(0)
}

/// Occitanie 2023: « Bon usage du médicament (5 sous-indicateurs) », « Bon usage des dispositifs
/// médicaux (2 sous-indicateurs) » (002 l.280-287), « au maximum 7 sous-indicateurs » (002 l.295):
/// the pharmaceutical interview (EP) is one sub-indicator, whatever the parcours targeted.
#[test]
fn occitanie_pds_counts_seven_regional_sub_indicators() {
    let c = occitanie_pds();
    let regional: Vec<&str> = c
        .indicators
        .iter()
        .filter(|i| i.scope == caqes_engine::Scope::Regional)
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(regional.len(), 7, "{regional:?}");
    let bum = c.indicators.iter().filter(|i| i.volet == "pds-bum").count();
    assert_eq!(bum, 5, "bon usage du médicament: 5 sous-indicateurs");
}

/// Occitanie 2023 EP (002 l.374-389: « Cible(s) ES personnalisée(s) 2023 pour « Parcours chimio
/// VO » et/ou « Parcours autres domaines » »): its weight in the score does not depend on how many
/// parcours the establishment is targeted for.
#[test]
fn occitanie_pds_ep_weight_independent_of_parcours() {
    let c = occitanie_pds();
    let est = r#""establishment": { "finess": "310781406", "name": "CH Test", "legal_status": "public", "categories": ["mco"] }"#;
    let doc = |chimio: u32, autres: u32, target: u32| {
        format!(
            r#"{{ "catalog": "occitanie-pds-2023", {est}, "indicators": {{
                "reg-bum-ep": {{ "inputs": {{ "chimio_vo": {chimio}, "autres": {autres} }}, "target": {target} }} }} }}"#
        )
    };
    // Targeted for both parcours (200 + 100) or for one only (100): same maximum.
    let both = eval(&c, &doc(150, 100, 300));
    let one = eval(&c, &doc(0, 100, 100));
    let w = |e: &Evaluation| {
        let r = e.indicator("reg-bum-ep").unwrap();
        (r.max_points, r.weight)
    };
    assert_eq!(w(&both), w(&one));
    assert_eq!(
        both.indicator("reg-bum-ep").unwrap().max_points,
        Number::int(12)
    );
    // 250 / 300 of the summed targets → 5/6 of 12 points.
    assert_eq!(
        both.indicator("reg-bum-ep").unwrap().points,
        Number::int(10)
    );
    assert_eq!(one.indicator("reg-bum-ep").unwrap().points, Number::int(12));
}

/// NA 2025 (000 l.419-420: « En cas de difficulté d'obtention de la donnée, remplir seulement le
/// numérateur »): the numerator alone is a complete answer, but never scores more than a filled
/// low rate; here 25 stays alone score 0 while 25 / 1 000 = 2,5 % (target 10 %) scores 1,25.
#[test]
fn na_numerator_alone_never_beats_a_filled_low_rate() {
    let na = na();
    let c = na.iter().find(|c| c.campaign.id == "na-ako-2025").unwrap();
    let doc = |inputs: &str| {
        format!(
            r#"{{ "catalog": "na-ako-2025", {EST}, "indicators": {{
                "cho-3-bilan-medication": {{ "inputs": {inputs} }} }} }}"#
        )
    };
    let filled = eval(c, &doc(r#"{ "sejours": 25, "primoprescriptions": 1000 }"#));
    let alone = eval(c, &doc(r#"{ "sejours": 25 }"#));
    let pts = |e: &Evaluation| e.indicator("cho-3-bilan-medication").unwrap().points;
    assert_eq!(pts(&filled), n("1.25"));
    assert_eq!(pts(&alone), Number::ZERO);
    let r = alone.indicator("cho-3-bilan-medication").unwrap();
    assert!(r.complete, "the numerator alone is a complete answer");
    assert!(alone
        .problems
        .iter()
        .any(|p| p.severity == caqes_engine::Severity::Warning
            && p.field.as_deref() == Some("primoprescriptions")
            && p.message.contains("taux le moins favorable")));
}

/// `value_decimals` (Occitanie: rates shown to one decimal, 004 l.107 « Taux cible réglementaire
/// 2018 = 45,5% »): III.1 at 45,45 % meets the 45,5 % target once rounded to 45,5; 45,44 % (45,4)
/// does not; without the option, 45,45 % misses it.
#[test]
fn value_decimals_round_the_value_before_its_target() {
    let c = occitanie();
    assert_eq!(c.campaign.value_decimals, Some(1));
    let est = r#""establishment": { "finess": "330781196", "name": "CH Test", "legal_status": "public", "categories": ["mco"] }"#;
    let doc = |ind: &str, inputs: &str| {
        format!(
            r#"{{ "catalog": "occitanie-vo-2019", {est}, "indicators": {{ "{ind}": {{ "inputs": {inputs} }} }} }}"#
        )
    };
    let iii1 = |c: &Catalog, num: u32| {
        let e = eval(
            c,
            &doc(
                "iii-1",
                &format!(r#"{{ "boites_repertoire": {num}, "boites": 10000 }}"#),
            ),
        );
        let r = e.indicator("iii-1").unwrap().clone();
        (r.value, r.met)
    };
    assert_eq!(iii1(&c, 4545), (Some(n("45.5")), Some(true)));
    assert_eq!(iii1(&c, 4544), (Some(n("45.4")), Some(false)));
    let mut exact = c.clone();
    exact.campaign.value_decimals = None;
    assert_eq!(iii1(&exact, 4545), (Some(n("45.45")), Some(false)));
    // The other way (« <= », IV.1 at 4 %): +4,04 % rounds to 4,0 (met), +4,05 % to 4,1 (missed).
    let iv1 = |current: u32| {
        let e = eval(
            &c,
            &doc(
                "iv-1",
                &format!(r#"{{ "depenses_n1": 10000, "depenses": {current} }}"#),
            ),
        );
        let r = e.indicator("iv-1").unwrap().clone();
        (r.value, r.met)
    };
    assert_eq!(iv1(10404), (Some(n("4")), Some(true)));
    assert_eq!(iv1(10405), (Some(n("4.1")), Some(false)));
}

/// The other reading of « Min 2024 : 45% » (000 l.106-107), shipped as a variant file: a hidden
/// 10-point item, score over 100, half-up rounding. 40 of the 90 visible points + half of the hidden
/// item = 45 / 100 = 45 %, without rounding up; the shipped catalog rounds 40 / 90 = 44,4 % up to 45.
#[test]
fn na_variant_reads_the_45_percent_minimum_as_points_over_100() {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../indicators/variants/na-ako.toml"
    ))
    .unwrap();
    let all = load_catalogs("variants/na-ako.toml", &src).unwrap();
    let c = all.iter().find(|c| c.campaign.id == "na-ako-2024").unwrap();
    assert_eq!(c.campaign.points_total, Some(Number::int(100)));
    let e = eval(
        c,
        &format!(
            r#"{{ "catalog": "na-ako-2024", {EST}, "indicators": {{
                "ir-cho-2": {{ "criteria": {{ "programme": true, "pilotage": true, "paqss": true }}, "evidence": ["programme", "bilan"] }},
                "ir-cho-3-1": {{ "criteria": {{ "actions": true, "tracabilite": false }}, "evidence": ["cas-conciliation"] }},
                "ir-cho-3-2": {{ "criteria": {{ "transmission": false, "outils": false }} }},
                "ir-cho-4": {{ "criteria": {{ "coordination": false, "parcours": false }} }},
                "item-non-presente": {{ "criteria": {{ "moitie-1": true, "moitie-2": false }} }} }} }}"#
        ),
    );
    assert_eq!(e.total, Some(Number::int(45)));
    assert_eq!(e.total_rounded, Some(Number::int(45)));
}

/// Occitanie IV.4 « Applicable aux publics/ESPIC et aux privés » (001 l.692): it cannot be
/// declared non concerné.
#[test]
fn occitanie_iv4_cannot_be_declared_non_concerne() {
    let c = occitanie();
    assert!(!c.indicator("iv-4").unwrap().nc_allowed);
    let e = eval(
        &c,
        r#"{ "catalog": "occitanie-vo-2019", "establishment": { "finess": "330781196", "name": "CH Test",
            "legal_status": "prive", "categories": ["mco"] },
            "indicators": { "iv-4": { "status": "non_concerne", "justification": "pas de LPP" } } }"#,
    );
    assert!(e
        .problems
        .iter()
        .any(|p| p.indicator.as_deref() == Some("iv-4")
            && p.message
                .contains("« non concerné » ne peut pas être déclaré")));
}
