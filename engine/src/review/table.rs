//! Pure parsers of the agency's tables (no I/O): the data file
//! `finess;indicateur;champ;valeur` and the review as CSV
//! `finess;indicateur;champ;valeur;motif[;version;date]`.
//!
//! UTF-8 with or without BOM, `;` separator, a header row, fields optionally
//! quoted (`"a;b"`, `""` for a quote, line breaks inside quotes), blank lines
//! ignored, CRLF or LF. Values are kept as typed (decimal comma or point):
//! [`super::apply_review`] parses them against the catalog.

use super::{AdjustmentOrigin, Decision};
use crate::catalog::{Catalog, Provider};

/// An error in a table: line (1-based, in the text), column, French message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ligne {line}{} : {message}", column.as_ref().map(|c| format!(", colonne « {c} »")).unwrap_or_default())]
pub struct TableError {
    /// Line in the text (1-based; the header is line 1 unless blank lines precede it).
    pub line: usize,
    /// Column name, when the error is about one column.
    pub column: Option<String>,
    /// French message.
    pub message: String,
}

/// One row of the agency's data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyDataRow {
    /// Line in the text.
    pub line: usize,
    /// FINESS of the establishment.
    pub finess: String,
    /// Indicator id.
    pub indicator: String,
    /// Field: `inputs.<id>` (a bare input id is accepted and means the same).
    pub field: String,
    /// Value as written.
    pub value: String,
}

/// One row of a review written as CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    /// Line in the text.
    pub line: usize,
    /// FINESS of the establishment.
    pub finess: String,
    /// Indicator id.
    pub indicator: String,
    /// Field, as in [`Decision::field`].
    pub field: String,
    /// Retained value as written.
    pub value: String,
    /// Motif.
    pub motif: String,
    /// Version of the review (1, 2, …), when given.
    pub version: Option<u32>,
    /// Date of the version, JJ/MM/AAAA, when given.
    pub date: Option<String>,
}

const DATA_HEADER: [&str; 4] = ["finess", "indicateur", "champ", "valeur"];
const REVIEW_HEADER: [&str; 7] = [
    "finess",
    "indicateur",
    "champ",
    "valeur",
    "motif",
    "version",
    "date",
];

impl AgencyDataRow {
    /// The decision of origin `donnees` this row stands for; the motif names
    /// who supplies the figure (the input's `provided_by`, ARS by default).
    pub fn decision(&self, catalog: &Catalog) -> Decision {
        let field = normalise_field(&self.field);
        let provider = catalog
            .indicator(self.indicator.trim())
            .and_then(|ind| {
                let id = field.strip_prefix("inputs.")?;
                super::find_input(ind, id)
            })
            .and_then(|i| i.provided_by())
            .unwrap_or(Provider::Ars);
        Decision {
            indicator: self.indicator.trim().to_string(),
            field,
            value: self.value.clone(),
            motif: provider.motif().to_string(),
            origin: AdjustmentOrigin::Donnees,
        }
    }
}

impl ReviewRow {
    /// The evaluator's decision this row stands for (origin `ars`).
    pub fn decision(&self) -> Decision {
        Decision {
            indicator: self.indicator.trim().to_string(),
            field: self.field.trim().to_string(),
            value: self.value.clone(),
            motif: self.motif.trim().to_string(),
            origin: AdjustmentOrigin::Ars,
        }
    }
}

/// A bare input id means `inputs.<id>` in the data file.
fn normalise_field(field: &str) -> String {
    let field = field.trim();
    if field.contains('.') || field == "status" || field == "target" {
        field.to_string()
    } else {
        format!("inputs.{field}")
    }
}

/// Parses the agency's data file `finess;indicateur;champ;valeur`.
///
/// ```
/// let rows = caqes_engine::parse_agency_data("\u{feff}finess;indicateur;champ;valeur\r\n330781196;ii-1;inputs.n;\"84,5\"\r\n").unwrap();
/// assert_eq!(rows[0].value, "84,5");
/// assert_eq!(rows[0].line, 2);
/// ```
pub fn parse_agency_data(text: &str) -> Result<Vec<AgencyDataRow>, Vec<TableError>> {
    let table = read_table(text, &DATA_HEADER, 4)?;
    Ok(table
        .into_iter()
        .map(|(line, f)| AgencyDataRow {
            line,
            finess: f[0].trim().to_string(),
            indicator: f[1].trim().to_string(),
            field: f[2].trim().to_string(),
            value: f[3].trim().to_string(),
        })
        .collect())
}

