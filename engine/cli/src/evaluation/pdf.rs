//! PDF rendering of a [`Doc`] with krilla: A4 pages, DejaVu Sans embedded
//! (subset), our own line wrapping (glyph advances read with skrifa) and
//! pagination, « Page n / N » in every footer.

use super::doc::{Block, Doc};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};
use skrifa::instance::{LocationRef, Size};
use skrifa::MetadataProvider;
use std::sync::LazyLock;

static REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");

/// A4 in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 48.0;
const TOP: f32 = 56.0;
/// Lowest baseline of the content.
const BOTTOM: f32 = PAGE_H - 64.0;
const BODY: f32 = 9.0;
const SMALL: f32 = 7.5;
const CELL_PAD: f32 = 3.0;

/// Advances (at size 1) of the characters below `TABLE_END`, and the font for
/// the others.
struct Metrics {
    data: &'static [u8],
    table: Vec<f32>,
    glyphs: Vec<u32>,
}

const TABLE_END: u32 = 0x2200;

impl Metrics {
    fn new(data: &'static [u8]) -> Metrics {
        let mut table = vec![0.0; TABLE_END as usize];
        let mut glyphs = vec![0; TABLE_END as usize];
        if let Ok(f) = skrifa::FontRef::new(data) {
            let upem = f
                .metrics(Size::unscaled(), LocationRef::default())
                .units_per_em as f32;
            let gm = f.glyph_metrics(Size::unscaled(), LocationRef::default());
            let cmap = f.charmap();
            for (i, (w, gid)) in table.iter_mut().zip(glyphs.iter_mut()).enumerate() {
                if let Some(c) = char::from_u32(i as u32) {
                    let g = cmap.map(c).unwrap_or_default();
                    *w = gm.advance_width(g).unwrap_or(0.0) / upem;
                    *gid = g.to_u32();
                }
            }
        }
        Metrics {
            data,
            table,
            glyphs,
        }
    }

    /// Glyph id and advance (per em) of a character.
    fn glyph(&self, c: char) -> (u32, f32) {
        if let (Some(g), Some(w)) = (self.glyphs.get(c as usize), self.table.get(c as usize)) {
            return (*g, *w);
        }
        let Ok(f) = skrifa::FontRef::new(self.data) else {
            return (0, 0.6);
        };
        let g = f.charmap().map(c).unwrap_or_default();
        (g.to_u32(), self.advance(c))
    }

    /// The glyphs of a line: one per character, advances from the font, no
    /// shaping (Latin, Greek and Cyrillic need none beyond kerning, which the
    /// wrapping does not count either, so measured and drawn widths agree).
    fn glyphs_of(&self, text: &str) -> Vec<KrillaGlyph> {
        text.char_indices()
            .map(|(i, c)| {
                let (g, w) = self.glyph(c);
                KrillaGlyph::new(GlyphId::new(g), w, 0.0, 0.0, 0.0, i..i + c.len_utf8(), None)
            })
            .collect()
    }

    fn advance(&self, c: char) -> f32 {
        if let Some(w) = self.table.get(c as usize) {
            return *w;
        }
        let Ok(f) = skrifa::FontRef::new(self.data) else {
            return 0.6;
        };
        let upem = f
            .metrics(Size::unscaled(), LocationRef::default())
            .units_per_em as f32;
        let g = f.charmap().map(c).unwrap_or_default();
        f.glyph_metrics(Size::unscaled(), LocationRef::default())
            .advance_width(g)
            .unwrap_or(0.0)
            / upem
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size
    }
}

static METRICS: LazyLock<[Metrics; 2]> =
    LazyLock::new(|| [Metrics::new(REGULAR), Metrics::new(BOLD)]);

fn metrics(bold: bool) -> &'static Metrics {
    &METRICS[bold as usize]
}

/// Splits `text` into lines no wider than `width` (words first, then
/// characters for a word wider than the line). Line breaks are kept.
pub fn wrap(text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
    let m = metrics(bold);
    let space = m.width(" ", size);
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut w = 0.0;
        for word in para.split_whitespace() {
            let ww = m.width(word, size);
            if !line.is_empty() && w + space + ww <= width {
                line.push(' ');
                line.push_str(word);
                w += space + ww;
                continue;
            }
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
                w = 0.0;
            }
            if ww <= width {
                line.push_str(word);
                w = ww;
                continue;
            }
            for c in word.chars() {
                let cw = m.advance(c) * size;
                if w + cw > width && !line.is_empty() {
                    out.push(std::mem::take(&mut line));
                    w = 0.0;
                }
                line.push(c);
                w += cw;
            }
        }
        out.push(line);
    }
    out
}

