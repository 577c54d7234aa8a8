//! HTML rendering of a [`Doc`]: one printable page, self-contained (no script,
//! no external resource), every text escaped.

use crate::doc::{Block, Doc};

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

const STYLE: &str = "body{font-family:'DejaVu Sans',sans-serif;font-size:10pt;margin:2em;max-width:60em}\
h1{font-size:16pt;margin-bottom:0}h2{font-size:12pt;margin-top:1.4em}\
table{border-collapse:collapse;width:100%;font-size:8.5pt;margin:.4em 0}\
th{background:#e1e1e1;text-align:left}th,td{padding:3px;border-bottom:1px solid #a0a0a0;vertical-align:top;overflow-wrap:anywhere}\
dl{display:grid;grid-template-columns:12em 1fr;gap:2px 1em}dt{font-weight:bold}dd{margin:0;overflow-wrap:anywhere}\
p{overflow-wrap:anywhere}footer{color:#555;font-size:8pt;margin-top:2em}\
@page{size:A4;margin:2cm}";

/// Renders the report as a printable HTML page.
pub fn render(doc: &Doc) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{}</body>\n</html>\n",
        esc(&doc.title),
        esc(&doc.footer),
        body(doc)
    )
}

/// The content of the page's `<body>`: title, blocks and footer, every text
/// escaped. The form shows it inside its own page, styled by its stylesheet
/// (its CSP forbids inline styles).
pub fn body(doc: &Doc) -> String {
    let mut h = format!(
        "<h1>{}</h1>\n<p>{}</p>\n",
        esc(&doc.title),
        esc(&doc.subtitle)
    );
    for b in &doc.blocks {
        match b {
            Block::Heading(t) => h.push_str(&format!("<h2>{}</h2>\n", esc(t))),
            Block::Para(t) => h.push_str(&format!("<p>{}</p>\n", esc(t))),
            Block::Pairs(p) => {
                h.push_str("<dl>\n");
                for (k, v) in p {
                    h.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", esc(k), esc(v)));
                }
                h.push_str("</dl>\n");
            }
            Block::Table { header, rows, .. } => {
                h.push_str("<table>\n<thead><tr>");
                for c in header {
                    h.push_str(&format!("<th>{}</th>", esc(c)));
                }
                h.push_str("</tr></thead>\n<tbody>\n");
                for r in rows {
                    h.push_str("<tr>");
                    for c in r {
                        h.push_str(&format!("<td>{}</td>", esc(c)));
                    }
                    h.push_str("</tr>\n");
                }
                h.push_str("</tbody>\n</table>\n");
            }
        }
    }
    h.push_str(&format!("<footer>{}</footer>\n", esc(&doc.footer)));
    h
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(
            super::esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
