//! The zip container of a workbook: checked, and every entry inflated once
//! under the budget.
//!
//! [`unpack`] keeps what it inflates ([`Parts`]): the fast reader
//! ([`super::fast`]) reads the entries from there, and calamine, when it
//! reads the file, from an in-memory zip of the same entries stored
//! uncompressed ([`Parts::stored_zip`]): no entry is inflated twice.
//! Entries the fast reader never reads (comments, drawings, theme, document
//! properties…) are inflated only if calamine reads the file
//! ([`read_by_fast_reader`]).

use super::Limits;
use crate::GridError;
use std::collections::HashMap;
use std::io::{Cursor, Read, Write};
use std::ops::Range;

thread_local! {
    /// The buffer of the last workbook read on this thread, reused (no
    /// fresh pages to fault in for every file of a batch).
    static ARENA: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Largest buffer kept for the next workbook of a thread.
const ARENA_KEPT: usize = 8 * 1024 * 1024;

/// The entries of a workbook, inflated once.
pub(crate) struct Parts<'b> {
    /// The archive.
    bytes: &'b [u8],
    /// Every inflated entry's bytes, one after the other.
    data: Vec<u8>,
    /// In archive order: name and bytes in `data`, or `None` for an entry
    /// not inflated yet (clean, and not read by the fast reader).
    entries: Vec<(String, Option<Range<usize>>)>,
    /// Entry of each name in lower case with `/` separators, the last one
    /// winning: how calamine finds an entry.
    index: HashMap<String, usize, super::KeyedHash>,
}

/// An entry that [`unpack`] did not inflate: the fast reader does not
/// read it (calamine reads the file).
#[derive(Debug, PartialEq)]
pub(crate) struct Deferred;

impl Drop for Parts<'_> {
    /// The buffer goes back to the thread for its next workbook (unless a
    /// large file made it large).
    fn drop(&mut self) {
        let data = std::mem::take(&mut self.data);
        if data.capacity() <= ARENA_KEPT {
            ARENA.with(|a| a.set(data));
        }
    }
}

impl Parts<'_> {
    /// The entry at `path`, found as calamine finds it (case-insensitive):
    /// `Ok(None)` when there is none.
    pub(crate) fn get(&self, path: &str) -> Result<Option<&[u8]>, Deferred> {
        let Some(&i) = self.index.get(&path.to_ascii_lowercase()) else {
            return Ok(None);
        };
        match self.entries.get(i) {
            Some((_, Some(range))) => Ok(self.data.get(range.clone())),
            Some((_, None)) => Err(Deferred),
            None => Ok(None),
        }
    }

    /// The same entries in a zip, stored uncompressed, for calamine; the
    /// deferred ones inflated now, under the same checks (`None` if one
    /// fails: calamine then reads the original).
    pub(crate) fn stored_zip(&self) -> Option<Vec<u8>> {
        let mut zip = zip::ZipArchive::new(Cursor::new(self.bytes)).ok()?;
        let mut late = Vec::new();
        let mut inflater = Inflater::new();
        let mut spans = Vec::with_capacity(self.entries.len());
        for (i, (_, range)) in self.entries.iter().enumerate() {
            match range {
                Some(r) => spans.push((true, r.clone())),
                None => {
                    let start = late.len();
                    if !inflate_raw(&mut zip, self.bytes, i, &mut inflater, &mut late) {
                        let mut f = zip.by_index(i).ok()?;
                        let size = f.size();
                        let read = (&mut f)
                            .take(size.saturating_add(1))
                            .read_to_end(&mut late)
                            .ok()? as u64;
                        if read != size {
                            return None;
                        }
                    }
                    spans.push((false, start..late.len()));
                }
            }
        }
        let room: usize = self
            .entries
            .iter()
            .zip(&spans)
            .map(|((n, _), (_, b))| b.len() + 2 * n.len() + 128)
            .sum();
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(room + 1024)));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(false);
        for ((name, _), (kept, range)) in self.entries.iter().zip(spans) {
            let data = if kept { &self.data } else { &late };
            w.start_file(name.as_str(), options).ok()?;
            w.write_all(data.get(range)?).ok()?;
        }
        w.finish().ok().map(Cursor::into_inner)
    }
}

