//! Spreadsheet formulas reproducing the core's rules (`caqes_engine::evaluate`).
//!
//! Every computed cell of the grid is a real formula, so that the grid keeps
//! scoring when an establishment edits it in Excel or LibreOffice. Floating
//! point noise is removed with `ROUND(…, 9)` where the core is exact.

use crate::layout::{qref, CellKind, IdentField, IndicatorLayout, Layout, Pos};
use caqes_engine::{
    Catalog, Category, Condition, Criterion, Funding, Indicator, Input, InputRef, LegalStatus,
    Measure, Number, NumeratorOnly, Op, QuestionKind, Redistribution, Role, RoundingMode, Scoring,
    Selector, Target, Term, Unit,
};

/// Status and verdict labels, as shown in the drop-down lists and cells.
pub use caqes_engine::labels::{INTERESSE, NON_CONCERNE, NON_INTERESSE, NON_MESURABLE, RENSEIGNE};
pub const OUI: &str = "Oui";
pub const NON: &str = "Non";
pub const INVALID: &str = "invalide";

/// A number as a formula literal.
pub fn lit(n: Number) -> String {
    let s = n.to_decimal_string(12);
    if s.starts_with('-') {
        format!("({s})")
    } else {
        s
    }
}

fn s(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn ident(layout: &Layout, field: &IdentField) -> Option<String> {
    layout
        .ident_pos(field)
        .map(|p| qref(&layout.ident_sheet, p))
}

/// The catalog's rounding of `x` (an expression), with float noise removed.
pub fn round_rule(catalog: &Catalog, x: &str) -> String {
    let d = catalog.campaign.rounding.decimals.min(12);
    match catalog.campaign.rounding.mode {
        RoundingMode::HalfUp => format!("ROUND(ROUND({x},9),{d})"),
        RoundingMode::Down => format!("ROUNDDOWN(ROUND({x},9),{d})"),
        RoundingMode::Up => format!("ROUNDUP(ROUND({x},9),{d})"),
        RoundingMode::HalfEven => {
            let p = format!("1E{d}");
            let y = format!("ROUND(({x})*{p},9)");
            format!(
                "IF(ABS(MOD({y},1))=0.5,IF(MOD(INT({y}),2)=0,INT({y}),INT({y})+1),ROUND({y},0))/{p}"
            )
        }
    }
}

/// Legal status label in the identification sheet (expression).
fn funding_expr(layout: &Layout) -> String {
    let f = ident(layout, &IdentField::Funding).unwrap_or_default();
    let ls = ident(layout, &IdentField::LegalStatus).unwrap_or_default();
    format!(
        "IF(OR({f}={dg},{f}={oqn}),{f},IF(OR({ls}={pu},{ls}={es}),{dg},IF({ls}={pr},{oqn},\"\")))",
        dg = s(Funding::ExDg.label()),
        oqn = s(Funding::ExOqn.label()),
        pu = s(LegalStatus::Public.label()),
        es = s(LegalStatus::Espic.label()),
        pr = s(LegalStatus::Prive.label()),
    )
}

/// (known, matches) expressions of each part of a selector.
fn selector_parts(catalog: &Catalog, layout: &Layout, sel: &Selector) -> Vec<(String, String)> {
    let mut parts = Vec::new();
    if !sel.categories.is_empty() {
        let cells: Vec<String> = Category::ALL
            .iter()
            .filter_map(|c| ident(layout, &IdentField::Category(*c)))
            .collect();
        let known = format!(
            "OR({})",
            cells
                .iter()
                .map(|c| format!("{c}={}", s(OUI)))
                .collect::<Vec<_>>()
                .join(",")
        );
        let m = format!(
            "OR({})",
            sel.categories
                .iter()
                .filter_map(|c| ident(layout, &IdentField::Category(*c)))
                .map(|c| format!("{c}={}", s(OUI)))
                .collect::<Vec<_>>()
                .join(",")
        );
        parts.push((known, m));
    }
    if !sel.legal_status.is_empty() {
        let ls = ident(layout, &IdentField::LegalStatus).unwrap_or_default();
        let known = format!(
            "OR({})",
            LegalStatus::ALL
                .iter()
                .map(|l| format!("{ls}={}", s(l.label())))
                .collect::<Vec<_>>()
                .join(",")
        );
        let m = format!(
            "OR({})",
            sel.legal_status
                .iter()
                .map(|l| format!("{ls}={}", s(l.label())))
                .collect::<Vec<_>>()
                .join(",")
        );
        parts.push((known, m));
    }
    if !sel.funding.is_empty() {
        let f = funding_expr(layout);
        let known = format!("{f}<>\"\"");
        let m = format!(
            "OR({})",
            sel.funding
                .iter()
                .map(|x| format!("{f}={}", s(x.label())))
                .collect::<Vec<_>>()
                .join(",")
        );
        parts.push((known, m));
    }
    for cond in &sel.when {
        parts.push(condition(catalog, layout, cond));
    }
    parts
}

fn condition(catalog: &Catalog, layout: &Layout, cond: &Condition) -> (String, String) {
    let q = catalog.question(&cond.question);
    let Some(q) = q else {
        return ("FALSE".into(), "FALSE".into());
    };
    let Some(cell) = ident(layout, &IdentField::Question(q.id.clone(), q.kind)) else {
        return ("FALSE".into(), "FALSE".into());
    };
    let known = format!("LEN(TRIM({cell}))>0");
    let m = match (&cond.equals, q.kind) {
        (serde_json::Value::Bool(b), QuestionKind::Bool) => {
            format!("{cell}={}", s(if *b { OUI } else { NON }))
        }
        (serde_json::Value::String(id), QuestionKind::Choice) => {
            match q.options.iter().find(|o| &o.id == id) {
                Some(o) => format!("{cell}={}", s(&o.label)),
                None => "FALSE".into(),
            }
        }
        (serde_json::Value::String(t), QuestionKind::Text) => format!("{cell}={}", s(t)),
        (serde_json::Value::Number(n), QuestionKind::Integer) => match Number::from_json(n) {
            Some(n) => format!("AND(ISNUMBER({cell}),{cell}={})", lit(n)),
            None => "FALSE".into(),
        },
        _ => "FALSE".into(),
    };
    (known, m)
}

/// Expression true when the selector certainly does not match.
fn selector_false(catalog: &Catalog, layout: &Layout, sel: &Selector) -> String {
    let parts = selector_parts(catalog, layout, sel);
    if parts.is_empty() {
        return "FALSE".into();
    }
    format!(
        "OR({})",
        parts
            .iter()
            .map(|(k, m)| format!("AND({k},NOT({m}))"))
            .collect::<Vec<_>>()
            .join(",")
    )
}

/// Expression true when the selector certainly matches.
fn selector_true(catalog: &Catalog, layout: &Layout, sel: &Selector) -> String {
    let parts = selector_parts(catalog, layout, sel);
    if parts.is_empty() {
        return "TRUE".into();
    }
    format!(
        "AND({})",
        parts
            .iter()
            .map(|(k, m)| format!("{k},{m}"))
            .collect::<Vec<_>>()
            .join(",")
    )
}

/// Effective status of an indicator.
pub fn status(catalog: &Catalog, layout: &Layout, ind: &Indicator, il: &IndicatorLayout) -> String {
    let st = il
        .input(&CellKind::Status)
        .map(|p| qref(&il.sheet, p))
        .unwrap_or_default();
    let mut declared = s(RENSEIGNE);
    if ind.nm_allowed {
        declared = format!(
            "IF({st}={},{},{declared})",
            s(NON_MESURABLE),
            s(NON_MESURABLE)
        );
    }
    if ind.nc_allowed {
        declared = format!(
            "IF({st}={},{},{declared})",
            s(NON_CONCERNE),
            s(NON_CONCERNE)
        );
    }
    let nm = match &ind.not_measurable_for {
        Some(sel) => selector_true(catalog, layout, sel),
        None => "FALSE".into(),
    };
    let nc = selector_false(catalog, layout, &ind.applies_to);
    let mut f = declared;
    if nm != "FALSE" {
        f = format!("IF({nm},{},{f})", s(NON_MESURABLE));
    }
    if nc != "FALSE" {
        f = format!("IF({nc},{},{f})", s(NON_CONCERNE));
    }
    f
}

/// Prefill expression of an input (number or "").
fn prefill(layout: &Layout, catalog: &Catalog, source: &str) -> String {
    let num = |c: String| format!("IF(ISNUMBER({c}),IF(AND({c}>=0,{c}=INT({c})),{c},\"\"),\"\")");
    // Another indicator's input: its retained value, already checked for its
    // unit (a number, "" or « invalide »), like the core's `prefill`.
    if let Some((ind_id, input_id)) = source.split_once('.') {
        return layout
            .indicator(ind_id)
            .and_then(|il| il.retained(input_id).map(|p| qref(&il.sheet, p)))
            .map(|c| format!("IF(ISNUMBER({c}),{c},\"\")"))
            .unwrap_or_else(|| "\"\"".into());
    }
    match source {
        "lits" => ident(layout, &IdentField::Beds).map(num),
        "places" => ident(layout, &IdentField::Places).map(num),
        "lits_et_places" => {
            let b = ident(layout, &IdentField::Beds)
                .map(num)
                .unwrap_or_default();
            let p = ident(layout, &IdentField::Places)
                .map(num)
                .unwrap_or_default();
            Some(format!(
                "IF(AND(ISNUMBER({b})=FALSE,ISNUMBER({p})=FALSE),\"\",N({b})+N({p}))"
            ))
        }
        q => catalog
            .question(q)
            .and_then(|q| ident(layout, &IdentField::Question(q.id.clone(), q.kind)))
            .map(num),
    }
    .unwrap_or_else(|| "\"\"".into())
}

/// Retained value of a numeric input: the number, "" when missing, "invalide" when invalid.
pub fn retained(layout: &Layout, catalog: &Catalog, input: InputRef<'_>, cell: Pos) -> String {
    let c = cell.a1();
    let p = match input.prefill() {
        Some(src) => prefill(layout, catalog, src),
        None => "\"\"".into(),
    };
    let check = match input.unit() {
        Unit::Count => format!("{c}=INT({c})"),
        Unit::Amount => format!("ROUND({c},2)={c}"),
        Unit::Percent => format!("{c}<=100"),
    };
    format!(
        "IF(LEN(TRIM({c}))=0,{p},IF(ISNUMBER({c}),IF(AND({c}>=0,{check}),{c},{inv}),{inv}))",
        inv = s(INVALID)
    )
}

/// Whether every expression is a number.
fn all_numbers(xs: &[String]) -> String {
    if xs.is_empty() {
        return "TRUE".into();
    }
    format!(
        "AND({})",
        xs.iter()
            .map(|x| format!("ISNUMBER({x})"))
            .collect::<Vec<_>>()
            .join(",")
    )
}

fn target_expr(il: &IndicatorLayout, t: &Target) -> String {
    if t.personalised {
        match il.input(&CellKind::Target) {
            Some(p) => {
                let c = p.a1();
                format!("IF(ISNUMBER({c}),IF({c}>=0,{c},\"\"),\"\")")
            }
            None => "\"\"".into(),
        }
    } else {
        t.value.map(lit).unwrap_or_else(|| "\"\"".into())
    }
}

fn share_expr(op: Op, scoring: &Scoring, v: &str, t: &str) -> String {
    let met = match op {
        Op::AtLeast => format!("{v}>={t}"),
        Op::AtMost => format!("{v}<={t}"),
    };
    let partial = match scoring {
        Scoring::AllOrNothing => "0".to_string(),
        Scoring::Linear { floor } => {
            let f = lit(floor.unwrap_or(Number::ZERO));
            let wrong_dir = match op {
                Op::AtLeast => format!("({t})-{f}<0"),
                Op::AtMost => format!("({t})-{f}>0"),
            };
            format!("IF(OR(({t})-{f}=0,{wrong_dir}),0,MAX(0,MIN(1,(({v})-{f})/(({t})-{f}))))")
        }
        Scoring::Tiers { tiers } => {
            let mut terms = vec!["0".to_string()];
            for tier in tiers {
                let reached = match op {
                    Op::AtLeast => format!("{v}>={}", lit(tier.from)),
                    Op::AtMost => format!("{v}<={}", lit(tier.from)),
                };
                terms.push(format!("IF({reached},{}/100,0)", lit(tier.share)));
            }
            format!("MAX({})", terms.join(","))
        }
    };
    format!("IF({met},1,{partial})")
}

/// Formulas of the computed cells of one indicator: (value, target, met, share, weight, points).
pub struct IndicatorFormulas {
    pub value: String,
    pub target: String,
    pub met: String,
    pub share: String,
    pub weight: String,
    pub points: String,
}

/// The cells one indicator's formulas read: its retained inputs, its value and
/// target cells, whether it is renseigné, and the direction of its target.
struct Cells<'a> {
    il: &'a IndicatorLayout,
    /// « status is Renseigné » (expression).
    ren: String,
    /// The value cell.
    v: String,
    /// The retained target cell.
    t: String,
    op: Op,
}

