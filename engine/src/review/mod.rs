//! The agency's review: from the self-assessed answers to the official ones.
//!
//! An ARS evaluator reviews each submission and takes **decisions**, one per
//! field of an indicator (`status`, `inputs.<id>`, `criteria.<id>`,
//! `evidence.<id>`, `target`), each with the retained value and a motif. The
//! agency's data file (figures « fournis par l'ARS » or by the Assurance
//! Maladie) gives decisions of origin [`AdjustmentOrigin::Donnees`].
//! [`apply_review`] turns the answers and the decisions into the official
//! answers and the list of [`Adjustment`]s; the official evaluation is then
//! [`crate::evaluate`] on those answers: one engine, no second scoring path.
//!
//! Rules (documented for the agency in `README.md`):
//! - every decision is checked against the catalog (indicator, field, unit,
//!   range); every error is reported at once, and nothing is applied then;
//! - a decision equal to the self-assessed value makes no adjustment, so
//!   applying a review twice equals applying it once;
//! - two decisions of the same origin on the same field with different values
//!   contradict each other (error); an `ars` decision overrides agency data
//!   (`donnees`) on the same field: the evaluator corrects the data;
//! - a decision of the evaluator on an indicator that is automatically non
//!   concerné (or non mesurable) from the identification is an error; agency
//!   data for such an indicator is ignored (the data file covers the region);
//! - a refused NC/NM is the decision `status = renseigne`: the indicator is
//!   then scored on the values retained by the other decisions (or those the
//!   establishment typed), exactly as if the establishment had answered so;
//!   missing values are the evaluation's usual « non renseigné » problems;
//! - when the agency sets an indicator non concerné / non mesurable and the
//!   establishment gave no justification, the motif becomes the justification.

mod response;
mod table;

pub use response::{parse_response_csv, write_response_csv, Reponse, ResponseRow};
pub use table::{parse_agency_data, parse_review_csv, AgencyDataRow, ReviewRow, TableError};

use crate::answers::{Answers, DeclaredStatus, IndicatorAnswer};
use crate::catalog::{Catalog, Indicator, InputRef, Measure, Unit};
use crate::evaluate::selector_matches;
use crate::number::{Number, RoundingMode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where an adjustment comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentOrigin {
    /// A decision of the agency's evaluator.
    Ars,
    /// A figure of the agency's data file (ARS or Assurance Maladie).
    Donnees,
}

impl AdjustmentOrigin {
    /// French label: « décision ARS » / « données ».
    pub fn label(self) -> &'static str {
        match self {
            AdjustmentOrigin::Ars => "décision ARS",
            AdjustmentOrigin::Donnees => "données",
        }
    }
}

/// One decision of the agency on one field of one indicator of one establishment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Indicator id.
    pub indicator: String,
    /// As in `Problem` fields: `status`, `inputs.<id>`, `criteria.<id>`, `evidence.<id>`, `target`.
    pub field: String,
    /// Retained value as typed by the agency (French habits accepted):
    /// numbers "84,5" / "84.5" / "85 %", booleans "oui"/"non" (also
    /// "vrai"/"faux", "true"/"false", "1"/"0"), status "renseigne"/"renseigné",
    /// "non_concerne"/"non concerné"/"NC", "non_mesurable"/"non mesurable"/"NM";
    /// evidence "oui"/"non" (provided or not); "" clears an input/target.
    pub value: String,
    /// Required (non-blank) for origin Ars. For Donnees the data loader fills
    /// e.g. « donnée fournie par l'ARS ».
    pub motif: String,
    /// Evaluator's decision or agency data.
    pub origin: AdjustmentOrigin,
}

/// One change the review made to the answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Adjustment {
    /// Indicator id.
    pub indicator: String,
    /// Field, as in [`Decision::field`].
    pub field: String,
    /// Self-assessed value (null when absent); numbers as JSON numbers when
    /// exact, else strings; statuses as `renseigne` / `non_concerne` /
    /// `non_mesurable`; criteria and evidence as booleans.
    pub from: serde_json::Value,
    /// Official value, same representation.
    pub to: serde_json::Value,
    /// Motif of the decision.
    pub motif: String,
    /// Evaluator's decision or agency data.
    pub origin: AdjustmentOrigin,
}

/// The official answers and what changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Official {
    /// The answers as retained by the agency: score them with [`crate::evaluate`].
    pub answers: Answers,
    /// Every change from the self-assessed answers, in catalog order of the
    /// indicators, then by field.
    pub adjustments: Vec<Adjustment>,
}

