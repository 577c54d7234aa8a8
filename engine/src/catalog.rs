//! The catalog of a campaign: its indicators and rules, as data.
//!
//! A catalog is resolved for one campaign year from a TOML file of
//! `indicators/` (see [`crate::load`]); this module holds the resolved types.
//! Every field is documented in `indicators/README.md`.

use crate::number::{Number, RoundingMode};
use crate::shared::SharedStr;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

#[cfg(feature = "schema")]
use schemars::JsonSchema;

/// One campaign of one year: everything needed to score an establishment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Campaign metadata and global rules.
    pub campaign: Campaign,
    /// Questions of the identification step (beyond the standard fields).
    #[serde(default)]
    pub identification: Vec<Question>,
    /// Volets (2022+) or articles (2018) grouping the indicators.
    pub volets: Vec<Volet>,
    /// Intéressement rule of the year.
    pub interessement: Interessement,
    /// The indicators, in the order of the contract.
    pub indicators: Vec<Indicator>,
    /// What the evaluation derives once from the catalog (not part of the
    /// model, never serialised): see [`CatalogIndex`].
    #[serde(skip)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    index: IndexCell,
}

/// The cell of a catalog's [`CatalogIndex`]: its `Debug` shows no state, so
/// that two equal catalogs print the same whether evaluated or not.
#[derive(Clone, Default)]
struct IndexCell(OnceLock<CatalogIndex>);

impl std::fmt::Debug for IndexCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("_")
    }
}

/// What an evaluation derives from a catalog alone, built on its first
/// evaluation: orders, so that each evaluation walks the answers' sorted keys
/// beside the catalog's ids instead of looking every id up, and constants of
/// the aggregation ([`Aggregation`]). The fields of a catalog are public and
/// may change after the index is built, so a user checks, as it walks, that
/// what it reads still holds (an order still sorts the current ids strictly;
/// a constant's sources are still the catalog's), and otherwise computes as
/// without an index.
#[derive(Debug, Clone, Default)]
pub(crate) struct CatalogIndex {
    /// Positions of the indicators by increasing id.
    pub indicators: Vec<u32>,
    /// Per indicator, the positions of its inputs (in [`Measure::inputs`]
    /// order) by increasing id.
    pub inputs: Vec<Vec<u32>>,
    /// Per indicator, the positions of its criteria by increasing id (empty
    /// for other measures).
    pub criteria: Vec<Vec<u32>>,
    /// The aggregation's constants; `None` when a sum overflows.
    pub aggregation: Option<Aggregation>,
    /// The verdict's constants: the whole scores written as scores.
    pub score_texts: ScoreTexts,
}

/// The text of each whole score (`labels::score_text`, « 60 % »), written
/// on its first use, for catalogs whose rounding keeps no decimals: the
/// verdict writes the rounded score and the band's minimum it compares with.
/// Besides the value, the text depends on the rounding's decimals and the
/// scale (its unit), kept as indexed: [`ScoreTexts::get`] compares them.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScoreTexts {
    /// The rounding's decimals when indexed.
    pub decimals: u32,
    /// The scale when indexed.
    pub scale: Number,
    /// The texts of 0, 1, 2… up to the highest total (at most 1000), each
    /// written on first use; none when the rounding keeps decimals.
    pub whole: Vec<OnceLock<String>>,
}

impl ScoreTexts {
    /// The most texts kept.
    const MAX: i128 = 1000;

    fn of(catalog: &Catalog) -> ScoreTexts {
        let decimals = catalog.campaign.rounding.decimals;
        let (n, d) = catalog.max_total().parts();
        let top = if decimals == 0 && n >= 0 {
            (n / d).min(Self::MAX) + 1
        } else {
            0
        };
        ScoreTexts {
            decimals,
            scale: catalog.campaign.scale,
            whole: (0..top).map(|_| OnceLock::new()).collect(),
        }
    }

    /// `labels::score_text(catalog, value)` when `value` is a whole score
    /// kept and the catalog writes scores as when indexed.
    pub fn get(&self, catalog: &Catalog, value: Number) -> Option<&str> {
        if self.decimals != catalog.campaign.rounding.decimals
            || self.scale != catalog.campaign.scale
        {
            return None;
        }
        let (n, d) = value.parts();
        let slot = self
            .whole
            .get(usize::try_from(n).ok().filter(|_| d == 1)?)?;
        Some(slot.get_or_init(|| crate::labels::score_text(catalog, value)))
    }
}

