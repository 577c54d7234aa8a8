//! The human report of `caqes score`, in French.

use caqes_engine::labels;
use caqes_engine::{Catalog, Evaluation, IndicatorResult, Number, Role, Status, Unit};
use std::fmt::Write as _;

fn points(n: Number) -> String {
    n.to_french(2)
}

fn value(v: Option<Number>, unit: Option<Unit>) -> String {
    match (v, unit) {
        (Some(v), Some(Unit::Percent)) => format!("{} %", v.to_french(2)),
        (Some(v), _) => v.to_french_auto(),
        (None, _) => "—".into(),
    }
}

/// The report printed by `caqes score`.
pub fn human(catalog: &Catalog, e: &Evaluation, gains: &[caqes_engine::Gain]) -> String {
    let mut out = String::new();
    let unit = labels::score_unit(catalog);
    write_header(&mut out, catalog, e);
    write_indicators(&mut out, catalog, e);
    write_volets(&mut out, e);
    write_score(&mut out, catalog, e, unit);
    write_verdict(&mut out, catalog, e, unit);
    write_gains(&mut out, gains, unit);
    write_problems(&mut out, catalog, e);
    out
}

/// The campaign, the establishment and the state of the evaluation.
fn write_header(out: &mut String, catalog: &Catalog, e: &Evaluation) {
    let _ = writeln!(
        out,
        "{} — {} ({})",
        catalog.campaign.title, e.year, e.catalog
    );
    let _ = writeln!(
        out,
        "Établissement : {} (FINESS {})",
        if e.establishment.is_empty() {
            "—"
        } else {
            &e.establishment
        },
        if e.finess.is_empty() {
            "—"
        } else {
            &e.finess
        }
    );
    let _ = writeln!(out, "Évaluation : {}", e.state.label());
    let _ = writeln!(out);
}

/// The table of indicators (code, statut, résultat, cible, points), then the « supposé » note.
fn write_indicators(out: &mut String, catalog: &Catalog, e: &Evaluation) {
    let _ = writeln!(
        out,
        "{:<12} {:<19} {:>12} {:>12} {:>21}",
        "Indicateur", "Statut", "Résultat", "Cible", "Points"
    );
    for r in &e.indicators {
        let mark = match catalog.indicator(&r.id) {
            Some(i) if !i.assumed.is_empty() => format!("  {}", caqes_engine::SUPPOSE),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{:<12} {:<19} {:>12} {:>12} {:>21}{mark}",
            r.code,
            status_text(r),
            value(r.value, r.unit),
            target_cell(catalog, r),
            points_cell(r)
        );
    }
    if !catalog.assumptions().is_empty() {
        let _ = writeln!(
            out,
            "« {} » : règle ou valeur que les sources ne donnent pas (détail : caqes catalog assumed {}).",
            caqes_engine::SUPPOSE,
            catalog.campaign.id
        );
    }
    let _ = writeln!(out);
}

/// An indicator's statut: « Incomplet », « … (auto) » when automatic, else its label.
fn status_text(r: &IndicatorResult) -> String {
    match (r.status, r.origin) {
        (Status::Renseigne, _) if !r.complete => "Incomplet".to_string(),
        (s, caqes_engine::Origin::Automatic) => format!("{} (auto)", s.label()),
        (s, _) => s.label().to_string(),
    }
}

/// An indicator's points: « 12 / 30 » (bonus marked), « — / 30 » when not renseigné.
fn points_cell(r: &IndicatorResult) -> String {
    match (r.role, r.status) {
        (Role::Information, _) => "non scoré".to_string(),
        (_, Status::Renseigne) => {
            let b = if r.role == Role::Bonus { " bonus" } else { "" };
            format!(
                "{}{b}",
                labels::points_text(&points(r.points), &points(r.weight))
            )
        }
        _ => format!("— / {}", points(r.max_points)),
    }
}

