//! What-if simulations: what an establishment would gain by meeting an indicator in full.
//!
//! Pure, and built on [`evaluate`] alone: a simulation is an evaluation of modified answers,
//! never a second scoring path. The form's « Indicateurs qui rapporteraient le plus » and the
//! CLI's « Meilleurs gains » both come from [`best_gains`].

use crate::answers::{Answers, IndicatorAnswer};
use crate::catalog::{Catalog, Indicator, Measure, Op, Role};
use crate::evaluate::{evaluate, Evaluation, Status};
use crate::number::{Number, RoundingMode};

/// An indicator that would raise the total if it scored its full share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gain {
    /// Indicator id.
    pub id: String,
    /// Indicator code, e.g. `IR CHO 2`.
    pub code: String,
    /// Indicator title.
    pub title: String,
    /// Points gained on the total (in the catalog's score unit), always positive.
    pub points: Number,
}

/// The answer of `indicator` modified so that it scores its full share, keeping the status,
/// personalised target, evidence and comment; `None` when no such answer exists (information
/// indicators, or a count whose personalised target is unknown).
///
/// ```
/// use caqes_engine::{full_share, load_catalogs, IndicatorAnswer};
/// let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../indicators/na-ako.toml")).unwrap();
/// let catalog = load_catalogs("na-ako.toml", &src).unwrap().remove(0);
/// let ind = catalog.indicator("ir-cho-2").unwrap();
/// let full = full_share(ind, IndicatorAnswer::default()).unwrap();
/// assert!(full.criteria.values().all(|met| *met));
/// ```
pub fn full_share(indicator: &Indicator, mut answer: IndicatorAnswer) -> Option<IndicatorAnswer> {
    let n = |v: i64| serde_json::Value::from(v);
    let goal = match indicator.measure.target() {
        Some(t) => match t.value.or(answer.target) {
            Some(v) => Some((t.op, v)),
            // A personalised target not given: no input can meet it.
            None if t.personalised => return None,
            None => None,
        },
        None => None,
    };
    // A percentage of a whole (distribution) cannot pass 100 %, nor a fall go below −100 %.
    match (&indicator.measure, goal) {
        (Measure::Distribution { .. }, Some((Op::AtLeast, v))) if v > Number::HUNDRED => {
            return None
        }
        (Measure::Evolution { .. }, Some((Op::AtMost, v))) if v < Number::int(-100) => return None,
        _ => {}
    }
    answer.inputs.clear();
    match &indicator.measure {
        Measure::Criteria { criteria } => {
            answer.criteria = criteria.iter().map(|c| (c.id.clone(), true)).collect();
        }
        Measure::Rate {
            numerator,
            denominator,
            target,
            numerator_may_exceed,
            ..
        } => {
            // 1/1 = 100 % meets any « ≥ » target up to 100 %, 0/1 any « ≤ » target. A
            // personalised target above 100 % is met only where the rate may pass 100 %.
            let (num, den) = match (target.op, goal.map(|(_, v)| v)) {
                (Op::AtMost, _) => (0, 1),
                (Op::AtLeast, Some(goal)) if goal > Number::HUNDRED => {
                    if !numerator_may_exceed {
                        return None;
                    }
                    let num = goal.round(0, RoundingMode::Up);
                    (num.to_decimal_string(0).parse().ok()?, 100)
                }
                (Op::AtLeast, _) => (1, 1),
            };
            answer.inputs.insert(numerator.id.clone(), n(num));
            answer.inputs.insert(denominator.id.clone(), n(den));
        }
        Measure::Evolution {
            previous,
            current,
            target,
            ..
        } => {
            let (p, c) = if target.op == Op::AtMost {
                (100, 0)
            } else {
                (1, 1_000_000_000)
            };
            answer.inputs.insert(previous.id.clone(), n(p));
            answer.inputs.insert(current.id.clone(), n(c));
        }
        Measure::Count { terms, target, .. } => {
            for t in terms {
                answer.inputs.insert(t.id.clone(), n(0));
            }
            if target.op == Op::AtLeast {
                let goal = target.value.or(answer.target)?;
                let first = terms.first()?;
                if first.weight <= Number::ZERO {
                    return None;
                }
                let count = goal
                    .div(first.weight)
                    .ok()?
                    .round(0, RoundingMode::Down)
                    .add(Number::ONE)
                    .ok()?;
                let count: i64 = count.to_decimal_string(0).parse().ok()?;
                answer.inputs.insert(first.id.clone(), n(count));
            }
        }
        Measure::Distribution {
            total,
            parts,
            counted,
            excluded,
            excluded_counted,
            target,
            ..
        } => {
            answer.inputs.insert(total.id.clone(), n(1));
            let pick = parts
                .iter()
                .find(|p| counted.contains(&p.id) == (target.op == Op::AtLeast))?;
            for p in parts {
                answer
                    .inputs
                    .insert(p.id.clone(), n(i64::from(p.id == pick.id)));
            }
            for x in excluded.iter().chain(excluded_counted.iter()) {
                answer.inputs.insert(x.id.clone(), n(0));
            }
        }
        Measure::Information { .. } => return None,
    }
    Some(answer)
}

/// For each renseigné scored or bonus indicator below its full share, the total the engine
/// gives with that indicator alone at full share, minus the current total. Only positive
/// gains are kept; the `limit` largest come first (ties by code).
///
/// `evaluation` must be `evaluate(catalog, answers)`; no gain is computed when its total is not
/// computable.
pub fn best_gains(
    catalog: &Catalog,
    answers: &Answers,
    evaluation: &Evaluation,
    limit: usize,
) -> Vec<Gain> {
    let Some(current) = evaluation.total else {
        return Vec::new();
    };
    let mut out: Vec<Gain> = catalog
        .indicators
        .iter()
        .filter_map(|ind| {
            let result = evaluation.indicator(&ind.id)?;
            if result.status != Status::Renseigne
                || ind.role == Role::Information
                || result.share == Some(Number::ONE)
            {
                return None;
            }
            let total = simulate_full_share(catalog, answers, ind)?.total?;
            let points = total.sub(current).ok()?;
            (points > Number::ZERO).then(|| Gain {
                id: ind.id.to_string(),
                code: ind.code.to_string(),
                title: ind.title.clone(),
                points,
            })
        })
        .collect();
    out.sort_by(|a, b| b.points.cmp(&a.points).then_with(|| a.code.cmp(&b.code)));
    out.truncate(limit);
    out
}

/// The evaluation of `answers` with `indicator` alone answered at full share, or `None` when
/// [`full_share`] has no such answer.
pub fn simulate_full_share(
    catalog: &Catalog,
    answers: &Answers,
    indicator: &Indicator,
) -> Option<Evaluation> {
    let base = answers
        .indicators
        .get(indicator.id.as_str())
        .cloned()
        .unwrap_or_default();
    let full = full_share(indicator, base)?;
    let mut simulated = answers.clone();
    simulated.indicators.insert(indicator.id.to_string(), full);
    Some(evaluate(catalog, &simulated))
}
