//! « Répondre au rapport d'évaluation » (contradictory period): the
//! establishment imports the agency's review CSV for its FINESS, sees each
//! adjustment ([`caqes_engine::apply_review`] on the current draft), accepts
//! or contests each one (a comment is required to contest), and exports a
//! response file ([`caqes_engine::write_response_csv`]). The review text and
//! the responses are kept in the browser's storage beside the draft
//! ([`crate::drafts::save_review`]).

use crate::app::{App, Msg};
use crate::form::{Action, Form};
use caqes_engine::labels;
use caqes_engine::{
    apply_review, evaluate, parse_review_csv, write_response_csv, Adjustment, Answers, Catalog,
    Decision, Measure, Reponse, ResponseRow, ReviewRow,
};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::html::Scope;
use yew::prelude::*;

/// Responses by (indicator, field): the choice (if made) and the comment.
pub type Responses = BTreeMap<(String, String), (Option<Reponse>, String)>;

/// A review imported for the open draft.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// File name of the review.
    pub file: String,
    /// The review CSV as imported (stored, parsed again on reload).
    pub text: String,
    /// Version answered (the latest for this FINESS in the file).
    pub version: u32,
    /// Date of that version, when given.
    pub date: Option<String>,
    /// The decisions of that version for this FINESS.
    pub decisions: Vec<Decision>,
    /// The establishment's responses.
    pub responses: Responses,
}

/// Reads a review CSV for the draft `answers` on `catalog`. `others` are the
/// catalogs the form knows, to name the campaign of a review from another
/// one. Errors: a French sentence and located lines; the draft is untouched.
pub fn import(
    file: &str,
    text: &str,
    answers: &Answers,
    catalog: &Catalog,
    others: &[Rc<Catalog>],
) -> Result<Review, (String, Vec<String>)> {
    let refused = |why: String, lines: Vec<String>| {
        (
            format!("Rapport « {file} » refusé : {why}. Votre brouillon n'a pas été modifié."),
            lines,
        )
    };
    let rows = parse_review_csv(text).map_err(|errs| {
        refused(
            "ce n'est pas un rapport d'évaluation CSV lisible (finess;indicateur;champ;valeur;motif[;version;date])".into(),
            errs.iter().map(|e| e.to_string()).collect(),
        )
    })?;
    if rows.is_empty() {
        return Err(refused("il ne contient aucune décision".into(), vec![]));
    }
    if let Some(why) = other_campaign(&rows, catalog, others) {
        return Err(refused(why, vec![]));
    }
    let finess = answers.establishment.finess.trim();
    let mine: Vec<_> = rows.iter().filter(|r| r.finess.trim() == finess).collect();
    if mine.is_empty() {
        return Err(refused(other_finess(&rows, finess), vec![]));
    }
    let version = mine
        .iter()
        .map(|r| r.version.unwrap_or(1))
        .max()
        .unwrap_or(1);
    let latest: Vec<_> = mine
        .into_iter()
        .filter(|r| r.version.unwrap_or(1) == version)
        .collect();
    let date = latest.iter().find_map(|r| r.date.clone());
    let decisions: Vec<Decision> = latest.iter().map(|r| r.decision()).collect();
    if let Err(errs) = apply_review(catalog, answers, &decisions) {
        return Err(refused(
            "des décisions ne peuvent pas s'appliquer".into(),
            errs.iter()
                .map(|e| match latest.get(e.decision) {
                    Some(r) => format!("ligne {} : {e}", r.line),
                    None => e.to_string(),
                })
                .collect(),
        ));
    }
    Ok(Review {
        file: file.into(),
        text: text.into(),
        version,
        date,
        decisions,
        responses: Responses::new(),
    })
}