/// The aggregation's constants: what it computes from the catalog alone
/// when every scored indicator is renseigné (nothing is redistributed), with
/// their sources. They hold for a list of results while each result carries
/// its indicator's role and points, and the same volet id (the same
/// [`SharedStr`], whose text never changes), and the catalog the same volet
/// ids ([`Aggregation::holds`]); the aggregation checks that before reading them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Aggregation {
    /// The volets' ids when indexed.
    pub volets: Vec<SharedStr>,
    /// Per indicator: role, points, volet id, and the volet's position (the
    /// first volet of that id).
    pub items: Vec<(Role, Number, SharedStr, Option<u32>)>,
    /// The number of scored indicators.
    pub scored: usize,
    /// The sum of their points, in catalog order.
    pub base: Number,
    /// Per volet, the sum of its scored indicators' points, in catalog
    /// order: its weight when nothing is redistributed.
    pub weights: Vec<Number>,
}

impl Aggregation {
    fn of(catalog: &Catalog) -> Option<Aggregation> {
        let mut base = Number::ZERO;
        let mut scored = 0;
        let mut weights = vec![Number::ZERO; catalog.volets.len()];
        let mut items = Vec::with_capacity(catalog.indicators.len());
        for ind in &catalog.indicators {
            let position = catalog.volets.iter().position(|v| v.id == ind.volet);
            if ind.role == Role::Scored {
                scored += 1;
                base = base.add(ind.points).ok()?;
                if let Some(w) = position.and_then(|k| weights.get_mut(k)) {
                    *w = w.add(ind.points).ok()?;
                }
            }
            let position = position.map(|k| k as u32);
            items.push((ind.role, ind.points, ind.volet.clone(), position));
        }
        Some(Aggregation {
            volets: catalog.volets.iter().map(|v| v.id.clone()).collect(),
            items,
            scored,
            base,
            weights,
        })
    }

    /// Whether the constants hold for `results` of `catalog` (see [`Aggregation`]).
    #[cfg_attr(not(target_arch = "wasm32"), inline)]
    pub fn holds(&self, catalog: &Catalog, results: &[crate::IndicatorResult]) -> bool {
        self.volets.len() == catalog.volets.len()
            && self
                .volets
                .iter()
                .zip(&catalog.volets)
                .all(|(a, v)| SharedStr::ptr_eq(a, &v.id))
            && self.items.len() == results.len()
            && self
                .items
                .iter()
                .zip(results)
                .all(|((role, points, volet, _), r)| {
                    *role == r.role && *points == r.max_points && SharedStr::ptr_eq(volet, &r.volet)
                })
    }
}

impl CatalogIndex {
    fn of(catalog: &Catalog) -> CatalogIndex {
        let sorted = |ids: Vec<&str>| {
            let mut order: Vec<u32> = (0..ids.len() as u32).collect();
            order.sort_by(|&a, &b| ids[a as usize].cmp(ids[b as usize]));
            order
        };
        CatalogIndex {
            indicators: sorted(catalog.indicators.iter().map(|i| i.id.as_str()).collect()),
            inputs: catalog
                .indicators
                .iter()
                .map(|i| sorted(i.measure.inputs().iter().map(|x| x.id()).collect()))
                .collect(),
            criteria: catalog
                .indicators
                .iter()
                .map(|i| match &i.measure {
                    Measure::Criteria { criteria } => {
                        sorted(criteria.iter().map(|c| c.id.as_str()).collect())
                    }
                    _ => Vec::new(),
                })
                .collect(),
            // (The form aggregates by the exact path alone, which reads none.)
            aggregation: if cfg!(target_arch = "wasm32") {
                None
            } else {
                Aggregation::of(catalog)
            },
            score_texts: ScoreTexts::of(catalog),
        }
    }
}

/// Campaign metadata and global scoring rules.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    /// Identifier of the resolved catalog: the file's family id and the year, e.g. `na-ako-2024`.
    pub id: String,
    /// Title shown to users.
    pub title: String,
    /// Region (ARS) publishing the campaign.
    pub region: String,
    /// Year evaluated (results of this year).
    pub year: u16,
    /// Contract generation or period, e.g. "2022-2024".
    #[serde(default)]
    pub contract: String,
    /// The score is expressed out of this many points (100 = a percentage).
    #[serde(default = "hundred")]
    pub scale: Number,
    /// Declared sum of the points of the scored indicators; checked on load when present.
    #[serde(default)]
    pub points_total: Option<Number>,
    /// Maximum bonus points added on top of the score (never redistributed).
    #[serde(default)]
    pub bonus_max: Number,
    /// When true, score + bonus is capped at `scale` (default false: the
    /// total may exceed the scale by up to `bonus_max`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub cap_total_at_scale: bool,
    /// How the weight of a non concerné / non mesurable indicator is redistributed.
    pub redistribution: Redistribution,
    /// Rounding of the displayed and compared score.
    pub rounding: Rounding,
    /// Decimals kept in an indicator's value (rate, evolution, share of a
    /// distribution, weighted count) before it is compared with its target
    /// and scored: half away from zero, like Excel's ROUND. Default: none
    /// (the exact value is compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_decimals: Option<u32>,
    /// What the rounding does to the score, said where the score is shown
    /// (form, `caqes score`), e.g. the effect of rounding up on the bands.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rounding_note: String,
    /// Sources of the campaign (slide decks, arrêtés).
    #[serde(default)]
    pub sources: Vec<String>,
    /// Campaign-level values that are assumptions (not given by the sources).
    #[serde(default)]
    pub assumed: Vec<String>,
}