impl Cells<'_> {
    /// The retained value cell of input `id`, "" when it has none.
    fn r(&self, id: &str) -> String {
        self.il
            .retained(id)
            .map(|p| p.a1())
            .unwrap_or_else(|| "\"\"".into())
    }

    /// (value, target, share) of a measure whose value is `value`, scored by
    /// `scoring` against `target`.
    fn scored(
        &self,
        value: String,
        target: &Target,
        scoring: &Scoring,
    ) -> (String, String, String) {
        (
            value,
            target_expr(self.il, target),
            share_expr(self.op, scoring, &self.v, &self.t),
        )
    }
}

/// The formulas of the computed cells of one indicator: its measure's value,
/// target and share (one function per measure kind), whether the objective is met,
/// and the points by `weight_points`.
pub fn indicator(
    catalog: &Catalog,
    layout: &Layout,
    ind: &Indicator,
    il: &IndicatorLayout,
) -> IndicatorFormulas {
    let c = Cells {
        il,
        ren: format!("{}={}", il.status_calc.a1(), s(RENSEIGNE)),
        v: il.value.a1(),
        t: il.target.a1(),
        op: ind.measure.target().map(|t| t.op).unwrap_or(Op::AtLeast),
    };
    let (value, target, share) = match &ind.measure {
        Measure::Rate {
            numerator,
            denominator,
            target,
            scoring,
            numerator_only,
            numerator_may_exceed,
        } => rate(
            &c,
            &numerator.id,
            &denominator.id,
            target,
            scoring,
            numerator_only.as_ref(),
            *numerator_may_exceed,
        ),
        Measure::Evolution {
            previous,
            current,
            target,
            scoring,
        } => c.scored(evolution_value(&c, previous, current), target, scoring),
        Measure::Count {
            terms,
            target,
            scoring,
        } => c.scored(count_value(&c, terms), target, scoring),
        Measure::Distribution {
            total,
            parts,
            counted,
            excluded,
            excluded_counted,
            target,
            scoring,
        } => {
            let excluded = (excluded.as_ref(), excluded_counted.as_ref());
            let value = distribution_value(&c, total, parts, counted, excluded);
            c.scored(value, target, scoring)
        }
        Measure::Criteria { criteria } => {
            return criteria_formulas(&c, criteria, weight_points(catalog, layout, ind, il));
        }
        Measure::Information { inputs } => {
            return information_formulas(&c, inputs, weight_points(catalog, layout, ind, il));
        }
    };
    let (ren, v, t) = (&c.ren, &c.v, &c.t);
    let met_cmp = match c.op {
        Op::AtLeast => format!("{v}>={t}"),
        Op::AtMost => format!("{v}<={t}"),
    };
    // Like the core: the value is rounded (`value_decimals`) before its comparison.
    let value = match catalog.campaign.value_decimals {
        Some(d) => format!("IF(ISNUMBER({value}),ROUND({value},{}),{value})", d.min(12)),
        None => value,
    };
    let (weight, points) = weight_points(catalog, layout, ind, il);
    IndicatorFormulas {
        value: format!("IF({ren},{value},\"\")"),
        target: format!("IF({ren},{target},\"\")"),
        met: format!(
            "IF(AND(ISNUMBER({v}),ISNUMBER({t})),IF({met_cmp},{},{}),\"\")",
            s(OUI),
            s(NON)
        ),
        share: format!("IF({ren},IF(AND(ISNUMBER({v}),ISNUMBER({t})),{share},0),\"\")"),
        weight,
        points,
    }
}

