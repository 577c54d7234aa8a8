//! Bad files: each gives a typed error with a clear French message, never a panic.
//! The fixtures are generated here (and written to tests/fixtures/grids/ when
//! CAQES_WRITE_FIXTURES=1, for manual checks with `caqes verify`).
#![cfg(feature = "read")]

mod common;

use caqes_grid::{read_grid, read_grid_with_limits, write_grid, GridError, Limits};
use std::io::{Cursor, Write};

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    for (n, d) in entries {
        z.start_file(*n, o).unwrap();
        z.write_all(d).unwrap();
    }
    z.finish().unwrap().into_inner()
}

fn save(name: &str, bytes: &[u8]) {
    if std::env::var("CAQES_WRITE_FIXTURES").as_deref() == Ok("1") {
        let d = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/grids");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(name), bytes).unwrap();
    }
}

fn expect_err(name: &str, bytes: &[u8], check: fn(&GridError) -> bool, words: &str) {
    save(name, bytes);
    let catalogs = common::catalogs();
    let r = std::panic::catch_unwind(|| read_grid(bytes, &catalogs));
    let r = r.unwrap_or_else(|_| panic!("{name}: panic"));
    let e = match r {
        Err(e) => e,
        Ok(_) => panic!("{name}: accepted"),
    };
    assert!(check(&e), "{name}: unexpected error {e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains(words),
        "{name}: message « {msg} » lacks « {words} »"
    );
    eprintln!("{name}: {msg}");
}

#[test]
fn empty_file() {
    expect_err("vide.xlsx", b"", |e| *e == GridError::Empty, "fichier vide");
}

#[test]
fn random_bytes() {
    let mut r = common::Rng::new(7);
    let bytes: Vec<u8> = (0..5000).map(|_| r.next() as u8).collect();
    expect_err(
        "aleatoire.xlsx",
        &bytes,
        |e| *e == GridError::NotZip,
        "pas un classeur Excel",
    );
    // Zip magic followed by garbage.
    let mut b = b"PK\x03\x04".to_vec();
    b.extend_from_slice(&bytes);
    expect_err(
        "zip-tronque.xlsx",
        &b,
        |e| matches!(e, GridError::NotZip | GridError::Corrupt(_)),
        "classeur",
    );
}

#[test]
fn zip_not_a_workbook() {
    let z = zip_of(&[("notes.txt", b"bonjour")]);
    expect_err(
        "zip.xlsx",
        &z,
        |e| matches!(e, GridError::NotWorkbook(_)),
        "pas un classeur Excel",
    );
}

#[test]
fn word_document() {
    let z = zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", b"<w:document/>"),
    ]);
    expect_err(
        "document.docx",
        &z,
        |e| matches!(e, GridError::NotWorkbook(_)),
        "Word",
    );
}

#[test]
fn workbook_without_our_sheets() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().write_string(0, 0, "budget").unwrap();
    let b = wb.save_to_buffer().unwrap();
    expect_err(
        "autre-classeur.xlsx",
        &b,
        |e| matches!(e, GridError::NotAGrid(_)),
        "pas une grille CAQES",
    );
}

#[test]
fn grid_of_another_campaign() {
    let catalogs = common::catalogs();
    let a = &catalogs[0];
    let other = catalogs
        .iter()
        .find(|c| c.campaign.id != a.campaign.id)
        .unwrap();
    let b = write_grid(a, None, "t").unwrap();
    save("autre-campagne.xlsx", &b);
    let e = read_grid(&b, std::slice::from_ref(other)).unwrap_err();
    assert!(matches!(e, GridError::CatalogMismatch { .. }), "{e:?}");
    assert!(e.to_string().contains("autre campagne"), "{e}");
}

