//! The content of an evaluation report, independent of its format (PDF or HTML):
//! a title and a list of blocks, all text in French with French number formats.
//! The agency's report (`caqes report`) and the establishment's preview of its
//! self-evaluation (the form's « Aperçu du rapport », [`Input::preview`]) are
//! the same sections in the same order; the preview is marked
//! « auto-évaluation » and shows no retained value, official score or period
//! date that the agency has not decided yet.

use caqes_campaign::{format_cents, EsRow, Submission};
use caqes_engine::labels;
use caqes_engine::{Adjustment, Catalog, IndicatorResult, Number, RoundingMode, Status, Unit};

/// A report: what both renderers draw.
#[derive(Debug, Clone)]
pub struct Doc {
    /// Title on top of the first page.
    pub title: String,
    /// Campaign line under the title.
    pub subtitle: String,
    /// Left part of every page footer (FINESS and campaign).
    pub footer: String,
    /// The content, in order.
    pub blocks: Vec<Block>,
}

/// One block of a report.
#[derive(Debug, Clone)]
pub enum Block {
    /// Section heading.
    Heading(String),
    /// Paragraph of text (wrapped).
    Para(String),
    /// Label / value lines.
    Pairs(Vec<(String, String)>),
    /// A table; `widths` are fractions of the text width.
    Table {
        widths: Vec<f32>,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// Opening and closing dates of the contradictory period (`JJ/MM/AAAA`).
#[derive(Debug, Clone)]
pub struct Period {
    pub start: String,
    pub end: String,
    /// Whether the end date is the assumed default delay.
    pub end_assumed: bool,
}

/// One version of the agency's review of an establishment.
#[derive(Debug, Clone)]
pub struct Version {
    pub version: u32,
    pub date: String,
    /// Whether this version is the one applied.
    pub applied: bool,
    /// What changed since the previous version (French).
    pub changes: Vec<String>,
}

/// Everything one report shows.
pub struct Input<'a> {
    pub catalog: &'a Catalog,
    pub own: &'a Submission,
    pub official: &'a Submission,
    /// The agency's adjustments of the official submission.
    pub adjustments: &'a [Adjustment],
    /// The review versions of this establishment (oldest first).
    pub versions: &'a [Version],
    /// The establishment's row of the campaign (progression, amounts).
    pub row: Option<&'a EsRow>,
    /// Whether a review or agency data was given.
    pub reviewed: bool,
    pub period: Option<&'a Period>,
    /// The establishment's preview of its self-evaluation (form), not the
    /// agency's report.
    pub preview: bool,
}

impl<'a> Input<'a> {
    /// The preview of the self-evaluation `own`: no review, no period; `row`
    /// is the establishment's row of a campaign of this submission alone
    /// (progression; amounts only when computable).
    pub fn preview(catalog: &'a Catalog, own: &'a Submission, row: Option<&'a EsRow>) -> Self {
        Input {
            catalog,
            own,
            official: own,
            adjustments: &[],
            versions: &[],
            row,
            reviewed: false,
            period: None,
            preview: true,
        }
    }
}

/// The mark of the preview, in its title, subtitle and footer.
pub const PREVIEW_MARK: &str = "auto-évaluation";

/// French display of a number, at most 2 decimals.
pub fn num(n: Number) -> String {
    n.round(2, RoundingMode::HalfUp).to_french_auto()
}

fn value_text(r: &IndicatorResult) -> String {
    if r.status != Status::Renseigne {
        return r.status.label().to_string();
    }
    match (r.value, r.unit) {
        (Some(v), Some(Unit::Percent)) => format!("{} %", num(v)),
        (Some(v), Some(Unit::Amount)) => format!("{} €", v.to_french(2)),
        (Some(v), _) => num(v),
        (None, _) => match r.share {
            Some(s) => format!("{} % des points", num(s.mul(Number::HUNDRED).unwrap_or(s))),
            None => "—".to_string(),
        },
    }
}

fn points_text(r: &IndicatorResult) -> String {
    if r.status != Status::Renseigne && r.weight.is_zero() {
        return "—".to_string();
    }
    labels::points_text(&num(r.points), &num(r.weight))
}

fn score_text(catalog: &Catalog, s: &Submission) -> String {
    let e = &s.evaluation;
    let unit = labels::score_unit(catalog);
    match (e.total_rounded, e.total) {
        (Some(r), Some(t)) => format!(
            "{}{unit} (score exact {}{unit})",
            r.to_french_auto(),
            num(t)
        ),
        _ => labels::NON_CALCULABLE.to_string(),
    }
}

fn verdict_text(s: &Submission) -> String {
    let v = &s.evaluation.verdict;
    let head = labels::verdict_short(v.interesse).to_uppercase();
    format!("{head} — {}", v.reason)
}

fn text_of(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "—".to_string(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(true) => "oui".to_string(),
        serde_json::Value::Bool(false) => "non".to_string(),
        serde_json::Value::Number(n) => {
            let t = n.to_string();
            Number::parse(&t).map(num).unwrap_or(t)
        }
        other => other.to_string(),
    }
}

/// Builds the report of one establishment.
pub fn build(i: &Input) -> Doc {
    let c = &i.catalog.campaign;
    let est = &i.official.answers.establishment;
    let mut b = Vec::new();
    let mut campaign = vec![
        ("Campagne".into(), c.title.clone()),
        ("Région".into(), c.region.clone()),
        ("Contrat".into(), c.contract.clone()),
        ("Année évaluée".into(), c.year.to_string()),
        ("Référentiel".into(), c.id.clone()),
    ];
    if i.preview {
        campaign.push((
            "Document".into(),
            format!(
                "aperçu de l'{PREVIEW_MARK} de l'établissement, sans valeur officielle : le rapport \
                 d'évaluation est établi et envoyé par l'agence après sa revue"
            ),
        ));
    }
    b.push(Block::Pairs(campaign));
    b.push(Block::Heading("Identification de l'établissement".into()));
    let mut id = vec![
        ("FINESS".into(), est.finess.clone()),
        ("Établissement".into(), est.name.clone()),
    ];
    if !est.departement.is_empty() {
        id.push(("Département".into(), est.departement.clone()));
    }
    if let Some(s) = est.legal_status {
        id.push(("Statut juridique".into(), s.label().to_string()));
    }
    if let Some(n) = est.beds {
        id.push(("Lits".into(), num(Number::int(n as i64))));
    }
    if let Some(n) = est.places {
        id.push(("Places".into(), num(Number::int(n as i64))));
    }
    b.push(Block::Pairs(id));
    result_section(i, &mut b);
    for volet in &i.catalog.volets {
        volet_section(i, &volet.id, &volet.title, &mut b);
    }
    evidence_section(i, &mut b);
    history_section(i, &mut b);
    period_section(i, &mut b);
    if i.preview {
        return Doc {
            title: format!("Rapport d'évaluation CAQES — aperçu de l'{PREVIEW_MARK}"),
            subtitle: format!("Auto-évaluation — {} — {} {}", c.title, c.region, c.year),
            footer: format!("FINESS {} — {} — {PREVIEW_MARK}", est.finess, c.id),
            blocks: b,
        };
    }
    Doc {
        title: "Rapport d'évaluation CAQES".into(),
        subtitle: format!("{} — {} {}", c.title, c.region, c.year),
        footer: format!("FINESS {} — {}", est.finess, c.id),
        blocks: b,
    }
}

fn result_section(i: &Input, b: &mut Vec<Block>) {
    let cat = i.catalog;
    b.push(Block::Heading("Résultat de l'évaluation".into()));
    if i.preview {
        b.push(Block::Pairs(vec![
            ("Score auto-évalué".into(), score_text(cat, i.own)),
            ("Verdict (auto-évaluation)".into(), verdict_text(i.own)),
            (
                "Évaluation".into(),
                i.own.evaluation.state.label().to_string(),
            ),
            (
                "Base".into(),
                "valeurs déclarées par l'établissement, avant la revue de l'agence : le score \
                 officiel, les valeurs retenues et les motifs figureront dans son rapport"
                    .into(),
            ),
        ]));
    } else {
        let basis = if i.reviewed {
            "revue de l'agence et données fournies par l'agence appliquées"
        } else {
            "aucune revue de l'agence : le résultat officiel est l'auto-évaluation"
        };
        b.push(Block::Pairs(vec![
            ("Score auto-évalué".into(), score_text(cat, i.own)),
            ("Score officiel".into(), score_text(cat, i.official)),
            ("Verdict".into(), verdict_text(i.official)),
            (
                "Évaluation".into(),
                i.official.evaluation.state.label().to_string(),
            ),
            ("Base".into(), basis.into()),
        ]));
    }
    b.push(Block::Heading("Progression".into()));
    let prev_year = cat.campaign.year.saturating_sub(1);
    let line = match i
        .row
        .and_then(|r| r.previous_score.map(|p| (p, r.progression)))
    {
        Some((p, Some(d))) => format!(
            "Score {prev_year} : {} % ; score {} : {} % ; progression : {}{} point(s).",
            num(p),
            cat.campaign.year,
            i.official
                .evaluation
                .total_rounded
                .map(num)
                .unwrap_or_else(|| "—".into()),
            if d.is_negative() { "" } else { "+" },
            num(d)
        ),
        Some((p, None)) => format!(
            "Score {prev_year} : {} % ; progression non calculable.",
            num(p)
        ),
        None => format!("Score {prev_year} non disponible : progression non calculable."),
    };
    b.push(Block::Para(line));
    b.push(Block::Heading("Intéressement".into()));
    b.push(Block::Pairs(amount_lines(i)));
}

fn amount_lines(i: &Input) -> Vec<(String, String)> {
    let Some(r) = i.row.filter(|r| r.amount_cents.is_some()) else {
        if i.preview {
            return vec![(
                "Montant".into(),
                "calculé par l'agence (enveloppe régionale, économies générées) : non disponible \
                 dans l'auto-évaluation"
                    .into(),
            )];
        }
        return vec![(
            "Montant".into(),
            "non calculé (aucune enveloppe ni économies fournies)".into(),
        )];
    };
    let mut out = vec![("Montant".into(), format_cents(r.amount_cents.unwrap_or(0)))];
    if let Some(a) = &i.catalog.interessement.amounts {
        let savings = r
            .savings_cents
            .map(|s| {
                let e = format_cents(s.unsigned_abs());
                if s < 0 {
                    format!("−{e}")
                } else {
                    e
                }
            })
            .unwrap_or_else(|| "non fournies".into());
        out.push((
            "Indicateurs nationaux".into(),
            format!(
                "{} % des économies générées ({savings}) : {}",
                a.savings_percent.to_french_auto(),
                format_cents(r.national_cents.unwrap_or(0))
            ),
        ));
    }
    if let Some(c) = r.regional_cents {
        out.push(("Enveloppe FIR (part)".into(), format_cents(c)));
    }
    out
}

fn volet_section(i: &Input, volet: &str, title: &str, b: &mut Vec<Block>) {
    let own = &i.own.evaluation;
    let off = &i.official.evaluation;
    let score = off
        .volets
        .iter()
        .find(|v| v.id == volet)
        .and_then(|v| v.score)
        .map(|s| format!(" — {} %", num(s)))
        .unwrap_or_default();
    b.push(Block::Heading(format!("Volet : {title}{score}")));
    let mut rows = Vec::new();
    let mut comments = Vec::new();
    for r in off.indicators.iter().filter(|r| r.volet == volet) {
        let Some(o) = own.indicator(&r.id) else {
            continue;
        };
        let title = i
            .catalog
            .indicator(&r.id)
            .map(|d| d.title.clone())
            .unwrap_or_default();
        if i.preview {
            rows.push(vec![
                r.code.to_string(),
                title,
                value_text(o),
                points_text(o),
            ]);
            if let Some(a) = i.own.answers.indicators.get(r.id.as_str()) {
                if !a.comment.trim().is_empty() {
                    comments.push(format!("{} : {}", r.code, a.comment.trim()));
                }
            }
            continue;
        }
        let motif: Vec<String> = i
            .adjustments
            .iter()
            .filter(|a| a.indicator == r.id)
            .map(|a| {
                format!(
                    "{} : {} → {} — {} ({})",
                    a.field,
                    text_of(&a.from),
                    text_of(&a.to),
                    a.motif,
                    a.origin.label()
                )
            })
            .collect();
        rows.push(vec![
            r.code.to_string(),
            title,
            value_text(o),
            points_text(o),
            value_text(r),
            points_text(r),
            if motif.is_empty() {
                "validé".into()
            } else {
                motif.join(" ; ")
            },
        ]);
        if let Some(a) = i.own.answers.indicators.get(r.id.as_str()) {
            if !a.comment.trim().is_empty() {
                comments.push(format!("{} : {}", r.code, a.comment.trim()));
            }
        }
    }
    if i.preview {
        b.push(Block::Table {
            widths: vec![0.14, 0.5, 0.2, 0.16],
            header: vec![
                "Code".into(),
                "Indicateur".into(),
                "Valeur auto-évaluée".into(),
                "Points".into(),
            ],
            rows,
        });
    } else {
        b.push(Block::Table {
            widths: vec![0.12, 0.22, 0.13, 0.08, 0.13, 0.08, 0.24],
            header: vec![
                "Code".into(),
                "Indicateur".into(),
                "Valeur auto-évaluée".into(),
                "Points".into(),
                "Valeur retenue".into(),
                "Points retenus".into(),
                "Motif de l'agence".into(),
            ],
            rows,
        });
    }
    for c in comments {
        b.push(Block::Para(format!("Commentaire de l'établissement — {c}")));
    }
}

fn evidence_section(i: &Input, b: &mut Vec<Block>) {
    b.push(Block::Heading("Éléments de preuve manquants".into()));
    let mut rows = Vec::new();
    for r in &i.official.evaluation.indicators {
        if r.status != Status::Renseigne {
            continue;
        }
        let Some(ind) = i.catalog.indicator(&r.id) else {
            continue;
        };
        let given = i.official.answers.indicators.get(r.id.as_str());
        for e in &ind.evidence {
            if !given.is_some_and(|a| a.evidence.contains(&e.id)) {
                rows.push(vec![r.code.to_string(), e.label.clone()]);
            }
        }
    }
    if rows.is_empty() {
        b.push(Block::Para("Aucun élément de preuve manquant.".into()));
    } else {
        b.push(Block::Table {
            widths: vec![0.15, 0.85],
            header: vec!["Indicateur".into(), "Élément de preuve à fournir".into()],
            rows,
        });
    }
}

fn history_section(i: &Input, b: &mut Vec<Block>) {
    let h = i.versions;
    if h.is_empty() {
        return;
    }
    b.push(Block::Heading("Versions de la revue".into()));
    b.push(Block::Table {
        widths: vec![0.1, 0.15, 0.1, 0.65],
        header: vec![
            "Version".into(),
            "Date".into(),
            "Appliquée".into(),
            "Changements".into(),
        ],
        rows: h
            .iter()
            .map(|v| {
                vec![
                    v.version.to_string(),
                    v.date.clone(),
                    if v.applied { "oui" } else { "non" }.into(),
                    v.changes.join(" ; "),
                ]
            })
            .collect(),
    });
}

fn period_section(i: &Input, b: &mut Vec<Block>) {
    b.push(Block::Heading("Période contradictoire".into()));
    if i.preview {
        b.push(Block::Para(
            "Elle s'ouvre à l'envoi du rapport d'évaluation par l'agence : l'établissement pourra \
             alors accepter ou contester chaque ajustement, avec un commentaire (formulaire, \
             « Répondre au rapport d'évaluation »)."
                .into(),
        ));
        return;
    }
    b.push(Block::Para(match i.period {
        Some(p) => format!(
            "Du {} au {}{} : l'établissement peut accepter ou contester chaque ajustement de l'agence, avec un commentaire (formulaire, « Répondre au rapport d'évaluation »).",
            p.start,
            p.end,
            if p.end_assumed { " (délai de 30 jours supposé)" } else { "" }
        ),
        None => "Dates non fixées.".into(),
    }));
}

/// Parses a French date `JJ/MM/AAAA` into (year, month, day).
pub fn parse_date(text: &str) -> Option<(i64, u32, u32)> {
    let p: Vec<&str> = text.trim().split('/').collect();
    let [d, m, y] = p.as_slice() else { return None };
    let (d, m, y): (u32, u32, i64) = (d.parse().ok()?, m.parse().ok()?, y.parse().ok()?);
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) || !(1900..=9999).contains(&y) {
        return None;
    }
    Some((y, m, d))
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Formats a date as `JJ/MM/AAAA`.
pub fn format_date((y, m, d): (i64, u32, u32)) -> String {
    format!("{d:02}/{m:02}/{y:04}")
}

/// Adds `days` days to a date.
pub fn add_days((mut y, mut m, mut d): (i64, u32, u32), days: u32) -> (i64, u32, u32) {
    for _ in 0..days {
        d += 1;
        if d > days_in_month(y, m) {
            d = 1;
            m += 1;
            if m > 12 {
                m = 1;
                y += 1;
            }
        }
    }
    (y, m, d)
}

/// Safe file name of a report: `<finess>-<name>.<ext>`, the name reduced to
/// ASCII letters, digits and dashes (accents dropped), at most 60 characters;
/// `<finess>.<ext>` when nothing of the name is left. Never a path.
pub fn file_name(finess: &str, name: &str, ext: &str) -> String {
    let f: String = finess
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(12)
        .collect();
    let f = if f.is_empty() {
        "sans-finess".to_string()
    } else {
        f
    };
    let mut n = String::new();
    for c in name.chars().flat_map(fold) {
        if c.is_ascii_alphanumeric() {
            n.push(c);
        } else if !n.ends_with('-') && !n.is_empty() {
            n.push('-');
        }
        if n.len() >= 60 {
            break;
        }
    }
    let n = n.trim_matches('-');
    if n.is_empty() {
        format!("{f}.{ext}")
    } else {
        format!("{f}-{n}.{ext}")
    }
}

/// ASCII letters of a Latin letter with diacritics (others unchanged).
fn fold(c: char) -> Vec<char> {
    let s = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "a",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "A",
        'ç' => "c",
        'Ç' => "C",
        'è' | 'é' | 'ê' | 'ë' => "e",
        'È' | 'É' | 'Ê' | 'Ë' => "E",
        'ì' | 'í' | 'î' | 'ï' => "i",
        'Ì' | 'Í' | 'Î' | 'Ï' => "I",
        'ñ' => "n",
        'Ñ' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => "o",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => "O",
        'ù' | 'ú' | 'û' | 'ü' => "u",
        'Ù' | 'Ú' | 'Û' | 'Ü' => "U",
        'ÿ' => "y",
        'œ' => "oe",
        'Œ' => "OE",
        'æ' => "ae",
        'Æ' => "AE",
        _ => return vec![c],
    };
    s.chars().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(catalog: &str, name: &str) -> (Catalog, caqes_engine::Answers) {
        let c = caqes_catalogs::bundled()
            .unwrap()
            .into_iter()
            .find(|c| c.campaign.id == catalog)
            .unwrap();
        let path = format!(
            "{}/../../tests/answers/{catalog}/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let a = caqes_engine::Answers::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
        (c, a)
    }

    fn headings(d: &Doc) -> Vec<&str> {
        d.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading(h) => Some(h.as_str()),
                _ => None,
            })
            .collect()
    }

    fn text(d: &Doc) -> String {
        let mut t = format!("{}\n{}\n{}\n", d.title, d.subtitle, d.footer);
        for b in &d.blocks {
            match b {
                Block::Heading(h) | Block::Para(h) => t.push_str(h),
                Block::Pairs(p) => p
                    .iter()
                    .for_each(|(k, v)| t.push_str(&format!("{k} {v}\n"))),
                Block::Table { header, rows, .. } => {
                    t.push_str(&header.join(" "));
                    rows.iter().for_each(|r| t.push_str(&r.join(" ")));
                }
            }
            t.push('\n');
        }
        t
    }

    #[test]
    fn preview_has_the_agency_sections_marked_self_evaluation() {
        let (c, a) = example("na-ako-2024", "complet");
        let own = caqes_campaign::evaluate_with_history(&c, a, &[]);
        let preview = crate::preview(&c, own.answers.clone());
        let agency = build(&Input {
            catalog: &c,
            own: &own,
            official: &own,
            adjustments: &[],
            versions: &[],
            row: None,
            reviewed: false,
            period: None,
            preview: false,
        });
        assert_eq!(headings(&preview), headings(&agency));
        assert!(headings(&preview).contains(&"Période contradictoire"));
        let t = text(&preview);
        for mark in [&preview.title, &preview.subtitle, &preview.footer] {
            assert!(mark.to_lowercase().contains(PREVIEW_MARK), "{mark}");
        }
        for mark in [&agency.title, &agency.subtitle, &agency.footer] {
            assert!(!mark.to_lowercase().contains(PREVIEW_MARK), "{mark}");
        }
        assert!(t.contains("CHU de Bordeaux") && t.contains("330781196"));
        let score = own.evaluation.total_rounded.unwrap().to_french_auto();
        assert!(t.contains(&format!("Score auto-évalué {score} %")), "{t}");
        assert!(t.contains("INTÉRESSÉ"), "{t}");
        // Nothing the agency has not decided: no official score, no retained
        // value, no motif, no date of the period, no amount.
        for absent in [
            "Score officiel",
            "Valeur retenue",
            "Points retenus",
            "Motif de l'agence",
            "validé",
            "Dates non fixées",
        ] {
            assert!(!t.contains(absent), "{absent} in {t}");
        }
        assert!(t.contains("s'ouvre à l'envoi du rapport d'évaluation par l'agence"));
        assert!(t.contains("non disponible dans l'auto-évaluation"));
        // One row per indicator of each volet, self-assessed value and points.
        let rows: usize = preview
            .blocks
            .iter()
            .map(|b| match b {
                Block::Table { header, rows, .. } if header.len() == 4 => rows.len(),
                _ => 0,
            })
            .sum();
        assert_eq!(rows, own.evaluation.indicators.len());
    }

    #[test]
    fn preview_progression_from_the_previous_score() {
        let (c, a) = example("na-ako-2024", "bande-85-89-progression");
        let prev = a.previous_score.unwrap();
        let t = text(&crate::preview(&c, a));
        assert!(
            t.contains(&format!("Score {} : {} %", c.campaign.year - 1, num(prev))),
            "{t}"
        );
        assert!(t.contains("progression : +"), "{t}");
    }

    #[test]
    fn file_names_never_escape() {
        assert_eq!(file_name("330781196", "../../x", "pdf"), "330781196-x.pdf");
        assert_eq!(file_name("../..", "", "pdf"), "sans-finess.pdf");
        assert_eq!(
            file_name("330781196", "CHU de Limoges (Hôpital Dupuytren)", "pdf"),
            "330781196-CHU-de-Limoges-Hopital-Dupuytren.pdf"
        );
        assert_eq!(
            file_name("330781196", "Κέντρο Υγείας", "pdf"),
            "330781196.pdf"
        );
        for name in ["/etc/passwd", "..\\..\\a", "a/../../b", "\0x", "..."] {
            let f = file_name("1/2", name, "pdf");
            assert!(
                !f.contains('/') && !f.contains('\\') && !f.contains(".."),
                "{f}"
            );
        }
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("15/07/2024"), Some((2024, 7, 15)));
        assert_eq!(parse_date("31/02/2024"), None);
        assert_eq!(parse_date("2024-07-15"), None);
        assert_eq!(format_date(add_days((2024, 12, 15), 30)), "14/01/2025");
        assert_eq!(format_date(add_days((2024, 2, 15), 30)), "16/03/2024");
    }
}
