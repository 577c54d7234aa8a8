//! The open form's state as a pure reducer (Yew's `function_todomvc`
//! `state.rs`): [`Form`] holds the draft (answers, raw texts typed, active
//! tab, evaluation, best gains, pending grid, review and responses) and
//! [`Form::apply`] turns one [`Action`] into the next state and the
//! [`Effects`] to perform. No web-sys, gloo, storage or clock here: the
//! component (`app.rs`) performs the effects (save the draft, forget an old
//! key, save the responses, schedule the best gains, show a notice, focus an
//! element). Every action is unit-tested natively below.

use crate::{drafts, grid_open, nav, response};
use caqes_engine::{
    evaluate, Answers, Catalog, Category, DeclaredStatus, Evaluation, Funding, Gain,
    IndicatorAnswer, LegalStatus, Number, QuestionKind, Reponse,
};
use std::collections::BTreeMap;
use std::rc::Rc;

/// A message shown at the top of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// Error (red) or information.
    pub error: bool,
    /// Main text.
    pub text: String,
    /// Details (one per line).
    pub lines: Vec<String>,
}

impl Notice {
    /// An information notice.
    pub fn info(text: impl Into<String>) -> Notice {
        Notice {
            error: false,
            text: text.into(),
            lines: Vec::new(),
        }
    }

    /// An error notice.
    pub fn error(text: impl Into<String>) -> Notice {
        Notice {
            error: true,
            text: text.into(),
            lines: Vec::new(),
        }
    }

    /// The same notice with detail lines.
    pub fn with_lines(self, lines: Vec<String>) -> Notice {
        Notice { lines, ..self }
    }
}

/// The open form.
pub struct Form {
    /// Its catalog.
    pub catalog: Rc<Catalog>,
    /// The answers being edited.
    pub answers: Answers,
    /// Evaluation of `answers`.
    pub eval: Evaluation,
    /// Best gains (recomputed by [`Action::Gains`], shortly after typing stops).
    pub gains: Vec<Gain>,
    /// Raw text typed in number fields, by field key (`<indicator>/<input>`,
    /// `<indicator>/target`, `establishment/beds`, `previous_score`, …).
    pub raw: BTreeMap<String, String>,
    /// Active tab (0 = identification, 1.. = volets).
    pub tab: usize,
    /// Storage key of the draft ([`drafts::key_of`] of the answers).
    pub key: String,
    /// Result of the last save (written by the component that saves).
    pub saved: Result<(), String>,
    /// The Excel grid is being built: further clicks are ignored until it is done.
    pub grid_busy: bool,
    /// An Excel grid is being read: further files are ignored until it is done.
    pub open_busy: bool,
    /// A grid read, shown with its differences until the user confirms or cancels.
    pub pending: Option<grid_open::Pending>,
    /// The agency's review imported for this draft, with the responses.
    pub review: Option<response::Review>,
    /// The last stop of « Aller au prochain indicateur à compléter ».
    pub nav_last: Option<nav::Stop>,
    /// « Aperçu du rapport » is being built.
    pub report_busy: bool,
    /// The self-evaluation report shown instead of the form (HTML built and
    /// escaped by `caqes_report::html::body` in the on-demand module).
    pub report: Option<String>,
}

/// A change of the form.
#[derive(Debug, Clone)]
pub enum Action {
    /// An edit of one indicator's answer.
    Indicator {
        /// Indicator id.
        id: String,
        /// The edit.
        edit: IndicatorEdit,
    },
    /// An edit of the identification.
    Establishment(EstablishmentEdit),
    /// Show a tab.
    Tab(usize),
    /// Show a tab and focus the first existing element id.
    Focus {
        /// The tab.
        tab: usize,
        /// Element ids, the first that exists is focused.
        ids: Vec<String>,
    },
    /// « Aller au prochain indicateur à compléter » (`nav.rs`).
    Next,
    /// An imported draft file's text: replaces the answers when it is a draft
    /// of this campaign.
    Import(String),
    /// The grid module read an Excel grid: (file name, `Opened::to_lines` or
    /// a French error).
    GridOpened {
        /// File name.
        name: String,
        /// The module's answer.
        result: Result<String, String>,
    },
    /// Replace the draft by the pending grid (the confirmation panel).
    GridReplace,
    /// Keep the draft (close the confirmation panel).
    GridCancel,
    /// Recompute the best gains.
    Gains,
    /// The on-demand module built « Aperçu du rapport »: its HTML or a French error.
    ReportReady(Result<String, String>),
    /// Back from the report to the form.
    ReportClose,
    /// A review file (« Répondre au rapport d'évaluation ») was read.
    ReviewRead {
        /// File name.
        name: String,
        /// Its text (the workbook: as review CSV), or the read error.
        text: Result<String, String>,
        /// The campaigns the form knows (to name the campaign of a review of another one).
        campaigns: Vec<Rc<Catalog>>,
    },
    /// The establishment accepts or contests an adjustment (indicator, field).
    ReviewAnswer((String, String), Reponse),
    /// The comment on an adjustment (indicator, field).
    ReviewComment((String, String), String),
    /// Forget the imported review and the responses.
    ReviewRemove,
}

