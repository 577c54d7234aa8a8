//! Golden tests: every example answers file `tests/answers/<catalog>/<name>.json`
//! is scored by the `caqes` binary (`score --json`) and compared with
//! `tests/golden/<catalog>/<name>.json`. Set `UPDATE_GOLDEN=1` to (re)write
//! the expected files after checking the figures by hand.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn answers_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let dir = root().join("tests/answers");
    for cat in std::fs::read_dir(&dir).expect("tests/answers") {
        let cat = cat.unwrap().path();
        if !cat.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&cat).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "json") {
                out.push(f);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_example_matches_its_golden_result() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let files = answers_files();
    assert!(
        files.len() >= 5,
        "expected example answers, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for f in &files {
        let out = Command::new(env!("CARGO_BIN_EXE_caqes"))
            .args(["score", "--json"])
            .arg(f)
            .output()
            .unwrap();
        let code = out.status.code().unwrap_or(-1);
        assert!(
            code == 0 || code == 1,
            "{}: exit {code}: {}",
            f.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let actual = String::from_utf8(out.stdout).unwrap();
        let rel = f.strip_prefix(root().join("tests/answers")).unwrap();
        let golden = root().join("tests/golden").join(rel);
        if update {
            std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
            std::fs::write(&golden, &actual).unwrap();
            continue;
        }
        match std::fs::read_to_string(&golden) {
            Ok(expected) if expected == actual => {}
            Ok(_) => failures.push(format!(
                "{}: differs from {}",
                f.display(),
                golden.display()
            )),
            Err(_) => failures.push(format!(
                "{}: golden file {} missing (UPDATE_GOLDEN=1)",
                f.display(),
                golden.display()
            )),
        }
        // The exit code follows the evaluation state.
        let v: serde_json::Value = serde_json::from_str(&actual).unwrap();
        let invalid = v["state"] == "invalid";
        assert_eq!(code, if invalid { 1 } else { 0 }, "{}", f.display());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