fn hundred() -> Number {
    Number::HUNDRED
}

/// Redistribution of the weight of non concerné / non mesurable indicators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Redistribution {
    /// Each applicable indicator is scaled up in proportion to its own weight
    /// (equivalent to scoring on the applicable maximum).
    Proportional,
    /// The freed points are shared equally among the applicable indicators.
    Equal,
}

/// Rounding of the score before display and comparison with the thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Rounding {
    /// Number of decimals kept (0 = whole percent).
    pub decimals: u32,
    /// Rounding mode.
    #[serde(default)]
    pub mode: RoundingMode,
}

/// A volet (or article) of the contract.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Volet {
    /// Identifier used by indicators.
    pub id: SharedStr,
    /// Title shown to users, e.g. "Produits de santé" or "Art. 10-1 …".
    pub title: SharedStr,
    /// Short title (at most 28 characters, after the sheet's « V1 », « V2 »…
    /// prefix) for sheet names and tabs; when absent, the title is cut on a
    /// word boundary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_title: Option<String>,
}

/// A question of the identification step.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Identifier used by applicability conditions and pre-fills.
    pub id: String,
    /// Question shown to users.
    pub label: String,
    /// Kind of answer.
    pub kind: QuestionKind,
    /// Options of a `choice` question.
    #[serde(default)]
    pub options: Vec<Choice>,
    /// Help text.
    #[serde(default)]
    pub help: String,
}

/// Kind of an identification answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// Oui / non.
    Bool,
    /// One option among `options`.
    Choice,
    /// A non-negative integer.
    Integer,
    /// Free text.
    Text,
}

/// An option of a choice question.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Stored value.
    pub id: String,
    /// Label shown.
    pub label: String,
}

/// Intéressement rule: the establishment is intéressé when its rounded total
/// score falls in one of the bands (first match wins).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Interessement {
    /// Bands, e.g. `[{ min = 90 }, { min = 85, below = 90, progression = true }]`.
    /// May be empty when `amounts` is given (intéressement paid as amounts, no threshold).
    #[serde(default)]
    pub bands: Vec<Band>,
    /// Intéressement paid as amounts (issue 11): a share of the savings generated on the
    /// national indicators and a split of the regional FIR envelope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amounts: Option<Amounts>,
}

/// How the intéressement amounts are computed, per establishment, in cents:
/// `floor(savings_percent / 100 × savings on the national indicators)` plus
/// its share of the FIR envelope (given per campaign, `caqes campaign --envelope`),
/// split by largest remainder; the `score` key then weighs the points earned on
/// the regional indicators.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Amounts {
    /// Share of the savings generated on the national indicators paid to the
    /// establishment, in percent (the sources say 20 to 30 %).
    pub savings_percent: Number,
    /// Whether the regional indicators are paid from the FIR envelope (every
    /// establishment with a score shares it, no threshold).
    #[serde(default)]
    pub regional_envelope: bool,
}

/// A band of rounded score giving intéressement.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Lowest rounded score of the band (inclusive).
    pub min: Number,
    /// Upper bound of the band (exclusive), if any.
    #[serde(default)]
    pub below: Option<Number>,
    /// Whether the score must also be strictly greater than the previous year's rounded score.
    #[serde(default)]
    pub progression: bool,
}

/// National or regional indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Fixed by national arrêté.
    National,
    /// Chosen by the region (ARS, AM, OMEDIT).
    Regional,
}

/// How an indicator counts in the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Part of the base score; its weight is redistributed when NC/NM.
    #[default]
    Scored,
    /// Bonus points on top of the score, never redistributed.
    Bonus,
    /// Not scored ("à titre d'éclairage").
    Information,
}