/// (value, target, share) of a rate: numerator / denominator in percent, or the
/// numerator alone against its own target when the catalog allows it and the
/// denominator is empty.
fn rate(
    c: &Cells,
    numerator: &str,
    denominator: &str,
    target: &Target,
    scoring: &Scoring,
    numerator_only: Option<&NumeratorOnly>,
    numerator_may_exceed: bool,
) -> (String, String, String) {
    let n = c.r(numerator);
    let d = c.r(denominator);
    let rate = format!("ROUND({n}/{d}*100,9)");
    // Like the core: a numerator above the denominator is an input
    // error (no rate) unless the catalog allows it.
    let rate = if numerator_may_exceed {
        rate
    } else {
        format!("IF({n}>{d},\"\",{rate})")
    };
    let main = format!(
        "IF({},IF({d}=0,\"\",{rate}),\"\")",
        all_numbers(&[n.clone(), d.clone()])
    );
    let Some(no) = numerator_only else {
        return c.scored(main, target, scoring);
    };
    let (v, t, il) = (&c.v, &c.t, c.il);
    let mode = format!("AND(ISNUMBER({n}),{d}=\"\")");
    // Like the core (`numerator_only_cap`): the numerator alone never
    // scores more than the least favourable rate it could have.
    let rt = target_expr(il, target);
    let highest = if numerator_may_exceed {
        format!("MAX({n},1)*100")
    } else {
        "100".to_string()
    };
    let cap = format!(
        "IF(ISNUMBER({rt}),MIN({},{}),0)",
        share_expr(target.op, scoring, "0", &rt),
        share_expr(target.op, scoring, &highest, &rt)
    );
    (
        format!("IF({mode},{n},{main})"),
        format!(
            "IF({mode},{},{})",
            target_expr(il, &no.target),
            target_expr(il, target)
        ),
        format!(
            "IF({mode},MIN({},{cap}),{})",
            share_expr(c.op, &no.scoring, v, t),
            share_expr(c.op, scoring, v, t)
        ),
    )
}

