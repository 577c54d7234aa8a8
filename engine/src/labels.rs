//! The French labels users see, written once for the CLI, the grid, the
//! campaign, the report and the form: status, verdict, score unit, target
//! and points texts.
//!
//! A label that appears in more than one adapter lives here, and
//! `engine/tests/tidy.rs` fails when one of the main ones (« Non concerné »,
//! « Non mesurable », « non intéressé »…) is written again as a string
//! literal in another crate's sources. Sentences that embed a label in
//! lowercase (« déclarer l'indicateur non concerné ») are prose, not labels.

use crate::answers::DeclaredStatus;
use crate::catalog::{Catalog, Op};
use crate::evaluate::Status;
use crate::number::Number;
use crate::verdict::Verdict;

/// Status « Renseigné » (also a value of the grid's drop-down list).
pub const RENSEIGNE: &str = "Renseigné";
/// Status « Non concerné » (NC).
pub const NON_CONCERNE: &str = "Non concerné";
/// Status « Non mesurable » (NM).
pub const NON_MESURABLE: &str = "Non mesurable";

/// Verdict « Intéressé », as a cell or a panel heading writes it.
pub const INTERESSE: &str = "Intéressé";
/// Verdict « Non intéressé », as a cell or a panel heading writes it.
pub const NON_INTERESSE: &str = "Non intéressé";
/// Verdict when no score can be computed, as a panel heading writes it.
pub const SCORE_NON_CALCULABLE: &str = "Score non calculable";

/// A score or a verdict that cannot be computed, after its name.
pub const NON_CALCULABLE: &str = "non calculable";

/// Appended to a verdict that may still change (incomplete or invalid
/// evaluation): « intéressé (provisoire) ».
pub const PROVISIONAL: &str = " (provisoire)";

impl Status {
    /// French label: « Renseigné », « Non concerné », « Non mesurable ».
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Status::Renseigne => RENSEIGNE,
            Status::NonConcerne => NON_CONCERNE,
            Status::NonMesurable => NON_MESURABLE,
        }
    }
}

impl DeclaredStatus {
    /// French label, the same as [`Status::label`].
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            DeclaredStatus::Renseigne => RENSEIGNE,
            DeclaredStatus::NonConcerne => NON_CONCERNE,
            DeclaredStatus::NonMesurable => NON_MESURABLE,
        }
    }
}

impl Op {
    /// « ≥ » or « ≤ ».
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            Op::AtLeast => "≥",
            Op::AtMost => "≤",
        }
    }
}

/// The verdict in a sentence or a table cell: « intéressé »,
/// « non intéressé », « score non calculable ».
#[must_use]
pub fn verdict_text(interesse: Option<bool>) -> &'static str {
    match interesse {
        Some(true) => "intéressé",
        Some(false) => "non intéressé",
        None => "score non calculable",
    }
}

/// The verdict after a score that is already shown: « intéressé »,
/// « non intéressé », « non calculable ».
#[must_use]
pub fn verdict_short(interesse: Option<bool>) -> &'static str {
    match interesse {
        None => NON_CALCULABLE,
        known => verdict_text(known),
    }
}

/// The verdict as a heading: « Intéressé », « Non intéressé »,
/// « Score non calculable ».
#[must_use]
pub fn verdict_title(interesse: Option<bool>) -> &'static str {
    match interesse {
        Some(true) => INTERESSE,
        Some(false) => NON_INTERESSE,
        None => SCORE_NON_CALCULABLE,
    }
}

/// [`verdict_text`] marked « (provisoire) » when the evaluation may still
/// change it: « intéressé (provisoire) ».
#[must_use]
pub fn verdict_line(verdict: &Verdict) -> String {
    let mut text = verdict_text(verdict.interesse).to_string();
    if verdict.provisional && verdict.interesse.is_some() {
        text.push_str(PROVISIONAL);
    }
    text
}

/// The unit of scores in text: « % » on a scale of 100, else « points »
/// (with its leading space).
#[must_use]
pub fn score_unit(catalog: &Catalog) -> &'static str {
    if catalog.campaign.scale == Number::HUNDRED {
        " %"
    } else {
        " points"
    }
}

/// A rounded score with its unit, as the verdict writes it: « 79 % » or
/// « 79 points » (the campaign's rounding decimals).
#[must_use]
pub fn score_text(catalog: &Catalog, score: Number) -> String {
    let mut text = String::new();
    score.write_french(catalog.campaign.rounding.decimals, &mut text);
    text.push_str(score_unit(catalog));
    text
}

/// A target: its operator before the value, already written with its unit
/// (« ≥ 85 % », « ≤ 2 », « ≥ cible personnalisée (à saisir) »).
#[must_use]
pub fn target_text(op: Op, value: &str) -> String {
    format!("{} {value}", op.symbol())
}

/// Points obtained out of points possible, both already written: « 12 / 30 ».
#[must_use]
pub fn points_text(points: &str, out_of: &str) -> String {
    format!("{points} / {out_of}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(Status::NonConcerne.label(), "Non concerné");
        assert_eq!(DeclaredStatus::NonMesurable.label(), "Non mesurable");
        assert_eq!(verdict_text(Some(false)), "non intéressé");
        assert_eq!(verdict_short(None), "non calculable");
        assert_eq!(verdict_title(Some(true)), "Intéressé");
        assert_eq!(verdict_short(Some(true)), "intéressé");
        assert_eq!(target_text(Op::AtLeast, "85 %"), "≥ 85 %");
        assert_eq!(points_text("12", "30"), "12 / 30");
        let verdict = Verdict {
            interesse: Some(true),
            provisional: true,
            reason: String::new(),
            band: None,
            progression: None,
            threshold: None,
            missing: None,
        };
        assert_eq!(verdict_line(&verdict), "intéressé (provisoire)");
    }
}
