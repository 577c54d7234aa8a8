//! The fast reader of a grid's sheets, over the entries that
//! [`super::container`] inflated (no second inflation, no copy).
//!
//! calamine reads any workbook; this reader reads what grids and the
//! spreadsheets that re-save them write, mirroring calamine's reading of a
//! workbook event for event (same quick-xml events, same attribute and cell
//! rules), and gives up with [`Fallback`] on anything it does not handle
//! exactly as calamine does: shared formulas, `_xHHHH_` escapes, numbers
//! not in plain decimal notation, unusual part paths or encodings, malformed
//! XML. The caller then reads the file with calamine, so a grid reads the
//! same either way; this reader only saves calamine's work on the common
//! case. What it saves: the style sheet beyond number formats, per-cell
//! allocations of cells the reader does not keep, the buffered reading of
//! zip entries, and the second pass over a sheet for percentage formats
//! (the style of kept cells is noted in the first pass).

use super::container::Parts;
use super::{CellKeys, Cells, Failure, Formulas, PercentCells, SheetData, Source, V};
use crate::GridError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;
use quick_xml::Reader;
use std::borrow::Cow;
use std::collections::HashMap;

/// This reader does not handle the file (or not exactly as calamine does):
/// calamine reads it.
#[derive(Debug)]
pub(crate) struct Fallback;

type Fast<T> = Result<T, Fallback>;

impl From<quick_xml::Error> for Fallback {
    fn from(_: quick_xml::Error) -> Fallback {
        Fallback
    }
}

impl From<Fallback> for Failure {
    fn from(_: Fallback) -> Failure {
        Failure::Fallback
    }
}

/// A workbook opened by the fast reader: sheet paths, shared strings and
/// which cell styles are percentage formats, read as calamine's `Xlsx::new`
/// reads them.
pub(crate) struct Book<'a> {
    parts: &'a Parts<'a>,
    /// Sheet name and part path, in workbook order.
    sheets: Vec<(String, String)>,
    /// Borrowed from the part, unless entities were resolved.
    strings: Vec<Cow<'a, str>>,
    /// By style id (`cellXfs`), whether its number format shows a percentage.
    percent_styles: Vec<bool>,
    /// By sheet, the kept cells whose style is a percentage format.
    percent: super::ByName<String, CellKeys>,
    /// Whether `sheetData` is scanned directly when it can be ([`Book::scan`]).
    scanning: bool,
    /// Sheets read by the scan (the others by the events).
    scanned: usize,
}

/// A quick-xml reader configured as calamine configures its own.
fn reader(text: &str) -> Reader<&[u8]> {
    let mut r = Reader::from_str(text);
    let config = r.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    r
}

/// The text of a part, when it is UTF-8 without byte-order mark (what the
/// slice reader decodes exactly as calamine's does).
fn text_of<'p>(parts: &'p Parts, path: &str) -> Fast<Option<&'p str>> {
    let Some(bytes) = parts.get(path).map_err(|_| Fallback)? else {
        return Ok(None);
    };
    // SIMD validation (the same answer as std's, several times faster).
    let text = simdutf8::basic::from_utf8(bytes).map_err(|_| Fallback)?;
    if text.starts_with('\u{feff}') {
        return Err(Fallback);
    }
    Ok(Some(text))
}

/// The next event; an XML declaration naming another encoding than UTF-8
/// is left to calamine (which would decode the part with it).
fn next<'i>(r: &mut Reader<&'i [u8]>) -> Fast<Event<'i>> {
    let e = r.read_event()?;
    if let Event::Decl(d) = &e {
        if let Some(enc) = d.encoding() {
            let enc = enc.map_err(|_| Fallback)?;
            let enc: &str = enc.as_ref();
            if !enc.eq_ignore_ascii_case("utf-8") && !enc.eq_ignore_ascii_case("utf8") {
                return Err(Fallback);
            }
        }
    }
    Ok(e)
}

/// The raw values of the attributes `keys` (not unescaped, as calamine's
/// raw attributes); a malformed or repeated attribute is left to calamine.
fn attrs<'e, const N: usize>(e: &'e BytesStart<'_>, keys: [&str; N]) -> Fast<[Option<&'e str>; N]> {
    attrs_raw(e.attributes_raw(), keys)
}

/// [`attrs`] of the raw attributes of a tag.
fn attrs_raw<'e, const N: usize>(raw: &'e str, keys: [&str; N]) -> Fast<[Option<&'e str>; N]> {
    let mut out = [None; N];
    let bytes = raw.as_bytes();
    let mut pos = 0;
    loop {
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= bytes.len() {
            return Ok(out);
        }
        let start = pos;
        while pos < bytes.len() && bytes[pos] != b'=' {
            pos += 1;
        }
        if pos >= bytes.len() {
            return Err(Fallback);
        }
        let key = raw[start..pos].trim_ascii_end();
        pos += 1;
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let quote = match bytes.get(pos) {
            Some(&q) if q == b'"' || q == b'\'' => q,
            _ => return Err(Fallback),
        };
        pos += 1;
        let val_start = pos;
        while pos < bytes.len() && bytes[pos] != quote {
            pos += 1;
        }
        if pos >= bytes.len() {
            return Err(Fallback);
        }
        let val = &raw[val_start..pos];
        pos += 1;
        if let Some(i) = keys.iter().position(|k| *k == key) {
            if out[i].replace(val).is_some() {
                return Err(Fallback);
            }
        }
    }
}

/// Whether an attribute key is `name` or `prefix:name`.
fn local_key(key: &str, name: &str) -> bool {
    key == name
        || key
            .strip_suffix(name)
            .is_some_and(|p| p.as_bytes().last() == Some(&b':'))
}

/// An attribute value with its XML entities resolved.
fn decode(val: &str) -> Fast<String> {
    quick_xml::escape::unescape(val)
        .map(Cow::into_owned)
        .map_err(|_| Fallback)
}

/// An entity reference resolved, as calamine resolves it.
fn push_entity(e: &quick_xml::events::BytesRef<'_>, out: &mut String) -> Fast<()> {
    let name: &str = e.as_ref();
    if let Some(s) = quick_xml::escape::resolve_xml_entity(name) {
        out.push_str(s);
        return Ok(());
    }
    match e.resolve_char_ref() {
        Ok(Some(c)) => {
            out.push(c);
            Ok(())
        }
        _ => Err(Fallback),
    }
}

/// calamine unescapes `_xHHHH_` (Excel's escape of control characters);
/// this reader leaves any text that may hold one (`_x`) to calamine.
fn no_excel_escape(s: &str) -> Fast<&str> {
    let b = s.as_bytes();
    if memchr::memchr_iter(b'_', b).any(|i| b.get(i + 1) == Some(&b'x')) {
        Err(Fallback)
    } else {
        Ok(s)
    }
}

/// Text without the XML white space (space, tab, CR, LF) at its ends.
fn trim_xml_space(s: &str) -> &str {
    s.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// Row and column (0-based) of an A1 reference, as calamine parses them;
/// the column is `None` for a bare row number.
fn row_col(range: &str) -> Fast<(u32, Option<u32>)> {
    let b = range.as_bytes();
    let mut i = 0;
    let (mut col, mut row): (u32, u32) = (0, 0);
    while i < b.len() {
        match b[i] {
            c @ b'A'..=b'Z' | c @ b'a'..=b'z' => {
                let v = u32::from(c.to_ascii_uppercase() - b'A') + 1;
                col = col
                    .checked_mul(26)
                    .and_then(|x| x.checked_add(v))
                    .ok_or(Fallback)?;
            }
            c @ b'0'..=b'9' => {
                row = u32::from(c - b'0');
                i += 1;
                break;
            }
            _ => return Err(Fallback),
        }
        i += 1;
    }
    while i < b.len() {
        match b[i] {
            c @ b'0'..=b'9' => {
                row = row
                    .checked_mul(10)
                    .and_then(|x| x.checked_add(u32::from(c - b'0')))
                    .ok_or(Fallback)?;
            }
            _ => return Err(Fallback),
        }
        i += 1;
    }
    let row = row.checked_sub(1).ok_or(Fallback)?;
    Ok((row, col.checked_sub(1)))
}

fn cell_ref(range: &str) -> Fast<(u32, u32)> {
    // The common spelling (`B12`: 1 to 3 capitals, 1 to 7 digits) read
    // without overflow checks, which cannot fail there; others by row_col.
    let b = range.as_bytes();
    let (mut i, mut col) = (0, 0u32);
    while i < 3 && i < b.len() && b[i].is_ascii_uppercase() {
        col = col * 26 + u32::from(b[i] - b'A') + 1;
        i += 1;
    }
    if i > 0 && (1..=7).contains(&(b.len() - i)) {
        let mut row = 0u32;
        while i < b.len() && b[i].is_ascii_digit() {
            row = row * 10 + u32::from(b[i] - b'0');
            i += 1;
        }
        if i == b.len() {
            return Ok((row.checked_sub(1).ok_or(Fallback)?, col - 1));
        }
    }
    match row_col(range)? {
        (row, Some(col)) => Ok((row, col)),
        _ => Err(Fallback),
    }
}

/// A `dimension` reference, checked as calamine checks it.
fn dimension(range: &str) -> Fast<()> {
    let parts = range.split(':').map(cell_ref).collect::<Fast<Vec<_>>>()?;
    match parts.as_slice() {
        [_] => Ok(()),
        [a, b] if b.0 >= a.0 && b.1 >= a.1 => Ok(()),
        _ => Err(Fallback),
    }
}

/// A non-negative integer written in plain decimal digits.
fn index(s: &str) -> Fast<usize> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Fallback);
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(Fallback);
    }
    // At most 18 digits: no overflow.
    Ok(s.bytes()
        .fold(0usize, |n, b| n * 10 + usize::from(b - b'0')))
}