/// The value of an evolution: (current − previous) / previous in percent.
fn evolution_value(c: &Cells, previous: &Input, current: &Input) -> String {
    let p = c.r(&previous.id);
    let cur = c.r(&current.id);
    format!(
        "IF({},IF({p}=0,\"\",ROUND(({cur}-{p})/{p}*100,9)),\"\")",
        all_numbers(&[p.clone(), cur.clone()])
    )
}

/// The value of a weighted count: the sum of each term times its weight.
fn count_value(c: &Cells, terms: &[Term]) -> String {
    let xs: Vec<String> = terms.iter().map(|t| c.r(&t.id)).collect();
    let sum = if terms.is_empty() {
        "0".to_string()
    } else {
        terms
            .iter()
            .zip(&xs)
            .map(|(t, x)| format!("{x}*{}", lit(t.weight)))
            .collect::<Vec<_>>()
            .join("+")
    };
    format!("IF({},ROUND({sum},9),\"\")", all_numbers(&xs))
}

/// The value of a distribution: the counted parts, less the excluded counted,
/// over the total less the excluded, in percent, when the parts add up to the
/// total and the exclusions fit (`excluded`: the excluded and excluded counted
/// inputs).
fn distribution_value(
    c: &Cells,
    total: &Input,
    parts: &[Input],
    counted: &[String],
    excluded: (Option<&Input>, Option<&Input>),
) -> String {
    let tot = c.r(&total.id);
    let ps: Vec<String> = parts.iter().map(|p| c.r(&p.id)).collect();
    let ex = excluded.0.map(|e| c.r(&e.id));
    let exc = excluded.1.map(|e| c.r(&e.id));
    let mut all = vec![tot.clone()];
    all.extend(ps.iter().cloned());
    all.extend(ex.iter().cloned());
    all.extend(exc.iter().cloned());
    let sum = if ps.is_empty() {
        "0".into()
    } else {
        ps.join("+")
    };
    let counted_sum: Vec<String> = parts
        .iter()
        .zip(&ps)
        .filter(|(p, _)| counted.contains(&p.id))
        .map(|(_, x)| x.clone())
        .collect();
    let counted_sum = if counted_sum.is_empty() {
        "0".into()
    } else {
        format!("({})", counted_sum.join("+"))
    };
    let exv = ex.clone().unwrap_or_else(|| "0".into());
    let excv = exc.clone().unwrap_or_else(|| "0".into());
    let ok = format!(
        "AND(ROUND(({sum})-{tot},9)=0,{exv}<={tot},{excv}<={exv},{excv}<={counted_sum},ROUND({tot}-{exv},9)<>0)"
    );
    format!(
        "IF({},IF({ok},ROUND(({counted_sum}-{excv})/({tot}-{exv})*100,9),\"\"),\"\")",
        all_numbers(&all)
    )
}

