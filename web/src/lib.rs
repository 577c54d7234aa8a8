//! # caqes-web
//!
//! The offline self-evaluation form of CAQES (Yew, WebAssembly). The scoring
//! is the engine's [`caqes_engine::evaluate`], run on every input event.
//!
//! Modules: [`form`] (the open form's state as a pure reducer:
//! `Form::apply(Action) -> Effects`, tested natively), [`app`] (the component:
//! messages and the effects at the edge: storage, files, timers, focus),
//! `start` (campaign choice, drafts, other catalog file), `identification`,
//! `indicator` (`IndicatorCard`, one component per indicator with
//! props compared by value), `score` (the score panel), `nav` (tab labels with the progress
//! per volet, « Aller au prochain indicateur à compléter », the score panel
//! folded on narrow screens), [`drafts`] (localStorage,
//! export/import), `fields` (small shared view helpers), `grid_module` (the
//! bridge to the Excel grid module `caqes-web-grid`, loaded on demand),
//! `grid_open` (opening an Excel grid: differences shown before replacing),
//! [`response`] (« Répondre au rapport d'évaluation »: the contradictory period),
//! `app::published` (campaigns published at run time, read by
//! `web/static/later.js`, taken through `window.caqesCatalogsChanged`).
//!
//! [`score_json`] is the native/wasm parity entry point: the same function
//! runs in the browser (exported by wasm-bindgen, and as `window.caqesScore`)
//! and natively in `tests/parity.rs`.

pub mod app;
pub mod drafts;
mod fields;
pub mod form;
mod grid_module;
mod grid_open;
mod identification;
mod indicator;
mod nav;
pub mod response;
mod score;
mod start;

use caqes_engine::{evaluate, Answers, Catalog};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

include!(concat!(env!("OUT_DIR"), "/bundled_index.rs"));

/// The bundled catalogs in the engine's compact form (`web/build.rs`).
static BUNDLED_BYTES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/bundled.bin"));

thread_local! {
    /// Bundled catalogs, decoded once per thread.
    static BUNDLED: Rc<Vec<Catalog>> = Rc::new(
        caqes_engine::compact::decode_catalogs(BUNDLED_BYTES).unwrap_or_default(),
    );
}

/// Every bundled catalog (parsed once per thread).
pub fn bundled() -> Rc<Vec<Catalog>> {
    BUNDLED.with(Rc::clone)
}

/// The name of the bundled file that defines the catalog `id` (the grid
/// module, which embeds the same files, loads it from there).
pub fn bundled_file(id: &str) -> Option<&'static str> {
    BUNDLED_INDEX
        .iter()
        .find(|(_, c)| *c == id)
        .map(|(file, _)| *file)
}

/// Evaluates `answers_json` against the bundled catalog `catalog_id` and
/// returns the evaluation as compact JSON (`serde_json::to_string`), or
/// `{"error": "..."}` in French. Byte-identical natively and in wasm.
#[wasm_bindgen]
pub fn score_json(catalog_id: &str, answers_json: &str) -> String {
    let catalogs = bundled();
    let Some(catalog) = catalogs.iter().find(|c| c.campaign.id == catalog_id) else {
        return error_json(&format!("référentiel inconnu « {catalog_id} »"));
    };
    match Answers::from_json(answers_json) {
        Ok(answers) => serde_json::to_string(&evaluate(catalog, &answers))
            .unwrap_or_else(|e| error_json(&e.to_string())),
        Err(e) => error_json(&e.to_string()),
    }
}

fn error_json(message: &str) -> String {
    serde_json::json!({ "error": message }).to_string()
}

/// Mounts the application into `<body>` and installs the debug hooks
/// (`window.caqesScore`, `window.caqesTimings`).
pub fn start() {
    #[cfg(target_arch = "wasm32")]
    {
        install_hooks();
        yew::Renderer::<app::App>::new().render();
    }
}

#[cfg(target_arch = "wasm32")]
fn install_hooks() {
    use wasm_bindgen::closure::Closure;
    let Some(window) = web_sys::window() else {
        return;
    };
    let score =
        Closure::<dyn Fn(String, String) -> String>::new(|c: String, a: String| score_json(&c, &a));
    let _ = js_sys::Reflect::set(&window, &"caqesScore".into(), score.as_ref());
    score.forget();
    let timings = Closure::<dyn Fn() -> String>::new(app::timings_json);
    let _ = js_sys::Reflect::set(&window, &"caqesTimings".into(), timings.as_ref());
    timings.forget();
}

#[cfg(test)]
mod tests {
    #[test]
    fn score_json_scores_and_reports_errors() {
        let out = super::score_json("na-ako-2024", r#"{"catalog":"na-ako-2024"}"#);
        assert!(out.starts_with(r#"{"catalog":"na-ako-2024""#), "{out}");
        let out = super::score_json("nope", "{}");
        assert!(out.contains("référentiel inconnu"), "{out}");
        let out = super::score_json("na-ako-2024", "{");
        assert!(out.contains("error"), "{out}");
    }

    /// The build-time compact form gives back exactly the catalogs of the TOML files.
    #[test]
    fn bundled_catalogs_equal_the_toml_catalogs() {
        let from_toml = caqes_catalogs::bundled().unwrap();
        let from_json = super::bundled();
        assert_eq!(from_toml.len(), from_json.len());
        for (t, j) in from_toml.iter().zip(from_json.iter()) {
            assert_eq!(format!("{t:?}"), format!("{j:?}"), "{}", t.campaign.id);
            assert_eq!(
                serde_json::to_string(t).unwrap(),
                serde_json::to_string(j).unwrap()
            );
            assert_eq!(
                super::bundled_file(&t.campaign.id),
                caqes_catalogs::file_of(&t.campaign.id)
            );
        }
    }

    #[test]
    fn app_builds_a_vnode_natively() {
        let node = yew::html! { <super::app::App /> };
        assert!(matches!(node, yew::virtual_dom::VNode::VComp(_)));
    }
}
