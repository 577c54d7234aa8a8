//! The zip container of a workbook: checked, and every entry inflated once
//! under the budget.
//!
//! [`inflate`] keeps what it inflates: calamine then reads the same entries
//! from an in-memory zip of stored (uncompressed) entries instead of
//! inflating them a second time.

use super::Limits;
use crate::GridError;
use std::borrow::Cow;
use std::io::{Cursor, Read, Write};

/// In-memory zip of stored entries, written while the original is inflated.
type Stored = zip::ZipWriter<Cursor<Vec<u8>>>;

/// Container checks: magic, zip directory, inflation budget, workbook parts.
pub(crate) fn precheck(bytes: &[u8], limits: Limits) -> Result<(), GridError> {
    check(bytes, limits, false).map(drop)
}

/// [`precheck`], returning the workbook for calamine: the same entries,
/// stored uncompressed, or the original bytes in the rare case where they
/// cannot be copied as they are (duplicate or undecodable entry names), so
/// that calamine always sees what the original holds.
pub(crate) fn inflate(bytes: &[u8], limits: Limits) -> Result<Cow<'_, [u8]>, GridError> {
    Ok(match check(bytes, limits, true)? {
        Some(stored) => Cow::Owned(stored),
        None => Cow::Borrowed(bytes),
    })
}

/// The checks; with `keep`, also the stored copy (`None` when it could not
/// be made).
fn check(bytes: &[u8], limits: Limits, keep: bool) -> Result<Option<Vec<u8>>, GridError> {
    if bytes.is_empty() {
        return Err(GridError::Empty);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Err(GridError::Encrypted);
    }
    if !bytes.starts_with(b"PK") {
        return Err(GridError::NotZip);
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| GridError::NotZip)?;
    if zip.len() > limits.max_entries {
        return Err(GridError::TooLarge(format!(
            "{} fichiers dans l'archive",
            zip.len()
        )));
    }
    workbook_parts(&zip)?;
    let declared = declared_size(&mut zip, limits)?;
    // Names are all decodable, as calamine requires (else it reads the original).
    let names: Option<Vec<String>> = zip
        .file_names()
        .map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let mut out: Option<Stored> = match names {
        Some(_) if keep => {
            let room = usize::try_from(declared).unwrap_or(0) + 128 * zip.len() + 1024;
            Some(zip::ZipWriter::new(Cursor::new(Vec::with_capacity(room))))
        }
        _ => None,
    };
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(false);
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut f = match zip.by_index(i) {
            Ok(f) => f,
            Err(zip::result::ZipError::UnsupportedArchive(m)) if m.contains("assword") => {
                return Err(GridError::Encrypted)
            }
            Err(e) => return Err(GridError::Corrupt(e.to_string())),
        };
        if let Some(w) = out.as_mut() {
            // Entry `i` has the `i`-th name (same order as `file_names`).
            let name = names.as_ref().and_then(|n| n.get(i)).cloned();
            if name.is_none_or(|n| w.start_file(n, options).is_err()) {
                out = None;
            }
        }
        let size = f.size();
        let mut read: u64 = 0;
        loop {
            let n = f
                .read(&mut buf)
                .map_err(|e| GridError::Corrupt(e.to_string()))?;
            if n == 0 {
                break;
            }
            read += n as u64;
            total += n as u64;
            if read > size || total > limits.max_uncompressed {
                return Err(GridError::TooLarge(format!(
                    "plus de {} Mo une fois décompressé",
                    limits.max_uncompressed / (1024 * 1024)
                )));
            }
            if out
                .as_mut()
                .is_some_and(|w| w.write_all(&buf[..n]).is_err())
            {
                out = None;
            }
        }
    }
    Ok(out.and_then(|w| w.finish().ok()).map(Cursor::into_inner))
}

/// A zip that is not a workbook is refused, naming what it is when known.
fn workbook_parts(zip: &zip::ZipArchive<Cursor<&[u8]>>) -> Result<(), GridError> {
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .collect();
    if names.iter().any(|n| n == "xl/workbook.xml") {
        return Ok(());
    }
    let what = if names.iter().any(|n| n.starts_with("word/")) {
        " : c'est un document Word (.docx)"
    } else if names.iter().any(|n| n.starts_with("ppt/")) {
        " : c'est une présentation PowerPoint (.pptx)"
    } else if names.iter().any(|n| n == "content.xml") {
        " : c'est un document OpenDocument (.ods/.odt) ; l'enregistrer au format .xlsx"
    } else {
        ""
    };
    Err(GridError::NotWorkbook(what.into()))
}

/// Sum of the declared sizes, checked against the budget before inflating.
fn declared_size(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    limits: Limits,
) -> Result<u64, GridError> {
    let mut declared: u64 = 0;
    for i in 0..zip.len() {
        let f = zip
            .by_index_raw(i)
            .map_err(|e| GridError::Corrupt(e.to_string()))?;
        declared = declared.saturating_add(f.size());
        if declared > limits.max_uncompressed {
            return Err(GridError::TooLarge(format!(
                "plus de {} Mo déclarés",
                limits.max_uncompressed / (1024 * 1024)
            )));
        }
    }
    Ok(declared)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (n, d) in entries {
            z.start_file(*n, o).unwrap();
            z.write_all(d).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    fn entries(bytes: &[u8]) -> Vec<(String, zip::CompressionMethod, Vec<u8>)> {
        let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..z.len())
            .map(|i| {
                let mut f = z.by_index(i).unwrap();
                let mut data = Vec::new();
                f.read_to_end(&mut data).unwrap();
                (f.name().unwrap().to_string(), f.compression(), data)
            })
            .collect()
    }

    #[test]
    fn the_copy_holds_the_same_entries_stored() {
        let sheet = "<sheetData>".repeat(500);
        let original = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.xml", b"<workbook/>"),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ]);
        let copy = inflate(&original, Limits::default()).unwrap();
        assert!(matches!(copy, Cow::Owned(_)));
        let (a, b) = (entries(&original), entries(&copy));
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!((&x.0, &x.2), (&y.0, &y.2));
            assert_eq!(x.1, zip::CompressionMethod::Deflated);
            assert_eq!(y.1, zip::CompressionMethod::Stored);
        }
    }

    #[test]
    fn the_budget_holds_for_the_copy() {
        let zeros = vec![0u8; 2 * 1024 * 1024];
        let original = zip_of(&[("xl/workbook.xml", b"<workbook/>"), ("xl/x.xml", &zeros)]);
        let limits = Limits {
            max_uncompressed: 1024 * 1024,
            ..Limits::default()
        };
        let e = inflate(&original, limits).unwrap_err();
        assert!(matches!(e, GridError::TooLarge(_)), "{e:?}");
        assert!(precheck(&original, limits).is_err());
        assert!(precheck(&original, Limits::default()).is_ok());
    }
}