/// Whether the fast reader reads the entry of this name (lower case, `/`
/// separators): package and workbook relationships, workbook, shared
/// strings, styles, and the worksheets. The others are inflated only for
/// calamine ([`Parts::stored_zip`]).
fn read_by_fast_reader(name: &str) -> bool {
    matches!(
        name,
        "_rels/.rels"
            | "xl/workbook.xml"
            | "xl/_rels/workbook.xml.rels"
            | "xl/sharedstrings.xml"
            | "xl/styles.xml"
    ) || (name.starts_with("xl/worksheets/") && name.ends_with(".xml"))
}

/// A deflated or stored entry, not encrypted: one whose inflation can wait
/// (the others are read at once, for their errors).
fn plain_entry(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, i: usize) -> bool {
    zip.by_index_raw(i).is_ok_and(|f| {
        !f.encrypted()
            && matches!(
                f.compression(),
                zip::CompressionMethod::Deflated | zip::CompressionMethod::Stored
            )
    })
}

/// Container checks: magic, zip directory, inflation budget, workbook parts.
pub(crate) fn precheck(bytes: &[u8], limits: Limits) -> Result<(), GridError> {
    check(bytes, limits, false).map(drop)
}

/// [`precheck`], returning the inflated entries; `None` in the rare case
/// where they cannot stand for the original (duplicate or undecodable entry
/// names): calamine then reads the original bytes, so that it always sees
/// what the original holds.
pub(crate) fn unpack(bytes: &[u8], limits: Limits) -> Result<Option<Parts<'_>>, GridError> {
    check(bytes, limits, true)
}

/// The checks; with `keep`, also the inflated entries (`None` when they
/// cannot stand for the original).
fn check(bytes: &[u8], limits: Limits, keep: bool) -> Result<Option<Parts<'_>>, GridError> {
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
    declared_size(&mut zip, limits)?;
    // Names are all decodable, as calamine requires (else it reads the original).
    let names: Option<Vec<String>> = zip
        .file_names()
        .map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    // Names decodable and unique, else calamine reads the original.
    let mut entries: Option<Vec<(String, Option<Range<usize>>)>> = match &names {
        Some(n) if keep && n.iter().collect::<std::collections::HashSet<_>>().len() == n.len() => {
            Some(Vec::with_capacity(n.len()))
        }
        _ => None,
    };
    // Every kept entry, one after the other, in this thread's buffer.
    let mut data = if entries.is_some() {
        ARENA.with(|a| a.take())
    } else {
        Vec::new()
    };
    data.clear();
    let too_large = || {
        GridError::TooLarge(format!(
            "plus de {} Mo une fois décompressé",
            limits.max_uncompressed / (1024 * 1024)
        ))
    };
    let mut total: u64 = 0;
    let mut buf = Vec::new();
    let mut inflater = Inflater::new();
    for i in 0..zip.len() {
        let start = data.len();
        if let (Some(e), Some(name)) = (entries.as_mut(), names.as_ref().and_then(|n| n.get(i))) {
            let lower = name.replace('\\', "/").to_ascii_lowercase();
            if !read_by_fast_reader(&lower) && plain_entry(&mut zip, i) {
                e.push((name.clone(), None));
                continue;
            }
        }
        if let (Some(e), Some(n)) = (entries.as_mut(), &names) {
            if let (true, Some(name)) = (
                inflate_raw(&mut zip, bytes, i, &mut inflater, &mut data),
                n.get(i),
            ) {
                total += (data.len() - start) as u64;
                if total > limits.max_uncompressed {
                    return Err(too_large());
                }
                e.push((name.clone(), Some(start..data.len())));
                continue;
            }
        }
        let mut f = match zip.by_index(i) {
            Ok(f) => f,
            Err(zip::result::ZipError::UnsupportedArchive(m)) if m.contains("assword") => {
                return Err(GridError::Encrypted)
            }
            Err(e) => return Err(GridError::Corrupt(e.to_string())),
        };
        let size = f.size();
        // Entry `i` has the `i`-th name (same order as `file_names`).
        let name = match (&entries, &names) {
            (Some(_), Some(n)) => n.get(i).cloned(),
            _ => None,
        };
        if name.is_none() {
            entries = None;
        }
        let read = match &name {
            // Straight into the buffer, one byte past the declared size at
            // most (more is refused).
            Some(_) => (&mut f)
                .take(size.saturating_add(1))
                .read_to_end(&mut data)
                .map_err(|e| GridError::Corrupt(e.to_string()))? as u64,
            None => {
                buf.resize(64 * 1024, 0);
                let mut read: u64 = 0;
                loop {
                    let n = f
                        .read(&mut buf)
                        .map_err(|e| GridError::Corrupt(e.to_string()))?;
                    if n == 0 {
                        break;
                    }
                    read += n as u64;
                    if read > size || total + read > limits.max_uncompressed {
                        return Err(too_large());
                    }
                }
                read
            }
        };
        total += read;
        if read > size || total > limits.max_uncompressed {
            return Err(too_large());
        }
        if let (Some(e), Some(name)) = (entries.as_mut(), name) {
            e.push((name, Some(start..data.len())));
        }
    }
    Ok(entries.map(|entries| {
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (n.replace('\\', "/").to_ascii_lowercase(), i))
            .collect();
        Parts {
            bytes,
            data,
            entries,
            index,
        }
    }))
}

