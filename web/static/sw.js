// CAQES service worker: pre-caches every asset of the build on install and
// serves them cache-first, so the page works offline after the first visit.
// scripts/build-web fills in BUILD (hash of all assets) and ASSETS; a new build
// therefore changes this file, which makes the browser install the new worker.
// Every URL is relative to this file: the form works under any sub-path, and
// the worker's scope is the folder it is served from.
//
// Updates: a new worker fills its own cache, then WAITS (no skipWaiting on
// install) while a page of the old version is open; loader.js shows
// « Nouvelle version disponible » and, only when the user clicks, posts
// 'skip-waiting': the new worker activates, deletes the old caches of this
// scope, claims the page, and loader.js reloads it. Drafts live in
// localStorage and are never touched. The very first install has no page to
// wait for: it activates at once.
const BUILD = '__BUILD__';
const ASSETS = __ASSETS__;
// One cache per build AND per scope: two copies of the form deployed under
// different paths of one host never delete each other's cache.
const SCOPE = self.registration.scope;
const CACHE = 'caqes-' + BUILD + '@' + SCOPE;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE)
      // cache: 'reload' bypasses the HTTP cache so a stale file is never stored.
      .then((cache) => cache.addAll(ASSETS.map((u) => new Request(u, { cache: 'reload' }))))
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  const ours = (k) => k.startsWith('caqes-') && k !== LATEST && (k.endsWith('@' + SCOPE) || !k.includes('@'));
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => ours(k) && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

// Campaigns published at run time (referentiels/: index.json and TOML files
// an agency may replace without a new build): network first, so a corrected
// file is seen at once, kept in a cache of its own (LATEST) for offline use.
// The pre-cached copies of this build stay as built: '?bundled' asks for
// one of them (later.js compares it with a corrected file).
const PUBLISHED = new URL('referentiels/', SCOPE).href;
const LATEST = 'caqes-published@' + SCOPE;
async function published(req) {
  const build = await caches.open(CACHE);
  if (new URL(req.url).search === '?bundled') {
    return (await build.match(req, { ignoreSearch: true })) || new Response('', { status: 404 });
  }
  const latest = await caches.open(LATEST);
  try {
    const res = await fetch(req);
    if (res.ok) await latest.put(req, res.clone());
    return res;
  } catch (e) {
    const hit = (await latest.match(req)) || (await build.match(req));
    if (hit) return hit;
    throw e;
  }
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || !req.url.startsWith(SCOPE)) return;
  if (req.url.startsWith(PUBLISHED)) {
    event.respondWith(published(req));
    return;
  }
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    let hit = await cache.match(req, { ignoreSearch: true });
    if (!hit && req.mode === 'navigate') hit = await cache.match('./');
    return hit || fetch(req);
  })());
});
