//! Consolidation of a CAQES campaign for the agency (ARS): per-establishment rows,
//! regional figures over the years, per-indicator statistics and the split of an
//! intéressement envelope. Every figure is an exact [`Number`]; percentages in
//! the French lines are rounded half up to the unit.

pub mod history;
pub mod split;

pub use history::{history_csv, parse_history, HistoryError, HistoryRecord};
pub use split::{format_cents, parse_euros, split, Key};

use caqes_engine::{
    Answers, Catalog, Evaluation, LegalStatus, Measure, Number, Role, RoundingMode,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One submitted grid, already read and evaluated.
#[derive(Debug, Clone)]
pub struct Submission {
    pub answers: Answers,
    pub evaluation: Evaluation,
}

/// Evaluates `answers`, taking the previous year's score from `history` when the
/// answers have none (the progression clause of the intéressement needs it).
pub fn evaluate_with_history(
    catalog: &Catalog,
    mut answers: Answers,
    history: &[HistoryRecord],
) -> Submission {
    if answers.previous_score.is_none() {
        let prev = catalog.campaign.year.saturating_sub(1);
        answers.previous_score = history
            .iter()
            .find(|r| r.finess.trim() == answers.establishment.finess.trim() && r.year == prev)
            .and_then(|r| r.score);
    }
    let evaluation = caqes_engine::evaluate(catalog, &answers);
    Submission {
        answers,
        evaluation,
    }
}

/// `x % (n/N)` with x rounded half up to the unit ("68 % (13/19)").
pub fn percent_line(n: usize, total: usize) -> String {
    format!("{} % ({n}/{total})", percent(n, total).to_french(0))
}

/// 100 × n / N, exact (0 when N = 0).
pub fn percent(n: usize, total: usize) -> Number {
    if total == 0 {
        return Number::ZERO;
    }
    Number::ratio(100 * n as i128, total as i128)
        .unwrap_or(Number::ZERO)
        .round(0, RoundingMode::HalfUp)
}

/// One establishment of the campaign.
#[derive(Debug, Clone, Serialize)]
pub struct EsRow {
    pub finess: String,
    pub name: String,
    pub departement: String,
    pub status: Option<LegalStatus>,
    pub status_label: String,
    pub beds: Option<u32>,
    /// Published score (rounded as the catalog says), in %.
    pub score: Option<Number>,
    /// Exact score before rounding.
    pub score_exact: Option<Number>,
    pub interesse: Option<bool>,
    pub verdict: String,
    pub previous_score: Option<Number>,
    /// Score minus the previous year's score.
    pub progression: Option<Number>,
    /// Intéressé this year and not the year before; `None` when no result of
    /// the year before is known (no history of that year).
    pub newly_interesse: Option<bool>,
    /// Years (history and current) in which the establishment was intéressé.
    pub years_interesse: Vec<u16>,
    /// Intéressement amount in cents, when an envelope is split or savings are
    /// paid: the national part plus the regional part.
    pub amount_cents: Option<u64>,
    /// Points earned on the regional indicators (exact), for catalogs paid as
    /// amounts: the `score` key of the envelope split weighs them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regional_points: Option<Number>,
    /// Savings generated on the national indicators (cents, agency data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub savings_cents: Option<i64>,
    /// National part of the amount: the catalog's share of the positive savings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub national_cents: Option<u64>,
    /// Regional part of the amount: the share of the FIR envelope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regional_cents: Option<u64>,
}

impl EsRow {
    /// Recomputes `amount_cents` from the national and regional parts.
    fn sum_parts(&mut self) {
        self.amount_cents = match (self.national_cents, self.regional_cents) {
            (None, None) => None,
            (n, r) => Some(n.unwrap_or(0) + r.unwrap_or(0)),
        };
    }
}

/// Figures of one year.
#[derive(Debug, Clone, Serialize)]
pub struct YearStats {
    pub year: u16,
    /// Establishments of the campaign (denominator of the rates).
    pub establishments: usize,
    /// Establishments with a known result this year.
    pub with_result: usize,
    pub interesses: usize,
    /// Rate of intéressés in %, rounded to the unit.
    pub rate: Number,
    pub rate_line: String,
    pub min: Option<Number>,
    pub max: Option<Number>,
    /// Exact mean of the scores.
    pub mean: Option<Number>,
    /// Mean rounded half up to the unit.
    pub mean_rounded: Option<Number>,
}

/// Count of establishments of a status.
#[derive(Debug, Clone, Serialize)]
pub struct StatusCount {
    pub status: String,
    pub count: usize,
}

/// Region-wide figures.
#[derive(Debug, Clone, Serialize)]
pub struct Regional {
    pub establishments: usize,
    pub by_status: Vec<StatusCount>,
    pub years: Vec<YearStats>,
    /// Intéressés this year and not the year before; `None` when no result of
    /// the year before is known (no history of that year): then nobody can be
    /// said to be newly intéressé.
    pub newly: Option<usize>,
    /// Intéressés every year of `years`.
    pub always: usize,
    /// Intéressés no year of `years`.
    pub never: usize,
    /// Change of the number of intéressés from the previous year.
    pub change: Option<i64>,
    /// The same figures as French sentences.
    pub lines: Vec<String>,
}

/// Count of establishments meeting one criterion.
#[derive(Debug, Clone, Serialize)]
pub struct CriterionStats {
    pub id: String,
    pub label: String,
    pub met: usize,
    pub line: String,
}

/// Statistics of one scored indicator.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorStats {
    pub id: String,
    pub code: String,
    pub title: String,
    pub max_points: Number,
    /// Establishments evaluated on the indicator.
    pub evaluated: usize,
    /// Establishments that reach the target (all the points for criteria).
    pub reached: usize,
    pub reached_line: String,
    /// Number of establishments per points obtained.
    pub distribution: Vec<(Number, usize)>,
    pub criteria: Vec<CriterionStats>,
}

