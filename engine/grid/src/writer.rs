//! The grid writer (rust_xlsxwriter): native and wasm32.

use crate::formulas::{
    self, INTERESSE, INVALID, NON, NON_CONCERNE, NON_INTERESSE, NON_MESURABLE, OUI, RENSEIGNE,
};
use crate::layout::*;
use crate::normalise::{clip, normalise};
use crate::GridError;
use caqes_engine::labels;
use caqes_engine::{
    evaluate, Answers, Catalog, Evaluation, Funding, InputRef, LegalStatus, Measure, Number,
    QuestionKind, Role, Status, Unit,
};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationRule, Format, FormatAlign, FormatBorder, Formula, Note,
    Workbook, Worksheet,
};
use sha2::{Digest, Sha256};

/// Hex SHA-256 of a text.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// [`sha256_hex`] of the JSON text of `value` (`serde_json::to_string`, or
/// the empty text if it fails), hashed as it is written instead of built.
pub fn sha256_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    struct Hasher(Sha256);
    impl std::io::Write for Hasher {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = Hasher(Sha256::new());
    match serde_json::to_writer(&mut h, value) {
        Ok(()) => hex(&h.0.finalize()),
        Err(_) => sha256_hex(""),
    }
}

fn hex(digest: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(digest.len() * 2);
    for b in digest {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// SHA-256 of the catalog's canonical serialization (JSON of the resolved catalog).
pub fn catalog_hash(catalog: &Catalog) -> String {
    sha256_json(catalog)
}

struct Formats {
    title: Format,
    header: Format,
    ind_header: Format,
    label: Format,
    grey: Format,
    grey_text: Format,
    pink_text: Format,
    pink_list: Format,
    pink_count: Format,
    pink_amount: Format,
    pink_dec: Format,
    green: Format,
    green_num: Format,
}

fn formats() -> Formats {
    let pink = Color::RGB(0xF8CBE0);
    let green = Color::RGB(0xC6EFCE);
    let grey = Color::RGB(0xE0E0E0);
    let base = Format::new()
        .set_border(FormatBorder::Thin)
        .set_border_color(Color::RGB(0xA0A0A0))
        .set_align(FormatAlign::Top);
    let pink_base = base.clone().set_background_color(pink).set_unlocked();
    Formats {
        title: Format::new().set_bold().set_font_size(14),
        header: base
            .clone()
            .set_bold()
            .set_background_color(Color::RGB(0x1F4E78))
            .set_font_color(Color::White),
        ind_header: base
            .clone()
            .set_bold()
            .set_background_color(Color::RGB(0xBDD7EE))
            .set_text_wrap(),
        label: base.clone().set_text_wrap(),
        grey: base.clone().set_background_color(grey),
        grey_text: base.clone().set_background_color(grey).set_text_wrap(),
        pink_text: pink_base.clone().set_text_wrap().set_num_format("@"),
        pink_list: pink_base.clone(),
        pink_count: pink_base.clone().set_num_format("#,##0"),
        pink_amount: pink_base.clone().set_num_format("#,##0.00"),
        pink_dec: pink_base.clone().set_num_format("#,##0.##########"),
        green: base.clone().set_background_color(green),
        green_num: base
            .clone()
            .set_background_color(green)
            .set_num_format("#,##0.00"),
    }
}

fn xe(e: rust_xlsxwriter::XlsxError) -> GridError {
    GridError::Write(e.to_string())
}

/// Cached result text of a number.
fn num(n: Number) -> String {
    format!("{}", n.to_f64())
}

fn opt(n: Option<Number>) -> String {
    n.map(num).unwrap_or_default()
}

fn list(items: &[&str]) -> Result<DataValidation, GridError> {
    DataValidation::new().allow_list_strings(items).map_err(xe)
}

/// Value exported in an input cell, as recorded in the metadata.
#[derive(Debug, Clone)]
enum CellValue {
    Blank,
    Text(String),
    Number(f64),
}

impl CellValue {
    fn repr(&self) -> String {
        match self {
            CellValue::Blank => String::new(),
            CellValue::Text(t) => t.clone(),
            CellValue::Number(f) => format!("{f}"),
        }
    }
}

fn json_cell(v: Option<&serde_json::Value>) -> CellValue {
    match v {
        None | Some(serde_json::Value::Null) => CellValue::Blank,
        Some(serde_json::Value::Number(n)) => n
            .as_f64()
            .map(CellValue::Number)
            .unwrap_or(CellValue::Blank),
        Some(serde_json::Value::String(s)) => CellValue::Text(clip(s).0),
        Some(serde_json::Value::Bool(b)) => CellValue::Text(if *b { OUI } else { NON }.into()),
        Some(other) => CellValue::Text(other.to_string()),
    }
}

struct Sheet<'a> {
    ws: &'a mut Worksheet,
    name: String,
    cells: &'a mut Vec<(String, String)>,
}

impl Sheet<'_> {
    fn input(&mut self, pos: Pos, v: &CellValue, fmt: &Format) -> Result<(), GridError> {
        match v {
            CellValue::Blank => {
                self.ws.write_blank(pos.row, pos.col, fmt).map_err(xe)?;
            }
            CellValue::Text(t) => {
                self.ws
                    .write_string_with_format(pos.row, pos.col, clip(t).0, fmt)
                    .map_err(xe)?;
            }
            CellValue::Number(f) => {
                self.ws
                    .write_number_with_format(pos.row, pos.col, *f, fmt)
                    .map_err(xe)?;
            }
        }
        self.cells
            .push((format!("{}!{}", self.name, pos.a1()), v.repr()));
        Ok(())
    }
    fn text(&mut self, row: u32, col: u16, t: &str, fmt: &Format) -> Result<(), GridError> {
        self.ws
            .write_string_with_format(row, col, clip(t).0, fmt)
            .map_err(xe)?;
        Ok(())
    }
    fn formula(
        &mut self,
        pos: Pos,
        f: &str,
        result: String,
        fmt: &Format,
    ) -> Result<(), GridError> {
        let formula = Formula::new(format!("={f}")).set_result(result);
        self.ws
            .write_formula_with_format(pos.row, pos.col, formula, fmt)
            .map_err(xe)?;
        Ok(())
    }
    fn validate(&mut self, pos: Pos, dv: &DataValidation) -> Result<(), GridError> {
        self.ws
            .add_data_validation(pos.row, pos.col, pos.row, pos.col, dv)
            .map_err(xe)?;
        Ok(())
    }
}

