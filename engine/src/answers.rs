//! The answers of one establishment to one campaign (a JSON document).
//!
//! ```json
//! {
//!   "catalog": "na-ako-2024",
//!   "establishment": { "finess": "330781196", "name": "CHU de Bordeaux",
//!                      "legal_status": "public", "categories": ["mco"] },
//!   "previous_score": 84,
//!   "indicators": {
//!     "ir-cho-2": { "criteria": { "programme": true }, "evidence": ["programme"] },
//!     "ir-cho-4": { "status": "non_concerne", "justification": "…" }
//!   }
//! }
//! ```
//!
//! Input values are kept as raw JSON so that a wrong value (text, negative,
//! decimal count) is reported on its field by the evaluation instead of
//! rejecting the whole document.

use crate::catalog::{Category, Funding, LegalStatus};
use crate::number::Number;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[cfg(feature = "schema")]
use schemars::JsonSchema;

/// Answers of one establishment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Answers {
    /// Id of the resolved catalog, e.g. `na-ako-2024`.
    pub catalog: String,
    /// Identification step.
    #[serde(default)]
    pub establishment: Establishment,
    /// Rounded score of the previous year, when a band requires progression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_score: Option<Number>,
    /// Answers per indicator id.
    #[serde(default)]
    pub indicators: BTreeMap<String, IndicatorAnswer>,
}

/// Identification of the establishment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Establishment {
    /// FINESS number (9 characters).
    #[serde(default)]
    pub finess: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Département (e.g. "33", "2A").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub departement: String,
    /// Legal status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_status: Option<LegalStatus>,
    /// Funding category; defaults from the legal status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding: Option<Funding>,
    /// Categories of activity.
    #[serde(default)]
    pub categories: Vec<Category>,
    /// Beds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beds: Option<u32>,
    /// Places.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub places: Option<u32>,
    /// Answers to the catalog's identification questions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub answers: BTreeMap<String, serde_json::Value>,
}

impl Establishment {
    /// Funding category: declared, or derived from the legal status.
    pub fn funding(&self) -> Option<Funding> {
        self.funding
            .or_else(|| self.legal_status.map(LegalStatus::default_funding))
    }
}

/// Status declared by the establishment for an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeclaredStatus {
    /// Filled in.
    #[default]
    Renseigne,
    /// Not concerned.
    NonConcerne,
    /// Not measurable.
    NonMesurable,
}

/// Answer to one indicator.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IndicatorAnswer {
    /// Declared status (default: renseigné).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DeclaredStatus>,
    /// Justification of a non concerné / non mesurable declaration.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub justification: String,
    /// Values of the inputs, by input id (numbers; null or absent when not filled).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inputs: BTreeMap<String, serde_json::Value>,
    /// Criteria met, by criterion id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub criteria: BTreeMap<String, bool>,
    /// Personalised target of the establishment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Number>,
    /// Ids of the éléments de preuve provided.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// Free comment.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
}

/// A malformed answers document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("réponses invalides{}{} : {message}", line.map(|l| format!(", ligne {l}")).unwrap_or_default(), if field.is_empty() { String::new() } else { format!(", champ « {field} »") })]
pub struct AnswersError {
    /// Line in the JSON text, when known.
    pub line: Option<usize>,
    /// Path of the field, e.g. `indicators.ir-cho-2.status`.
    pub field: String,
    /// French message.
    pub message: String,
}

impl Answers {
    /// Parses an answers document.
    ///
    /// ```
    /// let a = caqes_engine::Answers::from_json(r#"{"catalog": "na-ako-2024"}"#).unwrap();
    /// assert_eq!(a.catalog, "na-ako-2024");
    /// let e = caqes_engine::Answers::from_json(r#"{"catalog": 3}"#).unwrap_err();
    /// assert!(e.to_string().contains("catalog"));
    /// ```
    pub fn from_json(text: &str) -> Result<Answers, AnswersError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let answers: Answers = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
            let field = e.path().to_string();
            json_error(e.into_inner(), field)
        })?;
        // Nothing but white space may follow the document.
        de.end().map_err(|e| json_error(e, String::new()))?;
        Ok(answers)
    }

    /// Canonical JSON text (sorted keys, no spaces): the basis of hashes and
    /// comparisons between adapters.
    pub fn to_canonical_json(&self) -> String {
        // BTreeMaps keep keys sorted; struct fields have a fixed order.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// An answers error from a serde_json error and the path where it occurred.
fn json_error(inner: serde_json::Error, field: String) -> AnswersError {
    let line = if inner.line() > 0 {
        Some(inner.line())
    } else {
        None
    };
    let raw = inner.to_string();
    let raw = raw.split(" at line ").next().unwrap_or(&raw).to_string();
    let syntax = matches!(
        inner.classify(),
        serde_json::error::Category::Syntax
            | serde_json::error::Category::Eof
            | serde_json::error::Category::Io
    );
    let message = if syntax {
        format!("JSON mal formé ({})", french_json_syntax(&raw))
    } else {
        crate::load::french_serde_message(&raw)
    };
    AnswersError {
        line,
        // A syntax error has no meaningful field path.
        field: if field == "." || syntax {
            String::new()
        } else {
            field
        },
        message,
    }
}

/// French wording of serde_json's syntax errors.
fn french_json_syntax(raw: &str) -> String {
    let known = [
        (
            "EOF while parsing",
            "fin de fichier inattendue : document tronqué",
        ),
        ("expected value", "valeur attendue"),
        ("expected `,` or `}`", "« , » ou « } » attendu"),
        ("expected `,` or `]`", "« , » ou « ] » attendu"),
        ("expected `:`", "« : » attendu"),
        (
            "trailing characters",
            "caractères en trop après la fin du document",
        ),
        ("trailing comma", "virgule en trop"),
        (
            "key must be a string",
            "une clé doit être un texte entre guillemets",
        ),
        ("control character", "caractère de contrôle dans un texte"),
        ("invalid escape", "séquence d'échappement invalide"),
        ("invalid unicode", "caractère Unicode invalide"),
        ("invalid number", "nombre invalide"),
        ("number out of range", "nombre hors limites"),
        (
            "expected ident",
            "mot-clé inconnu (true, false ou null attendu)",
        ),
        ("recursion limit", "document trop imbriqué"),
    ];
    known
        .iter()
        .find(|(en, _)| raw.contains(en))
        .map(|(_, fr)| fr.to_string())
        .unwrap_or_else(|| "syntaxe invalide".to_string())
}

/// Checks a FINESS number: 9 characters, digits (2A/2B allowed for Corsica),
/// with a Luhn check key on the last digit.
///
/// ```
/// assert!(caqes_engine::finess_is_valid("330781196"));
/// assert!(!caqes_engine::finess_is_valid("330781197"));
/// ```
pub fn finess_is_valid(finess: &str) -> bool {
    let f = finess.trim();
    if f.len() != 9 || !f.is_ascii() {
        return false;
    }
    let digits: String = if f.starts_with("2A") || f.starts_with("2B") {
        format!("20{}", &f[2..])
    } else {
        f.to_string()
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = (b - b'0') as u32;
        if !i.is_multiple_of(2) {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}
