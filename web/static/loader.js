// Module loader (external file: the CSP forbids inline scripts).
// scripts/build-web fills in the hashed file names below.
import init from './__WASM_JS__';

// The Excel grid writer is a second WebAssembly module (crate web/grid), loaded
// on the first « Télécharger la grille Excel »: the form starts without it.
// The service worker pre-caches it like every other asset (offline download).
// caqesGrid(catalogJson, answersJson, exportTime) -> Promise<Uint8Array>,
// rejected with a French message.
let gridModule = null;
window.caqesGrid = async (catalogJson, answersJson, exportTime) => {
  if (!gridModule) {
    gridModule = import('./__GRID_JS__').then(async (m) => {
      await m.default({ module_or_path: new URL('./__GRID_BG__', import.meta.url) });
      return m;
    });
    gridModule.catch(() => { gridModule = null; });
  }
  const m = await gridModule;
  return m.grid_xlsx(catalogJson, answersJson, exportTime);
};

init({ module_or_path: new URL('./__WASM_BG__', import.meta.url) }).catch((e) => {
  console.error('CAQES: échec du chargement du module WebAssembly', e);
});

// Offline support: sw.js pre-caches every asset of this build.
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('./sw.js').catch((e) => {
      console.warn('CAQES: service worker non enregistré', e);
    });
  });
}
