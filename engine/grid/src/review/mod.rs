//! The agency's review workbook (issue 10): one row per establishment ×
//! indicator field, with the agency's decision in pink cells, and the
//! official score as live formulas.
//!
//! Layout of the workbook:
//! - « Revue »: one row per establishment × field ([`fields`]); grey locked
//!   cells (FINESS, établissement, indicateur, libellé, champ, valeur
//!   auto-évaluée, statut, points, origine) and pink unlocked cells
//!   (« Décision » with a Validé / Corrigé / Refusé drop-down, « Valeur
//!   retenue », « Motif », always text); with the establishment's responses
//!   (`caqes review --reponses`, contradictory period), two more grey locked
//!   cells: « Réponse de l'établissement » and « Commentaire de l'établissement ».
//! - « Synthèse »: per establishment, the self-assessed score and verdict
//!   (values) beside the official score and verdict (formulas), and the
//!   number of decisions the establishment contested.
//! - one hidden sheet per establishment (`_es1`, `_es2`, …): the grid's
//!   formulas ([`crate::formulas`]) on a single sheet, whose input cells pick
//!   the retained value when the row's decision is Corrigé / Refusé, else
//!   the self-assessed value. One formula machinery for the grid and the review.
//! - hidden `_caqes`: catalog id and hash, review version and date, and per
//!   establishment the hash of the grid's answers.

#[cfg(feature = "read")]
pub mod read;

use crate::formulas::{self, INTERESSE, NON, NON_CONCERNE, NON_INTERESSE, NON_MESURABLE, OUI};
use crate::layout::{
    has_personalised_target, layout, CellKind, IdentField, IndicatorLayout, Layout, Pos,
    SynthLayout, COL_CALC,
};
use crate::normalise::clip;
use crate::writer::{catalog_hash, sha256_json};
use crate::GridError;
use caqes_engine::{
    Answers, Catalog, Evaluation, Funding, Indicator, IndicatorResult, Measure, Number,
    QuestionKind, Status,
};
use rust_xlsxwriter::{
    Color, DataValidation, Format, FormatAlign, FormatBorder, Formula, ProtectionOptions, Workbook,
    Worksheet,
};

/// Name of the review sheet.
pub const REVUE: &str = "Revue";
/// Name of the summary sheet of the review workbook.
pub const SYNTHESE: &str = "Synthèse";
/// Name of the hidden metadata sheet.
pub const META: &str = "_caqes";
/// `format` value of the metadata sheet.
pub const FORMAT: &str = "caqes-review";
/// Decision labels of the drop-down.
pub const VALIDE: &str = "Validé";
pub const CORRIGE: &str = "Corrigé";
pub const REFUSE: &str = "Refusé";
/// Value of the « Origine » column for rows pre-filled from agency data.
pub const ORIGINE_DONNEES: &str = "données";

/// Columns of the review sheet.
pub const HEADERS: [&str; 14] = [
    "FINESS",
    "Établissement",
    "Indicateur",
    "Libellé",
    "Champ",
    "Valeur auto-évaluée",
    "Statut",
    "Points",
    "Décision",
    "Valeur retenue",
    "Motif",
    "Origine",
    "Réponse de l'établissement",
    "Commentaire de l'établissement",
];
pub const COL_FINESS: u16 = 0;
pub const COL_INDICATOR: u16 = 2;
pub const COL_FIELD: u16 = 4;
pub const COL_SELF: u16 = 5;
pub const COL_DECISION: u16 = 8;
pub const COL_VALUE: u16 = 9;
pub const COL_MOTIF: u16 = 10;
pub const COL_ORIGIN: u16 = 11;
pub const COL_RESPONSE: u16 = 12;
pub const COL_COMMENT: u16 = 13;

/// Kind of a reviewable field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Status,
    Input,
    Criterion,
    Target,
    Evidence,
}

/// One reviewable field of an indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// As in `Problem` fields: `status`, `inputs.<id>`, `criteria.<id>`, `target`, `evidence.<id>`.
    pub path: String,
    pub label: String,
    pub kind: FieldKind,
    /// Grid cell kind (to find the cell in the grid layout).
    pub cell: CellKind,
}

/// The reviewable fields of an indicator, in grid order.
pub fn fields(ind: &Indicator) -> Vec<Field> {
    let mut out = vec![Field {
        path: "status".into(),
        label: "Statut déclaré".into(),
        kind: FieldKind::Status,
        cell: CellKind::Status,
    }];
    for i in ind.measure.inputs() {
        out.push(Field {
            path: format!("inputs.{}", i.id()),
            label: i.label().to_string(),
            kind: FieldKind::Input,
            cell: CellKind::Input(i.id().to_string()),
        });
    }
    if let Measure::Criteria { criteria } = &ind.measure {
        for c in criteria {
            out.push(Field {
                path: format!("criteria.{}", c.id),
                label: format!("Critère : {}", c.label),
                kind: FieldKind::Criterion,
                cell: CellKind::Criterion(c.id.clone()),
            });
        }
    }
    if has_personalised_target(ind) {
        out.push(Field {
            path: "target".into(),
            label: "Cible personnalisée".into(),
            kind: FieldKind::Target,
            cell: CellKind::Target,
        });
    }
    for e in &ind.evidence {
        out.push(Field {
            path: format!("evidence.{}", e.id),
            label: format!("Preuve : {}", e.label),
            kind: FieldKind::Evidence,
            cell: CellKind::Evidence(e.id.clone()),
        });
    }
    out
}

