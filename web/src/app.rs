//! The application component: the screens, the messages, and the effects at
//! the edge (storage, files, timers, the on-demand module, focus, timings).
//! The open form's state and its transitions are the pure [`crate::form`]:
//! [`Msg::Form`] applies an [`Action`] and performs the returned [`Effects`].

use crate::form::{Action, Effects};
use crate::indicator::IndicatorCard;
use crate::{
    drafts, fields, grid_module, grid_open, identification, indicator, nav, response, start,
};
use caqes_engine::{Answers, Catalog};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use yew::html::Scope;
use yew::prelude::*;

mod messages;
mod published;

/// A catalog file loaded by the grid module: (name, TOML, campaigns in the
/// engine's compact form or the French error lines).
pub type Parsed = (String, String, Result<Vec<u8>, String>);

pub use crate::form::{Form, Notice};

/// Times measured in the browser, in ms, since the last [`timings_json`].
#[derive(Default)]
struct Timings {
    /// [`Form::apply`] of an answer edit (the edit and the engine's evaluation).
    evaluate: Vec<f64>,
    /// Edit + evaluate + save + render.
    update: Vec<f64>,
    /// Building the xlsx.
    grid: Vec<f64>,
}

thread_local! {
    static TIMINGS: RefCell<Timings> = RefCell::new(Timings::default());
}

/// Debug hook behind `window.caqesTimings()`: the recompute times in ms since
/// the last call, `{"evaluate": [...], "update": [...], "grid": [...],
/// "cards": n}` (evaluate = `Form::apply` of an edit, mostly the engine;
/// update = edit + evaluate + save + render; grid = building the xlsx; cards
/// = indicator cards rendered), then clears them.
pub fn timings_json() -> String {
    TIMINGS.with(|t| {
        let t = std::mem::take(&mut *t.borrow_mut());
        serde_json::json!({
            "evaluate": t.evaluate,
            "update": t.update,
            "grid": t.grid,
            "cards": indicator::take_renders(),
        })
        .to_string()
    })
}

/// Local time of the export, `YYYY-MM-DD HH:MM:SS` (from `js_sys::Date`).
fn export_time() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let d = js_sys::Date::new_0();
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            d.get_full_year(),
            d.get_month() + 1,
            d.get_date(),
            d.get_hours(),
            d.get_minutes(),
            d.get_seconds()
        )
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        String::from("1970-01-01 00:00:00")
    }
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Messages of [`App`].
pub enum Msg {
    /// Start (or resume the unnamed draft of) a campaign.
    Open(String),
    /// Resume a saved draft.
    Resume(String),
    /// Delete a saved draft.
    DeleteDraft(String),
    /// Back to the start page.
    Home,
    /// A catalog file was chosen.
    CatalogFile(web_sys::File),
    /// A catalog file was read: (name, text or read error).
    CatalogRead(String, Result<String, String>),
    /// The grid module loaded a catalog file opened by hand.
    CatalogParsed(Parsed),
    /// The grid module loaded the stored catalog files (at start, or once
    /// `later.js` stored the published ones).
    Stored(Vec<Parsed>),
    /// A change of the open form (pure, [`Form::apply`]), then its effects.
    Form(Action),
    /// Export the draft as JSON.
    Export,
    /// A draft file was chosen for import.
    ImportFile(web_sys::File),
    /// An imported file was read.
    Imported(Result<String, String>),
    /// Download the filled Excel grid (built by the on-demand grid module).
    Grid,
    /// The grid module answered: (file name, start time, xlsx bytes or French error).
    GridReady(String, f64, Result<Vec<u8>, String>),
    /// An Excel grid was chosen to open.
    GridFile(web_sys::File),
    /// The grid module read it: (file name, `Opened::to_lines` or French error).
    GridOpened(String, Result<String, String>),
    /// « Aperçu du rapport »: build the self-evaluation report (on-demand module).
    Report,
    /// The module answered: the report's HTML or a French error.
    ReportReady(Result<String, String>),
    /// Print the report shown.
    ReportPrint,
    /// Print: render every panel, then `window.print()` (from `rendered`).
    Print,
    /// `window.print()` returned: back to the active panel only.
    Printed,
    /// A review file (« Répondre au rapport d'évaluation ») was chosen.
    ReviewFile(web_sys::File),
    /// The review file was read: (file name, text or read error).
    ReviewRead(String, Result<String, String>),
    /// Export the response file.
    ReviewExport,
    /// Close the notice.
    Dismiss,
    /// Catalogs published at run time were stored (`published.rs`).
    Published,
}

