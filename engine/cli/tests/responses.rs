//! Contradictory period through the `caqes` binary: the establishments'
//! response files (as the form exports them) go into `caqes review
//! --reponses`; the new version of the review workbook shows each response
//! and comment beside its decision (read back with calamine) and the
//! contested count per establishment in « Synthèse »; responses for an
//! unknown FINESS or about no decision are located warnings; a bad file is a
//! located error; the batch goes on and nothing is overwritten.

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
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

/// Three grids of the synthetic campaign, written by `caqes grid`.
fn setup(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("caqes-responses-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let grids = dir.join("grilles");
    std::fs::create_dir_all(&grids).unwrap();
    let answers = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/campaign/answers-2024");
    for stem in [
        "01-institut-bergonie",
        "02-polyclinique-bordeaux-nord-aquitaine",
        "03-capio-clinique-belharra",
    ] {
        let p = answers.join(format!("{stem}.json"));
        let out = grids.join(format!("{stem}.xlsx"));
        let o = caqes(&["grid", "--catalog", "na-ako-2024", s(&p), "-o", s(&out)]);
        assert!(o.status.success(), "{}", err(&o));
    }
    dir
}

const REVIEW_V1: &str = "finess;indicateur;champ;valeur;motif;version;date\n\
330990011;ir-cho-2;criteria.programme;non;programme non transmis;1;01/03/2025\n\
330990011;ir-cho-2;criteria.pilotage;non;pas de pilote;1;01/03/2025\n\
330990029;ir-cho-4;criteria.parcours;non;parcours non formalisé;1;01/03/2025\n";

/// As `caqes_engine::write_response_csv` (the form's export) writes it.
const RESPONSE_ES1: &str = "\u{feff}finess;indicateur;champ;valeur_retenue;reponse;commentaire;version\r\n\
330990011;ir-cho-2;criteria.programme;non;conteste;\"'=Programme transmis le 12/01 ; voir annexe\";1\r\n\
330990011;ir-cho-2;criteria.pilotage;non;accepte;;1\r\n\
330990011;ir-cho-4;criteria.coordination;non;conteste;hors revue;1\r\n\
999999999;ir-cho-2;criteria.programme;non;accepte;;1\r\n";

const RESPONSE_ES2: &str =
    "\u{feff}finess;indicateur;champ;valeur_retenue;reponse;commentaire;version\r\n\
330990029;ir-cho-4;criteria.parcours;non;accepte;;1\r\n";

fn cell(r: &calamine::Range<Data>, row: usize, col: usize) -> Data {
    r.get((row, col)).cloned().unwrap_or(Data::Empty)
}

/// Row (0-based) of the Revue sheet for (FINESS, indicator, field).
fn revue_row(r: &calamine::Range<Data>, finess: &str, indicator: &str, field: &str) -> usize {
    (0..r.height())
        .find(|&i| {
            cell(r, i, 0) == Data::String(finess.into())
                && cell(r, i, 2) == Data::String(indicator.into())
                && cell(r, i, 4) == Data::String(field.into())
        })
        .unwrap_or_else(|| panic!("no row {finess} {indicator} {field}"))
}

#[test]
fn responses_are_shown_beside_the_decisions_of_the_new_version() {
    let dir = setup("shown");
    let grids = dir.join("grilles");
    let v1 = dir.join("revue-v1.csv");
    std::fs::write(&v1, REVIEW_V1).unwrap();
    let folder = dir.join("reponses");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("caqes-reponse-na-ako-2024-330990011-v1.csv"),
        RESPONSE_ES1,
    )
    .unwrap();
    std::fs::write(folder.join("lisez-moi.txt"), "pas une réponse").unwrap();
    let single = dir.join("caqes-reponse-na-ako-2024-330990029-v1.csv");
    std::fs::write(&single, RESPONSE_ES2).unwrap();
    let v2 = dir.join("revue-v2.xlsx");
    let args = [
        "review",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "--review",
        s(&v1),
        "--reponses",
        s(&folder),
        "--reponses",
        s(&single),
        "-o",
        s(&v2),
        "--date",
        "15/04/2025",
    ];
    let o = caqes(&args);
    let (out, e) = (String::from_utf8_lossy(&o.stdout), err(&o));
    assert!(o.status.success(), "{out}\n{e}");
    assert!(
        out.contains("version 2")
            && out.contains("3 réponse(s) des établissements dont 1 contestation(s)"),
        "{out}"
    );
    // Located warnings, the batch went on.
    let file = folder.join("caqes-reponse-na-ako-2024-330990011-v1.csv");
    assert!(
        e.contains(&format!(
            "attention : « {} », ligne 4 : FINESS 330990011, indicateur « ir-cho-4 », champ « criteria.coordination » : aucune décision de la revue",
            file.display()
        )),
        "{e}"
    );
    assert!(
        e.contains(&format!(
            "attention : « {} », ligne 5 : FINESS 999999999 inconnu",
            file.display()
        )),
        "{e}"
    );

    let mut wb: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(std::fs::read(&v2).unwrap())).unwrap();
    let revue = wb.worksheet_range("Revue").unwrap();
    assert_eq!(
        cell(&revue, 0, 12),
        Data::String("Réponse de l'établissement".into())
    );
    assert_eq!(
        cell(&revue, 0, 13),
        Data::String("Commentaire de l'établissement".into())
    );
    let r = revue_row(&revue, "330990011", "ir-cho-2", "criteria.programme");
    assert_eq!(
        cell(&revue, r, 8),
        Data::String("Corrigé".into()),
        "decision carried"
    );
    assert_eq!(cell(&revue, r, 12), Data::String("Contestée".into()));
    assert_eq!(
        cell(&revue, r, 13),
        Data::String("=Programme transmis le 12/01 ; voir annexe".into()),
        "the comment is text, as typed"
    );
    let formulas = wb.worksheet_formula("Revue").unwrap();
    assert!(
        formulas.get((r, 13)).is_none_or(|f: &String| f.is_empty()),
        "a comment never becomes a formula"
    );
    let r = revue_row(&revue, "330990011", "ir-cho-2", "criteria.pilotage");
    assert_eq!(cell(&revue, r, 12), Data::String("Acceptée".into()));
    assert_eq!(cell(&revue, r, 13), Data::Empty);
    let r = revue_row(&revue, "330990029", "ir-cho-4", "criteria.parcours");
    assert_eq!(cell(&revue, r, 12), Data::String("Acceptée".into()));
    let r = revue_row(&revue, "330990011", "ir-cho-4", "criteria.coordination");
    assert_eq!(
        cell(&revue, r, 12),
        Data::Empty,
        "ignored response not shown"
    );

    let synth = wb.worksheet_range("Synthèse").unwrap();
    assert_eq!(
        cell(&synth, 2, 8),
        Data::String("Décisions contestées par l'établissement".into())
    );
    let contested = |finess: &str| {
        let row = (0..synth.height())
            .find(|&i| cell(&synth, i, 0) == Data::String(finess.into()))
            .unwrap();
        cell(&synth, row, 8)
    };
    assert_eq!(contested("330990011"), Data::Float(1.0));
    assert_eq!(contested("330990029"), Data::Float(0.0));
    assert_eq!(
        contested("640990032"),
        Data::Empty,
        "no response from this one"
    );

    // Nothing is overwritten.
    let before = std::fs::read(&v2).unwrap();
    let o = caqes(&args);
    assert!(!o.status.success());
    assert!(err(&o).contains("existe déjà"), "{}", err(&o));
    assert_eq!(std::fs::read(&v2).unwrap(), before);
}