/// A number in plain decimal notation (`-12.5`, `1E-3`), which every
/// correctly rounded parser reads the same; anything else (`inf`, `+1`,
/// `.5`, spaces) is left to calamine.
fn plain_number(s: &str) -> Fast<f64> {
    is_plain_number(s)?;
    s.parse().map_err(|_| Fallback)
}

/// Whether `s` is a number in plain decimal notation ([`plain_number`]),
/// without reading it (cells the reader does not keep are only checked).
fn is_plain_number(s: &str) -> Fast<()> {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return Err(Fallback);
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return Err(Fallback);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return Err(Fallback);
        }
    }
    if i != b.len() {
        return Err(Fallback);
    }
    Ok(())
}

/// A cell value before it is kept (shared strings by index: no copy for
/// the cells the reader does not keep).
enum Val<'s> {
    Empty,
    Num(f64),
    /// A number checked as [`plain_number`], read only if the cell is kept.
    Number(&'s str),
    Text(Cow<'s, str>),
    Shared(usize),
    Bool(bool),
    Error,
}

/// A string item (`<si>`, `<is>`): plain or rich text, phonetic runs
/// skipped, as calamine's `read_string`.
fn read_string(r: &mut Reader<&[u8]>, closing: QName<'_>) -> Fast<Option<String>> {
    let mut rich: Option<String> = None;
    let mut phonetic = false;
    loop {
        match next(r)? {
            Event::Start(e) if e.local_name().as_ref() == "r" && rich.is_none() => {
                rich = Some(String::new());
            }
            Event::Start(e) if e.local_name().as_ref() == "rPh" => phonetic = true,
            Event::End(e) if e.name() == closing => {
                return Ok(Some(rich.unwrap_or_default()));
            }
            Event::End(e) if e.local_name().as_ref() == "rPh" => phonetic = false,
            Event::Start(e) if e.local_name().as_ref() == "t" && !phonetic => {
                let [space] = attrs(&e, ["xml:space"])?;
                let preserve = space == Some("preserve");
                let mut value = String::new();
                loop {
                    match next(r)? {
                        Event::Text(t) => value.push_str(&t.xml10_content()),
                        Event::CData(t) => value.push_str(&t.xml10_content()),
                        Event::GeneralRef(g) => push_entity(&g, &mut value)?,
                        Event::End(end) if end.name() == e.name() => break,
                        Event::Eof => return Err(Fallback),
                        _ => {}
                    }
                }
                let value = if preserve {
                    no_excel_escape(&value)?
                } else {
                    no_excel_escape(value.trim_matches([' ', '\t', '\r', '\n']))?
                };
                match &mut rich {
                    Some(s) => s.push_str(value),
                    None => rich = Some(value.to_string()),
                }
            }
            Event::Eof => return Err(Fallback),
            _ => {}
        }
    }
}

/// The content of an element up to its end, entities resolved (formulas,
/// `t="str"` values).
fn read_text(r: &mut Reader<&[u8]>, e: &BytesStart<'_>) -> Fast<String> {
    let mut out = String::new();
    loop {
        match next(r)? {
            Event::Text(t) => out.push_str(&t.xml10_content()),
            Event::GeneralRef(g) => push_entity(&g, &mut out)?,
            Event::End(end) if end.name() == e.name() => return Ok(out),
            Event::Eof => return Err(Fallback),
            _ => {}
        }
    }
}

/// The number format codes of the workbook's built-in formats that
/// calamine names (only whether they show a percentage matters here).
fn builtin_is_percent(id: u32) -> bool {
    matches!(id, 9 | 10)
}

impl<'a> Book<'a> {
    /// Opens the workbook as calamine's `Xlsx::new` does (package and
    /// workbook relationships, workbook, shared strings, styles).
    pub(crate) fn open(parts: &'a Parts) -> Fast<Book<'a>> {
        let workbook = Self::office_document(parts)?;
        if workbook != "xl/workbook.xml" && workbook != "/xl/workbook.xml" {
            return Err(Fallback);
        }
        let strings = Self::shared_strings(parts, true)?;
        let percent_styles = Self::styles(parts)?;
        let rels = Self::relationships(parts)?;
        let sheets = Self::workbook(parts, &rels)?;
        Ok(Book {
            parts,
            sheets,
            strings,
            percent_styles,
            percent: Default::default(),
            scanning: true,
            scanned: 0,
        })
    }

    fn office_document(parts: &Parts) -> Fast<String> {
        let text = text_of(parts, "_rels/.rels")?.ok_or(Fallback)?;
        let mut r = reader(text);
        loop {
            match next(&mut r)? {
                Event::Start(e) if e.local_name().as_ref() == "Relationships" => break,
                Event::Eof => return Err(Fallback),
                _ => {}
            }
        }
        let mut target = None;
        loop {
            match next(&mut r)? {
                Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                    let [typ, t] = attrs(&e, ["Type", "Target"])?;
                    if typ.is_some_and(|t| t.ends_with("/relationships/officeDocument")) {
                        if let Some(t) = t {
                            target = Some(decode(t)?);
                        }
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "Relationships" => break,
                Event::Eof => return Err(Fallback),
                _ => {}
            }
        }
        target.ok_or(Fallback)
    }

    /// The shared strings, scanned directly ([`scan_strings`]) when `scan`
    /// and they allow it, else read with quick-xml events.
    fn shared_strings(parts: &'a Parts, scan: bool) -> Fast<Vec<Cow<'a, str>>> {
        let Some(text) = text_of(parts, "xl/sharedStrings.xml")? else {
            return Ok(Vec::new());
        };
        let mut r = reader(text);
        loop {
            match next(&mut r)? {
                Event::Start(e) if e.local_name().as_ref() == "sst" => break,
                Event::Eof => return Err(Fallback),
                _ => {}
            }
        }
        let start = usize::try_from(r.buffer_position()).map_err(|_| Fallback)?;
        let open =
            text.as_bytes()[..start].ends_with(b">") && !text.as_bytes()[..start].ends_with(b"/>");
        if open && scan {
            if let Some(strings) = scan_strings(text, start)? {
                return Ok(strings);
            }
        }
        let mut strings = Vec::new();
        loop {
            match next(&mut r)? {
                Event::Start(e) if e.local_name().as_ref() == "si" => {
                    if let Some(s) = read_string(&mut r, e.name())? {
                        strings.push(Cow::Owned(s));
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "sst" => return Ok(strings),
                Event::Eof => return Err(Fallback),
                _ => {}
            }
        }
    }

    /// Whether each cell style (`cellXfs`) has a percentage number format.
    fn styles(parts: &Parts) -> Fast<Vec<bool>> {
        let Some(text) = text_of(parts, "xl/styles.xml")? else {
            return Ok(Vec::new());
        };
        let mut r = reader(text);
        let mut custom: HashMap<String, String> = HashMap::new();
        let mut out = Vec::new();
        let mut in_numfmts = false;
        let mut in_xfs = false;
        loop {
            match next(&mut r)? {
                Event::Start(e) => match e.local_name().as_ref() {
                    "numFmts" if !in_xfs => in_numfmts = true,
                    "numFmt" if in_numfmts => {
                        let [id, code] = attrs(&e, ["numFmtId", "formatCode"])?;
                        if let (Some(id), Some(code)) = (id, code) {
                            custom.insert(id.to_string(), decode(code)?);
                        }
                    }
                    "cellXfs" if !in_numfmts => in_xfs = true,
                    "xf" if in_xfs => {
                        let [id] = attrs(&e, ["numFmtId"])?;
                        let percent = match id {
                            None => false,
                            Some(id) => match u32::try_from(index(id)?) {
                                Err(_) => false,
                                Ok(n) => match custom.get(id) {
                                    Some(code) => super::is_percent_format(code),
                                    None => builtin_is_percent(n),
                                },
                            },
                        };
                        out.push(percent);
                        r.read_to_end(e.name())?;
                    }
                    // Fonts, fills, borders: calamine parses them, this
                    // reader only needs the markup to be well formed.
                    _ => {}
                },
                Event::End(e) => match e.local_name().as_ref() {
                    "numFmts" => in_numfmts = false,
                    "cellXfs" => in_xfs = false,
                    "styleSheet" => return Ok(out),
                    _ => {}
                },
                Event::Eof => return Err(Fallback),
                _ => {}
            }
        }
    }

    fn relationships(parts: &Parts) -> Fast<HashMap<String, (String, String)>> {
        let text = text_of(parts, "xl/_rels/workbook.xml.rels")?.ok_or(Fallback)?;
        let mut r = reader(text);
        let mut out = HashMap::new();
        loop {
            match next(&mut r)? {
                Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                    let [id, typ, target] = attrs(&e, ["Id", "Type", "Target"])?;
                    if let Some(id) = id {
                        out.insert(
                            id.to_string(),
                            (
                                target.unwrap_or_default().to_string(),
                                typ.unwrap_or_default().to_string(),
                            ),
                        );
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "Relationships" => return Ok(out),
                Event::Eof => return Err(Fallback),
                _ => {}
            }
        }
    }

    fn workbook(
        parts: &Parts,
        rels: &HashMap<String, (String, String)>,
    ) -> Fast<Vec<(String, String)>> {
        let text = text_of(parts, "xl/workbook.xml")?.ok_or(Fallback)?;
        let mut r = reader(text);
        let mut sheets = Vec::new();
        loop {
            match next(&mut r)? {
                Event::Start(e) if e.local_name().as_ref() == "sheet" => {
                    let (mut name, mut rel_id) = (String::new(), "");
                    let raw: &str = e.attributes_raw();
                    // Every attribute, as calamine iterates them.
                    for key in raw_keys(raw)? {
                        let [v] = attrs(&e, [key])?;
                        let v = v.unwrap_or_default();
                        match key {
                            "name" => name = decode(v)?,
                            "state" if !matches!(v, "visible" | "hidden" | "veryHidden") => {
                                return Err(Fallback)
                            }
                            k if local_key(k, "id") => rel_id = v,
                            _ => {}
                        }
                    }
                    let (target, typ) = rels.get(rel_id).ok_or(Fallback)?;
                    let path = match target.strip_prefix('/') {
                        Some(abs) => abs.to_string(),
                        None => format!("xl/{target}"),
                    };
                    if !matches!(
                        typ.rsplit('/').next(),
                        Some("worksheet" | "chartsheet" | "dialogsheet")
                    ) {
                        return Err(Fallback);
                    }
                    sheets.push((name, path));
                }
                Event::Start(e) if e.local_name().as_ref() == "definedName" => {
                    let [name] = attrs(&e, ["name"])?;
                    if let Some(name) = name {
                        decode(name)?;
                        read_text(&mut r, &e)?;
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "workbook" => return Ok(sheets),
                Event::Eof => return Err(Fallback),
                _ => {}
            }
        }
    }

    /// Reads a sheet as calamine's `next_cell_with_formula` does, keeping
    /// the cells `keep` accepts (every cell counts against the budget):
    /// the cells scanned directly ([`Book::scan`]) in the common case,
    /// else with quick-xml events ([`Book::events`]).
    fn read(
        &mut self,
        name: &str,
        max_col: u16,
        budget: &mut usize,
        keep: &dyn Fn((u32, u16)) -> bool,
    ) -> Result<SheetData, Failure> {
        let path = self
            .sheets
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p.as_str())
            .ok_or(Fallback)?;
        let text = text_of(self.parts, path)?.ok_or(Fallback)?;
        let mut r = reader(text);
        loop {
            match next(&mut r)? {
                Event::Start(e) => match e.local_name().as_ref() {
                    "dimension" => {
                        let [range] = attrs(&e, ["ref"])?;
                        dimension(range.ok_or(Fallback)?)?;
                    }
                    "sheetData" => break,
                    _ => {}
                },
                Event::Eof => return Err(Fallback.into()),
                _ => {}
            }
        }
        let start = usize::try_from(r.buffer_position()).map_err(|_| Fallback)?;
        // Room for the cells a grid's sheet keeps, without regrowing.
        let out = SheetData {
            cells: Cells::with_capacity_and_hasher(256, Default::default()),
            formulas: Formulas::with_capacity_and_hasher(256, Default::default()),
        };
        let mut kept = Kept {
            max_col,
            keep,
            out,
            percent: CellKeys::default(),
        };
        let before = *budget;
        // `<sheetData/>` (expanded by the reader) is left to the events.
        let open =
            text.as_bytes()[..start].ends_with(b">") && !text.as_bytes()[..start].ends_with(b"/>");
        if open && self.scanning && self.scan(text, start, budget, &mut kept)? {
            self.scanned += 1;
        } else {
            *budget = before;
            kept.out = SheetData::default();
            kept.percent.clear();
            self.events(&mut r, budget, &mut kept)?;
        }
        self.percent.insert(name.to_string(), kept.percent);
        Ok(kept.out)
    }

    /// A cell read: counted against the budget, then kept when `keep`
    /// accepts it (as `read_sheet_where` keeps calamine's cells).
    fn cell(
        &self,
        kept: &mut Kept<'_>,
        budget: &mut usize,
        (row, col): (u32, u32),
        style: Option<&str>,
        value: Val<'_>,
        formula: Option<Cow<'_, str>>,
    ) -> Result<(), Failure> {
        if *budget == 0 {
            return Err(GridError::TooLarge("trop de cellules".into()).into());
        }
        *budget -= 1;
        let Ok(col) = u16::try_from(col) else {
            return Ok(());
        };
        if col > kept.max_col || !(kept.keep)((row, col)) {
            return Ok(());
        }
        let key = (row, col);
        if let Some(f) = formula.filter(|f| !f.is_empty()) {
            // Already owned and short enough (the common case): no copy.
            let f = match f {
                Cow::Owned(f) if f.len() <= crate::normalise::MAX_CELL_CHARS => f,
                f => crate::normalise::clip(&f).0,
            };
            kept.out.formulas.insert(key, f);
        }
        if let Some(s) = style {
            let id = index(s)?;
            if id > 0 && self.percent_styles.get(id) == Some(&true) {
                kept.percent.insert(key);
            }
        }
        let v = match value {
            Val::Empty => return Ok(()),
            Val::Num(f) => V::Num(f),
            Val::Number(n) => V::Num(plain_number(n)?),
            Val::Text(t) => V::Text(t.into_owned()),
            Val::Shared(i) => V::Text(self.strings.get(i).ok_or(Fallback)?.to_string()),
            Val::Bool(b) => V::Bool(b),
            Val::Error => V::Error,
        };
        kept.out.cells.insert(key, v);
        Ok(())
    }

    /// The cells of `sheetData` with quick-xml events, as calamine reads them.
    fn events(
        &self,
        r: &mut Reader<&[u8]>,
        budget: &mut usize,
        kept: &mut Kept<'_>,
    ) -> Result<(), Failure> {
        let mut next_pos = NextPos::default();
        loop {
            match next(r)? {
                Event::Start(e) if e.local_name().as_ref() == "row" => {
                    let [row] = attrs(&e, ["r"])?;
                    next_pos.row(row)?;
                }
                Event::End(e) if e.local_name().as_ref() == "row" => next_pos.end_row()?,
                Event::Start(e) if e.local_name().as_ref() == "c" => {
                    let [at, style, typ] = attrs(&e, ["r", "s", "t"])?;
                    let pos = next_pos.cell(at)?;
                    let mut value = Val::Empty;
                    let mut formula = None;
                    loop {
                        match next(r)? {
                            Event::Start(c) if c.local_name().as_ref() == "f" => {
                                let f = read_text(r, &c)?;
                                let [t] = attrs(&c, ["t"])?;
                                if t == Some("shared") {
                                    return Err(Fallback.into());
                                }
                                formula = Some(Cow::Owned(f));
                            }
                            Event::Start(c) => value = self.value(r, &c, typ)?,
                            Event::End(c) if c.local_name().as_ref() == "c" => break,
                            Event::Eof => return Err(Fallback.into()),
                            _ => {}
                        }
                    }
                    self.cell(kept, budget, pos, style, value, formula)?;
                }
                Event::End(e) if e.local_name().as_ref() == "sheetData" => return Ok(()),
                Event::Eof => return Err(Fallback.into()),
                _ => {}
            }
        }
    }

    /// The cells of `sheetData` scanned directly, for the markup grids and
    /// the spreadsheets that re-save them write: `row`, `c`, `v` and `f`
    /// elements without namespace prefix, the five XML entities and
    /// character references. `Ok(false)` on anything else (comments,
    /// inline strings, other elements…): [`Book::events`] reads the sheet.
    /// What this scan accepts, quick-xml reads as the same events.
    fn scan(
        &self,
        text: &str,
        mut at: usize,
        budget: &mut usize,
        kept: &mut Kept<'_>,
    ) -> Result<bool, Failure> {
        let b = text.as_bytes();
        let mut next_pos = NextPos::default();
        loop {
            // Text between elements is ignored (as the events are), unless
            // it holds a reference the reader would check.
            let Some(lt) = skip_text(text, at) else {
                return Ok(false);
            };
            at = lt;
            // Cells and rows as grids write them, in one pass.
            if let Some(c) = self.plain_cell(text, at) {
                let pos = next_pos.cell(c.r)?;
                self.cell(kept, budget, pos, c.s, c.value, c.formula)?;
                at = c.end;
                continue;
            }
            if let Some(([row], empty, end)) = plain_tag(text, at, "row", ["r"]) {
                next_pos.row(row)?;
                if empty {
                    next_pos.end_row()?;
                }
                at = end;
                continue;
            }
            let rest = &b[at..];
            if rest.starts_with(b"</sheetData>") {
                return Ok(true);
            }
            if rest.starts_with(b"</row>") {
                next_pos.end_row()?;
                at += 6;
                continue;
            }
            // Any other spelling of them.
            let Some(tag) = open_tag(text, at, &["row", "c"]) else {
                return Ok(false);
            };
            at = tag.end;
            match tag.name {
                "row" => {
                    let [row] = attrs_raw(tag.attrs, ["r"])?;
                    next_pos.row(row)?;
                    if tag.empty {
                        next_pos.end_row()?;
                    }
                }
                "c" => {
                    let [pos_attr, style, typ] = attrs_raw(tag.attrs, ["r", "s", "t"])?;
                    let pos = next_pos.cell(pos_attr)?;
                    let mut value = Val::Empty;
                    let mut formula = None;
                    if !tag.empty {
                        loop {
                            let Some(lt) = skip_text(text, at) else {
                                return Ok(false);
                            };
                            at = lt;
                            if b[at..].starts_with(b"</c>") {
                                at += 4;
                                break;
                            }
                            let Some(child) = open_tag(text, at, &["v", "f", "is"]) else {
                                return Ok(false);
                            };
                            at = child.end;
                            if child.name == "is" {
                                // An inline string (openpyxl writes them).
                                if child.empty {
                                    value = Val::Text(Cow::Borrowed(""));
                                    continue;
                                }
                                let Some((s, end)) = plain_item(text, at, "is")? else {
                                    return Ok(false);
                                };
                                at = end;
                                value = Val::Text(s);
                                continue;
                            }
                            let text = if child.empty {
                                ""
                            } else {
                                let Some((content, end)) = element_text(text, at, child.name)
                                else {
                                    return Ok(false);
                                };
                                at = end;
                                content
                            };
                            match child.name {
                                "f" => {
                                    let [t] = attrs_raw(child.attrs, ["t"])?;
                                    if t == Some("shared") {
                                        return Err(Fallback.into());
                                    }
                                    let Some(f) = unescape_text(text)? else {
                                        return Ok(false);
                                    };
                                    formula = Some(f);
                                }
                                "v" if child.attrs.trim_ascii().is_empty() => {
                                    value = match typ {
                                        Some("inlineStr" | "is") => Val::Empty,
                                        // calamine reads the first text
                                        // event as it is: no reference there.
                                        None | Some("n" | "s" | "b" | "e") => {
                                            if text.is_empty() {
                                                // `<v></v>`: the end comes first.
                                                value = Val::Empty;
                                                continue;
                                            }
                                            if text.contains('&') {
                                                return Ok(false);
                                            }
                                            self.read_v(Cow::Borrowed(text), typ)?
                                        }
                                        _ => {
                                            let Some(v) = unescape_text(text)? else {
                                                return Ok(false);
                                            };
                                            self.read_v(v, typ)?
                                        }
                                    };
                                }
                                _ => return Ok(false),
                            }
                        }
                    }
                    self.cell(kept, budget, pos, style, value, formula)?;
                }
                _ => return Ok(false),
            }
        }
    }

    /// A cell as grids write it (`<c r="B4" s="3" t="s"><v>12</v></c>`,
    /// `<c r="C7" s="8"/>`, `<f>` and `<v>` children without attributes nor
    /// text around them, no reference in values); `None` for any other
    /// spelling or a value the scan would not accept, which the general
    /// scan then reads (with the same answer where both read the cell).
    fn plain_cell<'t>(&self, text: &'t str, at: usize) -> Option<PlainCell<'t>> {
        let ([r, s, t], empty, mut at) = plain_tag(text, at, "c", ["r", "s", "t"])?;
        let b = text.as_bytes();
        let (mut value, mut formula) = (Val::Empty, None);
        // Children up to `</c>`, unless empty (`<c …/>`).
        if !empty {
            loop {
                let rest = b.get(at..)?;
                if rest.starts_with(b"</c>") {
                    at += 4;
                    break;
                }
                let start = at + 3;
                if rest.starts_with(b"<v>") {
                    // Values are short: a plain loop beats a vector search.
                    let len = rest[3..]
                        .iter()
                        .position(|&c| matches!(c, b'<' | b'&' | b'\r'))?;
                    let end = start + len;
                    if !b[end..].starts_with(b"</v>") {
                        return None;
                    }
                    let content = text.get(start..end)?;
                    value = match t {
                        Some("inlineStr" | "is") => Val::Empty,
                        None | Some("n" | "s" | "b" | "e") if content.is_empty() => Val::Empty,
                        _ => self.read_v(Cow::Borrowed(content), t).ok()?,
                    };
                    at = end + 4;
                } else if rest.starts_with(b"<f>") {
                    let end = start + memchr::memchr2(b'<', b'\r', &rest[3..])?;
                    if !b[end..].starts_with(b"</f>") {
                        return None;
                    }
                    formula = Some(unescape_text(text.get(start..end)?).ok()??);
                    at = end + 4;
                } else {
                    return None;
                }
            }
        }
        Some(PlainCell {
            r,
            s,
            value,
            formula,
            end: at,
        })
    }

    /// The value of a cell's child element, as calamine's `read_value`.
    fn value<'i>(
        &self,
        r: &mut Reader<&'i [u8]>,
        e: &BytesStart<'_>,
        typ: Option<&str>,
    ) -> Fast<Val<'i>> {
        match e.local_name().as_ref() {
            "is" => Ok(read_string(r, e.name())?
                .map(|s| Val::Text(Cow::Owned(s)))
                .unwrap_or(Val::Empty)),
            "v" if matches!(typ, Some("inlineStr" | "is")) => {
                r.read_to_end(e.name())?;
                Ok(Val::Empty)
            }
            "v" => match typ {
                None | Some("n" | "s" | "b" | "e") => {
                    let val = match next(r)? {
                        Event::Text(t) => {
                            let raw: &'i str = match t.into_inner() {
                                Cow::Borrowed(s) => s,
                                Cow::Owned(_) => return Err(Fallback),
                            };
                            self.read_v(Cow::Borrowed(raw), typ)?
                        }
                        Event::End(end) if end.name() == e.name() => return Ok(Val::Empty),
                        Event::Eof => return Err(Fallback),
                        _ => Val::Empty,
                    };
                    r.read_to_end(e.name())?;
                    Ok(val)
                }
                _ => {
                    let text = read_text(r, e)?;
                    self.read_v(Cow::Owned(text), typ)
                }
            },
            _ => Err(Fallback),
        }
    }

    /// A `<v>` value by cell type, as calamine's `read_v`.
    fn read_v<'i>(&self, v: Cow<'i, str>, typ: Option<&str>) -> Fast<Val<'i>> {
        match typ {
            Some("s") => {
                if v.is_empty() {
                    return Ok(Val::Empty);
                }
                let i = index(&v)?;
                if i >= self.strings.len() {
                    return Err(Fallback);
                }
                Ok(Val::Shared(i))
            }
            Some("b") => match v.trim() {
                "" => Ok(Val::Empty),
                x if x == "0" || x.eq_ignore_ascii_case("false") => Ok(Val::Bool(false)),
                x if x == "1" || x.eq_ignore_ascii_case("true") => Ok(Val::Bool(true)),
                _ => Err(Fallback),
            },
            Some("d") => Ok(Val::Text(v)),
            Some("e") => match v.as_ref() {
                "#DIV/0!" | "#N/A" | "#NAME?" | "#NULL!" | "#NUM!" | "#REF!" | "#VALUE!" => {
                    Ok(Val::Error)
                }
                _ => Err(Fallback),
            },
            Some("str") => {
                no_excel_escape(&v)?;
                Ok(Val::Text(v))
            }
            Some("n") | None => {
                if v.is_empty() {
                    return Ok(Val::Empty);
                }
                match v {
                    Cow::Borrowed(n) => is_plain_number(n).map(|()| Val::Number(n)),
                    Cow::Owned(n) => plain_number(&n).map(Val::Num),
                }
            }
            Some(_) => Err(Fallback),
        }
    }
}

/// The keys of raw attributes, in order (malformed: left to calamine).
fn raw_keys(raw: &str) -> Fast<Vec<&str>> {
    let mut keys = Vec::new();
    let mut rest = raw;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
        if rest.is_empty() {
            return Ok(keys);
        }
        let eq = rest.find('=').ok_or(Fallback)?;
        keys.push(rest[..eq].trim_ascii_end());
        let after = rest[eq + 1..].trim_start_matches(|c: char| c.is_ascii_whitespace());
        let quote = after
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')
            .ok_or(Fallback)?;
        let body = &after[1..];
        let end = body.find(quote).ok_or(Fallback)?;
        rest = &body[end + 1..];
    }
}

