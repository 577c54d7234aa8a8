//! Native side of the native/wasm parity check: generates random answer sets
//! (deterministic seed) across every bundled catalog, scores them natively
//! with `caqes_web::score_json`, and writes `[{catalog, answers, expected |
//! sha256}]` to `$CAQES_PARITY_FILE` (default: `<target dir>/caqes-parity.json`).
//! `tests/browser/specs/parity.mjs` runs the same calls through the wasm build
//! and asserts byte-identical results. At least 10,000 answer sets: the first
//! [`FULL_TEXT`] of each catalog keep the expected JSON (readable diffs), the
//! others only its SHA-256 (the file stays near 15 MB instead of 95 MB).

use caqes_engine::{Catalog, Measure};
use serde_json::{json, Map, Value};
use std::path::PathBuf;

/// Answer sets per bundled catalog: 11 catalogs × 910 = 10,010.
const PER_CATALOG: usize = 910;
/// Cases per catalog whose expected JSON is kept whole.
const FULL_TEXT: usize = 20;
/// The parity spec's floor (it fails below).
const AT_LEAST: usize = 10_000;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn number(rng: &mut Rng) -> Value {
    match rng.below(12) {
        0 => Value::Null,
        1 => json!(-(rng.below(50) as i64)),
        2 => json!(format!("{},{}", rng.below(1000), rng.below(100))),
        3 => json!("abc"),
        4 => json!(rng.below(100) as f64 + 0.25),
        5 => json!(999_999_999_999_999u64),
        6 => json!(0),
        _ => json!(rng.below(2000)),
    }
}

fn answers(rng: &mut Rng, c: &Catalog) -> Value {
    let cats = ["mco", "had", "dialyse", "ssr", "psy", "usld"];
    let finess = ["330781196", "330781197", "", "2A0000006"][rng.below(4) as usize];
    let mut est = Map::new();
    est.insert("finess".into(), json!(finess));
    est.insert(
        "name".into(),
        json!(if rng.chance(90) { "CH Test" } else { "" }),
    );
    if rng.chance(90) {
        est.insert(
            "legal_status".into(),
            json!(["public", "prive", "espic"][rng.below(3) as usize]),
        );
    }
    if rng.chance(20) {
        est.insert(
            "funding".into(),
            json!(["ex_dg", "ex_oqn"][rng.below(2) as usize]),
        );
    }
    let chosen: Vec<&str> = cats.iter().copied().filter(|_| rng.chance(35)).collect();
    est.insert("categories".into(), json!(chosen));
    if rng.chance(70) {
        est.insert("beds".into(), json!(rng.below(1500)));
    }
    if rng.chance(50) {
        est.insert("places".into(), json!(rng.below(300)));
    }
    let mut qa = Map::new();
    for q in &c.identification {
        if rng.chance(80) {
            let v = match q.kind {
                caqes_engine::QuestionKind::Bool => json!(rng.chance(50)),
                caqes_engine::QuestionKind::Choice => q
                    .options
                    .get(rng.below(q.options.len().max(1) as u64) as usize)
                    .map(|o| json!(o.id))
                    .unwrap_or(Value::Null),
                caqes_engine::QuestionKind::Integer => json!(rng.below(500)),
                caqes_engine::QuestionKind::Text => json!("texte"),
            };
            qa.insert(q.id.clone(), v);
        }
    }
    if !qa.is_empty() {
        est.insert("answers".into(), Value::Object(qa));
    }
    let mut inds = Map::new();
    for ind in &c.indicators {
        if rng.chance(8) {
            continue;
        }
        let mut a = Map::new();
        match rng.below(10) {
            0 => {
                a.insert("status".into(), json!("non_concerne"));
                if rng.chance(70) {
                    a.insert("justification".into(), json!("sans objet"));
                }
            }
            1 => {
                a.insert("status".into(), json!("non_mesurable"));
            }
            _ => {}
        }
        let mut inputs = Map::new();
        for i in ind.measure.inputs() {
            if rng.chance(92) {
                inputs.insert(i.id().to_string(), number(rng));
            }
        }
        if !inputs.is_empty() {
            a.insert("inputs".into(), Value::Object(inputs));
        }
        if let Measure::Criteria { criteria } = &ind.measure {
            let mut m = Map::new();
            for k in criteria {
                if rng.chance(90) {
                    m.insert(k.id.clone(), json!(rng.chance(70)));
                }
            }
            a.insert("criteria".into(), Value::Object(m));
        }
        if ind.measure.target().is_some_and(|t| t.personalised) && rng.chance(80) {
            a.insert("target".into(), json!(rng.below(300)));
        }
        let ev: Vec<&str> = ind
            .evidence
            .iter()
            .filter(|_| rng.chance(60))
            .map(|e| e.id.as_str())
            .collect();
        if !ev.is_empty() {
            a.insert("evidence".into(), json!(ev));
        }
        inds.insert(ind.id.to_string(), Value::Object(a));
    }
    let mut doc = json!({ "catalog": c.campaign.id, "establishment": est, "indicators": inds });
    if rng.chance(60) {
        doc["previous_score"] = json!(rng.below(100));
    }
    doc
}

fn out_path() -> PathBuf {
    if let Ok(p) = std::env::var("CAQES_PARITY_FILE") {
        return p.into();
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("caqes-parity.json")
}

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn generate_parity_cases() {
    let catalogs = caqes_web::bundled();
    let mut rng = Rng(0x00c0_ffee_cae5_2024);
    let mut cases = Vec::new();
    for c in catalogs.iter() {
        for k in 0..PER_CATALOG {
            let text = answers(&mut rng, c).to_string();
            let expected = caqes_web::score_json(&c.campaign.id, &text);
            assert!(!expected.starts_with(r#"{"error""#), "{expected}");
            cases.push(if k < FULL_TEXT {
                json!({ "catalog": c.campaign.id, "answers": text, "expected": expected })
            } else {
                json!({ "catalog": c.campaign.id, "answers": text, "sha256": sha256_hex(&expected) })
            });
        }
    }
    // A few malformed documents: errors must match too.
    for bad in [
        "{",
        r#"{"catalog": 3}"#,
        r#"{"catalog":"na-ako-2024","x":1}"#,
    ] {
        cases.push(json!({ "catalog": "na-ako-2024", "answers": bad, "expected": caqes_web::score_json("na-ako-2024", bad) }));
    }
    assert!(
        cases.len() >= AT_LEAST,
        "{} cases: raise PER_CATALOG",
        cases.len()
    );
    let path = out_path();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(&path, serde_json::to_string(&cases).unwrap()).unwrap();
    eprintln!("{} parity cases written to {}", cases.len(), path.display());
}
