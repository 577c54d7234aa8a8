//! What a grid can carry of an answers document.
//!
//! A grid holds one cell per catalog field; [`normalise`] projects answers
//! onto it (unknown ids, null values and text beyond Excel's cell limit are
//! dropped or cut, evidence is put in catalog order, categories in display
//! order). Reading back a grid gives exactly the normalised answers.

use crate::layout::has_personalised_target;
use caqes_engine::{
    Answers, Catalog, Category, Establishment, Indicator, IndicatorAnswer, QuestionKind,
};

/// Excel's limit of characters in a cell (UTF-16 code units).
pub const MAX_CELL_CHARS: usize = 32_767;

/// Cuts `text` to Excel's cell limit. Returns whether it was cut.
pub fn clip(text: &str) -> (String, bool) {
    if text.len() <= MAX_CELL_CHARS {
        return (text.to_string(), false);
    }
    let mut units = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        units += c.len_utf16();
        if units > MAX_CELL_CHARS {
            return (text[..end].to_string(), true);
        }
        end = i + c.len_utf8();
    }
    (text.to_string(), false)
}

/// A JSON number as a spreadsheet number and back: integral values become integers.
pub fn json_number(f: f64) -> Option<serde_json::Value> {
    if !f.is_finite() {
        return None;
    }
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        Some(serde_json::Value::from(f as i64))
    } else {
        serde_json::Number::from_f64(f).map(serde_json::Value::Number)
    }
}

fn number_value(v: &serde_json::Value) -> Option<serde_json::Value> {
    match v {
        serde_json::Value::Number(n) => {
            let f = n.as_f64()?;
            let back = json_number(f)?;
            // Integers beyond 2^53 cannot be carried exactly by a spreadsheet.
            if let (Some(i), Some(j)) = (n.as_i64(), back.as_i64()) {
                if i != j {
                    return None;
                }
            }
            if let (Some(i), Some(j)) = (n.as_u64(), back.as_u64()) {
                if i != j {
                    return None;
                }
            }
            Some(back)
        }
        _ => None,
    }
}

/// The answers a grid can carry, and what was lost or cut (French messages).
pub fn normalise(catalog: &Catalog, answers: &Answers) -> (Answers, Vec<String>) {
    let mut lost = Vec::new();
    let mut out = Answers {
        catalog: answers.catalog.clone(),
        ..Answers::default()
    };
    out.establishment = normalise_establishment(catalog, &answers.establishment, &mut lost);
    out.previous_score = answers.previous_score;
    for (id, a) in &answers.indicators {
        let Some(ind) = catalog.indicator(id) else {
            lost.push(format!("indicateur inconnu « {id} » ignoré"));
            continue;
        };
        let n = normalise_indicator(ind, id, a, &mut lost);
        if n != IndicatorAnswer::default() {
            out.indicators.insert(id.clone(), n);
        }
    }
    (out, lost)
}

/// The identification a grid can carry: texts cut, categories in display order,
/// answers to the catalog's questions only.
fn normalise_establishment(
    catalog: &Catalog,
    est: &Establishment,
    lost: &mut Vec<String>,
) -> Establishment {
    let mut text = |t: &str, what: &str| {
        let (t, cut) = clip(t);
        if cut {
            lost.push(format!(
                "{what} : texte tronqué à {MAX_CELL_CHARS} caractères (limite d'une cellule Excel)"
            ));
        }
        t
    };
    let mut e = Establishment {
        finess: text(&est.finess, "FINESS"),
        name: text(&est.name, "nom de l'établissement"),
        departement: text(&est.departement, "département"),
        ..Establishment::default()
    };
    e.legal_status = est.legal_status;
    e.funding = est.funding;
    e.categories = Category::ALL
        .iter()
        .copied()
        .filter(|c| est.categories.contains(c))
        .collect();
    e.beds = est.beds;
    e.places = est.places;
    for (k, v) in &est.answers {
        let Some(q) = catalog.question(k) else {
            lost.push(format!(
                "identification : question inconnue « {k} » ignorée"
            ));
            continue;
        };
        if let Some(v) = question_value(q.kind, k, v, lost) {
            e.answers.insert(k.clone(), v);
        }
    }
    e
}