fn grid_with_patch(value: &str, numeric: bool) -> (Vec<u8>, String) {
    let catalogs = common::catalogs();
    let c = catalogs
        .iter()
        .find(|c| c.campaign.id == "test-grid-2022")
        .unwrap();
    let lay = caqes_grid::layout::layout(c);
    let il = lay.indicator("rate-lin").unwrap();
    let pos = il
        .input(&caqes_grid::layout::CellKind::Input("num".into()))
        .unwrap();
    let b = write_grid(c, Some(&common::generate(c, 3)), "t").unwrap();
    let patched = common::patch_zip(&b, &|name, xml| {
        if name == "xl/worksheets/sheet2.xml" {
            common::set_cell(&xml, &pos.a1(), value, numeric)
        } else {
            xml
        }
    });
    (patched, format!("{}!{}", il.sheet, pos.a1()))
}

#[test]
fn text_in_numeric_cell() {
    let (b, cell) = grid_with_patch("douze", false);
    save("texte-dans-nombre.xlsx", &b);
    let r = read_grid(&b, &common::catalogs()).unwrap();
    let p = r
        .problems
        .iter()
        .find(|p| p.cell == cell)
        .expect("problem reported");
    assert!(
        p.message
            .contains("texte « douze » dans une cellule numérique"),
        "{}",
        p.message
    );
    assert!(r.edited.iter().any(|e| e.cell == cell));
    assert_eq!(r.evaluation.state, caqes_engine::State::Invalid);
    assert!(r.has_discrepancy());
}

#[test]
fn negative_number() {
    let (b, cell) = grid_with_patch("-5", true);
    save("negatif.xlsx", &b);
    let r = read_grid(&b, &common::catalogs()).unwrap();
    let p = r
        .problems
        .iter()
        .find(|p| p.cell == cell)
        .expect("problem reported");
    assert!(p.message.contains("négative"), "{}", p.message);
    assert!(r
        .evaluation
        .problems
        .iter()
        .any(|p| p.message.contains("négatif")));
}

fn with_extra_sheet_xml(sheet_xml: String) -> Vec<u8> {
    let catalogs = common::catalogs();
    let b = write_grid(&catalogs[0], None, "t").unwrap();
    common::patch_zip(&b, &|name, xml| {
        if name == "xl/worksheets/sheet2.xml" {
            sheet_xml.clone()
        } else {
            xml
        }
    })
}

#[test]
fn huge_sheet() {
    // A cell at the far corner: the reader streams cells and never builds a dense range.
    let far = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>"#;
    let b = with_extra_sheet_xml(far.to_string());
    save("feuille-immense.xlsx", &b);
    let r = read_grid(&b, &common::catalogs());
    assert!(r.is_ok() || r.is_err()); // no panic, no allocation of the dense range
                                      // Too many cells: refused with the cell budget.
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for row in 1..=2_000 {
        xml.push_str(&format!("<row r=\"{row}\">"));
        for col in ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"] {
            xml.push_str(&format!("<c r=\"{col}{row}\"><v>1</v></c>"));
        }
        xml.push_str("</row>");
    }
    xml.push_str("</sheetData></worksheet>");
    let b = with_extra_sheet_xml(xml);
    save("trop-de-cellules.xlsx", &b);
    let limits = Limits {
        max_cells: 10_000,
        ..Limits::default()
    };
    let e = read_grid_with_limits(&b, &common::catalogs(), limits).unwrap_err();
    assert!(matches!(e, GridError::TooLarge(_)), "{e:?}");
    assert!(e.to_string().contains("trop volumineux"), "{e}");
}

#[test]
fn zip_bomb() {
    let zeros = vec![0u8; 60 * 1024 * 1024];
    let z = zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/bomb.xml", &zeros),
    ]);
    assert!(z.len() < 1024 * 1024, "bomb is small: {}", z.len());
    expect_err(
        "bombe.xlsx",
        &z,
        |e| matches!(e, GridError::TooLarge(_)),
        "trop volumineux",
    );
}

#[test]
fn password_protected_workbook() {
    // Encrypted OOXML workbooks are CFB (OLE) containers, as are old .xls files.
    let mut b = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    b.extend_from_slice(&[0u8; 504]);
    b.extend_from_slice(
        "EncryptedPackage"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect::<Vec<_>>()
            .as_slice(),
    );
    expect_err(
        "mot-de-passe.xlsx",
        &b,
        |e| *e == GridError::Encrypted,
        "mot de passe",
    );
}