/// A decision that cannot be applied. Display is French and names indicator and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("décision n° {}, indicateur « {indicator} », champ « {field} » : {message}", decision + 1)]
pub struct ReviewError {
    /// Index of the decision in the slice given to [`apply_review`].
    pub decision: usize,
    /// Indicator id as written in the decision.
    pub indicator: String,
    /// Field as written in the decision.
    pub field: String,
    /// French message.
    pub message: String,
}

/// A field of an indicator, resolved against the catalog.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Field {
    Status,
    Input(String),
    Criterion(String),
    Evidence(String),
    Target,
}

impl Field {
    fn path(&self) -> String {
        match self {
            Field::Status => "status".into(),
            Field::Input(id) => format!("inputs.{id}"),
            Field::Criterion(id) => format!("criteria.{id}"),
            Field::Evidence(id) => format!("evidence.{id}"),
            Field::Target => "target".into(),
        }
    }
}

/// A retained value, parsed against the field's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retained {
    Status(DeclaredStatus),
    /// An input or target; `None` clears it.
    Number(Option<Number>),
    /// A criterion met or not, an élément de preuve provided or not.
    Bool(bool),
}

/// A checked decision.
#[derive(Debug, Clone)]
struct Checked {
    index: usize,
    field: Field,
    value: Retained,
    motif: String,
    origin: AdjustmentOrigin,
}

/// Applies the decisions to the self-assessed answers. All errors at once; no
/// partial result on error. Decisions equal to the current value produce no
/// adjustment (so applying twice == once).
///
/// ```
/// # let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../indicators/na-ako.toml")).unwrap();
/// # let catalogs = caqes_engine::load_catalogs("na-ako.toml", &src).unwrap();
/// use caqes_engine::{apply_review, AdjustmentOrigin, Answers, Decision};
/// let catalog = catalogs.iter().find(|c| c.campaign.id == "na-ako-2022").unwrap();
/// let answers = Answers::from_json(r#"{"catalog": "na-ako-2022",
///   "indicators": {"ir-cho-2": {"criteria": {"programme": true}}}}"#).unwrap();
/// let refused = Decision {
///     indicator: "ir-cho-2".into(), field: "criteria.programme".into(), value: "non".into(),
///     motif: "programme non transmis".into(), origin: AdjustmentOrigin::Ars,
/// };
/// let official = apply_review(catalog, &answers, &[refused]).unwrap();
/// assert!(!official.answers.indicators["ir-cho-2"].criteria["programme"]);
/// assert_eq!(official.adjustments[0].from, serde_json::json!(true));
/// ```
pub fn apply_review(
    catalog: &Catalog,
    answers: &Answers,
    decisions: &[Decision],
) -> Result<Official, Vec<ReviewError>> {
    let mut errors = Vec::new();
    // (indicator id, field) → effective decision.
    let mut effective: BTreeMap<(usize, Field), Checked> = BTreeMap::new();
    for (index, decision) in decisions.iter().enumerate() {
        let error = |message: String| ReviewError {
            decision: index,
            indicator: decision.indicator.clone(),
            field: decision.field.clone(),
            message,
        };
        let Some(position) = catalog
            .indicators
            .iter()
            .position(|i| i.id == decision.indicator.trim())
        else {
            errors.push(error(format!(
                "indicateur inconnu dans le référentiel « {} »",
                catalog.campaign.id
            )));
            continue;
        };
        let ind = &catalog.indicators[position];
        let checked = match check(catalog, ind, answers, index, decision) {
            Ok(Some(c)) => c,
            Ok(None) => continue,
            Err(messages) => {
                errors.extend(messages.into_iter().map(error));
                continue;
            }
        };
        let key = (position, checked.field.clone());
        match effective.get(&key) {
            None => {
                effective.insert(key, checked);
            }
            Some(previous) if previous.origin != checked.origin => {
                // The evaluator's decision overrides the agency's data.
                if checked.origin == AdjustmentOrigin::Ars {
                    effective.insert(key, checked);
                }
            }
            Some(previous) if previous.value != checked.value => {
                errors.push(error(format!(
                    "décision contradictoire avec la décision n° {} sur le même champ",
                    previous.index + 1
                )));
            }
            Some(_) => {}
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.decision);
        return Err(errors);
    }
    let mut official = answers.clone();
    let mut adjustments = Vec::new();
    for ((position, _), checked) in effective {
        let ind = &catalog.indicators[position];
        if let Some(adjustment) = apply_one(ind, &mut official, checked) {
            adjustments.push(adjustment);
        }
    }
    Ok(Official {
        answers: official,
        adjustments,
    })
}