fn setup(ws: &mut Worksheet, name: &str, widths: &[f64]) -> Result<(), GridError> {
    ws.set_name(name).map_err(xe)?;
    for (i, w) in widths.iter().enumerate() {
        ws.set_column_width(i as u16, *w).map_err(xe)?;
    }
    ws.set_paper_size(9); // A4
    ws.set_portrait();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, FIRST_ROW - 1).map_err(xe)?;
    ws.set_freeze_panes(FIRST_ROW, 0).map_err(xe)?;
    ws.set_footer("&L&A&RPage &P / &N");
    ws.protect();
    Ok(())
}

fn number_validation(unit: Unit) -> DataValidation {
    let dv = DataValidation::new();
    let dv = match unit {
        Unit::Count => dv.allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0)),
        Unit::Amount => dv.allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0)),
        Unit::Percent => dv.allow_decimal_number(DataValidationRule::Between(0.0, 100.0)),
    };
    let msg = match unit {
        Unit::Count => "Nombre entier positif ou nul.",
        Unit::Amount => "Montant en euros, positif ou nul, au plus 2 décimales.",
        Unit::Percent => "Pourcentage entre 0 et 100.",
    };
    dv.set_error_message(msg)
        .unwrap_or_else(|_| DataValidation::new())
}

/// Retained value (cached result) of a numeric input.
fn retained_cache(
    catalog: &Catalog,
    answers: &Answers,
    input: InputRef<'_>,
    raw: Option<&serde_json::Value>,
) -> String {
    let raw = raw.filter(|v| match v {
        serde_json::Value::Null => false,
        serde_json::Value::String(s) => !s.trim().is_empty(),
        _ => true,
    });
    let n = match raw {
        None => {
            // The core's rule (identification answer or another indicator's input).
            return input
                .prefill()
                .and_then(|src| caqes_engine::prefill(catalog, src, answers))
                .map(|v| format!("{}", v.to_f64()))
                .unwrap_or_default();
        }
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(_) => None,
    };
    let Some(f) = n else {
        return INVALID.into();
    };
    let ok = f >= 0.0
        && match input.unit() {
            Unit::Count => f.fract() == 0.0,
            Unit::Amount => ((f * 100.0).round() / 100.0) == f,
            Unit::Percent => f <= 100.0,
        };
    if ok {
        format!("{f}")
    } else {
        INVALID.into()
    }
}

/// Options of a write.
pub struct Written {
    /// The .xlsx file.
    pub bytes: Vec<u8>,
    /// What the grid could not carry (French messages): empty for usual answers.
    pub lost: Vec<String>,
}

/// Writes the grid of `catalog`, blank or filled with `answers`.
pub fn write_grid(
    catalog: &Catalog,
    answers: Option<&Answers>,
    export_time: &str,
) -> Result<Vec<u8>, GridError> {
    write_grid_report(catalog, answers, export_time).map(|w| w.bytes)
}

