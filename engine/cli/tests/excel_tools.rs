//! Grids filled and saved by real spreadsheet tools verify clean.
//!
//! For every bundled catalog and each of its complete examples
//! (`tests/answers/<id>/complet*.json`):
//! 1. `caqes grid --catalog ID` writes a blank grid;
//! 2. openpyxl (`scripts/excel/fill_grid.py`) fills its pink cells, found by
//!    their row labels, and saves it without formula results;
//! 3. LibreOffice headless, started with the French locale (fr-FR, proved by
//!    a CSV export with decimal commas), recalculates and re-saves every
//!    filled grid in one call;
//! 4. `caqes verify --json` must report both files `conforme` with the golden
//!    score (`tests/golden/<id>/<name>.json`); the openpyxl file with the
//!    « résultats des formules non enregistrés » information and no declared
//!    score, the LibreOffice file with the declared score equal to the golden
//!    one; every result cached by LibreOffice must equal the core's figure.
//!
//! The two na-ako-2024 `complet` files are kept in `<target>/excel-fixtures/`
//! (`na-ako-2024-complet-openpyxl.xlsx`, `na-ako-2024-complet-libreoffice.xlsx`)
//! for the browser tests.
//!
//! Needs `soffice` (scripts/setup-libreoffice) and Python 3; openpyxl is
//! installed in `<target>/excel-venv` by `scripts/setup-openpyxl` when
//! missing (or set CAQES_PYTHON to a Python that has it). Skipped, loudly,
//! only with CAQES_SKIP_LIBREOFFICE=1.

use calamine::{Data, Reader, Xlsx};
use caqes_engine::{evaluate, Answers, Catalog, Number, Role, Status};
use caqes_grid::layout::{layout, SYNTH};
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../../grid/tests/common/libreoffice.rs"]
mod lo;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root().join("target"))
}