/// Raw deflate of whole entries: libdeflate natively (whole-buffer
/// inflation, about twice as fast as zlib's streaming inflation), flate2
/// (zlib-rs) in wasm32, where no C library is built.
struct Inflater {
    #[cfg(not(target_arch = "wasm32"))]
    d: libdeflater::Decompressor,
    #[cfg(target_arch = "wasm32")]
    d: flate2::Decompress,
}

impl Inflater {
    fn new() -> Inflater {
        Inflater {
            #[cfg(not(target_arch = "wasm32"))]
            d: libdeflater::Decompressor::new(),
            #[cfg(target_arch = "wasm32")]
            d: flate2::Decompress::new(false),
        }
    }

    /// Appends `input` inflated to `out`: `Some` when it is one complete
    /// deflate stream of exactly `size` bytes (`out` is then cut back by
    /// the caller otherwise).
    #[cfg(not(target_arch = "wasm32"))]
    fn inflate(&mut self, input: &[u8], size: usize, out: &mut Vec<u8>) -> Option<()> {
        let start = out.len();
        // Exactly the declared size: a longer stream fails for want of room.
        out.resize(start.checked_add(size)?, 0);
        let n = self.d.deflate_decompress(input, &mut out[start..]).ok()?;
        (n == size).then_some(())
    }

    #[cfg(target_arch = "wasm32")]
    fn inflate(&mut self, input: &[u8], size: usize, out: &mut Vec<u8>) -> Option<()> {
        let start = out.len();
        // One byte of room past the declared size: a longer stream is seen.
        out.reserve(size.checked_add(1)?);
        let room = start + size + 1;
        self.d.reset(false);
        // Only the room reserved: `decompress_vec` writes into the spare
        // capacity, which may be larger.
        let status = self
            .d
            .decompress_vec(input, out, flate2::FlushDecompress::Finish);
        match status {
            Ok(flate2::Status::StreamEnd) if out.len() < room && out.len() - start == size => {
                Some(())
            }
            _ => None,
        }
    }
}

/// Entry `i` inflated straight from the archive's bytes: raw deflate into
/// a buffer of the declared size (no intermediate copy), one decompressor
/// for every entry, CRC checked. `None` for anything but a
/// clean deflated entry of exactly its declared size (encrypted, another
/// method, damaged, larger or smaller): the zip reader then reads the
/// entry, with its own checks and errors, as it reads every entry of a
/// file whose entries are not kept.
fn inflate_raw(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    bytes: &[u8],
    i: usize,
    inflater: &mut Inflater,
    out: &mut Vec<u8>,
) -> bool {
    let start = out.len();
    let done = (|| {
        let f = zip.by_index_raw(i).ok()?;
        if f.encrypted() || f.compression() != zip::CompressionMethod::Deflated {
            return None;
        }
        let from = usize::try_from(f.data_start()?).ok()?;
        let len = usize::try_from(f.compressed_size()).ok()?;
        let input = bytes.get(from..from.checked_add(len)?)?;
        let size = usize::try_from(f.size()).ok()?;
        let crc = f.crc32();
        inflater.inflate(input, size, out)?;
        (crc32fast::hash(&out[start..]) == crc).then_some(())
    })()
    .is_some();
    if !done {
        out.truncate(start);
    }
    done
}

