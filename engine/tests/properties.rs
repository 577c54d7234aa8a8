//! Property tests of the scoring invariants, on every shipped catalog and on
//! a catalog exercising every measure kind.

mod common;

use caqes_engine::{
    evaluate, load_catalogs, Answers, Catalog, DeclaredStatus, IndicatorAnswer, InputRef, Measure,
    Number, Op, Redistribution, Role, SharedStr,
};
use common::Rng;
use proptest::prelude::*;
use std::collections::BTreeMap;

const KINDS: &str = r#"
[campaign]
id = "k"
years = [2023]
title = "Kinds"
region = "Test"
bonus_max = 2
redistribution = "proportional"
rounding = { decimals = 0 }
[interessement]
bands = [{ min = 50 }]
[[volets]]
id = "v"
title = "V"
[[indicators]]
id = "count"
code = "C"
title = "Count"
volet = "v"
scope = "regional"
points = 15
[indicators.measure]
kind = "count"
terms = [{ id = "a", label = "a" }, { id = "b", label = "b", weight = 2 }]
target = { op = ">=", personalised = true, unit = "count" }
scoring = { fn = "linear" }
[[indicators]]
id = "dist"
code = "D"
title = "Dist"
volet = "v"
scope = "regional"
points = 25
[indicators.measure]
kind = "distribution"
total = { id = "total", label = "total", unit = "count" }
parts = [{ id = "p0", label = "p0", unit = "count" }, { id = "p1", label = "p1", unit = "count" }, { id = "p2", label = "p2", unit = "count" }]
counted = ["p1", "p2"]
excluded = { id = "ex", label = "ex", unit = "count" }
target = { op = ">=", value = 90, unit = "percent" }
scoring = { fn = "linear", floor = 50 }
[[indicators]]
id = "evo"
code = "E"
title = "Evo"
volet = "v"
scope = "national"
points = 20
[indicators.measure]
kind = "evolution"
previous = { id = "prev", label = "prev", unit = "amount" }
current = { id = "cur", label = "cur", unit = "amount" }
target = { op = "<=", value = -5, unit = "percent" }
scoring = { fn = "linear", floor = 5 }
[[indicators]]
id = "rate"
code = "R"
title = "Rate"
volet = "v"
scope = "regional"
points = 33.3
[indicators.measure]
kind = "rate"
numerator = { id = "num", label = "num", unit = "count" }
denominator = { id = "den", label = "den", unit = "count" }
target = { op = ">=", value = 85.5, unit = "percent" }
scoring = { fn = "tiers", tiers = [{ from = 20, share = 10 }, { from = 60, share = 70 }] }
[[indicators]]
id = "crit"
code = "Q"
title = "Crit"
volet = "v"
scope = "regional"
points = 6.7
measure = { kind = "criteria", criteria = [{ id = "x", label = "x", points = 1.7 }, { id = "y", label = "y", points = 5 }] }
[[indicators]]
id = "bon"
code = "B"
title = "Bonus"
volet = "v"
scope = "regional"
role = "bonus"
points = 3
[indicators.measure]
kind = "rate"
numerator = { id = "num", label = "num", unit = "count" }
denominator = { id = "den", label = "den", unit = "count" }
target = { op = ">=", value = 50, unit = "percent" }
scoring = { fn = "linear" }
[[indicators]]
id = "rate_no_le"
code = "RN"
title = "Rate at most, numerator alone allowed"
volet = "v"
scope = "regional"
points = 5
[indicators.measure]
kind = "rate"
numerator = { id = "num", label = "num", unit = "count" }
denominator = { id = "den", label = "den", unit = "count" }
target = { op = "<=", value = 30, unit = "percent" }
scoring = { fn = "linear", floor = 60 }
numerator_only = { target = { op = ">=", value = 1, unit = "count" }, scoring = { fn = "all_or_nothing" } }
numerator_may_exceed = true
"#;

