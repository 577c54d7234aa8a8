//! Semantic checks of a resolved catalog (what the type system cannot say).

use crate::catalog::*;
use crate::load::{RawProblem, Seg};
use crate::number::{Number, RoundingMode};
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
    validate_campaign(c, &mut out);
    let mut seen = Seen {
        volets: validate_volets(c, &mut out),
        ids: HashSet::new(),
        codes: HashSet::new(),
    };
    validate_questions(c, &mut out);
    validate_interessement(c, &mut out);
    validate_band_coverage(c, &mut out);
    let mut scored_total = Number::ZERO;
    for (i, ind) in c.indicators.iter().enumerate() {
        if ind.role == Role::Scored {
            scored_total = scored_total.add(ind.points).unwrap_or(scored_total);
        }
        validate_indicator(c, i, ind, &mut seen, &mut out);
    }
    validate_totals(c, scored_total, &mut out);
    out
}

/// The path of a field of `[campaign]`.
fn campaign_path(k: &str) -> Vec<Seg> {
    vec![key("campaign"), key(k)]
}

/// The `[campaign]` table: id, score scale, bonus cap, rounding.
fn validate_campaign(c: &Catalog, out: &mut Vec<RawProblem>) {
    if c.campaign.id.trim().is_empty() {
        out.push(RawProblem::new(campaign_path("id"), "identifiant vide"));
    }
    if c.campaign.scale <= Number::ZERO {
        out.push(RawProblem::new(
            campaign_path("scale"),
            "l'échelle du score doit être positive",
        ));
    }
    if c.campaign.bonus_max.is_negative() {
        out.push(RawProblem::new(
            campaign_path("bonus_max"),
            "le bonus maximal ne peut être négatif",
        ));
    }
    if c.campaign.rounding.decimals > 6 {
        out.push(RawProblem::new(
            vec![key("campaign"), key("rounding"), key("decimals")],
            "au plus 6 décimales",
        ));
    }
}

/// The volets: unique ids, short titles that fit an Excel tab; returns the volet ids.
fn validate_volets<'c>(c: &'c Catalog, out: &mut Vec<RawProblem>) -> HashSet<&'c str> {
    let mut volets = HashSet::new();
    for (i, v) in c.volets.iter().enumerate() {
        if !volets.insert(v.id.as_str()) {
            out.push(RawProblem::new(
                vec![key("volets"), Seg::Index(i), key("id")],
                format!("volet « {} » en double", v.id),
            ));
        }
        if let Some(short) = &v.short_title {
            let n = short.trim().chars().count();
            if n == 0 || n > 28 {
                out.push(RawProblem::new(
                    vec![key("volets"), Seg::Index(i), key("short_title")],
                    format!(
                        "titre court de {n} caractères : 1 à 28 (l'onglet Excel « V{} … » est limité à 31)",
                        i + 1
                    ),
                ));
            }
        }
    }
    if c.volets.is_empty() {
        out.push(RawProblem::new(vec![key("volets")], "aucun volet défini"));
    }
    volets
}

/// The identification questions: unique, not reserved, options only for choices.
fn validate_questions(c: &Catalog, out: &mut Vec<RawProblem>) {
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
}

/// The intéressement: share of savings, at least one band (or amounts), bounds in order.
fn validate_interessement(c: &Catalog, out: &mut Vec<RawProblem>) {
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
}

/// What the indicators checked so far have used: volet ids (all), indicator ids and codes.
struct Seen<'c> {
    volets: HashSet<&'c str>,
    ids: HashSet<&'c str>,
    codes: HashSet<&'c str>,
}

/// One indicator: identity, points for its role, selectors, evidence, measure.
fn validate_indicator<'c>(
    c: &'c Catalog,
    i: usize,
    ind: &'c Indicator,
    seen: &mut Seen<'c>,
    out: &mut Vec<RawProblem>,
) {
    validate_indicator_identity(i, ind, seen, out);
    validate_role_points(i, ind, out);
    validate_selector(c, &ind.applies_to, ind_path(i, &["applies_to"]), out);
    if let Some(sel) = &ind.not_measurable_for {
        validate_selector(c, sel, ind_path(i, &["not_measurable_for"]), out);
    }
    validate_evidence(i, ind, out);
    validate_measure(c, i, ind, out);
}

/// An indicator's id (well formed, unique), code (unique) and volet (known).
fn validate_indicator_identity<'c>(
    i: usize,
    ind: &'c Indicator,
    seen: &mut Seen<'c>,
    out: &mut Vec<RawProblem>,
) {
    if ind.id.trim().is_empty()
        || !ind.id.chars().all(|ch| {
            ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-' || ch == '_' || ch == '.'
        })
    {
        out.push(RawProblem::new(
            ind_path(i, &["id"]),
            "identifiant invalide (minuscules, chiffres, « - », « _ », « . »)",
        ));
    }
    if !seen.ids.insert(ind.id.as_str()) {
        out.push(RawProblem::new(
            ind_path(i, &["id"]),
            format!("identifiant « {} » en double", ind.id),
        ));
    }
    if !seen.codes.insert(ind.code.as_str()) {
        out.push(RawProblem::new(
            ind_path(i, &["code"]),
            format!("code « {} » en double", ind.code),
        ));
    }
    if !seen.volets.contains(ind.volet.as_str()) {
        out.push(RawProblem::new(
            ind_path(i, &["volet"]),
            format!("volet inconnu « {} »", ind.volet),
        ));
    }
}