/// One indicator of the contract.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Stable identifier used in answers (lowercase, no spaces), e.g. `ir-cho-2`.
    pub id: SharedStr,
    /// Code as printed in the sources, e.g. "IR CHO 3.1", "I.4".
    pub code: SharedStr,
    /// Title.
    pub title: String,
    /// Identifier of its volet.
    pub volet: SharedStr,
    /// National or regional.
    pub scope: Scope,
    /// Scored, bonus or information only.
    #[serde(default)]
    pub role: Role,
    /// Points of the indicator (0 for information).
    #[serde(default)]
    pub points: Number,
    /// What is measured and how it scores.
    pub measure: Measure,
    /// Which establishments are concerned (others are automatically non concerné).
    #[serde(default)]
    pub applies_to: Selector,
    /// Establishments for which it is automatically non mesurable (objective kept).
    #[serde(default)]
    pub not_measurable_for: Option<Selector>,
    /// Whether the establishment may declare it non concerné.
    #[serde(default = "yes")]
    pub nc_allowed: bool,
    /// Whether the establishment may declare it non mesurable.
    #[serde(default = "yes")]
    pub nm_allowed: bool,
    /// Éléments de preuve to provide.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// Evaluation period, e.g. "du 1er janvier au 31 décembre 2023", "situation au 31/12".
    #[serde(default)]
    pub period: String,
    /// Help text for the establishment.
    #[serde(default)]
    pub help: String,
    /// Where the indicator comes from (source file and slide).
    #[serde(default)]
    pub source: String,
    /// Names of the fields whose values are assumptions, not given by the sources.
    #[serde(default)]
    pub assumed: Vec<String>,
}

fn yes() -> bool {
    true
}

/// An élément de preuve.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// Identifier used in answers.
    pub id: String,
    /// Document to provide.
    pub label: String,
}

/// What an indicator measures.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Measure {
    /// numerator / denominator, in percent.
    Rate {
        /// Numerator input.
        numerator: Input,
        /// Denominator input.
        denominator: Input,
        /// Target on the rate.
        target: Target,
        /// How the rate scores.
        scoring: Scoring,
        /// When present, the denominator may be left empty ("si le chiffre est
        /// difficile à obtenir, ne renseigner que le numérateur"): the numerator
        /// alone is then scored with this rule.
        #[serde(default)]
        numerator_only: Option<NumeratorOnly>,
        /// The numerator may exceed the denominator (stays counted over
        /// patients, actions over patients…): the rate may then exceed 100 %
        /// instead of being an error. Default `false`: a numerator above its
        /// denominator is an input error.
        #[serde(default, skip_serializing_if = "is_false")]
        numerator_may_exceed: bool,
    },
    /// Evolution rate between two amounts: (current − previous) / previous, in percent.
    Evolution {
        /// Amount of year N-1.
        previous: Input,
        /// Amount of year N.
        current: Input,
        /// Target on the evolution rate (usually `<=`).
        target: Target,
        /// How the evolution scores.
        scoring: Scoring,
    },
    /// Weighted count against a target (e.g. conciliations: entry 1, exit 1, both 2).
    Count {
        /// Counted inputs with their weight.
        terms: Vec<Term>,
        /// Target on the weighted count (often personalised).
        target: Target,
        /// How the count scores.
        scoring: Scoring,
    },
    /// A distribution of a total into parts that must add up, scored on the
    /// share of the counted parts among the non-excluded total.
    Distribution {
        /// The total (e.g. all beds and places).
        total: Input,
        /// The parts; their sum must equal the total.
        parts: Vec<Input>,
        /// Ids of the parts counted in the numerator (e.g. levels 2 and 3).
        counted: Vec<String>,
        /// Units excluded from the denominator (e.g. réanimation, SC, UHCD, néonatologie).
        #[serde(default)]
        excluded: Option<Input>,
        /// Among the counted parts, units belonging to the excluded services.
        #[serde(default)]
        excluded_counted: Option<Input>,
        /// Target on the share.
        target: Target,
        /// How the share scores.
        scoring: Scoring,
    },
    /// Qualitative criteria, each worth points; a yes/no indicator is one criterion.
    Criteria {
        /// The criteria; their points add up to the indicator's points.
        criteria: Vec<Criterion>,
    },
    /// Figures collected for information only.
    Information {
        /// The figures.
        #[serde(default)]
        inputs: Vec<Input>,
    },
}

/// Scoring of a rate whose denominator was left empty.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NumeratorOnly {
    /// Target on the numerator alone (a count).
    pub target: Target,
    /// How the count scores.
    pub scoring: Scoring,
}