/// Checks one decision; `Ok(None)` when it is agency data to ignore (indicator
/// automatically non concerné or non mesurable for this establishment).
fn check(
    catalog: &Catalog,
    ind: &Indicator,
    answers: &Answers,
    index: usize,
    decision: &Decision,
) -> Result<Option<Checked>, Vec<String>> {
    let mut messages = Vec::new();
    let field = parse_field(ind, decision.field.trim());
    if decision.origin == AdjustmentOrigin::Ars && decision.motif.trim().is_empty() {
        messages.push("motif obligatoire pour une décision de l'ARS".to_string());
    }
    if let Some(automatic) = automatic_status(catalog, ind, answers) {
        if decision.origin == AdjustmentOrigin::Donnees {
            return Ok(None);
        }
        messages.push(format!(
            "l'indicateur est automatiquement {automatic} pour cet établissement d'après son identification : aucune décision ne peut s'y appliquer"
        ));
    }
    let field = match field {
        Ok(f) => f,
        Err(m) => {
            messages.push(m);
            return Err(messages);
        }
    };
    match parse_value(ind, &field, &decision.value) {
        Ok(value) if messages.is_empty() => Ok(Some(Checked {
            index,
            field,
            value,
            motif: decision.motif.trim().to_string(),
            origin: decision.origin,
        })),
        Ok(_) => Err(messages),
        Err(m) => {
            messages.push(m);
            Err(messages)
        }
    }
}

/// « non concerné » / « non mesurable » when the catalog sets it from the identification.
fn automatic_status(catalog: &Catalog, ind: &Indicator, answers: &Answers) -> Option<&'static str> {
    let mut unknown = Vec::new();
    if selector_matches(catalog, &ind.applies_to, answers, &mut unknown) == Some(false) {
        return Some("non concerné");
    }
    let nm = ind
        .not_measurable_for
        .as_ref()
        .and_then(|s| selector_matches(catalog, s, answers, &mut unknown));
    (nm == Some(true)).then_some("non mesurable")
}

/// Resolves a field path against the indicator.
fn parse_field(ind: &Indicator, field: &str) -> Result<Field, String> {
    let expected =
        "champs possibles : status, inputs.<saisie>, criteria.<critère>, evidence.<preuve>, target";
    match field.split_once('.') {
        None if field == "status" => Ok(Field::Status),
        None if field == "target" => match target_unit(ind) {
            Some(_) => Ok(Field::Target),
            None => Err("cet indicateur n'a pas de cible propre à l'établissement".into()),
        },
        Some(("inputs", id)) => {
            if ind.measure.has_input(id) {
                Ok(Field::Input(id.to_string()))
            } else {
                Err(format!(
                    "saisie inconnue « {id} » ; saisies de l'indicateur : {}",
                    list(ind.measure.inputs().iter().map(|i| i.id().to_string()))
                ))
            }
        }
        Some(("criteria", id)) => match &ind.measure {
            Measure::Criteria { criteria } if criteria.iter().any(|c| c.id == id) => {
                Ok(Field::Criterion(id.to_string()))
            }
            Measure::Criteria { criteria } => Err(format!(
                "critère inconnu « {id} » ; critères de l'indicateur : {}",
                list(criteria.iter().map(|c| c.id.clone()))
            )),
            _ => Err("cet indicateur n'a pas de critères qualitatifs".into()),
        },
        Some(("evidence", id)) => {
            if ind.evidence.iter().any(|e| e.id == id) {
                Ok(Field::Evidence(id.to_string()))
            } else if ind.evidence.is_empty() {
                Err("cet indicateur n'a pas d'élément de preuve".into())
            } else {
                Err(format!(
                    "élément de preuve inconnu « {id} » ; éléments de l'indicateur : {}",
                    list(ind.evidence.iter().map(|e| e.id.clone()))
                ))
            }
        }
        _ => Err(format!("champ inconnu ; {expected}")),
    }
}

fn list(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        "aucune".into()
    } else {
        items.join(", ")
    }
}

/// Unit of the establishment's personalised target, when it has one.
fn target_unit(ind: &Indicator) -> Option<Unit> {
    if let Some(t) = ind.measure.target().filter(|t| t.personalised) {
        return Some(t.unit);
    }
    match &ind.measure {
        Measure::Rate {
            numerator_only: Some(no),
            ..
        } if no.target.personalised => Some(no.target.unit),
        _ => None,
    }
}

