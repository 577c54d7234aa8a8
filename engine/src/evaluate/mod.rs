//! Scoring: from a catalog and answers to an [`Evaluation`].
//!
//! The rules, in order:
//! 1. each indicator gets a status: non concerné or non mesurable
//!    (automatic from the identification, or declared), else renseigné;
//! 2. a renseigné indicator gets a value from its inputs, then a share of its
//!    points (0 to 1) from its target and scoring function; the share is exact
//!    when its denominator is at most 1000, otherwise rounded half-up to 10⁻⁹;
//! 3. the points of scored indicators that are not renseigné are redistributed
//!    over the renseigné ones (proportionally or equally, per catalog);
//! 4. score = earned points × scale / total points; bonus points (never
//!    redistributed) are added, capped at the catalog's maximum;
//! 5. the total is rounded by the catalog's rule and compared with the bands
//!    of intéressement ([`crate::verdict`]).
//!
//! Everything is exact rational arithmetic; nothing here can panic on input.

mod aggregate;
mod applicability;
mod context;
mod inputs;
mod measures;
mod merge;

pub(crate) use applicability::selector_matches;
pub use inputs::prefill;

use crate::answers::{finess_is_valid, Answers, IndicatorAnswer};
use crate::catalog::*;
use crate::number::{Number, Overflow};
use crate::problem::{Problem, Severity};
use crate::shared::SharedStr;
use crate::verdict::{decide, Verdict};
use aggregate::{aggregate, Totals};
use context::Ctx;
use serde::Serialize;

/// Status of an indicator in an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Renseigné (filled in, possibly incompletely).
    Renseigne,
    /// Non concerné.
    NonConcerne,
    /// Non mesurable.
    NonMesurable,
}

/// Whether a status was set automatically or declared by the establishment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Set by the establishment (or the default renseigné).
    Declared,
    /// Set by the catalog from the identification.
    Automatic,
}

/// Overall state of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Every input is present and valid.
    Complete,
    /// Some inputs are missing: the score is provisional.
    Incomplete,
    /// Some inputs are invalid: the score is provisional.
    Invalid,
}

impl State {
    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            State::Complete => "complète",
            State::Incomplete => "incomplète",
            State::Invalid => "invalide",
        }
    }
}

/// Result of one indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorResult {
    /// Indicator id.
    pub id: SharedStr,
    /// Code as printed.
    pub code: SharedStr,
    /// Volet id.
    pub volet: SharedStr,
    /// Role in the score.
    pub role: Role,
    /// Status.
    pub status: Status,
    /// Origin of the status.
    pub origin: Origin,
    /// Measured value (percent for rates, evolutions and distributions; count otherwise).
    pub value: Option<Number>,
    /// Unit of `value` and `target`.
    pub unit: Option<Unit>,
    /// Target applied.
    pub target: Option<Number>,
    /// Whether the target is met.
    pub met: Option<bool>,
    /// Share of the points earned, from 0 to 1.
    pub share: Option<Number>,
    /// Points of the indicator in the catalog.
    pub max_points: Number,
    /// Points after redistribution (0 when not renseigné or information).
    pub weight: Number,
    /// Points earned.
    pub points: Number,
    /// Whether every input is present and valid.
    pub complete: bool,
}

/// Result of one volet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VoletResult {
    /// Volet id.
    pub id: SharedStr,
    /// Title.
    pub title: SharedStr,
    /// Points at stake after redistribution (scored indicators).
    pub weight: Number,
    /// Points earned (scored indicators).
    pub points: Number,
    /// Bonus points earned in this volet (before the global cap).
    pub bonus: Number,
    /// points / weight in percent, when something is at stake.
    pub score: Option<Number>,
}

/// The evaluation of one establishment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Catalog id.
    pub catalog: String,
    /// Campaign year.
    pub year: u16,
    /// FINESS of the establishment.
    pub finess: String,
    /// Name of the establishment.
    pub establishment: String,
    /// Complete, incomplete or invalid.
    pub state: State,
    /// Per-indicator results, in catalog order.
    pub indicators: Vec<IndicatorResult>,
    /// Per-volet results, in catalog order.
    pub volets: Vec<VoletResult>,
    /// Score out of the catalog's scale, before bonus (exact).
    pub score: Option<Number>,
    /// Bonus points earned (capped).
    pub bonus: Number,
    /// Maximum bonus.
    pub bonus_max: Number,
    /// score + bonus (exact).
    pub total: Option<Number>,
    /// Total rounded by the catalog's rule: the figure displayed and compared.
    pub total_rounded: Option<Number>,
    /// Intéressement verdict.
    pub verdict: Verdict,
    /// Every problem found, errors first.
    pub problems: Vec<Problem>,
}