/// Hash of the answers of a grid, recorded in the review workbook to flag a
/// grid changed since the review was written.
pub fn answers_hash(answers: &Answers) -> String {
    // Answers::to_canonical_json is serde_json::to_string.
    sha256_json(answers)
}

/// One establishment of the review.
pub struct ReviewEntry<'a> {
    /// Grid file (shown in the summary sheet).
    pub file: String,
    /// Self-assessed answers (from the grid).
    pub answers: &'a Answers,
    /// Their evaluation.
    pub evaluation: &'a Evaluation,
    /// Official evaluation with the pre-filled decisions (cached results).
    pub official: &'a Evaluation,
}

/// A row pre-filled as « Corrigé »: the agency's data, or a decision of a
/// previous review version (a refusal is carried as the value it stands for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefill {
    pub finess: String,
    pub indicator: String,
    pub field: String,
    pub value: String,
    pub motif: String,
    /// From the agency's data (« Origine » données), else a previous review decision.
    pub from_data: bool,
}

/// The establishment's response to one decision (contradictory period),
/// shown beside it in the new version of the review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub finess: String,
    pub indicator: String,
    pub field: String,
    /// Accepted or contested.
    pub response: caqes_engine::Reponse,
    /// The establishment's comment.
    pub comment: String,
}

/// Version and dates of the review.
#[derive(Debug, Clone)]
pub struct ReviewMeta {
    /// Review version (1, 2, …).
    pub version: u32,
    /// Date of the review (JJ/MM/AAAA).
    pub date: String,
    /// Write time (passed in: no clock).
    pub written: String,
}

struct Formats {
    header: Format,
    grey: Format,
    grey_num: Format,
    grey_text: Format,
    pink_list: Format,
    pink: Format,
    pink_text: Format,
    title: Format,
}

fn formats() -> Formats {
    let base = Format::new()
        .set_border(FormatBorder::Thin)
        .set_border_color(Color::RGB(0xA0A0A0))
        .set_align(FormatAlign::Top);
    let grey = base.clone().set_background_color(Color::RGB(0xE0E0E0));
    let pink = base
        .clone()
        .set_background_color(Color::RGB(0xF8CBE0))
        .set_unlocked();
    Formats {
        header: base
            .clone()
            .set_bold()
            .set_background_color(Color::RGB(0x1F4E78))
            .set_font_color(Color::White)
            .set_text_wrap(),
        grey_num: grey.clone().set_num_format("#,##0.##########"),
        grey_text: grey.clone().set_num_format("@"),
        grey,
        pink_list: pink.clone(),
        pink_text: pink.clone().set_num_format("@"),
        pink,
        title: Format::new().set_bold().set_font_size(14),
    }
}

fn xe(e: rust_xlsxwriter::XlsxError) -> GridError {
    GridError::Write(e.to_string())
}

/// A self-assessed value as shown in the review sheet.
enum Shown {
    Blank,
    Text(String),
    Number(f64),
}

fn self_value(ans: Option<&caqes_engine::IndicatorAnswer>, f: &Field) -> Shown {
    let Some(a) = ans else { return Shown::Blank };
    let id = f.path.split_once('.').map(|(_, id)| id).unwrap_or("");
    match f.kind {
        FieldKind::Status => match a.status {
            None => Shown::Blank,
            Some(declared) => Shown::Text(declared.label().into()),
        },
        FieldKind::Input => match a.inputs.get(id) {
            None | Some(serde_json::Value::Null) => Shown::Blank,
            Some(serde_json::Value::Number(n)) => {
                n.as_f64().map(Shown::Number).unwrap_or(Shown::Blank)
            }
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => Shown::Blank,
            Some(serde_json::Value::String(s)) => Shown::Text(s.clone()),
            Some(other) => Shown::Text(other.to_string()),
        },
        FieldKind::Criterion => match a.criteria.get(id) {
            Some(true) => Shown::Text(OUI.into()),
            Some(false) => Shown::Text(NON.into()),
            None => Shown::Blank,
        },
        FieldKind::Target => a
            .target
            .map(|t| Shown::Number(t.to_f64()))
            .unwrap_or(Shown::Blank),
        FieldKind::Evidence => {
            if a.evidence.iter().any(|e| e == id) {
                Shown::Text(OUI.into())
            } else {
                Shown::Blank
            }
        }
    }
}

fn write_shown(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    v: &Shown,
    text: &Format,
    num: &Format,
) -> Result<(), GridError> {
    match v {
        Shown::Blank => ws.write_blank(row, col, text).map(|_| ()),
        Shown::Text(t) => ws
            .write_string_with_format(row, col, clip(t).0, text)
            .map(|_| ()),
        Shown::Number(n) => ws.write_number_with_format(row, col, *n, num).map(|_| ()),
    }
    .map_err(xe)
}

/// A prefilled value: a number when it reads as one (decimal comma or point), else text.
fn prefill_shown(v: &str) -> Shown {
    let t = v.trim().trim_end_matches('%').trim();
    match Number::parse(t) {
        Some(n) if !t.is_empty() => Shown::Number(n.to_f64()),
        _ if t.is_empty() => Shown::Blank,
        _ => Shown::Text(v.to_string()),
    }
}