/// What is drawn on a page.
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    /// Filled rectangle, grey level 0–255.
    Rect { r: Rect, grey: u8 },
}

struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![Vec::new()],
            y: TOP,
        }
    }
    fn page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }
    /// Makes room for `h` points, starting a new page when needed.
    fn room(&mut self, h: f32) {
        if self.y + h > BOTTOM && self.y > TOP {
            self.page();
        }
    }
    fn push(&mut self, op: Op) {
        if let Some(p) = self.pages.last_mut() {
            p.push(op);
        }
    }
    fn text(&mut self, x: f32, size: f32, bold: bool, text: &str) {
        if text.is_empty() {
            return;
        }
        let y = self.y;
        self.push(Op::Text {
            x,
            y,
            size,
            bold,
            text: text.to_string(),
        });
    }
    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, grey: u8) {
        if let Some(r) = Rect::from_xywh(x, y, w, h) {
            self.push(Op::Rect { r, grey });
        }
    }
    fn para(&mut self, text: &str, size: f32, bold: bool) {
        let lh = size * 1.35;
        for l in wrap(text, size, bold, PAGE_W - 2.0 * MARGIN_X) {
            self.room(lh);
            self.y += lh;
            self.text(MARGIN_X, size, bold, &l);
        }
    }
    fn pairs(&mut self, pairs: &[(String, String)]) {
        let label_w = 130.0;
        let lh = BODY * 1.35;
        for (k, v) in pairs {
            let lines = wrap(v, BODY, false, PAGE_W - 2.0 * MARGIN_X - label_w);
            for (n, l) in lines.iter().enumerate() {
                self.room(lh);
                self.y += lh;
                if n == 0 {
                    self.text(MARGIN_X, BODY, true, k);
                }
                self.text(MARGIN_X + label_w, BODY, false, l);
            }
        }
    }
    fn table_header(&mut self, cols: &[(f32, f32)], header: &[Vec<String>]) {
        let lh = SMALL * 1.3;
        let n = header.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let h = n as f32 * lh + 2.0 * CELL_PAD;
        self.room(h + lh);
        let width = PAGE_W - 2.0 * MARGIN_X;
        self.rect(MARGIN_X, self.y, width, h, 225);
        let top = self.y + CELL_PAD;
        for k in 0..n {
            self.y = top + (k + 1) as f32 * lh - 1.5;
            for (c, (x, _)) in cols.iter().enumerate() {
                if let Some(l) = header.get(c).and_then(|h| h.get(k)) {
                    self.text(*x + CELL_PAD, SMALL, true, l);
                }
            }
        }
        self.y = top - CELL_PAD + h;
    }
    fn table(&mut self, widths: &[f32], header: &[String], rows: &[Vec<String>]) {
        let width = PAGE_W - 2.0 * MARGIN_X;
        let mut x = MARGIN_X;
        let cols: Vec<(f32, f32)> = widths
            .iter()
            .map(|f| {
                let c = (x, f * width);
                x += f * width;
                c
            })
            .collect();
        let wrap_row = |row: &[String], bold: bool| -> Vec<Vec<String>> {
            cols.iter()
                .enumerate()
                .map(|(i, (_, w))| {
                    wrap(
                        row.get(i).map(String::as_str).unwrap_or(""),
                        SMALL,
                        bold,
                        w - 2.0 * CELL_PAD,
                    )
                })
                .collect()
        };
        let head = wrap_row(header, true);
        let lh = SMALL * 1.3;
        self.y += 4.0;
        self.table_header(&cols, &head);
        for row in rows {
            let cells = wrap_row(row, false);
            let n = cells.iter().map(Vec::len).max().unwrap_or(1);
            // A row that fits on a page is never split: it starts on the next page.
            let h = n as f32 * lh + 2.0 * CELL_PAD;
            if self.y + h > BOTTOM && h < (BOTTOM - TOP) / 2.0 {
                self.page();
                self.table_header(&cols, &head);
            }
            self.y += CELL_PAD;
            for k in 0..n {
                if self.y + lh > BOTTOM {
                    self.page();
                    self.table_header(&cols, &head);
                    self.y += CELL_PAD;
                }
                self.y += lh;
                for (c, (x, _)) in cols.iter().enumerate() {
                    if let Some(l) = cells[c].get(k) {
                        self.text(*x + CELL_PAD, SMALL, false, l);
                    }
                }
            }
            self.y += CELL_PAD;
            self.rect(MARGIN_X, self.y, width, 0.4, 160);
        }
        self.y += 4.0;
    }
}