/// One change of what the evaluation derives from a catalog alone.
fn change(c: &mut Catalog, rng: &mut Rng) {
    let k = rng.below(c.indicators.len() as u64) as usize;
    let v = rng.below(c.volets.len() as u64) as usize;
    let n = |rng: &mut Rng, below: u64| Number::int(rng.below(below) as i64);
    match rng.below(12) {
        0 => c.indicators[k].points = n(rng, 8),
        1 => c.indicators[k].role = [Role::Scored, Role::Bonus, Role::Information][k % 3],
        // Another volet, by its own id or by an equal text.
        2 => c.indicators[k].volet = c.volets[v].id.clone(),
        3 => c.indicators[k].volet = SharedStr::from(c.volets[v].id.as_str()),
        4 => c.volets.reverse(),
        5 => {
            let id = SharedStr::from(format!("{}-bis", c.volets[v].id));
            for ind in &mut c.indicators {
                if ind.volet == c.volets[v].id {
                    ind.volet = id.clone();
                }
            }
            c.volets[v].id = id;
        }
        6 => {
            // A scale equal to the sum of the scored points, or another.
            let base = c
                .indicators
                .iter()
                .filter(|i| i.role == Role::Scored)
                .fold(Number::ZERO, |s, i| s.add(i.points).unwrap());
            c.campaign.scale = if rng.chance(50) { base } else { n(rng, 200) };
        }
        7 => c.campaign.rounding.decimals = rng.below(3) as u32,
        8 => {
            if let Some(b) = c.interessement.bands.first_mut() {
                b.min = n(rng, 100);
            }
        }
        // The highest total (the whole scores' texts kept).
        9 => c.campaign.bonus_max = n(rng, 20),
        10 => c.campaign.cap_total_at_scale = !c.campaign.cap_total_at_scale,
        _ => {
            c.campaign.redistribution = match c.campaign.redistribution {
                Redistribution::Proportional => Redistribution::Equal,
                Redistribution::Equal => Redistribution::Proportional,
            }
        }
    }
}

fn catalogs() -> Vec<Catalog> {
    let mut out = load_catalogs("kinds.toml", KINDS).unwrap();
    out.extend(common::shipped_catalogs());
    out
}

