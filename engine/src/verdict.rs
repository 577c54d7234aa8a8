//! The intéressement verdict: bands of rounded score, with an optional
//! progression condition, and the points missing to reach the nearest band.

use crate::catalog::{Amounts, Band, Catalog, Op};
use crate::evaluate::State;
use crate::labels::{score_text, score_unit, target_text};
use crate::number::Number;
use serde::Serialize;
use std::borrow::Cow;

/// Whether the establishment is intéressé, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// `Some(true)` intéressé, `Some(false)` not, `None` when no score can be computed.
    pub interesse: Option<bool>,
    /// Whether the evaluation is incomplete or invalid (the verdict may change).
    pub provisional: bool,
    /// Reason in French, e.g. "score 87 % dans la bande 85–89 % et en progression de +5 points par rapport à 2023".
    pub reason: String,
    /// Index of the band reached.
    pub band: Option<usize>,
    /// Progression vs the previous year's rounded score, in score points.
    pub progression: Option<Number>,
    /// Lowest rounded score that would give intéressement: when not
    /// intéressé, the lowest one above the score (so `missing` is never 0).
    pub threshold: Option<Number>,
    /// Points missing to reach `threshold` (0 when intéressé).
    pub missing: Option<Number>,
}

fn band_label(catalog: &Catalog, band: &Band) -> String {
    let d = catalog.campaign.rounding.decimals;
    match band.below {
        Some(below) if d == 0 => format!(
            "{}–{}{}",
            band.min.to_french(0),
            below.sub(Number::ONE).unwrap_or(below).to_french(0),
            score_unit(catalog)
        ),
        Some(below) => format!(
            "de {} à moins de {}",
            band.min.to_french(d),
            score_text(catalog, below)
        ),
        None => target_text(Op::AtLeast, &score_str(catalog, band.min)),
    }
}

fn signed(catalog: &Catalog, n: Number) -> String {
    let d = catalog.campaign.rounding.decimals;
    let plural = if n.parts().0.abs() > n.parts().1 {
        "s"
    } else {
        ""
    };
    if n.is_negative() {
        format!("{} point{plural}", n.to_french(d))
    } else {
        format!("+{} point{plural}", n.to_french(d))
    }
}

/// [`score_text`], read from the catalog's index for a whole score (`ScoreTexts`).
fn score_str(catalog: &Catalog, value: Number) -> Cow<'_, str> {
    match catalog.index().score_texts.get(catalog, value) {
        Some(text) => Cow::Borrowed(text),
        None => Cow::Owned(score_text(catalog, value)),
    }
}

/// Lowest rounded score giving intéressement in `band`: its minimum, raised
/// above the previous score (by one unit of the last of the rounding's
/// `decimals`) when the band requires progression and that score is known.
fn band_need(band: &Band, previous: Option<Number>, decimals: u32) -> Number {
    match previous {
        Some(p) if band.progression => {
            let step = Number::ratio(1, 10i128.pow(decimals)).unwrap_or(Number::ONE);
            band.min.max(p.add(step).unwrap_or(p))
        }
        _ => band.min,
    }
}

/// Reason of a catalog paid as amounts without threshold.
fn amounts_reason(catalog: &Catalog, a: &Amounts, score: Number) -> String {
    let mut parts = vec![format!(
        "{} % des économies générées sur les indicateurs nationaux",
        a.savings_percent.to_french_auto()
    )];
    if a.regional_envelope {
        parts.push("une part de l'enveloppe FIR pour les indicateurs régionaux".to_string());
    }
    format!(
        "score {} : intéressement sans seuil, {}",
        score_text(catalog, score),
        parts.join(" et ")
    )
}

/// What a provisional verdict's reason ends with.
const PROVISIONAL: &str = " (provisoire : évaluation ";

/// The pieces joined in one allocation, with room for the provisional
/// suffix ([`with_state`]): the usual reasons without `format!`.
fn concat(parts: &[&str]) -> String {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = String::with_capacity(len + PROVISIONAL.len() + 12);
    for p in parts {
        out.push_str(p);
    }
    out
}

/// `reason (provisoire : évaluation <state>)`, in place.
fn with_state(reason: &mut String, state: State) {
    reason.push_str(PROVISIONAL);
    reason.push_str(state.label());
    reason.push(')');
}

