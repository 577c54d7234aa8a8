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
            Action::Next => self.next(),
            Action::Import(text) => self.import(&text),
            Action::GridOpened { name, result } => self.grid_opened(name, result),
            Action::GridReplace => self.grid_replace(),
            Action::GridCancel => self.grid_cancel(),
            Action::Gains => self.update_gains(),
            Action::ReportReady(result) => self.report_ready(result),
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

    /// « Aller au prochain indicateur à compléter »: its tab and focus, or
    /// a notice when nothing is missing.
    fn next(&mut self) -> Effects {
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

    /// An imported draft replaces the answers, or is refused (draft unchanged).
    fn import(&mut self, text: &str) -> Effects {
        match drafts::validate_import(text, &self.catalog.campaign.id) {
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

    /// The grid read is not taken: the draft stays as it was.
    fn grid_cancel(&mut self) -> Effects {
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

    /// The best gains, computed again (after the edits settled); renders
    /// only when they changed.
    fn update_gains(&mut self) -> Effects {
        let gains = caqes_engine::best_gains(&self.catalog, &self.answers, &self.eval, 5);
        if gains == self.gains {
            return Effects::default();
        }
        self.gains = gains;
        Effects::render()
    }

    /// The on-demand module answered: the report preview, or its error.
    fn report_ready(&mut self, result: Result<String, String>) -> Effects {
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
            EstablishmentEdit::Finess(v) => est.finess = v.trim().to_ascii_uppercase(),
            EstablishmentEdit::Name(v) => est.name = v,
            EstablishmentEdit::Departement(v) => est.departement = v.trim().to_ascii_uppercase(),
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
mod tests;