/// Parses the retained value against the field's kind.
fn parse_value(ind: &Indicator, field: &Field, value: &str) -> Result<Retained, String> {
    let value = value.trim();
    match field {
        Field::Status => parse_status(ind, value).map(Retained::Status),
        Field::Criterion(_) | Field::Evidence(_) => parse_bool(value)
            .map(Retained::Bool)
            .ok_or_else(|| format!("« {value} » : oui ou non attendu")),
        Field::Input(id) => {
            let input = ind
                .measure
                .inputs()
                .into_iter()
                .find(|i| i.id() == id)
                .ok_or_else(|| format!("saisie inconnue « {id} »"))?;
            parse_number(value, input.unit(), input.label(), false).map(Retained::Number)
        }
        Field::Target => {
            let unit = target_unit(ind).unwrap_or(Unit::Percent);
            let may_exceed = matches!(
                ind.measure,
                Measure::Rate {
                    numerator_may_exceed: true,
                    ..
                }
            );
            parse_number(value, unit, "cible", may_exceed).map(Retained::Number)
        }
    }
}

/// Strips accents, case, spaces and underscores for matching French words.
fn fold(text: &str) -> String {
    crate::text::lowercase_fr(text.trim())
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '\u{a0}'))
        .map(|c| match c {
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'à' | 'â' => 'a',
            'î' | 'ï' => 'i',
            'ô' => 'o',
            'ù' | 'û' => 'u',
            'ç' => 'c',
            c => c,
        })
        .collect()
}

fn parse_status(ind: &Indicator, value: &str) -> Result<DeclaredStatus, String> {
    let status = match fold(value).as_str() {
        "renseigne" => DeclaredStatus::Renseigne,
        "nonconcerne" | "nc" => DeclaredStatus::NonConcerne,
        "nonmesurable" | "nm" => DeclaredStatus::NonMesurable,
        _ => {
            return Err(format!(
                "statut « {value} » inconnu : renseigné, non concerné (NC) ou non mesurable (NM) attendu"
            ))
        }
    };
    match status {
        DeclaredStatus::NonConcerne if !ind.nc_allowed => {
            Err("« non concerné » ne peut pas être retenu pour cet indicateur".into())
        }
        DeclaredStatus::NonMesurable if !ind.nm_allowed => {
            Err("« non mesurable » ne peut pas être retenu pour cet indicateur".into())
        }
        s => Ok(s),
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match fold(value).as_str() {
        "oui" | "vrai" | "true" | "1" | "o" => Some(true),
        "non" | "faux" | "false" | "0" | "n" => Some(false),
        _ => None,
    }
}

/// Parses a number of the given unit with the engine's range rules
/// (`read_input`): never negative, a count is whole, an amount has at most two
/// decimals, a percentage is at most 100 unless `may_exceed`. "" clears.
fn parse_number(
    value: &str,
    unit: Unit,
    label: &str,
    may_exceed: bool,
) -> Result<Option<Number>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    let (body, written) = if let Some(b) = value.strip_suffix('%') {
        (b, Some(Unit::Percent))
    } else if let Some(b) = value.strip_suffix('€') {
        (b, Some(Unit::Amount))
    } else {
        (value, None)
    };
    if let Some(written) = written {
        if written != unit {
            return Err(format!(
                "« {label} » : unité incorrecte dans « {value} » ({} attendu)",
                unit.label()
            ));
        }
    }
    let number = Number::parse(body)
        .ok_or_else(|| format!("« {label} » : « {value} » n'est pas un nombre"))?;
    let fr = number.to_french_auto();
    if number.is_negative() {
        return Err(format!("« {label} » ne peut pas être négatif ({fr})"));
    }
    match unit {
        Unit::Count if !number.is_integer() => {
            Err(format!("« {label} » doit être un nombre entier ({fr})"))
        }
        Unit::Amount if number.round(2, RoundingMode::Down) != number => Err(format!(
            "« {label} » : au plus 2 décimales pour un montant ({fr})"
        )),
        Unit::Percent if number > Number::HUNDRED && !may_exceed => Err(format!(
            "« {label} » : un pourcentage ne dépasse pas 100 ({fr})"
        )),
        _ => Ok(Some(number)),
    }
}