/// Decides the verdict from the rounded total.
pub(crate) fn decide(
    catalog: &Catalog,
    rounded: Option<Number>,
    previous: Option<Number>,
    state: State,
) -> Verdict {
    let provisional = state != State::Complete;
    let mut verdict = Verdict {
        interesse: None,
        provisional,
        reason: String::new(),
        band: None,
        progression: None,
        threshold: None,
        missing: None,
    };
    let Some(score) = rounded else {
        verdict.reason = crate::labels::verdict_text(None).into();
        return verdict;
    };
    let rounding = catalog.campaign.rounding;
    if let (true, Some(a)) = (
        catalog.interessement.bands.is_empty(),
        &catalog.interessement.amounts,
    ) {
        verdict.interesse = Some(true);
        verdict.missing = Some(Number::ZERO);
        verdict.reason = amounts_reason(catalog, a, score);
        if provisional {
            with_state(&mut verdict.reason, state);
        }
        return verdict;
    }
    let previous = previous.map(|p| p.round(rounding.decimals, rounding.mode));
    let prev_year = catalog.campaign.year.saturating_sub(1);
    verdict.progression = previous.and_then(|p| score.sub(p).ok());
    let s = score_str(catalog, score);

    // Lowest rounded score above this one that would give intéressement,
    // and its band (the band actually missed).
    let mut threshold: Option<(Number, usize)> = None;
    let mut lowest: Option<Number> = None;
    for (i, band) in catalog.interessement.bands.iter().enumerate() {
        let need = band_need(band, previous, rounding.decimals);
        if band.below.is_some_and(|b| need >= b) {
            continue;
        }
        lowest = Some(lowest.map_or(need, |l| l.min(need)));
        if need <= score {
            continue;
        }
        if threshold.is_none_or(|(t, _)| need < t) {
            threshold = Some((need, i));
        }
    }
    let missed = threshold.map(|(_, i)| i);
    let threshold = threshold.map(|(t, _)| t);
    verdict.threshold = threshold;

    for (i, band) in catalog.interessement.bands.iter().enumerate() {
        let in_band = score >= band.min && band.below.is_none_or(|b| score < b);
        if !in_band {
            continue;
        }
        if band.progression {
            match (previous, verdict.progression) {
                (Some(p), Some(delta)) if score > p => {
                    verdict.interesse = Some(true);
                    verdict.band = Some(i);
                    verdict.reason = format!(
                        "score {s} dans la bande {} et en progression de {} par rapport à {prev_year}",
                        band_label(catalog, band),
                        signed(catalog, delta)
                    );
                    break;
                }
                (Some(p), _) => {
                    if verdict.reason.is_empty() {
                        verdict.reason = format!(
                            "score {s} dans la bande {} mais sans progression par rapport à {prev_year} ({})",
                            band_label(catalog, band),
                            score_text(catalog, p)
                        );
                    }
                }
                (None, _) => {
                    if verdict.reason.is_empty() {
                        verdict.reason = format!(
                            "score {s} dans la bande {} : progression par rapport à {prev_year} non vérifiable (score {prev_year} non renseigné)",
                            band_label(catalog, band)
                        );
                    }
                }
            }
        } else {
            verdict.interesse = Some(true);
            verdict.band = Some(i);
            verdict.reason = match band.below {
                None => concat(&["score ", &s, " ≥ seuil de ", &score_str(catalog, band.min)]),
                Some(_) => concat(&["score ", &s, " dans la bande ", &band_label(catalog, band)]),
            };
            break;
        }
    }
    if verdict.interesse == Some(true) {
        verdict.threshold = lowest;
        verdict.missing = Some(Number::ZERO);
    } else {
        verdict.interesse = Some(false);
        verdict.missing = threshold.map(|t| t.sub(score).unwrap_or(t).max(Number::ZERO));
        if verdict.reason.is_empty() {
            verdict.reason = match (threshold, missed) {
                (Some(t), Some(i))
                    if catalog.interessement.bands[i].below.is_none()
                        && !catalog.interessement.bands[i].progression =>
                {
                    concat(&[
                        "score ",
                        &s,
                        " inférieur au seuil de ",
                        &score_str(catalog, t),
                    ])
                }
                (Some(t), Some(i)) => {
                    let band = &catalog.interessement.bands[i];
                    let condition = if band.progression {
                        format!(", avec progression par rapport à {prev_year}")
                    } else {
                        String::new()
                    };
                    format!(
                        "score {s} inférieur au seuil de {} (bande {}{condition})",
                        score_str(catalog, t),
                        band_label(catalog, band)
                    )
                }
                _ => format!("score {s} : aucune bande d'intéressement atteignable"),
            };
        }
    }
    if provisional {
        with_state(&mut verdict.reason, state);
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"
[campaign]
id = "v"
years = [2024]
title = "V"
region = "Test"
redistribution = "proportional"
rounding = { decimals = 0, mode = "half_up" }
[interessement]
bands = [{ min = 80 }, { min = 75, below = 80, progression = true }]
[[volets]]
id = "v"
title = "V"
[[indicators]]
id = "c"
code = "C"
title = "C"
volet = "v"
scope = "regional"
points = 100
[indicators.measure]
kind = "criteria"
criteria = [{ id = "a", label = "A", points = 100 }]
"#;

    fn catalog() -> Catalog {
        crate::load_catalogs("v.toml", SRC)
            .expect("valid test catalog")
            .remove(0)
    }

    fn n(v: i64) -> Number {
        Number::int(v)
    }

    #[test]
    fn a_failing_score_never_misses_zero_points_and_names_the_band_missed() {
        let c = catalog();
        // Below the progression band: its minimum, the band named.
        let v = decide(&c, Some(n(70)), None, State::Complete);
        assert_eq!(v.interesse, Some(false));
        assert_eq!(v.threshold, Some(n(75)));
        assert_eq!(v.missing, Some(n(5)));
        assert_eq!(
            v.reason,
            "score 70 % inférieur au seuil de 75 % (bande 75–79 %, avec progression par rapport à 2023)"
        );
        // Provisional: the same reason, then the state.
        for state in [State::Incomplete, State::Invalid] {
            let p = decide(&c, Some(n(70)), None, state);
            assert_eq!(
                p.reason,
                format!("{} (provisoire : évaluation {})", v.reason, state.label())
            );
        }
        let v = decide(&c, Some(n(90)), None, State::Incomplete);
        assert_eq!(
            v.reason,
            "score 90 % ≥ seuil de 80 % (provisoire : évaluation incomplète)"
        );
        // In the progression band without progression: the next reachable band.
        let v = decide(&c, Some(n(78)), Some(n(79)), State::Complete);
        assert_eq!(v.interesse, Some(false));
        assert_eq!((v.threshold, v.missing), (Some(n(80)), Some(n(2))));
        assert!(v.reason.contains("sans progression"), "{}", v.reason);
        // Previous 76: 77 is reachable in the progression band.
        let v = decide(&c, Some(n(70)), Some(n(76)), State::Complete);
        assert_eq!((v.threshold, v.missing), (Some(n(77)), Some(n(7))));
        // With progression: intéressé, 0 missing.
        let v = decide(&c, Some(n(78)), Some(n(70)), State::Complete);
        assert_eq!((v.interesse, v.missing), (Some(true), Some(n(0))));
    }

    #[test]
    fn scores_read_from_the_index_are_written_as_score_text() {
        let mut c = catalog();
        let values = (-2..=110)
            .map(n)
            .chain([Number::ratio(1, 2).unwrap(), Number::ratio(-7, 3).unwrap()]);
        for v in values.clone() {
            assert_eq!(score_str(&c, v), score_text(&c, v), "{v:?}");
        }
        assert_eq!(score_str(&c, n(60)), "60 %");
        // Changed after indexing: written as the catalog says now.
        c.campaign.scale = n(90);
        c.campaign.rounding.decimals = 1;
        for v in values {
            assert_eq!(score_str(&c, v), score_text(&c, v), "{v:?}");
        }
        assert_eq!(score_str(&c, n(60)), "60,0 points");
    }

    #[test]
    fn a_score_in_a_gap_is_told_the_next_band_not_zero_points() {
        // The issue's catalog (refused by `catalog check` since): 75 to
        // below 79 with progression, then ≥ 80; 79 with progression.
        let mut c = catalog();
        c.interessement.bands[1].below = Some(n(79));
        let v = decide(&c, Some(n(79)), Some(n(70)), State::Complete);
        assert_eq!(v.interesse, Some(false));
        assert_eq!((v.threshold, v.missing), (Some(n(80)), Some(n(1))));
        assert_eq!(v.reason, "score 79 % inférieur au seuil de 80 %");
        for score in 0..=100 {
            for prev in [None, Some(n(50)), Some(n(78)), Some(n(100))] {
                let v = decide(&c, Some(n(score)), prev, State::Complete);
                if v.interesse == Some(false) {
                    assert_ne!(v.missing, Some(Number::ZERO), "{score} {prev:?}");
                }
            }
        }
    }
}
