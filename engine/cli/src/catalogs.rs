//! Finding catalogs (bundled, a folder, or a file) and the `catalog` commands.

use crate::Failure;
use caqes_engine::{load_catalogs, Catalog};
use std::path::{Path, PathBuf};

/// Where catalogs come from: the bundled ones, or a folder given by `--indicators`.
pub struct Source {
    dir: Option<PathBuf>,
}

/// French text of an I/O error.
pub fn io_message(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "fichier introuvable".into(),
        PermissionDenied => "accès refusé".into(),
        IsADirectory => "c'est un dossier".into(),
        _ => e.to_string(),
    }
}

fn read_text(path: &Path) -> Result<String, Failure> {
    let bytes = std::fs::read(path).map_err(|e| {
        Failure::input(format!(
            "lecture impossible de « {} » : {}",
            path.display(),
            io_message(&e)
        ))
    })?;
    String::from_utf8(bytes)
        .map_err(|_| Failure::input(format!("« {} » n'est pas un texte UTF-8", path.display())))
}

impl Source {
    pub fn new(dir: Option<PathBuf>) -> Source {
        Source { dir }
    }

    /// Every catalog with the file it comes from.
    pub fn all(&self) -> Result<Vec<(String, Catalog)>, Failure> {
        let mut out = Vec::new();
        match &self.dir {
            None => {
                for (name, src) in caqes_catalogs::FILES {
                    let cats =
                        load_catalogs(name, src).map_err(|e| Failure::input(e.to_string()))?;
                    out.extend(cats.into_iter().map(|c| (name.to_string(), c)));
                }
            }
            Some(dir) => {
                let rd = std::fs::read_dir(dir).map_err(|e| {
                    Failure::usage(format!(
                        "dossier « {} » illisible : {}",
                        dir.display(),
                        io_message(&e)
                    ))
                })?;
                let mut paths: Vec<PathBuf> = rd
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("toml"))
                    .collect();
                paths.sort();
                for p in paths {
                    let name = p.display().to_string();
                    let cats = load_catalogs(&name, &read_text(&p)?)
                        .map_err(|e| Failure::input(e.to_string()))?;
                    out.extend(cats.into_iter().map(|c| (name.clone(), c)));
                }
            }
        }
        Ok(out)
    }

    /// The catalog named by `--catalog` (an id or a .toml path), or by the answers.
    pub fn resolve(&self, given: Option<&str>, from_answers: &str) -> Result<Catalog, Failure> {
        if let Some(g) = given {
            let path = Path::new(g);
            if g.ends_with(".toml") || path.is_file() {
                let cats = load_catalogs(g, &read_text(path)?)
                    .map_err(|e| Failure::input(e.to_string()))?;
                return match cats.len() {
                    1 => Ok(cats.into_iter().next().expect("one catalog")),
                    _ => cats
                        .into_iter()
                        .find(|c| c.campaign.id == from_answers)
                        .ok_or_else(|| {
                            Failure::input(format!(
                                "le fichier « {g} » ne définit pas le référentiel « {from_answers} » des réponses"
                            ))
                        }),
                };
            }
        }
        let id = given.unwrap_or(from_answers);
        if id.is_empty() {
            return Err(Failure::usage(
                "référentiel inconnu : donner --catalog ou le champ « catalog » des réponses",
            ));
        }
        let all = self.all()?;
        let ids: Vec<String> = all.iter().map(|(_, c)| c.campaign.id.clone()).collect();
        all.into_iter()
            .map(|(_, c)| c)
            .find(|c| c.campaign.id == id)
            .ok_or_else(|| {
                Failure::input(format!(
                    "référentiel « {id} » introuvable ; disponibles : {}",
                    ids.join(", ")
                ))
            })
    }
}

pub fn list(source: &Source) -> Result<u8, Failure> {
    let all = source.all()?;
    println!(
        "{:<26} {:<20} {:>5} {:>11}  Titre",
        "Identifiant", "Région", "Année", "Indicateurs"
    );
    for (_, c) in &all {
        println!(
            "{:<26} {:<20} {:>5} {:>11}  {}",
            c.campaign.id,
            c.campaign.region,
            c.campaign.year,
            c.indicators.len(),
            c.campaign.title
        );
    }
    println!("{} référentiel(s).", all.len());
    Ok(0)
}

pub fn check(files: &[PathBuf]) -> Result<u8, Failure> {
    let mut failed = 0;
    for f in files {
        let name = f.display().to_string();
        let text = match read_text(f) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{name} : {}", e.message);
                failed += 1;
                continue;
            }
        };
        match load_catalogs(&name, &text) {
            Ok(cats) => {
                let ids: Vec<&str> = cats.iter().map(|c| c.campaign.id.as_str()).collect();
                println!("{name} : valide ({})", ids.join(", "));
            }
            Err(errors) => {
                failed += 1;
                for e in &errors.0 {
                    eprintln!("{e}");
                }
            }
        }
    }
    if failed > 0 {
        eprintln!("{failed} fichier(s) invalide(s) sur {}.", files.len());
        Ok(1)
    } else {
        Ok(0)
    }
}