/// Why a review is of another campaign than `catalog` (no indicator of its
/// rows is in `catalog`), naming that campaign when one of `others` has them.
fn other_campaign(rows: &[ReviewRow], catalog: &Catalog, others: &[Rc<Catalog>]) -> Option<String> {
    let unknown: Vec<&str> = rows
        .iter()
        .map(|r| r.indicator.as_str())
        .filter(|i| catalog.indicator(i).is_none())
        .collect();
    if rows.is_empty() || unknown.len() != rows.len() {
        return None;
    }
    let other = others
        .iter()
        .find(|c| unknown.iter().all(|i| c.indicator(i).is_some()))
        .map(|c| format!("de la campagne « {} »", c.campaign.id))
        .unwrap_or_else(|| "d'une autre campagne".into());
    Some(format!(
        "ce rapport est {other}, pas de la campagne ouverte « {} »",
        catalog.campaign.id
    ))
}

/// Why no row of a review is for the draft's `finess`: the FINESS it concerns.
fn other_finess(rows: &[ReviewRow], finess: &str) -> String {
    let mut theirs: Vec<&str> = rows.iter().map(|r| r.finess.trim()).collect();
    theirs.sort_unstable();
    theirs.dedup();
    let shown = if finess.is_empty() {
        "(non saisi)"
    } else {
        finess
    };
    format!(
        "il concerne le FINESS {}, pas celui du brouillon ({shown})",
        if theirs.is_empty() {
            "(aucun)".to_string()
        } else {
            theirs.join(", ")
        }
    )
}

/// The adjustments of the review on the current draft (none when the draft
/// has since changed so that a decision no longer applies).
pub fn adjustments(review: &Review, catalog: &Catalog, answers: &Answers) -> Vec<Adjustment> {
    apply_review(catalog, answers, &review.decisions)
        .map(|o| o.adjustments)
        .unwrap_or_default()
}

/// The retained value as written in the response file.
pub fn plain(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::Bool(true) => "oui".into(),
        serde_json::Value::Bool(false) => "non".into(),
        serde_json::Value::Number(n) => n.to_string().replace('.', ","),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A value as shown to the user.
fn shown(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "(vide)".into(),
        serde_json::Value::Bool(true) => "Oui".into(),
        serde_json::Value::Bool(false) => "Non".into(),
        serde_json::Value::String(s) => match s.as_str() {
            "renseigne" => labels::RENSEIGNE.into(),
            "non_concerne" => labels::NON_CONCERNE.into(),
            "non_mesurable" => labels::NON_MESURABLE.into(),
            _ => s.clone(),
        },
        other => plain(other),
    }
}

/// The label of a field of an indicator.
fn field_label(catalog: &Catalog, indicator: &str, field: &str) -> String {
    let Some(ind) = catalog.indicator(indicator) else {
        return field.into();
    };
    let (kind, id) = field.split_once('.').unwrap_or((field, ""));
    match kind {
        "status" => "Statut déclaré".into(),
        "target" => "Cible personnalisée".into(),
        "inputs" => ind
            .measure
            .inputs()
            .into_iter()
            .find(|i| i.id() == id)
            .map(|i| i.label().to_string())
            .unwrap_or_else(|| field.into()),
        "criteria" => match &ind.measure {
            Measure::Criteria { criteria } => criteria
                .iter()
                .find(|c| c.id == id)
                .map(|c| format!("Critère : {}", c.label))
                .unwrap_or_else(|| field.into()),
            _ => field.into(),
        },
        "evidence" => ind
            .evidence
            .iter()
            .find(|e| e.id == id)
            .map(|e| format!("Preuve : {}", e.label))
            .unwrap_or_else(|| field.into()),
        _ => field.into(),
    }
}

