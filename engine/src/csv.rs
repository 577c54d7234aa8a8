//! CSV fields for a French spreadsheet, shared by every CSV the project
//! writes (the CLI's reports, the form's response file): separator `;`,
//! CRLF, quoting per RFC 4180, and formula-leading text neutralised.
//!
//! Text from a submission never becomes a formula when the CSV is opened in a
//! spreadsheet: a **text** field that begins with `=`, `+`, `-`, `@`, a tab or
//! a carriage return is prefixed with `'` (the OWASP rule against CSV
//! injection). **Number** fields are written as they are, so that a negative
//! progression « -3 » stays a number; a number field that is not a number is
//! treated as text. [`unneutralise`] strips that `'` again on reading.

use crate::Number;

/// Characters that make a spreadsheet read a field as a formula (OWASP).
pub const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text field, neutralised and quoted: `=HYPERLINK(…)` → `'=HYPERLINK(…)`
/// (then quoted, since it holds `"`). A field with `;`, `"`, CR or LF is put
/// between `"`, inner `"` doubled.
pub fn text_field(text: &str) -> String {
    let neutral = if text.starts_with(FORMULA_TRIGGERS) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    quote(&neutral)
}

/// A number field (French decimal comma allowed: `-3`, `88,5`), written as
/// it is. Anything that does not read as a number is written by [`text_field`].
pub fn number_field(number: &str) -> String {
    let t = number.trim();
    if t.is_empty() {
        return String::new();
    }
    if Number::parse(t).is_some() && !t.contains('_') {
        quote(t)
    } else {
        text_field(number)
    }
}

/// The text a neutralised field stood for: `'=x` → `=x`; other text unchanged.
pub fn unneutralise(field: &str) -> &str {
    match field.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_TRIGGERS) => rest,
        _ => field,
    }
}

fn quote(field: &str) -> String {
    if field.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralised_and_back() {
        assert_eq!(text_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(text_field("a;b"), "\"a;b\"");
        assert_eq!(number_field("-3"), "-3");
        assert_eq!(number_field("-1+1"), "'-1+1");
        assert_eq!(unneutralise("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(unneutralise("'ok"), "'ok");
        assert_eq!(unneutralise("ok"), "ok");
    }
}