/// The formulas of a criteria indicator: the points of the criteria answered Oui,
/// out of all their points; no share while a criterion is unanswered.
fn criteria_formulas(
    c: &Cells,
    criteria: &[Criterion],
    (weight, points): (String, String),
) -> IndicatorFormulas {
    let (ren, v, t) = (&c.ren, &c.v, &c.t);
    let cells: Vec<(String, Number)> = criteria
        .iter()
        .filter_map(|cr| {
            c.il.input(&CellKind::Criterion(cr.id.clone()))
                .map(|p| (p.a1(), cr.points))
        })
        .collect();
    let met_sum = if cells.is_empty() {
        "0".into()
    } else {
        cells
            .iter()
            .map(|(cell, p)| format!("IF({cell}={},{},0)", s(OUI), lit(*p)))
            .collect::<Vec<_>>()
            .join("+")
    };
    let mut all = Number::ZERO;
    for cr in criteria {
        all = all.add(cr.points).unwrap_or(all);
    }
    let missing = if cells.is_empty() {
        "FALSE".into()
    } else {
        format!(
            "OR({})",
            cells
                .iter()
                .map(|(cell, _)| format!("AND({cell}<>{},{cell}<>{})", s(OUI), s(NON)))
                .collect::<Vec<_>>()
                .join(",")
        )
    };
    let share = if all.is_zero() {
        "0".to_string()
    } else {
        format!("IF({missing},0,{v}/{})", lit(all))
    };
    IndicatorFormulas {
        value: format!("IF({ren},{met_sum},\"\")"),
        target: format!("IF({ren},{},\"\")", lit(all)),
        met: format!("IF({ren},IF({v}={t},{},{}),\"\")", s(OUI), s(NON)),
        share: format!("IF({ren},{share},\"\")"),
        weight,
        points,
    }
}

/// The formulas of an information indicator (not scored): its one input's value
/// when it has one input, nothing else.
fn information_formulas(
    c: &Cells,
    inputs: &[Input],
    (weight, points): (String, String),
) -> IndicatorFormulas {
    let value = if inputs.len() == 1 {
        let x = c.r(&inputs[0].id);
        format!("IF({},IF(ISNUMBER({x}),{x},\"\"),\"\")", c.ren)
    } else {
        "\"\"".into()
    };
    IndicatorFormulas {
        value,
        target: "\"\"".into(),
        met: "\"\"".into(),
        share: "\"\"".into(),
        weight,
        points,
    }
}

fn weight_points(
    catalog: &Catalog,
    layout: &Layout,
    ind: &Indicator,
    il: &IndicatorLayout,
) -> (String, String) {
    let ren = format!("{}={}", il.status_calc.a1(), s(RENSEIGNE));
    let pts = lit(ind.points);
    let sy = &layout.synth;
    let weight = match ind.role {
        Role::Information => "0".to_string(),
        Role::Bonus => format!("IF({ren},{pts},0)"),
        Role::Scored => match catalog.campaign.redistribution {
            Redistribution::Proportional => format!(
                "IF({ren},{pts}*{}/{},0)",
                qref(&layout.synth_sheet, sy.base),
                qref(&layout.synth_sheet, sy.applicable)
            ),
            Redistribution::Equal => format!(
                "IF({ren},{pts}+{}/{},0)",
                qref(&layout.synth_sheet, sy.freed),
                qref(&layout.synth_sheet, sy.n_applicable)
            ),
        },
    };
    let share = il.share.a1();
    let points = match ind.role {
        Role::Information => "0".to_string(),
        _ => format!(
            "IF({ren},{}*IF(ISNUMBER({share}),{share},0),0)",
            il.weight.a1()
        ),
    };
    (weight, points)
}

fn chain(terms: Vec<String>) -> String {
    if terms.is_empty() {
        "0".into()
    } else {
        terms.join("+")
    }
}

/// Formulas of the summary sheet, by position: the redistribution, the score and
/// its total, the intéressement verdict, then the volets.
pub fn synthesis(catalog: &Catalog, layout: &Layout) -> Vec<(Pos, String)> {
    let mut out = Vec::new();
    redistribution_formulas(catalog, layout, &mut out);
    total_formulas(catalog, layout, &mut out);
    verdict_formulas(catalog, layout, &mut out);
    volet_formulas(catalog, layout, &mut out);
    out
}