enum Screen {
    Start,
    Form(Box<Form>),
}

/// The application.
pub struct App {
    /// [`Msg::Form`] as a callback, built once: the cards' props stay equal.
    dispatch: Callback<Action>,
    catalogs: Vec<Rc<Catalog>>,
    screen: Screen,
    notice: Option<Notice>,
    reader: Option<gloo::file::callbacks::FileReader>,
    gains_timer: Option<gloo::timers::callback::Timeout>,
    focus: Option<Vec<String>>,
    started: Option<f64>,
    /// Print mode: every panel is rendered (otherwise only the active one).
    printing: bool,
    /// Catalogs opened by the user: id → (file name, TOML), for the grid module.
    sources: HashMap<String, (String, String)>,
    /// The draft to reopen once the stored catalogs are loaded (its campaign
    /// is not bundled).
    restore: Option<String>,
}

impl App {
    fn catalog(&self, id: &str) -> Option<Rc<Catalog>> {
        self.catalogs.iter().find(|c| c.campaign.id == id).cloned()
    }

    fn open(&mut self, catalog: Rc<Catalog>, answers: Answers) {
        let mut form = Form::new(catalog, answers);
        form.saved = drafts::save(&form.key, &form.answers);
        form.review = drafts::load_review(&form.key).and_then(|(file, text, responses)| {
            let mut r = response::import(&file, &text, &form.answers, &form.catalog, &[]).ok()?;
            r.responses = response::responses_from_text(&responses);
            Some(r)
        });
        self.screen = Screen::Form(Box::new(form));
    }

    /// Adds the campaigns of a catalog file loaded by the grid module
    /// ([`grid_module::parse`]): their ids, or the French error lines.
    fn add_catalogs(
        &mut self,
        name: &str,
        src: &str,
        parsed: Result<Vec<u8>, String>,
    ) -> Result<Vec<String>, Vec<String>> {
        let list = parsed.and_then(|bytes| {
            caqes_engine::compact::decode_catalogs(&bytes).map_err(|e| e.to_string())
        });
        match list {
            Ok(list) => {
                let mut ids = Vec::new();
                for c in list {
                    ids.push(c.campaign.id.clone());
                    self.sources
                        .insert(c.campaign.id.clone(), (name.into(), src.into()));
                    self.catalogs.retain(|o| o.campaign.id != c.campaign.id);
                    self.catalogs.push(Rc::new(c));
                }
                Ok(ids)
            }
            Err(errors) => Err(errors.lines().map(String::from).collect()),
        }
    }

    /// Has the grid module load the stored catalog files, then sends
    /// [`Msg::Stored`] (nothing stored: nothing to do).
    fn load_stored(ctx: &Context<Self>) {
        let files = drafts::saved_catalogs();
        if files.is_empty() {
            return;
        }
        let link = ctx.link().clone();
        wasm_bindgen_futures::spawn_local(async move {
            let mut out = Vec::with_capacity(files.len());
            for (name, src) in files {
                let parsed = grid_module::parse(&name, &src).await;
                out.push((name, src, parsed));
            }
            link.send_message(Msg::Stored(out));
        });
    }

    /// The open catalog as the grid module takes it (its TOML file).
    fn source(&self) -> Option<grid_module::Source> {
        let Screen::Form(form) = &self.screen else {
            return None;
        };
        let id = form.catalog.campaign.id.clone();
        let (file, toml) = match self.sources.get(&id) {
            Some((f, t)) => (f.clone(), t.clone()),
            None => {
                // The module embeds the bundled files: their name is enough.
                (crate::bundled_file(&id)?.to_string(), String::new())
            }
        };
        Some(grid_module::Source { file, toml, id })
    }