/// Like [`write_grid`], also telling what was truncated or dropped.
pub fn write_grid_report(
    catalog: &Catalog,
    answers: Option<&Answers>,
    export_time: &str,
) -> Result<Written, GridError> {
    if let Some(a) = answers {
        if a.catalog != catalog.campaign.id {
            return Err(GridError::CatalogMismatch {
                expected: catalog.campaign.id.clone(),
                found: a.catalog.clone(),
            });
        }
    }
    let blank = Answers {
        catalog: catalog.campaign.id.clone(),
        ..Answers::default()
    };
    let original = answers.unwrap_or(&blank);
    let (norm, lost) = normalise(catalog, original);
    let eval = evaluate(catalog, &norm);
    let layout = layout(catalog);
    let f = formats();
    let mut wb = Workbook::new();
    let mut cells: Vec<(String, String)> = Vec::new();

    write_ident(&mut wb, catalog, &layout, &norm, &f, &mut cells)?;
    for vl in &layout.volets {
        write_volet(&mut wb, catalog, &layout, vl, &norm, &eval, &f, &mut cells)?;
    }
    write_synth(&mut wb, catalog, &layout, &eval, norm.previous_score, &f)?;

    // Hidden metadata sheet.
    let ws = wb.add_worksheet();
    ws.set_name(META).map_err(xe)?;
    let meta: Vec<(&str, String)> = vec![
        ("format", "caqes-grid".into()),
        ("layout_version", LAYOUT_VERSION.into()),
        ("catalog_id", catalog.campaign.id.clone()),
        ("catalog_sha256", catalog_hash(catalog)),
        ("engine_version", caqes_engine::ENGINE_VERSION.into()),
        ("export_time", export_time.into()),
        (
            "answers_sha256",
            answers.map(sha256_json).unwrap_or_default(),
        ),
        ("grid_answers_sha256", sha256_json(&norm)),
        ("declared_total", opt(eval.total_rounded)),
        ("lost", lost.join(" | ")),
        ("cells", cells.len().to_string()),
    ];
    let mut row = 0u32;
    for (k, v) in &meta {
        ws.write_string(row, 0, *k).map_err(xe)?;
        ws.write_string(row, 1, clip(v).0).map_err(xe)?;
        row += 1;
    }
    for (k, v) in &cells {
        ws.write_string(row, 0, k).map_err(xe)?;
        ws.write_string(row, 1, v).map_err(xe)?;
        row += 1;
    }
    ws.set_hidden(true);
    ws.protect();
    let bytes = wb.save_to_buffer().map_err(xe)?;
    Ok(Written { bytes, lost })
}

/// What one identification row holds: the value of its pink cell, its format,
/// its validation and its help.
struct IdentCell<'a> {
    value: CellValue,
    fmt: &'a Format,
    dv: Option<DataValidation>,
    help: String,
}

/// The identification sheet: title, legend, the catalog and its year, then one
/// row per identification field (`ident_cell`).
fn write_ident(
    wb: &mut Workbook,
    catalog: &Catalog,
    layout: &Layout,
    a: &Answers,
    f: &Formats,
    cells: &mut Vec<(String, String)>,
) -> Result<(), GridError> {
    let ws = wb.add_worksheet();
    setup(ws, IDENT, &[48.0, 48.0, 60.0])?;
    let mut sh = Sheet {
        ws,
        name: IDENT.into(),
        cells,
    };
    sh.text(
        0,
        0,
        &format!(
            "{} — identification de l'établissement",
            catalog.campaign.title
        ),
        &f.title,
    )?;
    sh.text(1, 0, "Cellules roses : à renseigner ; cellules vertes : calculées ; cellules grises : ne pas remplir.", &Format::new().set_italic())?;
    sh.text(2, 0, "Rubrique", &f.header)?;
    sh.text(2, 1, "Réponse", &f.header)?;
    sh.text(2, 2, "Aide", &f.header)?;
    let p = layout.ident_catalog;
    sh.text(p.row, 0, "Référentiel", &f.label)?;
    sh.text(p.row, 1, &catalog.campaign.id, &f.grey)?;
    sh.text(p.row, 2, &catalog.campaign.title, &f.grey_text)?;
    sh.text(p.row + 1, 0, "Année évaluée", &f.label)?;
    sh.ws
        .write_number_with_format(p.row + 1, 1, catalog.campaign.year as f64, &f.grey)
        .map_err(xe)?;
    for r in &layout.ident {
        let pos = r.pos;
        sh.text(pos.row, 0, &r.label, &f.label)?;
        let c = ident_cell(catalog, a, f, &r.field)?;
        sh.input(pos, &c.value, c.fmt)?;
        if let Some(dv) = c.dv {
            sh.validate(pos, &dv)?;
        }
        sh.text(pos.row, 2, &c.help, &f.grey_text)?;
    }
    Ok(())
}

/// The pink cell of one identification field (FINESS, name, département, legal
/// status, funding, categories, beds, places, previous score, the catalog's
/// questions).
fn ident_cell<'f>(
    catalog: &Catalog,
    a: &Answers,
    f: &'f Formats,
    field: &IdentField,
) -> Result<IdentCell<'f>, GridError> {
    let e = &a.establishment;
    let cell = |value, fmt, dv, help: &str| IdentCell {
        value,
        fmt,
        dv,
        help: help.into(),
    };
    let count = |n: Option<u32>| n.map(|b| CellValue::Number(b as f64));
    Ok(match field {
        IdentField::Finess => cell(
            text_or_blank(&e.finess),
            &f.pink_text,
            None,
            "9 caractères, clé de contrôle vérifiée",
        ),
        IdentField::Name => cell(text_or_blank(&e.name), &f.pink_text, None, ""),
        IdentField::Departement => cell(
            text_or_blank(&e.departement),
            &f.pink_text,
            None,
            "ex. 33, 2A",
        ),
        IdentField::LegalStatus => cell(
            e.legal_status
                .map(|l| CellValue::Text(l.label().into()))
                .unwrap_or(CellValue::Blank),
            &f.pink_list,
            Some(list(&LegalStatus::ALL.map(|l| l.label()))?),
            "",
        ),
        IdentField::Funding => cell(
            e.funding
                .map(|l| CellValue::Text(l.label().into()))
                .unwrap_or(CellValue::Blank),
            &f.pink_list,
            Some(list(&[Funding::ExDg.label(), Funding::ExOqn.label()])?),
            "public et ESPIC : ex-DG ; privé : ex-OQN",
        ),
        IdentField::Category(c) => cell(
            if e.categories.contains(c) {
                CellValue::Text(OUI.into())
            } else if e.categories.is_empty() {
                CellValue::Blank
            } else {
                CellValue::Text(NON.into())
            },
            &f.pink_list,
            Some(list(&[OUI, NON])?),
            "",
        ),
        IdentField::Beds => cell(
            count(e.beds).unwrap_or(CellValue::Blank),
            &f.pink_count,
            Some(number_validation(Unit::Count)),
            "",
        ),
        IdentField::Places => cell(
            count(e.places).unwrap_or(CellValue::Blank),
            &f.pink_count,
            Some(number_validation(Unit::Count)),
            "",
        ),
        IdentField::PreviousScore => previous_score_cell(catalog, a, f),
        IdentField::Question(id, kind) => question_cell(catalog, a, f, id, *kind)?,
    })
}

