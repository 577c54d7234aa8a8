//! # caqes-web-grid
//!
//! The Excel grid download of the web form, split out of the form's main
//! WebAssembly module: the xlsx writer (rust_xlsxwriter, zip, deflate) is
//! about a quarter of the form's code, and only the « Télécharger la grille
//! Excel » button needs it. `scripts/build-web` builds this crate as a second
//! module that `web/static/loader.js` imports on the first click
//! (`window.caqesGrid`); the service worker pre-caches it with every other
//! asset, so the download works offline too.
//!
//! The form hands over the catalog as JSON (the engine's own serialisation of
//! [`Catalog`], so bundled and agency catalogs travel the same way) and the
//! answers as canonical JSON; this module parses them back and calls the same
//! [`caqes_grid::write_grid`] as `caqes grid`.
//!
//! ```
//! let catalog = caqes_catalogs::bundled().unwrap().remove(0);
//! let catalog_json = serde_json::to_string(&catalog).unwrap();
//! let answers_json = format!(r#"{{"catalog":"{}"}}"#, catalog.campaign.id);
//! let xlsx = caqes_web_grid::grid_bytes(&catalog_json, &answers_json, "2026-11-23 10:00:00").unwrap();
//! assert!(xlsx.starts_with(b"PK"));
//! ```

use caqes_engine::{Answers, Catalog};
use wasm_bindgen::prelude::*;

/// Builds the filled grid: `catalog_json` is a [`Catalog`] serialised by
/// serde_json, `answers_json` an [`Answers`] document, `export_time` the
/// local time written in the grid (`YYYY-MM-DD HH:MM:SS`). Errors are French
/// sentences for the user.
pub fn grid_bytes(
    catalog_json: &str,
    answers_json: &str,
    export_time: &str,
) -> Result<Vec<u8>, String> {
    let catalog: Catalog = serde_json::from_str(catalog_json)
        .map_err(|e| format!("référentiel illisible par le module Excel : {e}"))?;
    // The form sends its own canonical JSON, already validated: plain serde_json
    // (no located errors) keeps serde_path_to_error out of this module.
    let answers: Answers = serde_json::from_str(answers_json)
        .map_err(|e| format!("brouillon illisible par le module Excel : {e}"))?;
    caqes_grid::write_grid(&catalog, Some(&answers), export_time).map_err(|e| e.to_string())
}

/// [`grid_bytes`] for JavaScript: returns the xlsx bytes (`Uint8Array`) or
/// throws the French error message.
#[wasm_bindgen]
pub fn grid_xlsx(
    catalog_json: &str,
    answers_json: &str,
    export_time: &str,
) -> Result<Vec<u8>, JsValue> {
    grid_bytes(catalog_json, answers_json, export_time).map_err(|e| JsValue::from_str(&e))
}