impl Evaluation {
    /// The result of an indicator.
    pub fn indicator(&self, id: &str) -> Option<&IndicatorResult> {
        self.indicators.iter().find(|r| r.id == id)
    }
}

/// Scores `answers` against `catalog`. Never fails: every problem is listed in
/// the evaluation, and the score is then provisional.
///
/// ```
/// # let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../indicators/na-ako.toml")).unwrap();
/// # let catalogs = caqes_engine::load_catalogs("na-ako.toml", &src).unwrap();
/// let catalog = catalogs.iter().find(|c| c.campaign.id == "na-ako-2024").unwrap();
/// let answers = caqes_engine::Answers::from_json(r#"{"catalog": "na-ako-2024"}"#).unwrap();
/// let evaluation = caqes_engine::evaluate(catalog, &answers);
/// assert_eq!(evaluation.state, caqes_engine::State::Incomplete);
/// ```
pub fn evaluate(catalog: &Catalog, answers: &Answers) -> Evaluation {
    let mut problems = Vec::new();
    let index = catalog.index();
    // Each indicator's answer, found once.
    let found = answers_of(catalog, &index.indicators, answers);
    let known = found.iter().filter(|a| a.is_some()).count();
    check_document(catalog, answers, known, &mut problems);
    let mut results = Vec::with_capacity(catalog.indicators.len());
    let empty = IndicatorAnswer::default();
    let mut slots = Vec::with_capacity(8);
    let mut values = Vec::with_capacity(8);
    let mut criteria = Vec::new();
    for (k, (ind, answer)) in catalog.indicators.iter().zip(found).enumerate() {
        let answer = answer.unwrap_or(&empty);
        let order = index.inputs.get(k).map(Vec::as_slice);
        let inputs_known = inputs::fill_slots(ind, order, answer, &mut slots);
        let order = index.criteria.get(k).map(Vec::as_slice);
        let criteria_known = inputs::fill_criteria(ind, order, answer, &mut criteria);
        let mut ctx = Ctx {
            catalog,
            answers,
            ind,
            answer,
            slots: &slots,
            criteria: &criteria,
            problems: &mut problems,
            values: &mut values,
        };
        score_indicator(&mut ctx, [inputs_known, criteria_known], &mut results);
    }
    let totals = match aggregate(catalog, &mut results) {
        Ok(t) => t,
        Err(Overflow) => {
            problems.push(Problem::global(
                Severity::Error,
                "les valeurs saisies sont trop grandes pour un calcul exact",
            ));
            Totals::default()
        }
    };
    if totals.score.is_none() && !problems.iter().any(|p| p.severity == Severity::Error) {
        problems.push(Problem::global(
            Severity::Error,
            "aucun indicateur noté n'est applicable : score non calculable",
        ));
    }
    let total_rounded = totals.total.map(|t| {
        t.round(
            catalog.campaign.rounding.decimals,
            catalog.campaign.rounding.mode,
        )
    });
    // The previous score is needed only when it can change the verdict.
    if catalog.needs_previous_score()
        && answers.previous_score.is_none()
        && total_rounded.is_none_or(|r| catalog.previous_score_matters(r))
    {
        problems.push(Problem {
            severity: Severity::Missing,
            indicator: None,
            field: Some("previous_score".into()),
            message: format!(
                "score {} non renseigné : nécessaire pour la condition de progression",
                catalog.campaign.year.saturating_sub(1)
            ),
        });
    }
    let state = if problems.iter().any(|p| p.severity == Severity::Error) {
        State::Invalid
    } else if problems.iter().any(|p| p.severity == Severity::Missing) {
        State::Incomplete
    } else {
        State::Complete
    };
    let verdict = decide(catalog, total_rounded, answers.previous_score, state);
    problems.sort_by_key(|p| p.severity);
    Evaluation {
        catalog: catalog.campaign.id.clone(),
        year: catalog.campaign.year,
        finess: answers.establishment.finess.trim().to_string(),
        establishment: answers.establishment.name.trim().to_string(),
        state,
        indicators: results,
        volets: totals.volets,
        score: totals.score,
        bonus: totals.bonus,
        bonus_max: catalog.campaign.bonus_max,
        total: totals.total,
        total_rounded,
        verdict,
        problems,
    }
}

