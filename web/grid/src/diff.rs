//! What differs between the form's draft and an opened grid, field by field,
//! in French: shown to the user before the draft is replaced.
//!
//! Computed here, in the on-demand module, so that the form's first load does
//! not carry it.

use caqes_engine::{
    Answers, Catalog, DeclaredStatus, Establishment, Indicator, IndicatorAnswer, Number,
};
use serde::Serialize;
use std::collections::BTreeSet;

/// One field whose value differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Where: « Identification » or the indicator's code.
    pub place: String,
    /// Indicator id, when the change is in an indicator.
    pub indicator: Option<String>,
    /// The field's French label.
    pub field: String,
    /// Value in the current draft (« (vide) » when empty).
    pub current: String,
    /// Value in the grid (« (vide) » when empty).
    pub grid: String,
}

/// Display of an empty value.
pub const EMPTY: &str = "(vide)";

/// Every field whose value differs between `current` and `grid`, in the
/// order of the form (identification, then the indicators in catalog order).
pub fn diff(catalog: &Catalog, current: &Answers, grid: &Answers) -> Vec<Change> {
    let mut out = Vec::new();
    establishment(
        catalog,
        &current.establishment,
        &grid.establishment,
        &mut out,
    );
    let previous = |a: &Answers| a.previous_score.map(number).unwrap_or_default();
    push(
        &mut out,
        "Identification",
        None,
        "Score arrondi de l'année précédente",
        previous(current),
        previous(grid),
    );
    let none = IndicatorAnswer::default();
    for ind in &catalog.indicators {
        let a = current.indicators.get(ind.id.as_str()).unwrap_or(&none);
        let b = grid.indicators.get(ind.id.as_str()).unwrap_or(&none);
        if a != b {
            indicator(ind, a, b, &mut out);
        }
    }
    out
}

fn push(
    out: &mut Vec<Change>,
    place: &str,
    indicator: Option<&str>,
    field: &str,
    current: String,
    grid: String,
) {
    if current != grid {
        let shown = |s: String| if s.is_empty() { EMPTY.to_string() } else { s };
        out.push(Change {
            place: place.to_string(),
            indicator: indicator.map(str::to_string),
            field: field.to_string(),
            current: shown(current),
            grid: shown(grid),
        });
    }
}

/// French text of a number, exact up to 9 decimals, without grouping.
fn number(n: Number) -> String {
    n.to_decimal_string(9).replace('.', ",")
}

/// French text of a stored JSON value (number, Oui/Non, text).
fn value(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::Number(n)) => Number::from_json(n)
            .map(number)
            .unwrap_or_else(|| n.to_string()),
        Some(serde_json::Value::Bool(b)) => yes_no(*b),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn yes_no(b: bool) -> String {
    if b { "Oui" } else { "Non" }.to_string()
}

fn establishment(catalog: &Catalog, a: &Establishment, b: &Establishment, out: &mut Vec<Change>) {
    let mut field = |label: &str, x: String, y: String| {
        push(out, "Identification", None, label, x, y);
    };
    field("Numéro FINESS", a.finess.clone(), b.finess.clone());
    field("Nom de l'établissement", a.name.clone(), b.name.clone());
    field("Département", a.departement.clone(), b.departement.clone());
    let legal = |e: &Establishment| e.legal_status.map(|l| l.label().to_string());
    field(
        "Statut juridique",
        legal(a).unwrap_or_default(),
        legal(b).unwrap_or_default(),
    );
    let funding = |e: &Establishment| e.funding.map(|f| f.label().to_string());
    field(
        "Catégorie de financement",
        funding(a).unwrap_or_default(),
        funding(b).unwrap_or_default(),
    );
    let cats: BTreeSet<_> = a.categories.iter().chain(&b.categories).collect();
    for c in cats {
        field(
            &format!("Catégorie d'activité {}", c.label()),
            yes_no(a.categories.contains(c)),
            yes_no(b.categories.contains(c)),
        );
    }
    let count = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    field("Nombre de lits", count(a.beds), count(b.beds));
    field("Nombre de places", count(a.places), count(b.places));
    let ids: BTreeSet<&String> = a.answers.keys().chain(b.answers.keys()).collect();
    for id in ids {
        let q = catalog.question(id);
        let label = q.map(|q| q.label.as_str()).unwrap_or(id);
        let shown = |v: Option<&serde_json::Value>| {
            // A choice is stored as its option id: show its label.
            let text = value(v);
            q.and_then(|q| q.options.iter().find(|o| o.id == text))
                .map(|o| o.label.clone())
                .unwrap_or(text)
        };
        field(label, shown(a.answers.get(id)), shown(b.answers.get(id)));
    }
}