/// Random but mostly valid answers for any catalog.
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
        let size = 1 + rng.below(1000);
        let inputs = ind.measure.inputs();
        let mut parts_left = size;
        for (k, input) in inputs.iter().enumerate() {
            if rng.chance(3) {
                continue;
            }
            let v = match &ind.measure {
                Measure::Distribution { .. } if k == 0 => size,
                Measure::Distribution { parts, .. } if k <= parts.len() => {
                    if k == parts.len() {
                        parts_left
                    } else {
                        let v = rng.below(parts_left + 1);
                        parts_left -= v;
                        v
                    }
                }
                Measure::Distribution { .. } => rng.below(size / 4 + 1),
                Measure::Rate { .. } if input.id() == inputs[0].id() => rng.below(size + 1),
                Measure::Rate { .. } => size,
                _ => rng.below(size) + 1,
            };
            let v = match input.unit() {
                caqes_engine::Unit::Percent => v % 101,
                _ => v,
            };
            a.inputs
                .insert(input.id().to_string(), serde_json::json!(v));
        }
        if let Measure::Criteria { criteria } = &ind.measure {
            for cr in criteria {
                if !rng.chance(3) {
                    a.criteria.insert(cr.id.clone(), rng.chance(60));
                }
            }
        }
        if ind.measure.target().is_some_and(|t| t.personalised) {
            a.target = Some(Number::int(1 + rng.below(1500) as i64));
        }
        a.evidence = ind
            .evidence
            .iter()
            .filter(|_| rng.chance(80))
            .map(|e| e.id.clone())
            .collect();
        indicators.insert(ind.id.to_string(), a);
    }
    let prev = rng.below(101) as i64;
    Answers {
        catalog: c.campaign.id.clone(),
        establishment: caqes_engine::Establishment {
            finess: "330781196".into(),
            name: "CH".into(),
            legal_status: Some(caqes_engine::LegalStatus::Public),
            categories: vec![caqes_engine::Category::Mco],
            beds: Some(300),
            places: Some(20),
            ..Default::default()
        },
        previous_score: Some(Number::int(prev)),
        indicators,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn score_is_within_bounds(seed in any::<u64>()) {
        for c in catalogs() {
            let a = random_answers(&c, &mut Rng(seed));
            let e = evaluate(&c, &a);
            let max = c.campaign.scale.add(c.campaign.bonus_max).unwrap();
            if let Some(t) = e.total {
                prop_assert!(t >= Number::ZERO && t <= max, "{}: {:?}", c.campaign.id, t);
                prop_assert!(e.score.unwrap() <= c.campaign.scale);
                prop_assert!(e.bonus <= c.campaign.bonus_max);
            }
            for r in &e.indicators {
                prop_assert!(r.points >= Number::ZERO && r.points <= r.weight.max(r.max_points));
            }
        }
    }

    /// The evaluation's index of a catalog (merge walks over the answers'
    /// sorted keys) changes nothing: a catalog whose index is stale (built
    /// for another order of the same indicators) scores exactly as a catalog
    /// evaluated by its own index, answers of the usual shape (one key per
    /// indicator, input and criterion) and unknown indicator, input and
    /// criterion ids (before, between and after the known ones) alike.
    #[test]
    fn the_index_changes_nothing(seed in any::<u64>()) {
        for c in catalogs() {
            let mut rng = Rng(seed);
            let mut a = random_answers(&c, &mut rng);
            // Half the cases keep the answers as filled (one key per
            // indicator, input and criterion: the usual shape).
            let noisy = rng.chance(50);
            for id in ["0-inconnu", "zz-inconnu"] {
                if noisy && rng.chance(30) {
                    a.indicators.insert(id.into(), IndicatorAnswer::default());
                }
            }
            for ind in &c.indicators {
                let Some(ans) = a.indicators.get_mut(ind.id.as_str()) else { continue };
                if !noisy {
                    continue;
                }
                if let Measure::Criteria { criteria } = &ind.measure {
                    for c in criteria {
                        if rng.chance(5) {
                            ans.criteria.insert(format!("{}-x", c.id), true);
                        }
                    }
                    if rng.chance(5) {
                        ans.criteria.insert("0".into(), false);
                    }
                }
                for input in ind.measure.inputs() {
                    if rng.chance(5) {
                        ans.inputs.insert(format!("{}-x", input.id()), serde_json::json!(1));
                    }
                }
                if rng.chance(5) {
                    ans.inputs.insert("0".into(), serde_json::json!(1));
                }
                if rng.chance(5) {
                    ans.inputs.insert("zz".into(), serde_json::Value::Null);
                }
            }
            let own = serde_json::to_string(&evaluate(&c, &a)).unwrap();
            let mut stale = c.clone();
            stale.indicators.reverse();
            for ind in &mut stale.indicators {
                match &mut ind.measure {
                    Measure::Distribution { parts, .. } => parts.reverse(),
                    Measure::Criteria { criteria } => criteria.reverse(),
                    _ => {}
                }
            }
            evaluate(&stale, &a); // index of the reversed catalog
            stale.indicators.reverse();
            for ind in &mut stale.indicators {
                match &mut ind.measure {
                    Measure::Distribution { parts, .. } => parts.reverse(),
                    Measure::Criteria { criteria } => criteria.reverse(),
                    _ => {}
                }
            }
            let by_stale = serde_json::to_string(&evaluate(&stale, &a)).unwrap();
            prop_assert_eq!(&own, &by_stale, "{}", c.campaign.id);
        }
    }

    /// A catalog changed after its first evaluation (its index then holds
    /// the constants of the catalog as it was) evaluates exactly as a fresh
    /// copy of it: points, roles and volets of indicators, volets, scale,
    /// rounding, bands, bonus, cap and redistribution changed, with answers where every
    /// indicator is answered renseigné (where the aggregation reads its
    /// constants) or not.
    #[test]
    fn a_changed_catalog_evaluates_as_a_fresh_copy(seed in any::<u64>()) {
        for c in catalogs() {
            let mut rng = Rng(seed);
            let mut a = random_answers(&c, &mut rng);
            if rng.chance(50) {
                for ind in &c.indicators {
                    a.indicators.entry(ind.id.to_string()).or_default().status = None;
                }
            }
            let mut changed = c.clone();
            evaluate(&changed, &a); // the index of the catalog as it was
            for _ in 0..1 + rng.below(3) {
                change(&mut changed, &mut rng);
            }
            let fresh = Catalog::new(
                changed.campaign.clone(),
                changed.identification.clone(),
                changed.volets.clone(),
                changed.interessement.clone(),
                changed.indicators.clone(),
            );
            let by_index = serde_json::to_string(&evaluate(&changed, &a)).unwrap();
            let by_fresh = serde_json::to_string(&evaluate(&fresh, &a)).unwrap();
            prop_assert_eq!(by_index, by_fresh, "{}", c.campaign.id);
        }
    }

    #[test]
    fn nc_under_proportional_equals_removal(seed in any::<u64>(), pick in any::<u64>()) {
        for mut c in catalogs() {
            c.campaign.redistribution = Redistribution::Proportional;
            let scored: Vec<usize> = c.indicators.iter().enumerate()
                .filter(|(_, i)| i.role == Role::Scored).map(|(k, _)| k).collect();
            if scored.len() < 2 { continue; }
            let k = scored[(pick % scored.len() as u64) as usize];
            let id = c.indicators[k].id.clone();
            // Removing an indicator whose inputs pre-fill another's also
            // changes the other (occitanie-vo-2019 ii-7 reads ii-5's): not
            // the same catalog less one indicator.
            let source = format!("{id}.");
            let prefills_another = c.indicators.iter().any(|i| {
                i.measure.inputs().iter().any(|x| x.prefill().is_some_and(|p| p.starts_with(&source)))
            });
            if prefills_another { continue; }
            let mut a = random_answers(&c, &mut Rng(seed));
            let entry = a.indicators.entry(id.to_string()).or_default();
            entry.status = Some(DeclaredStatus::NonConcerne);
            entry.justification = "sans objet".into();
            c.indicators[k].nc_allowed = true;
            let with_nc = evaluate(&c, &a);

            let mut removed = c.clone();
            removed.indicators.remove(k);
            removed.campaign.points_total = None;
            let mut a2 = a.clone();
            a2.indicators.remove(id.as_str());
            let without = evaluate(&removed, &a2);
            prop_assert_eq!(with_nc.score, without.score, "{} without {}", c.campaign.id, id);
            prop_assert_eq!(with_nc.total_rounded, without.total_rounded);
            prop_assert_eq!(with_nc.verdict.interesse, without.verdict.interesse);
        }
    }

    #[test]
    fn improving_an_input_never_lowers_the_score(seed in any::<u64>(), pick in any::<u64>()) {
        for c in catalogs() {
            let a = random_answers(&c, &mut Rng(seed));
            let before = evaluate(&c, &a);
            let k = (pick % c.indicators.len() as u64) as usize;
            let ind = &c.indicators[k];
            let mut better = a.clone();
            let Some(ans) = better.indicators.get_mut(ind.id.as_str()) else { continue };
            match &ind.measure {
                Measure::Criteria { criteria } => {
                    for cr in criteria { ans.criteria.insert(cr.id.clone(), true); }
                }
                Measure::Rate { numerator, denominator, target, .. } if target.op == Op::AtLeast => {
                    let num = ans.inputs.get(&numerator.id).and_then(|v| v.as_u64());
                    let den = ans.inputs.get(&denominator.id).and_then(|v| v.as_u64());
                    if let (Some(n), Some(d)) = (num, den) {
                        if n < d { ans.inputs.insert(numerator.id.clone(), serde_json::json!(n + 1)); }
                    }
                }
                Measure::Count { terms, target, .. } if target.op == Op::AtLeast => {
                    let t = &terms[0];
                    if let Some(v) = ans.inputs.get(&t.id).and_then(|v| v.as_u64()) {
                        ans.inputs.insert(t.id.clone(), serde_json::json!(v + 1));
                    }
                }
                Measure::Evolution { current, target, .. } if target.op == Op::AtMost => {
                    if let Some(v) = ans.inputs.get(&current.id).and_then(|v| v.as_u64()) {
                        if v > 0 { ans.inputs.insert(current.id.clone(), serde_json::json!(v - 1)); }
                    }
                }
                _ => continue,
            }
            let after = evaluate(&c, &better);
            if let (Some(b), Some(a)) = (before.total, after.total) {
                prop_assert!(a >= b, "{} {}: {:?} -> {:?}", c.campaign.id, ind.id, b, a);
            }
        }
    }

    #[test]
    fn indicator_order_does_not_matter(seed in any::<u64>(), rot in 1usize..20) {
        for c in catalogs() {
            let a = random_answers(&c, &mut Rng(seed));
            let e1 = evaluate(&c, &a);
            let mut shuffled = c.clone();
            let n = shuffled.indicators.len();
            shuffled.indicators.rotate_left(rot % n);
            shuffled.indicators.reverse();
            let e2 = evaluate(&shuffled, &a);
            prop_assert_eq!(e1.score, e2.score);
            prop_assert_eq!(e1.total, e2.total);
            prop_assert_eq!(&e1.verdict, &e2.verdict);
            prop_assert_eq!(e1.state, e2.state);
        }
    }
}

