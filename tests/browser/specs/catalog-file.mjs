// "Ouvrir un autre référentiel": a TOML catalog file loaded through the file
// input is parsed in the browser (engine's load_catalogs), its campaign is
// listed and opens, and it survives a reload (kept in localStorage); its grid
// downloads and opens back (the grid module loads the same TOML). A broken
// TOML is refused with a French error naming the line; the campaigns, the
// stored catalogs and an open draft are untouched.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const campaigns = (page) => page.locator('button[data-catalog]').evaluateAll((b) => b.map((e) => e.dataset.catalog));
const stored = (page) => page.evaluate(() => Object.keys(localStorage).sort().map((k) => [k, localStorage.getItem(k).length]));

export async function run(ctx) {
  const { assert } = ctx;
  const src = fs.readFileSync(path.join(ROOT, 'indicators', 'normandie-2022.toml'), 'utf8');
  const page = await ctx.newPage();
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  const bundled = await campaigns(page);

  // The real file, then a copy renamed as a campaign that is not bundled.
  await page.setInputFiles('#catalog-file', { name: 'normandie-2022.toml', mimeType: 'text/plain', buffer: Buffer.from(src) });
  await page.waitForSelector('#notice');
  assert.match(await page.textContent('#notice'), /Référentiel « normandie-2022\.toml » chargé : 1 campagne\(s\) ajoutée\(s\) \(normandie-2022\)/);
  assert.equal(await page.locator('#notice.error').count(), 0);
  await page.click('#notice button');
  const other = src.replace(/^id = "normandie"$/m, 'id = "normandie-essai"')
    .replace(/^region = "Normandie"$/m, 'region = "Normandie (essai)"');
  assert.notEqual(other, src, 'campaign id rewritten');
  await page.setInputFiles('#catalog-file', { name: 'essai.toml', mimeType: 'text/plain', buffer: Buffer.from(other) });
  await page.waitForSelector('#notice');
  assert.match(await page.textContent('#notice'), /chargé : 1 campagne\(s\) ajoutée\(s\) \(normandie-essai-2022\)/);
  const loaded = await campaigns(page);
  assert.deepEqual([...loaded].sort(), [...bundled, 'normandie-essai-2022'].sort(), 'one campaign added, none duplicated');
  await ctx.screenshot(page, 'loaded');

  // The loaded campaign opens, with its volets, and scores.
  await page.click('button[data-catalog="normandie-essai-2022"]');
  await page.waitForSelector('#f-establishment-finess');
  assert.match(await page.textContent('#campaign-title'), /Normandie \(essai\) — année 2022/);
  assert.ok(await page.locator('nav.tabs button').count() >= 2);
  await page.fill('#f-establishment-name', 'CH Essai');
  await page.click('#tab-1');
  assert.ok(await page.locator('#panel-1 .card').count() >= 1, 'indicator cards of the loaded catalog');
  assert.ok(await page.isVisible('#score-total'));
  await ctx.screenshot(page, 'opened');

  // Still there after a reload (draft and catalog restored).
  await page.reload();
  await ctx.waitForApp(page);
  await page.waitForSelector('#f-establishment-name');
  assert.equal(await page.inputValue('#f-establishment-name'), 'CH Essai');
  assert.match(await page.textContent('#campaign-title'), /Normandie \(essai\)/);

  // The grid module gets the loaded catalog's TOML: its grid downloads and opens back.
  const [xl] = await Promise.all([page.waitForEvent('download'), page.click('#grid')]);
  const xlsx = await xl.path();
  assert.equal(fs.readFileSync(xlsx).subarray(0, 2).toString('latin1'), 'PK');
  await page.setInputFiles('#grid-file', { name: 'essai.xlsx', mimeType: 'application/octet-stream', buffer: fs.readFileSync(xlsx) });
  await page.locator('#notice', { hasText: 'rien à remplacer' }).waitFor();
  await page.click('#notice button');
  await page.click('button:has-text("Accueil")');
  await page.waitForSelector('button[data-catalog]');

  // A broken TOML: French error with the line; nothing changed.
  const before = { list: await campaigns(page), storage: await stored(page), drafts: await page.locator('#drafts li').count() };
  const lines = other.split('\n');
  const at = lines.findIndex((l) => /^title = /.test(l));
  lines[at] = 'title = "titre non fermé';
  await page.setInputFiles('#catalog-file', { name: 'casse.toml', mimeType: 'text/plain', buffer: Buffer.from(lines.join('\n')) });
  await page.waitForSelector('#notice.error');
  const text = await page.textContent('#notice');
  ctx.log(`broken file: ${text.replace(/\s+/g, ' ').slice(0, 200)}`);
  assert.match(text, /Le référentiel « casse\.toml » n'a pas été chargé/);
  assert.match(text, new RegExp(`casse\\.toml, ligne ${at + 1}\\b`), `error names line ${at + 1}`);
  await ctx.screenshot(page, 'broken');
  assert.deepEqual(await campaigns(page), before.list, 'campaigns unchanged');
  assert.deepEqual(await stored(page), before.storage, 'stored catalogs and drafts unchanged');
  assert.equal(await page.locator('#drafts li').count(), before.drafts);
  await page.reload();
  await ctx.waitForApp(page);
  // Stored campaigns are parsed by the on-demand module after the first render.
  await page.waitForFunction((n) => document.querySelectorAll('button[data-catalog]').length >= n, before.list.length);
  assert.deepEqual(await campaigns(page), before.list, 'campaigns unchanged after reload');
  ctx.assertNoConsoleErrors();
}