/// Envelope split among the intéressés, and the savings shares.
#[derive(Debug, Clone, Serialize)]
pub struct Interessement {
    pub envelope_cents: u64,
    pub key: Key,
    pub key_label: String,
    pub beneficiaries: usize,
    /// Share of the savings paid on the national indicators (percent), for catalogs paid as amounts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub savings_percent: Option<Number>,
    /// Sum of the national parts (cents).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub national_cents: Option<u64>,
    /// Envelope (when shared by at least one establishment) plus national parts:
    /// the sum of every amount (cents).
    pub total_cents: u64,
}

impl Interessement {
    /// The envelope as paid: nothing when no establishment shares it.
    fn paid_envelope(&self) -> u64 {
        if self.beneficiaries > 0 {
            self.envelope_cents
        } else {
            0
        }
    }
    fn empty() -> Interessement {
        Interessement {
            envelope_cents: 0,
            key: Key::Equal,
            key_label: String::new(),
            beneficiaries: 0,
            savings_percent: None,
            national_cents: None,
            total_cents: 0,
        }
    }
}

/// The consolidated campaign.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub catalog: String,
    pub title: String,
    pub year: u16,
    pub establishments: Vec<EsRow>,
    pub regional: Regional,
    pub indicators: Vec<IndicatorStats>,
    pub interessement: Option<Interessement>,
    /// Results of every year (history and this year): valid history for next year.
    pub history: Vec<HistoryRecord>,
}

fn mean(scores: &[Number]) -> Option<Number> {
    if scores.is_empty() {
        return None;
    }
    let mut s = Number::ZERO;
    for x in scores {
        s = s.add(*x).ok()?;
    }
    s.div(Number::int(scores.len() as i64)).ok()
}

/// Consolidates the campaign. Establishments are the submissions (one per FINESS;
/// a later submission of the same FINESS replaces an earlier one); history records
/// of other FINESS and of the campaign's year are ignored.
pub fn aggregate(catalog: &Catalog, subs: &[Submission], history: &[HistoryRecord]) -> Report {
    aggregate_refs(catalog, &subs.iter().collect::<Vec<_>>(), history)
}