/// Each indicator's answer: the catalog's ids, walked in `order` (the
/// index's, see [`crate::catalog::CatalogIndex`]), merged with the answers'
/// sorted keys. The order is checked as it is walked (every indicator once,
/// strictly increasing ids); when it fails (a catalog changed after its first
/// evaluation, duplicate ids), one lookup per indicator, as the merge would
/// find.
fn answers_of<'a>(
    catalog: &Catalog,
    order: &[u32],
    answers: &'a Answers,
) -> Vec<Option<&'a IndicatorAnswer>> {
    let inds = &catalog.indicators;
    let mut found = vec![None; inds.len()];
    let item = |k: usize| inds.get(k).map(|i| ((), i.id.as_str()));
    let merged = merge::merge(order, item, &answers.indicators, |_, k, (), answer| {
        if let Some(slot) = found.get_mut(k) {
            *slot = answer;
        }
    });
    if merged.is_some() {
        return found;
    }
    inds.iter()
        .map(|i| answers.indicators.get(i.id.as_str()))
        .collect()
}

/// Document-level checks: catalog id, identification, unknown ids. `known`
/// is the number of answers that belong to an indicator of the catalog.
fn check_document(catalog: &Catalog, answers: &Answers, known: usize, problems: &mut Vec<Problem>) {
    if answers.catalog != catalog.campaign.id {
        problems.push(Problem {
            severity: Severity::Error,
            indicator: None,
            field: Some("catalog".into()),
            message: format!(
                "ces réponses concernent le référentiel « {} », pas « {} »",
                answers.catalog, catalog.campaign.id
            ),
        });
    }
    let est = &answers.establishment;
    let field = |f: &str| Some(format!("establishment.{f}"));
    if est.finess.trim().is_empty() {
        problems.push(Problem {
            severity: Severity::Missing,
            indicator: None,
            field: field("finess"),
            message: "numéro FINESS non renseigné".into(),
        });
    } else if !finess_is_valid(&est.finess) {
        problems.push(Problem {
            severity: Severity::Error,
            indicator: None,
            field: field("finess"),
            message: format!(
                "numéro FINESS « {} » invalide (9 caractères dont une clé de contrôle)",
                est.finess.trim()
            ),
        });
    }
    if est.name.trim().is_empty() {
        problems.push(Problem {
            severity: Severity::Missing,
            indicator: None,
            field: field("name"),
            message: "nom de l'établissement non renseigné".into(),
        });
    }
    for (id, value) in &est.answers {
        match catalog.question(id) {
            None => problems.push(Problem {
                severity: Severity::Error,
                indicator: None,
                field: Some(format!("establishment.answers.{id}")),
                message: format!("question d'identification inconnue « {id} »"),
            }),
            Some(q) => {
                let ok = value.is_null()
                    || match q.kind {
                        QuestionKind::Bool => value.is_boolean(),
                        QuestionKind::Integer => value.is_u64(),
                        QuestionKind::Text => value.is_string(),
                        QuestionKind::Choice => value
                            .as_str()
                            .is_some_and(|v| q.options.iter().any(|o| o.id == v)),
                    };
                if !ok {
                    problems.push(Problem {
                        severity: Severity::Error,
                        indicator: None,
                        field: Some(format!("establishment.answers.{id}")),
                        message: format!("réponse invalide à « {} » : {value}", q.label),
                    });
                }
            }
        }
    }
    // Fast path: when the `known` answers (those of a catalog indicator) are
    // all the answers, no answer key can be unknown (answers keys are unique).
    let unknown_keys = if known == answers.indicators.len() {
        Vec::new()
    } else {
        answers
            .indicators
            .keys()
            .filter(|id| catalog.indicator(id).is_none())
            .collect()
    };
    for id in unknown_keys {
        {
            problems.push(Problem {
                severity: Severity::Error,
                indicator: Some(id.as_str().into()),
                field: None,
                message: format!("indicateur inconnu « {id} » dans les réponses"),
            });
        }
    }
    if catalog.needs_previous_score() {
        if let Some(p) = answers.previous_score {
            if p.is_negative()
                || p > catalog
                    .campaign
                    .scale
                    .add(catalog.campaign.bonus_max)
                    .unwrap_or(p)
            {
                problems.push(Problem {
                    severity: Severity::Error,
                    indicator: None,
                    field: Some("previous_score".into()),
                    message: format!("score de l'année précédente hors limites : {p}"),
                });
            }
        }
    }
}

