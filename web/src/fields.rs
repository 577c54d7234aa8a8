//! Small helpers shared by the views: event values, number texts, focus,
//! the display of targets, and [`Shared`] (props compared by pointer).

use caqes_engine::{labels, Number, Target, Unit};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Shared data in component props, equal when it is the same allocation (the
/// open catalog never changes under a form: comparing it by value on every
/// render would cost as much as rendering).
pub struct Shared<T>(pub Rc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Rc::clone(&self.0))
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

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
    match t.value {
        Some(v) => labels::target_text(t.op, &with_unit(v, Some(t.unit))),
        None if t.personalised => {
            labels::target_text(t.op, "objectif personnalisé de l'établissement")
        }
        None => "—".into(),
    }
}