/// [`aggregate`] over borrowed submissions, for a caller that keeps them
/// elsewhere (`caqes report`: no copy of every establishment's answers).
pub fn aggregate_refs(
    catalog: &Catalog,
    subs: &[&Submission],
    history: &[HistoryRecord],
) -> Report {
    let year = catalog.campaign.year;
    let (by_finess, subs) = latest_per_finess(subs);
    let n = subs.len();
    let results = Results::new(year, history, &by_finess, &subs);
    let (rows, tally) = establishment_rows(catalog, &subs, &results);
    let ystats = year_stats(&results, n);
    let by_status = status_counts(&rows);
    let cur = ystats.iter().find(|y| y.year == year);
    let prev = ystats.iter().find(|y| y.year + 1 == year);
    let change = match (cur, prev) {
        (Some(c), Some(p)) => Some(c.interesses as i64 - p.interesses as i64),
        _ => None,
    };
    let mut regional = Regional {
        establishments: n,
        by_status,
        years: ystats,
        newly: results.previous_known.then_some(tally.newly),
        always: tally.always,
        never: tally.never,
        change,
        lines: Vec::new(),
    };
    regional.lines = regional_lines(&regional, year);

    let indicators = indicator_stats(catalog, &subs);
    let mut hist: Vec<HistoryRecord> = results.all.into_values().collect();
    hist.sort_by(|a, b| (a.year, &a.finess).cmp(&(b.year, &b.finess)));
    Report {
        catalog: catalog.campaign.id.clone(),
        title: catalog.campaign.title.clone(),
        year,
        establishments: rows,
        regional,
        indicators,
        interessement: None,
        history: hist,
    }
}

/// One submission per FINESS (the later one wins, in the order of first submission).
fn latest_per_finess<'s>(
    subs: &[&'s Submission],
) -> (BTreeMap<String, &'s Submission>, Vec<&'s Submission>) {
    let mut by_finess: BTreeMap<String, &Submission> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for &s in subs {
        let f = s.answers.establishment.finess.trim().to_string();
        if by_finess.insert(f.clone(), s).is_none() {
            order.push(f);
        }
    }
    let subs = order.iter().map(|f| by_finess[f]).collect();
    (by_finess, subs)
}

/// Every known result: (finess, year) → record, the campaign's year from the evaluations.
struct Results {
    all: BTreeMap<(String, u16), HistoryRecord>,
    years: BTreeSet<u16>,
    /// The campaign's year.
    year: u16,
    /// Some result of the year before is known.
    previous_known: bool,
}

impl Results {
    /// The history of the campaign's establishments (other years), then this year's evaluations.
    fn new(
        year: u16,
        history: &[HistoryRecord],
        by_finess: &BTreeMap<String, &Submission>,
        subs: &[&Submission],
    ) -> Results {
        let mut all: BTreeMap<(String, u16), HistoryRecord> = BTreeMap::new();
        for r in history {
            let f = r.finess.trim().to_string();
            if r.year != year && by_finess.contains_key(&f) {
                all.insert(
                    (f.clone(), r.year),
                    HistoryRecord {
                        finess: f,
                        ..r.clone()
                    },
                );
            }
        }
        for s in subs {
            let e = &s.evaluation;
            all.insert(
                (s.answers.establishment.finess.trim().to_string(), year),
                HistoryRecord {
                    finess: s.answers.establishment.finess.trim().to_string(),
                    year,
                    score: e.total_rounded,
                    interesse: e.verdict.interesse == Some(true),
                },
            );
        }
        let years: BTreeSet<u16> = all.keys().map(|k| k.1).collect();
        let previous_known = years.contains(&year.saturating_sub(1));
        Results {
            all,
            years,
            year,
            previous_known,
        }
    }

    /// The establishment was intéressé in year `y`.
    fn interesse(&self, f: &str, y: u16) -> bool {
        self.all
            .get(&(f.to_string(), y))
            .is_some_and(|r| r.interesse)
    }
}

/// How many establishments are newly, always and never intéressés.
#[derive(Default)]
struct Tally {
    newly: usize,
    always: usize,
    never: usize,
}