/// The previous year's score: a number between 0 and the scale plus the bonus,
/// needed only for a progression band.
fn previous_score_cell<'f>(catalog: &Catalog, a: &Answers, f: &'f Formats) -> IdentCell<'f> {
    let max = catalog
        .campaign
        .scale
        .add(catalog.campaign.bonus_max)
        .unwrap_or(catalog.campaign.scale)
        .to_f64();
    IdentCell {
        value: a
            .previous_score
            .map(|n| CellValue::Number(n.to_f64()))
            .unwrap_or(CellValue::Blank),
        fmt: &f.pink_dec,
        dv: Some(DataValidation::new().allow_decimal_number(DataValidationRule::Between(0.0, max))),
        help: if catalog.needs_previous_score() {
            "nécessaire pour la condition de progression".into()
        } else {
            "facultatif".into()
        },
    }
}

/// The answer to one of the catalog's identification questions: Oui / Non, an
/// option's label, an integer or a text.
fn question_cell<'f>(
    catalog: &Catalog,
    a: &Answers,
    f: &'f Formats,
    id: &str,
    kind: QuestionKind,
) -> Result<IdentCell<'f>, GridError> {
    let q = catalog.question(id);
    let v = a.establishment.answers.get(id);
    let help = q.map(|q| q.help.clone()).unwrap_or_default();
    let (value, fmt, dv) = match kind {
        QuestionKind::Bool => (
            match v {
                Some(serde_json::Value::Bool(b)) => {
                    CellValue::Text(if *b { OUI } else { NON }.into())
                }
                other => json_cell(other),
            },
            &f.pink_list,
            Some(list(&[OUI, NON])?),
        ),
        QuestionKind::Choice => {
            let opts: Vec<&str> = q
                .map(|q| q.options.iter().map(|o| o.label.as_str()).collect())
                .unwrap_or_default();
            let cell = match v {
                Some(serde_json::Value::String(s)) => q
                    .and_then(|q| q.options.iter().find(|o| &o.id == s))
                    .map(|o| CellValue::Text(o.label.clone()))
                    .unwrap_or_else(|| CellValue::Text(s.clone())),
                other => json_cell(other),
            };
            (cell, &f.pink_list, list(&opts).ok())
        }
        QuestionKind::Integer => (
            json_cell(v),
            &f.pink_count,
            Some(number_validation(Unit::Count)),
        ),
        QuestionKind::Text => (json_cell(v), &f.pink_text, None),
    };
    Ok(IdentCell {
        value,
        fmt,
        dv,
        help,
    })
}

fn text_or_blank(t: &str) -> CellValue {
    if t.is_empty() {
        CellValue::Blank
    } else {
        CellValue::Text(t.to_string())
    }
}

fn target_text(ind: &caqes_engine::Indicator) -> String {
    let fmt_t = |t: &caqes_engine::Target| {
        let unit = match t.unit {
            Unit::Percent => " %",
            _ => "",
        };
        match (t.personalised, t.value) {
            (true, _) => labels::target_text(t.op, "cible personnalisée (à saisir)"),
            (false, Some(v)) => labels::target_text(t.op, &format!("{}{unit}", v.to_french_auto())),
            (false, None) => String::new(),
        }
    };
    match &ind.measure {
        Measure::Criteria { .. } => "tous les critères remplis".into(),
        Measure::Information { .. } => "à titre d'information (non noté)".into(),
        Measure::Rate {
            target,
            numerator_only: Some(no),
            ..
        } => format!(
            "{} ; numérateur seul : {}",
            fmt_t(target),
            fmt_t(&no.target)
        ),
        m => m.target().map(fmt_t).unwrap_or_default(),
    }
}

/// What every indicator block of a volet sheet reads: the catalog, its layout, the
/// answers, the formats and the two list validations (status, Oui / Non).
struct VoletCtx<'a> {
    catalog: &'a Catalog,
    layout: &'a Layout,
    a: &'a Answers,
    f: &'a Formats,
    status_dv: DataValidation,
    yes_no: DataValidation,
}