/// The position of the next cell, for cells without `r`, counted as
/// calamine counts it (both readers of sheets here use it): the row of the
/// last `<row r>` or the one after the previous row, the column after the
/// previous cell.
#[derive(Default)]
struct NextPos {
    row: u32,
    col: u32,
}

impl NextPos {
    /// A `<row>` with its `r` attribute.
    fn row(&mut self, r: Option<&str>) -> Fast<()> {
        if let Some(r) = r {
            self.row = row_col(r)?.0;
        }
        Ok(())
    }

    /// The end of a row.
    fn end_row(&mut self) -> Fast<()> {
        self.row = self.row.checked_add(1).ok_or(Fallback)?;
        self.col = 0;
        Ok(())
    }

    /// The position (row, column) of a `<c>` with its `r` attribute.
    fn cell(&mut self, r: Option<&str>) -> Fast<(u32, u32)> {
        let pos = match r {
            Some(r) => cell_ref(r)?,
            None => (self.row, self.col),
        };
        self.col = pos.1.checked_add(1).ok_or(Fallback)?;
        Ok(pos)
    }
}

/// A cell read by [`Book::plain_cell`].
struct PlainCell<'t> {
    r: Option<&'t str>,
    s: Option<&'t str>,
    value: Val<'t>,
    formula: Option<Cow<'t, str>>,
    /// Just after `</c>` (or `/>`).
    end: usize,
}