/// One row per establishment, and the tally of intéressés over the years.
fn establishment_rows(
    catalog: &Catalog,
    subs: &[&Submission],
    results: &Results,
) -> (Vec<EsRow>, Tally) {
    let year = results.year;
    let mut rows = Vec::with_capacity(subs.len());
    let mut tally = Tally::default();
    for s in subs {
        let f = s.answers.establishment.finess.trim().to_string();
        let years_int: Vec<u16> = results
            .years
            .iter()
            .copied()
            .filter(|y| results.interesse(&f, *y))
            .collect();
        let nw = s.evaluation.verdict.interesse == Some(true)
            && !results.interesse(&f, year.saturating_sub(1));
        tally.newly += (nw && results.previous_known) as usize;
        if years_int.len() == results.years.len() {
            tally.always += 1;
        }
        if years_int.is_empty() {
            tally.never += 1;
        }
        let previous = results
            .all
            .get(&(f.clone(), year.saturating_sub(1)))
            .and_then(|r| r.score)
            .or(s.answers.previous_score);
        rows.push(establishment_row(
            catalog,
            s,
            f,
            previous,
            results.previous_known.then_some(nw),
            years_int,
        ));
    }
    (rows, tally)
}

/// The row of one establishment: identification, score, verdict, progression.
fn establishment_row(
    catalog: &Catalog,
    s: &Submission,
    finess: String,
    previous: Option<Number>,
    newly_interesse: Option<bool>,
    years_interesse: Vec<u16>,
) -> EsRow {
    let e = &s.evaluation;
    let est = &s.answers.establishment;
    EsRow {
        finess,
        name: est.name.clone(),
        departement: est.departement.clone(),
        status: est.legal_status,
        status_label: est
            .legal_status
            .map(|s| s.label())
            .unwrap_or("—")
            .to_string(),
        beds: est.beds,
        score: e.total_rounded,
        score_exact: e.total,
        interesse: e.verdict.interesse,
        verdict: caqes_engine::labels::verdict_line(&e.verdict),
        previous_score: previous,
        progression: match (e.total_rounded, previous) {
            (Some(a), Some(b)) => a.sub(b).ok(),
            _ => None,
        },
        newly_interesse,
        years_interesse,
        amount_cents: None,
        regional_points: regional_points(catalog, e),
        savings_cents: None,
        national_cents: None,
        regional_cents: None,
    }
}

/// The figures of each year with a result: intéressés, rate, min, max and mean score.
fn year_stats(results: &Results, n: usize) -> Vec<YearStats> {
    let mut ystats = Vec::new();
    for &y in &results.years {
        let recs: Vec<&HistoryRecord> = results
            .all
            .iter()
            .filter(|(k, _)| k.1 == y)
            .map(|(_, r)| r)
            .collect();
        let scores: Vec<Number> = recs.iter().filter_map(|r| r.score).collect();
        let ints = recs.iter().filter(|r| r.interesse).count();
        let m = mean(&scores);
        ystats.push(YearStats {
            year: y,
            establishments: n,
            with_result: recs.len(),
            interesses: ints,
            rate: percent(ints, n),
            rate_line: percent_line(ints, n),
            min: scores.iter().min().copied(),
            max: scores.iter().max().copied(),
            mean: m,
            mean_rounded: m.map(|m| m.round(0, RoundingMode::HalfUp)),
        });
    }
    ystats
}

/// Establishments per legal status (every status, then « Non renseigné » if any).
fn status_counts(rows: &[EsRow]) -> Vec<StatusCount> {
    let mut by_status = Vec::new();
    for st in LegalStatus::ALL {
        by_status.push(StatusCount {
            status: st.label().to_string(),
            count: rows.iter().filter(|r| r.status == Some(st)).count(),
        });
    }
    let unknown = rows.iter().filter(|r| r.status.is_none()).count();
    if unknown > 0 {
        by_status.push(StatusCount {
            status: "Non renseigné".into(),
            count: unknown,
        });
    }
    by_status
}

