//! Problems found while evaluating answers, each naming its indicator and field.

use crate::shared::SharedStr;
use serde::Serialize;
use std::fmt;

/// How serious a problem is. Ordered: errors first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Invalid data: the evaluation is invalid and its score provisional.
    Error,
    /// Missing data: the evaluation is incomplete and its score provisional.
    Missing,
    /// To check (missing evidence, missing justification); the score stands.
    Warning,
}

impl Severity {
    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "erreur",
            Severity::Missing => "manquant",
            Severity::Warning => "avertissement",
        }
    }
}

/// One problem of an evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Severity.
    pub severity: Severity,
    /// Indicator id, when the problem is about one (the catalog's id, shared
    /// rather than copied).
    pub indicator: Option<SharedStr>,
    /// Field (input id, `status`, `target`, `establishment.finess`…).
    pub field: Option<String>,
    /// French message.
    pub message: String,
}

impl Problem {
    /// A problem about the whole evaluation.
    pub fn global(severity: Severity, message: impl Into<String>) -> Problem {
        Problem {
            severity,
            indicator: None,
            field: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] ", self.severity.label())?;
        if let Some(ind) = &self.indicator {
            write!(f, "{ind} : ")?;
        }
        f.write_str(&self.message)
    }
}
