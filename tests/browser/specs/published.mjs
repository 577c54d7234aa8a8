// Campaigns published at run time (issue 15, item 2). dist/referentiels/
// (index.json + TOML files) is read at start. An establishment has a draft of
// na-ako-2024; the agency then copies files into referentiels/ (no rebuild):
// a corrected na-ako.toml (criteria points of IR CHO 3.2 changed) and a new
// campaign file named in index.json. On the next start the new campaign is
// offered, the draft is kept byte for byte, and the form says what changed.
// Offline afterwards, the published campaigns and the bundled ones still open.
// A broken published file is reported and changes nothing.
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

  let page = await ctx.newPage();
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    }
  });
  assert.ok(ctx.server.requests.some((r) => r.path === '/referentiels/index.json' && r.status === 200), 'index.json read at start');
  assert.ok(ctx.server.requests.some((r) => r.path === '/referentiels/na-ako.toml' && r.status === 200), 'TOML read at start');
  assert.equal(await page.locator('#notice').count(), 0, 'the published copies of the bundled campaigns change nothing');
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
    const notice = page.locator('#notice');
    await notice.waitFor({ state: 'visible', timeout: 20_000 });
    await page.waitForFunction(() => /IR CHO 3\.2/.test(document.querySelector('#notice')?.textContent || ''), null, { timeout: 20_000 });
    const text = await notice.textContent();
    ctx.log(`notice: ${text.replace(/\s+/g, ' ').slice(0, 300)}`);
    assert.match(text, /Nouvelle version du référentiel/);
    assert.match(text, /brouillon est conservé/);
    assert.match(text, /Cible ou règle de calcul modifiée : IR CHO 3\.2/);
    assert.doesNotMatch(text, /IR CHO 1 /, 'only the changed indicator is named');
    assert.equal(await page.inputValue('#f-establishment-name'), 'CHU de Bordeaux', 'the open draft is kept');
    assert.deepEqual(await drafts(page), saved, 'the draft is kept byte for byte');
    await ctx.screenshot(page, 'changed');

    // The new campaign is offered on the start page; the broken file is reported.
    await page.click('button:has-text("Accueil")');
    await page.locator('button[data-catalog="agence-test-2024"]').waitFor({ state: 'visible' });

    // Offline: the remembered published campaigns and the bundled ones open.
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
    ctx.server.down = false;
    await ctx.context.setOffline(false);

    // A broken or missing published file: reported at start, nothing else changes.
    await page.click('button:has-text("Accueil")');
    await page.evaluate(() => localStorage.removeItem('caqes-current'));
    await page.reload();
    await ctx.waitForApp(page);
    await page.locator('#notice').waitFor({ state: 'visible', timeout: 20_000 });
    const errors = await page.locator('#notice').textContent();
    assert.match(errors, /casse\.toml/);
    assert.match(errors, /absent\.toml/);
    assert.doesNotMatch(errors, /sw\.js/, 'a name with a path is ignored');
    assert.ok(!ctx.server.requests.some((r) => r.path.includes('sw.js') && r.path.includes('referentiels')), 'no path from the index');
    assert.deepEqual(await drafts(page), saved);
    ctx.assertNoConsoleErrors();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
