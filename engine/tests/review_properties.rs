//! Property tests of the agency's review (`apply_review`) on every shipped
//! catalog: an empty review changes nothing, applying a review twice equals
//! applying it once, decisions on distinct fields commute, and a refused NC
//! redistributes exactly as if the establishment had answered the indicator
//! as reviewed.

mod common;

use caqes_engine::{
    apply_review, evaluate, AdjustmentOrigin, Answers, Catalog, Decision, DeclaredStatus,
    Indicator, IndicatorAnswer, Measure, Origin, Role, Unit,
};
use common::Rng;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn catalogs() -> Vec<Catalog> {
    common::shipped_catalogs()
}

/// Random, mostly valid self-assessed answers of a public MCO establishment.
fn random_answers(c: &Catalog, rng: &mut Rng) -> Answers {
    let mut indicators = BTreeMap::new();
    for ind in &c.indicators {
        if rng.chance(5) {
            continue;
        }
        let mut a = IndicatorAnswer::default();
        if ind.nc_allowed && rng.chance(15) {
            a.status = Some(DeclaredStatus::NonConcerne);
            a.justification = "sans objet".into();
        } else if ind.nm_allowed && rng.chance(5) {
            a.status = Some(DeclaredStatus::NonMesurable);
        }
        for input in ind.measure.inputs() {
            if !rng.chance(10) {
                let v = number(rng, input.unit());
                a.inputs.insert(input.id().to_string(), json_number(&v));
            }
        }
        if let Measure::Criteria { criteria } = &ind.measure {
            for cr in criteria {
                if !rng.chance(5) {
                    a.criteria.insert(cr.id.clone(), rng.chance(60));
                }
            }
        }
        if let Some(t) = ind.measure.target().filter(|t| t.personalised) {
            if rng.chance(90) {
                a.target = caqes_engine::Number::parse(&number(rng, t.unit));
            }
        }
        a.evidence = ind
            .evidence
            .iter()
            .filter(|_| rng.chance(70))
            .map(|e| e.id.clone())
            .collect();
        indicators.insert(ind.id.to_string(), a);
    }
    Answers {
        catalog: c.campaign.id.clone(),
        establishment: caqes_engine::Establishment {
            finess: "330781196".into(),
            name: "CH".into(),
            legal_status: Some(caqes_engine::LegalStatus::Public),
            categories: vec![caqes_engine::Category::Mco],
            beds: Some(300),
            places: Some(20),
            answers: c
                .identification
                .iter()
                .filter(|q| q.kind == caqes_engine::QuestionKind::Bool)
                .map(|q| (q.id.clone(), serde_json::json!(rng.chance(70))))
                .collect(),
            ..Default::default()
        },
        previous_score: Some(caqes_engine::Number::int(rng.below(101) as i64)),
        indicators,
    }
}

/// A valid number of the unit, as the agency would type it (decimal comma).
fn number(rng: &mut Rng, unit: Unit) -> String {
    match unit {
        Unit::Count => rng.below(2000).to_string(),
        Unit::Amount => format!("{},{:02}", rng.below(1_000_000), rng.below(100)),
        Unit::Percent => format!("{},{}", rng.below(100), rng.below(10)),
    }
}

fn json_number(text: &str) -> serde_json::Value {
    serde_json::from_str(&text.replace(',', ".")).unwrap()
}

/// Every field of an indicator, with a random valid retained value.
fn all_fields(ind: &Indicator, rng: &mut Rng) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for input in ind.measure.inputs() {
        out.push((format!("inputs.{}", input.id()), number(rng, input.unit())));
    }
    if let Measure::Criteria { criteria } = &ind.measure {
        for cr in criteria {
            out.push((format!("criteria.{}", cr.id), yes_no(rng)));
        }
    }
    for ev in &ind.evidence {
        out.push((format!("evidence.{}", ev.id), yes_no(rng)));
    }
    if let Some(t) = ind.measure.target().filter(|t| t.personalised) {
        out.push(("target".into(), number(rng, t.unit)));
    }
    out
}

fn yes_no(rng: &mut Rng) -> String {
    ["oui", "non", "Oui", "NON", "vrai", "0"][rng.below(6) as usize].to_string()
}

/// Indicators the review may touch: not automatically NC/NM for this establishment.
fn reviewable<'c>(c: &'c Catalog, a: &Answers) -> Vec<&'c Indicator> {
    let e = evaluate(c, a);
    c.indicators
        .iter()
        .filter(|i| {
            e.indicator(&i.id)
                .is_some_and(|r| r.origin != Origin::Automatic)
        })
        .collect()
}