#[test]
fn generator_produces_complete_evaluations_sometimes() {
    // Guards the properties against a generator that only produces garbage.
    let c = load_catalogs("kinds.toml", KINDS).unwrap().remove(0);
    let complete = (0..200u64)
        .filter(|s| {
            evaluate(&c, &random_answers(&c, &mut Rng(*s)))
                .score
                .is_some()
        })
        .count();
    assert!(complete > 100, "{complete}");
    let _ = InputRef::Input; // keep the adapter view in the public API used
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// What-if: simulating an indicator at full share never lowers the total, gives that
    /// indicator a share of exactly 1 whenever its own inputs are what limit it, and the
    /// best gains are positive and sorted.
    #[test]
    fn full_share_gives_share_one_and_never_a_loss(seed in any::<u64>()) {
        for c in catalogs() {
            let a = random_answers(&c, &mut Rng(seed));
            let e = evaluate(&c, &a);
            let Some(current) = e.total else { continue };
            for ind in &c.indicators {
                let Some(r) = e.indicator(&ind.id) else { continue };
                if r.status != caqes_engine::Status::Renseigne || ind.role == Role::Information {
                    continue;
                }
                let Some(sim) = caqes_engine::simulate_full_share(&c, &a, ind) else { continue };
                let s = sim.indicator(&ind.id).unwrap();
                prop_assert_eq!(s.share, Some(Number::ONE), "{} {}", c.campaign.id, ind.id);
                if let Some(t) = sim.total {
                    prop_assert!(t >= current, "{} {}: {:?} < {:?}", c.campaign.id, ind.id, t, current);
                }
            }
            let gains = caqes_engine::best_gains(&c, &a, &e, 5);
            prop_assert!(gains.len() <= 5);
            prop_assert!(gains.iter().all(|g| g.points > Number::ZERO));
            prop_assert!(gains.windows(2).all(|w| w[0].points >= w[1].points));
        }
    }
}