/// One indicator of a volet sheet: the indicator, its cells, its answer and its
/// result in the core's evaluation.
struct Block<'a> {
    ind: &'a caqes_engine::Indicator,
    il: &'a IndicatorLayout,
    ans: &'a caqes_engine::IndicatorAnswer,
    res: Option<&'a caqes_engine::IndicatorResult>,
}

/// The sheet of one volet: its title, the legend of the colours, the column
/// headers, then one block per indicator.
#[allow(clippy::too_many_arguments)]
fn write_volet(
    wb: &mut Workbook,
    catalog: &Catalog,
    layout: &Layout,
    vl: &VoletLayout,
    a: &Answers,
    eval: &Evaluation,
    f: &Formats,
    cells: &mut Vec<(String, String)>,
) -> Result<(), GridError> {
    let ws = wb.add_worksheet();
    setup(ws, &vl.sheet, &[16.0, 70.0, 18.0, 18.0, 40.0])?;
    let mut sh = Sheet {
        ws,
        name: vl.sheet.clone(),
        cells,
    };
    sh.text(0, 0, &vl.title, &f.title)?;
    sh.text(1, 0, "Cellules roses : à renseigner ; cellules vertes : calculées ; cellules grises : ne pas remplir.", &Format::new().set_italic())?;
    for (c, h) in ["Code", "Libellé", "Saisie", "Calcul", "Aide / unité"]
        .iter()
        .enumerate()
    {
        sh.text(2, c as u16, h, &f.header)?;
    }
    let ctx = VoletCtx {
        catalog,
        layout,
        a,
        f,
        status_dv: list(&[RENSEIGNE, NON_CONCERNE, NON_MESURABLE])?,
        yes_no: list(&[OUI, NON])?,
    };
    let empty = caqes_engine::IndicatorAnswer::default();
    for &ii in &vl.indicators {
        let il = &layout.indicators[ii];
        let Some(ind) = catalog.indicator(&il.id) else {
            continue;
        };
        let b = Block {
            ind,
            il,
            ans: a.indicators.get(ind.id.as_str()).unwrap_or(&empty),
            res: eval.indicator(&ind.id),
        };
        indicator_block(&mut sh, &ctx, &b)?;
    }
    Ok(())
}

/// One indicator's block: its header, one row per input cell (status,
/// justification, inputs, criteria, personalised target, evidence, comment) and
/// the rows of its calculation.
fn indicator_block(sh: &mut Sheet, ctx: &VoletCtx, b: &Block) -> Result<(), GridError> {
    indicator_header(sh, ctx.f, b.ind, b.il.header_row)?;
    let (f, ans) = (ctx.f, b.ans);
    for (kind, pos) in &b.il.inputs {
        let pos = *pos;
        match kind {
            CellKind::Status => status_row(sh, ctx, b, pos)?,
            CellKind::Justification => {
                sh.text(pos.row, 0, "Justification", &f.label)?;
                sh.input(pos, &text_or_blank(&ans.justification), &f.pink_text)?;
                sh.text(pos.row, 4, "si non concerné ou non mesurable", &f.grey_text)?;
            }
            CellKind::Input(id) => input_row(sh, ctx, b, id, pos)?,
            CellKind::Criterion(id) => criterion_row(sh, ctx, b, id, pos)?,
            CellKind::Target => target_row(sh, f, ans, pos)?,
            CellKind::Evidence(id) => evidence_row(sh, ctx, b, id, pos)?,
            CellKind::Comment => {
                sh.text(pos.row, 0, "Commentaire", &f.label)?;
                sh.input(pos, &text_or_blank(&ans.comment), &f.pink_text)?;
                sh.ws.set_row_height(pos.row, 45).map_err(xe)?;
            }
        }
    }
    calculation_rows(sh, ctx, b)
}

/// The header of an indicator (code, title, role, points, help; the « supposé »
/// values as a note) and its « Période » and « Cible » rows.
fn indicator_header(
    sh: &mut Sheet,
    f: &Formats,
    ind: &caqes_engine::Indicator,
    r0: u32,
) -> Result<(), GridError> {
    sh.text(r0, 0, &ind.code, &f.ind_header)?;
    sh.text(r0, 1, &ind.title, &f.ind_header)?;
    if !ind.assumed.is_empty() {
        // « supposé »: the values the sources do not give, as a cell note.
        let note = Note::new(format!(
            "{} — non donné par les sources : {}",
            caqes_engine::SUPPOSE,
            ind.assumed.join(" ; ")
        ))
        .set_author("CAQES")
        .set_width(360)
        .set_height(120);
        sh.ws.insert_note(r0, 0, &note).map_err(xe)?;
    }
    let role = match ind.role {
        Role::Scored => "Points",
        Role::Bonus => "Points bonus",
        Role::Information => "Non noté",
    };
    sh.text(r0, 2, role, &f.ind_header)?;
    sh.ws
        .write_number_with_format(r0, 3, ind.points.to_f64(), &f.ind_header)
        .map_err(xe)?;
    sh.text(r0, 4, &ind.help, &f.grey_text)?;
    sh.text(r0 + 1, 0, "Période", &f.label)?;
    sh.text(r0 + 1, 1, &ind.period, &f.grey_text)?;
    sh.text(r0 + 2, 0, "Cible", &f.label)?;
    sh.text(r0 + 2, 1, &target_text(ind), &f.grey_text)?;
    Ok(())
}