/// A figure the establishment enters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// Identifier within the indicator.
    pub id: String,
    /// Label shown.
    pub label: String,
    /// Unit, which sets the validation.
    pub unit: Unit,
    /// Help text.
    #[serde(default)]
    pub help: String,
    /// What pre-fills this input when it is left empty: an identification
    /// answer (a question id, or `lits`, `places`, `lits_et_places`), or
    /// another indicator's input of the same unit, written `indicator.input`
    /// (e.g. `ii-5.niveau_1`: the same breakdown entered once for several
    /// indicators). The referenced input may not itself refer to another
    /// indicator.
    #[serde(default)]
    pub prefill: Option<String>,
    /// Who officially supplies this figure (`ars` or `am`): the agency's
    /// value, from its data file, replaces the establishment's, which is then
    /// only an estimate to simulate the score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provided_by: Option<Provider>,
}

/// Who officially supplies a figure instead of the establishment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// The regional health agency (ARS), e.g. from PMSI or its own surveys.
    Ars,
    /// The Assurance Maladie (« Données AM »).
    Am,
}

impl Provider {
    /// French label shown next to the input: « fourni par l'ARS ».
    pub fn label(self) -> &'static str {
        match self {
            Provider::Ars => "fourni par l'ARS",
            Provider::Am => "fourni par l'Assurance Maladie",
        }
    }

    /// Motif of the adjustment made by the agency's data: « donnée fournie par l'ARS ».
    pub fn motif(self) -> &'static str {
        match self {
            Provider::Ars => "donnée fournie par l'ARS",
            Provider::Am => "donnée fournie par l'Assurance Maladie",
        }
    }
}

/// A counted term of a `count` indicator.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Term {
    /// Identifier within the indicator.
    pub id: String,
    /// Label shown.
    pub label: String,
    /// How much one unit counts (e.g. 2 for a conciliation at entry and exit).
    #[serde(default = "one")]
    pub weight: Number,
    /// Help text.
    #[serde(default)]
    pub help: String,
    /// Who officially supplies this figure (see [`Input::provided_by`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provided_by: Option<Provider>,
}

impl Volet {
    /// Short name for sheet names and tabs: the `short_title`, or the title
    /// cut at `max` characters on a word boundary.
    pub fn short_name(&self, max: usize) -> String {
        match &self.short_title {
            Some(s) if !s.trim().is_empty() => s.trim().chars().take(max).collect(),
            _ => cut_on_word(self.title.trim(), max),
        }
    }
}

/// `text` cut to at most `max` characters, at the last space when one exists
/// in the second half (no word cut in the middle), without trailing
/// punctuation or spaces.
///
/// ```
/// use caqes_engine::cut_on_word;
/// assert_eq!(cut_on_word("V2 Parcours et lien ville-hôpital", 31), "V2 Parcours et lien");
/// assert_eq!(cut_on_word("Court", 31), "Court");
/// ```
pub fn cut_on_word(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max + 1).collect();
    // The character after the cut is a space: the cut falls between words.
    // Cut at the last space, unless that would drop more than half the room
    // (one very long word): then cut at the limit.
    let hard = head.char_indices().nth(max).map_or(head.len(), |(i, _)| i);
    let cut = match head.rfind(' ') {
        Some(i) if head[..i].chars().count() * 2 >= max => &head[..i],
        _ => &head[..hard],
    };
    cut.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–' | '—')
    })
    .to_string()
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn one() -> Number {
    Number::ONE
}

/// A qualitative criterion.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Identifier within the indicator.
    pub id: String,
    /// What must be true.
    pub label: String,
    /// Points when met.
    pub points: Number,
    /// Help text.
    #[serde(default)]
    pub help: String,
}

/// Unit of an input or a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A non-negative integer (patients, beds, lines).
    Count,
    /// A non-negative amount in euros (at most 2 decimals).
    Amount,
    /// A percentage between 0 and 100.
    Percent,
}

impl Unit {
    /// French name of the unit.
    pub fn label(self) -> &'static str {
        match self {
            Unit::Count => "nombre",
            Unit::Amount => "montant en euros",
            Unit::Percent => "pourcentage",
        }
    }
}

/// Direction of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub enum Op {
    /// The value must be at least the target.
    #[serde(rename = ">=")]
    AtLeast,
    /// The value must be at most the target.
    #[serde(rename = "<=")]
    AtMost,
}

/// A target.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// `>=` or `<=`.
    pub op: Op,
    /// The target value (absent when personalised).
    #[serde(default)]
    pub value: Option<Number>,
    /// Whether the target is set per establishment (given in the answers).
    #[serde(default)]
    pub personalised: bool,
    /// Unit of the value: `percent` for rates, evolutions and distributions, `count` for counts.
    pub unit: Unit,
}