/// Parses a review as CSV `finess;indicateur;champ;valeur;motif[;version;date]`.
///
/// ```
/// let rows = caqes_engine::parse_review_csv("finess;indicateur;champ;valeur;motif;version;date\n330781196;ii-1;status;renseigne;NC non justifié;2;15/03/2024\n").unwrap();
/// assert_eq!(rows[0].version, Some(2));
/// assert_eq!(rows[0].date.as_deref(), Some("15/03/2024"));
/// ```
pub fn parse_review_csv(text: &str) -> Result<Vec<ReviewRow>, Vec<TableError>> {
    let table = read_table(text, &REVIEW_HEADER, 5)?;
    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(table.len());
    for (line, f) in table {
        let cell = |i: usize| f.get(i).map(|s| s.trim()).unwrap_or("");
        let version = match cell(5) {
            "" => None,
            v => match v.parse::<u32>() {
                Ok(n) if n >= 1 => Some(n),
                _ => {
                    errors.push(TableError {
                        line,
                        column: Some("version".into()),
                        message: format!(
                            "version « {v} » invalide : un entier à partir de 1 attendu"
                        ),
                    });
                    None
                }
            },
        };
        let date = match cell(6) {
            "" => None,
            d if valid_date(d) => Some(d.to_string()),
            d => {
                errors.push(TableError {
                    line,
                    column: Some("date".into()),
                    message: format!("date « {d} » invalide : JJ/MM/AAAA attendu"),
                });
                None
            }
        };
        rows.push(ReviewRow {
            line,
            finess: cell(0).to_string(),
            indicator: cell(1).to_string(),
            field: cell(2).to_string(),
            value: cell(3).to_string(),
            motif: cell(4).to_string(),
            version,
            date,
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// A calendar date JJ/MM/AAAA.
fn valid_date(d: &str) -> bool {
    let parts: Vec<&str> = d.split('/').collect();
    let [day, month, year] = parts.as_slice() else {
        return false;
    };
    if day.len() != 2 || month.len() != 2 || year.len() != 4 {
        return false;
    }
    let (Ok(day), Ok(month), Ok(year)) = (
        day.parse::<u32>(),
        month.parse::<u32>(),
        year.parse::<u32>(),
    ) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day) && year >= 1900
}

/// Reads a `;` table whose header starts with the `required` first columns of
/// `header` and may go on with the next ones in order. Returns data rows with
/// their line and as many fields as the header has.
pub(super) fn read_table(
    text: &str,
    header: &[&str],
    required: usize,
) -> Result<Vec<(usize, Vec<String>)>, Vec<TableError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let records = split_records(text).map_err(|e| vec![e])?;
    let mut records = records
        .into_iter()
        .filter(|(_, fields)| !fields.iter().all(|f| f.trim().is_empty()));
    let expected = header[..required].join(";");
    let optional = if required < header.len() {
        format!(
            " (colonnes facultatives : {})",
            header[required..].join(";")
        )
    } else {
        String::new()
    };
    let Some((line, names)) = records.next() else {
        return Err(vec![TableError {
            line: 1,
            column: None,
            message: format!("fichier vide : en-tête attendu « {expected} »{optional}"),
        }]);
    };
    let names: Vec<String> = names
        .iter()
        .map(|n| crate::text::lowercase_fr(n.trim()))
        .collect();
    let width = names.len();
    let header_ok =
        width >= required && width <= header.len() && names.iter().zip(header).all(|(n, h)| n == h);
    if !header_ok {
        return Err(vec![TableError {
            line,
            column: None,
            message: format!(
                "en-tête « {} » incorrect : en-tête attendu « {expected} »{optional}, séparateur « ; »",
                names.join(";")
            ),
        }]);
    }
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    for (line, mut fields) in records {
        if fields.len() < required {
            errors.push(TableError {
                line,
                column: Some(header[fields.len()].to_string()),
                message: format!(
                    "colonne « {} » manquante ({} colonnes sur {} attendues ; séparateur « ; »)",
                    header[fields.len()],
                    fields.len(),
                    width
                ),
            });
            continue;
        }
        if fields.len() > width {
            errors.push(TableError {
                line,
                column: None,
                message: format!(
                    "{} colonnes au lieu de {} : une valeur contenant « ; » doit être entre guillemets",
                    fields.len(),
                    width
                ),
            });
            continue;
        }
        fields.resize(width, String::new());
        for (i, name) in header[..required].iter().enumerate() {
            // The value may be blank (it clears an input); the keys may not.
            if i < 3 && fields[i].trim().is_empty() {
                errors.push(TableError {
                    line,
                    column: Some(name.to_string()),
                    message: format!("« {name} » vide"),
                });
            }
        }
        rows.push((line, fields));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// Splits the text into records of fields, with the line where each record starts.
fn split_records(text: &str) -> Result<Vec<(usize, Vec<String>)>, TableError> {
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut start = 1;
    let mut chars = text.chars().peekable();
    let mut in_quotes = false;
    let mut quote_line = 0;
    while let Some(c) = chars.next() {
        match c {
            '"' if in_quotes => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_quotes = false;
                }
            }
            '"' if field.trim().is_empty() => {
                field.clear();
                in_quotes = true;
                quote_line = line;
            }
            '\n' if in_quotes => {
                line += 1;
                field.push('\n');
            }
            '\r' if in_quotes => {}
            ';' if !in_quotes => fields.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                fields.push(std::mem::take(&mut field));
                records.push((start, std::mem::take(&mut fields)));
                line += 1;
                start = line;
            }
            c => field.push(c),
        }
    }
    if in_quotes {
        return Err(TableError {
            line: quote_line,
            column: None,
            message: "guillemet ouvrant sans guillemet fermant".into(),
        });
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        records.push((start, fields));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_crlf_quotes_decimal_comma_blank_lines() {
        let text = "\u{feff}finess;indicateur;champ;valeur\r\n\r\n330781196;ii-1;inputs.n;\"84,5\"\r\n  \r\n330781196;\"ii-1\";num;12.5\r\n";
        let rows = parse_agency_data(text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 3);
        assert_eq!(rows[0].value, "84,5");
        assert_eq!(rows[1].line, 5);
        assert_eq!(rows[1].indicator, "ii-1");
        assert_eq!(rows[1].value, "12.5");
    }

    #[test]
    fn quoted_field_with_separator_quote_and_newline() {
        let text = "finess;indicateur;champ;valeur;motif\n330781196;ii-1;status;NC;\"refusé ; voir \"\"bilan\"\"\nsuite\"\n330781196;ii-2;target;5;x\n";
        let rows = parse_review_csv(text).unwrap();
        assert_eq!(rows[0].motif, "refusé ; voir \"bilan\"\nsuite");
        assert_eq!(rows[0].version, None);
        assert_eq!(rows[1].line, 4, "the record after a quoted line break");
    }

    #[test]
    fn wrong_header_names_the_expected_one() {
        let e = parse_agency_data("finess,indicateur,champ,valeur\n1;2;3;4\n").unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, 1);
        assert!(
            e[0].message
                .contains("en-tête attendu « finess;indicateur;champ;valeur »"),
            "{}",
            e[0]
        );
        let e = parse_review_csv("finess;indicateur;champ;valeur\n").unwrap_err();
        assert!(e[0].message.contains(
            "« finess;indicateur;champ;valeur;motif » (colonnes facultatives : version;date)"
        ));
        let e = parse_agency_data("").unwrap_err();
        assert!(e[0].message.starts_with("fichier vide"));
    }

    #[test]
    fn header_is_case_insensitive_and_trimmed() {
        let rows = parse_agency_data("FINESS ; Indicateur;CHAMP;Valeur\n1;a;b;\n").unwrap();
        assert_eq!(rows[0].value, "");
    }

    #[test]
    fn missing_column_and_blank_key_are_located() {
        let e =
            parse_agency_data("finess;indicateur;champ;valeur\n330781196;ii-1\n330781196;;x;1\n")
                .unwrap_err();
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].line, e[0].column.as_deref()), (2, Some("champ")));
        assert!(e[0]
            .to_string()
            .starts_with("ligne 2, colonne « champ » : colonne « champ » manquante"));
        assert_eq!((e[1].line, e[1].column.as_deref()), (3, Some("indicateur")));
        let e = parse_agency_data("finess;indicateur;champ;valeur\n1;2;3;4;5\n").unwrap_err();
        assert!(e[0].message.contains("entre guillemets"));
    }

    #[test]
    fn review_version_and_date_are_checked() {
        let text = "finess;indicateur;champ;valeur;motif;version;date\n1;a;status;NC;m;0;31/02/2024\n1;a;status;NC;m;;\n";
        let e = parse_review_csv(text).unwrap_err();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].column.as_deref(), Some("version"));
        assert_eq!(e[1].column.as_deref(), Some("date"));
        assert!(valid_date("29/02/2024"));
        assert!(!valid_date("29/02/2023"));
        assert!(!valid_date("1/2/2024"));
    }

    #[test]
    fn unterminated_quote_is_an_error() {
        let e = parse_agency_data("finess;indicateur;champ;valeur\n1;a;b;\"12\n").unwrap_err();
        assert_eq!(e[0].line, 2);
        assert!(e[0].message.contains("guillemet"));
    }

    #[test]
    fn field_normalisation() {
        assert_eq!(normalise_field(" num "), "inputs.num");
        assert_eq!(normalise_field("inputs.num"), "inputs.num");
        assert_eq!(normalise_field("target"), "target");
    }
}
