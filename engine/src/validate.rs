//! Semantic checks of a resolved catalog (what the type system cannot say).

use crate::catalog::*;
use crate::load::{RawProblem, Seg};
use crate::number::Number;
use std::collections::HashSet;

fn key(k: &str) -> Seg {
    Seg::Key(k.to_string())
}

fn ind_path(i: usize, rest: &[&str]) -> Vec<Seg> {
    let mut p = vec![key("indicators"), Seg::Index(i)];
    p.extend(rest.iter().map(|k| key(k)));
    p
}

/// Every semantic problem of the catalog.
pub(crate) fn validate_catalog(c: &Catalog) -> Vec<RawProblem> {
    let mut out = Vec::new();
    let camp = |k: &str| vec![key("campaign"), key(k)];
    if c.campaign.id.trim().is_empty() {
        out.push(RawProblem::new(camp("id"), "identifiant vide"));
    }
    if c.campaign.scale <= Number::ZERO {
        out.push(RawProblem::new(
            camp("scale"),
            "l'échelle du score doit être positive",
        ));
    }
    if c.campaign.bonus_max.is_negative() {
        out.push(RawProblem::new(
            camp("bonus_max"),
            "le bonus maximal ne peut être négatif",
        ));
    }
    if c.campaign.rounding.decimals > 6 {
        out.push(RawProblem::new(
            vec![key("campaign"), key("rounding"), key("decimals")],
            "au plus 6 décimales",
        ));
    }

    // Volets.
    let mut volets = HashSet::new();
    for (i, v) in c.volets.iter().enumerate() {
        if !volets.insert(v.id.as_str()) {
            out.push(RawProblem::new(
                vec![key("volets"), Seg::Index(i), key("id")],
                format!("volet « {} » en double", v.id),
            ));
        }
    }
    if c.volets.is_empty() {
        out.push(RawProblem::new(vec![key("volets")], "aucun volet défini"));
    }

    // Identification questions.
    let mut questions = HashSet::new();
    for (i, q) in c.identification.iter().enumerate() {
        let p = |k: &str| vec![key("identification"), Seg::Index(i), key(k)];
        if !questions.insert(q.id.as_str()) || is_builtin_prefill(&q.id) {
            out.push(RawProblem::new(
                p("id"),
                format!("question « {} » en double ou réservée", q.id),
            ));
        }
        if q.kind == QuestionKind::Choice && q.options.is_empty() {
            out.push(RawProblem::new(
                p("options"),
                "une question à choix doit avoir des options",
            ));
        }
        if q.kind != QuestionKind::Choice && !q.options.is_empty() {
            out.push(RawProblem::new(
                p("options"),
                "seules les questions « choice » ont des options",
            ));
        }
    }

    // Intéressement.
    if let Some(a) = &c.interessement.amounts {
        if a.savings_percent.is_negative() || a.savings_percent > Number::HUNDRED {
            out.push(RawProblem::new(
                vec![key("interessement"), key("amounts"), key("savings_percent")],
                "le taux de la part des économies doit être compris entre 0 et 100 %",
            ));
        }
    }
    if c.interessement.bands.is_empty() && c.interessement.amounts.is_none() {
        out.push(RawProblem::new(
            vec![key("interessement"), key("bands")],
            "aucune bande d'intéressement",
        ));
    }
    for (i, b) in c.interessement.bands.iter().enumerate() {
        if let Some(below) = b.below {
            if below <= b.min {
                out.push(RawProblem::new(
                    vec![
                        key("interessement"),
                        key("bands"),
                        Seg::Index(i),
                        key("below"),
                    ],
                    "la borne haute doit être supérieure à la borne basse",
                ));
            }
        }
    }

    // Indicators.
    let mut ids = HashSet::new();
    let mut codes = HashSet::new();
    let mut scored_total = Number::ZERO;
    for (i, ind) in c.indicators.iter().enumerate() {
        if ind.id.trim().is_empty()
            || !ind.id.chars().all(|ch| {
                ch.is_ascii_lowercase()
                    || ch.is_ascii_digit()
                    || ch == '-'
                    || ch == '_'
                    || ch == '.'
            })
        {
            out.push(RawProblem::new(
                ind_path(i, &["id"]),
                "identifiant invalide (minuscules, chiffres, « - », « _ », « . »)",
            ));
        }
        if !ids.insert(ind.id.as_str()) {
            out.push(RawProblem::new(
                ind_path(i, &["id"]),
                format!("identifiant « {} » en double", ind.id),
            ));
        }
        if !codes.insert(ind.code.as_str()) {
            out.push(RawProblem::new(
                ind_path(i, &["code"]),
                format!("code « {} » en double", ind.code),
            ));
        }
        if !volets.contains(ind.volet.as_str()) {
            out.push(RawProblem::new(
                ind_path(i, &["volet"]),
                format!("volet inconnu « {} »", ind.volet),
            ));
        }
        match ind.role {
            Role::Information => {
                if !ind.points.is_zero() {
                    out.push(RawProblem::new(
                        ind_path(i, &["points"]),
                        "un indicateur d'information n'a pas de points",
                    ));
                }
            }
            Role::Scored | Role::Bonus => {
                if ind.points <= Number::ZERO {
                    out.push(RawProblem::new(
                        ind_path(i, &["points"]),
                        "les points doivent être positifs",
                    ));
                }
                if matches!(ind.measure, Measure::Information { .. }) {
                    out.push(RawProblem::new(
                        ind_path(i, &["measure", "kind"]),
                        "une mesure « information » ne peut pas être notée (role = \"information\")",
                    ));
                }
            }
        }
        if ind.role == Role::Scored {
            scored_total = scored_total.add(ind.points).unwrap_or(scored_total);
        }
        validate_selector(c, &ind.applies_to, ind_path(i, &["applies_to"]), &mut out);
        if let Some(sel) = &ind.not_measurable_for {
            validate_selector(c, sel, ind_path(i, &["not_measurable_for"]), &mut out);
        }
        let mut evidence = HashSet::new();
        for (e, ev) in ind.evidence.iter().enumerate() {
            if !evidence.insert(ev.id.as_str()) {
                let mut p = ind_path(i, &["evidence"]);
                p.extend([Seg::Index(e), key("id")]);
                out.push(RawProblem::new(
                    p,
                    format!("élément de preuve « {} » en double", ev.id),
                ));
            }
        }
        validate_measure(c, i, ind, &mut out);
    }
    if let Some(total) = c.campaign.points_total {
        if total != scored_total {
            out.push(RawProblem::new(
                camp("points_total"),
                format!(
                    "la somme des points des indicateurs notés vaut {} au lieu de {} déclarés",
                    scored_total, total
                ),
            ));
        }
    }
    if c.indicators.iter().all(|i| i.role != Role::Scored) {
        out.push(RawProblem::new(
            vec![key("indicators")],
            "aucun indicateur noté",
        ));
    }
    if c.campaign.bonus_max.is_zero() && c.indicators.iter().any(|i| i.role == Role::Bonus) {
        out.push(RawProblem::new(
            camp("bonus_max"),
            "des indicateurs bonus existent mais bonus_max vaut 0",
        ));
    }
    out
}