/// How a measured value turns into a share of the indicator's points.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(tag = "fn", rename_all = "snake_case", deny_unknown_fields)]
pub enum Scoring {
    /// All the points when the target is met, none otherwise.
    AllOrNothing,
    /// Linear between `floor` (no point) and the target (all points), capped.
    Linear {
        /// Value giving no point (default 0 for `>=` targets; required for `<=`).
        #[serde(default)]
        floor: Option<Number>,
    },
    /// Steps: the best satisfied tier gives its share; meeting the target gives all the points.
    Tiers {
        /// Tiers, e.g. `[{ from = 80, share = 50 }]` (share in percent of the points).
        tiers: Vec<Tier>,
    },
}

/// A step of a tiers scoring.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Bound reached (`>=` or `<=` per the target's op).
    pub from: Number,
    /// Share of the points, in percent.
    pub share: Number,
}

/// Selects establishments by category, legal status, funding and identification answers.
/// Every non-empty list must match; an empty selector matches every establishment.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// At least one of the establishment's categories of activity is listed.
    #[serde(default)]
    pub categories: Vec<Category>,
    /// The legal status is listed.
    #[serde(default)]
    pub legal_status: Vec<LegalStatus>,
    /// The funding category is listed.
    #[serde(default)]
    pub funding: Vec<Funding>,
    /// Every condition on identification answers holds.
    #[serde(default)]
    pub when: Vec<Condition>,
}

impl Selector {
    /// Whether the selector restricts nothing.
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
            && self.legal_status.is_empty()
            && self.funding.is_empty()
            && self.when.is_empty()
    }
}

/// A condition on an identification answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// Question id.
    pub question: String,
    /// Expected answer (bool, option id or integer).
    pub equals: serde_json::Value,
}

/// Category of activity of an establishment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Médecine, chirurgie, obstétrique.
    Mco,
    /// Hospitalisation à domicile.
    Had,
    /// Dialyse.
    Dialyse,
    /// Soins de suite et de réadaptation.
    Ssr,
    /// Psychiatrie.
    Psy,
    /// Unités de soins de longue durée.
    Usld,
}

impl Category {
    /// Every category, in display order.
    pub const ALL: [Category; 6] = [
        Category::Mco,
        Category::Had,
        Category::Dialyse,
        Category::Ssr,
        Category::Psy,
        Category::Usld,
    ];
    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            Category::Mco => "MCO",
            Category::Had => "HAD",
            Category::Dialyse => "Dialyse",
            Category::Ssr => "SSR",
            Category::Psy => "Psychiatrie",
            Category::Usld => "USLD",
        }
    }
}

/// Legal status of an establishment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LegalStatus {
    /// Établissement public.
    Public,
    /// Établissement privé à but lucratif.
    Prive,
    /// Établissement de santé privé d'intérêt collectif.
    Espic,
}

impl LegalStatus {
    /// Every status.
    pub const ALL: [LegalStatus; 3] = [LegalStatus::Public, LegalStatus::Prive, LegalStatus::Espic];
    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            LegalStatus::Public => "Public",
            LegalStatus::Prive => "Privé",
            LegalStatus::Espic => "ESPIC",
        }
    }
    /// The usual funding category of the status (public and ESPIC: ex-DG; privé: ex-OQN).
    pub fn default_funding(self) -> Funding {
        match self {
            LegalStatus::Public | LegalStatus::Espic => Funding::ExDg,
            LegalStatus::Prive => Funding::ExOqn,
        }
    }
}

/// Former funding category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Funding {
    /// Ex-dotation globale (public, ESPIC).
    ExDg,
    /// Ex-objectif quantifié national (private for-profit).
    ExOqn,
}

impl Funding {
    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            Funding::ExDg => "ex-DG",
            Funding::ExOqn => "ex-OQN",
        }
    }
}

/// The mark shown wherever a value listed in `assumed` meets a user (form,
/// grid, `caqes score`, `caqes catalog show`).
pub const SUPPOSE: &str = "supposé";

/// The « supposé » tables of several catalogs (`Catalog::assumed_markdown`),
/// a year whose table equals the previous year's of the same family being
/// only named.
pub fn assumed_markdown_all(catalogs: &[Catalog]) -> String {
    let mut out = String::new();
    let mut previous: Option<(String, String, String)> = None; // (family, id, body)
    for c in catalogs {
        let text = c.assumed_markdown();
        let (_, body) = text.split_once('\n').unwrap_or(("", &text));
        let family = c
            .campaign
            .id
            .strip_suffix(&format!("-{}", c.campaign.year))
            .unwrap_or(&c.campaign.id)
            .to_string();
        match &previous {
            Some((f, id, b)) if *f == family && b == body => {
                out.push_str(&format!("#### {}\n\nComme {id}.\n\n", c.campaign.id));
            }
            _ => {
                out.push_str(&text);
                out.push('\n');
                previous = Some((family, c.campaign.id.clone(), body.to_string()));
            }
        }
    }
    out
}