/// Points by role: none for information, positive for scored and bonus (which cannot be « information »).
fn validate_role_points(i: usize, ind: &Indicator, out: &mut Vec<RawProblem>) {
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
}

/// The éléments de preuve of an indicator: unique ids.
fn validate_evidence(i: usize, ind: &Indicator, out: &mut Vec<RawProblem>) {
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
}

/// The whole catalog's points: `points_total`, at least one scored indicator, bonus with a cap.
fn validate_totals(c: &Catalog, scored_total: Number, out: &mut Vec<RawProblem>) {
    if let Some(total) = c.campaign.points_total {
        if total != scored_total {
            out.push(RawProblem::new(
                campaign_path("points_total"),
                format!(
                    "la somme des points des indicateurs notés vaut {} au lieu de {} déclarés",
                    scored_total.to_french_auto(),
                    total.to_french_auto()
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
            campaign_path("bonus_max"),
            "des indicateurs bonus existent mais bonus_max vaut 0",
        ));
    }
}

/// Every rounded score from the lowest band's minimum up to the highest total
/// belongs to exactly one band (bands are intervals `[min, below)`; a
/// progression condition restricts who is intéressé in its band, it does not
/// move the band). Gaps and overlaps name the rounded values concerned.
fn validate_band_coverage(c: &Catalog, out: &mut Vec<RawProblem>) {
    let bands = &c.interessement.bands;
    if bands.is_empty() || bands.iter().any(|b| b.below.is_some_and(|x| x <= b.min)) {
        return; // reported above
    }
    let d = c.campaign.rounding.decimals.min(6);
    let Some(step) = Number::ratio(1, 10i128.pow(d)) else {
        return;
    };
    // Smallest multiple of `step` not below `x`.
    let ceil = |x: Number| {
        x.round(
            d,
            if x.is_negative() {
                RoundingMode::Down
            } else {
                RoundingMode::Up
            },
        )
    };
    let lo = bands.iter().map(|b| b.min).fold(bands[0].min, Number::min);
    let top = c.max_total().round(d, c.campaign.rounding.mode);
    let Ok(end) = top.add(step) else { return };
    if lo >= end {
        return;
    }
    let mut points: Vec<Number> = vec![lo, end];
    for b in bands {
        points.extend(std::iter::once(b.min).chain(b.below));
    }
    points.retain(|p| *p >= lo && *p <= end);
    points.sort();
    points.dedup();
    let band_path =
        |i: usize, k: &str| vec![key("interessement"), key("bands"), Seg::Index(i), key(k)];
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        let covering: Vec<usize> = (0..bands.len())
            .filter(|&i| bands[i].min <= a && bands[i].below.is_none_or(|x| a < x))
            .collect();
        if covering.len() == 1 {
            continue;
        }
        let first = ceil(a);
        let Ok(last) = ceil(b).sub(step) else {
            continue;
        };
        if first > last {
            continue; // no rounded score in [a, b)
        }
        let values = if first == last {
            crate::labels::score_text(c, first)
        } else {
            format!(
                "de {} à {}",
                crate::labels::score_text(c, first),
                crate::labels::score_text(c, last)
            )
        };
        let one = first == last;
        if covering.is_empty() {
            let gap_after = bands.iter().position(|x| x.below == Some(a));
            let path = match gap_after {
                Some(i) => band_path(i, "below"),
                None => bands
                    .iter()
                    .position(|x| x.min == b)
                    .map_or(vec![key("interessement"), key("bands")], |i| {
                        band_path(i, "min")
                    }),
            };
            let hint = if gap_after.is_some() {
                " (la borne « below » est exclue : { min = 75, below = 80 } couvre 75 à 79 %)"
            } else {
                ""
            };
            out.push(RawProblem::new(
                path,
                format!(
                    "{values} {} à aucune tranche d'intéressement{hint}",
                    if one {
                        "n'appartient"
                    } else {
                        "n'appartiennent"
                    }
                ),
            ));
        } else {
            let names: Vec<String> = covering.iter().map(|i| format!("n° {}", i + 1)).collect();
            let last_band = covering[covering.len() - 1];
            out.push(RawProblem::new(
                band_path(last_band, "min"),
                format!(
                    "{values} {} à plusieurs tranches d'intéressement ({})",
                    if one { "appartient" } else { "appartiennent" },
                    names.join(", ")
                ),
            ));
        }
    }
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

/// An indicator's measure: its saisies, then what its kind needs (target, terms, parts, criteria).
fn validate_measure(c: &Catalog, i: usize, ind: &Indicator, out: &mut Vec<RawProblem>) {
    validate_inputs(c, i, ind, out);
    let target_path: &[&str] = &["measure", "target"];
    match &ind.measure {
        Measure::Rate {
            target,
            scoring,
            numerator_only,
            ..
        } => {
            validate_target(i, target, Unit::Percent, scoring, target_path, out);
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
        } => validate_target(i, target, Unit::Percent, scoring, target_path, out),
        Measure::Count {
            terms,
            target,
            scoring,
        } => {
            validate_count_terms(i, terms, out);
            validate_target(i, target, Unit::Count, scoring, target_path, out)
        }
        Measure::Distribution {
            parts,
            counted,
            target,
            scoring,
            ..
        } => {
            validate_distribution_parts(i, parts, counted, out);
            validate_target(i, target, Unit::Percent, scoring, target_path, out)
        }
        Measure::Criteria { criteria } => validate_criteria(i, ind, criteria, out),
        Measure::Information { .. } => {}
    }
}

/// The saisies of a measure: unique ids, known pré-remplissage.
fn validate_inputs(c: &Catalog, i: usize, ind: &Indicator, out: &mut Vec<RawProblem>) {
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
}

/// The terms of a count: at least one, each with a positive weight.
fn validate_count_terms(i: usize, terms: &[Term], out: &mut Vec<RawProblem>) {
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
}

/// The parts of a distribution: at least two, and the counted ones among them.
fn validate_distribution_parts(
    i: usize,
    parts: &[Input],
    counted: &[String],
    out: &mut Vec<RawProblem>,
) {
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
}

/// The criteria of an indicator: at least one, unique, non-negative, summing to its points.
fn validate_criteria(i: usize, ind: &Indicator, criteria: &[Criterion], out: &mut Vec<RawProblem>) {
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
                sum.to_french_auto(),
                ind.points.to_french_auto()
            ),
        ));
    }
}