fn run(cmd: &mut Command, what: &str) -> String {
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what} : lancement impossible ({e})"));
    assert!(
        o.status.success(),
        "{what} : échec ({})\n{}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A Python that imports openpyxl: CAQES_PYTHON, else the venv under target/
/// (created by scripts/setup-openpyxl when missing).
fn python() -> PathBuf {
    let has_openpyxl = |p: &Path| {
        Command::new(p)
            .args(["-c", "import openpyxl"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if let Some(p) = std::env::var_os("CAQES_PYTHON") {
        let p = PathBuf::from(p);
        assert!(
            has_openpyxl(&p),
            "CAQES_PYTHON={} : openpyxl absent",
            p.display()
        );
        return p;
    }
    let venv = target_dir().join("excel-venv");
    let py = venv.join("bin/python");
    if !has_openpyxl(&py) {
        run(
            Command::new(root().join("scripts/setup-openpyxl")).arg(&venv),
            "scripts/setup-openpyxl",
        );
    }
    assert!(has_openpyxl(&py), "openpyxl absent de {}", venv.display());
    py
}

struct Case {
    catalog: Catalog,
    name: String,
    answers_file: PathBuf,
    golden: serde_json::Value,
    file: String,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for catalog in caqes_catalogs::bundled().expect("catalogues") {
        let id = catalog.campaign.id.clone();
        let dir = root().join("tests/answers").join(&id);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("{id} : pas d'exemples dans {}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("complet"))
                    && p.extension().is_some_and(|e| e == "json")
            })
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{id} : aucun exemple complet*.json");
        for f in files {
            let name = f.file_stem().unwrap().to_string_lossy().into_owned();
            let golden = root()
                .join("tests/golden")
                .join(&id)
                .join(format!("{name}.json"));
            let golden: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&golden).unwrap()).unwrap();
            out.push(Case {
                file: format!("{id}-{name}.xlsx"),
                catalog: catalog.clone(),
                name,
                answers_file: f,
                golden,
            });
        }
    }
    out
}

fn cell_number(ws: &calamine::Range<Data>, row: u32, col: u16) -> Option<f64> {
    match ws.get_value((row, col as u32)) {
        Some(Data::Float(f)) => Some(*f),
        Some(Data::Int(i)) => Some(*i as f64),
        _ => None,
    }
}

fn cell_text(ws: &calamine::Range<Data>, row: u32, col: u16) -> String {
    match ws.get_value((row, col as u32)) {
        Some(Data::String(s)) => s.clone(),
        _ => String::new(),
    }
}

fn close(what: &str, got: Option<f64>, want: Option<Number>) {
    match (got, want) {
        (None, None) => {}
        (Some(g), Some(w)) => assert!(
            (g - w.to_f64()).abs() <= 1e-7 * w.to_f64().abs().max(1.0),
            "{what} : LibreOffice {g} ≠ cœur {}",
            w.to_f64()
        ),
        _ => panic!("{what} : LibreOffice {got:?} ≠ cœur {want:?}"),
    }
}

/// Every figure cached by LibreOffice equals the core's.
fn check_cached(case: &Case, bytes: &[u8]) {
    let answers =
        Answers::from_json(&std::fs::read_to_string(&case.answers_file).unwrap()).unwrap();
    let (answers, _) = caqes_grid::normalise(&case.catalog, &answers);
    let e = evaluate(&case.catalog, &answers);
    let lay = layout(&case.catalog);
    let mut x: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    for il in &lay.indicators {
        let ws = x.worksheet_range(&il.sheet).unwrap();
        let r = e.indicator(&il.id).unwrap();
        let w = format!("{} {}", case.file, il.id);
        assert_eq!(
            cell_text(&ws, il.status_calc.row, il.status_calc.col),
            r.status.label(),
            "{w} statut"
        );
        close(
            &format!("{w} valeur"),
            cell_number(&ws, il.value.row, il.value.col),
            r.value,
        );
        close(
            &format!("{w} points"),
            cell_number(&ws, il.points.row, il.points.col),
            Some(r.points),
        );
        if r.role != Role::Information && r.status == Status::Renseigne {
            close(
                &format!("{w} part"),
                cell_number(&ws, il.share.row, il.share.col),
                Some(r.share.unwrap_or(Number::ZERO)),
            );
        }
    }
    let ws = x.worksheet_range(SYNTH).unwrap();
    let sy = &lay.synth;
    let f = &case.file;
    close(
        &format!("{f} score"),
        cell_number(&ws, sy.score.row, sy.score.col),
        e.score,
    );
    close(
        &format!("{f} total"),
        cell_number(&ws, sy.total.row, sy.total.col),
        e.total,
    );
    close(
        &format!("{f} arrondi"),
        cell_number(&ws, sy.rounded.row, sy.rounded.col),
        e.total_rounded,
    );
    let verdict = match e.verdict.interesse {
        Some(true) => "Intéressé",
        Some(false) => "Non intéressé",
        None => "",
    };
    assert_eq!(
        cell_text(&ws, sy.verdict.row, sy.verdict.col),
        verdict,
        "{f} verdict"
    );
    // The golden score is the core's.
    assert_eq!(
        e.total_rounded.map(|n| n.to_decimal_string(6)),
        case.golden["total_rounded"]
            .as_f64()
            .map(|g| Number::parse(&g.to_string()).unwrap().to_decimal_string(6)),
        "{f} : évaluation ≠ fichier golden"
    );
}

/// `caqes verify --json` on a folder: grids by file name.
fn verify(dir: &Path) -> std::collections::HashMap<String, serde_json::Value> {
    let o = Command::new(env!("CARGO_BIN_EXE_caqes"))
        .args(["verify", "--json"])
        .arg(dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    let v: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("verify --json : {e}\n{text}"));
    assert_eq!(
        o.status.code(),
        Some(0),
        "verify {} : code {:?}\n{text}",
        dir.display(),
        o.status.code()
    );
    v["grids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let f = Path::new(g["file"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (f, g.clone())
        })
        .collect()
}