/// The tag `<name …>` at `at` written plainly: attributes after single
/// spaces, `key="value"` (no space around `=`, double quotes); the values
/// of `keys`, whether the element is empty (`/>`) and the position after
/// the tag. `None` for any other spelling or a repeated key: [`open_tag`]
/// and [`attrs_raw`] read it then, and read what this accepts the same.
fn plain_tag<'t, const N: usize>(
    text: &'t str,
    at: usize,
    name: &str,
    keys: [&str; N],
) -> Option<([Option<&'t str>; N], bool, usize)> {
    let b = text.as_bytes();
    let mut i = at + 1 + name.len();
    if b.get(at + 1..i)? != name.as_bytes() {
        return None;
    }
    let mut out = [None; N];
    let mut after_space = false;
    loop {
        let c = *b.get(i)?;
        match c {
            b'>' => return Some((out, false, i + 1)),
            b'/' => return (*b.get(i + 1)? == b'>').then_some((out, true, i + 2)),
            b' ' => {
                after_space = true;
                i += 1;
            }
            c if after_space && is_key_byte(c) => {
                let key_start = i;
                while is_key_byte(*b.get(i)?) {
                    i += 1;
                }
                if b.get(i..i + 2)? != b"=\"" {
                    return None;
                }
                let key = text.get(key_start..i)?;
                let start = i + 2;
                // Values are short: a plain loop beats a vector search.
                let end = start + b.get(start..)?.iter().position(|&c| c == b'"')?;
                let value = text.get(start..end)?;
                if let Some(k) = keys.iter().position(|k| *k == key) {
                    if out[k].replace(value).is_some() {
                        return None;
                    }
                }
                i = end + 1;
                after_space = false;
            }
            _ => return None,
        }
    }
}

/// A byte of an attribute name as [`plain_tag`] accepts it.
fn is_key_byte(c: u8) -> bool {
    KEY_BYTES[usize::from(c)]
}

/// [`is_key_byte`] by byte: ASCII letters and digits, `:`, `_`, `-`, `.`.
const KEY_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-' | b'.');
        c += 1;
    }
    t
};

