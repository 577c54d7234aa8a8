// A new version deployed while the form is open (issue 15, item 3). The
// "new deployment" is a copy of dist/ whose index.html carries a marker and
// whose sw.js has another build id (what any rebuild changes). The open page
// learns of it (the update check loader.js runs every hour, forced here),
// says « Nouvelle version disponible », does NOT reload by itself, and
// reloads into the new version only when the user clicks; the drafts in
// localStorage are byte-for-byte the same and the open draft comes back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function newDeployment(dist, build) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caqes-deploy-v2-'));
  fs.cpSync(dist, dir, { recursive: true });
  const html = path.join(dir, 'index.html');
  fs.writeFileSync(html, fs.readFileSync(html, 'utf8')
    .replace('<meta charset="utf-8">', '<meta charset="utf-8">\n  <meta name="caqes-test-deploy" content="v2">'));
  const sw = path.join(dir, 'sw.js');
  const text = fs.readFileSync(sw, 'utf8');
  if (!text.includes(JSON.stringify(build))) throw new Error('sw.js does not carry the build id');
  fs.writeFileSync(sw, text.replace(JSON.stringify(build), JSON.stringify(build + 'v2')));
  return dir;
}

const drafts = (page) => page.evaluate(() => Object.fromEntries(
  Object.keys(localStorage).filter((k) => k.startsWith('caqes-')).sort().map((k) => [k, localStorage.getItem(k)])));

export async function run(ctx) {
  const { assert } = ctx;
  const page = await ctx.newPage();
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    }
  });
  assert.ok(await page.locator('#update').isHidden(), 'no banner on the first visit');

  await page.click('button[data-catalog="na-ako-2024"]');
  await page.fill('#f-establishment-finess', '330781196');
  await page.fill('#f-establishment-name', 'CHU de Bordeaux');
  await page.locator('#f-establishment-name').blur();
  const saved = await drafts(page);
  assert.ok(Object.keys(saved).some((k) => k.startsWith('caqes-draft:na-ako-2024:330781196')), `draft saved: ${Object.keys(saved)}`);

  const dir = newDeployment(ctx.dist, ctx.build.build);
  try {
    ctx.server.root = dir;
    await page.evaluate(() => { window.caqesSameDocument = true; });
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
    await page.locator('#update').waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await page.locator('#update').textContent(), /Nouvelle version disponible/);
    await ctx.screenshot(page, 'banner');

    // Nothing reloads by itself; the form keeps running the old version.
    await page.waitForTimeout(1500);
    assert.equal(await page.evaluate(() => window.caqesSameDocument), true, 'the page reloaded without a click');
    assert.equal(await page.locator('meta[name="caqes-test-deploy"]').count(), 0);
    assert.equal(await page.inputValue('#f-establishment-name'), 'CHU de Bordeaux');
    assert.deepEqual(await drafts(page), saved, 'drafts changed before the click');

    await Promise.all([page.waitForEvent('load'), page.click('#update-reload')]);
    await ctx.waitForApp(page);
    assert.equal(await page.evaluate(() => window.caqesSameDocument), undefined, 'the click reloads the page');
    assert.equal(await page.locator('meta[name="caqes-test-deploy"]').getAttribute('content'), 'v2', 'the new version runs');
    assert.ok(await page.locator('#update').isHidden(), 'no banner once up to date');
    const caches = await page.evaluate(() => caches.keys());
    assert.deepEqual(caches.filter((k) => !k.startsWith('caqes-published@')).map((k) => k.split('@')[0]),
      [`caqes-${ctx.build.build}v2`], 'the old cache is deleted');
    assert.deepEqual(await drafts(page), saved, 'drafts changed by the update');
    await page.locator('#f-establishment-name').waitFor({ state: 'visible' });
    assert.equal(await page.inputValue('#f-establishment-name'), 'CHU de Bordeaux', 'the open draft comes back');
    await ctx.screenshot(page, 'updated');
    ctx.assertNoConsoleErrors();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
