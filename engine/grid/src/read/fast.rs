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
use super::{Failure, PercentCells, SheetData, Source, V};
use crate::GridError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;
use quick_xml::Reader;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

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
    parts: &'a Parts,
    /// Sheet name and part path, in workbook order.
    sheets: Vec<(String, String)>,
    strings: Vec<String>,
    /// By style id (`cellXfs`), whether its number format shows a percentage.
    percent_styles: Vec<bool>,
    /// By sheet, the kept cells whose style is a percentage format.
    percent: HashMap<String, HashSet<(u32, u16)>>,
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
    let Some(bytes) = parts.get(path) else {
        return Ok(None);
    };
    let text = std::str::from_utf8(bytes).map_err(|_| Fallback)?;
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
/// this reader leaves any text that may hold one to calamine.
fn no_excel_escape(s: &str) -> Fast<&str> {
    if s.contains("_x") {
        Err(Fallback)
    } else {
        Ok(s)
    }
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
                col = col.checked_mul(26).and_then(|x| x.checked_add(v)).ok_or(Fallback)?;
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
    s.parse().map_err(|_| Fallback)
}

/// A number in plain decimal notation (`-12.5`, `1E-3`), which every
/// correctly rounded parser reads the same; anything else (`inf`, `+1`,
/// `.5`, spaces) is left to calamine.
fn plain_number(s: &str) -> Fast<f64> {
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
    s.parse().map_err(|_| Fallback)
}