pub fn show(source: &Source, id: &str, json: bool) -> Result<u8, Failure> {
    let catalog = source.resolve(Some(id), id)?;
    let text = if json {
        serde_json::to_string_pretty(&catalog).map_err(|e| Failure::input(e.to_string()))?
    } else {
        let body = toml::to_string(&catalog).map_err(|e| Failure::input(e.to_string()))?;
        format!(
            "# Référentiel « {} » résolu pour l'année {} : valeurs par année appliquées,\n\
             # seuls les indicateurs de l'année ; les champs vides sont omis.\n\n{}",
            catalog.campaign.id,
            catalog.campaign.year,
            mark_assumed(&catalog, &without_empty_fields(&body)).trim_start()
        )
    };
    // A closed pipe (`caqes catalog show ID | head`) is not an error.
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout().lock(), "{text}");
    Ok(0)
}

/// `caqes catalog assumed [ID]`: the values marked `assumed` (« supposé »),
/// for one catalog or every catalog.
pub fn assumed(source: &Source, id: Option<&str>, markdown: bool) -> Result<u8, Failure> {
    let catalogs: Vec<caqes_engine::Catalog> = match id {
        Some(id) => vec![source.resolve(Some(id), id)?],
        None => source.all()?.into_iter().map(|(_, c)| c).collect(),
    };
    let mut out = String::new();
    if markdown {
        out = caqes_engine::assumed_markdown_all(&catalogs);
    } else {
        for c in &catalogs {
            out.push_str(&assumed_text(c));
        }
    }
    use std::io::Write as _;
    let _ = write!(std::io::stdout().lock(), "{out}");
    Ok(0)
}

/// The « supposé » list of one catalog.
fn assumed_text(c: &caqes_engine::Catalog) -> String {
    use std::fmt::Write as _;
    let all = c.assumptions();
    let mut out = format!(
        "Référentiel « {} » : {} valeur(s) supposée(s) (les sources ne les donnent pas)\n",
        c.campaign.id,
        all.len(),
    );
    let mut current: Option<&str> = Some("");
    for a in &all {
        let who = a.indicator.map(|i| i.id.as_str());
        if who != current {
            let _ = match a.indicator {
                None => writeln!(out, "  Campagne :"),
                Some(i) => writeln!(out, "  {} ({}) :", i.code, i.id),
            };
            current = who;
        }
        let _ = writeln!(out, "    - {} : {}", caqes_engine::SUPPOSE, a.text);
    }
    out.push('\n');
    out
}

/// Adds a « supposé » comment line before each indicator of a resolved TOML
/// view that has `assumed` values, and one before the campaign's.
fn mark_assumed(catalog: &caqes_engine::Catalog, toml_text: &str) -> String {
    let mut out = String::with_capacity(toml_text.len());
    let mut k = 0;
    for line in toml_text.lines() {
        let assumed = match line.trim() {
            "[[indicators]]" => {
                k += 1;
                catalog.indicators.get(k - 1).map(|i| &i.assumed)
            }
            "[campaign]" => Some(&catalog.campaign.assumed),
            _ => None,
        };
        if let Some(list) = assumed.filter(|l| !l.is_empty()) {
            let fields: Vec<&str> = list
                .iter()
                .map(|t| t.split(" : ").next().unwrap_or(t).trim())
                .collect();
            out.push_str(&format!(
                "# {} : {}\n",
                caqes_engine::SUPPOSE,
                fields.join(" ; ")
            ));
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Drops the `key = []` and `key = ""` lines of a serialized catalog (empty
/// lists and texts are the defaults, and only clutter the resolved view).
fn without_empty_fields(toml_text: &str) -> String {
    let mut out = String::with_capacity(toml_text.len());
    for line in toml_text.lines() {
        let empty = line
            .split_once(" = ")
            .is_some_and(|(k, v)| !k.starts_with('[') && (v == "[]" || v == "\"\""));
        if !empty {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

pub fn schema() -> Result<u8, Failure> {
    let schema = schemars::schema_for!(Catalog);
    println!(
        "{}",
        serde_json::to_string_pretty(&schema).map_err(|e| Failure::input(e.to_string()))?
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn empty_fields_are_omitted_from_the_resolved_view() {
        let text = "identification = []\n\n[campaign]\nid = \"x\"\nhelp = \"\"\nitems = [1]\n";
        assert_eq!(
            super::without_empty_fields(text),
            "\n[campaign]\nid = \"x\"\nitems = [1]\n"
        );
    }
}