#[test]
fn a_bad_response_file_is_a_located_error_and_the_batch_goes_on() {
    let dir = setup("bad");
    let grids = dir.join("grilles");
    let v1 = dir.join("revue-v1.csv");
    std::fs::write(&v1, REVIEW_V1).unwrap();
    let bad = dir.join("mauvaise.csv");
    std::fs::write(
        &bad,
        "finess;indicateur;champ;valeur_retenue;reponse;commentaire;version\n330990011;ir-cho-2;criteria.programme;non;peut-être;;1\n330990011;ir-cho-2;criteria.pilotage;non;conteste;;1\n",
    )
    .unwrap();
    let good = dir.join("bonne.csv");
    std::fs::write(&good, RESPONSE_ES2).unwrap();
    let v2 = dir.join("revue-v2.xlsx");
    let o = caqes(&[
        "review",
        "--catalog",
        "na-ako-2024",
        s(&grids),
        "--review",
        s(&v1),
        "--reponses",
        s(&bad),
        "--reponses",
        s(&good),
        "-o",
        s(&v2),
    ]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains(&format!(
            "« {} » : ligne 2, colonne « reponse » : réponse « peut-être » inconnue",
            bad.display()
        )),
        "{e}"
    );
    assert!(
        e.contains("ligne 3, colonne « commentaire » : commentaire obligatoire"),
        "{e}"
    );
    // The good file is still shown.
    let mut wb: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(std::fs::read(&v2).unwrap())).unwrap();
    let revue = wb.worksheet_range("Revue").unwrap();
    let r = revue_row(&revue, "330990029", "ir-cho-4", "criteria.parcours");
    assert_eq!(cell(&revue, r, 12), Data::String("Acceptée".into()));
    let r = revue_row(&revue, "330990011", "ir-cho-2", "criteria.programme");
    assert_eq!(cell(&revue, r, 12), Data::Empty);
}