/// One entry of an `assumed` list: a value the sources do not give.
#[derive(Debug, Clone)]
pub struct Assumption<'a> {
    /// The indicator it belongs to (`None`: the campaign).
    pub indicator: Option<&'a Indicator>,
    /// The entry as written: the field, then « : » and the reason if any.
    pub text: &'a str,
}

impl Catalog {
    /// Every value marked `assumed`: the campaign's first, then each
    /// indicator's in catalog order.
    pub fn assumptions(&self) -> Vec<Assumption<'_>> {
        let campaign = self.campaign.assumed.iter().map(|t| Assumption {
            indicator: None,
            text: t,
        });
        let indicators = self.indicators.iter().flat_map(|i| {
            i.assumed.iter().map(move |t| Assumption {
                indicator: Some(i),
                text: t,
            })
        });
        campaign.chain(indicators).collect()
    }

    /// The « supposé » table of this catalog, in Markdown: one row per
    /// `assumed` entry (campaign, then indicators), with the indicator's
    /// `source`. Generated into `indicators/README.md` (`caqes catalog
    /// assumed --markdown`), never written by hand.
    pub fn assumed_markdown(&self) -> String {
        let cell = |t: &str| t.replace('|', "\\|");
        let mut out = format!(
            "#### {} ({} valeur(s) supposée(s))\n\n| Indicateur | Valeur supposée | Source citée |\n|---|---|---|\n",
            self.campaign.id,
            self.assumptions().len()
        );
        for a in self.assumptions() {
            let (who, source) = match a.indicator {
                None => ("Campagne".to_string(), "—".to_string()),
                Some(i) => (format!("{} (`{}`)", i.code, i.id), i.source.clone()),
            };
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                cell(&who),
                cell(a.text),
                cell(&source)
            ));
        }
        out
    }

    /// A catalog from its parts.
    pub fn new(
        campaign: Campaign,
        identification: Vec<Question>,
        volets: Vec<Volet>,
        interessement: Interessement,
        indicators: Vec<Indicator>,
    ) -> Catalog {
        Catalog {
            campaign,
            identification,
            volets,
            interessement,
            indicators,
            index: IndexCell::default(),
        }
        .with_shared_volet_ids()
    }

    /// Each indicator's volet id made the volet's own [`SharedStr`] (the
    /// same text), so that the evaluation finds an indicator's volet by
    /// pointer rather than by comparing texts (it compares the texts when
    /// the pointers differ).
    pub(crate) fn with_shared_volet_ids(mut self) -> Catalog {
        for ind in &mut self.indicators {
            if let Some(v) = self.volets.iter().find(|v| v.id == ind.volet) {
                ind.volet = v.id.clone();
            }
        }
        self
    }

    /// The evaluation's index of this catalog, built on first use.
    pub(crate) fn index(&self) -> &CatalogIndex {
        self.index.0.get_or_init(|| CatalogIndex::of(self))
    }

    /// A copy whose index is empty, so that every evaluation of it looks
    /// the ids up one by one (the reference the index is tested against).
    #[cfg(test)]
    pub(crate) fn without_index(&self) -> Catalog {
        let mut c = self.clone();
        c.index = IndexCell(OnceLock::from(CatalogIndex::default()));
        c
    }

    /// The indicator with this id.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    /// The identification question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.identification.iter().find(|q| q.id == id)
    }

    /// Whether some band needs the previous year's score.
    pub fn needs_previous_score(&self) -> bool {
        self.interessement.bands.iter().any(|b| b.progression)
    }

    /// Whether the previous year's score can change the verdict of this
    /// rounded score: it lies in a band with progression and in no band
    /// without. Below every band with progression, or in a band without
    /// progression, the verdict does not depend on it.
    pub fn previous_score_matters(&self, rounded: Number) -> bool {
        let bands = &self.interessement.bands;
        let holds = |b: &&Band| rounded >= b.min && b.below.is_none_or(|x| rounded < x);
        bands.iter().filter(holds).any(|b| b.progression)
            && !bands.iter().filter(holds).any(|b| !b.progression)
    }

    /// The highest total score: the scale, plus the maximum bonus unless the
    /// total is capped at the scale.
    pub fn max_total(&self) -> Number {
        if self.campaign.cap_total_at_scale {
            self.campaign.scale
        } else {
            self.campaign
                .scale
                .add(self.campaign.bonus_max)
                .unwrap_or(self.campaign.scale)
        }
    }
}

