//! Lower case for matching French words typed by people (statuses, « oui » /
//! « non », CSV headers, the small words of titles), without the Unicode
//! case tables of `str::to_lowercase`: those tables alone weigh about 10 kB
//! (brotli) in the form's first load, for letters no CAQES keyword has.
//!
//! `engine/tests/tidy.rs` keeps `to_lowercase` / `to_uppercase` out of the
//! code the form loads (`engine/src`, `web/src`).

/// `text` in lower case for the letters French writes: A–Z, the Latin-1
/// capitals (À … Þ), Œ and Ÿ. Every other character is kept as is, which
/// never changes whether a French keyword matches.
///
/// ```
/// use caqes_engine::text::lowercase_fr;
/// assert_eq!(lowercase_fr("NON CONCERNÉ"), "non concerné");
/// assert_eq!(lowercase_fr("À Œuvre ÇA Ÿ"), "à œuvre ça ÿ");
/// assert_eq!(lowercase_fr("Ωmega"), "Ωmega");
/// ```
pub fn lowercase_fr(text: &str) -> String {
    text.chars().map(lower_char).collect()
}

fn lower_char(c: char) -> char {
    match c {
        'A'..='Z' => c.to_ascii_lowercase(),
        // Latin-1 capitals À (U+C0) … Þ (U+DE), except × (U+D7): lower case is +0x20.
        '\u{c0}'..='\u{de}' if c != '\u{d7}' => char::from_u32(c as u32 + 0x20).unwrap_or(c),
        'Œ' => 'œ',
        'Ÿ' => 'ÿ',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_unicode_lower_case_on_french_letters() {
        let french = "ABCDEFGHIJKLMNOPQRSTUVWXYZÀÂÄÆÇÉÈÊËÎÏÔÖŒÙÛÜŸ abcàéœ 0-9 ';×÷";
        assert_eq!(lowercase_fr(french), french.to_lowercase());
        for c in '\u{c0}'..='\u{de}' {
            let s = c.to_string();
            assert_eq!(lowercase_fr(&s), s.to_lowercase(), "{c}");
        }
    }
}