/// The points of the scored indicators (base), those of the renseigné ones
/// (applicable) and their count, the points freed for redistribution, and the
/// points earned.
fn redistribution_formulas(catalog: &Catalog, layout: &Layout, out: &mut Vec<(Pos, String)>) {
    let sy = &layout.synth;
    let scored: Vec<(&Indicator, &IndicatorLayout)> = catalog
        .indicators
        .iter()
        .filter_map(|i| layout.indicator(&i.id).map(|l| (i, l)))
        .filter(|(i, _)| i.role == Role::Scored)
        .collect();
    let ren =
        |il: &IndicatorLayout| format!("{}={}", qref(&il.sheet, il.status_calc), s(RENSEIGNE));
    let mut base = Number::ZERO;
    for (i, _) in &scored {
        base = base.add(i.points).unwrap_or(base);
    }
    out.push((sy.base, lit(base)));
    out.push((
        sy.applicable,
        chain(
            scored
                .iter()
                .map(|(i, l)| format!("IF({},{},0)", ren(l), lit(i.points)))
                .collect(),
        ),
    ));
    out.push((
        sy.n_applicable,
        chain(
            scored
                .iter()
                .map(|(_, l)| format!("IF({},1,0)", ren(l)))
                .collect(),
        ),
    ));
    out.push((sy.freed, format!("{}-{}", sy.base.a1(), sy.applicable.a1())));
    out.push((
        sy.earned,
        chain(
            scored
                .iter()
                .map(|(_, l)| qref(&l.sheet, l.points))
                .collect(),
        ),
    ));
}

/// The score on the campaign's scale, the capped bonus, the total (capped at the
/// scale when the campaign says so), its rounding, and the previous score rounded
/// alike.
fn total_formulas(catalog: &Catalog, layout: &Layout, out: &mut Vec<(Pos, String)>) {
    let sy = &layout.synth;
    out.push((
        sy.score,
        format!(
            "IF(OR({n}=0,{b}=0),\"\",{e}*{scale}/{b})",
            n = sy.n_applicable.a1(),
            b = sy.base.a1(),
            e = sy.earned.a1(),
            scale = lit(catalog.campaign.scale)
        ),
    ));
    let bonus_cells: Vec<String> = catalog
        .indicators
        .iter()
        .filter(|i| i.role == Role::Bonus)
        .filter_map(|i| layout.indicator(&i.id))
        .map(|l| qref(&l.sheet, l.points))
        .collect();
    out.push((
        sy.bonus,
        format!(
            "MIN({},{})",
            chain(bonus_cells),
            lit(catalog.campaign.bonus_max)
        ),
    ));
    out.push((
        sy.total,
        format!(
            "IF(ISNUMBER({sc}),{sum},\"\")",
            sc = sy.score.a1(),
            sum = if catalog.campaign.cap_total_at_scale {
                format!(
                    "MIN({}+{},{})",
                    sy.score.a1(),
                    sy.bonus.a1(),
                    lit(catalog.campaign.scale)
                )
            } else {
                format!("{}+{}", sy.score.a1(), sy.bonus.a1())
            }
        ),
    ));
    let t = sy.total.a1();
    out.push((
        sy.rounded,
        format!("IF(ISNUMBER({t}),{},\"\")", round_rule(catalog, &t)),
    ));
    if let (Some(p), Some(src)) = (sy.previous, layout.ident_pos(&IdentField::PreviousScore)) {
        let c = qref(&layout.ident_sheet, src);
        out.push((
            p,
            format!("IF(ISNUMBER({c}),{},\"\")", round_rule(catalog, &c)),
        ));
    }
}

/// The intéressement: the threshold to reach (`band_needs`), the verdict (a band
/// met, `band_met`) and the points missing.
fn verdict_formulas(catalog: &Catalog, layout: &Layout, out: &mut Vec<(Pos, String)>) {
    let sy = &layout.synth;
    let prev = sy.previous.map(|p| p.a1());
    let rd = sy.rounded.a1();
    let (thr, thr_above) = band_needs(catalog, prev.as_deref(), &rd);
    let ok = band_met(catalog, prev.as_deref(), &rd);
    let v = sy.verdict.a1();
    let thr = format!("IF({v}={},{thr},{thr_above})", s(INTERESSE));
    out.push((
        sy.threshold,
        format!("IF(ISNUMBER({rd}),IF({thr}>=1E+300,\"\",{thr}),\"\")"),
    ));
    out.push((
        sy.verdict,
        format!(
            "IF(ISNUMBER({rd}),IF({ok},{},{}),\"\")",
            s(INTERESSE),
            s(NON_INTERESSE)
        ),
    ));
    let th = sy.threshold.a1();
    out.push((
        sy.missing,
        format!(
            "IF(ISNUMBER({rd}),IF({v}={},0,IF(ISNUMBER({th}),MAX(0,{th}-{rd}),\"\")),\"\")",
            s(INTERESSE),
            v = sy.verdict.a1()
        ),
    ));
}

