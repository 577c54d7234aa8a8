// CAQES service worker: pre-caches every asset of the build on install and
// serves them cache-first, so the page works offline after the first visit.
// scripts/build-web fills in BUILD (hash of all assets) and ASSETS; a new build
// therefore changes this file, which makes the browser install the new worker,
// which fills a new cache and deletes the old ones.
const BUILD = '__BUILD__';
const ASSETS = __ASSETS__;
const CACHE = 'caqes-' + BUILD;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE)
      // cache: 'reload' bypasses the HTTP cache so a stale file is never stored.
      .then((cache) => cache.addAll(ASSETS.map((u) => new Request(u, { cache: 'reload' }))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith('caqes-') && k !== CACHE).map((k) => caches.delete(k))
      ))
      .then(() => self.clients.claim())
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    let hit = await cache.match(req, { ignoreSearch: true });
    if (!hit && req.mode === 'navigate') hit = await cache.match('./');
    return hit || fetch(req);
  })());
});