/// The « Statut » row: the declared status (pink list) and the retained one
/// (green formula, automatic status included).
fn status_row(sh: &mut Sheet, ctx: &VoletCtx, b: &Block, pos: Pos) -> Result<(), GridError> {
    let f = ctx.f;
    sh.text(pos.row, 0, "Statut", &f.label)?;
    sh.text(pos.row, 1, "Statut déclaré (saisie) et statut retenu (calcul, dont statut automatique d'après l'identification)", &f.label)?;
    let v = match b.ans.status {
        None => CellValue::Blank,
        Some(declared) => CellValue::Text(declared.label().into()),
    };
    sh.input(pos, &v, &f.pink_list)?;
    sh.validate(pos, &ctx.status_dv)?;
    let st = formulas::status(ctx.catalog, ctx.layout, b.ind, b.il);
    let cached = b
        .res
        .map(|r| r.status.label().to_string())
        .unwrap_or_default();
    sh.formula(b.il.status_calc, &st, cached, &f.green)
}

/// A numeric input's « Saisie » row: the pink cell with its validation, the
/// retained value (green formula) and the help of its unit.
fn input_row(
    sh: &mut Sheet,
    ctx: &VoletCtx,
    b: &Block,
    id: &str,
    pos: Pos,
) -> Result<(), GridError> {
    let (f, catalog) = (ctx.f, ctx.catalog);
    let inputs = b.ind.measure.inputs();
    let Some(input) = inputs.iter().find(|i| i.id() == id) else {
        return Ok(());
    };
    sh.text(pos.row, 0, "Saisie", &f.label)?;
    sh.text(pos.row, 1, input.label(), &f.label)?;
    let fmt = match input.unit() {
        Unit::Count => &f.pink_count,
        Unit::Amount => &f.pink_amount,
        Unit::Percent => &f.pink_dec,
    };
    sh.input(pos, &json_cell(b.ans.inputs.get(id)), fmt)?;
    sh.validate(pos, &number_validation(input.unit()))?;
    if let Some(rp) = b.il.retained(id) {
        let fm = formulas::retained(ctx.layout, catalog, *input, pos);
        let cached = retained_cache(catalog, ctx.a, *input, b.ans.inputs.get(id));
        sh.formula(rp, &fm, cached, &f.green_num)?;
    }
    sh.text(pos.row, 4, &input_help(catalog, *input), &f.grey_text)
}

/// The help of a numeric input: its unit, where an empty cell is pre-filled from,
/// who provides it at the evaluation, and the catalog's help.
fn input_help(catalog: &Catalog, input: InputRef<'_>) -> String {
    let mut help = input.unit().label().to_string();
    match input.prefill().map(|p| (p, p.split_once('.'))) {
        Some((_, Some((other, other_input)))) => {
            let o = catalog.indicator(other);
            let code = o.map_or(other, |o| o.code.as_str());
            let label = o
                .and_then(|o| {
                    o.measure
                        .inputs()
                        .into_iter()
                        .find(|i| i.id() == other_input)
                })
                .map_or_else(|| other_input.to_string(), |i| i.label().to_string());
            help.push_str(&format!(
                " ; si vide, reprend « {label} » de l'indicateur {code}"
            ));
        }
        Some((p, None)) => help.push_str(&format!(
            " ; pré-rempli depuis l'identification ({p}) si vide"
        )),
        None => {}
    }
    if let Some(p) = input.provided_by() {
        help.push_str(&format!(
            " ; {} à l'évaluation (saisir une estimation pour simuler le score)",
            p.label()
        ));
    }
    if !input.help().is_empty() {
        help.push_str(" ; ");
        help.push_str(input.help());
    }
    help
}

/// A « Critère » row: Oui / Non in a pink list, its points in grey.
fn criterion_row(
    sh: &mut Sheet,
    ctx: &VoletCtx,
    b: &Block,
    id: &str,
    pos: Pos,
) -> Result<(), GridError> {
    let f = ctx.f;
    let Measure::Criteria { criteria } = &b.ind.measure else {
        return Ok(());
    };
    let Some(c) = criteria.iter().find(|c| c.id == id) else {
        return Ok(());
    };
    sh.text(pos.row, 0, "Critère", &f.label)?;
    sh.text(pos.row, 1, &c.label, &f.label)?;
    let v = match b.ans.criteria.get(id) {
        Some(true) => CellValue::Text(OUI.into()),
        Some(false) => CellValue::Text(NON.into()),
        None => CellValue::Blank,
    };
    sh.input(pos, &v, &f.pink_list)?;
    sh.validate(pos, &ctx.yes_no)?;
    sh.ws
        .write_number_with_format(pos.row, COL_CALC, c.points.to_f64(), &f.grey)
        .map_err(xe)?;
    sh.text(
        pos.row,
        4,
        &format!("{} point(s) ; {}", c.points.to_french_auto(), c.help),
        &f.grey_text,
    )
}

