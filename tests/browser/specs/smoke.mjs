// The page loads, the Yew app renders its French heading, nothing is logged as
// an error, the wasm is served as application/wasm, and no request leaves 127.0.0.1.
export async function run(ctx) {
  const { assert } = ctx;
  const page = await ctx.newPage();
  const wasmTypes = [];
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  page.on('response', (r) => {
    if (r.url().endsWith('.wasm')) wasmTypes.push(r.headers()['content-type']);
  });
  const resp = await page.goto(ctx.baseUrl);
  assert.equal(resp.status(), 200);
  await ctx.waitForApp(page);
  assert.equal((await page.locator('main#app h1').textContent()).trim(), 'Auto-évaluation CAQES');
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  assert.equal(await page.title(), 'Auto-évaluation CAQES');
  const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  assert.match(csp, /default-src 'self'/);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/);
  await page.waitForLoadState('networkidle');
  assert.deepEqual(wasmTypes, ['application/wasm'], 'wasm fetched once with MIME application/wasm');
  await ctx.screenshot(page, 'loaded');
  ctx.assertNoConsoleErrors();
  ctx.assertOnlyLocalRequests();
  ctx.log(`${ctx.requests.length} requests, all to 127.0.0.1`);
  // e.g. "preloaded but not used": a warning, kept visible rather than fatal.
  for (const w of warnings) ctx.log(`console warning: ${w}`);
}
