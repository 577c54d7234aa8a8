//! The bridge to the on-demand Excel grid module (crate `caqes-web-grid`).
//!
//! The xlsx writer and reader are a second WebAssembly module:
//! `web/static/loader.js` defines `window.caqesGrid(catalogFile, catalogToml,
//! catalogId, answersJson, exportTime)` (resolves to the xlsx bytes) and
//! `window.caqesGridOpen(catalogFile, catalogToml, catalogId, answersJson,
//! file)` (resolves to `caqes_web_grid::Opened::to_lines`), which import and
//! instantiate that module on their first call (from the service worker's cache once installed, so
//! offline too), or reject with a French message.

/// The catalog as the grid module takes it: the TOML file that defines it
/// (opened by the user; for a bundled file its name and an empty text, the
/// module embeds the bundled files) and the campaign id. The module loads it
/// with the engine's loader, so the form needs no serialisation of catalogs.
#[derive(Debug, Clone)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub struct Source {
    /// File name.
    pub file: String,
    /// TOML text.
    pub toml: String,
    /// Campaign id.
    pub id: String,
}

/// Builds the filled grid of `answers` (canonical JSON) on `catalog`.
/// Errors are French sentences.
pub async fn build(catalog: &Source, answers: &str, export_time: &str) -> Result<Vec<u8>, String> {
    #[cfg(target_arch = "wasm32")]
    {
        let bytes = call(
            "caqesGrid",
            &[
                catalog.file.as_str().into(),
                catalog.toml.as_str().into(),
                catalog.id.as_str().into(),
                answers.into(),
                export_time.into(),
            ],
        )
        .await?;
        Ok(js_sys::Uint8Array::new(&bytes).to_vec())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (catalog, answers, export_time);
        Err("le module Excel ne fonctionne que dans le navigateur".into())
    }
}

/// Reads the xlsx grid `file` of the campaign `catalog` with the reader of `caqes verify` and compares it with the
/// draft `answers` (canonical JSON): `caqes_web_grid::Opened::to_lines`, or a
/// French sentence. The file is read by `loader.js`, so its bytes never enter
/// the form's own wasm memory.
pub async fn open(catalog: &Source, answers: &str, file: web_sys::File) -> Result<String, String> {
    #[cfg(target_arch = "wasm32")]
    {
        call_text(
            "caqesGridOpen",
            &[
                catalog.file.as_str().into(),
                catalog.toml.as_str().into(),
                catalog.id.as_str().into(),
                answers.into(),
                file.into(),
            ],
        )
        .await
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (catalog, answers, file);
        Err("le module Excel ne fonctionne que dans le navigateur".into())
    }
}

/// Reads the review workbook `file` of `caqes review` with the CLI's reader
/// and returns its decisions as review CSV text
/// (`caqes_web_grid::review_csv`), or a French sentence.
pub async fn review(catalog: &Source, file: web_sys::File) -> Result<String, String> {
    #[cfg(target_arch = "wasm32")]
    {
        call_text(
            "caqesReviewOpen",
            &[
                catalog.file.as_str().into(),
                catalog.toml.as_str().into(),
                catalog.id.as_str().into(),
                file.into(),
            ],
        )
        .await
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (catalog, file);
        Err("le module Excel ne fonctionne que dans le navigateur".into())
    }
}

/// « Aperçu du rapport »: the self-evaluation report of the draft `answers`
/// (canonical JSON) as HTML (`caqes_web_grid::preview_html`), or a French
/// sentence.
pub async fn report(catalog: &Source, answers: &str) -> Result<String, String> {
    #[cfg(target_arch = "wasm32")]
    {
        call_text(
            "caqesReport",
            &[
                catalog.file.as_str().into(),
                catalog.toml.as_str().into(),
                catalog.id.as_str().into(),
                answers.into(),
            ],
        )
        .await
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (catalog, answers);
        Err("le module Excel ne fonctionne que dans le navigateur".into())
    }
}

/// Loads a catalog file (TOML) opened by the user or published at run time
/// with the engine's loader, in the grid module (`caqes_web_grid::catalogs_compact`):
/// its campaigns in the engine's compact form (`caqes_engine::compact`), or
/// the located French errors, one per line. The form's first load carries no
/// TOML parser.
pub async fn parse(file: &str, toml: &str) -> Result<Vec<u8>, String> {
    #[cfg(target_arch = "wasm32")]
    {
        let bytes = call("caqesCatalogParse", &[file.into(), toml.into()]).await?;
        Ok(js_sys::Uint8Array::new(&bytes).to_vec())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (file, toml);
        Err("le chargement d'un référentiel ne fonctionne que dans le navigateur".into())
    }
}

/// Calls `window[name](...args)`, which returns a promise, and awaits it.
#[cfg(target_arch = "wasm32")]
async fn call(name: &str, args: &[wasm_bindgen::JsValue]) -> Result<wasm_bindgen::JsValue, String> {
    use wasm_bindgen::JsCast;
    let window = web_sys::window().ok_or("pas de fenêtre de navigateur")?;
    let f = js_sys::Reflect::get(&window, &name.into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or("le module Excel n'est pas disponible dans cette page")?;
    let args: js_sys::Array = args.iter().collect();
    let promise = f.apply(&window, &args).map_err(message)?;
    let promise: js_sys::Promise = promise
        .dyn_into()
        .map_err(|_| "réponse inattendue du module Excel".to_string())?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(message)
}

/// [`call`] for functions that resolve to a string.
#[cfg(target_arch = "wasm32")]
async fn call_text(name: &str, args: &[wasm_bindgen::JsValue]) -> Result<String, String> {
    call(name, args)
        .await?
        .as_string()
        .ok_or_else(|| "réponse inattendue du module Excel".to_string())
}

/// The text of a rejected promise: the module's French message, or a French
/// sentence when the browser could not load the module (file missing from the
/// cache and no network, …).
#[cfg(target_arch = "wasm32")]
fn message(e: wasm_bindgen::JsValue) -> String {
    if let Some(s) = e.as_string() {
        return s;
    }
    // The browser's own (English) error goes to the console for support; the
    // user gets a French sentence with what to do.
    web_sys::console::warn_2(&"CAQES: module Excel".into(), &e);
    "le module Excel n'a pas pu être chargé ; rechargez la page avec une connexion puis réessayez \
     (vos saisies sont conservées)"
        .into()
}