/// The row of the establishment's personalised target (a pink number ≥ 0).
fn target_row(
    sh: &mut Sheet,
    f: &Formats,
    ans: &caqes_engine::IndicatorAnswer,
    pos: Pos,
) -> Result<(), GridError> {
    sh.text(pos.row, 0, "Cible", &f.label)?;
    sh.text(
        pos.row,
        1,
        "Cible personnalisée de l'établissement",
        &f.label,
    )?;
    let v = ans
        .target
        .map(|t| CellValue::Number(t.to_f64()))
        .unwrap_or(CellValue::Blank);
    sh.input(pos, &v, &f.pink_dec)?;
    sh.validate(
        pos,
        &DataValidation::new().allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0)),
    )
}

/// A « Preuve » row: whether an élément de preuve is provided (Oui / Non).
fn evidence_row(
    sh: &mut Sheet,
    ctx: &VoletCtx,
    b: &Block,
    id: &str,
    pos: Pos,
) -> Result<(), GridError> {
    let f = ctx.f;
    let Some(e) = b.ind.evidence.iter().find(|e| e.id == id) else {
        return Ok(());
    };
    sh.text(pos.row, 0, "Preuve", &f.label)?;
    sh.text(pos.row, 1, &e.label, &f.label)?;
    let v = if b.ans.evidence.iter().any(|e| e == id) {
        CellValue::Text(OUI.into())
    } else {
        CellValue::Blank
    };
    sh.input(pos, &v, &f.pink_list)?;
    sh.validate(pos, &ctx.yes_no)?;
    sh.text(
        pos.row,
        4,
        "élément de preuve fourni (Oui / Non)",
        &f.grey_text,
    )
}

/// The six « Calcul » rows of an indicator (value, retained target, objective met,
/// share, points after redistribution, points obtained): green formulas with the
/// core's results cached.
fn calculation_rows(sh: &mut Sheet, ctx: &VoletCtx, b: &Block) -> Result<(), GridError> {
    let (f, il, res) = (ctx.f, b.il, b.res);
    let fm = formulas::indicator(ctx.catalog, ctx.layout, b.ind, il);
    let renseigne = res.is_some_and(|r| r.status == Status::Renseigne);
    let info = matches!(b.ind.measure, Measure::Information { .. });
    let yn = |b: Option<bool>| match b {
        Some(true) => OUI.to_string(),
        Some(false) => NON.to_string(),
        None => String::new(),
    };
    let rows: [(&str, Pos, &str, String); 6] = [
        (
            "Valeur / résultat",
            il.value,
            &fm.value,
            res.map(|r| opt(r.value)).unwrap_or_default(),
        ),
        (
            "Cible retenue",
            il.target,
            &fm.target,
            res.map(|r| opt(r.target)).unwrap_or_default(),
        ),
        (
            "Objectif atteint",
            il.met,
            &fm.met,
            res.map(|r| yn(r.met)).unwrap_or_default(),
        ),
        (
            "Part des points (0 à 1)",
            il.share,
            &fm.share,
            if renseigne && !info {
                res.map(|r| num(r.share.unwrap_or(Number::ZERO)))
                    .unwrap_or_default()
            } else {
                String::new()
            },
        ),
        (
            "Points après redistribution",
            il.weight,
            &fm.weight,
            res.map(|r| num(r.weight)).unwrap_or_default(),
        ),
        (
            "Points obtenus",
            il.points,
            &fm.points,
            res.map(|r| num(r.points)).unwrap_or_default(),
        ),
    ];
    for (label, pos, formula, cached) in rows {
        sh.text(pos.row, 0, "Calcul", &f.label)?;
        sh.text(pos.row, 1, label, &f.label)?;
        let fmt = if pos == il.met {
            &f.green
        } else {
            &f.green_num
        };
        sh.formula(pos, formula, cached, fmt)?;
    }
    Ok(())
}

/// The Synthèse sheet: title, column headers and volet titles, the labels of the
/// score rows (`score_rows`) and of the verdict rows (`verdict_rows`), then every
/// formula of `formulas::synthesis` with the core's results cached.
fn write_synth(
    wb: &mut Workbook,
    catalog: &Catalog,
    layout: &Layout,
    eval: &Evaluation,
    previous: Option<Number>,
    f: &Formats,
) -> Result<(), GridError> {
    let ws = wb.add_worksheet();
    setup(ws, SYNTH, &[48.0, 18.0, 18.0, 18.0, 18.0])?;
    let mut dummy = Vec::new();
    let mut sh = Sheet {
        ws,
        name: SYNTH.into(),
        cells: &mut dummy,
    };
    sh.text(
        0,
        0,
        &format!("{} — synthèse", catalog.campaign.title),
        &f.title,
    )?;
    sh.text(
        1,
        0,
        "Toutes les cellules de cette feuille sont calculées.",
        &Format::new().set_italic(),
    )?;
    for (c, h) in [
        "Volet",
        "Points en jeu",
        "Points obtenus",
        "Bonus",
        "Score du volet (%)",
    ]
    .iter()
    .enumerate()
    {
        sh.text(2, c as u16, h, &f.header)?;
    }
    let sy = &layout.synth;
    for (vi, vl) in layout.volets.iter().enumerate() {
        sh.text(sy.volet_rows[vi], 0, &vl.title, &f.label)?;
    }
    let mut cache = score_rows(&mut sh, catalog, sy, eval, f)?;
    verdict_rows(&mut sh, catalog, sy, eval, previous, f, &mut cache)?;
    for (vi, vr) in eval.volets.iter().enumerate() {
        let Some(&row) = sy.volet_rows.get(vi) else {
            continue;
        };
        cache.push((Pos::new(row, 1), num(vr.weight)));
        cache.push((Pos::new(row, 2), num(vr.points)));
        cache.push((Pos::new(row, 3), num(vr.bonus)));
        cache.push((Pos::new(row, 4), opt(vr.score)));
    }
    for (pos, formula) in formulas::synthesis(catalog, layout) {
        let cached = cache
            .iter()
            .find(|(p, _)| *p == pos)
            .map(|(_, c)| c.clone())
            .unwrap_or_default();
        let fmt = if pos == sy.verdict {
            &f.green
        } else {
            &f.green_num
        };
        sh.formula(pos, &formula, cached, fmt)?;
    }
    Ok(())
}