impl Measure {
    /// Every input of the measure, in display order (criteria excluded).
    pub fn inputs(&self) -> Vec<InputRef<'_>> {
        (0..).map_while(|j| self.input(j)).collect()
    }

    /// The input at position `j` of [`Measure::inputs`], without building the list.
    #[cfg_attr(not(target_arch = "wasm32"), inline)]
    pub fn input(&self, j: usize) -> Option<InputRef<'_>> {
        match self {
            Measure::Rate {
                numerator,
                denominator,
                ..
            } => [numerator, denominator].get(j).map(|i| InputRef::Input(i)),
            Measure::Evolution {
                previous, current, ..
            } => [previous, current].get(j).map(|i| InputRef::Input(i)),
            Measure::Count { terms, .. } => terms.get(j).map(InputRef::Term),
            Measure::Distribution {
                total,
                parts,
                excluded,
                excluded_counted,
                ..
            } => {
                let extra = excluded.iter().chain(excluded_counted.iter());
                match j {
                    0 => Some(total),
                    j if j <= parts.len() => parts.get(j - 1),
                    j => extra.into_iter().nth(j - 1 - parts.len()),
                }
                .map(InputRef::Input)
            }
            Measure::Criteria { .. } => None,
            Measure::Information { inputs } => inputs.get(j).map(InputRef::Input),
        }
    }

    /// Whether the measure has an input (or count term) with this id; no allocation.
    pub fn has_input(&self, id: &str) -> bool {
        match self {
            Measure::Rate {
                numerator,
                denominator,
                ..
            } => numerator.id == id || denominator.id == id,
            Measure::Evolution {
                previous, current, ..
            } => previous.id == id || current.id == id,
            Measure::Count { terms, .. } => terms.iter().any(|t| t.id == id),
            Measure::Distribution {
                total,
                parts,
                excluded,
                excluded_counted,
                ..
            } => {
                total.id == id
                    || parts.iter().any(|p| p.id == id)
                    || excluded.as_ref().is_some_and(|e| e.id == id)
                    || excluded_counted.as_ref().is_some_and(|e| e.id == id)
            }
            Measure::Criteria { .. } => false,
            Measure::Information { inputs } => inputs.iter().any(|i| i.id == id),
        }
    }

    /// The target, for measured kinds.
    pub fn target(&self) -> Option<&Target> {
        match self {
            Measure::Rate { target, .. }
            | Measure::Evolution { target, .. }
            | Measure::Count { target, .. }
            | Measure::Distribution { target, .. } => Some(target),
            Measure::Criteria { .. } | Measure::Information { .. } => None,
        }
    }

    /// Short French name of the kind.
    pub fn kind_label(&self) -> &'static str {
        match self {
            Measure::Rate { .. } => "taux",
            Measure::Evolution { .. } => "taux d'évolution",
            Measure::Count { .. } => "dénombrement",
            Measure::Distribution { .. } => "répartition",
            Measure::Criteria { .. } => "critères qualitatifs",
            Measure::Information { .. } => "information",
        }
    }
}

/// An input or a count term, seen uniformly by adapters (form, grid).
#[derive(Debug, Clone, Copy)]
pub enum InputRef<'a> {
    /// A plain input.
    Input(&'a Input),
    /// A term of a count (always a count unit).
    Term(&'a Term),
}

impl<'a> InputRef<'a> {
    /// Whether both refer to the same input of the same catalog (identity, not equality).
    pub(crate) fn is(&self, other: &InputRef<'_>) -> bool {
        match (self, other) {
            (InputRef::Input(a), InputRef::Input(b)) => std::ptr::eq(*a, *b),
            (InputRef::Term(a), InputRef::Term(b)) => std::ptr::eq(*a, *b),
            _ => false,
        }
    }

    /// Identifier within the indicator.
    pub fn id(&self) -> &'a str {
        match self {
            InputRef::Input(i) => &i.id,
            InputRef::Term(t) => &t.id,
        }
    }
    /// Label.
    pub fn label(&self) -> &'a str {
        match self {
            InputRef::Input(i) => &i.label,
            InputRef::Term(t) => &t.label,
        }
    }
    /// Unit.
    pub fn unit(&self) -> Unit {
        match self {
            InputRef::Input(i) => i.unit,
            InputRef::Term(_) => Unit::Count,
        }
    }
    /// Help text.
    pub fn help(&self) -> &'a str {
        match self {
            InputRef::Input(i) => &i.help,
            InputRef::Term(t) => &t.help,
        }
    }
    /// Pre-fill source.
    pub fn prefill(&self) -> Option<&'a str> {
        match self {
            InputRef::Input(i) => i.prefill.as_deref(),
            InputRef::Term(_) => None,
        }
    }
    /// Who officially supplies the figure, if not the establishment.
    pub fn provided_by(&self) -> Option<Provider> {
        match self {
            InputRef::Input(i) => i.provided_by,
            InputRef::Term(t) => t.provided_by,
        }
    }
}