/// The thresholds (as `caqes_engine::verdict`): each band's need (its minimum,
/// raised above the previous score `prev` for a progression band when known);
/// intéressé: the lowest need; otherwise the lowest need above the rounded score
/// `rd`. Returns (lowest need, lowest need above the score); 1E+300 when none.
fn band_needs(catalog: &Catalog, prev: Option<&str>, rd: &str) -> (String, String) {
    let step = lit(
        Number::ratio(1, 10i128.pow(catalog.campaign.rounding.decimals.min(12)))
            .unwrap_or(Number::ONE),
    );
    let mut needs = Vec::new();
    let mut needs_above = Vec::new();
    for band in &catalog.interessement.bands {
        let min = lit(band.min);
        let need = match (prev, band.progression) {
            (Some(p), true) => format!("IF(ISNUMBER({p}),MAX({min},{p}+{step}),{min})"),
            _ => min,
        };
        let need = match band.below {
            Some(b) => format!("IF({need}>={},1E+300,{need})", lit(b)),
            None => need,
        };
        needs_above.push(format!("IF({need}>{rd},{need},1E+300)"));
        needs.push(need);
    }
    let min_of = |v: &[String]| {
        if v.is_empty() {
            "1E+300".to_string()
        } else {
            format!("MIN({})", v.join(","))
        }
    };
    (min_of(&needs), min_of(&needs_above))
}

/// Whether the rounded score `rd` meets a band (its minimum, its upper bound, a
/// progression over the previous score `prev`); without bands, whether the
/// campaign pays amounts.
fn band_met(catalog: &Catalog, prev: Option<&str>, rd: &str) -> String {
    let mut oks = Vec::new();
    for band in &catalog.interessement.bands {
        let mut c = vec![format!("{rd}>={}", lit(band.min))];
        if let Some(b) = band.below {
            c.push(format!("{rd}<{}", lit(b)));
        }
        if band.progression {
            match prev {
                Some(p) => {
                    c.push(format!("ISNUMBER({p})"));
                    c.push(format!("{rd}>N({p})"));
                }
                None => c.push("FALSE".into()),
            }
        }
        oks.push(format!("AND({})", c.join(",")));
    }
    if oks.is_empty() {
        // Paid as amounts without bands: intéressé as soon as there is a score (verdict.rs).
        if catalog.interessement.amounts.is_some() {
            "TRUE".into()
        } else {
            "FALSE".into()
        }
    } else {
        format!("OR({})", oks.join(","))
    }
}

/// Per volet: weight, points, bonus and score in columns B..E of its row.
fn volet_formulas(catalog: &Catalog, layout: &Layout, out: &mut Vec<(Pos, String)>) {
    for (vi, vl) in layout.volets.iter().enumerate() {
        let row = layout.synth.volet_rows[vi];
        let mut w = Vec::new();
        let mut p = Vec::new();
        let mut b = Vec::new();
        for &ii in &vl.indicators {
            let il = &layout.indicators[ii];
            let Some(ind) = catalog.indicator(&il.id) else {
                continue;
            };
            match ind.role {
                Role::Scored => {
                    w.push(qref(&il.sheet, il.weight));
                    p.push(qref(&il.sheet, il.points));
                }
                Role::Bonus => b.push(qref(&il.sheet, il.points)),
                Role::Information => {}
            }
        }
        let wp = Pos::new(row, 1);
        let pp = Pos::new(row, 2);
        out.push((wp, chain(w)));
        out.push((pp, chain(p)));
        out.push((Pos::new(row, 3), chain(b)));
        out.push((
            Pos::new(row, 4),
            format!("IF({w}=0,\"\",{p}/{w}*100)", w = wp.a1(), p = pp.a1()),
        ));
    }
}

/// Every computed (green) cell of a grid with its formula (without `=`), as
/// the writer writes it: `(sheet, position, formula)`. The reader compares a
/// received grid with this list to find overwritten or altered formulas.
pub fn expected(catalog: &Catalog, layout: &Layout) -> Vec<(String, Pos, String)> {
    let mut out = Vec::new();
    for il in &layout.indicators {
        let Some(ind) = catalog.indicator(&il.id) else {
            continue;
        };
        let sheet = il.sheet.clone();
        out.push((
            sheet.clone(),
            il.status_calc,
            status(catalog, layout, ind, il),
        ));
        for input in ind.measure.inputs() {
            let id = input.id().to_string();
            if let (Some(cell), Some(rp)) =
                (il.input(&CellKind::Input(id.clone())), il.retained(&id))
            {
                out.push((sheet.clone(), rp, retained(layout, catalog, input, cell)));
            }
        }
        let fm = indicator(catalog, layout, ind, il);
        for (pos, f) in [
            (il.value, fm.value),
            (il.target, fm.target),
            (il.met, fm.met),
            (il.share, fm.share),
            (il.weight, fm.weight),
            (il.points, fm.points),
        ] {
            out.push((sheet.clone(), pos, f));
        }
    }
    for (pos, f) in synthesis(catalog, layout) {
        out.push((layout.synth_sheet.clone(), pos, f));
    }
    out
}

