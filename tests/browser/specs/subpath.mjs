// Deployment under a sub-path (issue 15, item 1): the build is served ONLY
// under /un/sous/chemin/ (the server answers 404 anywhere else). The first
// load renders the form, every request stays under the sub-path, the service
// worker's scope is the sub-path and it pre-caches the build; then, with the
// network gone, a reload still renders the form and a campaign opens.
const PREFIX = '/un/sous/chemin';

export async function run(ctx) {
  const { assert } = ctx;
  ctx.server.prefix = PREFIX;
  const url = new URL(PREFIX + '/', ctx.baseUrl).href;
  const page = await ctx.newPage();
  await page.goto(url);
  await ctx.waitForApp(page);
  const scope = await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    }
    return reg.scope;
  });
  assert.equal(scope, url, 'the service worker scope follows the sub-path');

  // Everything the first load asked for was under the sub-path and found.
  const outside = ctx.server.requests.filter((r) => !r.path.startsWith(PREFIX + '/') || r.status !== 200);
  assert.deepEqual(outside, [], 'requests outside the sub-path or not found');
  const cached = await page.evaluate(async () => {
    const names = await caches.keys();
    const urls = [];
    for (const n of names) for (const r of await (await caches.open(n)).keys()) urls.push(new URL(r.url).pathname);
    return { names, urls };
  });
  for (const a of ctx.build.assets) {
    const p = new URL(a, url).pathname;
    assert.ok(cached.urls.includes(p), `asset ${p} not pre-cached under the sub-path`);
  }
  assert.ok(cached.names.every((n) => n.endsWith('@' + url)), `cache names carry the scope: ${cached.names}`);
  ctx.log(`scope ${scope}; ${cached.urls.length} cached entries`);

  // Offline reload: browser offline and the server dropping every connection.
  await ctx.settled(page);
  await ctx.context.setOffline(true);
  ctx.server.down = true;
  const before = ctx.server.requests.length;
  await page.reload();
  await ctx.waitForApp(page);
  assert.equal((await page.locator('main#app h1').textContent()).trim(), 'Auto-évaluation CAQES');
  await page.click('button[data-catalog="na-ako-2024"]');
  await page.locator('#grid').waitFor({ state: 'visible' });
  await ctx.screenshot(page, 'offline-reload');
  const reached = ctx.server.requests.slice(before).filter((r) => !r.path.endsWith('/sw.js'));
  assert.deepEqual(reached, [], 'requests that reached the (down) server while offline, besides sw.js update checks');
  ctx.assertNoConsoleErrors();
  ctx.assertOnlyLocalRequests();
}
