//! The context of one indicator's scoring: what it reads and where its problems go.

use crate::answers::{Answers, IndicatorAnswer};
use crate::catalog::{Catalog, Indicator, InputRef};
use crate::number::Number;
use crate::problem::{Problem, Severity};

/// Everything the scoring of one indicator reads, and the list its problems
/// are reported to (replaces the long argument lists and the hand-built
/// `Problem`s).
pub(super) struct Ctx<'a> {
    pub catalog: &'a Catalog,
    pub answers: &'a Answers,
    pub ind: &'a Indicator,
    pub answer: &'a IndicatorAnswer,
    /// The answer's value of each input, when [`super::inputs::fill_slots`]
    /// could find them all at once (empty otherwise: inputs are then looked up by id).
    pub slots: &'a [(InputRef<'a>, Option<&'a serde_json::Value>)],
    /// The answer of each criterion (catalog order), when
    /// [`super::inputs::fill_criteria`] could find them all at once (empty
    /// otherwise: criteria are then looked up by id).
    pub criteria: &'a [Option<bool>],
    pub problems: &'a mut Vec<Problem>,
    /// The values read by [`Ctx::read_all`], kept from one indicator to the
    /// next so that reading allocates nothing.
    pub values: &'a mut Vec<Number>,
}

impl Ctx<'_> {
    /// Records a problem of this indicator.
    pub fn report(&mut self, severity: Severity, field: Option<&str>, message: impl Into<String>) {
        self.problems.push(Problem {
            severity,
            indicator: Some(self.ind.id.clone()),
            field: field.map(str::to_string),
            message: message.into(),
        });
    }

    /// An error (the evaluation becomes invalid).
    pub fn error(&mut self, field: Option<&str>, message: impl Into<String>) {
        self.report(Severity::Error, field, message);
    }

    /// Something missing (the evaluation becomes incomplete).
    pub fn missing(&mut self, field: Option<&str>, message: impl Into<String>) {
        self.report(Severity::Missing, field, message);
    }

    /// A warning.
    pub fn warning(&mut self, field: Option<&str>, message: impl Into<String>) {
        self.report(Severity::Warning, field, message);
    }

    /// Runs `f` and drops the problems it reports.
    pub fn quietly<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let before = self.problems.len();
        let out = f(self);
        self.problems.truncate(before);
        out
    }

    /// Whether an error or a missing input was reported since `before`.
    pub fn incomplete_since(&self, before: usize) -> bool {
        self.problems[before..]
            .iter()
            .any(|p| matches!(p.severity, Severity::Error | Severity::Missing))
    }
}