fn lay_out(doc: &Doc) -> Vec<Vec<Op>> {
    let mut l = Layout::new();
    l.para(&doc.title, 16.0, true);
    l.para(&doc.subtitle, 10.0, false);
    l.y += 6.0;
    for b in &doc.blocks {
        match b {
            Block::Heading(h) => {
                l.room(12.0 * 1.35 + 80.0);
                l.y += 10.0;
                l.para(h, 11.5, true);
                l.y += 2.0;
            }
            Block::Para(p) => {
                l.para(p, BODY, false);
                l.y += 3.0;
            }
            Block::Pairs(p) => l.pairs(p),
            Block::Table {
                widths,
                header,
                rows,
            } => l.table(widths, header, rows),
        }
    }
    l.pages
}

fn fill(grey: u8) -> Fill {
    Fill {
        paint: rgb::Color::new(grey, grey, grey).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn draw(s: &mut Surface, op: &Op, fonts: &[Font; 2]) {
    match op {
        Op::Text {
            x,
            y,
            size,
            bold,
            text,
        } => s.draw_glyphs(
            Point::from_xy(*x, *y),
            &metrics(*bold).glyphs_of(text),
            fonts[*bold as usize].clone(),
            text,
            *size,
            false,
        ),
        Op::Rect { r, grey } => {
            let mut pb = PathBuilder::new();
            pb.push_rect(*r);
            if let Some(p) = pb.finish() {
                s.set_fill(Some(fill(*grey)));
                s.draw_path(&p);
                s.set_fill(Some(fill(0)));
            }
        }
    }
}

/// The two fonts, parsed (and hashed by krilla) once for every report.
static FONTS: LazyLock<Option<[Font; 2]>> =
    LazyLock::new(|| Some([Font::new(REGULAR.into(), 0)?, Font::new(BOLD.into(), 0)?]));

/// Renders the report as PDF bytes.
pub fn render(doc: &Doc) -> Result<Vec<u8>, String> {
    let fonts = FONTS.as_ref().ok_or("police DejaVu Sans illisible")?;
    let pages = lay_out(doc);
    let total = pages.len();
    let mut document = Document::new_with(SerializeSettings {
        xmp_metadata: false,
        enable_tagging: false,
        ..SerializeSettings::default()
    });
    document.set_metadata(
        Metadata::new()
            .title(format!("{} — {}", doc.title, doc.footer))
            .language("fr-FR".into())
            .creator("caqes report".into()),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("format de page invalide")?;
    for (i, ops) in pages.iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut s = page.surface();
        s.set_fill(Some(fill(0)));
        for op in ops {
            draw(&mut s, op, fonts);
        }
        let y = PAGE_H - 36.0;
        let footer = format!("Page {} / {total}", i + 1);
        let fw = metrics(false).width(&footer, SMALL);
        s.set_fill(Some(fill(90)));
        for (x, t) in [
            (MARGIN_X, doc.footer.as_str()),
            (PAGE_W - MARGIN_X - fw, footer.as_str()),
        ] {
            s.draw_glyphs(
                Point::from_xy(x, y),
                &metrics(false).glyphs_of(t),
                fonts[0].clone(),
                t,
                SMALL,
                false,
            );
        }
        s.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| format!("écriture du PDF impossible : {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_within_width() {
        let text = "Lorem ipsum dolor sit amet, ".repeat(80);
        let lines = wrap(&text, 9.0, false, 200.0);
        assert!(lines.len() > 10);
        for l in &lines {
            assert!(metrics(false).width(l, 9.0) <= 200.0, "{l}");
        }
        let long = "x".repeat(500);
        assert!(wrap(&long, 9.0, true, 100.0).len() > 5);
    }
}