/// Where the cells of a sheet go.
struct Kept<'k> {
    max_col: u16,
    keep: &'k dyn Fn((u32, u16)) -> bool,
    out: SheetData,
    /// Kept cells whose style is a percentage format.
    percent: CellKeys,
}

/// An opening tag scanned at `<`.
struct Tag<'t> {
    name: &'t str,
    /// The raw attributes (without a closing `/`).
    attrs: &'t str,
    /// `<x/>`.
    empty: bool,
    /// Just after `>`.
    end: usize,
}

/// The opening tag at `at` (`<name attrs>` or `<name attrs/>`), for the
/// element names the scan knows; `None` for anything else (closing tags,
/// comments, prefixed names…).
fn open_tag<'t>(text: &'t str, at: usize, names: &[&str]) -> Option<Tag<'t>> {
    let b = text.as_bytes();
    let rest = b.get(at + 1..)?;
    let len = rest.iter().position(|c| !c.is_ascii_alphabetic())?;
    let name = text.get(at + 1..at + 1 + len)?;
    if !names.contains(&name) {
        return None;
    }
    let after = at + 1 + len;
    if !matches!(b.get(after)?, b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/') {
        return None;
    }
    // The end of the tag, outside quoted values.
    let mut i = after;
    let mut quote = None;
    loop {
        let c = *b.get(i)?;
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if c == b'<' => return None,
            None if c == b'>' => break,
            None => {}
        }
        i += 1;
    }
    let empty = i > after && b[i - 1] == b'/';
    let attrs_end = if empty { i - 1 } else { i };
    let attrs = text.get(after..attrs_end)?;
    Some(Tag {
        name,
        attrs,
        empty,
        end: i + 1,
    })
}

