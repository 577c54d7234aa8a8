//! The bench's catalog and answers, shared with `examples/score_loop.rs`
//! (instruction counts under callgrind on exactly what the bench scores).

use caqes_engine::{load_catalogs, Answers, Catalog, IndicatorAnswer, Measure, Number};
use std::collections::BTreeMap;

/// The catalog of issue 14's target: `evaluate` in at most 3 µs on it.
#[allow(dead_code)] // used by the bench, not by `score_loop`
pub const TARGET: &str = "occitanie-vo-2018";

/// The same content as [`TARGET`] when issue 14 was filed (the annexe 1 grid,
/// 36 indicators, as the bench of 5f4c3ac prints): since the catalog follows
/// the sources year by year, 2018 evaluates the deliverables only, and the
/// grid is evaluated from 2019 (`scripts/bench/score-as-filed` compares them).
#[allow(dead_code)] // used by the bench, not by `score_loop`
pub const TARGET_AS_FILED: &str = "occitanie-vo-2019";

/// Every shipped catalog.
fn shipped() -> Vec<Catalog> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../indicators");
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let src = std::fs::read_to_string(&p).unwrap();
            all.extend(load_catalogs(&p.display().to_string(), &src).unwrap());
        }
    }
    all
}

/// The largest shipped catalog.
pub fn largest() -> Catalog {
    shipped()
        .into_iter()
        .max_by_key(|c| c.indicators.len())
        .unwrap()
}

/// The shipped catalog `id` (e.g. [`TARGET`]).
pub fn catalog(id: &str) -> Catalog {
    shipped()
        .into_iter()
        .find(|c| c.campaign.id == id)
        .unwrap_or_else(|| panic!("no shipped catalog {id}"))
}

/// Complete, valid answers; `seed` varies the figures.
pub fn answers(c: &Catalog, seed: u64) -> Answers {
    let mut indicators = BTreeMap::new();
    for (k, ind) in c.indicators.iter().enumerate() {
        let mut a = IndicatorAnswer::default();
        let base = 100 + (seed * 7 + k as u64 * 13) % 900;
        let inputs = ind.measure.inputs();
        match &ind.measure {
            Measure::Distribution { parts, .. } => {
                a.inputs
                    .insert(inputs[0].id().into(), serde_json::json!(base));
                let mut left = base;
                for (j, p) in parts.iter().enumerate() {
                    let v = if j + 1 == parts.len() { left } else { left / 3 };
                    left -= v;
                    a.inputs.insert(p.id.clone(), serde_json::json!(v));
                }
                for extra in &inputs[1 + parts.len()..] {
                    a.inputs.insert(extra.id().into(), serde_json::json!(0));
                }
            }
            _ => {
                for (j, i) in inputs.iter().enumerate() {
                    let v = if j == 0 { base / 2 + seed % 50 } else { base };
                    let v = if i.unit() == caqes_engine::Unit::Percent {
                        v % 101
                    } else {
                        v
                    };
                    a.inputs.insert(i.id().into(), serde_json::json!(v));
                }
            }
        }
        if let Measure::Criteria { criteria } = &ind.measure {
            for (j, cr) in criteria.iter().enumerate() {
                a.criteria
                    .insert(cr.id.clone(), !(seed + j as u64).is_multiple_of(3));
            }
        }
        if ind.measure.target().is_some_and(|t| t.personalised) {
            a.target = Some(Number::int(300));
        }
        a.evidence = ind.evidence.iter().map(|e| e.id.clone()).collect();
        indicators.insert(ind.id.to_string(), a);
    }
    // A complete submission answers the identification questions: yes, the
    // first option, 1 or a text (the indicators they condition then apply).
    let questions = c
        .identification
        .iter()
        .map(|q| {
            let value = match q.kind {
                caqes_engine::QuestionKind::Bool => serde_json::json!(true),
                caqes_engine::QuestionKind::Choice => {
                    serde_json::json!(q.options.first().map(|o| o.id.as_str()))
                }
                caqes_engine::QuestionKind::Integer => serde_json::json!(1),
                caqes_engine::QuestionKind::Text => serde_json::json!("texte"),
            };
            (q.id.clone(), value)
        })
        .collect();
    Answers {
        catalog: c.campaign.id.clone(),
        establishment: caqes_engine::Establishment {
            finess: "330781196".into(),
            name: "CH".into(),
            legal_status: Some(caqes_engine::LegalStatus::Public),
            categories: vec![caqes_engine::Category::Mco],
            beds: Some(300),
            places: Some(20),
            answers: questions,
            ..Default::default()
        },
        previous_score: Some(Number::int(80)),
        indicators,
    }
}

/// The floor of any `evaluate` on the public types, with no scoring at all:
/// find each indicator's answer (`Answers::indicators`), read each of its
/// inputs as an exact [`Number`], and write one [`caqes_engine::IndicatorResult`]
/// per indicator (dropped by the caller, as an evaluation is). The bench's
/// « plancher » times it beside `evaluate` on the same answers: what
/// `evaluate` costs above it is scoring; below it, no scoring code can go
/// without changing `Answers` or `Evaluation`.
#[allow(dead_code)] // used by the bench and by `score_loop floor`, not by both
pub fn floor(c: &Catalog, a: &Answers) -> Vec<caqes_engine::IndicatorResult> {
    c.indicators
        .iter()
        .map(|ind| {
            // The last input read stands for the values (kept from the optimiser).
            let mut value = None;
            if let Some(answer) = a.indicators.get(ind.id.as_str()) {
                for v in answer.inputs.values() {
                    if let serde_json::Value::Number(n) = v {
                        value = Number::from_json(n).or(value);
                    }
                }
            }
            let points = value.unwrap_or(Number::ZERO);
            caqes_engine::IndicatorResult {
                id: ind.id.clone(),
                code: ind.code.clone(),
                volet: ind.volet.clone(),
                role: ind.role,
                status: caqes_engine::Status::Renseigne,
                origin: caqes_engine::Origin::Declared,
                value,
                unit: None,
                target: value,
                met: Some(true),
                share: value,
                max_points: ind.points,
                weight: points,
                points,
                complete: true,
            }
        })
        .collect()
}
