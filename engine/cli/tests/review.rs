//! The agency's review through the `caqes` binary, on the synthetic
//! Nouvelle-Aquitaine campaign (tests/campaign): `caqes review` writes the
//! workbook, decisions are typed into it (sheet XML patched, as Excel would
//! save them), `caqes verify` and `caqes campaign` read it back; CSV reviews
//! with versions; every bad input of issue 10.

#[path = "../../grid/tests/common/mod.rs"]
mod common;

use caqes_engine::{apply_review, evaluate, Answers, Catalog, Decision};
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn caqes(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_caqes"))
        .args(args)
        .output()
        .expect("caqes")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/campaign")
}

fn na2024() -> Catalog {
    caqes_catalogs::bundled()
        .unwrap()
        .into_iter()
        .find(|c| c.campaign.id == "na-ako-2024")
        .unwrap()
}

/// The 19 grids of the campaign, written by `caqes grid`, in a fresh folder.
fn setup(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("caqes-review-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let grids = dir.join("grilles");
    std::fs::create_dir_all(&grids).unwrap();
    for p in answer_files() {
        let out = grids.join(format!("{}.xlsx", p.file_stem().unwrap().to_string_lossy()));
        let o = caqes(&["grid", "--catalog", "na-ako-2024", s(&p), "-o", s(&out)]);
        assert!(o.status.success(), "{}", err(&o));
    }
    dir
}

fn answer_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("answers-2024"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn answers(i: usize) -> Answers {
    Answers::from_json(&std::fs::read_to_string(&answer_files()[i]).unwrap()).unwrap()
}

/// Excel row of (establishment index in file order, indicator, field).
fn row_of(catalog: &Catalog, es: usize, indicator: &str, field: &str) -> u32 {
    let per: usize = catalog
        .indicators
        .iter()
        .map(|i| caqes_grid::review::fields(i).len())
        .sum();
    let mut r = 2 + (es * per) as u32;
    for ind in &catalog.indicators {
        for f in caqes_grid::review::fields(ind) {
            if ind.id == indicator && f.path == field {
                return r;
            }
            r += 1;
        }
    }
    panic!("{indicator} {field}");
}

/// Types decisions into the « Revue » sheet: (es, indicator, field, Décision, Valeur retenue, Motif).
fn type_decisions(path: &Path, out: &Path, typed: &[(usize, &str, &str, &str, &str, &str)]) {
    let catalog = na2024();
    let bytes = std::fs::read(path).unwrap();
    let patched = common::patch_zip(&bytes, &|name, xml| {
        if name != "xl/worksheets/sheet1.xml" {
            return xml;
        }
        let mut xml = xml;
        for (es, ind, field, choice, value, motif) in typed {
            let r = row_of(&catalog, *es, ind, field);
            xml = common::set_cell(&xml, &format!("I{r}"), choice, false);
            if !value.is_empty() {
                let numeric = value.parse::<f64>().is_ok();
                xml = common::set_cell(&xml, &format!("J{r}"), value, numeric);
            }
            xml = common::set_cell(&xml, &format!("K{r}"), motif, false);
        }
        xml
    });
    std::fs::write(out, patched).unwrap();
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", String::from_utf8_lossy(&o.stdout), err(o)))
}

fn grid_of<'a>(v: &'a Value, finess: &str) -> &'a Value {
    v["grids"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["finess"] == finess)
        .unwrap_or_else(|| panic!("{finess} absent"))
}

/// The core's official rounded score for decisions on one establishment.
fn core_official(i: usize, ds: &[(&str, &str, &str, &str)]) -> Option<f64> {
    let catalog = na2024();
    let a = answers(i);
    let ds: Vec<Decision> = ds
        .iter()
        .map(|(ind, f, v, m)| Decision {
            indicator: ind.to_string(),
            field: f.to_string(),
            value: v.to_string(),
            motif: m.to_string(),
            origin: caqes_engine::AdjustmentOrigin::Ars,
        })
        .collect();
    let o = apply_review(&catalog, &a, &ds).unwrap();
    evaluate(&catalog, &o.answers)
        .total_rounded
        .map(|n| n.to_f64())
}

fn zip_texts(path: &Path) -> Vec<(String, String)> {
    let bytes = std::fs::read(path).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        let name = e.name().unwrap().to_string();
        let mut t = String::new();
        if e.read_to_string(&mut t).is_ok() {
            out.push((name, t));
        }
    }
    out
}