/// The response file, or the French list of what is missing.
pub fn response_file(
    review: &Review,
    catalog: &Catalog,
    answers: &Answers,
) -> Result<String, Vec<String>> {
    let mut rows = Vec::new();
    let mut missing = Vec::new();
    for a in adjustments(review, catalog, answers) {
        let key = (a.indicator.clone(), a.field.clone());
        let name = format!(
            "{} — {}",
            code(catalog, &a.indicator),
            field_label(catalog, &a.indicator, &a.field)
        );
        match review.responses.get(&key) {
            Some((Some(r), comment)) if *r == Reponse::Accepte || !comment.trim().is_empty() => {
                rows.push(ResponseRow {
                    line: 0,
                    finess: answers.establishment.finess.trim().to_string(),
                    indicator: a.indicator.clone(),
                    field: a.field.clone(),
                    retained: plain(&a.to),
                    response: *r,
                    comment: comment.trim().to_string(),
                    version: Some(review.version),
                })
            }
            Some((Some(_), _)) => {
                missing.push(format!("{name} : commentaire obligatoire pour contester"))
            }
            _ => missing.push(format!("{name} : ni acceptée ni contestée")),
        }
    }
    if missing.is_empty() {
        Ok(write_response_csv(&rows))
    } else {
        Err(missing)
    }
}

fn code(catalog: &Catalog, indicator: &str) -> String {
    catalog
        .indicator(indicator)
        .map(|i| i.code.to_string())
        .unwrap_or_else(|| indicator.into())
}

/// File name of the response: only letters, digits and `-`.
pub fn export_name(catalog_id: &str, finess: &str, version: u32) -> String {
    let safe = |s: &str| -> String {
        s.trim()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect()
    };
    let finess = safe(finess);
    let finess = if finess.is_empty() {
        "sans-finess".into()
    } else {
        finess
    };
    format!("caqes-reponse-{}-{finess}-v{version}.csv", safe(catalog_id))
}

/// Separators of the stored responses (ASCII unit and record separators,
/// removed from the texts): no JSON parser in the form's first load.
const UNIT: char = '\u{1f}';
const RECORD: char = '\u{1e}';

/// Responses as stored: one record per response, `indicator`, `field`,
/// `accepte` / `conteste` / empty, comment.
pub fn responses_to_text(r: &Responses) -> String {
    let clean = |t: &str| t.replace([UNIT, RECORD], " ");
    r.iter()
        .map(|((i, f), (choice, comment))| {
            [
                clean(i),
                clean(f),
                choice.map(|c| c.code()).unwrap_or("").to_string(),
                clean(comment),
            ]
            .join(&UNIT.to_string())
        })
        .collect::<Vec<_>>()
        .join(&RECORD.to_string())
}

