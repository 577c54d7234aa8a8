//! Finding catalogs (bundled, a folder, or a file) and the `catalog` commands.

use crate::Failure;
use caqes_engine::{load_catalogs, Catalog};
use std::path::{Path, PathBuf};

/// Where catalogs come from: the bundled ones, or a folder given by `--indicators`.
pub struct Source {
    dir: Option<PathBuf>,
    /// Whether the unusable files of the folder were already reported.
    warned: std::cell::Cell<bool>,
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

/// A file of the folder that cannot be used, or a campaign defined twice.
#[derive(Debug, Clone, PartialEq)]
pub struct Unusable {
    /// Campaign ids concerned (resolved ids, or the family id of an invalid file).
    pub ids: Vec<String>,
    /// French message naming the file(s).
    pub message: String,
}

/// The catalogs of a folder: the usable ones with their file, and the others.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Usable catalogs, with the file each comes from.
    pub catalogs: Vec<(String, Catalog)>,
    /// Invalid files and duplicated campaign ids.
    pub unusable: Vec<Unusable>,
}

/// The family id written in `[campaign] id` of a (maybe invalid) catalog file.
fn family_id(text: &str) -> Option<String> {
    let value: toml::Table = toml::from_str(text).ok()?;
    value
        .get("campaign")?
        .get("id")?
        .as_str()
        .map(str::to_string)
}

/// Loads catalog files (name, text or read error) into usable catalogs;
/// invalid files and campaign ids defined in two files are set aside.
pub fn load_files(files: Vec<(String, Result<String, Failure>)>) -> Loaded {
    let mut loaded = Loaded::default();
    for (name, text) in files {
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                loaded.unusable.push(Unusable {
                    ids: Vec::new(),
                    message: e.message,
                });
                continue;
            }
        };
        match load_catalogs(&name, &text) {
            Ok(cats) => loaded
                .catalogs
                .extend(cats.into_iter().map(|c| (name.clone(), c))),
            Err(errors) => {
                let n = errors.0.len();
                let first = errors.0.first().map(|e| e.to_string()).unwrap_or_default();
                loaded.unusable.push(Unusable {
                    ids: family_id(&text).into_iter().collect(),
                    message: format!(
                        "« {name} » est invalide ({n} erreur(s) ; `caqes catalog check {name}` les liste toutes) : {first}"
                    ),
                });
            }
        }
    }
    let mut seen: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (file, c) in &loaded.catalogs {
        seen.entry(c.campaign.id.clone())
            .or_default()
            .push(file.clone());
    }
    for (id, files) in seen.into_iter().filter(|(_, f)| f.len() > 1) {
        let names: Vec<String> = files.iter().map(|f| format!("« {f} »")).collect();
        loaded.unusable.push(Unusable {
            message: format!(
                "référentiel « {id} » défini dans plusieurs fichiers : {} ; supprimer ou renommer la copie",
                names.join(" et ")
            ),
            ids: vec![id.clone()],
        });
        loaded.catalogs.retain(|(_, c)| c.campaign.id != id);
    }
    loaded
}

impl Unusable {
    /// Whether this unusable file or duplicate concerns the campaign `id`.
    fn concerns(&self, id: &str) -> bool {
        self.ids.iter().any(|f| {
            f == id
                || id
                    .strip_prefix(f.as_str())
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|year| year.chars().all(|c| c.is_ascii_digit()))
        })
    }
}

impl Source {
    pub fn new(dir: Option<PathBuf>) -> Source {
        Source {
            dir,
            warned: std::cell::Cell::new(false),
        }
    }