/// An edit of one indicator's answer; texts are as typed.
#[derive(Debug, Clone, PartialEq)]
pub enum IndicatorEdit {
    /// Text typed in an input (kept as typed; stored as a number when it is one).
    Input {
        /// Input id.
        input: String,
        /// The text.
        text: String,
    },
    /// Text typed in the personalised target.
    Target(String),
    /// The status radio (renseigné, non concerné, non mesurable).
    Status(DeclaredStatus),
    /// The justification of a declared status.
    Justification(String),
    /// A criterion checked or unchecked.
    Criterion {
        /// Criterion id.
        criterion: String,
        /// Checked.
        on: bool,
    },
    /// An élément de preuve checked or unchecked.
    Evidence {
        /// Evidence id.
        evidence: String,
        /// Checked.
        on: bool,
    },
    /// The comment.
    Comment(String),
}

/// An edit of the identification; texts are as typed (select values are codes).
#[derive(Debug, Clone, PartialEq)]
pub enum EstablishmentEdit {
    /// FINESS number.
    Finess(String),
    /// Name.
    Name(String),
    /// Département.
    Departement(String),
    /// Legal status code (`public`, `prive`, `espic`; else none).
    LegalStatus(String),
    /// Funding code (`ex_dg`, `ex_oqn`; else from the status).
    Funding(String),
    /// Number of beds.
    Beds(String),
    /// Number of places.
    Places(String),
    /// The previous year's rounded score.
    PreviousScore(String),
    /// An activity category checked or unchecked.
    Category(Category, bool),
    /// The answer to a question of the catalog (select value or text).
    Question {
        /// Question id.
        id: String,
        /// The value or text.
        text: String,
    },
}

/// What the component does after an action, in this order.
#[derive(Debug, Default, PartialEq)]
pub struct Effects {
    /// Close the notice shown (before showing `notice`).
    pub dismiss: bool,
    /// The draft's key changed (another FINESS): forget the draft and review
    /// stored under this old key.
    pub forget: Option<String>,
    /// Save the review and responses under [`Form::key`].
    pub save_review: bool,
    /// The answers changed: save the draft under [`Form::key`] and schedule
    /// [`Action::Gains`].
    pub save: bool,
    /// Show this notice.
    pub notice: Option<Notice>,
    /// Focus the first of these element ids after rendering.
    pub focus: Option<Vec<String>>,
    /// The view changed.
    pub render: bool,
}

impl Effects {
    fn render() -> Effects {
        Effects {
            render: true,
            ..Effects::default()
        }
    }
}

/// The notice of a grid that could not be opened (the draft is untouched).
pub fn grid_refused(name: &str, e: &str) -> Notice {
    Notice::error(format!(
        "La grille « {name} » n'a pas été ouverte : {e}. Votre brouillon actuel n'a pas été modifié."
    ))
}

/// The code of a legal status in the form's select (its serde name).
pub fn code_of_status(s: LegalStatus) -> &'static str {
    match s {
        LegalStatus::Public => "public",
        LegalStatus::Prive => "prive",
        LegalStatus::Espic => "espic",
    }
}

/// A typed number → the JSON value stored in the answers: a JSON number when
/// the text is a number (comma or dot), the text itself otherwise (the engine
/// then reports it on the field), `None` when empty.
pub fn parse_value(text: &str) -> Option<serde_json::Value> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match Number::parse(t) {
        Some(n) => serde_json::to_value(n).ok(),
        None => Some(serde_json::Value::String(t.to_string())),
    }
}

impl Form {
    /// The form of `answers` on `catalog`, evaluated, on the identification
    /// tab. Saving it and restoring its review are the caller's.
    pub fn new(catalog: Rc<Catalog>, answers: Answers) -> Form {
        let key = drafts::key_of(&answers);
        let eval = evaluate(&catalog, &answers);
        let gains = caqes_engine::best_gains(&catalog, &answers, &eval, 5);
        Form {
            catalog,
            answers,
            eval,
            gains,
            raw: BTreeMap::new(),
            tab: 0,
            key,
            saved: Ok(()),
            grid_busy: false,
            open_busy: false,
            pending: None,
            review: None,
            nav_last: None,
            report_busy: false,
            report: None,
        }
    }

    /// Another version of the open campaign (published at run time): the same
    /// answers scored again with it.
    pub fn set_catalog(&mut self, catalog: Rc<Catalog>) {
        self.eval = evaluate(&catalog, &self.answers);
        self.gains = caqes_engine::best_gains(&catalog, &self.answers, &self.eval, 5);
        self.catalog = catalog;
    }

