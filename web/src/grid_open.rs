//! « Ouvrir une grille Excel… »: the grid read by the on-demand module
//! (`caqes_web_grid::open_grid`, the reader of `caqes verify`), then what
//! differs from the current draft, shown until the user confirms or cancels.

use crate::app::{App, Msg};
use crate::form::Action;
use caqes_engine::Answers;
use yew::html::Scope;
use yew::prelude::*;

/// Files above this size are refused before being read: the reader's
/// inflation budget (`caqes_grid::Limits::default().max_uncompressed`),
/// which a zip cannot pass when it is bigger than that already.
pub const MAX_BYTES: f64 = 50.0 * 1024.0 * 1024.0;

/// What the grid module returns (`caqes_web_grid::Opened`).
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    /// The answers of the grid.
    pub answers: Answers,
    /// How many values differ, and both scores (one French sentence).
    pub summary: String,
    /// Fields that differ from the draft: `place — field : current → grid`.
    pub changes: Vec<String>,
    /// Cells the reader could not take as they are.
    pub problems: Vec<String>,
    /// Information lines.
    pub informations: Vec<String>,
}

/// A grid read and waiting for the user's confirmation.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// File name.
    pub name: String,
    /// What the module returned.
    pub opened: Opened,
}

/// Parses the module's answer (`caqes_web_grid::Opened::to_lines`: the
/// answers' JSON, then `S`, `C`, `P` and `I` lines of French text; no serde here,
/// the answers go through the form's own [`Answers::from_json`]); the grid
/// must be of the open campaign.
pub fn parse(text: &str, catalog_id: &str) -> Result<Opened, String> {
    let unexpected = |what: &str| format!("réponse inattendue du module Excel ({what})");
    let mut lines = text.split('\n');
    let answers = Answers::from_json(lines.next().unwrap_or_default())
        .map_err(|e| unexpected(&e.to_string()))?;
    if answers.catalog != catalog_id {
        return Err(format!(
            "la grille est celle du référentiel « {} », pas de « {catalog_id} » (autre campagne)",
            answers.catalog
        ));
    }
    let mut o = Opened {
        answers,
        summary: String::new(),
        changes: Vec::new(),
        problems: Vec::new(),
        informations: Vec::new(),
    };
    for line in lines {
        match line.split_once('\t') {
            Some(("S", t)) => o.summary = t.into(),
            Some(("C", t)) => o.changes.push(t.into()),
            Some(("P", t)) => o.problems.push(t.into()),
            Some(("I", t)) => o.informations.push(t.into()),
            _ => return Err(unexpected(line)),
        }
    }
    Ok(o)
}

/// The reader's problems and informations, one line each, for a notice.
pub fn report_lines(o: &Opened) -> Vec<String> {
    let mut lines: Vec<String> = o.informations.clone();
    lines.extend(o.problems.iter().map(|p| format!("À vérifier : {p}")));
    lines
}

/// The confirmation panel: the differences, the reader's lines, and the two
/// buttons. Escape cancels.
pub fn view(p: &Pending, link: &Scope<App>) -> Html {
    let o = &p.opened;
    let onkeydown = link.batch_callback(|e: KeyboardEvent| {
        (e.key() == "Escape").then_some(Msg::Form(Action::GridCancel))
    });
    html! {
        <section class="notice grid-diff no-print" id="grid-diff" role="dialog" aria-labelledby="grid-diff-title"
            aria-describedby="grid-diff-summary" tabindex="-1" {onkeydown}>
            <h2 id="grid-diff-title">{ format!("Ouvrir la grille « {} » ?", p.name) }</h2>
            <p id="grid-diff-summary">{ &o.summary }</p>
            <ul class="diff" id="grid-diff-changes" aria-label="Valeurs qui diffèrent : brouillon actuel → grille">
                { for o.changes.iter().map(|c| html! { <li>{ c }</li> }) }
            </ul>
            if !o.informations.is_empty() || !o.problems.is_empty() {
                <h3>{ "Lecture de la grille" }</h3>
                <ul id="grid-diff-report">{ for report_lines(o).into_iter().map(|l| html! { <li>{ l }</li> }) }</ul>
            }
            <button type="button" id="grid-replace" onclick={link.callback(|_| Msg::Form(Action::GridReplace))}>{ "Remplacer le brouillon par la grille" }</button>
            <button type="button" id="grid-cancel" class="secondary" onclick={link.callback(|_| Msg::Form(Action::GridCancel))}>{ "Annuler (garder le brouillon)" }</button>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_module_answer_is_parsed_and_checked() {
        let json = "{\"catalog\":\"na-ako-2024\"}\nS\t1 valeur(s)\nC\tIdentification — Numéro FINESS : (vide) → 330781196\nP\tIdentification!C5 : x\nI\t1 cellule(s)";
        let o = parse(json, "na-ako-2024").unwrap();
        assert_eq!(
            o.changes,
            vec!["Identification — Numéro FINESS : (vide) → 330781196"]
        );
        assert_eq!(
            report_lines(&o),
            vec!["1 cellule(s)", "À vérifier : Identification!C5 : x"]
        );
        let e = parse(json, "occitanie-vo-2018").unwrap_err();
        assert!(e.contains("autre campagne"), "{e}");
        assert!(parse("{", "na-ako-2024").is_err());
        assert!(parse("{\"catalog\":\"na-ako-2024\"}\nX\ty", "na-ako-2024").is_err());
    }
}