/// What is wrong with `prefill = "other_id.other_input"` on `input` of `ind`, if anything.
fn prefill_reference_problem(
    c: &Catalog,
    ind: &Indicator,
    input: InputRef<'_>,
    other_id: &str,
    other_input: &str,
) -> Option<String> {
    let pre = format!("{other_id}.{other_input}");
    if other_id == ind.id {
        return Some(format!(
            "pré-remplissage « {pre} » : un indicateur ne peut pas se pré-remplir lui-même"
        ));
    }
    let Some(other) = c.indicator(other_id) else {
        return Some(format!(
            "pré-remplissage « {pre} » : indicateur « {other_id} » inconnu (pour cette année)"
        ));
    };
    let Some(source) = other
        .measure
        .inputs()
        .into_iter()
        .find(|i| i.id() == other_input)
    else {
        return Some(format!(
            "pré-remplissage « {pre} » : l'indicateur « {other_id} » n'a pas de saisie « {other_input} »"
        ));
    };
    if source.unit() != input.unit() {
        return Some(format!(
            "pré-remplissage « {pre} » : unité « {} » différente de celle de la saisie (« {} »)",
            source.unit().label(),
            input.unit().label()
        ));
    }
    if source.prefill().is_some_and(|p| p.contains('.')) {
        return Some(format!(
            "pré-remplissage « {pre} » : cette saisie est elle-même pré-remplie par un autre indicateur (pas de chaîne)"
        ));
    }
    None
}