/// A zip that is not a workbook is refused, naming what it is when known.
fn workbook_parts(zip: &zip::ZipArchive<Cursor<&[u8]>>) -> Result<(), GridError> {
    // The common case without a copy of the names.
    if zip
        .file_names()
        .any(|n| n.is_ok_and(|n| n == "xl/workbook.xml"))
    {
        return Ok(());
    }
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
        let parts = unpack(&original, Limits::default()).unwrap().unwrap();
        assert_eq!(
            parts.get("XL/Worksheets/Sheet1.xml"),
            Ok(Some(sheet.as_bytes()))
        );
        let copy = parts.stored_zip().unwrap();
        let (a, b) = (entries(&original), entries(&copy));
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!((&x.0, &x.2), (&y.0, &y.2));
            assert_eq!(x.1, zip::CompressionMethod::Deflated);
            assert_eq!(y.1, zip::CompressionMethod::Stored);
        }
    }

    #[test]
    fn damaged_or_stored_entries_go_through_the_zip_reader() {
        let sheet = "<sheetData>".repeat(500);
        let original = zip_of(&[
            ("xl/workbook.xml", b"<workbook/>"),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ]);
        // A stored entry reads as it is.
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file("xl/workbook.xml", o).unwrap();
        z.write_all(b"<workbook/>").unwrap();
        let stored = z.finish().unwrap().into_inner();
        let parts = unpack(&stored, Limits::default()).unwrap().unwrap();
        assert_eq!(parts.get("xl/workbook.xml"), Ok(Some(&b"<workbook/>"[..])));
        // Damaged compressed data: the zip reader's own error, as without
        // the kept entries.
        let mut z = zip::ZipArchive::new(Cursor::new(&original[..])).unwrap();
        let start = z.by_index_raw(1).unwrap().data_start().unwrap() as usize;
        let mut damaged = original.clone();
        for b in &mut damaged[start + 4..start + 12] {
            *b ^= 0x5a;
        }
        let kept = unpack(&damaged, Limits::default()).err();
        let plain = precheck(&damaged, Limits::default()).err();
        assert!(kept.is_some());
        assert_eq!(kept, plain);
    }

    #[test]
    fn entries_the_fast_reader_does_not_read_are_inflated_for_calamine_only() {
        let comments = "<comments>".repeat(500);
        let original = zip_of(&[
            ("xl/workbook.xml", b"<workbook/>"),
            ("xl/comments1.xml", comments.as_bytes()),
            ("xl/worksheets/sheet1.xml", b"<worksheet/>"),
        ]);
        let parts = unpack(&original, Limits::default()).unwrap().unwrap();
        assert_eq!(parts.get("xl/comments1.xml"), Err(Deferred));
        assert_eq!(parts.get("xl/absent.xml"), Ok(None));
        assert!(parts.get("xl/worksheets/sheet1.xml").unwrap().is_some());
        // calamine's copy holds it.
        let copy = parts.stored_zip().unwrap();
        assert_eq!(entries(&copy)[1].2, comments.as_bytes());
        // Damaged, it is not seen by the fast reader; calamine reads the
        // original (no copy).
        let mut z = zip::ZipArchive::new(Cursor::new(&original[..])).unwrap();
        let start = z.by_index_raw(1).unwrap().data_start().unwrap() as usize;
        let mut damaged = original.clone();
        for b in &mut damaged[start + 4..start + 12] {
            *b ^= 0x5a;
        }
        let parts = unpack(&damaged, Limits::default()).unwrap().unwrap();
        assert!(parts.get("xl/worksheets/sheet1.xml").unwrap().is_some());
        assert!(parts.stored_zip().is_none());
    }

    #[test]
    fn the_budget_holds_for_the_copy() {
        let zeros = vec![0u8; 2 * 1024 * 1024];
        let original = zip_of(&[("xl/workbook.xml", b"<workbook/>"), ("xl/x.xml", &zeros)]);
        let limits = Limits {
            max_uncompressed: 1024 * 1024,
            ..Limits::default()
        };
        let e = unpack(&original, limits).err().unwrap();
        assert!(matches!(e, GridError::TooLarge(_)), "{e:?}");
        assert!(precheck(&original, limits).is_err());
        assert!(precheck(&original, Limits::default()).is_ok());
    }
}
