//! The establishment's response to the agency's review (contradictory
//! period): CSV `finess;indicateur;champ;valeur_retenue;reponse;commentaire;version`,
//! one row per adjustment, `reponse` = `accepte` | `conteste`, a comment
//! required when contesting. Written by the form, read by `caqes review
//! --reponses`. Pure: text in, text out.

use super::table::{read_table, TableError};
use crate::csv::{number_field, text_field, unneutralise};

/// Columns of the response file (`version` optional on reading).
pub const RESPONSE_HEADER: [&str; 7] = [
    "finess",
    "indicateur",
    "champ",
    "valeur_retenue",
    "reponse",
    "commentaire",
    "version",
];

/// The establishment's answer to one adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reponse {
    /// The establishment accepts the agency's retained value.
    Accepte,
    /// The establishment contests it (a comment says why).
    Conteste,
}

impl Reponse {
    /// The value written in the file: `accepte` / `conteste`.
    pub fn code(self) -> &'static str {
        match self {
            Reponse::Accepte => "accepte",
            Reponse::Conteste => "conteste",
        }
    }

    /// French label: « Acceptée » / « Contestée ».
    pub fn label(self) -> &'static str {
        match self {
            Reponse::Accepte => "Acceptée",
            Reponse::Conteste => "Contestée",
        }
    }

    /// Reads `accepte` / `conteste` (accents and case ignored).
    pub fn parse(s: &str) -> Option<Reponse> {
        let s = crate::text::lowercase_fr(s.trim()).replace('é', "e");
        match s.as_str() {
            "accepte" | "acceptee" => Some(Reponse::Accepte),
            "conteste" | "contestee" => Some(Reponse::Conteste),
            _ => None,
        }
    }
}

/// One row of a response file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseRow {
    /// Line in the text (1-based; 0 for a row built in memory).
    pub line: usize,
    /// FINESS of the establishment.
    pub finess: String,
    /// Indicator id.
    pub indicator: String,
    /// Field, as in [`super::Decision::field`].
    pub field: String,
    /// The agency's retained value the response is about, as shown.
    pub retained: String,
    /// Accepted or contested.
    pub response: Reponse,
    /// Comment of the establishment (required when contesting).
    pub comment: String,
    /// Version of the review answered, when given.
    pub version: Option<u32>,
}