pub(crate) fn is_builtin_prefill(id: &str) -> bool {
    matches!(id, "lits" | "places" | "lits_et_places")
}

fn validate_selector(c: &Catalog, sel: &Selector, path: Vec<Seg>, out: &mut Vec<RawProblem>) {
    for (n, cond) in sel.when.iter().enumerate() {
        let mut p = path.clone();
        p.extend([key("when"), Seg::Index(n)]);
        let Some(q) = c.question(&cond.question) else {
            let mut p = p.clone();
            p.push(key("question"));
            out.push(RawProblem::new(
                p,
                format!("question d'identification inconnue « {} »", cond.question),
            ));
            continue;
        };
        let ok = match q.kind {
            QuestionKind::Bool => cond.equals.is_boolean(),
            QuestionKind::Integer => cond.equals.is_u64(),
            QuestionKind::Text => cond.equals.is_string(),
            QuestionKind::Choice => cond
                .equals
                .as_str()
                .is_some_and(|v| q.options.iter().any(|o| o.id == v)),
        };
        if !ok {
            p.push(key("equals"));
            out.push(RawProblem::new(
                p,
                format!("valeur incompatible avec la question « {} »", q.id),
            ));
        }
    }
}

fn validate_measure(c: &Catalog, i: usize, ind: &Indicator, out: &mut Vec<RawProblem>) {
    let mut ids = HashSet::new();
    for input in ind.measure.inputs() {
        if !ids.insert(input.id().to_string()) {
            out.push(RawProblem::new(
                ind_path(i, &["measure"]),
                format!("saisie « {} » en double", input.id()),
            ));
        }
        if let Some(pre) = input.prefill() {
            if let Some((other_id, other_input)) = pre.split_once('.') {
                if let Some(message) =
                    prefill_reference_problem(c, ind, input, other_id, other_input)
                {
                    out.push(RawProblem::new(ind_path(i, &["measure"]), message));
                }
                continue;
            }
            let known = is_builtin_prefill(pre)
                || c.question(pre)
                    .is_some_and(|q| q.kind == QuestionKind::Integer);
            if !known {
                out.push(RawProblem::new(
                    ind_path(i, &["measure"]),
                    format!("pré-remplissage « {pre} » inconnu (question entière ou lits/places attendue)"),
                ));
            }
        }
    }
    match &ind.measure {
        Measure::Rate {
            target,
            scoring,
            numerator_only,
            ..
        } => {
            validate_target(
                i,
                target,
                Unit::Percent,
                scoring,
                &["measure", "target"],
                out,
            );
            if let Some(no) = numerator_only {
                validate_target(
                    i,
                    &no.target,
                    Unit::Count,
                    &no.scoring,
                    &["measure", "numerator_only", "target"],
                    out,
                );
            }
        }
        Measure::Evolution {
            target, scoring, ..
        } => validate_target(
            i,
            target,
            Unit::Percent,
            scoring,
            &["measure", "target"],
            out,
        ),
        Measure::Count {
            terms,
            target,
            scoring,
        } => {
            if terms.is_empty() {
                out.push(RawProblem::new(
                    ind_path(i, &["measure", "terms"]),
                    "aucun terme à compter",
                ));
            }
            for (n, t) in terms.iter().enumerate() {
                if t.weight <= Number::ZERO {
                    let mut p = ind_path(i, &["measure", "terms"]);
                    p.extend([Seg::Index(n), key("weight")]);
                    out.push(RawProblem::new(
                        p,
                        format!("le poids du terme « {} » doit être positif", t.id),
                    ));
                }
            }
            validate_target(i, target, Unit::Count, scoring, &["measure", "target"], out)
        }
        Measure::Distribution {
            parts,
            counted,
            target,
            scoring,
            ..
        } => {
            if parts.len() < 2 {
                out.push(RawProblem::new(
                    ind_path(i, &["measure", "parts"]),
                    "au moins deux parties",
                ));
            }
            if counted.is_empty() {
                out.push(RawProblem::new(
                    ind_path(i, &["measure", "counted"]),
                    "aucune partie comptée",
                ));
            }
            for id in counted {
                if !parts.iter().any(|p| &p.id == id) {
                    out.push(RawProblem::new(
                        ind_path(i, &["measure", "counted"]),
                        format!("partie comptée inconnue « {id} »"),
                    ));
                }
            }
            validate_target(
                i,
                target,
                Unit::Percent,
                scoring,
                &["measure", "target"],
                out,
            )
        }
        Measure::Criteria { criteria } => {
            if criteria.is_empty() {
                out.push(RawProblem::new(
                    ind_path(i, &["measure", "criteria"]),
                    "aucun critère",
                ));
            }
            let mut sum = Number::ZERO;
            let mut seen = HashSet::new();
            for (n, cr) in criteria.iter().enumerate() {
                let at = |k: &str| {
                    let mut p = ind_path(i, &["measure", "criteria"]);
                    p.extend([Seg::Index(n), key(k)]);
                    p
                };
                if !seen.insert(cr.id.as_str()) {
                    out.push(RawProblem::new(
                        at("id"),
                        format!("critère « {} » en double", cr.id),
                    ));
                }
                if cr.points.is_negative() {
                    out.push(RawProblem::new(
                        at("points"),
                        format!("points négatifs pour le critère « {} »", cr.id),
                    ));
                }
                sum = sum.add(cr.points).unwrap_or(sum);
            }
            if ind.role != Role::Information && sum != ind.points {
                out.push(RawProblem::new(
                    ind_path(i, &["points"]),
                    format!(
                        "les critères totalisent {} points mais l'indicateur en vaut {}",
                        sum, ind.points
                    ),
                ));
            }
        }
        Measure::Information { .. } => {}
    }
}

