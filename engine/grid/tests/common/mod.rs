//! Shared helpers of the grid tests: catalogs, generated answers, comparisons.
#![allow(dead_code)]

use caqes_engine::{
    load_catalogs, Answers, Catalog, Category, DeclaredStatus, Evaluation, Funding,
    IndicatorAnswer, LegalStatus, Measure, Number, QuestionKind, Unit,
};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Bundled catalogs plus the test catalog covering every kind.
pub fn catalogs() -> Vec<Catalog> {
    let mut out = caqes_catalogs::bundled().expect("bundled catalogs");
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/catalogs/test-all-kinds.toml");
    let src = std::fs::read_to_string(&p).unwrap();
    let test = load_catalogs("test-all-kinds.toml", &src).expect("test catalog");
    // The same catalog with score + bonus capped at the scale.
    let capped: Vec<Catalog> = test
        .iter()
        .map(|c| {
            let mut c = c.clone();
            c.campaign.id = format!("{}-plafond", c.campaign.id);
            c.campaign.cap_total_at_scale = true;
            c
        })
        .collect();
    out.extend(test);
    out.extend(capped);
    out
}

/// Answers meeting every indicator in full (bonus included): with a bonus,
/// score + bonus exceeds the scale unless the catalog caps it.
pub fn full_answers(catalog: &Catalog, seed: u64) -> Answers {
    let mut a = generate(catalog, seed);
    for ind in &catalog.indicators {
        let current = a
            .indicators
            .get(ind.id.as_str())
            .cloned()
            .unwrap_or_default();
        let mut current = current;
        current.status = None;
        if let Some(full) = caqes_engine::full_share(ind, current) {
            a.indicators.insert(ind.id.to_string(), full);
        }
    }
    a
}

/// Deterministic pseudo-random numbers.
pub struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407))
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
}

/// Generated answers: complete most of the time, with NC/NM, missing values,
/// prefills, tricky texts (formula-like, long).
pub fn generate(catalog: &Catalog, seed: u64) -> Answers {
    let mut r = Rng::new(seed);
    let mut a = Answers {
        catalog: catalog.campaign.id.clone(),
        ..Answers::default()
    };
    let e = &mut a.establishment;
    e.finess = "330781196".into();
    e.name = match seed % 4 {
        0 => "=HYPERLINK(\"http://x\";\"clic\")".into(),
        1 => "+33 CHU « Pellegrin » & co".into(),
        2 => format!("Centre hospitalier n°{seed}"),
        _ => "@SUM(A1:A2) -1".into(),
    };
    e.departement = "33".into();
    e.legal_status = Some(LegalStatus::ALL[r.below(3) as usize]);
    if r.chance(30) {
        e.funding = Some(if r.chance(50) {
            Funding::ExDg
        } else {
            Funding::ExOqn
        });
    }
    for c in Category::ALL {
        if r.chance(40) {
            e.categories.push(c);
        }
    }
    if e.categories.is_empty() && r.chance(80) {
        e.categories.push(Category::Mco);
    }
    if r.chance(80) {
        e.beds = Some(r.below(500) as u32);
    }
    if r.chance(60) {
        e.places = Some(r.below(100) as u32);
    }
    for q in &catalog.identification {
        if r.chance(10) {
            continue;
        }
        let v = match q.kind {
            QuestionKind::Bool => serde_json::Value::Bool(r.chance(70)),
            QuestionKind::Choice => serde_json::Value::String(
                q.options[r.below(q.options.len() as u64) as usize]
                    .id
                    .clone(),
            ),
            QuestionKind::Integer => serde_json::Value::from(r.below(2000)),
            QuestionKind::Text => serde_json::Value::String("-réf. =A1".into()),
        };
        e.answers.insert(q.id.clone(), v);
    }
    if r.chance(80) {
        a.previous_score = Some(Number::int(60 + r.below(40) as i64));
    }
    for ind in &catalog.indicators {
        let mut ans = IndicatorAnswer::default();
        let roll = r.below(100);
        if roll < 8 && ind.nc_allowed {
            ans.status = Some(DeclaredStatus::NonConcerne);
            ans.justification = "Pas d'activité concernée".into();
        } else if roll < 14 && ind.nm_allowed {
            ans.status = Some(DeclaredStatus::NonMesurable);
        } else if roll < 18 {
            ans.status = Some(DeclaredStatus::Renseigne);
        }
        let inputs = ind.measure.inputs();
        // Consistent figures for each kind.
        match &ind.measure {
            Measure::Distribution { parts, .. } => {
                let mut total = 0u64;
                for p in parts {
                    let v = r.below(50);
                    total += v;
                    ans.inputs.insert(p.id.clone(), v.into());
                }
                if r.chance(85) {
                    ans.inputs.insert("total".into(), total.into());
                }
                let ex = r.below(total.max(1) / 4 + 1).min(total);
                ans.inputs.insert("excl".into(), ex.into());
                ans.inputs.insert("excl_c".into(), 0.into());
            }
            Measure::Rate { .. } => {
                let den = 1 + r.below(400);
                let extra = if r.chance(5) { 10 } else { 0 };
                let num = r.below(den + 1 + extra);
                ans.inputs.insert(inputs[0].id().into(), num.into());
                if !r.chance(10) {
                    ans.inputs.insert(inputs[1].id().into(), den.into());
                }
            }
            _ => {
                for i in &inputs {
                    if r.chance(7) {
                        continue;
                    }
                    let v: serde_json::Value = match i.unit() {
                        Unit::Count => r.below(300).into(),
                        Unit::Amount => serde_json::Value::from(
                            (1000 + r.below(100_000)) as f64 + r.below(100) as f64 / 100.0,
                        ),
                        Unit::Percent => serde_json::Value::from(r.below(1000) as f64 / 10.0),
                    };
                    ans.inputs.insert(i.id().into(), v);
                }
            }
        }
        if let Measure::Criteria { criteria } = &ind.measure {
            for c in criteria {
                if !r.chance(5) {
                    ans.criteria.insert(c.id.clone(), r.chance(75));
                }
            }
        }
        if caqes_grid::layout::has_personalised_target(ind) && r.chance(90) {
            ans.target = Some(Number::int(r.below(400) as i64));
        }
        for ev in &ind.evidence {
            if r.chance(70) {
                ans.evidence.push(ev.id.clone());
            }
        }
        if r.chance(30) {
            ans.comment = match r.below(3) {
                0 => "=1+1".into(),
                1 => "Commentaire\nsur deux lignes ; « guillemets » \"doubles\"".into(),
                _ => "x".repeat(40_000),
            };
        }
        if ans != IndicatorAnswer::default() {
            a.indicators.insert(ind.id.to_string(), ans);
        }
    }
    a
}