    /// Applies a form action and performs its effects (in [`Effects`]' order);
    /// whether to render.
    fn apply(&mut self, action: Action) -> bool {
        let Screen::Form(form) = &mut self.screen else {
            return false;
        };
        let edit = matches!(action, Action::Indicator { .. } | Action::Establishment(_));
        if edit {
            self.started = Some(now());
        }
        let t0 = now();
        let fx: Effects = form.apply(action);
        if edit {
            let dt = now() - t0;
            TIMINGS.with(|t| t.borrow_mut().evaluate.push(dt));
        }
        if let Some(old) = &fx.forget {
            drafts::remove(old);
            let _ = drafts::save_review(old, None);
        }
        if fx.save_review {
            save_review(form);
        }
        if fx.save {
            form.saved = drafts::save(&form.key, &form.answers);
            let dispatch = self.dispatch.clone();
            self.gains_timer = Some(gloo::timers::callback::Timeout::new(250, move || {
                dispatch.emit(Action::Gains)
            }));
        }
        if fx.dismiss {
            self.notice = None;
        }
        if let Some(n) = fx.notice {
            self.notice = Some(n);
        }
        if let Some(ids) = fx.focus {
            self.focus = Some(ids);
        }
        if !fx.render {
            self.started = None;
        }
        fx.render
    }

    fn read_file(&mut self, ctx: &Context<Self>, file: web_sys::File, catalog: bool) {
        let name = file.name();
        let link = ctx.link().clone();
        let blob = gloo::file::Blob::from(file);
        self.reader = Some(gloo::file::callbacks::read_as_text(&blob, move |res| {
            let res = res.map_err(|e| e.to_string());
            if catalog {
                link.send_message(Msg::CatalogRead(name, res));
            } else {
                link.send_message(Msg::Imported(res));
            }
        }));
    }
}

/// Saves the review and responses of the open draft (nothing to save: forgets them).
fn save_review(form: &mut Form) {
    let stored = form.review.as_ref().map(|r| {
        (
            r.file.clone(),
            r.text.clone(),
            response::responses_to_text(&r.responses),
        )
    });
    let r = drafts::save_review(
        &form.key,
        stored
            .as_ref()
            .map(|(f, t, j)| (f.as_str(), t.as_str(), j.as_str())),
    );
    if let Err(e) = r {
        form.saved = Err(e);
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        published::install(ctx.link());
        let mut app = App {
            dispatch: ctx.link().callback(Msg::Form),
            catalogs: crate::bundled().iter().cloned().map(Rc::new).collect(),
            screen: Screen::Start,
            notice: None,
            reader: None,
            gains_timer: None,
            focus: None,
            started: None,
            printing: false,
            sources: HashMap::new(),
            restore: None,
        };
        // Catalogs opened by hand or published are TOML: loaded by the grid
        // module (`Msg::Stored`), their draft reopened then.
        Self::load_stored(ctx);
        if let Some(key) = drafts::current() {
            if let Some(answers) = drafts::load(&key) {
                match app.catalog(&answers.catalog) {
                    Some(catalog) => app.open(catalog, answers),
                    None => app.restore = Some(key),
                }
            }
        }
        app
    }

    /// Dispatches a message to its handler ([`Msg::Form`] and the module's
    /// answers to the pure [`Form::apply`], the rest in `app/messages.rs`);
    /// whether to render.
    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Open(id) => self.open_campaign(id),
            Msg::Resume(key) => self.resume(&key),
            Msg::DeleteDraft(key) => {
                drafts::remove(&key);
                let _ = drafts::save_review(&key, None);
                true
            }
            Msg::Home => self.home(),
            Msg::CatalogFile(file) => {
                self.read_file(ctx, file, true);
                false
            }
            Msg::CatalogRead(name, res) => self.catalog_read(ctx, name, res),
            Msg::CatalogParsed((name, src, parsed)) => self.catalog_parsed(&name, &src, parsed),
            Msg::Form(action) => self.apply(action),
            Msg::Export => {
                self.export();
                false
            }
            Msg::ImportFile(file) => {
                self.read_file(ctx, file, false);
                false
            }
            Msg::Imported(res) => self.imported(res),
            Msg::Grid => self.grid(ctx),
            Msg::GridReady(name, t0, result) => self.grid_ready(&name, t0, result),
            Msg::GridFile(file) => self.grid_file(ctx, file),
            Msg::GridOpened(name, result) => self.apply(Action::GridOpened { name, result }),
            Msg::Report => self.report(ctx),
            Msg::ReportReady(result) => self.apply(Action::ReportReady(result)),
            Msg::ReportPrint => {
                if let Some(w) = web_sys::window() {
                    let _ = w.print();
                }
                false
            }
            Msg::Print => self.print_all(),
            Msg::Printed => self.printed(),
            Msg::ReviewFile(file) => self.review_file(ctx, file),
            Msg::ReviewRead(name, text) => {
                self.reader = None;
                let campaigns = self.catalogs.clone();
                self.apply(Action::ReviewRead {
                    name,
                    text,
                    campaigns,
                })
            }
            Msg::ReviewExport => {
                self.review_export();
                true
            }
            Msg::Dismiss => {
                self.notice = None;
                true
            }
            Msg::Published => {
                Self::load_stored(ctx);
                true
            }
            Msg::Stored(files) => self.stored(files),
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let notice = self.notice.as_ref().map(|n| {
            html! {
                <div class={classes!("notice", n.error.then_some("error"))} role={if n.error { "alert" } else { "status" }} id="notice" tabindex="-1">
                    <p>{ &n.text }</p>
                    if !n.lines.is_empty() {
                        <ul>{ for n.lines.iter().map(|l| html! { <li>{ l }</li> }) }</ul>
                    }
                    <button type="button" class="secondary" onclick={link.callback(|_| Msg::Dismiss)}>{ "Fermer ce message" }</button>
                </div>
            }
        });
        let body = match &self.screen {
            Screen::Start => start::view(&self.catalogs, &drafts::list(), link),
            Screen::Form(form) => form_view(form, self.printing, link, &self.dispatch),
        };
        html! {
            <main id="app">
                <h1>{ "Auto-évaluation CAQES" }</h1>
                { notice.unwrap_or_default() }
                { body }
            </main>
        }
    }

    fn rendered(&mut self, ctx: &Context<Self>, _first: bool) {
        if self.printing {
            // Every panel is in the DOM now: print (blocks until the dialog
            // closes in most browsers), then render the active panel only.
            if let Some(w) = web_sys::window() {
                let _ = w.print();
            }
            ctx.link().send_message(Msg::Printed);
        }
        if let Some(t0) = self.started.take() {
            let dt = now() - t0;
            TIMINGS.with(|t| t.borrow_mut().update.push(dt));
        }
        if let Some(ids) = self.focus.take() {
            fields::focus_first(&ids);
        }
    }
}