/// Reads [`responses_to_text`]; anything unreadable is dropped.
pub fn responses_from_text(text: &str) -> Responses {
    let mut out = Responses::new();
    for record in text.split(RECORD) {
        let mut f = record.split(UNIT);
        let (Some(i), Some(field), Some(code), Some(comment)) =
            (f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        if i.is_empty() {
            continue;
        }
        out.insert(
            (i.to_string(), field.to_string()),
            (Reponse::parse(code), comment.to_string()),
        );
    }
    out
}

/// Both scores, self-assessed and with the agency's decisions (one French sentence).
fn scores(review: &Review, form: &Form) -> String {
    let (catalog, d, u) = (
        &form.catalog,
        form.catalog.campaign.rounding.decimals,
        crate::score::unit(form),
    );
    let shown = |e: &caqes_engine::Evaluation| {
        let verdict = labels::verdict_short(e.verdict.interesse);
        e.total_rounded
            .map(|n| format!("{}{u} ({verdict})", n.to_french(d)))
            .unwrap_or_else(|| verdict.to_string())
    };
    let official = apply_review(catalog, &form.answers, &review.decisions)
        .map(|o| shown(&evaluate(catalog, &o.answers)))
        .unwrap_or_else(|_| labels::NON_CALCULABLE.into());
    format!(
        "Score auto-évalué : {} ; score avec les décisions de l'agence : {official}.",
        shown(&form.eval)
    )
}

/// The panel: one row per adjustment, with the response and the comment.
pub fn view(review: &Review, form: &Form, link: &Scope<App>) -> Html {
    let (catalog, answers) = (&*form.catalog, &form.answers);
    let adj = adjustments(review, catalog, answers);
    let contested = review
        .responses
        .values()
        .filter(|(c, _)| *c == Some(Reponse::Conteste))
        .count();
    let date = review
        .date
        .as_ref()
        .map(|d| format!(" du {d}"))
        .unwrap_or_default();
    html! {
        <section class="notice review-response no-print" id="review-response" aria-labelledby="review-title" tabindex="-1">
            <h2 id="review-title">{ "Répondre au rapport d'évaluation" }</h2>
            <p id="review-summary">{ format!(
                "Rapport « {} », version {}{date} : {} ajustement(s) de votre auto-évaluation, dont {contested} contesté(s). \
                 Acceptez ou contestez chaque ajustement ; un commentaire est obligatoire pour contester. \
                 Vos réponses sont enregistrées dans ce navigateur.",
                review.file, review.version, adj.len()) }</p>
            <p id="review-scores">{ scores(review, form) }</p>
            if adj.is_empty() {
                <p>{ "Aucun ajustement : le rapport ne modifie pas votre auto-évaluation." }</p>
            } else {
                <table class="volets review-table" id="review-table">
                    <caption class="visually-hidden">{ "Ajustements du rapport d'évaluation et vos réponses" }</caption>
                    <thead><tr>
                        <th scope="col">{ "Indicateur" }</th><th scope="col">{ "Champ" }</th>
                        <th scope="col">{ "Auto-évalué" }</th><th scope="col">{ "Retenu par l'agence" }</th>
                        <th scope="col">{ "Motif" }</th><th scope="col">{ "Origine" }</th>
                        <th scope="col">{ "Votre réponse" }</th><th scope="col">{ "Commentaire" }</th>
                    </tr></thead>
                    <tbody>
                        { for adj.iter().enumerate().map(|(n, a)| row(n, a, review, catalog, link)) }
                    </tbody>
                </table>
            }
            <button type="button" id="review-export" onclick={link.callback(|_| Msg::ReviewExport)}>{ "Exporter la réponse (CSV)" }</button>
            <button type="button" id="review-remove" class="secondary" onclick={link.callback(|_| Msg::Form(Action::ReviewRemove))}>{ "Retirer ce rapport" }</button>
        </section>
    }
}

fn row(n: usize, a: &Adjustment, review: &Review, catalog: &Catalog, link: &Scope<App>) -> Html {
    let key = (a.indicator.clone(), a.field.clone());
    let (choice, comment) = review
        .responses
        .get(&key)
        .cloned()
        .unwrap_or((None, String::new()));
    let contest = choice == Some(Reponse::Conteste);
    let invalid = contest && comment.trim().is_empty();
    let label = field_label(catalog, &a.indicator, &a.field);
    let name = format!("{} — {label}", code(catalog, &a.indicator));
    let pick = |r: Reponse| {
        let key = key.clone();
        link.callback(move |_: Event| Msg::Form(Action::ReviewAnswer(key.clone(), r)))
    };
    let on_comment = {
        let key = key.clone();
        link.callback(move |e: InputEvent| {
            Msg::Form(Action::ReviewComment(
                key.clone(),
                crate::fields::input_value(&e),
            ))
        })
    };
    html! {
        <tr id={format!("review-row-{n}")}>
            <td>{ code(catalog, &a.indicator) }</td>
            <td>{ &label }</td>
            <td>{ shown(&a.from) }</td>
            <td><strong>{ shown(&a.to) }</strong></td>
            <td>{ &a.motif }</td>
            <td>{ a.origin.label() }</td>
            <td>
                <fieldset class="review-choice">
                    <legend class="visually-hidden">{ format!("Votre réponse : {name}") }</legend>
                    <label><input type="radio" name={format!("review-{n}")} id={format!("review-accept-{n}")}
                        checked={choice == Some(Reponse::Accepte)} onchange={pick(Reponse::Accepte)} />{ " Accepter" }</label>
                    <label><input type="radio" name={format!("review-{n}")} id={format!("review-contest-{n}")}
                        checked={contest} onchange={pick(Reponse::Conteste)} />{ " Contester" }</label>
                </fieldset>
            </td>
            <td>
                <label class="visually-hidden" for={format!("review-comment-{n}")}>{ format!("Commentaire : {name}") }</label>
                <textarea id={format!("review-comment-{n}")} rows="2" value={comment}
                    required={contest} aria-invalid={invalid.then_some("true")}
                    aria-describedby={invalid.then(|| format!("review-comment-error-{n}"))}
                    oninput={on_comment} />
                if invalid {
                    <p class="field-error" id={format!("review-comment-error-{n}")}>{ "Commentaire obligatoire pour contester." }</p>
                }
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        let (_, src) = caqes_catalogs::FILES
            .iter()
            .find(|(n, _)| *n == "na-ako.toml")
            .expect("na-ako.toml bundled");
        caqes_engine::load_catalogs("na-ako.toml", src)
            .unwrap()
            .into_iter()
            .find(|c| c.campaign.id == "na-ako-2022")
            .unwrap()
    }

    #[test]
    fn import_checks_finess_and_campaign_then_exports() {
        let cat = catalog();
        let mut answers = Answers::from_json(
            r#"{"catalog":"na-ako-2022","indicators":{"ir-cho-2":{"criteria":{"programme":true}}}}"#,
        )
        .unwrap();
        answers.establishment.finess = "330781196".into();
        let text = "finess;indicateur;champ;valeur;motif;version;date\n330781196;ir-cho-2;criteria.programme;non;=non transmis;2;15/03/2024\n111111111;ir-cho-2;criteria.programme;non;x;1;\n";
        let e = import(
            "r.csv",
            text,
            &Answers {
                establishment: Default::default(),
                ..answers.clone()
            },
            &cat,
            &[],
        )
        .unwrap_err();
        assert!(e.0.contains("FINESS 111111111, 330781196"), "{}", e.0);
        assert!(e.0.contains("(non saisi)"), "{}", e.0);
        let e = import(
            "r.csv",
            "finess;indicateur;champ;valeur;motif\n330781196;zz-9;status;NC;x\n",
            &answers,
            &cat,
            &[Rc::new(cat.clone())],
        )
        .unwrap_err();
        assert!(e.0.contains("« na-ako-2022 »"), "{}", e.0);
        let e = import("r.csv", "pas un csv", &answers, &cat, &[]).unwrap_err();
        assert!(
            e.0.contains("n'a pas été modifié") && !e.1.is_empty(),
            "{e:?}"
        );
        let mut r = import("r.csv", text, &answers, &cat, &[]).unwrap();
        assert_eq!((r.version, r.date.as_deref()), (2, Some("15/03/2024")));
        let adj = adjustments(&r, &cat, &answers);
        assert_eq!(adj.len(), 1);
        let key = ("ir-cho-2".to_string(), "criteria.programme".to_string());
        assert!(
            response_file(&r, &cat, &answers).unwrap_err()[0].contains("ni acceptée ni contestée")
        );
        r.responses
            .insert(key.clone(), (Some(Reponse::Conteste), " ".into()));
        assert!(
            response_file(&r, &cat, &answers).unwrap_err()[0].contains("commentaire obligatoire")
        );
        r.responses
            .insert(key, (Some(Reponse::Conteste), "=voir le PV".into()));
        let csv = response_file(&r, &cat, &answers).unwrap();
        assert!(
            csv.ends_with("330781196;ir-cho-2;criteria.programme;non;conteste;'=voir le PV;2\r\n"),
            "{csv}"
        );
        assert_eq!(
            responses_from_text(&responses_to_text(&r.responses)),
            r.responses
        );
        assert!(responses_from_text("").is_empty());
        assert!(responses_from_text("x\u{1f}y").is_empty());
        assert_eq!(
            export_name("na-ako-2022", "33/07", 2),
            "caqes-reponse-na-ako-2022-3307-v2.csv"
        );
    }
}