/// Every answers file under tests/answers (recursively).
pub fn example_answers() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![workspace().join("tests/answers")];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The figures of an evaluation that a grid shows, for comparisons.
pub fn score_summary(e: &Evaluation) -> String {
    format!(
        "total={:?} rounded={:?} interesse={:?} threshold={:?} bonus={:?}",
        e.total, e.total_rounded, e.verdict.interesse, e.verdict.threshold, e.bonus
    )
}

/// Rewrites zip entries through `f(name, content)`.
pub fn patch_zip(bytes: &[u8], f: &dyn Fn(&str, String) -> String) -> Vec<u8> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        let name = e.name().unwrap().to_string();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        let data = if name.ends_with(".xml") {
            f(&name, String::from_utf8(data).unwrap()).into_bytes()
        } else {
            data
        };
        out.start_file(name, opts).unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// Sets a cell of a sheet XML to a number or an inline string.
pub fn set_cell(xml: &str, a1: &str, value: &str, numeric: bool) -> String {
    let key = format!("<c r=\"{a1}\"");
    let start = xml
        .find(&key)
        .unwrap_or_else(|| panic!("cellule {a1} absente"));
    let after = &xml[start..];
    let open_end = after.find('>').unwrap();
    let self_closing = after[..open_end].ends_with('/');
    let end = if self_closing {
        open_end + 1
    } else {
        after.find("</c>").unwrap() + 4
    };
    let style = after[..open_end]
        .split(" s=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|s| format!(" s=\"{s}\""))
        .unwrap_or_default();
    let cell = if numeric {
        format!("<c r=\"{a1}\"{style}><v>{value}</v></c>")
    } else {
        format!("<c r=\"{a1}\"{style} t=\"inlineStr\"><is><t>{value}</t></is></c>")
    };
    format!("{}{}{}", &xml[..start], cell, &xml[start + end..])
}