/// An indicator's cible with its operator (« ≥ 85 % »), « — » without one.
fn target_cell(catalog: &Catalog, r: &IndicatorResult) -> String {
    let op = catalog
        .indicator(&r.id)
        .and_then(|i| i.measure.target())
        .map(|t| t.op);
    match (r.target, r.unit) {
        (Some(t), unit) => {
            let value = match unit {
                Some(Unit::Percent) => format!("{} %", t.to_french_auto()),
                _ => t.to_french_auto(),
            };
            match op {
                Some(op) => labels::target_text(op, &value),
                None => value,
            }
        }
        _ => "—".into(),
    }
}

/// One line per volet: its score and points.
fn write_volets(out: &mut String, e: &Evaluation) {
    for v in &e.volets {
        let score = v
            .score
            .map(|s| format!("{} %", s.to_french(2)))
            .unwrap_or_else(|| "—".into());
        let _ = writeln!(
            out,
            "Volet « {} » : {} ({} / {} points)",
            v.title,
            score,
            points(v.points),
            points(v.weight)
        );
    }
}

/// The score, the bonus and total, the rounded score and its rounding note.
fn write_score(out: &mut String, catalog: &Catalog, e: &Evaluation, unit: &str) {
    let decimals = catalog.campaign.rounding.decimals;
    match (e.score, e.total, e.total_rounded) {
        (Some(s), Some(t), Some(r)) => {
            let _ = writeln!(out, "Score : {}{unit}", s.to_french(2));
            if !catalog.campaign.bonus_max.is_zero() {
                let _ = writeln!(
                    out,
                    "Bonus : {} / {} ; total : {}{unit}",
                    points(e.bonus),
                    points(e.bonus_max),
                    t.to_french(2)
                );
            }
            let _ = writeln!(
                out,
                "Score retenu (arrondi) : {}{unit}",
                r.to_french(decimals)
            );
            if !catalog.campaign.rounding_note.is_empty() {
                let _ = writeln!(out, "  ({})", catalog.campaign.rounding_note);
            }
        }
        _ => {
            let _ = writeln!(out, "Score : non calculable");
        }
    }
}

/// The intéressement verdict with its reason, and the points missing when it fails.
fn write_verdict(out: &mut String, catalog: &Catalog, e: &Evaluation, unit: &str) {
    let decimals = catalog.campaign.rounding.decimals;
    let verdict = match e.verdict.interesse {
        None => "NON ÉVALUABLE".to_string(),
        known => labels::verdict_text(known).to_uppercase(),
    };
    let _ = writeln!(out, "Verdict : {verdict} — {}", e.verdict.reason);
    if let (Some(false), Some(m)) = (e.verdict.interesse, e.verdict.missing) {
        if let Some(t) = e.verdict.threshold {
            let _ = writeln!(
                out,
                "Points manquants pour atteindre {}{unit} : {}",
                t.to_french(decimals),
                m.to_french(decimals)
            );
        }
    }
}

/// « Meilleurs gains »: the indicators that would bring the most, filled in full.
fn write_gains(out: &mut String, gains: &[caqes_engine::Gain], unit: &str) {
    if !gains.is_empty() {
        let _ = writeln!(out, "\nMeilleurs gains (indicateur rempli au maximum) :");
        for g in gains {
            let _ = writeln!(
                out,
                "  - {} : +{}{unit} — {}",
                g.code,
                g.points.to_french_auto(),
                g.title
            );
        }
    }
}

/// « Problèmes »: each problem with its severity, indicator code and field.
fn write_problems(out: &mut String, catalog: &Catalog, e: &Evaluation) {
    if !e.problems.is_empty() {
        let _ = writeln!(out, "\nProblèmes ({}) :", e.problems.len());
        for p in &e.problems {
            let code = p
                .indicator
                .as_deref()
                .and_then(|id| catalog.indicator(id))
                .map(|i| i.code.to_string())
                .or_else(|| p.indicator.as_deref().map(str::to_string));
            let field = p
                .field
                .as_deref()
                .map(|f| format!(" [{f}]"))
                .unwrap_or_default();
            match code {
                Some(c) => {
                    let _ = writeln!(
                        out,
                        "  - {} : {c}{field} : {}",
                        p.severity.label(),
                        p.message
                    );
                }
                None => {
                    let _ = writeln!(out, "  - {}{field} : {}", p.severity.label(), p.message);
                }
            }
        }
    }
}
