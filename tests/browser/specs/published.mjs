// Campaigns published at run time (issue 15, item 2). dist/referentiels/
// (index.json + TOML files) is read at start. An establishment has a draft of
// na-ako-2024; the agency then copies files into referentiels/ (no rebuild):
// a corrected na-ako.toml (criteria points of IR CHO 3.2 changed) and a new
// campaign file named in index.json. On the next start the new campaign is
// offered, the draft is kept byte for byte, and the page says what changed.
// A broken or missing published file is reported and changes nothing.
// Offline afterwards, the published campaigns and the built-in ones still open.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function agencyCopy(dist) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caqes-published-'));
  fs.cpSync(dist, dir, { recursive: true });
  const refs = path.join(dir, 'referentiels');
  const file = path.join(refs, 'na-ako.toml');
  const toml = fs.readFileSync(file, 'utf8');
  const before = 'label = "Les informations sont transmises aux professionnels de ville (pharmacien d\'officine, médecin traitant)", points = 10 }';
  if (!toml.includes(before)) throw new Error('na-ako.toml changed: update published.mjs');
  const corrected = toml.replace(before, before.replace('points = 10', 'points = 15'))
    .replace('{ id = "outils", label = "Par des outils partagés : DCC, DMP ou messagerie sécurisée de santé", points = 10 }',
      '{ id = "outils", label = "Par des outils partagés : DCC, DMP ou messagerie sécurisée de santé", points = 5 }');
  if (corrected === toml || !corrected.includes('points = 5 }')) throw new Error('correction not applied');
  fs.writeFileSync(file, corrected);
  const added = toml.replace('id = "na-ako"', 'id = "agence-test"')
    .replace('title = "CAQES Nouvelle-Aquitaine — anticancéreux oraux"', 'title = "Campagne publiée par l\'agence (test)"');
  fs.writeFileSync(path.join(refs, 'agence-test.toml'), added);
  fs.writeFileSync(path.join(refs, 'casse.toml'), '[campaign]\nid = "casse"\n');
  const index = JSON.parse(fs.readFileSync(path.join(refs, 'index.json'), 'utf8'));
  index.referentiels.push('agence-test.toml', 'casse.toml', '../sw.js', 'absent.toml');
  fs.writeFileSync(path.join(refs, 'index.json'), JSON.stringify(index));
  return dir;
}

const drafts = (page) => page.evaluate(() => Object.fromEntries(
  Object.keys(localStorage).filter((k) => k.startsWith('caqes-draft:')).sort().map((k) => [k, localStorage.getItem(k)])));

export async function run(ctx) {
  const { assert } = ctx;
  const index = JSON.parse(fs.readFileSync(path.join(ctx.dist, 'referentiels', 'index.json'), 'utf8'));
  assert.ok(index.referentiels.includes('na-ako.toml'), 'build-web publishes the bundled campaigns');

  const page = await ctx.newPage();
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    }
  });
  const read = (p) => ctx.server.requests.some((r) => r.path === p && r.status === 200);
  for (let i = 0; i < 50 && !read('/referentiels/occitanie-vo-2018.toml'); i++) await page.waitForTimeout(100);
  assert.ok(read('/referentiels/index.json'), 'index.json read at start');
  assert.ok(read('/referentiels/na-ako.toml'), 'TOML files read at start');
  await page.waitForTimeout(300);
  assert.equal(await page.locator('#published, #published-errors').count(), 0, 'the published copies of the built-in campaigns change nothing');
  await page.click('button[data-catalog="na-ako-2024"]');
  await page.fill('#f-establishment-finess', '330781196');
  await page.fill('#f-establishment-name', 'CHU de Bordeaux');
  await page.locator('#f-establishment-name').blur();
  const saved = await drafts(page);
  assert.equal(Object.keys(saved).length, 1);

  const dir = agencyCopy(ctx.dist);
  try {
    ctx.server.root = dir;
    await page.reload();
    await ctx.waitForApp(page);
    const notice = page.locator('#published');
    await notice.waitFor({ state: 'visible', timeout: 20_000 });
    const text = await notice.textContent();
    ctx.log(`notice: ${text.replace(/\s+/g, ' ').slice(0, 300)}`);
    assert.match(text, /Nouvelle version d'un référentiel/);
    assert.match(text, /brouillons sont conservés/);
    assert.match(text, /na-ako-2024 — Cible ou règle de calcul modifiée : IR CHO 3\.2/);
    assert.doesNotMatch(text, /IR CHO 1 /, 'only the changed indicator is named');
    assert.doesNotMatch(text, /agence-test/, 'a campaign without a draft is not listed');
    // A broken or missing published file is reported; a name with a path is ignored.
    const errors = await page.locator('#published-errors').textContent();
    assert.match(errors, /casse\.toml/);
    assert.match(errors, /absent\.toml/);
    assert.doesNotMatch(errors, /sw\.js/);
    assert.equal(await page.inputValue('#f-establishment-name'), 'CHU de Bordeaux', 'the open draft is kept');
    assert.deepEqual(await drafts(page), saved, 'the draft is kept byte for byte');
    const stored = await page.evaluate(() => localStorage.getItem('caqes-catalog:na-ako.toml'));
    assert.match(stored, /points = 15/, 'the corrected file is remembered');
    await ctx.screenshot(page, 'changed');

    // The new campaign is offered on the start page (no rebuild).
    await page.click('button:has-text("Accueil")');
    await page.locator('button[data-catalog="agence-test-2024"]').waitFor({ state: 'visible' });

    // Offline: the published campaigns and the built-in ones still open.
    await ctx.context.setOffline(true);
    ctx.server.down = true;
    await page.reload();
    await ctx.waitForApp(page);
    await page.locator('button[data-catalog="agence-test-2024"]').click();
    await page.locator('#grid').waitFor({ state: 'visible' });
    await page.click('button:has-text("Accueil")');
    await page.click('button[data-catalog="normandie-2022"]');
    await page.locator('#grid').waitFor({ state: 'visible' });
    await ctx.screenshot(page, 'offline');
    assert.equal((await drafts(page))['caqes-draft:na-ako-2024:330781196'], saved['caqes-draft:na-ako-2024:330781196']);
    // The only console error: Chromium's own line for absent.toml, listed by the index but missing.
    const missing = 'console.error: Failed to load resource: the server responded with a status of 404 (Not Found)';
    assert.deepEqual(ctx.consoleErrors.filter((e) => e !== missing), [], 'console errors');
    assert.equal(ctx.consoleErrors.length, 1, `one 404 (absent.toml): ${ctx.consoleErrors}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