fn status(s: Option<DeclaredStatus>) -> String {
    s.unwrap_or_default().label().to_string()
}

fn indicator(ind: &Indicator, a: &IndicatorAnswer, b: &IndicatorAnswer, out: &mut Vec<Change>) {
    let place = ind.code.as_str();
    let id = Some(ind.id.as_str());
    let mut field = |label: &str, x: String, y: String| push(out, place, id, label, x, y);
    field("Statut", status(a.status), status(b.status));
    field(
        "Justification",
        a.justification.clone(),
        b.justification.clone(),
    );
    let inputs = ind.measure.inputs();
    let mut seen = BTreeSet::new();
    for input in &inputs {
        seen.insert(input.id().to_string());
        field(
            input.label(),
            value(a.inputs.get(input.id())),
            value(b.inputs.get(input.id())),
        );
    }
    // Inputs the catalog does not know (an older draft): still shown.
    for k in a.inputs.keys().chain(b.inputs.keys()) {
        if seen.insert(k.clone()) {
            field(k, value(a.inputs.get(k)), value(b.inputs.get(k)));
        }
    }
    if let caqes_engine::Measure::Criteria { criteria } = &ind.measure {
        for c in criteria {
            let met = |x: &IndicatorAnswer| yes_no(x.criteria.get(&c.id) == Some(&true));
            field(&format!("Critère « {} »", c.label), met(a), met(b));
        }
    }
    let target = |x: &IndicatorAnswer| x.target.map(number).unwrap_or_default();
    field("Cible personnalisée", target(a), target(b));
    for e in &ind.evidence {
        let given = |x: &IndicatorAnswer| yes_no(x.evidence.contains(&e.id));
        field(
            &format!("Élément de preuve « {} »", e.label),
            given(a),
            given(b),
        );
    }
    field("Commentaire", a.comment.clone(), b.comment.clone());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        caqes_catalogs::bundled()
            .unwrap()
            .into_iter()
            .find(|c| c.campaign.id == "na-ako-2024")
            .unwrap()
    }

    #[test]
    fn same_answers_have_no_change() {
        let c = catalog();
        let a = Answers::from_json(
            r#"{"catalog":"na-ako-2024","establishment":{"finess":"330781196","name":"CHU"},
               "indicators":{"ir-cho-1":{"inputs":{"depenses":4200000.5}}}}"#,
        )
        .unwrap();
        assert_eq!(diff(&c, &a, &a.clone()), vec![]);
        // 4200000.50 and 4200000.5 are the same number; a missing status is « Renseigné ».
        let b = Answers::from_json(
            r#"{"catalog":"na-ako-2024","establishment":{"finess":"330781196","name":"CHU"},
               "indicators":{"ir-cho-1":{"status":"renseigne","inputs":{"depenses":4200000.50}}}}"#,
        )
        .unwrap();
        assert_eq!(diff(&c, &a, &b), vec![]);
    }

    #[test]
    fn changes_are_named_in_french() {
        let c = catalog();
        let a = Answers::from_json(
            r#"{"catalog":"na-ako-2024","establishment":{"finess":"330781196","legal_status":"public"},
               "previous_score":84,
               "indicators":{"ir-cho-1":{"inputs":{"depenses":4200000.5}}}}"#,
        )
        .unwrap();
        let b = Answers::from_json(
            r#"{"catalog":"na-ako-2024","establishment":{"finess":"330781196","legal_status":"prive","categories":["mco"]},
               "indicators":{"ir-cho-1":{"status":"non_concerne","justification":"Pas d'activité","inputs":{"depenses":4300000}}}}"#,
        )
        .unwrap();
        let d = diff(&c, &a, &b);
        let t: Vec<String> = d
            .iter()
            .map(|x| format!("{} | {} | {} → {}", x.place, x.field, x.current, x.grid))
            .collect();
        let code = &c.indicator("ir-cho-1").unwrap().code;
        assert!(
            t.contains(&"Identification | Statut juridique | Public → Privé".into()),
            "{t:?}"
        );
        assert!(
            t.contains(&"Identification | Catégorie d'activité MCO | Non → Oui".into()),
            "{t:?}"
        );
        assert!(
            t.contains(
                &"Identification | Score arrondi de l'année précédente | 84 → (vide)".into()
            ),
            "{t:?}"
        );
        assert!(
            t.contains(&format!("{code} | Statut | Renseigné → Non concerné")),
            "{t:?}"
        );
        assert!(
            t.iter().any(|l| l.ends_with("| 4200000,5 → 4300000")),
            "{t:?}"
        );
        assert!(t.iter().all(|l| !l.contains("FINESS")), "{t:?}");
    }
}