/// The answer to question `k` as its cell holds it (`None`: empty or not representable).
fn question_value(
    kind: QuestionKind,
    k: &str,
    v: &serde_json::Value,
    lost: &mut Vec<String>,
) -> Option<serde_json::Value> {
    match (kind, v) {
        (_, serde_json::Value::Null) => None,
        (QuestionKind::Bool, serde_json::Value::Bool(b)) => Some(serde_json::Value::Bool(*b)),
        (_, serde_json::Value::String(s)) => {
            let (s, cut) = clip(s);
            if cut {
                lost.push(format!("identification « {k} » : texte tronqué"));
            }
            if s.trim().is_empty() {
                None
            } else {
                Some(serde_json::Value::String(s))
            }
        }
        (_, n @ serde_json::Value::Number(_)) => {
            let r = number_value(n);
            if r.is_none() {
                lost.push(format!("identification « {k} » : nombre non représentable"));
            }
            r
        }
        _ => {
            lost.push(format!(
                "identification « {k} » : valeur {v} non représentable"
            ));
            None
        }
    }
}

/// One indicator's answer as its block holds it: statut, justification and comment cut,
/// known saisies and critères, personalised target, preuves in catalog order.
fn normalise_indicator(
    ind: &Indicator,
    id: &str,
    a: &IndicatorAnswer,
    lost: &mut Vec<String>,
) -> IndicatorAnswer {
    let mut n = IndicatorAnswer {
        status: a.status,
        ..IndicatorAnswer::default()
    };
    let (j, cut) = clip(&a.justification);
    if cut {
        lost.push(format!(
            "{id} : justification tronquée à {MAX_CELL_CHARS} caractères"
        ));
    }
    n.justification = j;
    let (c, cut) = clip(&a.comment);
    if cut {
        lost.push(format!(
            "{id} : commentaire tronqué à {MAX_CELL_CHARS} caractères"
        ));
    }
    n.comment = c;
    let inputs = ind.measure.inputs();
    for (k, v) in &a.inputs {
        if !inputs.iter().any(|i| i.id() == k) {
            lost.push(format!("{id} : saisie inconnue « {k} » ignorée"));
            continue;
        }
        if let Some(v) = input_value(id, k, v, lost) {
            n.inputs.insert(k.clone(), v);
        }
    }
    if let caqes_engine::Measure::Criteria { criteria } = &ind.measure {
        for (k, v) in &a.criteria {
            if criteria.iter().any(|c| &c.id == k) {
                n.criteria.insert(k.clone(), *v);
            } else {
                lost.push(format!("{id} : critère inconnu « {k} » ignoré"));
            }
        }
    } else if !a.criteria.is_empty() {
        lost.push(format!(
            "{id} : critères ignorés (indicateur sans critères)"
        ));
    }
    if has_personalised_target(ind) {
        n.target = a.target;
    } else if a.target.is_some() {
        lost.push(format!(
            "{id} : cible personnalisée ignorée (cible fixée par le référentiel)"
        ));
    }
    for ev in &ind.evidence {
        if a.evidence.contains(&ev.id) {
            n.evidence.push(ev.id.clone());
        }
    }
    for ev in &a.evidence {
        if !ind.evidence.iter().any(|e| &e.id == ev) {
            lost.push(format!("{id} : élément de preuve inconnu « {ev} » ignoré"));
        }
    }
    n
}

/// The value of saisie `k` of indicator `id` as its cell holds it (`None`: empty or not representable).
fn input_value(
    id: &str,
    k: &str,
    v: &serde_json::Value,
    lost: &mut Vec<String>,
) -> Option<serde_json::Value> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) if s.trim().is_empty() => None,
        serde_json::Value::String(s) => Some(serde_json::Value::String(clip(s).0)),
        n @ serde_json::Value::Number(_) => {
            let r = number_value(n);
            if r.is_none() {
                lost.push(format!("{id} : « {k} » nombre non représentable"));
            }
            r
        }
        other => {
            lost.push(format!("{id} : « {k} » valeur {other} non représentable"));
            None
        }
    }
}
