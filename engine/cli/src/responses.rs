//! `caqes review --reponses`: the establishments' response files
//! (contradictory period, written by the form: CSV
//! `finess;indicateur;champ;valeur_retenue;reponse;commentaire;version`),
//! shown beside each decision in the new version of the review workbook.

use crate::catalogs::io_message;
use caqes_engine::{parse_response_csv, ResponseRow};
use caqes_grid::review as rv;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Response rows read, with their file.
#[derive(Debug, Default)]
pub struct Loaded {
    rows: Vec<(String, ResponseRow)>,
    /// Unreadable files and rows (French, located): errors.
    pub errors: Vec<String>,
    /// How many files were read.
    pub files: usize,
}

/// The `.csv` files of `paths` (a directory is walked, sorted).
fn csv_files(paths: &[PathBuf], errors: &mut Vec<String>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if !p.is_dir() {
            out.push(p.clone());
            continue;
        }
        let mut stack = vec![p.clone()];
        while let Some(d) = stack.pop() {
            let entries = match std::fs::read_dir(&d) {
                Ok(rd) => rd,
                Err(e) => {
                    errors.push(format!(
                        "dossier « {} » illisible : {}",
                        d.display(),
                        io_message(&e)
                    ));
                    continue;
                }
            };
            let mut entries: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            entries.sort();
            for e in entries {
                if e.is_dir() {
                    stack.push(e);
                } else if e
                    .extension()
                    .is_some_and(|x| x.to_string_lossy().eq_ignore_ascii_case("csv"))
                {
                    out.push(e);
                }
            }
        }
    }
    out
}

fn read_one(p: &Path) -> Result<Vec<ResponseRow>, String> {
    let file = p.display();
    let bytes = std::fs::read(p)
        .map_err(|e| format!("« {file} » : lecture impossible : {}", io_message(&e)))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("« {file} » : pas un texte UTF-8 (fichier de réponse CSV attendu)"))?;
    parse_response_csv(&text).map_err(|errs| {
        errs.iter()
            .map(|e| format!("« {file} » : {e}"))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// Reads every response file (files or directories of `.csv`); a bad file is
/// an error and the others are still read.
pub fn load(paths: &[PathBuf]) -> Loaded {
    let mut out = Loaded::default();
    for p in csv_files(paths, &mut out.errors) {
        match read_one(&p) {
            Ok(rows) => {
                out.files += 1;
                let file = p.display().to_string();
                out.rows.extend(rows.into_iter().map(|r| (file.clone(), r)));
            }
            Err(e) => out.errors.push(e),
        }
    }
    out
}

impl Loaded {
    /// The responses to decisions of the review: `decided` maps each FINESS of
    /// the campaign to the (indicator, field) of its decisions. A response for
    /// an unknown FINESS, or about no decision of the review, is a located
    /// French warning and is left out; of two responses to one decision, the
    /// later (command-line order) is kept, with a warning.
    pub fn check(
        &self,
        decided: &BTreeMap<String, BTreeSet<(String, String)>>,
    ) -> (Vec<rv::Response>, Vec<String>) {
        let mut warnings = Vec::new();
        let mut kept: BTreeMap<(String, String, String), (String, usize, rv::Response)> =
            BTreeMap::new();
        for (file, r) in &self.rows {
            let at = format!("« {file} », ligne {}", r.line);
            let Some(fields) = decided.get(r.finess.trim()) else {
                warnings.push(format!(
                    "{at} : FINESS {} inconnu (aucune grille de la campagne) : réponse ignorée",
                    r.finess
                ));
                continue;
            };
            let key = (r.indicator.trim().to_string(), r.field.trim().to_string());
            if !fields.contains(&key) {
                warnings.push(format!(
                    "{at} : FINESS {}, indicateur « {} », champ « {} » : aucune décision de la revue sur ce champ : réponse ignorée",
                    r.finess, r.indicator, r.field
                ));
                continue;
            }
            let response = rv::Response {
                finess: r.finess.trim().to_string(),
                indicator: key.0.clone(),
                field: key.1.clone(),
                response: r.response,
                comment: r.comment.clone(),
            };
            let k = (response.finess.clone(), key.0, key.1);
            if let Some((pf, pl, _)) = kept.get(&k) {
                warnings.push(format!(
                    "{at} : deuxième réponse à la même décision (déjà « {pf} », ligne {pl}) : la dernière est retenue"
                ));
            }
            kept.insert(k, (file.clone(), r.line, response));
        }
        (kept.into_values().map(|(_, _, r)| r).collect(), warnings)
    }
}