    /// The raw texts typed in the fields of indicator `id`, by field
    /// (input id or `target`).
    pub fn raw_of(&self, id: &str) -> BTreeMap<String, String> {
        let prefix = format!("{id}/");
        self.raw
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, v)| (k[prefix.len()..].to_string(), v.clone()))
            .collect()
    }

    /// Applies `action`; returns what the component must do.
    pub fn apply(&mut self, action: Action) -> Effects {
        match action {
            Action::Indicator { id, edit } => self.edit_indicator(id, edit),
            Action::Establishment(edit) => self.edit_establishment(edit),
            Action::Tab(tab) => {
                self.tab = tab;
                Effects::render()
            }
            Action::Focus { tab, ids } => {
                self.tab = tab;
                Effects {
                    focus: Some(ids),
                    ..Effects::render()
                }
            }
            Action::Next => {
                let last = self.nav_last.as_ref();
                match nav::next_to_complete(&self.catalog, &self.eval, self.tab, last) {
                    Some(t) => {
                        self.tab = t.stop.tab;
                        self.nav_last = Some(t.stop);
                        Effects {
                            focus: Some(t.ids),
                            ..Effects::render()
                        }
                    }
                    None => Effects {
                        notice: Some(Notice::info(
                            "Tous les indicateurs sont renseignés : il n'y a plus rien à compléter.",
                        )),
                        ..Effects::render()
                    },
                }
            }
            Action::Import(text) => {
                match drafts::validate_import(&text, &self.catalog.campaign.id) {
                    Ok(answers) => {
                        self.answers = answers;
                        self.raw.clear();
                        let mut fx = self.answers_changed();
                        fx.notice = Some(Notice::info("Brouillon importé."));
                        fx
                    }
                    Err(text) => Effects {
                        notice: Some(Notice::error(text)),
                        ..Effects::render()
                    },
                }
            }
            Action::GridOpened { name, result } => self.grid_opened(name, result),
            Action::GridReplace => self.grid_replace(),
            Action::GridCancel => {
                if self.pending.take().is_none() {
                    return Effects::render();
                }
                Effects {
                    notice: Some(Notice::info(
                        "Ouverture de la grille annulée : votre brouillon n'a pas été modifié.",
                    )),
                    focus: Some(vec!["grid-file".into()]),
                    ..Effects::render()
                }
            }
            Action::Gains => {
                let gains = caqes_engine::best_gains(&self.catalog, &self.answers, &self.eval, 5);
                if gains == self.gains {
                    return Effects::default();
                }
                self.gains = gains;
                Effects::render()
            }
            Action::ReportReady(result) => {
                self.report_busy = false;
                match result {
                    Ok(html) => {
                        self.report = Some(html);
                        Effects {
                            dismiss: true,
                            focus: Some(vec!["report-close".into()]),
                            ..Effects::render()
                        }
                    }
                    Err(e) => Effects {
                        notice: Some(Notice::error(format!(
                            "L'aperçu du rapport n'a pas pu être produit : {e}"
                        ))),
                        ..Effects::render()
                    },
                }
            }
            Action::ReportClose => {
                self.report = None;
                Effects {
                    focus: Some(vec!["report".into()]),
                    ..Effects::render()
                }
            }
            Action::ReviewRead {
                name,
                text,
                campaigns,
            } => self.review_read(&name, text, &campaigns),
            Action::ReviewAnswer(key, r) => {
                if let Some(review) = &mut self.review {
                    review.responses.entry(key).or_default().0 = Some(r);
                }
                Effects {
                    save_review: true,
                    ..Effects::render()
                }
            }
            Action::ReviewComment(key, text) => {
                if let Some(review) = &mut self.review {
                    review.responses.entry(key).or_default().1 = text;
                }
                Effects {
                    save_review: true,
                    ..Effects::render()
                }
            }
            Action::ReviewRemove => {
                self.review = None;
                Effects {
                    save_review: true,
                    notice: Some(Notice::info(
                        "Rapport d'évaluation retiré ; votre brouillon est inchangé.",
                    )),
                    ..Effects::render()
                }
            }
        }
    }

    fn edit_indicator(&mut self, id: String, edit: IndicatorEdit) -> Effects {
        if self.catalog.indicator(&id).is_none() {
            return Effects::default();
        }
        let a = self.answers.indicators.entry(id.clone()).or_default();
        match edit {
            IndicatorEdit::Input { input, text } => {
                match parse_value(&text) {
                    Some(v) => a.inputs.insert(input.clone(), v),
                    None => a.inputs.remove(&input),
                };
                self.raw.insert(format!("{id}/{input}"), text);
            }
            IndicatorEdit::Target(text) => {
                a.target = Number::parse(text.trim());
                self.raw.insert(format!("{id}/target"), text);
            }
            IndicatorEdit::Status(s) => a.status = (s != DeclaredStatus::Renseigne).then_some(s),
            IndicatorEdit::Justification(text) => a.justification = text,
            IndicatorEdit::Criterion { criterion, on } => {
                a.criteria.insert(criterion, on);
            }
            IndicatorEdit::Evidence { evidence, on } => {
                a.evidence.retain(|x| *x != evidence);
                if on {
                    a.evidence.push(evidence);
                }
            }
            IndicatorEdit::Comment(text) => a.comment = text,
        }
        self.answers_changed()
    }

    fn edit_establishment(&mut self, edit: EstablishmentEdit) -> Effects {
        let est = &mut self.answers.establishment;
        match edit {
            EstablishmentEdit::Finess(v) => est.finess = v.trim().to_uppercase(),
            EstablishmentEdit::Name(v) => est.name = v,
            EstablishmentEdit::Departement(v) => est.departement = v.trim().to_uppercase(),
            EstablishmentEdit::LegalStatus(v) => {
                est.legal_status = LegalStatus::ALL
                    .into_iter()
                    .find(|s| code_of_status(*s) == v)
            }
            EstablishmentEdit::Funding(v) => {
                est.funding = match v.as_str() {
                    "ex_dg" => Some(Funding::ExDg),
                    "ex_oqn" => Some(Funding::ExOqn),
                    _ => None,
                }
            }
            EstablishmentEdit::Beds(v) => {
                est.beds = v.trim().parse().ok();
                self.raw.insert("establishment/beds".into(), v);
            }
            EstablishmentEdit::Places(v) => {
                est.places = v.trim().parse().ok();
                self.raw.insert("establishment/places".into(), v);
            }
            EstablishmentEdit::PreviousScore(v) => {
                self.answers.previous_score = Number::parse(v.trim());
                self.raw.insert("previous_score".into(), v);
            }
            EstablishmentEdit::Category(cat, on) => {
                let c = &mut est.categories;
                c.retain(|x| *x != cat);
                if on {
                    c.push(cat);
                    c.sort();
                }
            }
            EstablishmentEdit::Question { id, text } => {
                let Some(q) = self.catalog.identification.iter().find(|q| q.id == id) else {
                    return Effects::default();
                };
                let value: Option<serde_json::Value> = match q.kind {
                    QuestionKind::Bool => match text.as_str() {
                        "oui" => Some(true.into()),
                        "non" => Some(false.into()),
                        _ => None,
                    },
                    QuestionKind::Choice | QuestionKind::Text => {
                        (!text.is_empty()).then(|| text.clone().into())
                    }
                    QuestionKind::Integer => match text.trim().parse::<u64>() {
                        Ok(n) => Some(n.into()),
                        Err(_) => parse_value(&text),
                    },
                };
                if q.kind == QuestionKind::Integer {
                    self.raw
                        .insert(format!("establishment/answers/{id}"), text.clone());
                }
                let answers = &mut self.answers.establishment.answers;
                match value {
                    Some(v) => answers.insert(id, v),
                    None => answers.remove(&id),
                };
            }
        }
        self.answers_changed()
    }

    /// The module read the grid: the confirmation panel when it differs from
    /// the draft, else a notice.
    fn grid_opened(&mut self, name: String, result: Result<String, String>) -> Effects {
        self.open_busy = false;
        let opened = result.and_then(|text| grid_open::parse(&text, &self.catalog.campaign.id));
        let notice = match opened {
            Err(e) => grid_refused(&name, &e),
            Ok(o) if o.changes.is_empty() => Notice::info(format!(
                "La grille « {name} » contient les mêmes valeurs que votre brouillon : rien à remplacer."
            ))
            .with_lines(grid_open::report_lines(&o)),
            Ok(opened) => {
                self.pending = Some(grid_open::Pending { name, opened });
                return Effects {
                    dismiss: true,
                    focus: Some(vec!["grid-diff".into()]),
                    ..Effects::render()
                };
            }
        };
        Effects {
            notice: Some(notice),
            ..Effects::render()
        }
    }

    /// A review file was read: checked against the draft, then shown; the
    /// same version imported again keeps the responses given.
    fn review_read(
        &mut self,
        name: &str,
        text: Result<String, String>,
        campaigns: &[Rc<Catalog>],
    ) -> Effects {
        let checked = text
            .map_err(|e| {
                (
                    format!(
                        "Rapport « {name} » refusé : {e}. Votre brouillon n'a pas été modifié."
                    ),
                    vec![],
                )
            })
            .and_then(|text| {
                response::import(name, &text, &self.answers, &self.catalog, campaigns)
            });
        match checked {
            Ok(mut r) => {
                if let Some(old) = self.review.as_ref().filter(|o| o.version == r.version) {
                    r.responses = old.responses.clone();
                }
                self.review = Some(r);
                Effects {
                    save_review: true,
                    dismiss: true,
                    focus: Some(vec!["review-response".into()]),
                    ..Effects::render()
                }
            }
            Err((text, lines)) => Effects {
                notice: Some(Notice::error(text).with_lines(lines)),
                ..Effects::render()
            },
        }
    }

    /// The user confirmed: the draft becomes the grid's answers. A draft of
    /// another FINESS stays saved under its own key.
    fn grid_replace(&mut self) -> Effects {
        let Some(p) = self.pending.take() else {
            return Effects::default();
        };
        let n = p.opened.changes.len();
        let mut lines = grid_open::report_lines(&p.opened);
        let old = self.key.clone();
        self.answers = p.opened.answers;
        self.raw.clear();
        self.key = drafts::key_of(&self.answers);
        if self.key != old {
            lines.push(
                "Le brouillon précédent (autre numéro FINESS) reste enregistré dans ce navigateur."
                    .into(),
            );
        }
        Effects {
            notice: Some(
                Notice::info(format!(
                    "Grille « {} » ouverte : {n} valeur(s) remplacée(s).",
                    p.name
                ))
                .with_lines(lines),
            ),
            focus: Some(vec!["notice".into()]),
            ..self.answers_changed()
        }
    }

    /// After any change of the answers: empty indicator answers dropped, a
    /// pending grid cancelled (its differences were against the old draft),
    /// evaluation, new key when the FINESS changed, save.
    fn answers_changed(&mut self) -> Effects {
        let mut fx = Effects {
            save: true,
            ..Effects::render()
        };
        self.answers
            .indicators
            .retain(|_, a| *a != IndicatorAnswer::default());
        if self.pending.take().is_some() {
            fx.notice = Some(Notice::info(
                "Ouverture de la grille annulée : le brouillon a été modifié entre-temps ; \
                 rouvrez la grille pour voir les différences.",
            ));
        }
        self.eval = evaluate(&self.catalog, &self.answers);
        let key = drafts::key_of(&self.answers);
        if key != self.key {
            fx.forget = Some(std::mem::replace(&mut self.key, key));
            fx.save_review = true;
        }
        fx
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caqes_engine::{Measure, Origin, Status};

    fn form(id: &str) -> Form {
        let catalog = crate::bundled()
            .iter()
            .find(|c| c.campaign.id == id)
            .cloned()
            .expect("bundled catalog");
        let answers = Answers {
            catalog: id.into(),
            ..Answers::default()
        };
        Form::new(Rc::new(catalog), answers)
    }

    fn edit(f: &mut Form, id: &str, edit: IndicatorEdit) -> Effects {
        f.apply(Action::Indicator {
            id: id.into(),
            edit,
        })
    }

    fn ident(f: &mut Form, edit: EstablishmentEdit) -> Effects {
        f.apply(Action::Establishment(edit))
    }

    /// The first indicator of `f` whose measure has inputs, and its first input.
    fn with_input(f: &Form) -> (String, String) {
        f.catalog
            .indicators
            .iter()
            .find_map(|i| {
                let inputs = i.measure.inputs();
                inputs
                    .first()
                    .map(|inp| (i.id.clone(), inp.id().to_string()))
            })
            .expect("an indicator with inputs")
    }

    fn result<'a>(f: &'a Form, id: &str) -> &'a caqes_engine::IndicatorResult {
        f.eval.indicator(id).expect("a result")
    }

    #[test]
    fn new_form_is_evaluated_on_the_identification_tab() {
        let f = form("na-ako-2024");
        assert_eq!(f.tab, 0);
        assert_eq!(f.key, "caqes-draft:na-ako-2024:sans-finess");
        assert_eq!(f.eval.indicators.len(), f.catalog.indicators.len());
        assert!(f.raw.is_empty());
    }

    #[test]
    fn typing_an_input_keeps_the_text_stores_the_number_and_evaluates() {
        let mut f = form("occitanie-vo-2019");
        let (id, input) = with_input(&f);
        let before = result(&f, &id).clone();
        let fx = edit(
            &mut f,
            &id,
            IndicatorEdit::Input {
                input: input.clone(),
                text: "12".into(),
            },
        );
        assert!(fx.save && fx.render && fx.forget.is_none() && fx.notice.is_none());
        assert_eq!(
            f.answers.indicators[&id].inputs[&input],
            serde_json::json!(12)
        );
        assert_eq!(f.raw[&format!("{id}/{input}")], "12");
        assert_eq!(f.raw_of(&id).get(&input).map(String::as_str), Some("12"));
        assert_eq!(
            f.eval,
            evaluate(&f.catalog, &f.answers),
            "evaluation follows"
        );
        // Every input filled: the indicator has a value.
        let inputs: Vec<String> = f
            .catalog
            .indicator(&id)
            .map(|i| {
                i.measure
                    .inputs()
                    .iter()
                    .map(|x| x.id().to_string())
                    .collect()
            })
            .unwrap_or_default();
        for other in inputs.iter().skip(1) {
            edit(
                &mut f,
                &id,
                IndicatorEdit::Input {
                    input: other.clone(),
                    text: "100".into(),
                },
            );
        }
        assert!(result(&f, &id).value.is_some());
        assert_ne!(*result(&f, &id), before);
        // Text that is not a number is stored as typed (the engine reports it).
        edit(
            &mut f,
            &id,
            IndicatorEdit::Input {
                input: input.clone(),
                text: "douze".into(),
            },
        );
        assert_eq!(
            f.answers.indicators[&id].inputs[&input],
            serde_json::json!("douze")
        );
        assert!(f
            .eval
            .problems
            .iter()
            .any(|p| p.indicator.as_deref() == Some(id.as_str())
                && p.field.as_deref() == Some(input.as_str())));
        // Emptied: the answer is gone (no empty indicator answer is kept),
        // the text typed stays.
        for input in &inputs {
            edit(
                &mut f,
                &id,
                IndicatorEdit::Input {
                    input: input.clone(),
                    text: " ".into(),
                },
            );
        }
        assert!(!f.answers.indicators.contains_key(&id));
        assert_eq!(f.raw[&format!("{id}/{input}")], " ");
        assert_eq!(*result(&f, &id), before);
    }

    #[test]
    fn declaring_non_concerne_redistributes_and_asks_a_justification() {
        let mut f = form("na-ako-2024");
        let ind = f
            .catalog
            .indicators
            .iter()
            .find(|i| i.nc_allowed && i.points > Number::ZERO)
            .expect("an indicator that may be declared NC")
            .id
            .clone();
        let other = f
            .catalog
            .indicators
            .iter()
            .find(|i| {
                i.id != ind
                    && i.points > Number::ZERO
                    && i.volet
                        == f.catalog
                            .indicator(&ind)
                            .map(|x| x.volet.clone())
                            .unwrap_or_default()
            })
            .map(|i| i.id.clone());
        let weight_before = other.as_ref().map(|o| result(&f, o).weight);
        edit(
            &mut f,
            &ind,
            IndicatorEdit::Status(DeclaredStatus::NonConcerne),
        );
        assert_eq!(
            f.answers.indicators[&ind].status,
            Some(DeclaredStatus::NonConcerne)
        );
        let r = result(&f, &ind);
        assert_eq!(r.status, Status::NonConcerne);
        assert_eq!(r.origin, Origin::Declared);
        assert_eq!(r.weight, Number::ZERO);
        if let (Some(o), Some(w)) = (other, weight_before) {
            assert!(result(&f, &o).weight > w, "the points are redistributed");
        }
        assert!(f
            .eval
            .problems
            .iter()
            .any(|p| p.indicator.as_deref() == Some(ind.as_str())));
        edit(
            &mut f,
            &ind,
            IndicatorEdit::Justification("Pas d'activité".into()),
        );
        assert_eq!(f.answers.indicators[&ind].justification, "Pas d'activité");
        // Back to renseigné: no status stored.
        edit(
            &mut f,
            &ind,
            IndicatorEdit::Status(DeclaredStatus::Renseigne),
        );
        assert_eq!(f.answers.indicators[&ind].status, None);
        assert_eq!(result(&f, &ind).status, Status::Renseigne);
    }

    #[test]
    fn criteria_toggles_score_points() {
        let mut f = form("occitanie-vo-2019");
        let (id, crit) = f
            .catalog
            .indicators
            .iter()
            .find_map(|i| match &i.measure {
                Measure::Criteria { criteria } => {
                    criteria.first().map(|c| (i.id.clone(), c.id.clone()))
                }
                _ => None,
            })
            .expect("a criteria indicator");
        let before = result(&f, &id).clone();
        edit(
            &mut f,
            &id,
            IndicatorEdit::Criterion {
                criterion: crit.clone(),
                on: true,
            },
        );
        assert!(f.answers.indicators[&id].criteria[&crit]);
        assert_ne!(*result(&f, &id), before);
        edit(
            &mut f,
            &id,
            IndicatorEdit::Criterion {
                criterion: crit.clone(),
                on: false,
            },
        );
        assert!(!f.answers.indicators[&id].criteria[&crit]);
        assert_eq!(*result(&f, &id), before);
    }

    #[test]
    fn personalised_target_is_kept_as_typed_and_parsed() {
        let mut f = form("occitanie-vo-2019");
        let id = f.catalog.indicators[0].id.clone();
        edit(&mut f, &id, IndicatorEdit::Target("85,5".into()));
        assert_eq!(
            f.answers.indicators[&id].target,
            Number::parse("85.5"),
            "a comma is a decimal separator"
        );
        assert_eq!(f.raw_of(&id)["target"], "85,5");
        edit(&mut f, &id, IndicatorEdit::Target("abc".into()));
        assert_eq!(f.answers.indicators.get(&id).and_then(|a| a.target), None);
        assert_eq!(f.raw_of(&id)["target"], "abc");
    }

    #[test]
    fn evidence_and_comment() {
        let mut f = form("na-ako-2024");
        let (id, ev) = f
            .catalog
            .indicators
            .iter()
            .find_map(|i| i.evidence.first().map(|e| (i.id.clone(), e.id.clone())))
            .expect("an indicator with evidence");
        let on = |ev: &str| IndicatorEdit::Evidence {
            evidence: ev.into(),
            on: true,
        };
        edit(&mut f, &id, on(&ev));
        edit(&mut f, &id, on(&ev));
        assert_eq!(f.answers.indicators[&id].evidence, vec![ev.clone()]);
        edit(
            &mut f,
            &id,
            IndicatorEdit::Evidence {
                evidence: ev.clone(),
                on: false,
            },
        );
        assert!(!f.answers.indicators.contains_key(&id));
        edit(&mut f, &id, IndicatorEdit::Comment("Voir annexe".into()));
        assert_eq!(f.answers.indicators[&id].comment, "Voir annexe");
        // An unknown indicator changes nothing.
        let fx = edit(&mut f, "nope", IndicatorEdit::Comment("x".into()));
        assert_eq!(fx, Effects::default());
        assert!(!f.answers.indicators.contains_key("nope"));
    }

    #[test]
    fn identification_changes_the_key_and_the_automatic_statuses() {
        let mut f = form("occitanie-vo-2019");
        let old = f.key.clone();
        let fx = ident(&mut f, EstablishmentEdit::Finess(" 330781196 ".into()));
        assert_eq!(f.answers.establishment.finess, "330781196");
        assert_eq!(f.key, "caqes-draft:occitanie-vo-2019:330781196");
        assert_eq!(fx.forget, Some(old), "the old key's draft is forgotten");
        assert!(fx.save && fx.save_review);
        // Same key: nothing to forget.
        let fx = ident(&mut f, EstablishmentEdit::Name("CH Test".into()));
        assert_eq!(fx.forget, None);
        assert!(!fx.save_review);
        assert_eq!(f.answers.establishment.name, "CH Test");
        ident(&mut f, EstablishmentEdit::Departement("2a ".into()));
        assert_eq!(f.answers.establishment.departement, "2A");
        ident(&mut f, EstablishmentEdit::LegalStatus("prive".into()));
        assert_eq!(
            f.answers.establishment.legal_status,
            Some(LegalStatus::Prive)
        );
        ident(&mut f, EstablishmentEdit::LegalStatus("".into()));
        assert_eq!(f.answers.establishment.legal_status, None);
        ident(&mut f, EstablishmentEdit::Funding("ex_oqn".into()));
        assert_eq!(f.answers.establishment.funding, Some(Funding::ExOqn));
        ident(&mut f, EstablishmentEdit::Beds(" 120".into()));
        assert_eq!(f.answers.establishment.beds, Some(120));
        assert_eq!(f.raw["establishment/beds"], " 120");
        ident(&mut f, EstablishmentEdit::Places("x".into()));
        assert_eq!(f.answers.establishment.places, None);
        ident(&mut f, EstablishmentEdit::PreviousScore("87,5".into()));
        assert_eq!(f.answers.previous_score, Number::parse("87.5"));
        // Categories drive the automatic non concerné.
        let auto = |f: &Form| {
            f.eval
                .indicators
                .iter()
                .filter(|r| r.origin == Origin::Automatic)
                .count()
        };
        // Psychiatry alone: out of the MCO-HAD-dialysis indicators.
        ident(&mut f, EstablishmentEdit::Category(Category::Psy, true));
        let psy = auto(&f);
        ident(&mut f, EstablishmentEdit::Category(Category::Mco, true));
        ident(&mut f, EstablishmentEdit::Category(Category::Mco, true));
        assert_eq!(
            f.answers.establishment.categories,
            vec![Category::Mco, Category::Psy]
        );
        assert!(auto(&f) < psy, "automatic statuses follow the categories");
        ident(&mut f, EstablishmentEdit::Category(Category::Psy, false));
        assert_eq!(f.answers.establishment.categories, vec![Category::Mco]);
        assert_eq!(f.eval, evaluate(&f.catalog, &f.answers));
    }

    #[test]
    fn questions_are_read_by_kind() {
        let mut f = form("occitanie-vo-2019");
        let questions = f.catalog.identification.clone();
        assert!(!questions.is_empty(), "the catalog asks questions");
        for q in &questions {
            let (text, expected) = match q.kind {
                QuestionKind::Bool => ("oui".to_string(), serde_json::json!(true)),
                QuestionKind::Choice => {
                    let o = q.options[0].id.clone();
                    (o.clone(), serde_json::json!(o))
                }
                QuestionKind::Integer => (" 12".to_string(), serde_json::json!(12)),
                QuestionKind::Text => ("texte".to_string(), serde_json::json!("texte")),
            };
            ident(
                &mut f,
                EstablishmentEdit::Question {
                    id: q.id.clone(),
                    text,
                },
            );
            assert_eq!(f.answers.establishment.answers[&q.id], expected, "{}", q.id);
            ident(
                &mut f,
                EstablishmentEdit::Question {
                    id: q.id.clone(),
                    text: String::new(),
                },
            );
            assert!(!f.answers.establishment.answers.contains_key(&q.id));
        }
        let fx = ident(
            &mut f,
            EstablishmentEdit::Question {
                id: "nope".into(),
                text: "oui".into(),
            },
        );
        assert_eq!(fx, Effects::default());
    }

    #[test]
    fn import_replaces_the_draft_or_refuses_it_untouched() {
        let mut f = form("na-ako-2024");
        let (id, input) = with_input(&f);
        edit(
            &mut f,
            &id,
            IndicatorEdit::Input {
                input,
                text: "3".into(),
            },
        );
        let mut other = f.answers.clone();
        other.indicators.clear();
        other.establishment.finess = "330781196".into();
        let fx = f.apply(Action::Import(other.to_canonical_json()));
        assert_eq!(f.answers, other);
        assert!(f.raw.is_empty(), "the texts typed are forgotten");
        assert!(fx.save && fx.forget.is_some());
        assert_eq!(fx.notice, Some(Notice::info("Brouillon importé.")));
        assert_eq!(f.eval, evaluate(&f.catalog, &f.answers));
        // Another campaign, or not a draft: refused, nothing changed.
        let before = f.answers.clone();
        let wrong = Answers {
            catalog: "occitanie-vo-2019".into(),
            ..Answers::default()
        };
        let fx = f.apply(Action::Import(wrong.to_canonical_json()));
        assert!(fx.notice.as_ref().is_some_and(|n| n.error
            && n.text.contains("occitanie-vo-2019")
            && n.text.contains("n'a pas été modifié")));
        assert!(!fx.save);
        let fx = f.apply(Action::Import("{".into()));
        assert!(fx.notice.is_some_and(|n| n.error));
        assert_eq!(f.answers, before);
    }

    /// A pending grid (its differences) stands until an edit, a cancel or a replace.
    #[test]
    fn pending_grid_is_replaced_cancelled_or_dropped_by_an_edit() {
        let pending = |f: &Form| {
            let mut answers = f.answers.clone();
            answers.establishment.name = "Grille".into();
            grid_open::Pending {
                name: "g.xlsx".into(),
                opened: grid_open::Opened {
                    answers,
                    summary: String::new(),
                    changes: vec!["Identification — nom : → Grille".into()],
                    problems: vec![],
                    informations: vec![],
                },
            }
        };
        let mut f = form("na-ako-2024");
        f.pending = Some(pending(&f));
        let fx = f.apply(Action::GridCancel);
        assert!(f.pending.is_none() && !fx.save);
        assert_eq!(fx.focus, Some(vec!["grid-file".to_string()]));
        f.pending = Some(pending(&f));
        let fx = ident(&mut f, EstablishmentEdit::Name("x".into()));
        assert!(f.pending.is_none());
        assert!(fx.notice.is_some_and(|n| n.text.contains("annulée")));
        f.pending = Some(pending(&f));
        f.raw.insert("establishment/beds".into(), "1".into());
        let fx = f.apply(Action::GridReplace);
        assert_eq!(f.answers.establishment.name, "Grille");
        assert!(f.raw.is_empty() && fx.save);
        let notice = fx.notice.expect("a notice");
        assert!(
            notice.text.contains("1 valeur(s) remplacée(s)"),
            "{}",
            notice.text
        );
        assert_eq!(f.apply(Action::GridReplace), Effects::default());
    }

    #[test]
    fn tabs_focus_and_next_to_complete() {
        let mut f = form("occitanie-vo-2019");
        let fx = f.apply(Action::Tab(2));
        assert_eq!((f.tab, fx.render, fx.save), (2, true, false));
        let fx = f.apply(Action::Focus {
            tab: 1,
            ids: vec!["x".into()],
        });
        assert_eq!(f.tab, 1);
        assert_eq!(fx.focus, Some(vec!["x".to_string()]));
        let fx = f.apply(Action::Next);
        let stop = f.nav_last.clone().expect("a stop");
        assert_eq!(stop.tab, f.tab);
        assert!(fx.focus.is_some_and(|ids| !ids.is_empty()));
        // Nothing missing: a notice.
        f.eval
            .problems
            .retain(|p| p.severity != caqes_engine::Severity::Missing);
        let fx = f.apply(Action::Next);
        assert!(fx.notice.is_some_and(|n| !n.error));
    }

    #[test]
    fn gains_render_only_when_they_change() {
        let mut f = form("na-ako-2024");
        assert_eq!(f.apply(Action::Gains), Effects::default());
        f.gains.clear();
        let fx = f.apply(Action::Gains);
        assert!(fx.render && !fx.save);
        assert_eq!(
            f.gains,
            caqes_engine::best_gains(&f.catalog, &f.answers, &f.eval, 5)
        );
    }

    #[test]
    fn review_responses_are_saved_and_removed() {
        let mut f = form("na-ako-2024");
        f.review = Some(response::Review {
            file: "r.csv".into(),
            text: String::new(),
            version: 1,
            date: None,
            decisions: vec![],
            responses: Default::default(),
        });
        let key = ("i".to_string(), "status".to_string());
        let fx = f.apply(Action::ReviewAnswer(key.clone(), Reponse::Conteste));
        assert!(fx.save_review && !fx.save);
        let fx = f.apply(Action::ReviewComment(key.clone(), "Non".into()));
        assert!(fx.save_review);
        let r = f.review.as_ref().expect("review");
        assert_eq!(
            r.responses[&key],
            (Some(Reponse::Conteste), "Non".to_string())
        );
        let fx = f.apply(Action::ReviewRemove);
        assert!(f.review.is_none() && fx.save_review && fx.notice.is_some());
    }

    #[test]
    fn an_opened_grid_is_refused_shown_or_found_identical() {
        let mut f = form("na-ako-2024");
        f.open_busy = true;
        let fx = f.apply(Action::GridOpened {
            name: "g.xlsx".into(),
            result: Err("classeur illisible".into()),
        });
        assert!(!f.open_busy && f.pending.is_none());
        let n = fx.notice.expect("a notice");
        assert!(n.error && n.text.contains("« g.xlsx »") && n.text.contains("classeur illisible"));
        // The same values: nothing to replace.
        let same = format!(
            "{}\nS\t0 valeur\nI\t1 cellule(s)",
            f.answers.to_canonical_json()
        );
        let fx = f.apply(Action::GridOpened {
            name: "g.xlsx".into(),
            result: Ok(same),
        });
        assert!(f.pending.is_none());
        let n = fx.notice.expect("a notice");
        assert!(!n.error && n.text.contains("rien à remplacer"));
        assert_eq!(n.lines, vec!["1 cellule(s)".to_string()]);
        // Differences: the confirmation panel, the notice closed.
        let other = r#"{"catalog":"na-ako-2024","establishment":{"finess":"330781196"}}"#;
        let fx = f.apply(Action::GridOpened {
            name: "g.xlsx".into(),
            result: Ok(format!(
                "{other}\nC\tIdentification — Numéro FINESS : (vide) → 330781196"
            )),
        });
        assert!(fx.dismiss && fx.notice.is_none() && !fx.save);
        assert_eq!(fx.focus, Some(vec!["grid-diff".to_string()]));
        let p = f.pending.as_ref().expect("pending");
        assert_eq!(p.opened.answers.establishment.finess, "330781196");
        assert_eq!(
            f.answers.establishment.finess, "",
            "the draft waits for the user"
        );
        // Replacing: the draft of the grid's FINESS, the other one stays saved.
        let fx = f.apply(Action::GridReplace);
        assert_eq!(f.key, "caqes-draft:na-ako-2024:330781196");
        assert_eq!(fx.forget, None, "the draft of the other FINESS is kept");
        assert!(fx.save);
        assert!(fx
            .notice
            .is_some_and(|n| n.lines.iter().any(|l| l.contains("autre numéro FINESS"))));
    }

    #[test]
    fn the_report_preview_is_shown_closed_or_its_error_told() {
        let mut f = form("na-ako-2024");
        f.report_busy = true;
        let fx = f.apply(Action::ReportReady(Err("module absent".into())));
        assert!(!f.report_busy && f.report.is_none());
        assert!(fx
            .notice
            .is_some_and(|n| n.error && n.text.contains("module absent")));
        let fx = f.apply(Action::ReportReady(Ok("<h1>Rapport</h1>".into())));
        assert_eq!(f.report.as_deref(), Some("<h1>Rapport</h1>"));
        assert!(fx.dismiss);
        assert_eq!(fx.focus, Some(vec!["report-close".to_string()]));
        let fx = f.apply(Action::ReportClose);
        assert!(f.report.is_none());
        assert_eq!(fx.focus, Some(vec!["report".to_string()]));
    }

    #[test]
    fn a_review_that_cannot_be_read_leaves_the_draft() {
        let mut f = form("na-ako-2024");
        let before = f.answers.clone();
        let fx = f.apply(Action::ReviewRead {
            name: "r.csv".into(),
            text: Err("fichier illisible".into()),
            campaigns: vec![],
        });
        let n = fx.notice.expect("a notice");
        assert!(n.error && n.text.contains("« r.csv » refusé : fichier illisible"));
        assert!(!fx.save_review && f.review.is_none());
        let fx = f.apply(Action::ReviewRead {
            name: "r.csv".into(),
            text: Ok("pas un rapport".into()),
            campaigns: vec![],
        });
        assert!(fx.notice.is_some_and(|n| n.error));
        assert!(f.review.is_none());
        assert_eq!(f.answers, before);
    }
}