/// Rows of the review sheet for one establishment: (first row, last row) and
/// the row of each (indicator, field path).
struct Block {
    first: u32,
    last: u32,
    rows: Vec<(String, String, u32)>,
}

impl Block {
    fn row(&self, indicator: &str, field: &str) -> Option<u32> {
        self.rows
            .iter()
            .find(|(i, f, _)| i == indicator && f == field)
            .map(|(_, _, r)| *r)
    }
}

/// Writes the review workbook. Entries are written in the given order.
pub fn write_review(
    catalog: &Catalog,
    entries: &[ReviewEntry<'_>],
    prefill: &[Prefill],
    meta: &ReviewMeta,
) -> Result<Vec<u8>, GridError> {
    write_review_with_responses(catalog, entries, prefill, &[], meta)
}

/// [`write_review`] with the establishments' responses to the previous
/// version beside each decision, and the contested count in « Synthèse ».
pub fn write_review_with_responses(
    catalog: &Catalog,
    entries: &[ReviewEntry<'_>],
    prefill: &[Prefill],
    responses: &[Response],
    meta: &ReviewMeta,
) -> Result<Vec<u8>, GridError> {
    let f = formats();
    let mut wb = Workbook::new();
    let blocks = write_revue(&mut wb, catalog, entries, prefill, responses, &f)?;
    write_synthese(&mut wb, catalog, entries, &blocks, responses, meta, &f)?;
    let grid_layout = layout(catalog);
    for (i, (e, b)) in entries.iter().zip(&blocks).enumerate() {
        write_calc(&mut wb, catalog, &grid_layout, i, e, b)?;
    }
    write_meta(&mut wb, catalog, entries, meta)?;
    wb.save_to_buffer().map_err(xe)
}

fn protect(ws: &mut Worksheet) {
    let opts = ProtectionOptions {
        use_autofilter: true,
        sort: true,
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::default()
    };
    ws.protect_with_options(&opts);
}

/// The « Revue » sheet: one row per establishment × field (180,000 rows for
/// 3,000 establishments). Natively its rows go to a temporary file as they
/// are completed (rust_xlsxwriter's low-memory mode: shared strings kept,
/// rows written in increasing order, as [`write_revue`] does); the hidden
/// sheets are written at layout positions, out of row order, and stay in
/// memory.
#[cfg(not(target_arch = "wasm32"))]
fn revue_sheet(wb: &mut Workbook) -> Result<&mut Worksheet, GridError> {
    wb.add_worksheet_with_low_memory().map_err(|e| match e {
        rust_xlsxwriter::XlsxError::TempFileError(dir, why) => GridError::Write(format!(
            "fichier temporaire impossible à créer dans « {} » ({why}) : vérifier que le dossier temporaire (variable TMPDIR) existe et est accessible en écriture",
            dir.display()
        )),
        e => xe(e),
    })
}

#[cfg(target_arch = "wasm32")]
fn revue_sheet(wb: &mut Workbook) -> Result<&mut Worksheet, GridError> {
    Ok(wb.add_worksheet())
}

/// Which cell of the « Revue » sheet a prefilled decision or a response goes to:
/// (FINESS, indicator, field path).
type FieldKey<'a> = (&'a str, &'a str, &'a str);

/// The self-assessed part of a row of the « Revue » sheet: the establishment, the
/// indicator and its field, its answer and its result.
struct SelfAssessed<'a> {
    finess: &'a str,
    name: &'a str,
    ind: &'a Indicator,
    fd: &'a Field,
    ans: Option<&'a caqes_engine::IndicatorAnswer>,
    res: Option<&'a caqes_engine::IndicatorResult>,
}

/// The « Revue » sheet: headers, then one row per establishment × field (self-assessed
/// value, statut, points; the agency's decision; the establishment's response).
fn write_revue(
    wb: &mut Workbook,
    catalog: &Catalog,
    entries: &[ReviewEntry<'_>],
    prefill: &[Prefill],
    responses: &[Response],
    f: &Formats,
) -> Result<Vec<Block>, GridError> {
    let ws = revue_sheet(wb)?;
    ws.set_name(REVUE).map_err(xe)?;
    write_revue_headers(ws, f)?;
    let mut row = 1u32;
    let mut blocks = Vec::with_capacity(entries.len());
    let fields_of: Vec<(&Indicator, Vec<Field>)> =
        catalog.indicators.iter().map(|i| (i, fields(i))).collect();
    let prefilled: std::collections::HashMap<FieldKey<'_>, &Prefill> = prefill
        .iter()
        .map(|p| {
            (
                (p.finess.as_str(), p.indicator.as_str(), p.field.as_str()),
                p,
            )
        })
        .collect();
    let answered: std::collections::HashMap<FieldKey<'_>, &Response> = responses
        .iter()
        .map(|r| {
            (
                (r.finess.as_str(), r.indicator.as_str(), r.field.as_str()),
                r,
            )
        })
        .collect();
    for e in entries {
        let finess = &e.answers.establishment.finess;
        let name = clip(&e.answers.establishment.name).0;
        let first = row;
        let mut rows = Vec::new();
        for (ind, fl) in &fields_of {
            let ans = e.answers.indicators.get(ind.id.as_str());
            let res = e.evaluation.indicator(&ind.id);
            for fd in fl {
                let row_of = SelfAssessed {
                    finess,
                    name: &name,
                    ind,
                    fd,
                    ans,
                    res,
                };
                write_self_assessed(ws, row, &row_of, f)?;
                let key = (finess.as_str(), ind.id.as_str(), fd.path.as_str());
                write_decision(ws, row, prefilled.get(&key).copied(), f)?;
                write_response(ws, row, answered.get(&key).copied(), f)?;
                rows.push((ind.id.to_string(), fd.path.clone(), row));
                row += 1;
            }
        }
        blocks.push(Block {
            first,
            last: row.saturating_sub(1).max(first),
            rows,
        });
    }
    finish_revue(ws, row.saturating_sub(1).max(1))?;
    Ok(blocks)
}

/// The header row of the « Revue » sheet and its column widths.
fn write_revue_headers(ws: &mut Worksheet, f: &Formats) -> Result<(), GridError> {
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &f.header)
            .map_err(xe)?;
    }
    for (c, w) in [
        11.0, 30.0, 14.0, 50.0, 22.0, 16.0, 14.0, 9.0, 12.0, 16.0, 50.0, 10.0, 14.0, 50.0,
    ]
    .iter()
    .enumerate()
    {
        ws.set_column_width(c as u16, *w).map_err(xe)?;
    }
    Ok(())
}

