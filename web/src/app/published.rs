//! Campaigns published at run time (issue 15). `web/static/later.js` reads
//! `referentiels/index.json` and the TOML files it lists after the first
//! render, has every new or corrected file checked by the on-demand grid
//! module (which also lists what changed for the drafts in progress, shown
//! by `later.js`), and stores the valid ones in localStorage like a catalog
//! opened by hand (`drafts::saved_catalogs`). It then calls
//! `window.caqesCatalogsChanged()`: the form takes them, and the open form is
//! re-scored with the new version, its answers untouched. The form's own
//! share of the feature stays this small: its first load is budgeted.

use super::{best_gains, App, Screen};
use crate::drafts;
use caqes_engine::evaluate;
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
    /// Takes the stored catalogs again and re-scores the open form with the
    /// current version of its campaign (same answers).
    pub(super) fn published(&mut self) -> bool {
        for (name, src) in drafts::saved_catalogs() {
            let _ = self.add_catalogs(&name, &src);
        }
        let Screen::Form(form) = &self.screen else {
            return true;
        };
        let Some(catalog) = self.catalog(&form.catalog.campaign.id) else {
            return true;
        };
        if let Screen::Form(form) = &mut self.screen {
            form.eval = evaluate(&catalog, &form.answers);
            form.gains = best_gains(&catalog, &form.answers, &form.eval);
            form.catalog = catalog;
        }
        true
    }
}