/// The text of element `name` from `at` up to its closing tag (no markup
/// inside), and the position after the closing tag.
fn element_text<'t>(text: &'t str, at: usize, name: &str) -> Option<(&'t str, usize)> {
    let b = text.as_bytes();
    // Carriage returns are normalised by the reader: left to it.
    let lt = match *b.get(at)? {
        b'<' => at,
        _ => at + memchr::memchr2(b'<', b'\r', b.get(at..)?)?,
    };
    let close = b.get(lt..)?;
    if close.get(..2)? != b"</" || close.get(2..2 + name.len())? != name.as_bytes() {
        return None;
    }
    if *close.get(2 + name.len())? != b'>' {
        return None;
    }
    // Carriage returns are normalised by the reader: left to it.
    let content = text.get(at..lt)?;
    Some((content, lt + 3 + name.len()))
}

/// Skips text from `at` up to the next `<`; `None` when the text holds a
/// reference (which the reader would check) or the part ends.
fn skip_text(text: &str, at: usize) -> Option<usize> {
    let b = text.as_bytes();
    // Most often no text at all (`</c><c`): no search.
    if *b.get(at)? == b'<' {
        return Some(at);
    }
    let i = at + memchr::memchr2(b'<', b'&', b.get(at..)?)?;
    (b[i] == b'<').then_some(i)
}

/// The shared strings scanned directly when every item is one plain text
/// (`<si><t>…</t></si>`), as grids and re-saves mostly write them; `None`
/// otherwise (rich text, phonetic runs…): the events read them.
fn scan_strings(text: &str, mut at: usize) -> Fast<Option<Vec<Cow<'_, str>>>> {
    let mut out = Vec::new();
    loop {
        let Some(lt) = skip_text(text, at) else {
            return Ok(None);
        };
        at = lt;
        if text[at..].starts_with("</sst>") {
            return Ok(Some(out));
        }
        if let Some((value, end)) = plain_si(text, at)? {
            out.push(value);
            at = end;
            continue;
        }
        let Some(si) = open_tag(text, at, &["si"]) else {
            return Ok(None);
        };
        at = si.end;
        if si.empty {
            out.push(Cow::Borrowed(""));
            continue;
        }
        let Some((value, end)) = plain_item(text, at, "si")? else {
            return Ok(None);
        };
        at = end;
        out.push(value);
    }
}

/// `<si><t>…</t></si>` (or `<t xml:space="preserve">`) at `at`, in one
/// pass: the value [`plain_item`] reads there and the position after it;
/// `None` for any other spelling, which [`plain_item`] reads.
fn plain_si(text: &str, at: usize) -> Fast<Option<(Cow<'_, str>, usize)>> {
    const PLAIN: &[u8] = b"<si><t>";
    const PRESERVE: &[u8] = b"<si><t xml:space=\"preserve\">";
    let b = text.as_bytes();
    let rest = &b[at..];
    let (preserve, start) = if rest.starts_with(PLAIN) {
        (false, at + PLAIN.len())
    } else if rest.starts_with(PRESERVE) {
        (true, at + PRESERVE.len())
    } else {
        return Ok(None);
    };
    // Carriage returns are normalised by the reader: left to it.
    let Some(len) = memchr::memchr2(b'<', b'\r', &b[start..]) else {
        return Ok(None);
    };
    let end = start + len;
    if !b[end..].starts_with(b"</t></si>") {
        return Ok(None);
    }
    let Some(content) = unescape_text(&text[start..end])? else {
        return Ok(None);
    };
    let value = match content {
        Cow::Borrowed(c) if preserve => Cow::Borrowed(c),
        Cow::Borrowed(c) => Cow::Borrowed(trim_xml_space(c)),
        Cow::Owned(c) if preserve => Cow::Owned(c),
        Cow::Owned(c) => Cow::Owned(trim_xml_space(&c).to_string()),
    };
    no_excel_escape(&value)?;
    Ok(Some((value, end + "</t></si>".len())))
}

/// A string item (`<si>` or `<is>`, opened before `at`) holding one plain
/// text (`<t>…</t>` or none), as calamine's `read_string` reads it: its
/// value and the position after the closing tag; `None` for anything else
/// (rich text, phonetic runs…).
fn plain_item<'t>(
    text: &'t str,
    mut at: usize,
    closing: &str,
) -> Fast<Option<(Cow<'t, str>, usize)>> {
    let Some(lt) = skip_text(text, at) else {
        return Ok(None);
    };
    at = lt;
    let mut value = Cow::Borrowed("");
    // `<t>`, `<t xml:space="preserve">` in one pass, else the general scan.
    let t = match plain_tag(text, at, "t", ["xml:space"]) {
        Some(([space], empty, end)) => Some((space, empty, end)),
        None => match open_tag(text, at, &["t"]) {
            Some(t) => Some((attrs_raw(t.attrs, ["xml:space"])?[0], t.empty, t.end)),
            None => None,
        },
    };
    if let Some((space, empty, end)) = t {
        at = end;
        let content = if empty {
            ""
        } else {
            let Some((content, end)) = element_text(text, at, "t") else {
                return Ok(None);
            };
            at = end;
            content
        };
        let Some(content) = unescape_text(content)? else {
            return Ok(None);
        };
        let preserve = space == Some("preserve");
        value = match content {
            Cow::Borrowed(c) if preserve => Cow::Borrowed(c),
            Cow::Borrowed(c) => Cow::Borrowed(trim_xml_space(c)),
            Cow::Owned(c) if preserve => Cow::Owned(c),
            Cow::Owned(c) => Cow::Owned(trim_xml_space(&c).to_string()),
        };
        no_excel_escape(&value)?;
        let Some(lt) = skip_text(text, at) else {
            return Ok(None);
        };
        at = lt;
    }
    let rest = &text.as_bytes()[at..];
    if !(rest.starts_with(b"</")
        && rest[2..].starts_with(closing.as_bytes())
        && rest.get(2 + closing.len()) == Some(&b'>'))
    {
        return Ok(None);
    }
    Ok(Some((value, at + 3 + closing.len())))
}

/// Text with its references resolved as the reader resolves them (the five
/// XML entities, character references); `None` for another reference.
fn unescape_text(text: &str) -> Fast<Option<Cow<'_, str>>> {
    if memchr::memchr(b'&', text.as_bytes()).is_none() {
        return Ok(Some(Cow::Borrowed(text)));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';') else {
            return Ok(None);
        };
        let name = &after[..semi];
        let plain = !name.is_empty()
            && (name.bytes().all(|c| c.is_ascii_alphabetic())
                || name.strip_prefix('#').is_some_and(|n| {
                    !n.is_empty() && n.bytes().all(|c| c.is_ascii_alphanumeric())
                }));
        if !plain {
            return Ok(None);
        }
        push_entity(&quick_xml::events::BytesRef::new(name), &mut out)?;
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(Some(Cow::Owned(out)))
}

impl Book<'_> {
    /// Sheets read by the scan so far.
    #[cfg(test)]
    pub(crate) fn scanned(&self) -> usize {
        self.scanned
    }
}