fn french_number(v: &serde_json::Value) -> Option<Number> {
    v.as_str().and_then(Number::parse)
}

fn golden_score(case: &Case) -> Option<Number> {
    case.golden["total_rounded"]
        .as_f64()
        .and_then(|g| Number::parse(&g.to_string()))
}

#[test]
fn grids_filled_by_openpyxl_and_recalculated_by_french_libreoffice_verify_clean() {
    let Some(soffice) = lo::soffice("openpyxl + LibreOffice") else {
        return;
    };
    let python = python();
    let caqes = env!("CARGO_BIN_EXE_caqes");
    let work =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("excel-tools-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let (blank, filled, recalculated) = (
        work.join("blank"),
        work.join("openpyxl"),
        work.join("libreoffice"),
    );
    for d in [&blank, &filled, &recalculated] {
        std::fs::create_dir_all(d).unwrap();
    }
    let cases = cases();
    let t0 = std::time::Instant::now();
    let mut files = Vec::new();
    for case in &cases {
        let id = &case.catalog.campaign.id;
        let grid = blank.join(format!("{id}.xlsx"));
        if !grid.exists() {
            run(
                Command::new(caqes)
                    .args(["grid", "--catalog", id, "-o"])
                    .arg(&grid),
                "caqes grid",
            );
            let json = run(
                Command::new(caqes).args(["catalog", "show", id, "--json"]),
                "caqes catalog show",
            );
            std::fs::write(blank.join(format!("{id}.json")), json).unwrap();
        }
        let out = filled.join(&case.file);
        run(
            Command::new(&python)
                .arg(root().join("scripts/excel/fill_grid.py"))
                .arg(blank.join(format!("{id}.json")))
                .arg(&case.answers_file)
                .arg(&grid)
                .arg(&out),
            &format!("fill_grid.py {}", case.file),
        );
        files.push(out);
    }
    let t_fill = t0.elapsed();
    let profile = lo::profile(&work.join("lo-profile"), true);
    lo::convert(&soffice, &profile, lo::XLSX, &files, &recalculated);
    let t_lo = t0.elapsed() - t_fill;

    // openpyxl: no cached results, conforme with an information line.
    let grids = verify(&filled);
    assert_eq!(grids.len(), cases.len());
    for case in &cases {
        let g = &grids[&case.file];
        let w = format!("openpyxl {}", case.file);
        assert_eq!(g["outcome"], "conforme", "{w} : {g:#}");
        assert_eq!(french_number(&g["score"]), golden_score(case), "{w} score");
        assert!(g["declared_score"].is_null(), "{w} : {g:#}");
        assert!(g["differences"].as_array().unwrap().is_empty(), "{w}");
        let infos = g["informations"].as_array().unwrap();
        assert!(
            infos.iter().any(|i| i
                .as_str()
                .unwrap()
                .contains("résultats des formules non enregistrés")),
            "{w} : {infos:?}"
        );
    }
    // LibreOffice (fr-FR): conforme, declared score = golden, cached = core.
    let grids = verify(&recalculated);
    assert_eq!(grids.len(), cases.len());
    for case in &cases {
        let g = &grids[&case.file];
        let w = format!("LibreOffice {}", case.file);
        assert_eq!(g["outcome"], "conforme", "{w} : {g:#}");
        assert_eq!(french_number(&g["score"]), golden_score(case), "{w} score");
        assert_eq!(
            french_number(&g["declared_score"]),
            golden_score(case),
            "{w} score déclaré"
        );
        assert!(g["differences"].as_array().unwrap().is_empty(), "{w}");
        assert!(g["altered_formulas"].as_array().unwrap().is_empty(), "{w}");
        let bytes = std::fs::read(recalculated.join(&case.file)).unwrap();
        check_cached(case, &bytes);
    }
    // The locale really was French: a CSV export writes decimal commas.
    let first = recalculated.join(&cases[0].file);
    let csv_dir = work.join("csv");
    lo::convert(
        &soffice,
        &profile,
        "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,true,false,false,-1",
        std::slice::from_ref(&first),
        &csv_dir,
    );
    let stem = first.file_stem().unwrap().to_string_lossy().into_owned();
    let synth = std::fs::read_to_string(csv_dir.join(format!("{stem}-{SYNTH}.csv"))).unwrap();
    let total = synth
        .lines()
        .find(|l| l.starts_with("Score total"))
        .unwrap_or_else(|| panic!("ligne Score total absente :\n{synth}"));
    assert!(
        total
            .split(';')
            .nth(1)
            .is_some_and(|v| v.contains(',') && !v.contains('.')),
        "LibreOffice n'est pas en français (fr-FR) : {total}"
    );

    // Files kept for the browser tests.
    let keep = target_dir().join("excel-fixtures");
    std::fs::create_dir_all(&keep).unwrap();
    for (dir, suffix) in [(&filled, "openpyxl"), (&recalculated, "libreoffice")] {
        std::fs::copy(
            dir.join("na-ako-2024-complet.xlsx"),
            keep.join(format!("na-ako-2024-complet-{suffix}.xlsx")),
        )
        .unwrap();
    }
    eprintln!(
        "openpyxl + LibreOffice (fr-FR) : {} grilles de {} référentiels ; remplissage {:.1} s, LibreOffice {:.1} s ; fichiers gardés dans {}",
        cases.len(),
        cases
            .iter()
            .map(|c| &c.catalog.campaign.id)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        t_fill.as_secs_f64(),
        t_lo.as_secs_f64(),
        keep.display()
    );
    let _ = &cases[0].name;
    let _ = std::fs::remove_dir_all(&work);
}