/// A cell value before it is kept (shared strings by index: no copy for
/// the cells the reader does not keep).
enum Val<'s> {
    Empty,
    Num(f64),
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
        let strings = Self::shared_strings(parts)?;
        let percent_styles = Self::styles(parts)?;
        let rels = Self::relationships(parts)?;
        let sheets = Self::workbook(parts, &rels)?;
        Ok(Book {
            parts,
            sheets,
            strings,
            percent_styles,
            percent: HashMap::new(),
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

    fn shared_strings(parts: &Parts) -> Fast<Vec<String>> {
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
        let open = text.as_bytes()[..start].ends_with(b">")
            && !text.as_bytes()[..start].ends_with(b"/>");
        if open {
            if let Some(strings) = scan_strings(text, start)? {
                return Ok(strings);
            }
        }
        let mut strings = Vec::new();
        loop {
            match next(&mut r)? {
                Event::Start(e) if e.local_name().as_ref() == "si" => {
                    if let Some(s) = read_string(&mut r, e.name())? {
                        strings.push(s);
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
        let mut kept = Kept {
            max_col,
            keep,
            out: SheetData::default(),
            percent: HashSet::new(),
        };
        let before = *budget;
        // `<sheetData/>` (expanded by the reader) is left to the events.
        let open = text.as_bytes()[..start].ends_with(b">") && !text.as_bytes()[..start].ends_with(b"/>");
        if !(open && self.scan(text, start, budget, &mut kept)?) {
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
            kept.out.formulas.insert(key, crate::normalise::clip(&f).0);
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
            Val::Text(t) => V::Text(t.into_owned()),
            Val::Shared(i) => V::Text(self.strings.get(i).ok_or(Fallback)?.clone()),
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
        let (mut row_index, mut col_index) = (0u32, 0u32);
        loop {
            match next(r)? {
                Event::Start(e) if e.local_name().as_ref() == "row" => {
                    let [row] = attrs(&e, ["r"])?;
                    if let Some(row) = row {
                        row_index = row_col(row)?.0;
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "row" => {
                    row_index = row_index.checked_add(1).ok_or(Fallback)?;
                    col_index = 0;
                }
                Event::Start(e) if e.local_name().as_ref() == "c" => {
                    let [at, style, typ] = attrs(&e, ["r", "s", "t"])?;
                    let pos = match at {
                        Some(at) => {
                            let (row, col) = cell_ref(at)?;
                            col_index = col;
                            (row, col)
                        }
                        None => (row_index, col_index),
                    };
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
                    col_index = col_index.checked_add(1).ok_or(Fallback)?;
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
        let (mut row_index, mut col_index) = (0u32, 0u32);
        loop {
            // Text between elements is ignored (as the events are), unless
            // it holds a reference the reader would check.
            let Some(lt) = memchr_lt(b, at) else {
                return Ok(false);
            };
            if b[at..lt].contains(&b'&') {
                return Ok(false);
            }
            at = lt;
            let rest = &b[at..];
            if rest.starts_with(b"</sheetData>") {
                return Ok(true);
            }
            if rest.starts_with(b"</row>") {
                row_index = row_index.checked_add(1).ok_or(Fallback)?;
                col_index = 0;
                at += 6;
                continue;
            }
            let Some(tag) = open_tag(text, at, &["row", "c"]) else {
                return Ok(false);
            };
            at = tag.end;
            match tag.name {
                "row" => {
                    let [row] = attrs_raw(tag.attrs, ["r"])?;
                    if let Some(row) = row {
                        row_index = row_col(row)?.0;
                    }
                    if tag.empty {
                        row_index = row_index.checked_add(1).ok_or(Fallback)?;
                        col_index = 0;
                    }
                }
                "c" => {
                    let [pos_attr, style, typ] = attrs_raw(tag.attrs, ["r", "s", "t"])?;
                    let pos = match pos_attr {
                        Some(p) => {
                            let (row, col) = cell_ref(p)?;
                            col_index = col;
                            (row, col)
                        }
                        None => (row_index, col_index),
                    };
                    let mut value = Val::Empty;
                    let mut formula = None;
                    if !tag.empty {
                        loop {
                            let Some(lt) = memchr_lt(b, at) else {
                                return Ok(false);
                            };
                            if b[at..lt].contains(&b'&') {
                                return Ok(false);
                            }
                            at = lt;
                            if b[at..].starts_with(b"</c>") {
                                at += 4;
                                break;
                            }
                            let Some(child) = open_tag(text, at, &["v", "f"]) else {
                                return Ok(false);
                            };
                            at = child.end;
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
                    col_index = col_index.checked_add(1).ok_or(Fallback)?;
                    self.cell(kept, budget, pos, style, value, formula)?;
                }
                _ => return Ok(false),
            }
        }
    }

    /// The value of a cell's child element, as calamine's `read_value`.
    fn value<'i>(
        &self,
        r: &mut Reader<&'i [u8]>,
        e: &BytesStart<'_>,
        typ: Option<&str>,
    ) -> Fast<Val<'i>> {
        match e.local_name().as_ref() {
            "is" => {
                Ok(read_string(r, e.name())?
                    .map(|s| Val::Text(Cow::Owned(s)))
                    .unwrap_or(Val::Empty))
            }
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
                plain_number(&v).map(Val::Num)
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
        let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'').ok_or(Fallback)?;
        let body = &after[1..];
        let end = body.find(quote).ok_or(Fallback)?;
        rest = &body[end + 1..];
    }
}

/// Where the cells of a sheet go.
struct Kept<'k> {
    max_col: u16,
    keep: &'k dyn Fn((u32, u16)) -> bool,
    out: SheetData,
    /// Kept cells whose style is a percentage format.
    percent: HashSet<(u32, u16)>,
}

/// The position of the next `<` from `at`.
fn memchr_lt(b: &[u8], at: usize) -> Option<usize> {
    b.get(at..)?.iter().position(|&c| c == b'<').map(|i| at + i)
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
    let empty = b[i - 1] == b'/' && i - 1 >= after;
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
    let lt = memchr_lt(b, at)?;
    let close = b.get(lt..)?;
    if close.get(..2)? != b"</" || close.get(2..2 + name.len())? != name.as_bytes() {
        return None;
    }
    if *close.get(2 + name.len())? != b'>' {
        return None;
    }
    // Carriage returns are normalised by the reader: left to it.
    let content = text.get(at..lt)?;
    if content.contains('\r') {
        return None;
    }
    Some((content, lt + 3 + name.len()))
}

/// Skips text from `at` up to the next `<`; `None` when the text holds a
/// reference (which the reader would check) or the part ends.
fn skip_text(text: &str, at: usize) -> Option<usize> {
    let lt = memchr_lt(text.as_bytes(), at)?;
    if text.as_bytes()[at..lt].contains(&b'&') {
        return None;
    }
    Some(lt)
}

/// The shared strings scanned directly when every item is one plain text
/// (`<si><t>…</t></si>`), as grids and re-saves mostly write them; `None`
/// otherwise (rich text, phonetic runs…): the events read them.
fn scan_strings(text: &str, mut at: usize) -> Fast<Option<Vec<String>>> {
    let mut out = Vec::new();
    loop {
        let Some(lt) = skip_text(text, at) else {
            return Ok(None);
        };
        at = lt;
        if text[at..].starts_with("</sst>") {
            return Ok(Some(out));
        }
        let Some(si) = open_tag(text, at, &["si"]) else {
            return Ok(None);
        };
        at = si.end;
        if si.empty {
            out.push(String::new());
            continue;
        }
        let Some(lt) = skip_text(text, at) else {
            return Ok(None);
        };
        at = lt;
        let mut value = String::new();
        if let Some(t) = open_tag(text, at, &["t"]) {
            at = t.end;
            let [space] = attrs_raw(t.attrs, ["xml:space"])?;
            let content = if t.empty {
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
            value = if space == Some("preserve") {
                no_excel_escape(&content)?.to_string()
            } else {
                no_excel_escape(content.trim_matches([' ', '\t', '\r', '\n']))?.to_string()
            };
            let Some(lt) = skip_text(text, at) else {
                return Ok(None);
            };
            at = lt;
        }
        if !text[at..].starts_with("</si>") {
            return Ok(None);
        }
        at += 5;
        out.push(value);
    }
}

/// Text with its references resolved as the reader resolves them (the five
/// XML entities, character references); `None` for another reference.
fn unescape_text(text: &str) -> Fast<Option<Cow<'_, str>>> {
    if !text.contains('&') {
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
                || name
                    .strip_prefix('#')
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_alphanumeric())));
        if !plain {
            return Ok(None);
        }
        push_entity(&quick_xml::events::BytesRef::new(name), &mut out)?;
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(Some(Cow::Owned(out)))
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

    fn percent_cells(&mut self, sheet: &str, wanted: &PercentCells) -> Result<PercentCells, Failure> {
        let styled = self.percent.get(sheet).ok_or(Fallback)?;
        Ok(wanted
            .iter()
            .filter(|(k, _)| styled.contains(k))
            .map(|(k, v)| (*k, *v))
            .collect())
    }
}