#[test]
fn review_workbook_round_trip_through_verify_and_campaign() {
    let dir = setup("flux");
    let grids = dir.join("grilles");
    let revue = dir.join("revue.xlsx");
    let o = caqes(&[
        "review",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "-o",
        s(&revue),
        "--date",
        "15/03/2025",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    // Nothing is overwritten.
    let o = caqes(&[
        "review",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "-o",
        s(&revue),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("existe déjà"), "{}", err(&o));
    // The « Revue » sheet goes through a temporary file: without a usable
    // temporary folder, a French error naming it, and nothing written.
    let elsewhere = dir.join("revue-sans-tmp.xlsx");
    let o = Command::new(env!("CARGO_BIN_EXE_caqes"))
        .args([
            "review",
            "--catalog",
            "na-ako-2024",
            s(&grids),
            "-o",
            s(&elsewhere),
        ])
        .env("TMPDIR", dir.join("dossier-absent"))
        .output()
        .expect("caqes");
    assert_ne!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        err(&o).contains("fichier temporaire impossible à créer")
            && err(&o).contains("dossier-absent"),
        "{}",
        err(&o)
    );
    assert!(!elsewhere.exists());
    // The agency types its decisions.
    let filled = dir.join("revue-remplie.xlsx");
    type_decisions(
        &revue,
        &filled,
        &[
            (
                0,
                "ir-cho-2",
                "criteria.programme",
                "Refusé",
                "",
                "=1+1 programme absent",
            ),
            (
                2,
                "ir-cho-4",
                "criteria.parcours",
                "Corrigé",
                "Oui",
                "parcours vérifié",
            ),
            (3, "ir-cho-3-1", "status", "Corrigé", "NC", "@hors champ"),
            (5, "ir-cho-2", "criteria.pilotage", "Validé", "", ""),
        ],
    );
    let before = std::fs::read(&filled).unwrap();
    let report = dir.join("verification.csv");
    let o = caqes(&[
        "verify",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "--review",
        s(&filled),
        "--json",
        "-o",
        s(&report),
    ]);
    assert_ne!(o.status.code(), Some(2), "{}", err(&o));
    assert!(!err(&o).contains("erreur : «"), "{}", err(&o));
    let v = json(&o);
    // Inputs never modified.
    assert_eq!(std::fs::read(&filled).unwrap(), before);
    let f0 = answers(0).establishment.finess;
    let g0 = grid_of(&v, &f0);
    let off = &g0["official"];
    assert_eq!(
        off["total_rounded"].as_f64(),
        core_official(0, &[("ir-cho-2", "criteria.programme", "non", "m")])
    );
    assert_ne!(
        off["score"], g0["score"],
        "critère refusé : le score officiel baisse"
    );
    let adj = off["adjustments"].as_array().unwrap();
    assert_eq!(adj.len(), 1);
    assert_eq!(adj[0]["indicator"], "ir-cho-2");
    assert_eq!(adj[0]["field"], "criteria.programme");
    assert_eq!(adj[0]["from"], true);
    assert_eq!(adj[0]["to"], false);
    assert_eq!(adj[0]["motif"], "=1+1 programme absent");
    assert_eq!(adj[0]["origin"], "ars");
    let g2 = grid_of(&v, &answers(2).establishment.finess);
    assert_eq!(
        g2["official"]["total_rounded"].as_f64(),
        core_official(2, &[("ir-cho-4", "criteria.parcours", "oui", "m")])
    );
    let g3 = grid_of(&v, &answers(3).establishment.finess);
    assert_eq!(
        g3["official"]["total_rounded"].as_f64(),
        core_official(3, &[("ir-cho-3-1", "status", "NC", "m")])
    );
    // No decision (Validé): official equals self-assessed, no adjustment.
    let g5 = grid_of(&v, &answers(5).establishment.finess);
    assert_eq!(g5["official"]["adjustments"].as_array().unwrap().len(), 0);
    assert_eq!(g5["official"]["score"], g5["score"]);
    // The CSV report never starts a field with a formula trigger.
    let csv = std::fs::read_to_string(&report).unwrap();
    assert!(csv.contains("score_officiel"));
    for line in csv.lines() {
        for field in line.split(';') {
            assert!(!field.starts_with(['=', '+', '@']), "{field}");
        }
    }

    // Campaign: regional figures on the official results, side by side.
    let synth = dir.join("synthese.xlsx");
    let o = caqes(&[
        "campaign",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "--review",
        s(&filled),
        "--history",
        s(&root().join("history-2022-2023.csv")),
        "--envelope",
        "150000",
        "-o",
        s(&synth),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let c = json(&o);
    assert_eq!(c["basis"], "officiel");
    let e0 = c["establishments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["finess"] == f0.as_str())
        .unwrap();
    assert_ne!(
        e0["self_assessed"]["total_rounded"],
        e0["official"]["total_rounded"]
    );
    assert_eq!(e0["score"], e0["official"]["total_rounded"]);
    assert_eq!(
        e0["official"]["adjustments"][0]["motif"],
        "=1+1 programme absent"
    );
    // Without the review: self-assessed basis, and a different count of intéressés.
    let synth0 = dir.join("synthese-auto.xlsx");
    let o = caqes(&[
        "campaign",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "--history",
        s(&root().join("history-2022-2023.csv")),
        "-o",
        s(&synth0),
        "--json",
    ]);
    let c0 = json(&o);
    assert_eq!(c0["basis"], "auto-évaluation");
    let last = |c: &Value| {
        c["regional"]["years"].as_array().unwrap().last().unwrap()["interesses"].clone()
    };
    assert_ne!(
        last(&c),
        last(&c0),
        "la revue change le nombre d'intéressés"
    );
    // The workbook says so and keeps motifs as text.
    let sheets = zip_texts(&synth);
    let all: String = sheets.iter().map(|(_, t)| t.as_str()).collect();
    assert!(all.contains("résultats officiels"));
    assert!(all.contains("Score officiel") && all.contains("Score auto-évalué"));
    for (name, t) in &sheets {
        assert!(!t.contains("<f>1+1"), "{name} : motif devenu formule");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn csv_review_versions_latest_wins_with_history() {
    let dir = setup("versions");
    let grids = dir.join("grilles");
    let f0 = answers(0).establishment.finess;
    let v1 = dir.join("revue-v1.csv");
    let v2 = dir.join("revue-v2.csv");
    std::fs::write(
        &v1,
        format!("finess;indicateur;champ;valeur;motif;version;date\n{f0};ir-cho-2;criteria.programme;non;absent;1;01/03/2025\n{f0};ir-cho-4;criteria.parcours;non;absent;1;01/03/2025\n"),
    )
    .unwrap();
    std::fs::write(
        &v2,
        format!("\u{feff}finess;indicateur;champ;valeur;motif;version;date\r\n{f0};ir-cho-2;criteria.programme;non;absent après échange;2;15/04/2025\r\n"),
    )
    .unwrap();
    // Given in any order: the latest version wins.
    let o = caqes(&[
        "verify",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "--review",
        s(&v2),
        "--review",
        s(&v1),
        "--json",
    ]);
    let v = json(&o);
    let off = &grid_of(&v, &f0)["official"];
    let adj = off["adjustments"].as_array().unwrap();
    assert_eq!(adj.len(), 1, "{off}");
    assert_eq!(adj[0]["motif"], "absent après échange");
    let h = off["history"].as_array().unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(
        (h[0]["version"].as_u64(), h[1]["version"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(h[1]["date"], "15/04/2025");
    assert_eq!(h[1]["applied"], true);
    assert_eq!(h[0]["applied"], false);
    let changes: Vec<&str> = h[1]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        changes,
        vec!["ir-cho-4 criteria.parcours : décision retirée"]
    );
    assert_eq!(
        off["total_rounded"].as_f64(),
        core_official(0, &[("ir-cho-2", "criteria.programme", "non", "m")])
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_review_and_data_inputs_are_located_and_the_batch_goes_on() {
    let dir = setup("erreurs");
    let grids = dir.join("grilles");
    let f0 = answers(0).establishment.finess;
    let f1 = answers(1).establishment.finess;
    let f2 = answers(2).establishment.finess;
    let bad = dir.join("revue.csv");
    std::fs::write(
        &bad,
        format!(
            "finess;indicateur;champ;valeur;motif\n\
             999999999;ir-cho-2;criteria.programme;non;inconnu\n\
             {f0};ir-cho-2;criteria.programme;non;absent\n\
             {f0};ir-cho-2;criteria.programme;oui;présent\n\
             {f1};ir-cho-1;inputs.patients;-5;hors limites\n\
             {f1};ir-cho-1;inputs.depenses;12;\n\
             {f2};ir-cho-4;criteria.parcours;oui;=HYPERLINK(\"http://x\")\n"
        ),
    )
    .unwrap();
    let data = dir.join("donnees.csv");
    std::fs::write(
        &data,
        "finess;indicateur;champ;valeur\n888888888;ir-cho-1;inputs.depenses;1000\n",
    )
    .unwrap();
    let report = dir.join("rapport.csv");
    let o = caqes(&[
        "verify",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "--review",
        s(&bad),
        "--data",
        s(&data),
        "--json",
        "-o",
        s(&report),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    let file = s(&bad);
    assert!(
        e.contains(&format!("« {file} » : FINESS 999999999 inconnu")),
        "{e}"
    );
    assert!(e.contains("FINESS 888888888 inconnu"), "{e}");
    assert!(e.contains("décisions contradictoires"), "{e}");
    assert!(
        e.contains(&format!(
            "« {file} », ligne 3, indicateur ir-cho-2, champ criteria.programme"
        )),
        "{e}"
    );
    assert!(
        e.contains(&format!(
            "« {file} », ligne 5, indicateur ir-cho-1, champ inputs.patients"
        )),
        "{e}"
    );
    assert!(
        e.contains(&format!(
            "« {file} », ligne 6, indicateur ir-cho-1, champ inputs.depenses"
        )),
        "{e}"
    );
    assert!(e.contains("motif"), "{e}");
    // The batch goes on: the other decisions apply.
    let v = json(&o);
    assert_eq!(v["grids"].as_array().unwrap().len(), 19);
    assert!(v["review_errors"].as_array().unwrap().len() >= 4);
    let g0 = grid_of(&v, &f0);
    assert_eq!(
        g0["official"]["adjustments"].as_array().unwrap().len(),
        0,
        "contradictoires : aucune appliquée"
    );
    let g2 = grid_of(&v, &f2);
    assert_eq!(
        g2["official"]["adjustments"][0]["motif"],
        "=HYPERLINK(\"http://x\")"
    );
    // Formula-leading motif: never a formula in the CSV report.
    let csv = std::fs::read_to_string(&report).unwrap();
    assert!(csv.contains("HYPERLINK"));
    for line in csv.lines() {
        for field in line.split(';') {
            assert!(
                !field.trim_start_matches('"').starts_with(['=', '+', '@']),
                "{field}"
            );
        }
    }
    // Nor in the xlsx report.
    let xlsx = dir.join("rapport.xlsx");
    let _ = caqes(&[
        "verify",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "--review",
        s(&bad),
        "-o",
        s(&xlsx),
    ]);
    for (name, t) in zip_texts(&xlsx) {
        assert!(!t.contains("<f>HYPERLINK"), "{name}");
    }
    // An output that is an input is refused.
    let o = caqes(&[
        "verify",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "--review",
        s(&bad),
        "-o",
        s(&bad),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn review_from_another_campaign_is_refused_naming_both_catalogs() {
    let dir = setup("autre");
    let grids = dir.join("grilles");
    let revue = dir.join("revue.xlsx");
    let o = caqes(&[
        "review",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "-o",
        s(&revue),
    ]);
    assert!(o.status.success(), "{}", err(&o));
    // The workbook says another catalog: patch its metadata (last sheet).
    let bytes = std::fs::read(&revue).unwrap();
    let n = zip_texts(&revue)
        .iter()
        .filter(|(n, _)| n.starts_with("xl/worksheets/sheet"))
        .count();
    let meta_sheet = format!("xl/worksheets/sheet{n}.xml");
    let other = common::patch_zip(&bytes, &|name, xml| {
        if name == meta_sheet {
            common::set_cell(&xml, "B2", "occitanie-pds-2023", false)
        } else {
            xml
        }
    });
    let other_path = dir.join("revue-autre.xlsx");
    std::fs::write(&other_path, other).unwrap();
    let o = caqes(&[
        "verify",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "--review",
        s(&other_path),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    assert!(
        e.contains("« occitanie-pds-2023 »")
            && e.contains("« na-ako-2024 »")
            && e.contains("refusée"),
        "{e}"
    );
    // A CSV with another campaign's indicators.
    let occ = caqes_catalogs::bundled()
        .unwrap()
        .into_iter()
        .find(|c| c.campaign.id.starts_with("occitanie-pds"))
        .unwrap();
    let ind = &occ.indicators[0].id;
    let csv = dir.join("revue-occitanie.csv");
    std::fs::write(
        &csv,
        format!(
            "finess;indicateur;champ;valeur;motif\n{};{ind};status;NC;x\n",
            answers(0).establishment.finess
        ),
    )
    .unwrap();
    let o = caqes(&[
        "verify",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "--review",
        s(&csv),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    assert!(
        e.contains("na-ako-2024") && e.contains("autre campagne"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn grid_changed_since_the_review_is_flagged() {
    let dir = setup("empreinte");
    let grids = dir.join("grilles");
    let revue = dir.join("revue.xlsx");
    let o = caqes(&[
        "review",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "-o",
        s(&revue),
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let filled = dir.join("revue-remplie.xlsx");
    type_decisions(
        &revue,
        &filled,
        &[(0, "ir-cho-2", "criteria.programme", "Refusé", "", "absent")],
    );
    // Unchanged grids: no flag.
    let o = caqes(&[
        "verify",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "--review",
        s(&filled),
    ]);
    assert!(!err(&o).contains("a changé"), "{}", err(&o));
    // The establishment sends a new grid.
    let mut a = answers(0);
    a.indicators
        .get_mut("ir-cho-3-1")
        .unwrap()
        .criteria
        .insert("actions".into(), false);
    let changed = dir.join("nouvelles.json");
    std::fs::write(&changed, a.to_canonical_json()).unwrap();
    let g0 = std::fs::read_dir(&grids)
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    std::fs::remove_file(&g0).unwrap();
    let o = caqes(&[
        "grid",
        "--catalog",
        "na-ako-2024",
        s(&changed),
        "-o",
        s(&g0),
    ]);
    assert!(o.status.success());
    let o = caqes(&[
        "verify",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "--review",
        s(&filled),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    assert!(
        e.contains(&format!(
            "la grille du FINESS {} a changé",
            a.establishment.finess
        )),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn agency_data_prefills_the_review_and_becomes_a_donnees_adjustment() {
    let dir = setup("donnees");
    let grids = dir.join("grilles");
    let f1 = answers(1).establishment.finess;
    let data = dir.join("donnees.csv");
    std::fs::write(
        &data,
        format!("finess;indicateur;champ;valeur\n{f1};ir-cho-1;inputs.depenses;1234567,5\n"),
    )
    .unwrap();
    // Directly as --data.
    let o = caqes(&[
        "verify",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "--data",
        s(&data),
        "--json",
    ]);
    let v = json(&o);
    let adj = &grid_of(&v, &f1)["official"]["adjustments"][0];
    assert_eq!(adj["origin"], "donnees");
    assert_eq!(adj["field"], "inputs.depenses");
    assert_eq!(adj["to"].as_f64(), Some(1234567.5));
    // Pre-filled in the review workbook, read back with the same origin.
    let revue = dir.join("revue.xlsx");
    let o = caqes(&[
        "review",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "-o",
        s(&revue),
        "--data",
        s(&data),
    ]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("1 décision(s) ou valeur(s) de l'agence"));
    let o = caqes(&[
        "verify",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "--review",
        s(&revue),
        "--json",
    ]);
    let v = json(&o);
    let adj = &grid_of(&v, &f1)["official"]["adjustments"][0];
    assert_eq!(adj["origin"], "donnees");
    assert_eq!(adj["to"].as_f64(), Some(1234567.5));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The hand-computed official scores (tests/golden/official, computed and
/// checked in the core by engine/campaign/tests/official.rs) come out of the
/// binary too: `caqes campaign --review tests/campaign/revue.csv`.
#[test]
fn campaign_with_the_golden_review_gives_the_hand_computed_official_scores() {
    let dir = setup("golden");
    let grids = dir.join("grilles");
    let golden: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("../golden/official/na-ako-2024-revue.json")).unwrap(),
    )
    .unwrap();
    let o = caqes(&[
        "campaign",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "--review",
        s(&root().join("revue.csv")),
        "--history",
        s(&root().join("history-2022-2023.csv")),
        "-o",
        s(&dir.join("synthese.xlsx")),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let c = json(&o);
    for g in golden.as_array().unwrap() {
        let e = c["establishments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["finess"] == g["finess"])
            .unwrap();
        let (want, got) = (&g["official"], &e["official"]);
        assert_eq!(
            got["total_rounded"], want["total_rounded"],
            "{}",
            g["finess"]
        );
        assert_eq!(got["interesse"], want["interesse"], "{}", g["finess"]);
        assert_eq!(got["adjustments"], want["adjustments"], "{}", g["finess"]);
        assert_eq!(
            e["self_assessed"]["total_rounded"],
            g["self_assessed"]["total_rounded"]
        );
    }
    let y = c["regional"]["years"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(y["rate_line"], "63 % (12/19)");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Agency data replacing typed values where they score (Occitanie 2019, CHU de
/// Toulouse): 93 % self-assessed, 97 % official (tests/golden/official/README.md).
#[test]
fn occitanie_agency_data_through_verify_gives_the_hand_computed_score() {
    let dir = std::env::temp_dir().join(format!("caqes-review-occ-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let answers = root().join("../answers/occitanie-vo-2019/complet-chu.json");
    let grid = dir.join("chu.xlsx");
    let o = caqes(&["grid", s(&answers), "-o", s(&grid)]);
    assert!(o.status.success(), "{}", err(&o));
    let data = root().join("../golden/official/occitanie-vo-2019-donnees.csv");
    let o = caqes(&["verify", s(&grid), "--data", s(&data), "--json"]);
    let v = json(&o);
    let golden: Value = serde_json::from_str(
        &std::fs::read_to_string(
            root().join("../golden/official/occitanie-vo-2019-complet-chu.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let got = &grid_of(&v, "310781406")["official"];
    assert_eq!(got["total_rounded"], golden["official"]["total_rounded"]);
    assert_eq!(got["total_rounded"].as_f64(), Some(97.0));
    assert_eq!(got["interesse"], true);
    assert_eq!(got["adjustments"], golden["official"]["adjustments"]);
    assert_eq!(grid_of(&v, "310781406")["score"], "93");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The contradictory period: the revised review starts from the previous
/// version's decisions (`caqes review --review v1`), is version 2, and both
/// versions read together give the latest with the history.
#[test]
fn revised_review_starts_from_the_previous_version() {
    let dir = setup("revision");
    let grids = dir.join("grilles");
    let v1 = dir.join("revue-v1.xlsx");
    let o = caqes(&[
        "review",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "-o",
        s(&v1),
        "--date",
        "01/03/2025",
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let v1f = dir.join("revue-v1-remplie.xlsx");
    type_decisions(
        &v1,
        &v1f,
        &[
            (
                0,
                "ir-cho-2",
                "criteria.programme",
                "Refusé",
                "",
                "programme absent",
            ),
            (
                2,
                "ir-cho-4",
                "criteria.parcours",
                "Corrigé",
                "Oui",
                "parcours vérifié",
            ),
        ],
    );
    let v2 = dir.join("revue-v2.xlsx");
    let o = caqes(&[
        "review",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "--review",
        s(&v1f),
        "-o",
        s(&v2),
        "--date",
        "15/04/2025",
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("version 2") && out.contains("2 décision(s)"),
        "{out}"
    );
    // After the establishment's answer, the agency withdraws the refusal in v2.
    let v2f = dir.join("revue-v2-remplie.xlsx");
    type_decisions(
        &v2,
        &v2f,
        &[(
            0,
            "ir-cho-2",
            "criteria.programme",
            "Validé",
            "",
            "programme reçu",
        )],
    );
    let o = caqes(&[
        "verify",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "--review",
        s(&v1f),
        "--review",
        s(&v2f),
        "--json",
    ]);
    let v = json(&o);
    let g0 = grid_of(&v, &answers(0).establishment.finess);
    assert_eq!(
        g0["official"]["adjustments"].as_array().unwrap().len(),
        0,
        "{}",
        g0["official"]
    );
    let h = g0["official"]["history"].as_array().unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[1]["version"], 2);
    assert_eq!(h[1]["date"], "15/04/2025");
    assert_eq!(
        h[1]["changes"][0],
        "ir-cho-2 criteria.programme : décision retirée"
    );
    // The carried-over decision of v2 still applies to the other establishment.
    let g2 = grid_of(&v, &answers(2).establishment.finess);
    assert_eq!(
        g2["official"]["adjustments"][0]["field"],
        "criteria.parcours"
    );
    assert_eq!(g2["official"]["history"][1]["applied"], true);
    let _ = std::fs::remove_dir_all(&dir);
}