fn floor_path(mut scoring: Vec<Seg>) -> Vec<Seg> {
    scoring.push(key("floor"));
    scoring
}

fn validate_target(
    i: usize,
    target: &Target,
    unit: Unit,
    scoring: &Scoring,
    path: &[&str],
    out: &mut Vec<RawProblem>,
) {
    let p = |k: &str| {
        let mut v = ind_path(i, path);
        v.push(key(k));
        v
    };
    if target.unit != unit {
        out.push(RawProblem::new(
            p("unit"),
            format!(
                "unité de cible « {} » incompatible : attendu « {} »",
                target.unit.label(),
                unit.label()
            ),
        ));
    }
    match (target.personalised, target.value) {
        (false, None) => out.push(RawProblem::new(
            p("value"),
            "cible manquante (donner « value » ou « personalised = true »)",
        )),
        (true, Some(_)) => out.push(RawProblem::new(
            p("value"),
            "une cible personnalisée n'a pas de valeur dans le référentiel",
        )),
        _ => {}
    }
    if let Some(v) = target.value {
        if unit == Unit::Percent
            && (v.is_negative() && target.op == Op::AtLeast || v > Number::HUNDRED)
        {
            out.push(RawProblem::new(p("value"), "pourcentage hors de [0, 100]"));
        }
    }
    let spath = {
        let mut v = ind_path(i, &path[..path.len() - 1]);
        v.push(key("scoring"));
        v
    };
    match scoring {
        Scoring::AllOrNothing => {}
        Scoring::Linear { floor } => match (floor, target.value, target.op) {
            (None, _, Op::AtMost) => out.push(RawProblem::new(
                spath,
                "un barème linéaire sur une cible « <= » doit donner « floor » (valeur à zéro point)",
            )),
            (Some(f), Some(t), Op::AtLeast) if *f >= t => out.push(RawProblem::new(
                floor_path(spath),
                "le plancher doit être inférieur à la cible",
            )),
            (Some(f), Some(t), Op::AtMost) if *f <= t => out.push(RawProblem::new(
                floor_path(spath),
                "le plancher doit être supérieur à la cible",
            )),
            _ => {}
        },
        Scoring::Tiers { tiers } => {
            if tiers.is_empty() {
                out.push(RawProblem::new(spath.clone(), "aucun palier"));
            }
            if target.personalised {
                out.push(RawProblem::new(
                    spath.clone(),
                    "les paliers ne s'appliquent pas à une cible personnalisée",
                ));
            }
            for (n, t) in tiers.iter().enumerate() {
                if t.share.is_negative() || t.share > Number::HUNDRED {
                    let mut p = spath.clone();
                    p.extend([key("tiers"), Seg::Index(n), key("share")]);
                    out.push(RawProblem::new(p, "part de palier hors de [0, 100]"));
                }
            }
        }
    }
}