/// The grey cells of a row: establishment, indicator, field, self-assessed value, statut, points.
fn write_self_assessed(
    ws: &mut Worksheet,
    row: u32,
    s: &SelfAssessed<'_>,
    f: &Formats,
) -> Result<(), GridError> {
    let (ind, fd) = (s.ind, s.fd);
    ws.write_string_with_format(row, COL_FINESS, s.finess, &f.grey)
        .map_err(xe)?;
    ws.write_string_with_format(row, 1, s.name, &f.grey)
        .map_err(xe)?;
    ws.write_string_with_format(row, COL_INDICATOR, &ind.id, &f.grey)
        .map_err(xe)?;
    ws.write_string_with_format(
        row,
        3,
        clip(&format!("{} — {} — {}", ind.code, ind.title, fd.label)).0,
        &f.grey,
    )
    .map_err(xe)?;
    ws.write_string_with_format(row, COL_FIELD, &fd.path, &f.grey)
        .map_err(xe)?;
    write_shown(
        ws,
        row,
        COL_SELF,
        &self_value(s.ans, fd),
        &f.grey,
        &f.grey_num,
    )?;
    match s.res {
        Some(r) => {
            ws.write_string_with_format(row, 6, r.status.label(), &f.grey)
                .map_err(xe)?;
            ws.write_number_with_format(row, 7, r.points.to_f64(), &f.grey_num)
                .map_err(xe)?;
        }
        None => {
            ws.write_blank(row, 6, &f.grey).map_err(xe)?;
            ws.write_blank(row, 7, &f.grey).map_err(xe)?;
        }
    }
    Ok(())
}

/// The pink cells of a row (décision, valeur retenue, motif) and the origin: blank,
/// or « Corrigé » prefilled from the agency's data or a previous review.
fn write_decision(
    ws: &mut Worksheet,
    row: u32,
    pre: Option<&Prefill>,
    f: &Formats,
) -> Result<(), GridError> {
    match pre {
        Some(p) => {
            ws.write_string_with_format(row, COL_DECISION, CORRIGE, &f.pink_list)
                .map_err(xe)?;
            write_shown(
                ws,
                row,
                COL_VALUE,
                &prefill_shown(&p.value),
                &f.pink_text,
                &f.pink,
            )?;
            ws.write_string_with_format(row, COL_MOTIF, clip(&p.motif).0, &f.pink_text)
                .map_err(xe)?;
            if p.from_data {
                ws.write_string_with_format(row, COL_ORIGIN, ORIGINE_DONNEES, &f.grey)
                    .map_err(xe)?;
            } else {
                ws.write_blank(row, COL_ORIGIN, &f.grey).map_err(xe)?;
            }
        }
        None => {
            ws.write_blank(row, COL_DECISION, &f.pink_list)
                .map_err(xe)?;
            ws.write_blank(row, COL_VALUE, &f.pink).map_err(xe)?;
            ws.write_blank(row, COL_MOTIF, &f.pink_text).map_err(xe)?;
            ws.write_blank(row, COL_ORIGIN, &f.grey).map_err(xe)?;
        }
    }
    Ok(())
}

/// The establishment's response to the previous version and its comment (grey), if any.
fn write_response(
    ws: &mut Worksheet,
    row: u32,
    response: Option<&Response>,
    f: &Formats,
) -> Result<(), GridError> {
    match response {
        Some(r) => {
            ws.write_string_with_format(row, COL_RESPONSE, r.response.label(), &f.grey)
                .map_err(xe)?;
            ws.write_string_with_format(row, COL_COMMENT, clip(&r.comment).0, &f.grey_text)
                .map_err(xe)?;
        }
        None => {
            ws.write_blank(row, COL_RESPONSE, &f.grey).map_err(xe)?;
            ws.write_blank(row, COL_COMMENT, &f.grey).map_err(xe)?;
        }
    }
    Ok(())
}

