//! The CSV files written by `caqes` (`verify -o x.csv`, `campaign --csv`, and
//! any later one): separator `;`, UTF-8 with BOM, CRLF, for a French spreadsheet.
//!
//! Every field goes through this module. Text from a submission (an
//! establishment name, a file name, a message quoting a cell) never becomes a
//! formula when the CSV is opened in a spreadsheet: a **text** field that
//! begins with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with
//! `'` (the OWASP rule against CSV injection). **Number** fields are written
//! as they are, so that a negative progression « -3 » stays a number; a
//! number field that is not a number is treated as text.
//!
//! `caqes_campaign::parse_history` strips that `'` again when it reads a CSV.

/// A text field, neutralised and quoted (shared with the form:
/// [`caqes_engine::csv::text_field`]).
pub fn csv_text_field(text: &str) -> String {
    caqes_engine::csv::text_field(text)
}

/// A number field written as it is, else text ([`caqes_engine::csv::number_field`]).
pub fn csv_number_field(number: &str) -> String {
    caqes_engine::csv::number_field(number)
}

/// A field of a CSV line: text (neutralised) or number.
#[derive(Debug, Clone, Copy)]
pub enum Field<'a> {
    Text(&'a str),
    Number(&'a str),
}

/// One CSV line (`;`-separated, ending with CRLF).
pub fn csv_line(fields: &[Field<'_>]) -> String {
    let mut line = fields
        .iter()
        .map(|f| match f {
            Field::Text(t) => csv_text_field(t),
            Field::Number(n) => csv_number_field(n),
        })
        .collect::<Vec<_>>()
        .join(";");
    line.push_str("\r\n");
    line
}

/// The header line with the byte-order mark (Excel reads UTF-8 then).
pub fn csv_header(columns: &[&str]) -> String {
    let fields: Vec<Field> = columns.iter().map(|c| Field::Text(c)).collect();
    format!("\u{feff}{}", csv_line(&fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_starting_like_a_formula_is_neutralised() {
        assert_eq!(
            csv_text_field("=HYPERLINK(\"http://x\",\"clic\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"clic\"\")\""
        );
        assert_eq!(csv_text_field("+33 CHU"), "'+33 CHU");
        assert_eq!(csv_text_field("-3 points"), "'-3 points");
        assert_eq!(csv_text_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text_field("\tx"), "'\tx");
        assert_eq!(csv_text_field("\rx"), "\"'\rx\"");
        assert_eq!(csv_text_field("CHU de Bordeaux"), "CHU de Bordeaux");
        assert_eq!(csv_text_field("a;b"), "\"a;b\"");
        assert_eq!(csv_text_field(""), "");
    }

    #[test]
    fn numbers_stay_numbers() {
        assert_eq!(csv_number_field("-3"), "-3");
        assert_eq!(csv_number_field("88,5"), "88,5");
        assert_eq!(csv_number_field("1\u{202f}234,5"), "1\u{202f}234,5");
        assert_eq!(csv_number_field(""), "");
        // Not a number: text rules.
        assert_eq!(csv_number_field("=1+1"), "'=1+1");
        assert_eq!(csv_number_field("-1+1"), "'-1+1");
        assert_eq!(
            csv_line(&[Field::Text("=A1"), Field::Number("-2")]),
            "'=A1;-2\r\n"
        );
    }
}
