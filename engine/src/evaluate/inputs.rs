//! Reading an indicator's answer: inputs (with validation and pre-fill),
//! personalised targets, unknown ids.

use super::context::Ctx;
use super::merge::merge;
use crate::answers::{Answers, IndicatorAnswer};
use crate::catalog::*;
use crate::number::{Number, RoundingMode};

/// The value of each input of `ind` in `answer`, in `slots`, by
/// [`merge`] with the index's `order` (see [`crate::catalog::CatalogIndex`]).
/// Returns whether every key of the answer is an input of the indicator.
/// When the order no longer sorts the ids, `slots` is left empty (inputs are
/// then looked up by id) and `false` is returned (ids are then checked one by one).
pub(super) fn fill_slots<'a>(
    ind: &'a Indicator,
    order: Option<&[u32]>,
    answer: &'a IndicatorAnswer,
    slots: &mut Vec<(InputRef<'a>, Option<&'a serde_json::Value>)>,
) -> bool {
    slots.clear();
    let Some(order) = order else {
        return false;
    };
    let item = |j: usize| ind.measure.input(j).map(|i| (i, i.id()));
    let known = merge(order, item, &answer.inputs, |rank, _, input, value| {
        if rank == 0 {
            slots.clear();
        }
        slots.push((input, value));
    });
    known.unwrap_or_else(|| {
        slots.clear();
        false
    })
}

/// The answer of each criterion of `ind` in `answer` (in the catalog's
/// order of criteria), in `found`, by [`merge`] as [`fill_slots`] does for
/// inputs. Returns whether every key of the answer is a criterion of the
/// indicator. When the order no longer sorts the ids, `found` is left empty
/// (criteria are then looked up by id) and `false` is returned.
pub(super) fn fill_criteria(
    ind: &Indicator,
    order: Option<&[u32]>,
    answer: &IndicatorAnswer,
    found: &mut Vec<Option<bool>>,
) -> bool {
    found.clear();
    let (Measure::Criteria { criteria }, Some(order)) = (&ind.measure, order) else {
        return false;
    };
    found.resize(criteria.len(), None);
    let item = |j: usize| criteria.get(j).map(|c| ((), c.id.as_str()));
    let known = merge(order, item, &answer.criteria, |_, j, (), value| {
        if let Some(slot) = found.get_mut(j) {
            *slot = value.copied();
        }
    });
    known.unwrap_or_else(|| {
        found.clear();
        false
    })
}

/// Whether the answer's evidence is the indicator's, in the same order (the
/// usual case): then no id is unknown and none is missing.
pub(super) fn evidence_as_listed(ind: &Indicator, answer: &IndicatorAnswer) -> bool {
    answer.evidence.len() == ind.evidence.len()
        && ind
            .evidence
            .iter()
            .zip(&answer.evidence)
            .all(|(e, a)| e.id == *a)
}