/// « Aperçu du rapport »: the self-evaluation report, in place of the form,
/// with « Imprimer » and « Retour au formulaire ». `report` is the HTML of
/// `caqes_report::html::body` (built by the on-demand module, every text
/// escaped there), styled by `.report` in the form's stylesheet.
fn report_view(report: &str, link: &Scope<App>) -> Html {
    html! {
        <>
        <div class="toolbar no-print">
            <button type="button" id="report-close" class="secondary" onclick={link.callback(|_| Msg::Form(Action::ReportClose))}>{ "Retour au formulaire" }</button>
            <button type="button" id="report-print" onclick={link.callback(|_| Msg::ReportPrint)}>{ "Imprimer l'aperçu" }</button>
        </div>
        <article id="report-preview" class="report" aria-label="Aperçu du rapport d'évaluation (auto-évaluation)">
            { Html::from_html_unchecked(AttrValue::from(report.to_string())) }
        </article>
        </>
    }
}

/// The campaign's title and the toolbar (drafts, grid, review, report, print,
/// save state).
fn form_head(form: &Form, link: &Scope<App>) -> Html {
    let c = &form.catalog;
    let import = link.callback(|e: Event| match fields::take_file(&e) {
        Some(f) => Msg::ImportFile(f),
        None => Msg::Dismiss,
    });
    let open_grid = link.callback(|e: Event| match fields::take_file(&e) {
        Some(f) => Msg::GridFile(f),
        None => Msg::Dismiss,
    });
    let open_review = link.callback(|e: Event| match fields::take_file(&e) {
        Some(f) => Msg::ReviewFile(f),
        None => Msg::Dismiss,
    });
    let saved = match &form.saved {
        Ok(()) => {
            html! { <span id="save-state" class="saved" role="status">{ "✓ Enregistré" }</span> }
        }
        Err(_) => {
            html! { <span id="save-state" class="unsaved" role="status">{ "Non enregistré" }</span> }
        }
    };
    html! {
        <div class="form-head">
            <p class="campaign" id="campaign-title">
                <strong>{ &c.campaign.title }</strong>
                { format!(" — {} — année {}", c.campaign.region, c.campaign.year) }
            </p>
            <div class="toolbar no-print">
                <button type="button" class="secondary" onclick={link.callback(|_| Msg::Home)}>{ "Accueil" }</button>
                <button type="button" id="export" onclick={link.callback(|_| Msg::Export)}>{ "Exporter le brouillon (JSON)" }</button>
                <label for="import-file" class="button secondary">{ "Importer un brouillon" }</label>
                <input type="file" id="import-file" class="visually-hidden" accept=".json,application/json" onchange={import} />
                <button type="button" id="grid" aria-busy={form.grid_busy.then_some("true")} onclick={link.callback(|_| Msg::Grid)}>
                    { if form.grid_busy { "Préparation de la grille…" } else { "Télécharger la grille Excel" } }
                </button>
                <label for="grid-file" class="button secondary" aria-busy={form.open_busy.then_some("true")}>
                    { if form.open_busy { "Lecture de la grille…" } else { "Ouvrir une grille Excel…" } }
                </label>
                <input type="file" id="grid-file" class="visually-hidden" onchange={open_grid}
                    accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" />
                <label for="review-file" class="button secondary">{ "Répondre au rapport d'évaluation…" }</label>
                <input type="file" id="review-file" class="visually-hidden" onchange={open_review}
                    accept=".csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" />
                <button type="button" id="report" class="secondary" aria-busy={form.report_busy.then_some("true")} onclick={link.callback(|_| Msg::Report)}>
                    { if form.report_busy { "Préparation de l'aperçu…" } else { "Aperçu du rapport" } }
                </button>
                <button type="button" id="print" class="secondary" onclick={link.callback(|_| Msg::Print)}>{ "Imprimer" }</button>
                { saved }
            </div>
        </div>
    }
}