/// The verdict without a previous score and with `prev`, for answers
/// generated from `seed` (only catalogs with a progression band).
fn with_and_without_previous(
    c: &Catalog,
    seed: u64,
    prev: u64,
) -> (caqes_engine::Evaluation, caqes_engine::Evaluation) {
    let mut a = random_answers(c, &mut Rng(seed));
    a.previous_score = None;
    let without = evaluate(c, &a);
    let max = c.max_total().parts();
    // A previous score anywhere in [0, max total], on the catalog's decimals.
    let p = Number::ratio((prev as i128) % (max.0 * 10 / max.1 + 1), 10).unwrap();
    a.previous_score = Some(p);
    (without, evaluate(c, &a))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// A verdict reported as non-provisional without the previous score
    /// stays the same whatever previous score is added.
    #[test]
    fn a_previous_score_never_changes_a_non_provisional_verdict(seed in any::<u64>(), prev in any::<u64>()) {
        for c in catalogs().iter().filter(|c| c.needs_previous_score()) {
            let (without, with) = with_and_without_previous(c, seed, prev);
            if without.verdict.provisional {
                continue;
            }
            prop_assert_eq!(with.verdict.interesse, without.verdict.interesse, "{}", c.campaign.id);
            prop_assert_eq!(with.verdict.band, without.verdict.band, "{}", c.campaign.id);
            prop_assert!(!with.verdict.provisional, "{}: {:?}", c.campaign.id, with.problems);
            prop_assert!(!without.problems.iter().any(|p| p.field.as_deref() == Some("previous_score")));
        }
    }
}