impl<'a> Ctx<'a> {
    /// The raw answer of an input.
    fn raw(&self, input: InputRef<'_>) -> Option<&'a serde_json::Value> {
        match self.slots.iter().find(|(i, _)| i.is(&input)) {
            Some((_, value)) => *value,
            None => self.answer.inputs.get(input.id()),
        }
    }

    /// Unknown input, criterion and evidence ids. `inputs_known`: every
    /// input id of the answer is already known to be an input of the indicator.
    /// `evidence_listed`: [`evidence_as_listed`].
    #[cfg_attr(not(target_arch = "wasm32"), inline)]
    pub(super) fn check_answer_ids(
        &mut self,
        inputs_known: bool,
        criteria_known: bool,
        evidence_listed: bool,
    ) {
        // The usual answer: nothing to check (what the walks below find).
        #[cfg(not(target_arch = "wasm32"))]
        if inputs_known && (criteria_known || self.answer.criteria.is_empty()) && evidence_listed {
            return;
        }
        self.check_ids(inputs_known, criteria_known, evidence_listed);
    }

    /// [`Ctx::check_answer_ids`] by walking the answer's ids.
    #[cfg_attr(not(target_arch = "wasm32"), inline(never))]
    fn check_ids(&mut self, inputs_known: bool, criteria_known: bool, evidence_listed: bool) {
        let (ind, answer) = (self.ind, self.answer);
        // (Tested before walking the keys: the walk alone costs.)
        if !inputs_known {
            for id in answer.inputs.keys() {
                if !ind.measure.has_input(id) {
                    self.error(
                        Some(id),
                        format!("saisie inconnue « {id} » pour cet indicateur"),
                    );
                }
            }
        }
        let criteria: &[Criterion] = match &ind.measure {
            Measure::Criteria { criteria } => criteria,
            _ => &[],
        };
        if !criteria_known {
            for id in answer.criteria.keys() {
                if !criteria.iter().any(|c| &c.id == id) {
                    self.error(
                        Some(id),
                        format!("critère inconnu « {id} » pour cet indicateur"),
                    );
                }
            }
        }
        if evidence_listed {
            return;
        }
        for id in &answer.evidence {
            if !ind.evidence.iter().any(|e| &e.id == id) {
                self.error(
                    Some("evidence"),
                    format!("élément de preuve inconnu « {id} »"),
                );
            }
        }
    }

    /// Missing evidence (warnings). `evidence_listed`: [`evidence_as_listed`].
    #[cfg_attr(not(target_arch = "wasm32"), inline)]
    pub(super) fn check_evidence(&mut self, evidence_listed: bool) {
        if !evidence_listed {
            self.missing_evidence();
        }
    }

    /// [`Ctx::check_evidence`] when the evidence is not as listed.
    #[cfg_attr(not(target_arch = "wasm32"), inline(never))]
    fn missing_evidence(&mut self) {
        let (ind, answer) = (self.ind, self.answer);
        for ev in &ind.evidence {
            if !answer.evidence.iter().any(|e| e == &ev.id) {
                self.warning(
                    Some(&format!("evidence.{}", ev.id)),
                    format!("élément de preuve non fourni : {}", ev.label),
                );
            }
        }
    }

    /// Reads one input. `Ok(None)` when it is missing (a Missing problem is
    /// recorded unless `optional`); `Err(())` when invalid (an Error is recorded).
    #[cfg_attr(not(target_arch = "wasm32"), inline)]
    pub(super) fn read_input(
        &mut self,
        input: InputRef<'_>,
        optional: bool,
    ) -> Result<Option<Number>, ()> {
        let raw = self.raw(input);
        // The usual input: a JSON integer, non-negative, valid for every
        // unit but a percentage above 100 (what the steps of `read_raw`
        // give it), read where it is asked for (natively only, as the other
        // shortcuts).
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(serde_json::Value::Number(n)) = raw {
            if let Some(i) = Number::natural_from_json(n) {
                if input.unit() != Unit::Percent || i <= 100 {
                    return Ok(Some(Number::int(i)));
                }
            }
        }
        self.read_raw(input, raw, optional)
    }

    /// [`Ctx::read_input`] of the raw answer `raw`.
    #[cfg_attr(not(target_arch = "wasm32"), inline(never))]
    fn read_raw(
        &mut self,
        input: InputRef<'_>,
        raw: Option<&'a serde_json::Value>,
        optional: bool,
    ) -> Result<Option<Number>, ()> {
        let id = input.id();
        let label = input.label();
        let raw = raw.filter(|v| !v.is_null());
        let raw = match raw {
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => None,
            other => other,
        };
        let number = match raw {
            None => match input
                .prefill()
                .and_then(|p| prefill(self.catalog, p, self.answers))
            {
                Some(n) => n,
                None => {
                    if !optional {
                        self.missing(Some(id), format!("« {label} » non renseigné"));
                    }
                    return Ok(None);
                }
            },
            Some(serde_json::Value::Number(n)) => match Number::from_json(n) {
                Some(n) => n,
                None => {
                    self.error(Some(id), format!("« {label} » : nombre hors limites ({n})"));
                    return Err(());
                }
            },
            Some(serde_json::Value::String(s)) => match Number::parse(s) {
                Some(n) => n,
                None => {
                    self.error(
                        Some(id),
                        format!("« {label} » : « {s} » n'est pas un nombre"),
                    );
                    return Err(());
                }
            },
            Some(other) => {
                self.error(
                    Some(id),
                    format!("« {label} » : un nombre est attendu, pas {other}"),
                );
                return Err(());
            }
        };
        // A non-negative integer is valid for every unit but a percentage
        // above 100 (what `unit_error` says, without its call).
        let unit = input.unit();
        let (n, d) = number.parts();
        if d == 1 && n >= 0 && (unit != Unit::Percent || n <= 100) {
            return Ok(Some(number));
        }
        match unit_error(unit, label, number) {
            Some(message) => {
                self.error(Some(id), message);
                Err(())
            }
            None => Ok(Some(number)),
        }
    }

    /// Reads a required input.
    pub(super) fn required(&mut self, input: &Input) -> Result<Option<Number>, ()> {
        self.read_input(InputRef::Input(input), false)
    }

    /// Reads an optional input absent from the catalog as zero.
    pub(super) fn optional_or_zero(&mut self, input: Option<&Input>) -> Option<Number> {
        match input {
            Some(e) => self.read_input(InputRef::Input(e), false).ok().flatten(),
            None => Some(Number::ZERO),
        }
    }

    /// Reads several inputs into `self.values` (in order); `false` if any
    /// is missing or invalid (every input is read, so that each reports).
    /// (Not generic: one copy of the reading code.)
    pub(super) fn read_all(&mut self, inputs: &mut dyn Iterator<Item = InputRef<'_>>) -> bool {
        self.values.clear();
        let mut ok = true;
        for input in inputs {
            match self.read_input(input, false) {
                Ok(Some(n)) => self.values.push(n),
                _ => ok = false,
            }
        }
        ok
    }

    /// The target applied: the catalog's, or the establishment's personalised one.
    pub(super) fn resolve_target(&mut self, target: &Target) -> Option<Number> {
        if !target.personalised {
            return target.value;
        }
        match self.answer.target {
            None => {
                self.missing(
                    Some("target"),
                    "cible personnalisée de l'établissement non renseignée",
                );
                None
            }
            Some(t) if t.is_negative() => {
                self.error(
                    Some("target"),
                    "la cible personnalisée ne peut pas être négative",
                );
                None
            }
            Some(t) => Some(t),
        }
    }
}

/// The message when `number` is not valid for `unit` (negatives never are).
fn unit_error(unit: Unit, label: &str, number: Number) -> Option<String> {
    let fr = || number.to_french_auto();
    match unit {
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
        // The other input's own problems are reported on its own indicator.
        let mut ignored = Vec::new();
        let mut values = Vec::new();
        let mut ctx = Ctx {
            catalog,
            answers,
            ind: other,
            answer: answers.indicators.get(ind_id).unwrap_or(&empty),
            slots: &[],
            criteria: &[],
            problems: &mut ignored,
            values: &mut values,
        };
        return ctx.read_input(input, true).ok().flatten();
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
