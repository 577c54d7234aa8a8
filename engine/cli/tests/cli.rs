//! The command line: exit codes and French messages on bad input.

use std::process::Command;

fn caqes(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_caqes"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp(name: &str, content: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("caqes-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

#[test]
fn usage_errors_exit_2_in_french() {
    let (code, _, err) = caqes(&["frobnicate"]);
    assert_eq!(code, 2);
    assert!(err.contains("commande inconnue « frobnicate »"), "{err}");
    let (code, _, err) = caqes(&["score", "--bogus", "x.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("option inconnue"), "{err}");
    let (code, out, _) = caqes(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("Codes de sortie"), "{out}");
}

#[test]
fn bad_answers_exit_1_with_a_clear_message() {
    let (code, _, err) = caqes(&["score", "/nonexistent/answers.json"]);
    assert_eq!(code, 1);
    assert!(err.contains("fichier introuvable"), "{err}");
    let p = temp("broken.json", b"{ \"catalog\": ");
    let (code, _, err) = caqes(&["score", p.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("JSON mal formé"), "{err}");
    let p = temp("binary.json", &[0xff, 0xfe, 0x00, 0x12]);
    let (code, _, err) = caqes(&["score", p.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("UTF-8"), "{err}");
    let p = temp("unknown.json", br#"{ "catalog": "atlantide-2031" }"#);
    let (code, _, err) = caqes(&["score", p.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("référentiel « atlantide-2031 » introuvable"),
        "{err}"
    );
}

#[test]
fn score_reports_verdict_in_french() {
    let p = temp(
        "na.json",
        br#"{ "catalog": "na-ako-2024",
              "establishment": { "finess": "330781196", "name": "CHU", "legal_status": "public", "categories": ["mco"] },
              "previous_score": 82,
              "indicators": {
                "ir-cho-2": { "criteria": { "programme": true, "pilotage": true, "paqss": true }, "evidence": ["programme", "bilan"] },
                "ir-cho-3-1": { "criteria": { "actions": true, "tracabilite": true }, "evidence": ["cas-conciliation"] },
                "ir-cho-3-2": { "criteria": { "transmission": true, "outils": false } },
                "ir-cho-4": { "criteria": { "coordination": true, "parcours": true } } } }"#,
    );
    let (code, out, _) = caqes(&["score", p.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(out.contains("Score retenu (arrondi) : 89 %"), "{out}");
    assert!(out.contains("INTÉRESSÉ — score 89 % dans la bande 85–89 % et en progression de +7 points par rapport à 2023"), "{out}");
    let (code, json, _) = caqes(&["score", "--json", p.to_str().unwrap()]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["total_rounded"], 89);
    assert_eq!(v["verdict"]["interesse"], true);
    // An invalid evaluation exits 1.
    let bad = std::fs::read_to_string(&p)
        .unwrap()
        .replace("\"outils\": false", "\"outils\": false, \"nope\": true");
    let p = temp("na-bad.json", bad.as_bytes());
    let (code, out, _) = caqes(&["score", p.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("critère inconnu « nope »"), "{out}");
}

#[test]
fn catalog_check_reports_file_line_and_field() {
    let p = temp(
        "typo.toml",
        b"[campaign]\nid = \"x\"\nyears = [2024]\ntitle = \"X\"\nregion = \"R\"\nredistribution = \"proportional\"\nrounding = { decimals = 0 }\npointz = 3\n",
    );
    let (code, _, err) = caqes(&["catalog", "check", p.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("typo.toml, ligne 8"), "{err}");
    assert!(err.contains("champ inconnu « pointz »"), "{err}");
    let (code, out, _) = caqes(&["catalog", "list"]);
    assert_eq!(code, 0);
    assert!(out.contains("na-ako-2024"), "{out}");
    let (code, out, _) = caqes(&["catalog", "show", "na-ako-2022"]);
    assert_eq!(code, 0);
    assert!(out.contains("min = 80"), "{out}");
    let (code, out, _) = caqes(&["catalog", "schema"]);
    assert_eq!(code, 0);
    assert!(out.contains("\"redistribution\""), "{out}");
}

#[test]
fn checked_in_json_schema_is_up_to_date() {
    let (code, out, _) = caqes(&["catalog", "schema"]);
    assert_eq!(code, 0);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../indicators/catalog.schema.json");
    let checked_in = std::fs::read_to_string(&path).unwrap();
    assert!(
        checked_in == out,
        "indicators/catalog.schema.json is stale: run `caqes catalog schema > indicators/catalog.schema.json`"
    );
}

#[test]
fn checked_in_answers_schema_is_up_to_date() {
    let (code, out, _) = caqes(&["catalog", "schema", "--answers"]);
    assert_eq!(code, 0);
    assert!(out.contains("\"previous_score\"") && out.contains("\"justification\""));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../indicators/answers.schema.json");
    let checked_in = std::fs::read_to_string(&path).unwrap();
    assert!(
        checked_in == out,
        "indicators/answers.schema.json is stale: run `caqes catalog schema --answers > indicators/answers.schema.json`"
    );
}

#[test]
fn catalog_new_writes_a_skeleton_that_check_accepts_and_never_overwrites() {
    let dir = std::env::temp_dir().join(format!("caqes-cli-new-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bretagne.toml");
    let f = file.to_str().unwrap();
    let (code, out, err) = caqes(&["catalog", "new", "bretagne", "-o", f]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("caqes catalog check"), "{out}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.lines().filter(|l| l.starts_with('#')).count() > 10,
        "{text}"
    );
    let (code, out, err) = caqes(&["catalog", "check", f]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("valide (bretagne-2026)"), "{out}");
    let (code, _, err) = caqes(&["catalog", "new", "bretagne", "-o", f]);
    assert_eq!(code, 1);
    assert!(err.contains("existe déjà"), "{err}");
    let (code, _, err) = caqes(&["catalog", "new", "../x", "-o", "-"]);
    assert_eq!(code, 2);
    assert!(err.contains("identifiant « ../x » invalide"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_folder_with_a_duplicate_and_an_invalid_draft_still_serves_the_other_campaigns() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/catalog-folders/doublon-et-brouillon");
    let d = dir.to_str().unwrap();
    let (code, out, err) = caqes(&["--indicators", d, "catalog", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("pdl-2026") && !out.contains("bretagne-2026"),
        "{out}"
    );
    assert!(
        err.contains("référentiel « bretagne-2026 » défini dans plusieurs fichiers")
            && err.contains("bretagne-copie.toml » et « ")
            && err.contains("brouillon.toml » est invalide"),
        "{err}"
    );
    assert!(err.contains("vaut 50,5 au lieu de 100 déclarés"), "{err}");
    let (code, out, err) = caqes(&["--indicators", d, "catalog", "show", "pdl-2026"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("pdl-2026"), "{out}");
    let (code, _, err) = caqes(&["--indicators", d, "catalog", "show", "bretagne-2026"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("référentiel « bretagne-2026 » inutilisable"),
        "{err}"
    );
    let (code, _, err) = caqes(&["--indicators", d, "catalog", "show", "brouillon-2026"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("référentiel « brouillon-2026 » inutilisable")
            && err.contains("brouillon.toml » est invalide"),
        "{err}"
    );
    let (code, _, err) = caqes(&["catalog", "check", d]);
    assert_eq!(code, 1);
    assert!(err.contains("défini dans plusieurs fichiers"), "{err}");
    assert!(err.contains("2 problème(s) sur 4 fichier(s)"), "{err}");
}

#[test]
fn grid_then_verify_through_the_binary() {
    let dir = std::env::temp_dir().join(format!("caqes-cli-verify-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("lot/sous-dossier")).unwrap();
    let answers = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/answers/na-ako-2024/complet.json");
    let grid = dir.join("lot/sous-dossier/grille.xlsx");
    let (code, _, err) = caqes(&[
        "grid",
        "--catalog",
        "na-ako-2024",
        answers.to_str().unwrap(),
        "-o",
        grid.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(grid.is_file());
    // A conforming grid alone: exit 0, one line with FINESS, recomputed and declared score.
    let (code, out, err) = caqes(&[
        "verify",
        "--catalog",
        "na-ako-2024",
        dir.join("lot").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("aucun écart"), "{out}");
    // A broken file next to it: reported in French, the batch goes on, exit 1.
    std::fs::write(dir.join("lot/cassé.xlsx"), b"ceci n'est pas un classeur").unwrap();
    let (code, out, err) = caqes(&[
        "verify",
        "--catalog",
        "na-ako-2024",
        dir.join("lot").to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}{err}");
    let all = format!("{out}{err}");
    assert!(all.contains("cassé.xlsx"), "{all}");
    assert!(all.contains("aucun écart"), "{all}");
    assert!(all.contains("1 illisible"), "{all}");
    // The JSON form is machine-readable.
    let (_, json, _) = caqes(&[
        "verify",
        "--json",
        "--catalog",
        "na-ako-2024",
        grid.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["grids"][0]["outcome"], "conforme", "{json}");
    assert_eq!(v["conformes"], 1, "{json}");
    assert!(v["grids"][0]["informations"].as_array().unwrap().is_empty());
    // A blank grid is « incomplet », not « conforme », and exits 0.
    let blank = dir.join("vierge.xlsx");
    let (code, _, err) = caqes(&[
        "grid",
        "--catalog",
        "na-ako-2024",
        "-o",
        blank.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = caqes(&["verify", blank.to_str().unwrap(), grid.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("vierge.xlsx | incomplet |"), "{out}");
    assert!(
        out.contains("2 grille(s) : 1 conforme(s), 1 incomplète(s), 0 avec écarts, 0 illisible(s)"),
        "{out}"
    );
    let (_, json, _) = caqes(&["verify", "--json", blank.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["grids"][0]["outcome"], "incomplet", "{json}");
    assert_eq!(v["incompletes"], 1, "{json}");
    assert!(!v["grids"][0]["missing"].as_array().unwrap().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn score_prints_the_best_gains_like_the_form() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/answers/occitanie-vo-2019/complet-chu.json"
    );
    let (code, out, err) = caqes(&["score", file]);
    assert_eq!(code, 0, "{err}");
    // complet-chu.json: IV.1 (+5 % against ≤ 4 %) lost its 4 points, V.2 its 3: the largest gains.
    let gains = out
        .split("Meilleurs gains (indicateur rempli au maximum) :\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no gains section: {out}"));
    let lines: Vec<&str> = gains
        .lines()
        .take_while(|l| l.starts_with("  - "))
        .collect();
    assert_eq!(lines.len(), 5, "{gains}");
    assert!(lines[0].starts_with("  - IV.1 : +4 % — "), "{gains}");
    assert!(lines[1].starts_with("  - V.2 : +3 % — "), "{gains}");
    // A full score has nothing to gain.
    let full = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/answers/na-ako-2024/complet.json"
    );
    let (_, out, _) = caqes(&["score", full]);
    assert!(!out.contains("Meilleurs gains"), "{out}");
}

/// Issue 13, item 7: every value listed in `assumed` is visible where a user meets it. The 2018
/// Occitanie deliverables' points are not given by 001 l.233-239 (« Evaluation 2018 sur la remise
/// … »): `catalog assumed`, `catalog show` and `score` mark them « supposé ».
#[test]
fn assumed_values_are_marked_suppose() {
    let (code, out, err) = caqes(&["catalog", "assumed", "occitanie-vo-2018"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Référentiel « occitanie-vo-2018 » : 8 valeur(s) supposée(s)"),
        "{out}"
    );
    assert!(
        out.contains("  2018.1 (etat-des-lieux) :\n    - supposé : points : 25 par livrable"),
        "{out}"
    );
    let (code, out, _) = caqes(&["catalog", "show", "occitanie-vo-2018"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("# supposé : points\n[[indicators]]\nid = \"etat-des-lieux\""),
        "{out}"
    );
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/answers/occitanie-vo-2018/complet-livrables-chu.json"
    );
    let (code, out, err) = caqes(&["score", file]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("2018.1") && l.ends_with("  supposé")),
        "{out}"
    );
    assert!(
        out.contains("(détail : caqes catalog assumed occitanie-vo-2018)"),
        "{out}"
    );
    // Without an id: every catalog.
    let (code, out, _) = caqes(&["catalog", "assumed"]);
    assert_eq!(code, 0);
    assert!(out.contains("« na-ako-2025 »") && out.contains("« normandie-2022 »"));
}

/// The text `caqes score` prints (aligned table, volets, verdict, best gains)
/// for examples of three families of campaigns, as insta snapshots in
/// `tests/snapshots/`: a misaligned column or a changed word is a diff.
#[test]
fn score_text_snapshots() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for example in [
        "na-ako-2024/complet",
        "occitanie-pds-2023/complet-chu",
        "occitanie-vo-2019/incomplet-mco-sans-liste-en-sus",
    ] {
        let file = root.join(format!("tests/answers/{example}.json"));
        let (code, out, err) = caqes(&["score", file.to_str().unwrap()]);
        assert!(
            (code == 0 || code == 1) && out.contains("Verdict"),
            "{example}: {code} {err}"
        );
        insta::assert_snapshot!(format!("score-{}", example.replace('/', "-")), out);
    }
}
