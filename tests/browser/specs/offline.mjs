import fs from 'node:fs';

// First visit installs the service worker, which pre-caches the whole build.
// Then the network goes away (Chromium offline AND the server dropping every
// connection): reload, and a tab closed and reopened after a browser restart,
// still render the app, and the Excel grid (the second, on-demand wasm module,
// never loaded before going offline) still downloads.
export async function run(ctx) {
  const { assert } = ctx;
  let page = await ctx.newPage();
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  await ctx.settled(page);

  // Every asset listed by build-web is in the cache of this build.
  const cached = await page.evaluate(async (build) => {
    // One cache per build and scope: 'caqes-<build>@<scope URL>'.
    const name = (await caches.keys()).find((k) => k === `caqes-${build}@${navigator.serviceWorker.controller.scriptURL.replace(/sw\.js$/, '')}`);
    if (!name) return [];
    const cache = await caches.open(name);
    return (await cache.keys()).map((r) => new URL(r.url).pathname);
  }, ctx.build.build);
  for (const a of ctx.build.assets) {
    const p = new URL(a, ctx.baseUrl).pathname;
    assert.ok(cached.includes(p), `asset ${p} not pre-cached (cache has ${cached.join(', ')})`);
  }

  await ctx.context.setOffline(true);
  ctx.server.down = true;
  const before = ctx.server.requests.length;
  await page.reload();
  await ctx.waitForApp(page);
  assert.equal((await page.locator('main#app h1').textContent()).trim(), 'Auto-évaluation CAQES');
  await ctx.screenshot(page, 'offline-reload');

  // Close the tab, restart the browser on the same profile, reopen: still offline.
  await page.close();
  await ctx.restart();
  await ctx.context.setOffline(true);
  page = await ctx.newPage();
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  await ctx.screenshot(page, 'offline-reopen');

  // The grid module was never imported online: it must come from the cache.
  await page.click('button[data-catalog="na-ako-2024"]');
  const [xl] = await Promise.all([page.waitForEvent('download'), page.click('#grid')]);
  const file = await xl.path();
  const head = fs.readFileSync(file).subarray(0, 2).toString('latin1');
  assert.equal(head, 'PK', 'the offline grid is an xlsx (zip) file');
  assert.match(xl.suggestedFilename(), /\.xlsx$/);
  ctx.log(`offline grid: ${xl.suggestedFilename()}, ${fs.statSync(file).size} bytes`);

  const reached = ctx.server.requests.slice(before).filter((r) => !r.path.endsWith('/sw.js'));
  assert.deepEqual(reached, [], 'requests that reached the (down) server while offline, besides sw.js update checks');
  ctx.assertNoConsoleErrors();
  ctx.assertOnlyLocalRequests();
}