impl Source for Book<'_> {
    fn sheet_names(&self) -> Vec<String> {
        self.sheets.iter().map(|(n, _)| n.clone()).collect()
    }

    fn sheet(
        &mut self,
        name: &str,
        max_col: u16,
        budget: &mut usize,
        keep: &dyn Fn((u32, u16)) -> bool,
    ) -> Result<SheetData, Failure> {
        self.read(name, max_col, budget, keep)
    }

    fn percent_cells(
        &mut self,
        sheet: &str,
        wanted: &PercentCells,
    ) -> Result<PercentCells, Failure> {
        let styled = self.percent.get(sheet).ok_or(Fallback)?;
        Ok(wanted
            .iter()
            .filter(|(k, _)| styled.contains(k))
            .map(|(k, v)| (*k, *v))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{container, Limits, Source};
    use super::*;
    use std::io::{Cursor, Write};

    const NS: &str = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;

    /// A one-sheet workbook (sheet « S ») with these `sheetData` contents,
    /// shared string items and cell styles.
    fn workbook(cells: &str, strings: Option<&str>, xfs: Option<&str>) -> Vec<u8> {
        let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
        let book = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook {NS}><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        );
        let book_rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
        let sheet = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><dimension ref="A1:C9"/><sheetData>{cells}</sheetData></worksheet>"#
        );
        let mut entries = vec![
            ("[Content_Types].xml", "<Types/>".to_string()),
            ("_rels/.rels", rels.to_string()),
            ("xl/workbook.xml", book),
            ("xl/_rels/workbook.xml.rels", book_rels.to_string()),
            ("xl/worksheets/sheet1.xml", sheet),
        ];
        if let Some(s) = strings {
            entries.push((
                "xl/sharedStrings.xml",
                format!(r#"<?xml version="1.0" encoding="UTF-8"?><sst {NS}>{s}</sst>"#),
            ));
        }
        if let Some(x) = xfs {
            entries.push((
                "xl/styles.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet {NS}><numFmts count="1"><numFmt numFmtId="164" formatCode="0.0&quot; %&quot;"/><numFmt numFmtId="165" formatCode="0.0%"/></numFmts><fonts count="1"><font><sz val="11"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellXfs>{x}</cellXfs></styleSheet>"#
                ),
            ));
        }
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (n, d) in entries {
            z.start_file(n, o).unwrap();
            z.write_all(d.as_bytes()).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    type Read = Result<(SheetData, PercentCells), String>;

    fn read(source: &mut impl Source) -> Option<Read> {
        let mut budget = 1_000;
        let data = match source.sheet("S", 100, &mut budget, &|_| true) {
            Ok(d) => d,
            Err(Failure::Grid(e)) => return Some(Err(format!("{e:?}"))),
            Err(Failure::Fallback) => return None,
        };
        // Every numeric cell, asked whether it has a percentage format.
        let wanted: PercentCells = data
            .cells
            .iter()
            .filter(|(_, v)| matches!(v, V::Num(_)))
            .map(|(k, _)| (*k, true))
            .collect();
        match source.percent_cells("S", &wanted) {
            Ok(p) => Some(Ok((data, p))),
            Err(Failure::Grid(e)) => Some(Err(format!("{e:?}"))),
            Err(Failure::Fallback) => None,
        }
    }

    /// How the fast reader read the sheet.
    #[derive(Debug, PartialEq)]
    enum Way {
        Scan,
        Events,
        Calamine,
    }

    /// Reads the workbook with calamine, the fast reader, and the fast
    /// reader without its scan: the same cells, formulas and percentage
    /// formats each time. Returns calamine's reading and the fast way.
    fn same(cells: &str, strings: Option<&str>, xfs: Option<&str>) -> (Read, Way) {
        let bytes = workbook(cells, strings, xfs);
        let parts = container::unpack(&bytes, Limits::default())
            .unwrap()
            .unwrap();
        let stored = parts.stored_zip().unwrap();
        let mut xlsx: calamine::Xlsx<_> = calamine::Reader::new(Cursor::new(stored)).unwrap();
        let reference = read(&mut xlsx).expect("calamine reads");
        let mut way = Way::Calamine;
        for scanning in [true, false] {
            let Ok(mut book) = Book::open(&parts) else {
                continue;
            };
            book.scanning = scanning;
            if let Some(r) = read(&mut book) {
                assert_eq!(r, reference, "scan: {scanning}, {cells}");
                if scanning {
                    way = if book.scanned == 1 {
                        Way::Scan
                    } else {
                        Way::Events
                    };
                }
            }
        }
        (reference, way)
    }

    fn cells(r: &Read) -> &Cells {
        &r.as_ref().unwrap().0.cells
    }

    #[test]
    fn plain_cells_are_scanned() {
        let (r, way) = same(
            r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>-12.5</v></c><c r="C1" t="n"><v>1E3</v></c></row>
               <row r="2"><c r="A2" t="b"><v>1</v></c><c r="B2" t="e"><v>#DIV/0!</v></c><c r="C2" t="str"><f>A1&amp;"x"</f><v>a &amp; b &#x41;&#66;</v></c></row>"#,
            Some("<si><t>Oui</t></si>"),
            None,
        );
        assert_eq!(way, Way::Scan);
        let c = cells(&r);
        assert_eq!(c[&(0, 0)], V::Text("Oui".into()));
        assert_eq!(c[&(0, 1)], V::Num(-12.5));
        assert_eq!(c[&(0, 2)], V::Num(1000.0));
        assert_eq!(c[&(1, 0)], V::Bool(true));
        assert_eq!(c[&(1, 1)], V::Error);
        assert_eq!(c[&(1, 2)], V::Text("a & b AB".into()));
        assert_eq!(r.as_ref().unwrap().0.formulas[&(1, 2)], "A1&\"x\"");
    }

    #[test]
    fn positions_without_r_and_out_of_order() {
        let (r, way) = same(
            r#"<row r="3"><c><v>1</v></c><c s="0"><v>2</v></c><c r="E3"><v>3</v></c><c><v>4</v></c></row>
               <row><c><v>5</v></c></row><row r="2"><c r="B2"><v>6</v></c></row><row/><c r="A9"><v>7</v></c>
               <row r="5"><c r="B5"/><c r="A5" t="s"><v></v></c><c r="C5" t="e"><v/></c></row>"#,
            None,
            None,
        );
        assert_eq!(way, Way::Scan);
        let c = cells(&r);
        assert_eq!(c[&(2, 0)], V::Num(1.0));
        assert_eq!(c[&(2, 1)], V::Num(2.0));
        assert_eq!(c[&(2, 4)], V::Num(3.0));
        assert_eq!(c[&(2, 5)], V::Num(4.0));
        assert_eq!(c[&(3, 0)], V::Num(5.0));
        assert_eq!(c[&(1, 1)], V::Num(6.0));
        assert_eq!(c[&(8, 0)], V::Num(7.0));
        assert!(!c.contains_key(&(4, 0)) && !c.contains_key(&(4, 1)) && !c.contains_key(&(4, 2)));
    }

    #[test]
    fn inline_and_rich_strings_and_spaces() {
        let strings = r#"<si><r><rPr><b/></rPr><t>Non </t></r><r><t xml:space="preserve"> concerné</t></r><rPh><t>x</t></rPh></si>
            <si><t xml:space="preserve">  Oui  </t></si><si><t>  trimmed
</t></si><si/><si><t/></si><si><t><![CDATA[a<b]]></t></si>"#;
        let (r, way) = same(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>en ligne &lt;1&gt;</t></is></c><c r="B1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>
               <row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c><c r="C2" t="s"><v>4</v></c><c r="D2" t="s"><v>5</v></c></row>"#,
            Some(strings),
            None,
        );
        // Plain inline strings are scanned (openpyxl writes them).
        assert_eq!(way, Way::Scan);
        let c = cells(&r);
        assert_eq!(c[&(0, 0)], V::Text("en ligne <1>".into()));
        assert_eq!(c[&(0, 1)], V::Text("Non concerné".into()));
        assert_eq!(c[&(0, 2)], V::Text("  Oui  ".into()));
        assert_eq!(c[&(1, 0)], V::Text("trimmed".into()));
        assert_eq!(c[&(1, 1)], V::Text(String::new()));
        assert_eq!(c[&(1, 2)], V::Text(String::new()));
        assert_eq!(c[&(1, 3)], V::Text("a<b".into()));
    }

    #[test]
    fn plain_shared_strings_are_scanned() {
        let strings = "<si><t>  trimmed\n</t></si><si><t xml:space=\"preserve\"> kept\t</t></si>\n\
            <si><t>a &amp; b &#xE9;&#233;</t></si><si/><si><t/></si><si></si><si><t>Non concern\u{e9}</t></si>";
        let bytes = workbook("", Some(strings), None);
        let parts = container::unpack(&bytes, Limits::default())
            .unwrap()
            .unwrap();
        let scanned = Book::shared_strings(&parts, true).unwrap();
        assert_eq!(scanned, Book::shared_strings(&parts, false).unwrap());
        assert_eq!(
            scanned,
            ["trimmed", " kept\t", "a & b éé", "", "", "", "Non concerné"].map(String::from)
        );
        let text =
            std::str::from_utf8(parts.get("xl/sharedStrings.xml").unwrap().unwrap()).unwrap();
        let start = text.find("<si>").unwrap();
        assert!(scan_strings(text, start).unwrap().is_some());
        // Rich text is left to the events, an Excel escape to calamine.
        let rich = workbook("", Some("<si><r><t>a</t></r></si>"), None);
        let parts = container::unpack(&rich, Limits::default())
            .unwrap()
            .unwrap();
        let text =
            std::str::from_utf8(parts.get("xl/sharedStrings.xml").unwrap().unwrap()).unwrap();
        assert!(scan_strings(text, text.find("<si>").unwrap())
            .unwrap()
            .is_none());
        let escaped = workbook("", Some("<si><t>_x000D_</t></si>"), None);
        let parts = container::unpack(&escaped, Limits::default())
            .unwrap()
            .unwrap();
        assert!(Book::open(&parts).is_err());
    }

    #[test]
    fn percentage_styles_as_calamine_reads_them() {
        let xfs = r#"<xf numFmtId="0"/><xf numFmtId="9"/><xf numFmtId="164"/><xf numFmtId="165"><alignment/></xf><xf numFmtId="10"/>"#;
        let (r, way) = same(
            r#"<row r="1"><c r="A1" s="1"><v>0.5</v></c><c r="B1" s="2"><v>0.5</v></c><c r="C1" s="3"><v>0.5</v></c><c r="D1" s="4"><v>0.5</v></c><c r="E1" s="9"><v>0.5</v></c><c r="F1"><v>0.5</v></c></row>"#,
            None,
            Some(xfs),
        );
        assert_eq!(way, Way::Scan);
        let mut p: Vec<_> = r.unwrap().1.into_keys().collect();
        p.sort_unstable();
        assert_eq!(p, vec![(0, 0), (0, 2), (0, 3)]);
    }

    #[test]
    fn unusual_markup_goes_to_the_events_or_calamine() {
        for (cells, way) in [
            (
                r#"<row r="1"><!-- c --><c r="A1"><v>1</v></c></row>"#,
                Way::Events,
            ),
            (
                r#"<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>"#,
                Way::Events,
            ),
            (
                "<row r=\"1\"><c r=\"A1\" t=\"str\"><v>a\r\nb</v></c></row>",
                Way::Events,
            ),
            (
                r#"<row r="1"><c r="A1" t="d"><v>2024-01-02</v></c></row>"#,
                Way::Scan,
            ),
            (
                r#"<row r="1"><c r="A1"><f t="shared" ref="A1:A2" si="0">B1</f><v>1</v></c></row>"#,
                Way::Calamine,
            ),
            (
                r#"<row r="1"><c r="A1" t="str"><v>_x000D_</v></c></row>"#,
                Way::Calamine,
            ),
            (r#"<row r="1"><c r="A1"><v>+1</v></c></row>"#, Way::Calamine),
            (r#"<row r="1"><c r="A1"><v>.5</v></c></row>"#, Way::Calamine),
            (
                r#"<row r="1"><c r="A1"><v>abc</v></c></row>"#,
                Way::Calamine,
            ),
            (
                r#"<row r="1"><c r="A1" t="s"><v>7</v></c></row>"#,
                Way::Calamine,
            ),
            (
                r#"<row r="1"><c r="A1" t="b"><v>2</v></c></row>"#,
                Way::Calamine,
            ),
            (
                r#"<row r="1"><c r="A1" t="e"><v>#BAD!</v></c></row>"#,
                Way::Calamine,
            ),
            (
                r#"<row r="1"><c r="A1" r="B1"><v>1</v></c></row>"#,
                Way::Calamine,
            ),
            (r#"<row r="1"><c r="1A"><v>1</v></c></row>"#, Way::Calamine),
        ] {
            let strings = Some("<si><t>x</t></si>");
            let bytes = workbook(cells, strings, None);
            let parts = container::unpack(&bytes, Limits::default())
                .unwrap()
                .unwrap();
            let stored = parts.stored_zip().unwrap();
            let calamine_reads = calamine::Reader::new(Cursor::new(stored))
                .ok()
                .and_then(|mut x: calamine::Xlsx<_>| read(&mut x))
                .is_some_and(|r| r.is_ok());
            if calamine_reads {
                assert_eq!(same(cells, strings, None).1, way, "{cells}");
            } else {
                // calamine refuses the sheet: the fast reader leaves it to calamine.
                let mut book = Book::open(&parts).unwrap();
                assert!(read(&mut book).is_none(), "{cells}");
                assert_eq!(way, Way::Calamine, "{cells}");
            }
        }
    }

    #[test]
    fn plain_tags_read_as_the_general_scan_reads_them() {
        for tag in [
            r#"<c r="A1" s="2" t="s">"#,
            r#"<c r="A1"/>"#,
            "<c>",
            "<c/>",
            r#"<c  r="A1">"#,
            r#"<c r="A1" />"#,
            r#"<c r="A1" / >"#,
            r#"<c r='A1'>"#,
            r#"<c r = "A1">"#,
            r#"<c r="A1" r="B1">"#,
            r#"<c x:r="1" r="A2" spans="1:5" x14ac:dyDescent="0.25">"#,
            r#"<c r="a>b'" s="<1">"#,
            "<c\tr=\"A1\">",
            r#"<col r="A1">"#,
            r#"<c r="A1"s="1">"#,
            r#"<c r="A1" s="1"#,
            r#"<c é="1" r="A1">"#,
        ] {
            let text = format!("{tag}<v>1</v></c>");
            let keys = ["r", "s", "t"];
            let general =
                open_tag(&text, 0, &["c"]).map(|t| (attrs_raw(t.attrs, keys).ok(), t.empty, t.end));
            if let Some((attrs, empty, end)) = plain_tag(&text, 0, "c", keys) {
                assert_eq!(general, Some((Some(attrs), empty, end)), "{tag}");
            }
        }
        // What grids write is plain.
        let keys = ["r", "s", "t"];
        assert!(plain_tag(r#"<c r="A1" s="2" t="s">"#, 0, "c", keys).is_some());
        assert!(plain_tag(r#"<c r="C7" s="8"/>"#, 0, "c", keys).is_some());
        assert!(plain_tag(r#"<row r="4" spans="1:5">"#, 0, "row", ["r"]).is_some());
    }

    #[test]
    fn cell_references_read_as_row_col_reads_them() {
        for r in [
            "A1",
            "B12",
            "XFD1048576",
            "A0",
            "a1",
            "Ab3",
            "ABCD1",
            "A12345678",
            "Z9999999",
            "A",
            "1",
            "A1B",
            "AAA1",
            "ZZZ4294967295",
            "A01",
            "",
            "A-1",
        ] {
            let general = match row_col(r) {
                Ok((row, Some(col))) => Some((row, col)),
                _ => None,
            };
            assert_eq!(cell_ref(r).ok(), general, "{r}");
        }
    }

    #[test]
    fn the_cell_budget_holds() {
        let cells: String = (1..=50)
            .map(|i| format!(r#"<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>"#))
            .collect();
        let bytes = workbook(&cells, None, None);
        let parts = container::unpack(&bytes, Limits::default())
            .unwrap()
            .unwrap();
        let mut book = Book::open(&parts).unwrap();
        let mut budget = 10;
        let r = book.sheet("S", 100, &mut budget, &|_| true);
        assert!(matches!(r, Err(Failure::Grid(GridError::TooLarge(_)))));
    }

    #[test]
    fn hostile_parts_never_panic() {
        // Deep nesting, entity-like text, huge references, non-UTF-8 bytes.
        let deep = "<row>".repeat(10_000);
        for cells in [
            deep.as_str(),
            r#"<row r="99999999999"><c r="A1"><v>1</v></c></row>"#,
            r#"<row r="1"><c r="ZZZZZZZZ1"><v>1</v></c></row>"#,
            r#"<row r="1"><c r="A1"><v>&unknown;</v></c></row>"#,
            r#"<row r="1"><c r="A1" t="str"><v>&#0;</v></c></row>"#,
            r#"<row r="1"><c r="A1"><v>1</v>"#,
        ] {
            let bytes = workbook(cells, None, None);
            let parts = container::unpack(&bytes, Limits::default())
                .unwrap()
                .unwrap();
            if let Ok(mut book) = Book::open(&parts) {
                let _ = read(&mut book);
            }
        }
        let mut bytes = workbook("", None, None);
        let parts = {
            // A sheet that is not UTF-8.
            let mut z = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
            let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
            for i in 0..z.len() {
                let mut f = z.by_index(i).unwrap();
                let name = f.name().unwrap().to_string();
                let mut d = Vec::new();
                std::io::Read::read_to_end(&mut f, &mut d).unwrap();
                if name.ends_with("sheet1.xml") {
                    d.extend_from_slice(&[0xff, 0xfe]);
                }
                w.start_file(name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                w.write_all(&d).unwrap();
            }
            bytes = w.finish().unwrap().into_inner();
            container::unpack(&bytes, Limits::default())
                .unwrap()
                .unwrap()
        };
        let mut book = Book::open(&parts).unwrap();
        assert!(read(&mut book).is_none());
    }
}