/// The lists and help of the decision and value columns down to row `last`, frozen
/// panes, autofilter, protection.
fn finish_revue(ws: &mut Worksheet, last: u32) -> Result<(), GridError> {
    let dv = DataValidation::new()
        .allow_list_strings(&[VALIDE, CORRIGE, REFUSE])
        .map_err(xe)?
        .set_error_message("Choisir Validé, Corrigé ou Refusé.")
        .map_err(xe)?;
    ws.add_data_validation(1, COL_DECISION, last, COL_DECISION, &dv)
        .map_err(xe)?;
    let help = DataValidation::new()
        .allow_any_value()
        .set_input_title("Valeur retenue")
        .map_err(xe)?
        .set_input_message(
            "Corrigé : la valeur retenue (nombre, Oui / Non, Renseigné / NC / NM). Refusé : obligatoire pour une saisie ; un critère refusé vaut Non, un NC/NM refusé vaut Renseigné.",
        )
        .map_err(xe)?;
    ws.add_data_validation(1, COL_VALUE, last, COL_VALUE, &help)
        .map_err(xe)?;
    ws.set_freeze_panes(1, 3).map_err(xe)?;
    ws.autofilter(0, 0, last, HEADERS.len() as u16 - 1)
        .map_err(xe)?;
    protect(ws);
    Ok(())
}

fn verdict_label(e: &Evaluation) -> &'static str {
    match e.verdict.interesse {
        Some(true) => INTERESSE,
        Some(false) => NON_INTERESSE,
        None => "",
    }
}

/// Name of the hidden calculation sheet of the `i`-th establishment.
pub fn calc_sheet(i: usize) -> String {
    format!("_es{}", i + 1)
}

/// The « Synthèse » sheet: one row per establishment, self-assessed score and verdict
/// beside the official ones (live formulas on its hidden sheet) and the decisions.
fn write_synthese(
    wb: &mut Workbook,
    catalog: &Catalog,
    entries: &[ReviewEntry<'_>],
    blocks: &[Block],
    responses: &[Response],
    meta: &ReviewMeta,
    f: &Formats,
) -> Result<(), GridError> {
    let ws = wb.add_worksheet();
    ws.set_name(SYNTHESE).map_err(xe)?;
    write_synthese_headers(ws, catalog, meta, f)?;
    let sy = relocate(&layout(catalog), "x").synth;
    let green = Format::new()
        .set_background_color(Color::RGB(0xC6EFCE))
        .set_border(FormatBorder::Thin)
        .set_num_format("#,##0.##########");
    for (i, (e, b)) in entries.iter().zip(blocks).enumerate() {
        let row = 3 + i as u32;
        write_self_assessed_summary(ws, row, e, f)?;
        write_official(ws, row, &calc_sheet(i), b, e, &sy, &green)?;
        write_contested(ws, row, e, responses, f)?;
    }
    ws.set_freeze_panes(3, 2).map_err(xe)?;
    protect(ws);
    Ok(())
}

/// The title, the version line, the column headers and widths of « Synthèse ».
fn write_synthese_headers(
    ws: &mut Worksheet,
    catalog: &Catalog,
    meta: &ReviewMeta,
    f: &Formats,
) -> Result<(), GridError> {
    ws.write_string_with_format(
        0,
        0,
        clip(&format!("{} — revue de l'agence", catalog.campaign.title)).0,
        &f.title,
    )
    .map_err(xe)?;
    ws.write_string(
        1,
        0,
        clip(&format!(
            "Revue version {} du {}. Score officiel : recalculé à chaque décision saisie dans la feuille « Revue ».",
            meta.version, meta.date
        ))
        .0,
    )
    .map_err(xe)?;
    let heads = [
        "FINESS",
        "Établissement",
        "Grille",
        "Score auto-évalué",
        "Verdict auto-évalué",
        "Score officiel",
        "Verdict officiel",
        "Décisions (Corrigé / Refusé)",
        "Décisions contestées par l'établissement",
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &f.header)
            .map_err(xe)?;
    }
    for (c, w) in [11.0, 36.0, 30.0, 14.0, 16.0, 14.0, 16.0, 16.0, 18.0]
        .iter()
        .enumerate()
    {
        ws.set_column_width(c as u16, *w).map_err(xe)?;
    }
    Ok(())
}

/// The grey cells of an establishment's row of « Synthèse »: FINESS, name, grid file,
/// self-assessed score and verdict.
fn write_self_assessed_summary(
    ws: &mut Worksheet,
    row: u32,
    e: &ReviewEntry<'_>,
    f: &Formats,
) -> Result<(), GridError> {
    let a = &e.answers.establishment;
    ws.write_string_with_format(row, 0, &a.finess, &f.grey)
        .map_err(xe)?;
    ws.write_string_with_format(row, 1, clip(&a.name).0, &f.grey)
        .map_err(xe)?;
    ws.write_string_with_format(row, 2, clip(&e.file).0, &f.grey)
        .map_err(xe)?;
    match e.evaluation.total_rounded {
        Some(t) => ws.write_number_with_format(row, 3, t.to_f64(), &f.grey_num),
        None => ws.write_blank(row, 3, &f.grey),
    }
    .map_err(xe)?;
    ws.write_string_with_format(row, 4, verdict_label(e.evaluation), &f.grey)
        .map_err(xe)?;
    Ok(())
}