/// A random review on distinct fields (evaluator's decisions and agency data).
fn random_review(c: &Catalog, a: &Answers, rng: &mut Rng) -> Vec<Decision> {
    let mut out = Vec::new();
    for ind in reviewable(c, a) {
        if !rng.chance(40) {
            continue;
        }
        let mut fields = all_fields(ind, rng);
        let status = match rng.below(4) {
            0 if ind.nc_allowed => Some("non concerné"),
            1 if ind.nm_allowed => Some("NM"),
            2 => Some("renseigné"),
            _ => None,
        };
        if let Some(s) = status {
            fields.push(("status".into(), s.into()));
        }
        for (field, value) in fields {
            if !rng.chance(50) {
                continue;
            }
            let value = if field.starts_with("inputs.") && rng.chance(10) {
                String::new()
            } else {
                value
            };
            let origin = if field.starts_with("inputs.") && rng.chance(30) {
                AdjustmentOrigin::Donnees
            } else {
                AdjustmentOrigin::Ars
            };
            out.push(Decision {
                indicator: ind.id.to_string(),
                field,
                value,
                motif: format!("motif {}", rng.below(100)),
                origin,
            });
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn empty_review_changes_nothing(seed in any::<u64>()) {
        for c in catalogs() {
            let a = random_answers(&c, &mut Rng(seed));
            let o = apply_review(&c, &a, &[]).unwrap();
            prop_assert_eq!(&o.answers, &a);
            prop_assert!(o.adjustments.is_empty());
            prop_assert_eq!(evaluate(&c, &o.answers), evaluate(&c, &a));
        }
    }

    #[test]
    fn applying_twice_equals_once(seed in any::<u64>()) {
        for c in catalogs() {
            let mut rng = Rng(seed);
            let a = random_answers(&c, &mut rng);
            let review = random_review(&c, &a, &mut rng);
            let once = apply_review(&c, &a, &review)
                .unwrap_or_else(|e| panic!("{}: {e:?}", c.campaign.id));
            let twice = apply_review(&c, &once.answers, &review).unwrap();
            prop_assert_eq!(&twice.answers, &once.answers, "{}", c.campaign.id);
            prop_assert!(twice.adjustments.is_empty(), "{:?}", twice.adjustments);
            prop_assert!(once.adjustments.len() <= review.len());
        }
    }

    #[test]
    fn decisions_on_distinct_fields_commute(seed in any::<u64>(), rot in 0usize..50) {
        for c in catalogs() {
            let mut rng = Rng(seed);
            let a = random_answers(&c, &mut rng);
            let review = random_review(&c, &a, &mut rng);
            let mut shuffled = review.clone();
            if !shuffled.is_empty() {
                let n = shuffled.len();
                shuffled.rotate_left(rot % n);
                shuffled.reverse();
            }
            let o1 = apply_review(&c, &a, &review).unwrap();
            let o2 = apply_review(&c, &a, &shuffled).unwrap();
            prop_assert_eq!(&o1, &o2, "{}", c.campaign.id);
        }
    }

    #[test]
    fn refused_nc_redistributes_as_if_answered(seed in any::<u64>(), pick in any::<u64>()) {
        for c in catalogs() {
            let mut rng = Rng(seed);
            let mut a = random_answers(&c, &mut rng);
            let candidates: Vec<&Indicator> = reviewable(&c, &a)
                .into_iter()
                .filter(|i| i.role == Role::Scored && i.nc_allowed)
                .collect();
            if candidates.is_empty() {
                continue;
            }
            let ind = candidates[(pick % candidates.len() as u64) as usize];
            // The establishment declared it NC (whatever it typed besides).
            let entry = a.indicators.entry(ind.id.to_string()).or_default();
            entry.status = Some(DeclaredStatus::NonConcerne);
            entry.justification = "non concerné selon l'établissement".into();
            // The agency refuses the NC and retains a value for every field.
            let fields = all_fields(ind, &mut rng);
            let mut review = vec![Decision {
                indicator: ind.id.to_string(),
                field: "status".into(),
                value: "renseigné".into(),
                motif: "NC non justifié".into(),
                origin: AdjustmentOrigin::Ars,
            }];
            review.extend(fields.iter().map(|(field, value)| Decision {
                indicator: ind.id.to_string(),
                field: field.clone(),
                value: value.clone(),
                motif: "valeur retenue".into(),
                origin: AdjustmentOrigin::Ars,
            }));
            let official = apply_review(&c, &a, &review).unwrap();

            // The same indicator answered by the establishment with those values.
            let mut answered = a.clone();
            let mut fresh = IndicatorAnswer::default();
            for (field, value) in &fields {
                let (kind, id) = field.split_once('.').unwrap_or((field, ""));
                let yes = matches!(value.to_lowercase().as_str(), "oui" | "vrai");
                match kind {
                    "inputs" => { fresh.inputs.insert(id.into(), json_number(value)); }
                    "criteria" => { fresh.criteria.insert(id.into(), yes); }
                    "evidence" if yes => fresh.evidence.push(id.into()),
                    "target" => fresh.target = caqes_engine::Number::parse(value),
                    _ => {}
                }
            }
            answered.indicators.insert(ind.id.to_string(), fresh);

            let e_official = evaluate(&c, &official.answers);
            let e_answered = evaluate(&c, &answered);
            prop_assert_eq!(&e_official, &e_answered, "{} {}", c.campaign.id, ind.id);
            let r = e_official.indicator(&ind.id).unwrap();
            prop_assert_eq!(r.status, caqes_engine::Status::Renseigne);
            // Its weight is back: the NC no longer redistributes its points.
            let e_self = evaluate(&c, &a);
            prop_assert_eq!(e_self.indicator(&ind.id).unwrap().weight, caqes_engine::Number::ZERO);
            prop_assert!(r.weight > caqes_engine::Number::ZERO || r.max_points == caqes_engine::Number::ZERO);
        }
    }
}

#[test]
fn generated_reviews_are_not_trivial() {
    // Guards the properties against a generator that produces nothing to apply.
    let mut adjusted = 0;
    let mut refused = 0;
    for c in catalogs() {
        for seed in 0..20u64 {
            let mut rng = Rng(seed);
            let a = random_answers(&c, &mut rng);
            let review = random_review(&c, &a, &mut rng);
            let o = apply_review(&c, &a, &review).unwrap();
            adjusted += o.adjustments.len();
            refused += review.len() - o.adjustments.len();
        }
    }
    assert!(adjusted > 200, "{adjusted} adjustments");
    assert!(refused > 0, "some decisions confirm the self-assessment");
}