/// The labels of the score rows (points of reference, renseignés, to
/// redistribute, earned, score, bonus, total, rounded); returns the core's value of
/// each as the cached results of their formulas.
fn score_rows(
    sh: &mut Sheet,
    catalog: &Catalog,
    sy: &SynthLayout,
    eval: &Evaluation,
    f: &Formats,
) -> Result<Vec<(Pos, String)>, GridError> {
    let mut base = Number::ZERO;
    let mut applicable = Number::ZERO;
    let mut n = 0i64;
    let mut earned = Number::ZERO;
    for r in &eval.indicators {
        if r.role == Role::Scored {
            base = base.add(r.max_points).unwrap_or(base);
            if r.status == Status::Renseigne {
                applicable = applicable.add(r.max_points).unwrap_or(applicable);
                n += 1;
            }
            earned = earned.add(r.points).unwrap_or(earned);
        }
    }
    let score_label = score_label(catalog);
    let labels: Vec<(Pos, &str, String)> = vec![
        (
            sy.base,
            "Points de référence (indicateurs notés)",
            num(base),
        ),
        (
            sy.applicable,
            "Points des indicateurs notés renseignés",
            num(applicable),
        ),
        (
            sy.n_applicable,
            "Nombre d'indicateurs notés renseignés",
            n.to_string(),
        ),
        (
            sy.freed,
            "Points à redistribuer (non concernés, non mesurables)",
            num(base.sub(applicable).unwrap_or(base)),
        ),
        (sy.earned, "Points obtenus (indicateurs notés)", num(earned)),
        (sy.score, &score_label, opt(eval.score)),
        (sy.bonus, "Bonus (plafonné)", num(eval.bonus)),
        (sy.total, "Score total (score + bonus)", opt(eval.total)),
        (
            sy.rounded,
            "Score arrondi (comparé aux seuils)",
            opt(eval.total_rounded),
        ),
    ];
    for (p, l, _) in &labels {
        sh.text(p.row, 0, l, &f.label)?;
    }
    Ok(labels.into_iter().map(|(p, _, c)| (p, c)).collect())
}

/// The labels of the previous score, the threshold, the points missing and the
/// verdict (with its reason), and their cached results pushed to `cache`.
fn verdict_rows(
    sh: &mut Sheet,
    catalog: &Catalog,
    sy: &SynthLayout,
    eval: &Evaluation,
    previous: Option<Number>,
    f: &Formats,
    cache: &mut Vec<(Pos, String)>,
) -> Result<(), GridError> {
    let v = &eval.verdict;
    if let Some(p) = sy.previous {
        sh.text(p.row, 0, "Score de l'année précédente (arrondi)", &f.label)?;
        let rd = catalog.campaign.rounding;
        cache.push((p, opt(previous.map(|p| p.round(rd.decimals, rd.mode)))));
    }
    sh.text(
        sy.threshold.row,
        0,
        "Seuil d'intéressement atteignable",
        &f.label,
    )?;
    cache.push((sy.threshold, opt(v.threshold)));
    sh.text(
        sy.missing.row,
        0,
        "Points manquants pour l'intéressement",
        &f.label,
    )?;
    cache.push((sy.missing, opt(v.missing)));
    sh.text(sy.verdict.row, 0, "Verdict", &f.label)?;
    cache.push((
        sy.verdict,
        match v.interesse {
            Some(true) => INTERESSE.into(),
            Some(false) => NON_INTERESSE.into(),
            None => String::new(),
        },
    ));
    sh.text(sy.verdict.row, 2, &v.reason, &f.grey_text)
}

fn score_label(catalog: &Catalog) -> String {
    format!(
        "Score sur {} (avant bonus)",
        catalog.campaign.scale.to_french_auto()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_json_is_the_hash_of_the_canonical_text() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut answers = Answers::default();
        answers.establishment.name = "Clinique « Les Tilleuls »\n".into();
        assert_eq!(
            sha256_json(&answers),
            sha256_hex(&answers.to_canonical_json())
        );
        let value = serde_json::json!({"b": [1, 2.5, "é"], "a": null});
        assert_eq!(
            sha256_json(&value),
            sha256_hex(&serde_json::to_string(&value).unwrap_or_default())
        );
    }
}
