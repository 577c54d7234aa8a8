// Module loader (external file: the CSP forbids inline scripts).
// scripts/build-web fills in the hashed file names below.
import init from './__WASM_JS__';

// The Excel grid writer and reader are a second WebAssembly module (crate
// web/grid), loaded on the first « Télécharger la grille Excel » or « Ouvrir
// une grille Excel… »: the form starts without them. The service worker
// pre-caches it like every other asset (offline download and opening).
// The catalog is its TOML file (name, text) and the campaign id.
//   caqesGrid(catalogFile, catalogToml, catalogId, answersJson, exportTime) -> Promise<Uint8Array>
//   caqesGridOpen(catalogFile, catalogToml, catalogId, answersJson, file) -> Promise<string> (Opened::to_lines)
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

// Changes between two versions of a campaign (the form keeps the draft and
// lists them): in the grid module, which compares serialised catalogs.
//   caqesCatalogChanges(oldFile, oldToml, newFile, newToml, id) -> Promise<string> (lines)
window.caqesCatalogChanges = async (oldFile, oldToml, newFile, newToml, id) => {
  const m = await loadGrid();
  try { return m.catalog_changes_lines(oldFile, oldToml, newFile, newToml, id); } catch (e) { throw french(e, 'erreur interne du module Excel'); }
};

// Campaigns published at run time: referentiels/index.json lists the TOML
// files ({"referentiels": ["na-ako.toml", …]}) that an agency copies next to
// the form. Fetched while the wasm starts, revalidated with the server; the
// form (web/src/app/published.rs) awaits this promise: [[name, text or null]].
// Offline it rejects and the form keeps its bundled and remembered campaigns.
// Names are plain file names: text from the index never becomes a path.
const PUBLISHED_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.toml$/;
window.caqesPublished = fetch('./referentiels/index.json', { cache: 'no-cache' })
  .then((r) => { if (!r.ok) throw new Error(`referentiels/index.json: ${r.status}`); return r.json(); })
  .then((index) => Promise.all((Array.isArray(index.referentiels) ? index.referentiels : [])
    .filter((n) => typeof n === 'string' && PUBLISHED_NAME.test(n))
    .map((n) => fetch('./referentiels/' + n, { cache: 'no-cache' })
      .then((r) => (r.ok ? r.text() : null), () => null)
      .then((text) => [n, text]))));
window.caqesPublished.catch(() => {});

init({ module_or_path: new URL('./__WASM_BG__', import.meta.url) }).catch((e) => {
  console.error('CAQES: échec du chargement du module WebAssembly', e);
});

// Offline support: sw.js pre-caches every asset of this build. Its URL is
// relative, so its scope is the folder the form is served from (any sub-path).
// A new deployment installs a new worker that waits: the page says
// « Nouvelle version disponible » (the static #update banner of index.html)
// and reloads only when the user clicks. Drafts (localStorage) are untouched.
function offerUpdate(worker) {
  const banner = document.getElementById('update');
  const button = document.getElementById('update-reload');
  if (!banner || !button || !navigator.serviceWorker.controller) return;
  banner.hidden = false;
  button.onclick = () => {
    button.disabled = true;
    navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
    worker.postMessage('skip-waiting');
  };
}
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('./sw.js').then((reg) => {
      if (reg.waiting) offerUpdate(reg.waiting);
      reg.addEventListener('updatefound', () => {
        const w = reg.installing;
        if (w) w.addEventListener('statechange', () => { if (w.state === 'installed') offerUpdate(w); });
      });
      // A form left open for days still learns of a new deployment.
      setInterval(() => reg.update().catch(() => {}), 3600 * 1000);
    }).catch((e) => {
      console.warn('CAQES: service worker non enregistré', e);
    });
  });
}
