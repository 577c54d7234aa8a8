//! The intéressement verdict: bands of rounded score, with an optional
//! progression condition, and the points missing to reach the nearest band.

use crate::catalog::{Amounts, Band, Catalog};
use crate::evaluate::State;
use crate::number::Number;
use serde::Serialize;

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
    /// Lowest rounded score that would give intéressement.
    pub threshold: Option<Number>,
    /// Points missing to reach `threshold` (0 when intéressé).
    pub missing: Option<Number>,
}

fn unit_label(catalog: &Catalog) -> &'static str {
    if catalog.campaign.scale == Number::HUNDRED {
        " %"
    } else {
        " points"
    }
}

fn fmt_score(catalog: &Catalog, n: Number) -> String {
    format!(
        "{}{}",
        n.to_french(catalog.campaign.rounding.decimals),
        unit_label(catalog)
    )
}

fn band_label(catalog: &Catalog, band: &Band) -> String {
    let d = catalog.campaign.rounding.decimals;
    match band.below {
        Some(below) if d == 0 => format!(
            "{}–{}{}",
            band.min.to_french(0),
            below.sub(Number::ONE).unwrap_or(below).to_french(0),
            unit_label(catalog)
        ),
        Some(below) => format!(
            "de {} à moins de {}",
            band.min.to_french(d),
            fmt_score(catalog, below)
        ),
        None => format!("≥ {}", fmt_score(catalog, band.min)),
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
        fmt_score(catalog, score),
        parts.join(" et ")
    )
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
        verdict.reason = "score non calculable".into();
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
            verdict.reason = format!(
                "{} (provisoire : évaluation {})",
                verdict.reason,
                state.label()
            );
        }
        return verdict;
    }
    let previous = previous.map(|p| p.round(rounding.decimals, rounding.mode));
    let prev_year = catalog.campaign.year.saturating_sub(1);
    verdict.progression = previous.and_then(|p| score.sub(p).ok());
    let step = Number::ratio(1, 10i128.pow(rounding.decimals)).unwrap_or(Number::ONE);
    let s = fmt_score(catalog, score);

    // Lowest reachable threshold.
    let mut threshold: Option<Number> = None;
    for band in &catalog.interessement.bands {
        let mut need = band.min;
        if band.progression {
            match previous {
                Some(p) => need = need.max(p.add(step).unwrap_or(p)),
                None => continue,
            }
        }
        if band.below.is_some_and(|b| need >= b) {
            continue;
        }
        threshold = Some(threshold.map_or(need, |t| t.min(need)));
    }
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
                            fmt_score(catalog, p)
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
                None => format!("score {s} ≥ seuil de {}", fmt_score(catalog, band.min)),
                Some(_) => format!("score {s} dans la bande {}", band_label(catalog, band)),
            };
            break;
        }
    }
    if verdict.interesse == Some(true) {
        verdict.missing = Some(Number::ZERO);
    } else {
        verdict.interesse = Some(false);
        verdict.missing = threshold.map(|t| t.sub(score).unwrap_or(t).max(Number::ZERO));
        if verdict.reason.is_empty() {
            verdict.reason = match threshold {
                Some(t) => format!("score {s} inférieur au seuil de {}", fmt_score(catalog, t)),
                None => format!("score {s} : aucune bande d'intéressement atteignable"),
            };
        }
    }
    if provisional {
        verdict.reason = format!(
            "{} (provisoire : évaluation {})",
            verdict.reason,
            state.label()
        );
    }
    verdict
}