/// « ; un pourcentage s'écrit 85 » when a percentage looks like a fraction
/// (strictly between 0 and 1, e.g. 0.85).
fn fraction_hint(unit: Unit, values: &[Number]) -> String {
    let fraction = values
        .iter()
        .find(|v| unit == Unit::Percent && **v > Number::ZERO && **v < Number::ONE);
    match fraction.and_then(|v| v.mul(Number::HUNDRED).ok()) {
        Some(pct) => format!(" ; un pourcentage s'écrit {}", pct.to_french_auto()),
        None => String::new(),
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
            out.push(RawProblem::new(
                p("value"),
                format!("pourcentage {} hors de [0, 100]", v.to_french_auto()),
            ));
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
                format!(
                    "le plancher doit être inférieur à la cible : plancher {} ≥ cible {}{}",
                    f.to_french_auto(),
                    t.to_french_auto(),
                    fraction_hint(unit, &[*f, t])
                ),
            )),
            (Some(f), Some(t), Op::AtMost) if *f <= t => out.push(RawProblem::new(
                floor_path(spath),
                format!(
                    "le plancher doit être supérieur à la cible : plancher {} ≤ cible {}{}",
                    f.to_french_auto(),
                    t.to_french_auto(),
                    fraction_hint(unit, &[*f, t])
                ),
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
                    out.push(RawProblem::new(
                        p,
                        format!("part de palier {} hors de [0, 100]", t.share.to_french_auto()),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    const SRC: &str = r#"
[campaign]
id = "v"
years = [2024]
title = "V"
region = "Test"
bonus_max = 5
redistribution = "proportional"
rounding = { decimals = 1, mode = "half_up" }
[interessement]
bands = BANDS
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
[[indicators]]
id = "b"
code = "B"
title = "B"
volet = "v"
scope = "regional"
role = "bonus"
points = 5
[indicators.measure]
kind = "criteria"
criteria = [{ id = "a", label = "A", points = 5 }]
"#;

    fn errors(bands: &str) -> Vec<String> {
        match crate::load_catalogs("v.toml", &SRC.replace("BANDS", bands)) {
            Ok(_) => Vec::new(),
            Err(e) => e.0.iter().map(|e| e.message.clone()).collect(),
        }
    }

    #[test]
    fn bands_cover_every_rounded_score_at_the_catalog_decimals() {
        assert_eq!(
            errors("[{ min = 80 }, { min = 75, below = 80, progression = true }]"),
            Vec::<String>::new()
        );
        let e = errors("[{ min = 80 }, { min = 75, below = 79, progression = true }]");
        assert!(
            e[0].starts_with("de 79,0 % à 79,9 % n'appartiennent à aucune tranche"),
            "{e:?}"
        );
        // The top band must reach the scale plus the bonus.
        let e = errors("[{ min = 80, below = 105 }]");
        assert!(
            e[0].starts_with("105,0 % n'appartient à aucune tranche"),
            "{e:?}"
        );
        // A bound between two rounded values leaves no rounded score uncovered.
        assert_eq!(
            errors("[{ min = 80.05 }, { min = 75, below = 80.01 }]"),
            Vec::<String>::new()
        );
    }
}
