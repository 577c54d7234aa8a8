//! Reading a review workbook back (feature `read`, calamine).

use super::{
    COL_DECISION, COL_FIELD, COL_FINESS, COL_INDICATOR, COL_MOTIF, COL_ORIGIN, COL_VALUE, CORRIGE,
    FORMAT, META, REFUSE, REVUE, VALIDE,
};
use crate::read::{precheck, read_sheet, Limits, V};
use crate::GridError;
use calamine::{Reader, Xlsx};
use std::collections::BTreeMap;
use std::io::Cursor;

/// The agency's choice on a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Valide,
    Corrige,
    Refuse,
}

/// A row of the « Revue » sheet that carries a decision (Corrigé / Refusé).
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionRow {
    /// Excel row number (1-based, as shown by Excel).
    pub line: usize,
    pub finess: String,
    pub indicator: String,
    pub field: String,
    pub choice: Choice,
    /// « Valeur retenue » as text (numbers in shortest decimal form).
    pub value: String,
    pub motif: String,
    /// Pre-filled from the agency's data (« Origine » column).
    pub from_data: bool,
}

/// A row that cannot be read (French message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub line: usize,
    /// Column header.
    pub column: String,
    pub message: String,
}

/// What a review workbook holds.
#[derive(Debug, Clone, Default)]
pub struct ReviewWorkbook {
    pub catalog_id: String,
    pub catalog_sha256: String,
    pub version: Option<u32>,
    /// JJ/MM/AAAA.
    pub date: String,
    /// Per FINESS, the hash of the grid's answers when the review was written.
    pub grid_hashes: BTreeMap<String, String>,
    /// Rows with a Corrigé / Refusé decision.
    pub rows: Vec<DecisionRow>,
    pub problems: Vec<RowProblem>,
}

fn text(c: Option<&V>) -> String {
    match c {
        None => String::new(),
        Some(V::Num(f)) => format!("{f}"),
        Some(v) => v.repr().trim().to_string(),
    }
}

/// Value of a « Refusé » decision: criteria and evidence become « non », a
/// declared NC/NM becomes « renseigne »; an input or a target needs the
/// retained value (else the French message).
pub fn refused_value(field: &str, typed: &str) -> Result<String, String> {
    if field.starts_with("criteria.") || field.starts_with("evidence.") {
        Ok("non".into())
    } else if field == "status" {
        Ok("renseigne".into())
    } else if typed.trim().is_empty() {
        Err("« Refusé » sur une saisie : la « Valeur retenue » est obligatoire".into())
    } else {
        Ok(typed.to_string())
    }
}

/// Reads a review workbook written by `caqes review` (and edited by the agency).
pub fn read_review(bytes: &[u8]) -> Result<ReviewWorkbook, GridError> {
    let limits = Limits {
        max_uncompressed: 2 * 1024 * 1024 * 1024,
        max_entries: 50_000,
        max_cells: 20_000_000,
    };
    precheck(bytes, limits)?;
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_inner(bytes, limits))) {
        Ok(r) => r,
        Err(_) => Err(GridError::Internal),
    }
}

fn read_inner(bytes: &[u8], limits: Limits) -> Result<ReviewWorkbook, GridError> {
    let mut xlsx: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsxError::Password => GridError::Encrypted,
        e => GridError::Corrupt(e.to_string()),
    })?;
    let names = xlsx.sheet_names();
    for s in [REVUE, META] {
        if !names.iter().any(|n| n == s) {
            return Err(GridError::NotAGrid(format!(
                "feuille « {s} » absente : ce n'est pas un classeur de revue produit par « caqes review »"
            )));
        }
    }
    let mut budget = limits.max_cells;
    let meta = read_sheet(&mut xlsx, META, 2, &mut budget)?.cells;
    let mut out = ReviewWorkbook::default();
    let mut rows: Vec<u32> = meta.keys().map(|(r, _)| *r).collect();
    rows.sort_unstable();
    rows.dedup();
    let mut map = BTreeMap::new();
    let mut in_es = false;
    for r in rows {
        let k = text(meta.get(&(r, 0)));
        let v = text(meta.get(&(r, 1)));
        if in_es {
            out.grid_hashes.insert(k, v);
        } else {
            if k == "establishments" {
                in_es = true;
            }
            map.insert(k, v);
        }
    }
    let g = |k: &str| map.get(k).cloned().unwrap_or_default();
    if g("format") != FORMAT {
        return Err(GridError::NotAGrid(
            "métadonnées de revue absentes : classeur non produit par « caqes review »".into(),
        ));
    }
    out.catalog_id = g("catalog_id");
    out.catalog_sha256 = g("catalog_sha256");
    out.version = g("review_version").trim().parse().ok();
    out.date = g("review_date");
    let sheet = read_sheet(&mut xlsx, REVUE, COL_ORIGIN, &mut budget)?.cells;
    let mut lines: Vec<u32> = sheet.keys().map(|(r, _)| *r).filter(|r| *r > 0).collect();
    lines.sort_unstable();
    lines.dedup();
    for r in lines {
        let c = |col: u16| text(sheet.get(&(r, col)));
        let line = r as usize + 1;
        let decision = c(COL_DECISION);
        let value = c(COL_VALUE);
        let motif = c(COL_MOTIF);
        let choice = match decision.to_lowercase().as_str() {
            "" => {
                if !value.is_empty() {
                    out.problems.push(RowProblem {
                        line,
                        column: "Décision".into(),
                        message: format!(
                            "« Valeur retenue » saisie ({value}) sans décision : choisir Corrigé ou Refusé"
                        ),
                    });
                }
                continue;
            }
            d if d == VALIDE.to_lowercase() || d == "valide" => Choice::Valide,
            d if d == CORRIGE.to_lowercase() || d == "corrige" => Choice::Corrige,
            d if d == REFUSE.to_lowercase() || d == "refuse" => Choice::Refuse,
            _ => {
                out.problems.push(RowProblem {
                    line,
                    column: "Décision".into(),
                    message: format!(
                        "décision « {decision} » inconnue : {VALIDE}, {CORRIGE} ou {REFUSE} attendu"
                    ),
                });
                continue;
            }
        };
        if choice == Choice::Valide {
            continue;
        }
        out.rows.push(DecisionRow {
            line,
            finess: c(COL_FINESS),
            indicator: c(COL_INDICATOR),
            field: c(COL_FIELD),
            choice,
            value,
            motif,
            from_data: !c(COL_ORIGIN).is_empty(),
        });
    }
    Ok(out)
}
