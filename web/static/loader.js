// Module loader (external file: the CSP forbids inline scripts).
// scripts/build-web fills in the hashed file names below.
import init from './__WASM_JS__';

// The Excel grid writer and reader are a second WebAssembly module (crate
// web/grid), loaded on the first « Télécharger la grille Excel » or « Ouvrir
// une grille Excel… »: the form starts without them. The service worker
// pre-caches it like every other asset (offline download and opening).
// The catalog is its TOML file (name, text; a bundled file: its name and an
// empty text, the module embeds them) and the campaign id.
//   caqesGrid(catalogFile, catalogToml, catalogId, answersJson, exportTime) -> Promise<Uint8Array>
//   caqesGridOpen(catalogFile, catalogToml, catalogId, answersJson, file) -> Promise<string> (Opened::to_lines)
//   caqesReviewOpen(catalogFile, catalogToml, catalogId, file) -> Promise<string> (review workbook as review CSV)
//   caqesReport(catalogFile, catalogToml, catalogId, answersJson) -> Promise<string> (« Aperçu du rapport », HTML)
// (the file is read here: its bytes never enter the form's wasm memory)
// Both reject with a French message (a string), or with the browser's error
// when the module itself cannot be loaded.
let gridModule = null;
let gridFresh = 0;
function loadGrid() {
  if (!gridModule) {
    // After a trap, a fresh instance: a new URL makes a new ES module (the
    // service worker ignores the query string, so this works offline too).
    const url = './__GRID_JS__' + (gridFresh ? `?instance=${gridFresh}` : '');
    gridModule = import(url).then(async (m) => {
      await m.default({ module_or_path: new URL('./__GRID_BG__', import.meta.url) });
      return m;
    });
    gridModule.catch(() => { gridModule = null; });
  }
  return gridModule;
}
// A WebAssembly trap (a panic: panic = "abort" in wasm, so the reader's
// catch_unwind cannot catch it) becomes a French message, and the instance,
// whose stack was not unwound, is dropped for a fresh one at the next call.
function french(e, what) {
  if (e instanceof WebAssembly.RuntimeError) {
    console.warn('CAQES: module Excel', e);
    gridModule = null;
    gridFresh += 1;
    return what;
  }
  return e;
}
window.caqesGrid = async (file, toml, id, answersJson, exportTime) => {
  const m = await loadGrid();
  try { return m.grid_xlsx(file, toml, id, answersJson, exportTime); } catch (e) { throw french(e, 'erreur interne du module Excel'); }
};
window.caqesGridOpen = async (file, toml, id, answersJson, grid) => {
  let bytes;
  try { bytes = new Uint8Array(await grid.arrayBuffer()); } catch (e) {
    throw `fichier illisible par le navigateur (${e && e.name || e})`;
  }
  const m = await loadGrid();
  try { return m.grid_open(file, toml, id, answersJson, bytes); } catch (e) {
    throw french(e, 'lecture impossible (erreur interne du lecteur de classeur, fichier probablement malformé)');
  }
};

window.caqesReviewOpen = async (file, toml, id, review) => {
  let bytes;
  try { bytes = new Uint8Array(await review.arrayBuffer()); } catch (e) {
    throw `fichier illisible par le navigateur (${e && e.name || e})`;
  }
  const m = await loadGrid();
  try { return m.review_open(file, toml, id, bytes); } catch (e) {
    throw french(e, 'lecture impossible (erreur interne du lecteur de classeur, fichier probablement malformé)');
  }
};

window.caqesReport = async (file, toml, id, answersJson) => {
  const m = await loadGrid();
  try { return m.report_preview(file, toml, id, answersJson); } catch (e) { throw french(e, 'erreur interne du module Excel'); }
};
// A catalog file opened by hand or published at run time is loaded by the
// engine's loader in the grid module (the form's first load has no TOML parser):
//   caqesCatalogParse(file, toml) -> Promise<Uint8Array> (its campaigns in the engine's compact form; rejects with the French errors, one per line)
window.caqesCatalogParse = async (file, toml) => (await loadGrid()).catalogs_compact(file, toml);

const ready = init({ module_or_path: new URL('./__WASM_BG__', import.meta.url) }).catch((e) => {
  console.error('CAQES: échec du chargement du module WebAssembly', e);
});

// Offline support: sw.js pre-caches every asset of this build. Its URL is
// relative, so its scope is the folder the form is served from (any sub-path).
// Once the form runs, later.js (not part of the first load) shows « Nouvelle
// version disponible » when a new deployment waits, and takes the campaigns
// published at run time (referentiels/).
window.addEventListener('load', () => {
  const reg = 'serviceWorker' in navigator
    ? navigator.serviceWorker.register('./sw.js').catch((e) => { console.warn('CAQES: service worker non enregistré', e); return null; })
    : Promise.resolve(null);
  ready.then(() => import('./__LATER_JS__')).then((m) => m.start(reg, loadGrid))
    .catch((e) => console.warn('CAQES: later.js', e));
});
