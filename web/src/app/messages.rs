//! The handlers of [`App`]'s messages that are not pure form actions: opening
//! and resuming drafts, catalog files, the draft's export and import, the
//! Excel grid (download and opening), the report preview, printing and the
//! review file. Each returns whether to render; the effects (storage,
//! downloads, the on-demand module) stay here, at the edge.

use super::{export_time, now, App, Msg, Screen, TIMINGS};
use crate::form::{Action, Notice};
use crate::{drafts, grid_module, grid_open, response};
use caqes_engine::Answers;
use yew::prelude::*;

/// When the open catalog's file is not known (should not happen).
const NO_SOURCE: &str =
    "le fichier du référentiel de cette campagne est introuvable ; rouvrez-le puis réessayez";

impl App {
    /// [`Msg::Open`]: starts (or resumes the unnamed draft of) campaign `id`.
    pub(super) fn open_campaign(&mut self, id: String) -> bool {
        let Some(catalog) = self.catalog(&id) else {
            return false;
        };
        let fresh = Answers {
            catalog: id,
            ..Answers::default()
        };
        let answers = drafts::load(&drafts::key_of(&fresh)).unwrap_or(fresh);
        self.notice = None;
        self.open(catalog, answers);
        true
    }

    /// [`Msg::Resume`]: reopens a saved draft, or says why it cannot.
    pub(super) fn resume(&mut self, key: &str) -> bool {
        match drafts::load(key) {
            Some(answers) => match self.catalog(&answers.catalog) {
                Some(catalog) => {
                    self.notice = None;
                    self.open(catalog, answers);
                }
                None => {
                    self.notice = Some(Notice::error(format!(
                        "Le référentiel « {} » de ce brouillon n'est pas disponible : ouvrez d'abord son fichier.",
                        answers.catalog
                    )))
                }
            },
            None => self.notice = Some(Notice::error("Ce brouillon est illisible.")),
        }
        true
    }

    /// [`Msg::Home`]: back to the start page.
    pub(super) fn home(&mut self) -> bool {
        drafts::clear_current();
        self.screen = Screen::Start;
        self.notice = None;
        true
    }

