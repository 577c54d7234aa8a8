//! LibreOffice headless for the tests: find `soffice`, a private profile that
//! recalculates every formula on load, conversions in batches, cached formula
//! results poisoned before a recalculation, cells read back with calamine.
//!
//! Shared by the grid's tests and the CLI's, each including it by path
//! (`#[path = "common/libreoffice.rs"] mod lo;`), so it uses only calamine
//! and std.
#![allow(dead_code)]

use calamine::Data;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The `soffice` to run. `None` only when `CAQES_SKIP_LIBREOFFICE=1`, said
/// loudly with `what` (the test skipped); a missing LibreOffice otherwise
/// fails the test: a test that skips itself silently cannot fail.
pub fn soffice(what: &str) -> Option<PathBuf> {
    if std::env::var("CAQES_SKIP_LIBREOFFICE").as_deref() == Ok("1") {
        eprintln!("\n!!!!!!!! CAQES_SKIP_LIBREOFFICE=1 : test {what} IGNORÉ !!!!!!!!\n");
        return None;
    }
    for c in ["soffice", "libreoffice"] {
        if let Ok(o) = Command::new("which").arg(c).output() {
            if o.status.success() {
                return Some(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
            }
        }
    }
    panic!("soffice introuvable : lancer scripts/setup-libreoffice (ou CAQES_SKIP_LIBREOFFICE=1 pour ignorer ce test)");
}

/// Writes a LibreOffice user profile in `dir` that recalculates xlsx and ods
/// formulas on load (never trusting cached results), in the French locale
/// (fr-FR) when `french`; returns `dir`.
pub fn profile(dir: &Path, french: bool) -> PathBuf {
    let user = dir.join("user");
    std::fs::create_dir_all(&user).unwrap();
    let locale = if french {
        r#"<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>fr-FR</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" oor:op="fuse"><value>fr-FR</value></prop></item>
"#
    } else {
        ""
    };
    std::fs::write(
        user.join("registrymodifications.xcu"),
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
{locale}</oor:items>
"#
        ),
    )
    .unwrap();
    dir.to_path_buf()
}

/// A fresh profile (recalculation on load, default locale) under the temp
/// directory, named after `name` and this process.
pub fn temp_profile(name: &str) -> PathBuf {
    profile(
        &std::env::temp_dir().join(format!("caqes-lo-{name}-{}", std::process::id())),
        false,
    )
}

/// The xlsx filter of LibreOffice (Office Open XML spreadsheet).
pub const XLSX: &str = "xlsx:Calc MS Excel 2007 XML";

/// Converts `files` into `out` with `filter` (e.g. [`XLSX`], "ods") under
/// `profile`, in batches of 80 (one soffice run over a few hundred files may
/// stop early without an error), and checks that every output exists (CSV
/// exports, one file per sheet, are the caller's to check).
pub fn convert(soffice: &Path, profile: &Path, filter: &str, files: &[PathBuf], out: &Path) {
    std::fs::create_dir_all(out).unwrap();
    let ext = filter.split(':').next().unwrap_or(filter);
    for batch in files.chunks(80) {
        let o = Command::new(soffice)
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.display()
            ))
            .args([
                "--headless",
                "--norestore",
                "--convert-to",
                filter,
                "--outdir",
            ])
            .arg(out)
            .args(batch)
            .output()
            .unwrap_or_else(|e| panic!("soffice : lancement impossible ({e})"));
        assert!(
            o.status.success(),
            "soffice --convert-to {filter} : échec ({})\n{}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        );
        for f in batch.iter().filter(|_| ext != "csv") {
            let name = Path::new(f.file_stem().unwrap()).with_extension(ext);
            assert!(
                out.join(&name).exists(),
                "conversion absente pour {} : {}",
                f.display(),
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
}

/// Replaces every cached formula result of a sheet's XML by -999 (string
/// results made numeric so that the poison shows), so that only a real
/// recalculation gives the right figures back.
pub fn poison(xml: String) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml.as_str();
    while let Some(i) = rest.find("</f>") {
        out.push_str(&rest[..i + 4]);
        rest = &rest[i + 4..];
        if rest.starts_with("<v>") {
            let end = rest.find("</v>").unwrap();
            out.push_str("<v>-999</v>");
            rest = &rest[end + 4..];
        }
    }
    out.push_str(rest);
    out.replace(" t=\"str\"", "")
}

/// The number in a cell (row and column from 0); `None` when empty.
pub fn number(ws: &calamine::Range<Data>, row: u32, col: u32) -> Option<f64> {
    match ws.get_value((row, col)) {
        Some(Data::Float(f)) => Some(*f),
        Some(Data::Int(i)) => Some(*i as f64),
        Some(Data::Empty) | None => None,
        Some(Data::String(s)) if s.is_empty() => None,
        other => panic!("({row},{col}) : valeur inattendue {other:?}"),
    }
}

/// The text in a cell (row and column from 0); other values debug-printed.
pub fn text(ws: &calamine::Range<Data>, row: u32, col: u32) -> String {
    match ws.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        other => format!("{other:?}"),
    }
}
