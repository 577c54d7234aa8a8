//! Campaigns published at run time (issue 15). `web/static/later.js` reads
//! `referentiels/index.json` and the TOML files it lists after the first
//! render, has every new or corrected file checked by the on-demand grid
//! module (which also lists what changed for the drafts in progress, shown
//! by `later.js`), and stores the valid ones in localStorage like a catalog
//! opened by hand (`drafts::saved_catalogs`). It then calls
//! `window.caqesCatalogsChanged()`: the form has the grid module load the
//! stored files (the form's first load has no TOML parser) and takes them
//! (`App::stored`), and the open form is re-scored with the new version,
//! its answers untouched. The form's own
//! share of the feature stays this small: its first load is budgeted.

use super::{App, Parsed, Screen};
use crate::drafts;
use yew::html::Scope;

/// Installs `window.caqesCatalogsChanged`, which sends [`Msg::Published`].
pub(super) fn install(link: &Scope<App>) {
    #[cfg(target_arch = "wasm32")]
    {
        let link = link.clone();
        // Same signature as the `caqesTimings` hook: no new closure shim.
        let f = wasm_bindgen::closure::Closure::<dyn Fn() -> String>::new(move || {
            link.send_message(super::Msg::Published);
            String::new()
        });
        if let Some(w) = web_sys::window() {
            let _ = js_sys::Reflect::set(&w, &"caqesCatalogsChanged".into(), f.as_ref());
        }
        f.forget();
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = link;
}

impl App {
    /// The grid module loaded the stored catalog files (at start, or after
    /// `later.js` stored published ones): the form takes them, reopens the
    /// draft of the last session when its campaign is one of them, and
    /// re-scores the open form with the current version of its campaign
    /// (same answers).
    pub(super) fn stored(&mut self, files: Vec<Parsed>) -> bool {
        for (name, src, parsed) in files {
            let _ = self.add_catalogs(&name, &src, parsed);
        }
        if let Some(key) = self.restore.take() {
            if let (Screen::Start, Some(answers)) = (&self.screen, drafts::load(&key)) {
                if let Some(catalog) = self.catalog(&answers.catalog) {
                    self.open(catalog, answers);
                }
            }
            return true;
        }
        let Screen::Form(form) = &self.screen else {
            return true;
        };
        let Some(catalog) = self.catalog(&form.catalog.campaign.id) else {
            return true;
        };
        if let Screen::Form(form) = &mut self.screen {
            form.set_catalog(catalog);
        }
        true
    }
}