    /// [`Msg::CatalogRead`]: a catalog file was read; has the grid module
    /// load it (then [`Msg::CatalogParsed`]), or says it is unreadable.
    pub(super) fn catalog_read(
        &mut self,
        ctx: &Context<Self>,
        name: String,
        res: Result<String, String>,
    ) -> bool {
        self.reader = None;
        match res {
            Err(e) => {
                self.notice = Some(Notice::error(format!(
                    "Impossible de lire le fichier « {name} » : {e}"
                )));
                true
            }
            Ok(src) => {
                let link = ctx.link().clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let parsed = grid_module::parse(&name, &src).await;
                    link.send_message(Msg::CatalogParsed((name, src, parsed)));
                });
                false
            }
        }
    }

    /// [`Msg::CatalogParsed`]: adds and stores the campaigns of a catalog
    /// file opened by hand, or lists its errors.
    pub(super) fn catalog_parsed(
        &mut self,
        name: &str,
        src: &str,
        parsed: Result<Vec<u8>, String>,
    ) -> bool {
        self.notice = Some(match self.add_catalogs(name, src, parsed) {
            Ok(ids) => {
                let stored = drafts::save_catalog(name, src);
                Notice {
                    error: false,
                    text: format!(
                        "Référentiel « {name} » chargé : {} campagne(s) ajoutée(s) ({}).",
                        ids.len(),
                        ids.join(", ")
                    ),
                    lines: stored.err().into_iter().collect(),
                }
            }
            Err(lines) => Notice {
                error: true,
                text: format!(
                    "Le référentiel « {name} » n'a pas été chargé : {} erreur(s).",
                    lines.len()
                ),
                lines,
            },
        });
        true
    }

    /// [`Msg::Export`]: downloads the open draft as JSON.
    pub(super) fn export(&self) {
        if let Screen::Form(form) = &self.screen {
            let json = serde_json::to_string_pretty(&form.answers).unwrap_or_default();
            drafts::download(
                &drafts::export_name(&form.answers),
                "application/json",
                json.as_bytes(),
            );
        }
    }

    /// [`Msg::Imported`]: an imported draft file was read; the form takes it
    /// ([`Action::Import`]) or it was unreadable.
    pub(super) fn imported(&mut self, res: Result<String, String>) -> bool {
        self.reader = None;
        if !matches!(self.screen, Screen::Form(_)) {
            return false;
        }
        match res {
            Ok(text) => return self.apply(Action::Import(text)),
            Err(e) => self.notice = Some(Notice::error(format!("Import refusé : fichier illisible ({e}). Votre brouillon actuel n'a pas été modifié."))),
        }
        true
    }

    /// [`Msg::Grid`]: has the on-demand module build the filled Excel grid
    /// (then [`Msg::GridReady`]), unless one is being built.
    pub(super) fn grid(&mut self, ctx: &Context<Self>) -> bool {
        let source = self.source();
        if let Screen::Form(form) = &mut self.screen {
            if form.grid_busy {
                return false;
            }
            form.grid_busy = true;
            let t0 = now();
            let name = drafts::export_name(&form.answers).replace(".json", ".xlsx");
            let answers = form.answers.to_canonical_json();
            let time = export_time();
            let link = ctx.link().clone();
            wasm_bindgen_futures::spawn_local(async move {
                let result = match source {
                    Some(catalog) => grid_module::build(&catalog, &answers, &time).await,
                    None => Err(NO_SOURCE.into()),
                };
                link.send_message(Msg::GridReady(name, t0, result));
            });
            self.notice = Some(Notice::info("Préparation de la grille Excel…"));
        }
        true
    }

    /// [`Msg::GridReady`]: downloads the grid built (its time in
    /// `TIMINGS.grid`), or says why it was not.
    pub(super) fn grid_ready(
        &mut self,
        name: &str,
        t0: f64,
        result: Result<Vec<u8>, String>,
    ) -> bool {
        TIMINGS.with(|t| t.borrow_mut().grid.push(now() - t0));
        if let Screen::Form(form) = &mut self.screen {
            form.grid_busy = false;
        }
        match result {
            Ok(bytes) => {
                drafts::download(
                    name,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    &bytes,
                );
                self.notice = Some(Notice::info(format!(
                    "Grille Excel « {name} » téléchargée."
                )));
            }
            Err(e) => {
                self.notice = Some(Notice::error(format!(
                    "La grille Excel n'a pas pu être produite : {e}"
                )))
            }
        }
        true
    }

    /// [`Msg::GridFile`]: a grid file was chosen: refused at once when too
    /// big, else handed to the grid module (then [`Msg::GridOpened`]).
    pub(super) fn grid_file(&mut self, ctx: &Context<Self>, file: web_sys::File) -> bool {
        let source = self.source();
        let Screen::Form(form) = &mut self.screen else {
            return false;
        };
        if form.open_busy {
            return false;
        }
        let name = file.name();
        if file.size() > grid_open::MAX_BYTES {
            self.notice = Some(crate::form::grid_refused(
                &name,
                &format!(
                    "fichier trop volumineux ({} Mo au plus) : refusé par précaution",
                    grid_open::MAX_BYTES / (1024.0 * 1024.0)
                ),
            ));
            return true;
        }
        let Some(catalog) = source else {
            self.notice = Some(crate::form::grid_refused(&name, NO_SOURCE));
            return true;
        };
        form.open_busy = true;
        form.pending = None;
        self.notice = Some(Notice::info(format!("Lecture de la grille « {name} »…")));
        let answers = form.answers.to_canonical_json();
        let link = ctx.link().clone();
        wasm_bindgen_futures::spawn_local(async move {
            let result = grid_module::open(&catalog, &answers, file).await;
            link.send_message(Msg::GridOpened(name, result));
        });
        true
    }

    /// [`Msg::Report`]: has the on-demand module build the report preview
    /// (then [`Msg::ReportReady`]), unless one is being built.
    pub(super) fn report(&mut self, ctx: &Context<Self>) -> bool {
        let source = self.source();
        if let Screen::Form(form) = &mut self.screen {
            if form.report_busy {
                return false;
            }
            form.report_busy = true;
            let answers = form.answers.to_canonical_json();
            let link = ctx.link().clone();
            wasm_bindgen_futures::spawn_local(async move {
                let result = match source {
                    Some(catalog) => grid_module::report(&catalog, &answers).await,
                    None => Err(NO_SOURCE.into()),
                };
                link.send_message(Msg::ReportReady(result));
            });
        }
        true
    }

    /// [`Msg::Print`]: print mode (every panel rendered, printed from
    /// `rendered`), on the form only.
    pub(super) fn print_all(&mut self) -> bool {
        if !matches!(self.screen, Screen::Form(_)) {
            return false;
        }
        self.printing = true;
        true
    }

    /// [`Msg::Printed`]: out of print mode (the active panel only).
    pub(super) fn printed(&mut self) -> bool {
        if !self.printing {
            return false;
        }
        self.printing = false;
        true
    }

    /// [`Msg::ReviewFile`]: a review file was chosen: the workbook is read by
    /// the on-demand module (refused at once when too big), a CSV as text;
    /// then [`Msg::ReviewRead`].
    pub(super) fn review_file(&mut self, ctx: &Context<Self>, file: web_sys::File) -> bool {
        let name = file.name();
        let link = ctx.link().clone();
        if name.to_ascii_lowercase().ends_with(".xlsx") {
            // The review workbook: read by the on-demand grid module.
            let Some(source) = self.source() else {
                return false;
            };
            if file.size() > grid_open::MAX_BYTES {
                self.notice = Some(Notice::error(format!("Rapport « {name} » refusé : fichier trop gros. Votre brouillon n'a pas été modifié.")));
                return true;
            }
            wasm_bindgen_futures::spawn_local(async move {
                let result = grid_module::review(&source, file).await;
                link.send_message(Msg::ReviewRead(name, result));
            });
            return false;
        }
        let blob = gloo::file::Blob::from(file);
        self.reader = Some(gloo::file::callbacks::read_as_text(&blob, move |res| {
            link.send_message(Msg::ReviewRead(
                name,
                res.map_err(|e| format!("fichier illisible ({e})")),
            ));
        }));
        false
    }

    /// [`Msg::ReviewExport`]: exports the response file, or says what is missing.
    pub(super) fn review_export(&mut self) {
        let Screen::Form(form) = &self.screen else {
            return;
        };
        let Some(review) = &form.review else { return };
        match response::response_file(review, &form.catalog, &form.answers) {
            Ok(csv) => {
                drafts::download(
                    &response::export_name(
                        &form.catalog.campaign.id,
                        &form.answers.establishment.finess,
                        review.version,
                    ),
                    "text/csv;charset=utf-8",
                    csv.as_bytes(),
                );
                self.notice = Some(Notice::info(
                    "Réponse au rapport d'évaluation exportée : transmettez ce fichier à l'agence.",
                ));
            }
            Err(missing) => {
                self.notice = Some(Notice {
                    error: true,
                    text: "Réponse non exportée : chaque ajustement doit être accepté ou contesté, avec un commentaire pour contester.".into(),
                    lines: missing,
                });
                self.focus = Some(vec!["notice".into()]);
            }
        }
    }
}
