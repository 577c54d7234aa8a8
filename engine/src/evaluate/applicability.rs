//! Applicability and status: automatic NC / NM from the identification,
//! declared NC / NM.

use super::context::Ctx;
use super::{Origin, Status};
use crate::answers::{Answers, DeclaredStatus, IndicatorAnswer};
use crate::catalog::*;

/// Whether the selector matches; `None` when the identification lacks what it needs.
pub(crate) fn selector_matches<'c>(
    catalog: &'c Catalog,
    sel: &'c Selector,
    answers: &Answers,
    unknown: &mut Vec<&'c str>,
) -> Option<bool> {
    let est = &answers.establishment;
    let mut result = Some(true);
    let mut and = |v: Option<bool>| {
        result = match (result, v) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        }
    };
    if !sel.categories.is_empty() {
        if est.categories.is_empty() {
            unknown.push("catégories d'activité");
            and(None);
        } else {
            and(Some(
                est.categories.iter().any(|c| sel.categories.contains(c)),
            ));
        }
    }
    if !sel.legal_status.is_empty() {
        match est.legal_status {
            None => {
                unknown.push("statut juridique");
                and(None)
            }
            Some(s) => and(Some(sel.legal_status.contains(&s))),
        }
    }
    if !sel.funding.is_empty() {
        match est.funding() {
            None => {
                unknown.push("catégorie de financement");
                and(None)
            }
            Some(f) => and(Some(sel.funding.contains(&f))),
        }
    }
    for cond in &sel.when {
        match est.answers.get(&cond.question).filter(|v| !v.is_null()) {
            None => {
                let label = catalog
                    .question(&cond.question)
                    .map_or(cond.question.as_str(), |q| q.label.as_str());
                unknown.push(label);
                and(None)
            }
            Some(v) => and(Some(v == &cond.equals)),
        }
    }
    result
}

/// Step 1: the status of the indicator and its origin.
#[cfg_attr(not(target_arch = "wasm32"), inline)]
pub(super) fn status(ctx: &mut Ctx<'_>) -> (Status, Origin) {
    // The usual indicator, without selectors, declared renseigné: what the
    // steps of `status_of` give it, natively at once.
    #[cfg(not(target_arch = "wasm32"))]
    if ctx.ind.applies_to.is_empty()
        && ctx.ind.not_measurable_for.is_none()
        && ctx.answer.status.unwrap_or_default() == DeclaredStatus::Renseigne
    {
        return (Status::Renseigne, Origin::Declared);
    }
    status_of(ctx)
}

/// [`status`] step by step.
#[cfg_attr(not(target_arch = "wasm32"), inline(never))]
fn status_of(ctx: &mut Ctx<'_>) -> (Status, Origin) {
    let (catalog, answers, ind, answer) = (ctx.catalog, ctx.answers, ctx.ind, ctx.answer);
    let mut unknown = Vec::new();
    // An empty selector matches, needing nothing (what `selector_matches` gives).
    let applies = if ind.applies_to.is_empty() {
        Some(true)
    } else {
        selector_matches(catalog, &ind.applies_to, answers, &mut unknown)
    };
    let auto_nm = ind
        .not_measurable_for
        .as_ref()
        .map(|s| selector_matches(catalog, s, answers, &mut unknown))
        .unwrap_or(Some(false));
    if !unknown.is_empty() && applies != Some(false) {
        unknown.sort_unstable();
        unknown.dedup();
        const HEAD: &str = "applicabilité indéterminée : renseigner l'identification (";
        let size = HEAD.len() + unknown.iter().map(|l| l.len() + 2).sum::<usize>();
        let mut message = String::with_capacity(size);
        message.push_str(HEAD);
        for (k, label) in unknown.iter().enumerate() {
            if k > 0 {
                message.push_str(", ");
            }
            message.push_str(label);
        }
        message.push(')');
        ctx.missing(None, message);
    }
    let declared = answer.status.unwrap_or_default();
    if applies == Some(false) {
        if declared == DeclaredStatus::Renseigne && has_content(answer) {
            ctx.warning(
                None,
                "indicateur non concerné d'après l'identification : les saisies sont ignorées",
            );
        }
        return (Status::NonConcerne, Origin::Automatic);
    }
    if auto_nm == Some(true) {
        return (Status::NonMesurable, Origin::Automatic);
    }
    let status = match declared {
        DeclaredStatus::Renseigne => Status::Renseigne,
        DeclaredStatus::NonConcerne if !ind.nc_allowed => {
            ctx.error(
                Some("status"),
                "« non concerné » ne peut pas être déclaré pour cet indicateur",
            );
            Status::Renseigne
        }
        DeclaredStatus::NonMesurable if !ind.nm_allowed => {
            ctx.error(
                Some("status"),
                "« non mesurable » ne peut pas être déclaré pour cet indicateur",
            );
            Status::Renseigne
        }
        DeclaredStatus::NonConcerne => Status::NonConcerne,
        DeclaredStatus::NonMesurable => Status::NonMesurable,
    };
    if status != Status::Renseigne && answer.justification.trim().is_empty() {
        ctx.warning(
            Some("justification"),
            format!("statut « {} » sans justification", status.label()),
        );
    }
    (status, Origin::Declared)
}

fn has_content(answer: &IndicatorAnswer) -> bool {
    answer.inputs.values().any(|v| !v.is_null()) || !answer.criteria.is_empty()
}