/// A canonical spelling of a formula, so that the same formula re-saved by
/// another spreadsheet compares equal: leading `=` dropped; outside string
/// literals, blanks, `$` (absolute references) and sheet-name quotes removed,
/// letters upper-cased, `_xlfn.`/`_xlws.`/`of:` prefixes and `[.` `]` ODF
/// brackets removed, `TRUE()`/`FALSE()` read as `TRUE`/`FALSE`, numeric
/// literals written in one way (`1E2`, `100.0` → `100`). String literals are
/// kept as they are.
pub fn canonical_formula(formula: &str) -> String {
    let f = formula.trim();
    let f = f.strip_prefix('=').unwrap_or(f);
    let chars: Vec<char> = f.chars().collect();
    let mut out = String::with_capacity(f.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            // String literal, `""` escapes a quote.
            out.push('"');
            i += 1;
            while i < chars.len() {
                out.push(chars[i]);
                if chars[i] == '"' {
                    if chars.get(i + 1) == Some(&'"') {
                        out.push('"');
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        let prev_ident = out
            .chars()
            .last()
            .is_some_and(|p| p.is_alphanumeric() || p == '_' || p == '.');
        if (c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            && !prev_ident
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            // Exponent.
            if i < chars.len() && matches!(chars[i], 'e' | 'E') {
                let mut j = i + 1;
                if j < chars.len() && matches!(chars[j], '+' | '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    while j < chars.len() && chars[j].is_ascii_digit() {
                        j += 1;
                    }
                    i = j;
                }
            }
            let lit: String = chars[start..i].iter().collect();
            out.push_str(&canonical_number(&lit));
            continue;
        }
        match c {
            c if c.is_whitespace() => {}
            '$' | '\'' | '[' | ']' => {}
            c => out.extend(c.to_uppercase()),
        }
        i += 1;
    }
    for prefix in ["_XLFN.", "_XLWS.", "OF:"] {
        out = out.replace(prefix, "");
    }
    // An ODF reference `[.A1]` became `.A1`: drop the dot before a column letter.
    out = out.replace("(.", "(").replace(",.", ",").replace(";.", ";");
    out.replace("TRUE()", "TRUE").replace("FALSE()", "FALSE")
}

/// `1E2`, `100.0`, `0100` → `100`; `0.50` → `0.5`; `1.5E-1` → `0.15`.
fn canonical_number(lit: &str) -> String {
    let upper = lit.to_ascii_uppercase();
    let (mantissa, exp) = match upper.split_once('E') {
        Some((m, e)) => (m.to_string(), e.parse::<i64>().unwrap_or(0)),
        None => (upper.clone(), 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((&mantissa, ""));
    if !int_part.chars().all(|c| c.is_ascii_digit())
        || !frac_part.chars().all(|c| c.is_ascii_digit())
    {
        return upper;
    }
    let digits = format!("{int_part}{frac_part}");
    // Position of the decimal point within `digits`.
    let point = int_part.len() as i64 + exp;
    if !(-400..=400).contains(&point) {
        return upper;
    }
    let (int_digits, frac_digits) = if point <= 0 {
        (
            String::new(),
            format!("{}{digits}", "0".repeat((-point) as usize)),
        )
    } else if point as usize >= digits.len() {
        (
            format!("{digits}{}", "0".repeat(point as usize - digits.len())),
            String::new(),
        )
    } else {
        (
            digits[..point as usize].to_string(),
            digits[point as usize..].to_string(),
        )
    };
    let int_digits = int_digits.trim_start_matches('0');
    let frac_digits = frac_digits.trim_end_matches('0');
    let int_digits = if int_digits.is_empty() {
        "0"
    } else {
        int_digits
    };
    if frac_digits.is_empty() {
        int_digits.to_string()
    } else {
        format!("{int_digits}.{frac_digits}")
    }
}

#[cfg(test)]
mod tests {
    use super::canonical_formula as c;

    #[test]
    fn libreoffice_and_excel_spellings_are_the_same_formula() {
        let ours = "IF(D24=\"Renseigné\",30*'Synthèse'!$B$6/'Synthèse'!$B$7,0)";
        for other in [
            "=IF(D24=\"Renseigné\",30*Synthèse!$B$6/Synthèse!$B$7,0)",
            "if(d24 = \"Renseigné\", 30 * Synthèse!B6 / 'Synthèse'!B7, 0)",
            "IF(D24=\"Renseigné\",3E1*Synthèse!$B$6/Synthèse!$B$7,0.0)",
            "of:IF(D24=\"Renseigné\",30*Synthèse!$B$6/Synthèse!$B$7,0)",
        ] {
            assert_eq!(c(other), c(ours), "{other}");
        }
        assert_eq!(
            c("_xlfn.IFS(TRUE(),1)"),
            c("IFS(TRUE,1)"),
            "_xlfn. prefix and TRUE()"
        );
        assert_eq!(c("ROUND((A1)*1E2,9)/1E2"), c("ROUND((A1)*100,9)/100"));
        assert_eq!(c("0.50+.5+1.5E-1"), "0.5+0.5+0.15");
        assert_eq!(c("'V1 Produits'!$D$5"), c("'V1 Produits'!D5"));
    }

    #[test]
    fn really_changed_formulas_differ() {
        let ours = "IF(D24=\"Renseigné\",30*'Synthèse'!$B$6/'Synthèse'!$B$7,0)";
        for other in [
            "IF(D24=\"Renseigné\",31*Synthèse!$B$6/Synthèse!$B$7,0)",
            "IF(D24=\"renseigné\",30*Synthèse!$B$6/Synthèse!$B$7,0)",
            "IF(D25=\"Renseigné\",30*Synthèse!$B$6/Synthèse!$B$7,0)",
            "IF(D24=\"Renseigné\",30*Synthèse!$B$6/Synthèse!$B$8,0)",
            "30",
            "",
        ] {
            assert_ne!(c(other), c(ours), "{other}");
        }
        // Text literals keep their spaces and case.
        assert_ne!(c("\"Non concerné\""), c("\"Nonconcerné\""));
    }
}