/// « 40 % » typed in a spreadsheet's personalised-target cell is stored as 0,4
/// under a percentage format (what Excel and LibreOffice do): the reader takes
/// 40, says so in a note, and the score is the golden one (never a 100× target).
#[test]
fn a_percentage_typed_with_its_sign_reads_as_that_percentage() {
    let python = python();
    let caqes = env!("CARGO_BIN_EXE_caqes");
    let work = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("excel-percent-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let filled = work.join("filled");
    std::fs::create_dir_all(&filled).unwrap();
    let case = cases()
        .into_iter()
        .find(|c| c.catalog.campaign.id == "normandie-2022" && c.file.contains("complet-mco"))
        .expect("example normandie-2022/complet-mco.json");
    let blank = work.join("blank.xlsx");
    run(
        Command::new(caqes)
            .args(["grid", "--catalog", "normandie-2022", "-o"])
            .arg(&blank),
        "caqes grid",
    );
    let json = run(
        Command::new(caqes).args(["catalog", "show", "normandie-2022", "--json"]),
        "caqes catalog show",
    );
    let catalog_json = work.join("catalog.json");
    std::fs::write(&catalog_json, json).unwrap();
    run(
        Command::new(&python)
            .env("CAQES_FILL_PERCENT_TYPED", "1")
            .arg(root().join("scripts/excel/fill_grid.py"))
            .arg(&catalog_json)
            .arg(&case.answers_file)
            .arg(&blank)
            .arg(filled.join(&case.file)),
        "fill_grid.py (pourcentages saisis avec %)",
    );
    let grids = verify(&filled);
    let g = &grids[&case.file];
    assert_eq!(french_number(&g["score"]), golden_score(&case), "{g:#}");
    assert!(
        g["problems"].as_array().is_none_or(|p| p.is_empty()),
        "{g:#}"
    );
    let text = g.to_string();
    assert!(
        text.contains("cellule au format pourcentage (40 %), lue comme 40"),
        "{g:#}"
    );
    let _ = std::fs::remove_dir_all(&work);
}
