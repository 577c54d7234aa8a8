//! `tests/bad-catalogs/`: broken catalogs, one mistake each. Every file starts
//! with comment lines naming what the loader must report:
//!
//! ```toml
//! # <what is wrong>
//! # expect: <substring of the message>
//! # field: <field path, when the mistake has one>
//! # line: <line of the mistake>
//! ```
//!
//! The test loads each file as `caqes catalog check` does and checks that an
//! error names the file, the line and the field, with the expected message.

use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/bad-catalogs")
}

fn header(src: &str, key: &str) -> Option<String> {
    src.lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix(&format!("# {key}: ")).map(str::to_string))
}

#[test]
fn every_broken_catalog_is_reported_with_file_line_and_field() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("tests/bad-catalogs")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 12, "expected at least 12 broken catalogs");
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let src = std::fs::read_to_string(path).unwrap();
        let expect = header(&src, "expect").unwrap_or_else(|| panic!("{name}: no # expect:"));
        let line: usize = header(&src, "line")
            .and_then(|l| l.parse().ok())
            .unwrap_or_else(|| panic!("{name}: no # line:"));
        let field = header(&src, "field");
        let errors = match caqes_engine::load_catalogs(&name, &src) {
            Ok(_) => {
                failures.push(format!("{name}: loaded without error"));
                continue;
            }
            Err(e) => e,
        };
        let found = errors.0.iter().find(|e| e.message.contains(&expect));
        let Some(e) = found else {
            failures.push(format!(
                "{name}: no message with « {expect} » in:\n{errors}"
            ));
            continue;
        };
        let text = e.to_string();
        if e.file != name || !text.starts_with(&name) {
            failures.push(format!("{name}: file not named: {text}"));
        }
        if e.line != Some(line) || !text.contains(&format!("ligne {line}")) {
            failures.push(format!("{name}: expected line {line}: {text}"));
        }
        if let Some(f) = field {
            if e.field != f || !text.contains(&format!("champ « {f} »")) {
                failures.push(format!("{name}: expected field {f}: {text}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