/// The property above is not vacuous: over many answer sets, complete
/// evaluations without a previous score occur both intéressé and not, and a
/// score in a progression band always asks for it.
#[test]
fn previous_score_cases_all_occur() {
    let (mut yes, mut no, mut asked) = (0, 0, 0);
    for c in catalogs().iter().filter(|c| c.needs_previous_score()) {
        for seed in 0..400u64 {
            let (without, _) = with_and_without_previous(c, seed, seed * 7);
            let asks = without
                .problems
                .iter()
                .any(|p| p.field.as_deref() == Some("previous_score"));
            if let Some(r) = without.total_rounded {
                assert_eq!(
                    asks,
                    c.previous_score_matters(r),
                    "{} {seed}",
                    c.campaign.id
                );
            }
            asked += usize::from(asks);
            match (without.verdict.provisional, without.verdict.interesse) {
                (false, Some(true)) => yes += 1,
                (false, Some(false)) => no += 1,
                _ => {}
            }
        }
    }
    assert!(yes > 0 && no > 0 && asked > 0, "{yes} {no} {asked}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// NA 2025-2026 (000 l.419-420: « En cas de difficulté d'obtention de la donnée, remplir
    /// seulement le numérateur »): for every rate with `numerator_only` in every shipped
    /// catalog, withholding the denominator never raises the indicator's points nor the score.
    #[test]
    fn withholding_the_denominator_never_raises_the_score(seed in any::<u64>()) {
        for c in catalogs() {
            for ind in &c.indicators {
                let Measure::Rate { numerator, denominator, numerator_only: Some(_), numerator_may_exceed, .. } = &ind.measure else {
                    continue;
                };
                let mut rng = Rng(seed ^ ind.id.len() as u64);
                let mut with = random_answers(&c, &mut rng);
                let n = rng.below(500);
                let d = if *numerator_may_exceed {
                    1 + rng.below(1000)
                } else {
                    n.max(1) + rng.below(1000)
                };
                let mut a = IndicatorAnswer::default();
                a.inputs.insert(numerator.id.clone(), serde_json::json!(n));
                a.inputs.insert(denominator.id.clone(), serde_json::json!(d));
                if ind.measure.target().is_some_and(|t| t.personalised) {
                    a.target = Some(Number::int(1 + rng.below(150) as i64));
                }
                with.indicators.insert(ind.id.to_string(), a.clone());
                let mut without = with.clone();
                a.inputs.remove(&denominator.id);
                without.indicators.insert(ind.id.to_string(), a);
                let ew = evaluate(&c, &with);
                let eo = evaluate(&c, &without);
                let pw = &ew.indicator(&ind.id).unwrap().points;
                let po = &eo.indicator(&ind.id).unwrap().points;
                prop_assert!(po <= pw, "{} {}: {n}/{d}: {po:?} > {pw:?}", c.campaign.id, ind.id);
                if let (Some(tw), Some(to)) = (ew.total, eo.total) {
                    prop_assert!(to <= tw, "{} {}: total {to:?} > {tw:?}", c.campaign.id, ind.id);
                }
            }
        }
    }
}