/// The green cells of an establishment's row of « Synthèse »: official score and verdict
/// read from its hidden `sheet`, count of decisions in its block `b` of « Revue ».
fn write_official(
    ws: &mut Worksheet,
    row: u32,
    sheet: &str,
    b: &Block,
    e: &ReviewEntry<'_>,
    sy: &SynthLayout,
    green: &Format,
) -> Result<(), GridError> {
    let cached_score = e
        .official
        .total_rounded
        .map(|t| format!("{}", t.to_f64()))
        .unwrap_or_default();
    let fm = Formula::new(format!("={}", crate::layout::qref(sheet, sy.rounded)))
        .set_result(cached_score);
    ws.write_formula_with_format(row, 5, fm, green)
        .map_err(xe)?;
    let fm = Formula::new(format!("={}", crate::layout::qref(sheet, sy.verdict)))
        .set_result(verdict_label(e.official));
    ws.write_formula_with_format(row, 6, fm, green)
        .map_err(xe)?;
    let range = format!("{REVUE}!$I${}:$I${}", b.first + 1, b.last + 1);
    let fm = Formula::new(format!(
        "=COUNTIF({range},\"{CORRIGE}\")+COUNTIF({range},\"{REFUSE}\")"
    ));
    ws.write_formula_with_format(row, 7, fm, green)
        .map_err(xe)?;
    Ok(())
}

/// How many decisions the establishment contested (blank without a response).
fn write_contested(
    ws: &mut Worksheet,
    row: u32,
    e: &ReviewEntry<'_>,
    responses: &[Response],
    f: &Formats,
) -> Result<(), GridError> {
    let a = &e.answers.establishment;
    let mine: Vec<&Response> = responses.iter().filter(|r| r.finess == a.finess).collect();
    if mine.is_empty() {
        ws.write_blank(row, 8, &f.grey).map_err(xe)?;
    } else {
        let contested = mine
            .iter()
            .filter(|r| r.response == caqes_engine::Reponse::Conteste)
            .count();
        ws.write_number_with_format(row, 8, contested as f64, &f.grey_num)
            .map_err(xe)?;
    }
    Ok(())
}

/// The grid layout moved onto one sheet: identification, volets and summary
/// one below the other (same columns), so that the grid's formulas work
/// unchanged on a single hidden sheet per establishment.
pub fn relocate(l: &Layout, sheet: &str) -> Layout {
    let mut out = l.clone();
    let mut offset = 0u32;
    let ident_max = l
        .ident
        .iter()
        .map(|r| r.pos.row)
        .chain([l.ident_catalog.row + 1])
        .max()
        .unwrap_or(0);
    let shift = |p: &mut Pos, by: u32| p.row += by;
    shift(&mut out.ident_catalog, offset);
    for r in &mut out.ident {
        shift(&mut r.pos, offset);
    }
    offset += ident_max + 2;
    for vl in &l.volets {
        let max = vl
            .indicators
            .iter()
            .map(|&i| l.indicators[i].last_row)
            .max()
            .unwrap_or(0);
        for &i in &vl.indicators {
            let il = &mut out.indicators[i];
            il.sheet = sheet.to_string();
            il.header_row += offset;
            il.last_row += offset;
            for p in [
                &mut il.status_calc,
                &mut il.value,
                &mut il.target,
                &mut il.met,
                &mut il.share,
                &mut il.weight,
                &mut il.points,
            ] {
                shift(p, offset);
            }
            for (_, p) in &mut il.inputs {
                shift(p, offset);
            }
            for (_, p) in &mut il.retained {
                shift(p, offset);
            }
        }
        offset += max + 2;
    }
    for v in &mut out.volets {
        v.sheet = sheet.to_string();
    }
    let sy = &mut out.synth;
    for r in &mut sy.volet_rows {
        *r += offset;
    }
    for p in [
        &mut sy.base,
        &mut sy.applicable,
        &mut sy.n_applicable,
        &mut sy.freed,
        &mut sy.earned,
        &mut sy.score,
        &mut sy.bonus,
        &mut sy.total,
        &mut sy.rounded,
        &mut sy.threshold,
        &mut sy.missing,
        &mut sy.verdict,
    ] {
        shift(p, offset);
    }
    if let Some(p) = &mut sy.previous {
        shift(p, offset);
    }
    out.ident_sheet = sheet.to_string();
    out.synth_sheet = sheet.to_string();
    out
}