/// The regional figures as French sentences.
fn regional_lines(r: &Regional, year: u16) -> Vec<String> {
    let n = r.establishments;
    let (always, never) = (r.always, r.never);
    let mut lines = vec![format!(
        "{n} établissements concernés : {}",
        r.by_status
            .iter()
            .map(|s| format!("{} {}", s.count, s.status))
            .collect::<Vec<_>>()
            .join(", ")
    )];
    for y in r.years.iter().rev() {
        lines.push(format!(
            "Établissements intéressés en {} : {}",
            y.year, y.rate_line
        ));
    }
    if let Some(c) = r.change {
        lines.push(format!(
            "{c:+} établissement(s) intéressé(s) par rapport à {}",
            year - 1
        ));
    }
    lines.push(match r.newly {
        Some(newly) => format!("{newly}/{n} établissements nouvellement intéressés en {year}"),
        None => format!(
            "Établissements nouvellement intéressés en {year} : non calculable sans les résultats {} (historique)",
            year.saturating_sub(1)
        ),
    });
    let ylist = r
        .years
        .iter()
        .rev()
        .map(|y| y.year.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    lines.push(format!("{always}/{n} établissements intéressés en {ylist}"));
    lines.push(format!(
        "{never}/{n} établissements non intéressés en {ylist}"
    ));
    for y in r.years.iter().rev() {
        if let (Some(mi), Some(ma), Some(me)) = (y.min, y.max, y.mean_rounded) {
            lines.push(format!(
                "Score {} : min {} %, max {} %, moyen {} %",
                y.year,
                mi.to_french_auto(),
                ma.to_french_auto(),
                me.to_french(0)
            ));
        }
    }
    lines
}

fn indicator_stats(catalog: &Catalog, subs: &[&Submission]) -> Vec<IndicatorStats> {
    let n = subs.len();
    let mut out = Vec::new();
    for ind in &catalog.indicators {
        if ind.role == Role::Information {
            continue;
        }
        let results: Vec<_> = subs
            .iter()
            .filter_map(|s| s.evaluation.indicator(&ind.id))
            .filter(|r| !r.max_points.is_zero())
            .collect();
        let reached = results
            .iter()
            .filter(|r| r.met.unwrap_or(r.points >= r.max_points))
            .count();
        let mut dist: BTreeMap<Number, usize> = BTreeMap::new();
        for r in &results {
            *dist.entry(r.points).or_default() += 1;
        }
        let mut criteria = Vec::new();
        if let Measure::Criteria { criteria: cs } = &ind.measure {
            for c in cs {
                let met = subs
                    .iter()
                    .filter(|s| {
                        s.answers
                            .indicators
                            .get(ind.id.as_str())
                            .and_then(|a| a.criteria.get(&c.id))
                            .copied()
                            .unwrap_or(false)
                    })
                    .count();
                criteria.push(CriterionStats {
                    id: c.id.clone(),
                    label: c.label.clone(),
                    met,
                    line: format!("{} des ES : {}", percent_line(met, n), c.label),
                });
            }
        }
        out.push(IndicatorStats {
            id: ind.id.to_string(),
            code: ind.code.to_string(),
            title: ind.title.clone(),
            max_points: ind.points,
            evaluated: results.len(),
            reached,
            reached_line: format!(
                "{} des ES atteignent la cible ({} : {})",
                percent_line(reached, n),
                ind.code,
                ind.title
            ),
            distribution: dist.into_iter().collect(),
            criteria,
        });
    }
    out
}

/// Points earned on the regional indicators, when the catalog pays the regional
/// indicators from the FIR envelope.
fn regional_points(catalog: &Catalog, e: &Evaluation) -> Option<Number> {
    let a = catalog.interessement.amounts.as_ref()?;
    if !a.regional_envelope || e.total.is_none() {
        return None;
    }
    let mut sum = Number::ZERO;
    for r in &e.indicators {
        let regional = catalog
            .indicator(&r.id)
            .is_some_and(|i| i.scope == caqes_engine::Scope::Regional);
        if regional && r.role == Role::Scored {
            sum = sum.add(r.points).ok()?;
        }
    }
    Some(sum)
}

/// Splits `envelope_cents` among the intéressé establishments of `report` by `key`
/// and records the amounts in the rows (regional part). Establishments without
/// beds count 0 for the `beds` key (all zero: equal shares). For catalogs paid as
/// amounts, the `score` key weighs the points of the regional indicators.
pub fn apply_envelope(
    report: &mut Report,
    envelope_cents: u64,
    key: Key,
) -> Result<(), caqes_engine::Overflow> {
    let idx: Vec<usize> = (0..report.establishments.len())
        .filter(|&i| report.establishments[i].interesse == Some(true))
        .collect();
    let keys: Vec<Number> = idx
        .iter()
        .map(|&i| {
            let r = &report.establishments[i];
            match key {
                Key::Equal => Number::ONE,
                // Rounded to 10⁻⁹ (as shares are): exact scores of thousands of
                // establishments would overflow the exact sum otherwise.
                Key::Score => r
                    .regional_points
                    .or(r.score_exact)
                    .or(r.score)
                    .unwrap_or(Number::ZERO)
                    .round(9, RoundingMode::HalfUp),
                Key::Beds => Number::int(r.beds.unwrap_or(0) as i64),
            }
        })
        .collect();
    let amounts = split(envelope_cents, &keys)?;
    for r in report.establishments.iter_mut() {
        r.regional_cents = None;
    }
    for (k, &i) in idx.iter().enumerate() {
        report.establishments[i].regional_cents = Some(amounts[k]);
    }
    for r in report.establishments.iter_mut() {
        r.sum_parts();
    }
    let it = report
        .interessement
        .get_or_insert_with(Interessement::empty);
    it.envelope_cents = envelope_cents;
    it.key = key;
    it.key_label = key.label().to_string();
    it.beneficiaries = idx.len();
    it.total_cents = it.paid_envelope() + it.national_cents.unwrap_or(0);
    Ok(())
}

/// National part of one establishment: `floor(percent / 100 × savings)` cents,
/// nothing when the savings are negative or zero.
pub fn savings_share(percent: Number, savings_cents: i64) -> Result<u64, caqes_engine::Overflow> {
    if savings_cents <= 0 {
        return Ok(0);
    }
    let share = Number::int(savings_cents)
        .mul(percent)?
        .div(Number::HUNDRED)?
        .round(0, RoundingMode::Down);
    u64::try_from(share.parts().0).map_err(|_| caqes_engine::Overflow)
}

/// Pays the national part of a catalog paid as amounts: each establishment of
/// `savings` (FINESS → savings in cents on the national indicators) gets the
/// catalog's share of its positive savings. Does nothing for other catalogs.
pub fn apply_savings(
    report: &mut Report,
    catalog: &Catalog,
    savings: &BTreeMap<String, i64>,
) -> Result<(), caqes_engine::Overflow> {
    let Some(a) = &catalog.interessement.amounts else {
        return Ok(());
    };
    let mut total = 0u64;
    for r in report.establishments.iter_mut() {
        let s = savings.get(&r.finess).copied();
        r.savings_cents = s;
        let part = savings_share(a.savings_percent, s.unwrap_or(0))?;
        r.national_cents = Some(part);
        total = total.checked_add(part).ok_or(caqes_engine::Overflow)?;
        r.sum_parts();
    }
    let it = report
        .interessement
        .get_or_insert_with(Interessement::empty);
    it.savings_percent = Some(a.savings_percent);
    it.national_cents = Some(total);
    it.total_cents = it.paid_envelope() + total;
    Ok(())
}

/// Personalised targets: CSV `finess;indicateur;cible` (header line), applied to
/// the answers that have none.
pub fn parse_targets(text: &str) -> Result<Vec<(String, String, Number)>, HistoryError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(';').map(str::trim).collect();
        if f.len() < 3 {
            return Err(HistoryError {
                line: Some(i + 1),
                message: "3 colonnes attendues : finess;indicateur;cible".into(),
            });
        }
        let v = Number::parse(&f[2].replace(',', ".")).ok_or_else(|| HistoryError {
            line: Some(i + 1),
            message: format!("cible invalide « {} »", f[2]),
        })?;
        out.push((f[0].to_string(), f[1].to_string(), v));
    }
    Ok(out)
}

/// Sets the personalised targets of `answers` (those not already given).
pub fn apply_targets(answers: &mut Answers, targets: &[(String, String, Number)]) {
    let f = answers.establishment.finess.trim().to_string();
    for (tf, ind, v) in targets {
        if *tf == f {
            let a = answers.indicators.entry(ind.clone()).or_default();
            if a.target.is_none() {
                a.target = Some(*v);
            }
        }
    }
}
