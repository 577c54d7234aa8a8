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

use crate::answers::{finess_is_valid, Answers, DeclaredStatus, IndicatorAnswer};
use crate::catalog::*;
use crate::number::{Number, Overflow, RoundingMode};
use crate::problem::{Problem, Severity};
use crate::verdict::{decide, Verdict};
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

impl Status {
    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            Status::Renseigne => "Renseigné",
            Status::NonConcerne => "Non concerné",
            Status::NonMesurable => "Non mesurable",
        }
    }
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
    pub id: String,
    /// Code as printed.
    pub code: String,
    /// Volet id.
    pub volet: String,
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
    pub id: String,
    /// Title.
    pub title: String,
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
    check_document(catalog, answers, &mut problems);
    let mut results = Vec::with_capacity(catalog.indicators.len());
    let mut shares = Vec::with_capacity(catalog.indicators.len());
    let empty = IndicatorAnswer::default();
    for ind in &catalog.indicators {
        let answer = answers.indicators.get(&ind.id).unwrap_or(&empty);
        let (result, share) = score_indicator(catalog, ind, answers, answer, &mut problems);
        results.push(result);
        shares.push(share);
    }
    let totals = match aggregate(catalog, &mut results, &shares) {
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

/// Document-level checks: catalog id, identification, unknown ids.
fn check_document(catalog: &Catalog, answers: &Answers, problems: &mut Vec<Problem>) {
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
    // Fast path: when every catalog indicator found its answer and the counts
    // agree, no answer key can be unknown (answers keys are unique).
    let known = catalog
        .indicators
        .iter()
        .filter(|i| answers.indicators.contains_key(&i.id))
        .count();
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
                indicator: Some(id.clone()),
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

/// Whether the selector matches; `None` when the identification lacks what it needs.
pub(crate) fn selector_matches(
    catalog: &Catalog,
    sel: &Selector,
    answers: &Answers,
    unknown: &mut Vec<String>,
) -> Option<bool> {
    let est = &answers.establishment;
    let mut result = Some(true);
    let mut and = |v: Option<bool>| {
        result = match (result, v) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        }
    };
    if !sel.categories.is_empty() {
        if est.categories.is_empty() {
            unknown.push("catégories d'activité".into());
            and(None);
        } else {
            and(Some(
                est.categories.iter().any(|c| sel.categories.contains(c)),
            ));
        }
    }
    if !sel.legal_status.is_empty() {
        match est.legal_status {
            None => {
                unknown.push("statut juridique".into());
                and(None)
            }
            Some(s) => and(Some(sel.legal_status.contains(&s))),
        }
    }
    if !sel.funding.is_empty() {
        match est.funding() {
            None => {
                unknown.push("catégorie de financement".into());
                and(None)
            }
            Some(f) => and(Some(sel.funding.contains(&f))),
        }
    }
    for cond in &sel.when {
        match est.answers.get(&cond.question).filter(|v| !v.is_null()) {
            None => {
                let label = catalog
                    .question(&cond.question)
                    .map(|q| q.label.clone())
                    .unwrap_or_else(|| cond.question.clone());
                unknown.push(label);
                and(None)
            }
            Some(v) => and(Some(v == &cond.equals)),
        }
    }
    result
}

fn problem(ind: &Indicator, severity: Severity, field: Option<&str>, message: String) -> Problem {
    Problem {
        severity,
        indicator: Some(ind.id.clone()),
        field: field.map(str::to_string),
        message,
    }
}

/// Status, value and share of one indicator.
fn score_indicator(
    catalog: &Catalog,
    ind: &Indicator,
    answers: &Answers,
    answer: &IndicatorAnswer,
    problems: &mut Vec<Problem>,
) -> (IndicatorResult, Option<Number>) {
    let mut result = IndicatorResult {
        id: ind.id.clone(),
        code: ind.code.clone(),
        volet: ind.volet.clone(),
        role: ind.role,
        status: Status::Renseigne,
        origin: Origin::Declared,
        value: None,
        unit: None,
        target: None,
        met: None,
        share: None,
        max_points: ind.points,
        weight: Number::ZERO,
        points: Number::ZERO,
        complete: true,
    };
    let before = problems.len();

    // 1. Status.
    let mut unknown = Vec::new();
    let applies = selector_matches(catalog, &ind.applies_to, answers, &mut unknown);
    let auto_nm = ind
        .not_measurable_for
        .as_ref()
        .map(|s| selector_matches(catalog, s, answers, &mut unknown))
        .unwrap_or(Some(false));
    if !unknown.is_empty() && applies != Some(false) {
        unknown.sort();
        unknown.dedup();
        problems.push(problem(
            ind,
            Severity::Missing,
            None,
            format!(
                "applicabilité indéterminée : renseigner l'identification ({})",
                unknown.join(", ")
            ),
        ));
    }
    let declared = answer.status.unwrap_or_default();
    if applies == Some(false) {
        result.status = Status::NonConcerne;
        result.origin = Origin::Automatic;
        if declared == DeclaredStatus::Renseigne && has_content(answer) {
            problems.push(problem(
                ind,
                Severity::Warning,
                None,
                "indicateur non concerné d'après l'identification : les saisies sont ignorées"
                    .into(),
            ));
        }
    } else if auto_nm == Some(true) {
        result.status = Status::NonMesurable;
        result.origin = Origin::Automatic;
    } else {
        match declared {
            DeclaredStatus::Renseigne => {}
            DeclaredStatus::NonConcerne if !ind.nc_allowed => problems.push(problem(
                ind,
                Severity::Error,
                Some("status"),
                "« non concerné » ne peut pas être déclaré pour cet indicateur".into(),
            )),
            DeclaredStatus::NonMesurable if !ind.nm_allowed => problems.push(problem(
                ind,
                Severity::Error,
                Some("status"),
                "« non mesurable » ne peut pas être déclaré pour cet indicateur".into(),
            )),
            DeclaredStatus::NonConcerne | DeclaredStatus::NonMesurable => {
                result.status = if declared == DeclaredStatus::NonConcerne {
                    Status::NonConcerne
                } else {
                    Status::NonMesurable
                };
                if answer.justification.trim().is_empty() {
                    problems.push(problem(
                        ind,
                        Severity::Warning,
                        Some("justification"),
                        format!("statut « {} » sans justification", result.status.label()),
                    ));
                }
            }
        }
    }
    check_answer_ids(ind, answer, problems);
    if result.status != Status::Renseigne {
        return (result, None);
    }

    // 2. Value and share.
    let share = match measure(catalog, ind, answers, answer, &mut result, problems) {
        Ok(share) => share,
        Err(Overflow) => {
            problems.push(problem(
                ind,
                Severity::Error,
                None,
                "valeurs trop grandes pour un calcul exact".into(),
            ));
            None
        }
    };
    if ind.role != Role::Information {
        for ev in &ind.evidence {
            if !answer.evidence.iter().any(|e| e == &ev.id) {
                problems.push(problem(
                    ind,
                    Severity::Warning,
                    Some(&format!("evidence.{}", ev.id)),
                    format!("élément de preuve non fourni : {}", ev.label),
                ));
            }
        }
    }
    result.complete = !problems[before..]
        .iter()
        .any(|p| matches!(p.severity, Severity::Error | Severity::Missing));
    result.share = share;
    (result, share)
}

fn has_content(answer: &IndicatorAnswer) -> bool {
    answer.inputs.values().any(|v| !v.is_null()) || !answer.criteria.is_empty()
}

/// Unknown input, criterion and evidence ids.
fn check_answer_ids(ind: &Indicator, answer: &IndicatorAnswer, problems: &mut Vec<Problem>) {
    for id in answer.inputs.keys() {
        if !ind.measure.has_input(id) {
            problems.push(problem(
                ind,
                Severity::Error,
                Some(id),
                format!("saisie inconnue « {id} » pour cet indicateur"),
            ));
        }
    }
    let criteria: &[Criterion] = match &ind.measure {
        Measure::Criteria { criteria } => criteria,
        _ => &[],
    };
    for id in answer.criteria.keys() {
        if !criteria.iter().any(|c| &c.id == id) {
            problems.push(problem(
                ind,
                Severity::Error,
                Some(id),
                format!("critère inconnu « {id} » pour cet indicateur"),
            ));
        }
    }
    for id in &answer.evidence {
        if !ind.evidence.iter().any(|e| &e.id == id) {
            problems.push(problem(
                ind,
                Severity::Error,
                Some("evidence"),
                format!("élément de preuve inconnu « {id} »"),
            ));
        }
    }
}

/// Reads one input. `Ok(None)` when it is missing (a Missing problem is
/// recorded unless `optional`); `Err(())` when invalid (an Error is recorded).
fn read_input(
    catalog: &Catalog,
    ind: &Indicator,
    input: InputRef<'_>,
    answers: &Answers,
    answer: &IndicatorAnswer,
    optional: bool,
    problems: &mut Vec<Problem>,
) -> Result<Option<Number>, ()> {
    let id = input.id();
    let label = input.label();
    let raw = answer.inputs.get(id).filter(|v| !v.is_null());
    let raw = match raw {
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => None,
        other => other,
    };
    let number = match raw {
        None => match input.prefill().and_then(|p| prefill(catalog, p, answers)) {
            Some(n) => n,
            None => {
                if !optional {
                    problems.push(problem(
                        ind,
                        Severity::Missing,
                        Some(id),
                        format!("« {label} » non renseigné"),
                    ));
                }
                return Ok(None);
            }
        },
        Some(serde_json::Value::Number(n)) => match Number::from_json(n) {
            Some(n) => n,
            None => {
                problems.push(problem(
                    ind,
                    Severity::Error,
                    Some(id),
                    format!("« {label} » : nombre hors limites ({n})"),
                ));
                return Err(());
            }
        },
        Some(serde_json::Value::String(s)) => match Number::parse(s) {
            Some(n) => n,
            None => {
                problems.push(problem(
                    ind,
                    Severity::Error,
                    Some(id),
                    format!("« {label} » : « {s} » n'est pas un nombre"),
                ));
                return Err(());
            }
        },
        Some(other) => {
            problems.push(problem(
                ind,
                Severity::Error,
                Some(id),
                format!("« {label} » : un nombre est attendu, pas {other}"),
            ));
            return Err(());
        }
    };
    let fr = || number.to_french_auto();
    let error = match input.unit() {
        _ if number.is_negative() => {
            Some(format!("« {label} » ne peut pas être négatif ({})", fr()))
        }
        Unit::Count if !number.is_integer() => {
            Some(format!("« {label} » doit être un nombre entier ({})", fr()))
        }
        Unit::Amount if number.round(2, RoundingMode::Down) != number => Some(format!(
            "« {label} » : au plus 2 décimales pour un montant ({})",
            fr()
        )),
        Unit::Percent if number > Number::HUNDRED => Some(format!(
            "« {label} » : un pourcentage ne dépasse pas 100 ({})",
            fr()
        )),
        _ => None,
    };
    match error {
        Some(message) => {
            problems.push(problem(ind, Severity::Error, Some(id), message));
            Err(())
        }
        None => Ok(Some(number)),
    }
}

/// The pre-filled value of an empty input whose `prefill` is `source`: an
/// identification answer, or the retained value of another indicator's input
/// (`indicator.input`, see [`crate::catalog::Input::prefill`]). `None` when
/// the source is empty or invalid. Adapters (the grid's cached values) call
/// this rather than repeating the rule.
pub fn prefill(catalog: &Catalog, source: &str, answers: &Answers) -> Option<Number> {
    if let Some((ind_id, input_id)) = source.split_once('.') {
        let other = catalog.indicator(ind_id)?;
        let input = other
            .measure
            .inputs()
            .into_iter()
            .find(|i| i.id() == input_id)?;
        // Validation forbids chains of indicator references; refusing them here
        // too keeps an unvalidated catalog from recursing without end.
        if input.prefill().is_some_and(|p| p.contains('.')) {
            return None;
        }
        let empty = IndicatorAnswer::default();
        let answer = answers.indicators.get(ind_id).unwrap_or(&empty);
        // The other input's own problems are reported on its own indicator.
        let mut ignored = Vec::new();
        return read_input(catalog, other, input, answers, answer, true, &mut ignored)
            .ok()
            .flatten();
    }
    let est = &answers.establishment;
    let n = |v: Option<u32>| v.map(|v| Number::int(v as i64));
    match source {
        "lits" => n(est.beds),
        "places" => n(est.places),
        "lits_et_places" => match (est.beds, est.places) {
            (None, None) => None,
            (b, p) => n(Some(b.unwrap_or(0) + p.unwrap_or(0))),
        },
        q => est
            .answers
            .get(q)
            .and_then(|v| v.as_u64())
            .map(|v| Number::int(v.min(i64::MAX as u64) as i64)),
    }
}

/// Reads several inputs; `Ok(None)` if any is missing or invalid.
fn read_all(
    catalog: &Catalog,
    ind: &Indicator,
    inputs: &[InputRef<'_>],
    answers: &Answers,
    answer: &IndicatorAnswer,
    problems: &mut Vec<Problem>,
) -> Option<Vec<Number>> {
    let mut out = Vec::with_capacity(inputs.len());
    let mut ok = true;
    for input in inputs {
        match read_input(catalog, ind, *input, answers, answer, false, problems) {
            Ok(Some(n)) => out.push(n),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

fn resolve_target(
    ind: &Indicator,
    target: &Target,
    answer: &IndicatorAnswer,
    problems: &mut Vec<Problem>,
) -> Option<Number> {
    if !target.personalised {
        return target.value;
    }
    match answer.target {
        None => {
            problems.push(problem(
                ind,
                Severity::Missing,
                Some("target"),
                "cible personnalisée de l'établissement non renseignée".into(),
            ));
            None
        }
        Some(t) if t.is_negative() => {
            problems.push(problem(
                ind,
                Severity::Error,
                Some("target"),
                "la cible personnalisée ne peut pas être négative".into(),
            ));
            None
        }
        Some(t) => Some(t),
    }
}

/// Computes the value, target and share of a renseigné indicator.
fn measure(
    catalog: &Catalog,
    ind: &Indicator,
    answers: &Answers,
    answer: &IndicatorAnswer,
    result: &mut IndicatorResult,
    problems: &mut Vec<Problem>,
) -> Result<Option<Number>, Overflow> {
    let mut applied_op = ind.measure.target().map(|t| t.op).unwrap_or(Op::AtLeast);
    // Numerator alone: the most the rate could score in the worst case (see `numerator_only_cap`).
    let mut cap: Option<(Number, &str)> = None;
    let (value, target, scoring) = match &ind.measure {
        Measure::Rate {
            numerator,
            denominator,
            target,
            scoring,
            numerator_only,
            numerator_may_exceed,
        } => {
            let num = read_input(
                catalog,
                ind,
                InputRef::Input(numerator),
                answers,
                answer,
                false,
                problems,
            );
            let den = read_input(
                catalog,
                ind,
                InputRef::Input(denominator),
                answers,
                answer,
                numerator_only.is_some(),
                problems,
            );
            match (num, den, numerator_only) {
                (Ok(Some(n)), Ok(None), Some(no)) => {
                    result.unit = Some(Unit::Count);
                    applied_op = no.target.op;
                    let rate_target = resolve_target(ind, target, answer, &mut Vec::new());
                    let c = numerator_only_cap(
                        n,
                        *numerator_may_exceed,
                        target.op,
                        rate_target,
                        scoring,
                    )?;
                    cap = Some((c, denominator.id.as_str()));
                    (
                        Some(n),
                        resolve_target(ind, &no.target, answer, problems),
                        &no.scoring,
                    )
                }
                (Ok(Some(n)), Ok(Some(d)), _) => {
                    result.unit = Some(Unit::Percent);
                    let t = resolve_target(ind, target, answer, problems);
                    if d.is_zero() {
                        problems.push(problem(
                            ind,
                            Severity::Error,
                            Some(&denominator.id),
                            format!(
                                "« {} » vaut 0 : taux non calculable (déclarer l'indicateur non concerné si c'est le cas)",
                                denominator.label
                            ),
                        ));
                        (None, t, scoring)
                    } else if n > d && !numerator_may_exceed {
                        problems.push(problem(
                            ind,
                            Severity::Error,
                            Some(&numerator.id),
                            format!(
                                "le numérateur ({}) est supérieur au dénominateur ({})",
                                n.to_french_auto(),
                                d.to_french_auto()
                            ),
                        ));
                        (None, t, scoring)
                    } else {
                        (Some(n.div(d)?.mul(Number::HUNDRED)?), t, scoring)
                    }
                }
                _ => {
                    result.unit = Some(Unit::Percent);
                    (None, resolve_target(ind, target, answer, problems), scoring)
                }
            }
        }
        Measure::Evolution {
            previous,
            current,
            target,
            scoring,
        } => {
            result.unit = Some(Unit::Percent);
            let values = read_all(
                catalog,
                ind,
                &[InputRef::Input(previous), InputRef::Input(current)],
                answers,
                answer,
                problems,
            );
            let t = resolve_target(ind, target, answer, problems);
            let value = match values.as_deref() {
                Some([p, c]) if p.is_zero() => {
                    problems.push(problem(
                        ind,
                        Severity::Error,
                        Some(&previous.id),
                        format!("« {} » vaut 0 : évolution non calculable", previous.label),
                    ));
                    let _ = c;
                    None
                }
                Some([p, c]) => Some(c.sub(*p)?.div(*p)?.mul(Number::HUNDRED)?),
                _ => None,
            };
            (value, t, scoring)
        }
        Measure::Count {
            terms,
            target,
            scoring,
        } => {
            result.unit = Some(Unit::Count);
            let refs: Vec<InputRef<'_>> = terms.iter().map(InputRef::Term).collect();
            let values = read_all(catalog, ind, &refs, answers, answer, problems);
            let t = resolve_target(ind, target, answer, problems);
            let value = match values {
                Some(vs) => {
                    let mut sum = Number::ZERO;
                    for (term, v) in terms.iter().zip(vs) {
                        sum = sum.add(v.mul(term.weight)?)?;
                    }
                    Some(sum)
                }
                None => None,
            };
            (value, t, scoring)
        }
        Measure::Distribution {
            total,
            parts,
            counted,
            excluded,
            excluded_counted,
            target,
            scoring,
        } => {
            result.unit = Some(Unit::Percent);
            let t = resolve_target(ind, target, answer, problems);
            let mut refs = vec![InputRef::Input(total)];
            refs.extend(parts.iter().map(InputRef::Input));
            let main = read_all(catalog, ind, &refs, answers, answer, problems);
            let ex = match excluded {
                Some(e) => read_input(
                    catalog,
                    ind,
                    InputRef::Input(e),
                    answers,
                    answer,
                    false,
                    problems,
                ),
                None => Ok(Some(Number::ZERO)),
            };
            let exc = match excluded_counted {
                Some(e) => read_input(
                    catalog,
                    ind,
                    InputRef::Input(e),
                    answers,
                    answer,
                    false,
                    problems,
                ),
                None => Ok(Some(Number::ZERO)),
            };
            let value = match (main, ex, exc) {
                (Some(vs), Ok(Some(ex)), Ok(Some(exc))) => {
                    distribution_value(ind, &vs, parts, counted, ex, exc, problems)?
                }
                _ => None,
            };
            (value, t, scoring)
        }
        Measure::Criteria { criteria } => {
            let mut met = Number::ZERO;
            let mut all = Number::ZERO;
            let mut missing = Vec::new();
            for c in criteria {
                all = all.add(c.points)?;
                match answer.criteria.get(&c.id) {
                    Some(true) => met = met.add(c.points)?,
                    Some(false) => {}
                    None => missing.push(c.label.as_str()),
                }
            }
            for label in &missing {
                problems.push(problem(
                    ind,
                    Severity::Missing,
                    Some("criteria"),
                    format!("critère non renseigné (oui / non) : {label}"),
                ));
            }
            result.value = Some(met);
            result.target = Some(all);
            result.met = Some(met == all);
            if !missing.is_empty() {
                return Ok(Some(Number::ZERO));
            }
            let share = if all.is_zero() {
                Number::ZERO
            } else {
                met.div(all)?
            };
            return Ok(Some(normalise_share(share)));
        }
        Measure::Information { inputs } => {
            let mut values = Vec::new();
            for input in inputs {
                if let Ok(Some(v)) = read_input(
                    catalog,
                    ind,
                    InputRef::Input(input),
                    answers,
                    answer,
                    true,
                    problems,
                ) {
                    values.push(v);
                }
            }
            if inputs.len() == 1 {
                result.value = values.first().copied();
            }
            return Ok(None);
        }
    };
    let value = match (value, catalog.campaign.value_decimals) {
        (Some(v), Some(d)) => Some(v.round(d, RoundingMode::HalfUp)),
        _ => value,
    };
    result.value = value;
    result.target = target;
    let (Some(v), Some(t)) = (value, target) else {
        return Ok(Some(Number::ZERO));
    };
    let op = applied_op;
    let met = match op {
        Op::AtLeast => v >= t,
        Op::AtMost => v <= t,
    };
    result.met = Some(met);
    let mut share = share_of(v, t, op, scoring)?;
    if let Some((cap, field)) = cap.filter(|(c, _)| *c < share) {
        share = cap;
        problems.push(problem(
            ind,
            Severity::Warning,
            Some(field),
            format!(
                "dénominateur non renseigné : la part des points est limitée à celle du taux le moins favorable ({} %), pour que le numérateur seul ne rapporte jamais plus que le taux calculé",
                cap.mul(Number::HUNDRED)?.to_french_auto()
            ),
        ));
    }
    Ok(Some(normalise_share(share)))
}

/// The share of the points that `scoring` gives to value `v` against target `t`.
fn share_of(v: Number, t: Number, op: Op, scoring: &Scoring) -> Result<Number, Overflow> {
    let met = match op {
        Op::AtLeast => v >= t,
        Op::AtMost => v <= t,
    };
    if met {
        return Ok(Number::ONE);
    }
    Ok(match scoring {
        Scoring::AllOrNothing => Number::ZERO,
        Scoring::Linear { floor } => {
            let f = floor.unwrap_or(Number::ZERO);
            let span = t.sub(f)?;
            if span.is_zero() || (op == Op::AtLeast) != (span > Number::ZERO) {
                Number::ZERO
            } else {
                v.sub(f)?.div(span)?.clamp(Number::ZERO, Number::ONE)
            }
        }
        Scoring::Tiers { tiers } => {
            let mut best = Number::ZERO;
            for tier in tiers {
                let reached = match op {
                    Op::AtLeast => v >= tier.from,
                    Op::AtMost => v <= tier.from,
                };
                if reached {
                    best = best.max(tier.share.div(Number::HUNDRED)?);
                }
            }
            best
        }
    })
}

/// The most a rate may score when only its numerator `n` is given: the
/// share of its least favourable possible rate, so that withholding the
/// denominator never scores more than filling it. With a denominator `d`
/// (`d ≥ n`, or `d ≥ 1` when the numerator may exceed it) the rate lies in
/// `]0, 100]` (or `]0, 100 × n]`); every scoring is monotone in the rate, so
/// the worst share is at one end. An unknown rate target gives 0.
fn numerator_only_cap(
    n: Number,
    may_exceed: bool,
    op: Op,
    rate_target: Option<Number>,
    scoring: &Scoring,
) -> Result<Number, Overflow> {
    let Some(t) = rate_target else {
        return Ok(Number::ZERO);
    };
    let highest = if may_exceed {
        n.max(Number::ONE).mul(Number::HUNDRED)?
    } else {
        Number::HUNDRED
    };
    Ok(share_of(Number::ZERO, t, op, scoring)?.min(share_of(highest, t, op, scoring)?))
}

fn distribution_value(
    ind: &Indicator,
    values: &[Number],
    parts: &[Input],
    counted: &[String],
    excluded: Number,
    excluded_counted: Number,
    problems: &mut Vec<Problem>,
) -> Result<Option<Number>, Overflow> {
    let total = values[0];
    let mut sum = Number::ZERO;
    let mut counted_sum = Number::ZERO;
    for (part, v) in parts.iter().zip(&values[1..]) {
        sum = sum.add(*v)?;
        if counted.contains(&part.id) {
            counted_sum = counted_sum.add(*v)?;
        }
    }
    let mut ok = true;
    if sum != total {
        let labels: Vec<&str> = parts.iter().map(|p| p.label.as_str()).collect();
        problems.push(problem(
            ind,
            Severity::Error,
            Some("parts"),
            format!(
                "la somme des parties ({}) ne correspond pas au total ({}) : {} doivent totaliser le total",
                sum.to_french_auto(),
                total.to_french_auto(),
                labels.join(" + ")
            ),
        ));
        ok = false;
    }
    if excluded > total {
        problems.push(problem(
            ind,
            Severity::Error,
            Some("excluded"),
            format!(
                "les unités exclues ({}) dépassent le total ({})",
                excluded.to_french_auto(),
                total.to_french_auto()
            ),
        ));
        ok = false;
    }
    if excluded_counted > excluded || excluded_counted > counted_sum {
        problems.push(problem(
            ind,
            Severity::Error,
            Some("excluded_counted"),
            "les unités exclues comptées dépassent les unités exclues ou les unités comptées"
                .into(),
        ));
        ok = false;
    }
    let den = total.sub(excluded)?;
    if ok && den.is_zero() {
        problems.push(problem(
            ind,
            Severity::Error,
            Some("total"),
            "aucune unité hors exclusions : taux non calculable".into(),
        ));
        ok = false;
    }
    if !ok {
        return Ok(None);
    }
    Ok(Some(
        counted_sum
            .sub(excluded_counted)?
            .div(den)?
            .mul(Number::HUNDRED)?,
    ))
}

/// Shares with small denominators stay exact; others are rounded to 10⁻⁹.
fn normalise_share(share: Number) -> Number {
    let (_, den) = share.parts();
    if den <= 1000 {
        share
    } else {
        share.round(9, RoundingMode::HalfUp)
    }
}

#[derive(Default)]
struct Totals {
    volets: Vec<VoletResult>,
    score: Option<Number>,
    bonus: Number,
    total: Option<Number>,
}

/// Redistribution, per-volet and total scores.
fn aggregate(
    catalog: &Catalog,
    results: &mut [IndicatorResult],
    shares: &[Option<Number>],
) -> Result<Totals, Overflow> {
    let mut base = Number::ZERO;
    let mut applicable = Number::ZERO;
    let mut n_applicable = 0i64;
    for r in results.iter() {
        if r.role == Role::Scored {
            base = base.add(r.max_points)?;
            if r.status == Status::Renseigne {
                applicable = applicable.add(r.max_points)?;
                n_applicable += 1;
            }
        }
    }
    let freed = base.sub(applicable)?;
    let mut earned_sum = Number::ZERO;
    let mut bonus_sum = Number::ZERO;
    for (r, share) in results.iter_mut().zip(shares) {
        if r.status != Status::Renseigne {
            continue;
        }
        let share = share.unwrap_or(Number::ZERO);
        match r.role {
            Role::Information => {}
            Role::Bonus => {
                r.weight = r.max_points;
                r.points = r.max_points.mul(share)?;
                bonus_sum = bonus_sum.add(r.points)?;
            }
            Role::Scored => {
                r.weight = match catalog.campaign.redistribution {
                    Redistribution::Proportional => r.max_points.mul(base)?.div(applicable)?,
                    Redistribution::Equal => {
                        r.max_points.add(freed.div(Number::int(n_applicable))?)?
                    }
                };
                r.points = r.weight.mul(share)?;
                earned_sum = earned_sum.add(r.points)?;
            }
        }
    }
    let scale = catalog.campaign.scale;
    let score = if n_applicable == 0 || base.is_zero() {
        None
    } else {
        Some(earned_sum.mul(scale)?.div(base)?)
    };
    let bonus = bonus_sum.min(catalog.campaign.bonus_max);
    let total = match score {
        Some(s) if catalog.campaign.cap_total_at_scale => Some(s.add(bonus)?.min(scale)),
        Some(s) => Some(s.add(bonus)?),
        None => None,
    };
    let mut volets = Vec::with_capacity(catalog.volets.len());
    for v in &catalog.volets {
        let mut weight = Number::ZERO;
        let mut points = Number::ZERO;
        let mut vbonus = Number::ZERO;
        for r in results.iter().filter(|r| r.volet == v.id) {
            match r.role {
                Role::Scored => {
                    weight = weight.add(r.weight)?;
                    points = points.add(r.points)?;
                }
                Role::Bonus => vbonus = vbonus.add(r.points)?,
                Role::Information => {}
            }
        }
        let vscore = if weight.is_zero() {
            None
        } else {
            Some(points.div(weight)?.mul(Number::HUNDRED)?)
        };
        volets.push(VoletResult {
            id: v.id.clone(),
            title: v.title.clone(),
            weight,
            points,
            bonus: vbonus,
            score: vscore,
        });
    }
    Ok(Totals {
        volets,
        score,
        bonus,
        total,
    })
}