/// Identification value as the grid writes it (labels, Oui/Non, numbers).
fn ident_value(catalog: &Catalog, field: &IdentField, a: &Answers) -> Shown {
    let e = &a.establishment;
    let text = |t: &str| {
        if t.is_empty() {
            Shown::Blank
        } else {
            Shown::Text(t.to_string())
        }
    };
    let json = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => Shown::Blank,
        Some(serde_json::Value::Number(n)) => n.as_f64().map(Shown::Number).unwrap_or(Shown::Blank),
        Some(serde_json::Value::String(s)) => text(s),
        Some(serde_json::Value::Bool(b)) => Shown::Text(if *b { OUI } else { NON }.into()),
        Some(o) => Shown::Text(o.to_string()),
    };
    match field {
        IdentField::Finess => text(&e.finess),
        IdentField::Name => text(&e.name),
        IdentField::Departement => text(&e.departement),
        IdentField::LegalStatus => e
            .legal_status
            .map(|l| Shown::Text(l.label().into()))
            .unwrap_or(Shown::Blank),
        IdentField::Funding => e
            .funding
            .map(|l: Funding| Shown::Text(l.label().into()))
            .unwrap_or(Shown::Blank),
        IdentField::Category(c) => {
            if e.categories.contains(c) {
                Shown::Text(OUI.into())
            } else if e.categories.is_empty() {
                Shown::Blank
            } else {
                Shown::Text(NON.into())
            }
        }
        IdentField::Beds => e
            .beds
            .map(|b| Shown::Number(b as f64))
            .unwrap_or(Shown::Blank),
        IdentField::Places => e
            .places
            .map(|b| Shown::Number(b as f64))
            .unwrap_or(Shown::Blank),
        IdentField::PreviousScore => a
            .previous_score
            .map(|n| Shown::Number(n.to_f64()))
            .unwrap_or(Shown::Blank),
        IdentField::Question(id, kind) => {
            let v = e.answers.get(id);
            match (kind, v) {
                (QuestionKind::Choice, Some(serde_json::Value::String(s))) => catalog
                    .question(id)
                    .and_then(|q| q.options.iter().find(|o| &o.id == s))
                    .map(|o| Shown::Text(o.label.clone()))
                    .unwrap_or_else(|| text(s)),
                _ => json(v),
            }
        }
    }
}

/// Formula of an input cell of the hidden sheet: the retained value when the
/// row's decision is Corrigé / Refusé, else the self-assessed value.
fn input_formula(kind: FieldKind, row: u32) -> String {
    let r = row + 1;
    let d = format!("{REVUE}!$I${r}");
    let j = format!("{REVUE}!$J${r}");
    let fv = format!("{REVUE}!$F${r}");
    let own = format!("IF({fv}=\"\",\"\",{fv})");
    let typed = format!("IF({j}=\"\",\"\",{j})");
    let q = |s: &str| format!("\"{s}\"");
    match kind {
        FieldKind::Input | FieldKind::Target => {
            format!("IF(OR({d}={},{d}={}),{typed},{own})", q(CORRIGE), q(REFUSE))
        }
        FieldKind::Criterion | FieldKind::Evidence => {
            let yes = format!(
                "IF(OR({j}=\"oui\",{j}=\"vrai\",{j}=\"true\",{j}=\"1\",{j}=1,{j}=TRUE),{},IF({j}=\"\",\"\",{}))",
                q(OUI),
                q(NON)
            );
            format!(
                "IF({d}={},{},IF({d}={},{yes},{own}))",
                q(REFUSE),
                q(NON),
                q(CORRIGE)
            )
        }
        FieldKind::Status => {
            let st = format!(
                "IF(OR({j}=\"NC\",{j}=\"non concerné\",{j}=\"non_concerne\",{j}=\"non concerne\"),{},IF(OR({j}=\"NM\",{j}=\"non mesurable\",{j}=\"non_mesurable\"),{},IF({j}=\"\",\"\",{})))",
                q(NON_CONCERNE),
                q(NON_MESURABLE),
                q(Status::Renseigne.label())
            );
            format!(
                "IF({d}={},{},IF({d}={},{st},{own}))",
                q(REFUSE),
                q(Status::Renseigne.label()),
                q(CORRIGE)
            )
        }
    }
}

fn num_cache(n: Option<Number>) -> String {
    n.map(|n| format!("{}", n.to_f64())).unwrap_or_default()
}

/// A formula of the hidden sheet with its cached result.
fn calc_formula(f: String, cache: String) -> Formula {
    Formula::new(format!("={f}")).set_result(cache)
}

/// The hidden calculation sheet of the `i`-th establishment: the grid's formulas on a
/// relocated layout, reading the retained values of the « Revue » rows of block `b`.
fn write_calc(
    wb: &mut Workbook,
    catalog: &Catalog,
    grid_layout: &Layout,
    i: usize,
    e: &ReviewEntry<'_>,
    b: &Block,
) -> Result<(), GridError> {
    let name = calc_sheet(i);
    let l = relocate(grid_layout, &name);
    let ws = wb.add_worksheet();
    ws.set_name(&name).map_err(xe)?;
    let plain = Format::new();
    for r in &l.ident {
        let v = ident_value(catalog, &r.field, e.answers);
        write_shown(ws, r.pos.row, r.pos.col, &v, &plain, &plain)?;
    }
    let off = &e.official;
    for ind in &catalog.indicators {
        let Some(il) = l.indicator(&ind.id) else {
            continue;
        };
        let res = off.indicator(&ind.id);
        write_calc_inputs(ws, catalog, &l, ind, il, b, res)?;
        write_calc_results(ws, catalog, &l, ind, il, res)?;
    }
    write_calc_synthesis(ws, catalog, &l, off)?;
    ws.set_hidden(true);
    ws.protect();
    Ok(())
}

