// Module loader (external file: the CSP forbids inline scripts).
// scripts/build-web fills in the hashed file names below.
import init from './__WASM_JS__';

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