/// The open form. Only the active panel is rendered (each keystroke re-renders
/// the form), except in print mode (`printing`), where every panel is, the
/// inactive ones hidden on screen by CSS and shown by `@media print`.
fn form_view(form: &Form, printing: bool, link: &Scope<App>, dispatch: &Callback<Action>) -> Html {
    if let Some(report) = &form.report {
        return report_view(report, link);
    }
    let c = &form.catalog;
    let warning = form.saved.as_ref().err().map(|e| {
        html! {
            <div class="notice error" role="alert" id="storage-warning">
                <p>{ format!("Attention : {e}. Vos saisies ne sont pas conservées par ce navigateur : exportez le brouillon pour ne rien perdre.") }</p>
                <button type="button" onclick={link.callback(|_| Msg::Export)}>{ "Exporter le brouillon maintenant" }</button>
            </div>
        }
    });
    html! {
        <>
        { form_head(form, link) }
        { warning.unwrap_or_default() }
        { form.pending.as_ref().map(|p| grid_open::view(p, link)).unwrap_or_default() }
        { form.review.as_ref().map(|r| response::view(r, form, link)).unwrap_or_default() }
        <div class="layout">
            <div class="form-main">
                <nav::Tabs ..nav::tabs_props(form, dispatch) />
                if !printing {
                    <p class="print-only" id="print-hint">{ "Seule l'étape affichée est imprimée : utilisez le bouton « Imprimer » du formulaire pour imprimer toutes les étapes." }</p>
                }
                if printing || form.tab == 0 {
                    <section id="panel-0" class={classes!("panel", (form.tab != 0).then_some("inactive"))} aria-labelledby="h-identification">
                        { identification::view(form, link) }
                    </section>
                }
                { for c.volets.iter().enumerate().filter(|(i, _)| printing || form.tab == i + 1).map(|(i, v)| {
                    let n = i + 1;
                    html! {
                        <section id={format!("panel-{n}")} class={classes!("panel", (form.tab != n).then_some("inactive"))} aria-labelledby={format!("h-volet-{n}")}>
                            <h2 id={format!("h-volet-{n}")}>{ v.title.as_str() }</h2>
                            { for c.indicators.iter().enumerate().filter(|(_, ind)| ind.volet == v.id).map(|(k, ind)| html! {
                                <IndicatorCard key={ind.id.as_str()} ..indicator::card_props(form, k, dispatch) />
                            }) }
                        </section>
                    }
                }) }
            </div>
            { nav::score_panel(form, printing, link, dispatch) }
        </div>
        </>
    }
}