/// An indicator's inputs on the hidden sheet: each field's formula reading its
/// « Revue » row, the statut, the retained inputs and the criteria's points.
fn write_calc_inputs(
    ws: &mut Worksheet,
    catalog: &Catalog,
    l: &Layout,
    ind: &Indicator,
    il: &IndicatorLayout,
    b: &Block,
    res: Option<&IndicatorResult>,
) -> Result<(), GridError> {
    for fd in fields(ind) {
        let (Some(pos), Some(row)) = (il.input(&fd.cell), b.row(&ind.id, &fd.path)) else {
            continue;
        };
        if fd.kind == FieldKind::Evidence {
            continue; // evidence does not score
        }
        ws.write_formula(
            pos.row,
            pos.col,
            calc_formula(input_formula(fd.kind, row), String::new()),
        )
        .map_err(xe)?;
    }
    let st = formulas::status(catalog, l, ind, il);
    let cache = res
        .map(|r| r.status.label().to_string())
        .unwrap_or_default();
    ws.write_formula(
        il.status_calc.row,
        il.status_calc.col,
        calc_formula(st, cache),
    )
    .map_err(xe)?;
    for input in ind.measure.inputs() {
        let (Some(cell), Some(rp)) = (
            il.input(&CellKind::Input(input.id().to_string())),
            il.retained(input.id()),
        ) else {
            continue;
        };
        let f = formulas::retained(l, catalog, input, cell);
        ws.write_formula(rp.row, rp.col, calc_formula(f, String::new()))
            .map_err(xe)?;
    }
    if let Measure::Criteria { criteria } = &ind.measure {
        for c in criteria {
            if let Some(p) = il.input(&CellKind::Criterion(c.id.clone())) {
                ws.write_number(p.row, COL_CALC, c.points.to_f64())
                    .map_err(xe)?;
            }
        }
    }
    Ok(())
}

/// An indicator's computed cells (value, target, met, share, weight, points) with the
/// official result cached.
fn write_calc_results(
    ws: &mut Worksheet,
    catalog: &Catalog,
    l: &Layout,
    ind: &Indicator,
    il: &IndicatorLayout,
    res: Option<&IndicatorResult>,
) -> Result<(), GridError> {
    let f = formulas::indicator(catalog, l, ind, il);
    let yn = |b: Option<bool>| match b {
        Some(true) => OUI.to_string(),
        Some(false) => NON.to_string(),
        None => String::new(),
    };
    let renseigne = res.is_some_and(|r| r.status == Status::Renseigne);
    let info = matches!(ind.measure, Measure::Information { .. });
    let cells = [
        (
            il.value,
            f.value,
            res.map(|r| num_cache(r.value)).unwrap_or_default(),
        ),
        (
            il.target,
            f.target,
            res.map(|r| num_cache(r.target)).unwrap_or_default(),
        ),
        (il.met, f.met, res.map(|r| yn(r.met)).unwrap_or_default()),
        (
            il.share,
            f.share,
            if renseigne && !info {
                res.map(|r| num_cache(Some(r.share.unwrap_or(Number::ZERO))))
                    .unwrap_or_default()
            } else {
                String::new()
            },
        ),
        (
            il.weight,
            f.weight,
            res.map(|r| num_cache(Some(r.weight))).unwrap_or_default(),
        ),
        (
            il.points,
            f.points,
            res.map(|r| num_cache(Some(r.points))).unwrap_or_default(),
        ),
    ];
    for (p, f, cache) in cells {
        ws.write_formula(p.row, p.col, calc_formula(f, cache))
            .map_err(xe)?;
    }
    Ok(())
}

/// The summary formulas on the hidden sheet, the official score and verdict cached.
fn write_calc_synthesis(
    ws: &mut Worksheet,
    catalog: &Catalog,
    l: &Layout,
    off: &Evaluation,
) -> Result<(), GridError> {
    let sy = &l.synth;
    for (pos, f) in formulas::synthesis(catalog, l) {
        let cache = if pos == sy.rounded {
            num_cache(off.total_rounded)
        } else if pos == sy.verdict {
            verdict_label(off).to_string()
        } else if pos == sy.score {
            num_cache(off.score)
        } else if pos == sy.total {
            num_cache(off.total)
        } else {
            String::new()
        };
        ws.write_formula(pos.row, pos.col, calc_formula(f, cache))
            .map_err(xe)?;
    }
    Ok(())
}

fn write_meta(
    wb: &mut Workbook,
    catalog: &Catalog,
    entries: &[ReviewEntry<'_>],
    meta: &ReviewMeta,
) -> Result<(), GridError> {
    let ws = wb.add_worksheet();
    ws.set_name(META).map_err(xe)?;
    let rows: Vec<(String, String)> = vec![
        ("format".into(), FORMAT.into()),
        ("catalog_id".into(), catalog.campaign.id.clone()),
        ("catalog_sha256".into(), catalog_hash(catalog)),
        ("engine_version".into(), caqes_engine::ENGINE_VERSION.into()),
        ("review_version".into(), meta.version.to_string()),
        ("review_date".into(), meta.date.clone()),
        ("written".into(), meta.written.clone()),
        ("establishments".into(), entries.len().to_string()),
    ];
    let mut r = 0u32;
    for (k, v) in &rows {
        ws.write_string(r, 0, k).map_err(xe)?;
        ws.write_string(r, 1, clip(v).0).map_err(xe)?;
        r += 1;
    }
    for e in entries {
        ws.write_string(r, 0, &e.answers.establishment.finess)
            .map_err(xe)?;
        ws.write_string(r, 1, answers_hash(e.answers)).map_err(xe)?;
        ws.write_string(r, 2, clip(&e.file).0).map_err(xe)?;
        r += 1;
    }
    ws.set_hidden(true);
    ws.protect();
    Ok(())
}