/// A number as JSON: a JSON number when that is exact, else its decimal text.
fn number_json(n: Number) -> serde_json::Value {
    if let Ok(v) = serde_json::to_value(n) {
        let back = match &v {
            serde_json::Value::Number(j) => Number::from_json(j),
            _ => None,
        };
        if back == Some(n) {
            return v;
        }
    }
    serde_json::Value::String(n.to_decimal_string(12))
}

fn status_json(s: DeclaredStatus) -> serde_json::Value {
    serde_json::to_value(s).unwrap_or(serde_json::Value::Null)
}

/// The value of an input as typed, as a number when it is one.
fn input_number(raw: Option<&serde_json::Value>) -> Option<Number> {
    match raw? {
        serde_json::Value::Number(n) => Number::from_json(n),
        serde_json::Value::String(s) => Number::parse(s),
        _ => None,
    }
}

/// Whether an input holds nothing (absent, null or blank text).
fn input_is_empty(raw: Option<&serde_json::Value>) -> bool {
    match raw {
        None | Some(serde_json::Value::Null) => true,
        Some(serde_json::Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

/// Applies one checked decision; the adjustment when it changed something.
fn apply_one(ind: &Indicator, answers: &mut Answers, checked: Checked) -> Option<Adjustment> {
    let empty = IndicatorAnswer::default();
    let current = answers.indicators.get(ind.id.as_str()).unwrap_or(&empty);
    let (from, to) = match (&checked.field, checked.value) {
        (Field::Status, Retained::Status(s)) => {
            let before = current.status.unwrap_or_default();
            (before != s).then(|| (status_json(before), status_json(s)))?
        }
        (Field::Input(id), Retained::Number(n)) => {
            let raw = current.inputs.get(id);
            let same = match n {
                None => input_is_empty(raw),
                Some(n) => !input_is_empty(raw) && input_number(raw) == Some(n),
            };
            if same {
                return None;
            }
            // A number typed as text (« 84,5 ») is reported as a number.
            let from = match input_number(raw) {
                Some(n) => number_json(n),
                None => raw.cloned().unwrap_or(serde_json::Value::Null),
            };
            (from, n.map(number_json).unwrap_or(serde_json::Value::Null))
        }
        (Field::Criterion(id), Retained::Bool(b)) => {
            let before = current.criteria.get(id).copied();
            if before == Some(b) {
                return None;
            }
            (serde_json::json!(before), serde_json::json!(b))
        }
        (Field::Evidence(id), Retained::Bool(b)) => {
            let before = current.evidence.iter().any(|e| e == id);
            if before == b {
                return None;
            }
            (serde_json::json!(before), serde_json::json!(b))
        }
        (Field::Target, Retained::Number(n)) => {
            if current.target == n {
                return None;
            }
            let j = |v: Option<Number>| v.map(number_json).unwrap_or(serde_json::Value::Null);
            (j(current.target), j(n))
        }
        _ => return None,
    };
    let answer = answers.indicators.entry(ind.id.to_string()).or_default();
    match (&checked.field, checked.value) {
        (Field::Status, Retained::Status(s)) => {
            answer.status = Some(s);
            if s != DeclaredStatus::Renseigne && answer.justification.trim().is_empty() {
                answer.justification = checked.motif.clone();
            }
        }
        (Field::Input(id), Retained::Number(n)) => match n {
            Some(n) => {
                answer.inputs.insert(id.clone(), number_json(n));
            }
            None => {
                answer.inputs.remove(id);
            }
        },
        (Field::Criterion(id), Retained::Bool(b)) => {
            answer.criteria.insert(id.clone(), b);
        }
        (Field::Evidence(id), Retained::Bool(b)) => {
            if b {
                answer.evidence.push(id.clone());
            } else {
                answer.evidence.retain(|e| e != id);
            }
            // Catalog order, unknown ids last: the result does not depend on
            // the order of the decisions.
            let rank = |e: &String| {
                ind.evidence
                    .iter()
                    .position(|x| &x.id == e)
                    .unwrap_or(usize::MAX)
            };
            answer.evidence.sort_by_key(rank);
        }
        (Field::Target, Retained::Number(n)) => answer.target = n,
        _ => {}
    }
    Some(Adjustment {
        indicator: ind.id.to_string(),
        field: checked.field.path(),
        from,
        to,
        motif: checked.motif,
        origin: checked.origin,
    })
}

/// The input of an indicator with this id, for adapters.
pub(crate) fn find_input<'a>(ind: &'a Indicator, id: &str) -> Option<InputRef<'a>> {
    ind.measure.inputs().into_iter().find(|i| i.id() == id)
}

#[cfg(test)]
mod tests;