    /// Every catalog, usable or not, with the problems of the others.
    pub fn load(&self) -> Result<Loaded, Failure> {
        let files: Vec<(String, Result<String, Failure>)> = match &self.dir {
            None => caqes_catalogs::FILES
                .iter()
                .map(|(name, src)| (name.to_string(), Ok(src.to_string())))
                .collect(),
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
                paths
                    .into_iter()
                    .map(|p| (p.display().to_string(), read_text(&p)))
                    .collect()
            }
        };
        Ok(load_files(files))
    }

    /// Every usable catalog with the file it comes from. Invalid files and
    /// duplicated campaigns are reported once on stderr and left out.
    pub fn all(&self) -> Result<Vec<(String, Catalog)>, Failure> {
        let loaded = self.load()?;
        if !self.warned.replace(true) {
            for u in &loaded.unusable {
                eprintln!("attention : {}", u.message);
            }
        }
        Ok(loaded.catalogs)
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
        let loaded = self.load()?;
        if let Some(u) = loaded.unusable.iter().find(|u| u.concerns(id)) {
            return Err(Failure::input(format!(
                "référentiel « {id} » inutilisable : {}",
                u.message
            )));
        }
        let ids: Vec<String> = loaded
            .catalogs
            .iter()
            .map(|(_, c)| c.campaign.id.clone())
            .collect();
        let invalid = if loaded.unusable.is_empty() {
            String::new()
        } else {
            let list: Vec<&str> = loaded.unusable.iter().map(|u| u.message.as_str()).collect();
            format!(" ; fichier(s) écarté(s) : {}", list.join(" ; "))
        };
        loaded
            .catalogs
            .into_iter()
            .map(|(_, c)| c)
            .find(|c| c.campaign.id == id)
            .ok_or_else(|| {
                Failure::input(format!(
                    "référentiel « {id} » introuvable ; disponibles : {}{invalid}",
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

/// The .toml files of the arguments: files as given, folders expanded.
fn expand(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for f in files {
        match std::fs::read_dir(f) {
            Ok(rd) if f.is_dir() => {
                let mut inner: Vec<PathBuf> = rd
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("toml"))
                    .collect();
                inner.sort();
                out.extend(inner);
            }
            _ => out.push(f.clone()),
        }
    }
    out
}

pub fn check(files: &[PathBuf]) -> Result<u8, Failure> {
    let files = expand(files);
    let mut failed = 0;
    let mut ids: Vec<(String, String)> = Vec::new();
    for f in &files {
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
                let list: Vec<&str> = cats.iter().map(|c| c.campaign.id.as_str()).collect();
                println!("{name} : valide ({})", list.join(", "));
                ids.extend(cats.iter().map(|c| (c.campaign.id.clone(), name.clone())));
            }
            Err(errors) => {
                failed += 1;
                for e in &errors.0 {
                    eprintln!("{e}");
                }
            }
        }
    }
    ids.sort();
    for pair in ids.windows(2) {
        if pair[0].0 == pair[1].0 {
            failed += 1;
            eprintln!(
                "référentiel « {} » défini dans plusieurs fichiers : « {} » et « {} »",
                pair[0].0, pair[0].1, pair[1].1
            );
        }
    }
    if failed > 0 {
        eprintln!("{failed} problème(s) sur {} fichier(s).", files.len());
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

/// Prints the JSON Schema of the catalog format, or of the answers document.
pub fn schema(answers: bool) -> Result<u8, Failure> {
    let schema = if answers {
        schemars::schema_for!(caqes_engine::Answers)
    } else {
        schemars::schema_for!(Catalog)
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&schema).map_err(|e| Failure::input(e.to_string()))?
    );
    Ok(0)
}

/// The commented skeleton catalog of `caqes catalog new`.
pub fn skeleton(id: &str, year: u16) -> String {
    include_str!("templates/skeleton.toml")
        .replace("__YEAR_END__", &year.saturating_add(2).to_string())
        .replace("__YEAR__", &year.to_string())
        .replace("__ID__", id)
}

/// `caqes catalog new ID`: writes the skeleton to `ID.toml` (or `output`,
/// `-` for stdout), never over an existing file.
pub fn new_skeleton(id: &str, year: u16, output: Option<&Path>) -> Result<u8, Failure> {
    let valid = !id.is_empty()
        && id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        return Err(Failure::usage(format!(
            "identifiant « {id} » invalide : minuscules, chiffres et « - », en commençant par une lettre (ex. bretagne)"
        )));
    }
    let text = skeleton(id, year);
    let default = PathBuf::from(format!("{id}.toml"));
    let path = output.unwrap_or(&default);
    if path == Path::new("-") {
        print!("{text}");
        return Ok(0);
    }
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            let why = if e.kind() == std::io::ErrorKind::AlreadyExists {
                "le fichier existe déjà (rien n'est écrasé)".to_string()
            } else {
                io_message(&e)
            };
            Failure::input(format!(
                "écriture impossible de « {} » : {why}",
                path.display()
            ))
        })?;
    file.write_all(text.as_bytes()).map_err(|e| {
        Failure::input(format!(
            "écriture impossible de « {} » : {}",
            path.display(),
            io_message(&e)
        ))
    })?;
    println!(
        "« {} » écrit ; vérifier avec : caqes catalog check {}",
        path.display(),
        path.display()
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_skeleton_passes_check() {
        let text = super::skeleton("bretagne", 2026);
        let cats = caqes_engine::load_catalogs("bretagne.toml", &text)
            .unwrap_or_else(|e| panic!("skeleton invalid:\n{e}"));
        assert_eq!(cats.len(), 1);
        assert_eq!(cats[0].campaign.id, "bretagne-2026");
        assert!(!text.contains("__"));
    }

    /// The annotated example of « Format des réponses » (indicators/README.md)
    /// is a valid, complete answers document for the skeleton catalog.
    #[test]
    fn the_answers_format_example_scores_complete_on_the_skeleton() {
        let readme = include_str!("../../../indicators/README.md");
        let section = readme
            .split("## 9. Format des réponses")
            .nth(1)
            .expect("section « Format des réponses »");
        let json = section
            .split("```json\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("a JSON example");
        let answers = caqes_engine::Answers::from_json(json).expect("valid answers");
        let cats = caqes_engine::load_catalogs("bretagne.toml", &super::skeleton("bretagne", 2026))
            .expect("skeleton");
        let e = caqes_engine::evaluate(&cats[0], &answers);
        assert!(e.problems.is_empty(), "{:?}", e.problems);
        assert_eq!(e.state, caqes_engine::State::Complete);
        let nm = e.indicator("criteres-exemple").expect("criteres-exemple");
        assert_eq!(nm.status, caqes_engine::Status::NonMesurable);
        assert_eq!(e.verdict.interesse, Some(true));
    }

    fn files(list: &[(&str, &str)]) -> Vec<(String, Result<String, crate::Failure>)> {
        list.iter()
            .map(|(n, t)| (n.to_string(), Ok(t.to_string())))
            .collect()
    }

    #[test]
    fn a_campaign_in_two_files_is_unusable_and_both_files_are_named() {
        let a = super::skeleton("bretagne", 2026);
        let other = super::skeleton("pdl", 2026);
        let loaded = super::load_files(files(&[
            ("a.toml", &a),
            ("copie.toml", &a),
            ("pdl.toml", &other),
        ]));
        let ids: Vec<&str> = loaded
            .catalogs
            .iter()
            .map(|(_, c)| c.campaign.id.as_str())
            .collect();
        assert_eq!(ids, ["pdl-2026"]);
        assert_eq!(loaded.unusable.len(), 1);
        let m = &loaded.unusable[0].message;
        assert!(
            m.contains("« bretagne-2026 »") && m.contains("« a.toml » et « copie.toml »"),
            "{m}"
        );
        assert!(loaded.unusable[0].concerns("bretagne-2026"));
    }

    #[test]
    fn an_invalid_file_does_not_hide_the_others() {
        let bad = super::skeleton("brouillon", 2026).replace("points = 50", "points = 51");
        let good = super::skeleton("pdl", 2026);
        let loaded = super::load_files(files(&[("brouillon.toml", &bad), ("pdl.toml", &good)]));
        assert_eq!(loaded.catalogs.len(), 1);
        assert_eq!(loaded.unusable.len(), 1);
        let u = &loaded.unusable[0];
        assert!(
            u.message.contains("« brouillon.toml » est invalide"),
            "{}",
            u.message
        );
        assert!(u.concerns("brouillon-2026") && !u.concerns("brouillon2-2026"));
    }

    #[test]
    fn empty_fields_are_omitted_from_the_resolved_view() {
        let text = "identification = []\n\n[campaign]\nid = \"x\"\nhelp = \"\"\nitems = [1]\n";
        assert_eq!(
            super::without_empty_fields(text),
            "\n[campaign]\nid = \"x\"\nitems = [1]\n"
        );
    }
}