/// Status, value and share of one indicator: its result is pushed on
/// `results` (written in place, not moved).
/// `known`: whether every input id, and every criterion id, of the answer
/// is already known to be one of the indicator's.
fn score_indicator(ctx: &mut Ctx<'_>, known: [bool; 2], results: &mut Vec<IndicatorResult>) {
    let ind = ctx.ind;
    let before = ctx.problems.len();
    let (status, origin) = applicability::status(ctx);
    let k = results.len();
    results.push(IndicatorResult {
        id: ind.id.clone(),
        code: ind.code.clone(),
        volet: ind.volet.clone(),
        role: ind.role,
        status,
        origin,
        value: None,
        unit: None,
        target: None,
        met: None,
        share: None,
        max_points: ind.points,
        weight: Number::ZERO,
        points: Number::ZERO,
        complete: true,
    });
    let result = &mut results[k];
    let evidence_listed = inputs::evidence_as_listed(ind, ctx.answer);
    ctx.check_answer_ids(known[0], known[1], evidence_listed);
    if result.status != Status::Renseigne {
        return;
    }
    let share = match measures::measure(ctx, result) {
        Ok(share) => share,
        Err(Overflow) => {
            ctx.error(None, "valeurs trop grandes pour un calcul exact");
            None
        }
    };
    if ind.role != Role::Information {
        ctx.check_evidence(evidence_listed);
    }
    result.complete = !ctx.incomplete_since(before);
    result.share = share;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index (merge walks over the answers' sorted keys) gives exactly
    /// what one lookup per id gives, on every shipped catalog, with unknown
    /// indicator, input and criterion ids before, between and after the
    /// known ones, null and missing values, evidence in and out of order.
    #[test]
    fn the_index_gives_what_lookups_give() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../indicators");
        for file in [
            "na-ako.toml",
            "normandie-2022.toml",
            "occitanie-pds-2023.toml",
            "occitanie-vo.toml",
        ] {
            let src = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
            for c in crate::load_catalogs(file, &src).unwrap() {
                // Variant 4: the usual shape, every indicator, input,
                // criterion and evidence once, nothing else.
                for variant in 0..5 {
                    let usual = variant == 4;
                    let mut a = Answers {
                        catalog: c.campaign.id.clone(),
                        ..Default::default()
                    };
                    for (k, ind) in c.indicators.iter().enumerate() {
                        if !usual && (k + variant) % 5 == 0 {
                            continue;
                        }
                        let mut ans = IndicatorAnswer::default();
                        for (j, input) in ind.measure.inputs().iter().enumerate() {
                            let value = match (j + k + variant) % 4 {
                                _ if usual => serde_json::json!(j + k),
                                0 => continue,
                                1 => serde_json::Value::Null,
                                _ => serde_json::json!(j + k),
                            };
                            ans.inputs.insert(input.id().to_string(), value);
                            if !usual && (j + variant) % 3 == 0 {
                                ans.inputs
                                    .insert(format!("{}-x", input.id()), serde_json::json!(1));
                            }
                        }
                        if let Measure::Criteria { criteria } = &ind.measure {
                            for (j, c) in criteria.iter().enumerate() {
                                if usual || (j + k + variant) % 4 != 0 {
                                    ans.criteria.insert(c.id.clone(), (j + variant) % 3 != 0);
                                }
                                if !usual && (j + variant) % 3 == 1 {
                                    ans.criteria.insert(format!("{}-x", c.id), true);
                                }
                            }
                        }
                        for (j, e) in ind.evidence.iter().enumerate() {
                            match (j + k + variant) % 3 {
                                _ if usual => ans.evidence.push(e.id.clone()),
                                0 => {}
                                1 => ans.evidence.insert(0, e.id.clone()),
                                _ => ans.evidence.push(e.id.clone()),
                            }
                        }
                        if variant == 3 {
                            ans.evidence.push("preuve-inconnue".into());
                        }
                        match variant {
                            1 => {
                                ans.inputs.insert("0".into(), serde_json::json!(1));
                                ans.criteria.insert("0".into(), false);
                            }
                            2 => {
                                ans.inputs.insert("zz".into(), serde_json::json!(1));
                                ans.criteria.insert("zz".into(), true);
                            }
                            _ => {}
                        }
                        a.indicators.insert(ind.id.to_string(), ans);
                    }
                    if variant % 2 == 1 {
                        a.indicators
                            .insert("0-inconnu".into(), IndicatorAnswer::default());
                        a.indicators
                            .insert("zz-inconnu".into(), IndicatorAnswer::default());
                    }
                    let indexed = serde_json::to_string(&evaluate(&c, &a)).unwrap();
                    let looked_up =
                        serde_json::to_string(&evaluate(&c.without_index(), &a)).unwrap();
                    assert_eq!(indexed, looked_up, "{} variant {variant}", c.campaign.id);
                }
            }
        }
    }
}