/// Parses a response file. UTF-8 with or without BOM, `;`, a header row;
/// every error at once, located (line, column), in French.
///
/// ```
/// let text = "\u{feff}finess;indicateur;champ;valeur_retenue;reponse;commentaire;version\r\n330781196;ii-1;inputs.n;\"84,5\";conteste;'=voir bilan;2\r\n";
/// let rows = caqes_engine::parse_response_csv(text).unwrap();
/// assert_eq!(rows[0].response, caqes_engine::Reponse::Conteste);
/// assert_eq!(rows[0].comment, "=voir bilan");
/// assert_eq!(rows[0].version, Some(2));
/// ```
pub fn parse_response_csv(text: &str) -> Result<Vec<ResponseRow>, Vec<TableError>> {
    let table = read_table(text, &RESPONSE_HEADER, 6)?;
    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(table.len());
    for (line, f) in table {
        let cell = |i: usize| unneutralise(f.get(i).map(|s| s.trim()).unwrap_or("")).to_string();
        let err = |column: &str, message: String| TableError {
            line,
            column: Some(column.into()),
            message,
        };
        let response = match Reponse::parse(&cell(4)) {
            Some(r) => r,
            None => {
                errors.push(err(
                    "reponse",
                    format!(
                        "réponse « {} » inconnue : « accepte » ou « conteste » attendu",
                        cell(4)
                    ),
                ));
                continue;
            }
        };
        let comment = cell(5);
        if response == Reponse::Conteste && comment.is_empty() {
            errors.push(err(
                "commentaire",
                "commentaire obligatoire pour une décision contestée".into(),
            ));
        }
        let version = match cell(6).as_str() {
            "" => None,
            v => match v.parse::<u32>() {
                Ok(n) if n >= 1 => Some(n),
                _ => {
                    errors.push(err(
                        "version",
                        format!("version « {v} » invalide : un entier à partir de 1 attendu"),
                    ));
                    None
                }
            },
        };
        rows.push(ResponseRow {
            line,
            finess: cell(0),
            indicator: cell(1),
            field: cell(2),
            retained: cell(3),
            response,
            comment,
            version,
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// Writes a response file: UTF-8 BOM, `;`, CRLF; text neutralised (a
/// comment « =1+1 » is written `'=1+1`), the retained value as a number when
/// it is one.
pub fn write_response_csv(rows: &[ResponseRow]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&RESPONSE_HEADER.join(";"));
    out.push_str("\r\n");
    for r in rows {
        let fields = [
            text_field(&r.finess),
            text_field(&r.indicator),
            text_field(&r.field),
            number_field(&r.retained),
            r.response.code().to_string(),
            text_field(&r.comment),
            r.version.map(|v| v.to_string()).unwrap_or_default(),
        ];
        out.push_str(&fields.join(";"));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_read_with_any_case_and_accents() {
        for (text, want) in [
            ("accepte", Some(Reponse::Accepte)),
            (" Acceptée ", Some(Reponse::Accepte)),
            ("CONTESTÉE", Some(Reponse::Conteste)),
            ("Contesté", Some(Reponse::Conteste)),
            ("peut-être", None),
        ] {
            assert_eq!(Reponse::parse(text), want, "{text}");
        }
    }

    fn row(response: Reponse, comment: &str) -> ResponseRow {
        ResponseRow {
            line: 0,
            finess: "330781196".into(),
            indicator: "ii-1".into(),
            field: "inputs.n".into(),
            retained: "-3".into(),
            response,
            comment: comment.into(),
            version: Some(2),
        }
    }

    #[test]
    fn written_then_read_back_equal() {
        let rows = vec![
            row(Reponse::Conteste, "=HYPERLINK(\"x\") ; voir\nbilan"),
            row(Reponse::Accepte, ""),
            ResponseRow {
                retained: "@non".into(),
                version: None,
                ..row(Reponse::Accepte, "+33")
            },
        ];
        let text = write_response_csv(&rows);
        assert!(text.starts_with(
            "\u{feff}finess;indicateur;champ;valeur_retenue;reponse;commentaire;version\r\n"
        ));
        assert!(text.contains(";-3;conteste;\"'=HYPERLINK(\"\"x\"\") ; voir\nbilan\";2\r\n"));
        assert!(text.contains(";'@non;accepte;'+33;\r\n"));
        let back = parse_response_csv(&text).unwrap();
        assert_eq!(back.len(), 3);
        for (a, b) in rows.iter().zip(&back) {
            assert_eq!(
                ResponseRow {
                    line: 0,
                    ..b.clone()
                },
                *a
            );
        }
        assert_eq!(back[1].line, 4, "line after the quoted line break");
    }

    #[test]
    fn bad_rows_are_located_in_french() {
        let text = "finess;indicateur;champ;valeur_retenue;reponse;commentaire\n1;ii-1;status;NC;peut-être;\n1;ii-1;target;5;conteste;  \n1;ii-2;target;5;Contestée;car\n";
        let e = parse_response_csv(text).unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].line, 2);
        assert_eq!(e[0].column.as_deref(), Some("reponse"));
        assert!(
            e[0].to_string().contains("« peut-être » inconnue"),
            "{}",
            e[0]
        );
        assert_eq!(e[1].line, 3);
        assert!(e[1].to_string().contains("commentaire obligatoire"));
        let ok = parse_response_csv(
            "finess;indicateur;champ;valeur_retenue;reponse;commentaire\n1;ii-2;target;5;Contestée;car\n",
        )
        .unwrap();
        assert_eq!(ok[0].response, Reponse::Conteste);
        assert_eq!(ok[0].version, None);
        let e = parse_response_csv("finess;indicateur;champ;valeur;motif\n").unwrap_err();
        assert!(e[0].message.contains("valeur_retenue"), "{}", e[0]);
    }
}
