//! Small helpers shared by the views: event values, number texts, focus,
//! and the "full share" answers used to simulate gains.

use caqes_engine::{Indicator, IndicatorAnswer, Measure, Number, Op, Target, Unit};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Value of an `<input>` / `<textarea>` / `<select>` from its event.
pub fn event_value(e: &Event) -> String {
    let Some(t) = e.target() else {
        return String::new();
    };
    if let Some(i) = t.dyn_ref::<web_sys::HtmlInputElement>() {
        i.value()
    } else if let Some(s) = t.dyn_ref::<web_sys::HtmlSelectElement>() {
        s.value()
    } else if let Some(a) = t.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        a.value()
    } else {
        String::new()
    }
}

/// Value of an input event.
pub fn input_value(e: &InputEvent) -> String {
    event_value(e)
}

/// `checked` of a checkbox / radio from its event.
pub fn checked(e: &Event) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|i| i.checked())
        .unwrap_or(false)
}

/// The file chosen in a file input (and resets the input so that the same
/// file can be chosen again).
pub fn take_file(e: &Event) -> Option<web_sys::File> {
    let input = e.target()?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
    let file = input.files()?.get(0);
    input.set_value("");
    file
}

/// Focuses the first element of `ids` that exists (and scrolls to it).
pub fn focus_first(ids: &[String]) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    for id in ids {
        if let Some(el) = doc
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            el.scroll_into_view();
            let _ = el.focus();
            return;
        }
    }
}

/// Element id of a field: `f-` + the path with `.` replaced by `-`.
pub fn field_id(parts: &[&str]) -> String {
    let mut s = String::from("f");
    for p in parts {
        s.push('-');
        s.push_str(&p.replace('.', "-"));
    }
    s
}

/// A typed number → the JSON value stored in the answers: a JSON number when
/// the text is a number (comma or dot), the text itself otherwise (the engine
/// then reports it on the field), `None` when empty.
pub fn parse_value(text: &str) -> Option<serde_json::Value> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match Number::parse(t) {
        Some(n) => serde_json::to_value(n).ok(),
        None => Some(serde_json::Value::String(t.to_string())),
    }
}

/// Display text of a stored value (French decimal comma, no grouping so that
/// it stays editable).
pub fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Number(n) => Number::from_json(n)
            .map(|x| x.to_decimal_string(6).replace('.', ","))
            .unwrap_or_else(|| n.to_string()),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Display of a number with its unit, French format.
pub fn with_unit(n: Number, unit: Option<Unit>) -> String {
    match unit {
        Some(Unit::Percent) => format!("{} %", n.to_french(2)),
        Some(Unit::Amount) => format!("{} €", n.to_french(2)),
        _ => n.to_french_auto(),
    }
}

/// "≥ 80 %", "≤ 2 %", "personnalisé".
pub fn target_text(t: &Target) -> String {
    let op = match t.op {
        Op::AtLeast => "≥",
        Op::AtMost => "≤",
    };
    match t.value {
        Some(v) => format!("{op} {}", with_unit(v, Some(t.unit))),
        None if t.personalised => format!("{op} objectif personnalisé de l'établissement"),
        None => "—".into(),
    }
}

/// The answer of `ind` modified so that it scores its full share (status,
/// target, evidence and comment kept), or `None` when no such answer exists.
pub fn full_share(ind: &Indicator, mut a: IndicatorAnswer) -> Option<IndicatorAnswer> {
    let n = |v: i64| serde_json::Value::from(v);
    a.inputs.clear();
    match &ind.measure {
        Measure::Criteria { criteria } => {
            a.criteria = criteria.iter().map(|c| (c.id.clone(), true)).collect();
        }
        Measure::Rate {
            numerator,
            denominator,
            target,
            ..
        } => {
            let num = if target.op == Op::AtLeast { 1 } else { 0 };
            a.inputs.insert(numerator.id.clone(), n(num));
            a.inputs.insert(denominator.id.clone(), n(1));
        }
        Measure::Evolution {
            previous,
            current,
            target,
            ..
        } => {
            let (p, c) = if target.op == Op::AtMost {
                (100, 0)
            } else {
                (1, 1_000_000_000)
            };
            a.inputs.insert(previous.id.clone(), n(p));
            a.inputs.insert(current.id.clone(), n(c));
        }
        Measure::Count { terms, target, .. } => {
            for t in terms {
                a.inputs.insert(t.id.clone(), n(0));
            }
            if target.op == Op::AtLeast {
                let goal = target.value.or(a.target)?;
                let first = terms.first()?;
                if first.weight <= Number::ZERO {
                    return None;
                }
                let count = goal
                    .div(first.weight)
                    .ok()?
                    .round(0, caqes_engine::RoundingMode::Down);
                let count = count.add(Number::ONE).ok()?;
                let count: i64 = count.to_decimal_string(0).parse().ok()?;
                a.inputs.insert(first.id.clone(), n(count));
            }
        }
        Measure::Distribution {
            total,
            parts,
            counted,
            excluded,
            excluded_counted,
            target,
            ..
        } => {
            a.inputs.insert(total.id.clone(), n(1));
            let pick = parts
                .iter()
                .find(|p| counted.contains(&p.id) == (target.op == Op::AtLeast))?;
            for p in parts {
                a.inputs.insert(p.id.clone(), n(i64::from(p.id == pick.id)));
            }
            for x in excluded.iter().chain(excluded_counted.iter()) {
                a.inputs.insert(x.id.clone(), n(0));
            }
        }
        Measure::Information { .. } => return None,
    }
    Some(a)
}
