// The whole na-ako-2024 campaign filled through the UI (typing and clicks):
// the score shown equals `caqes score --json` on the exported draft; Non
// concerné redistributes the weights like the CLI; values survive a reload
// and a browser restart; bad imports are refused in French with the draft
// intact; the form works offline; refused storage shows a warning with export.
// CLI: $CAQES_CLI, else $CARGO_TARGET_DIR|target /debug/caqes (built if missing).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cliPath } from '../tools.mjs';



function cliScore(file) {
  const r = spawnSync(cliPath(), ['score', '--json', file], { encoding: 'utf8' });
  if (!r.stdout) throw new Error(`caqes score failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function exportDraft(ctx, page, name) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const file = path.join(ctx.artifactsDir, `form-${name}.json`);
  await dl.saveAs(file);
  return file;
}

async function shown(page) {
  return {
    total: await page.getAttribute('#score-total', 'data-value'),
    interesse: await page.getAttribute('#verdict', 'data-value'),
  };
}

const FILLED = {
  '#f-establishment-finess': '330781196',
  '#f-establishment-name': 'CHU de Bordeaux',
  '#f-establishment-departement': '33',
  '#f-previous_score': '84',
  '#f-ir-cho-1-depenses': '4200000,5',
  '#f-ir-cho-1-depenses_n1': '3900000',
  '#f-ir-cho-1-patients': '1350',
  '#f-ir-cho-1-patients_n1': '1280',
  '#f-ir-cho-2-comment': 'Programme validé en CME',
};

async function checkValues(ctx, page, expected, what) {
  const { assert } = ctx;
  // Only the active panel is rendered: identification (tab 0), then the volet (tab 1).
  await page.click('#tab-0');
  for (const [sel, v] of Object.entries(FILLED).filter(([s]) => !s.includes('ir-cho'))) {
    assert.equal(await page.inputValue(sel), v, `${what}: ${sel}`);
  }
  assert.equal(await page.inputValue('#f-establishment-legal_status'), 'public', `${what}: legal status`);
  assert.ok(await page.isChecked('#f-establishment-categories-mco'), `${what}: MCO`);
  await page.click('#tab-1');
  for (const [sel, v] of Object.entries(FILLED).filter(([s]) => s.includes('ir-cho'))) {
    assert.equal(await page.inputValue(sel), v, `${what}: ${sel}`);
  }
  assert.ok(await page.isChecked('#f-ir-cho-2-pilotage'), `${what}: criterion`);
  assert.ok(await page.isChecked('#f-ir-cho-2-evidence-bilan'), `${what}: evidence`);
  assert.deepEqual(await shown(page), expected, `${what}: score`);
}

export async function run(ctx) {
  const { assert } = ctx;
  let page = await ctx.newPage();
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  await page.click('button[data-catalog="na-ako-2024"]');
  await page.waitForSelector('#f-establishment-finess');

  // Identification, typed.
  await page.locator('#f-establishment-finess').pressSequentially('330781196');
  assert.match(await page.textContent('#finess-check'), /valide/);
  await page.locator('#f-establishment-name').pressSequentially('CHU de Bordeaux');
  await page.fill('#f-establishment-departement', '33');
  await page.selectOption('#f-establishment-legal_status', 'public');
  await page.check('#f-establishment-categories-mco');
  await page.locator('#f-previous_score').pressSequentially('84');
  await ctx.screenshot(page, 'identification');

  // Every indicator of the volet: inputs typed, every criterion and evidence ticked.
  await page.click('#tab-1');
  for (const sel of Object.keys(FILLED).filter((s) => s.includes('ir-cho'))) {
    await page.locator(sel).pressSequentially(FILLED[sel]);
  }
  const boxes = page.locator('#panel-1 input[type=checkbox]');
  const n = await boxes.count();
  assert.ok(n >= 12, `expected the criteria and evidence checkboxes, got ${n}`);
  for (let i = 0; i < n; i++) await boxes.nth(i).check();
  assert.equal(await page.textContent('#save-state'), '✓ Enregistré');
  await ctx.screenshot(page, 'filled');

  const filled = await shown(page);
  let cli = cliScore(await exportDraft(ctx, page, 'filled'));
  assert.equal(filled.total, String(cli.total_rounded), 'score shown = caqes score');
  assert.equal(filled.interesse, String(cli.verdict.interesse), 'verdict shown = caqes score');
  assert.equal(cli.state, 'complete');
  ctx.log(`filled: ${filled.total} % intéressé=${filled.interesse}; CLI ${cli.total_rounded} ${cli.verdict.interesse}`);

  // The Excel grid built in the browser, read back natively by `caqes verify`.
  const [xl] = await Promise.all([page.waitForEvent('download'), page.click('#grid')]);
  assert.match(xl.suggestedFilename(), /^caqes-na-ako-2024-330781196\.xlsx$/);
  const xlsx = path.join(ctx.artifactsDir, 'form-grid.xlsx');
  await xl.saveAs(xlsx);
  const v = spawnSync(cliPath(), ['verify', '--json', xlsx], { encoding: 'utf8' });
  const verified = JSON.parse(v.stdout);
  assert.equal(verified.conformes, 1, `caqes verify: ${v.stdout}`);
  assert.equal(verified.grids[0].score, filled.total, 'score of the downloaded grid read back natively');
  ctx.log(`grid: ${fs.statSync(xlsx).size} bytes, caqes verify score ${verified.grids[0].score} (${verified.grids[0].verdict})`);

  // A double click while the grid is being built downloads it once.
  let downloads = 0;
  const count = () => { downloads += 1; };
  page.on('download', count);
  await Promise.all([
    page.waitForEvent('download'),
    page.evaluate(() => { const b = document.getElementById('grid'); b.click(); b.click(); }),
  ]);
  await page.waitForTimeout(1000);
  page.off('download', count);
  assert.equal(downloads, 1, 'two clicks during the build give one download');
  await page.locator('#grid:not([aria-busy])').waitFor();
  assert.equal((await page.textContent('#grid')).trim(), 'Télécharger la grille Excel');

  // Non concerné on IR CHO 4: weights redistributed exactly like the CLI.
  const before = await page.getAttribute('#w-ir-cho-2', 'data-value');
  await page.check('#f-ir-cho-4-status-non_concerne');
  await page.locator('#f-ir-cho-4-justification').pressSequentially('Pas de coordination ville-hôpital');
  const after = await page.getAttribute('#w-ir-cho-2', 'data-value');
  assert.notEqual(after, before, 'weight changes when IR CHO 4 is non concerné');
  cli = cliScore(await exportDraft(ctx, page, 'nc'));
  for (const r of cli.indicators) {
    if (r.role === 'information') continue;
    assert.equal(await page.getAttribute(`#w-${r.id}`, 'data-value'), String(r.weight), `weight of ${r.id}`);
  }
  assert.equal((await shown(page)).total, String(cli.total_rounded));
  await ctx.screenshot(page, 'non-concerne');
  await page.check('#f-ir-cho-4-status');
  assert.equal(await page.getAttribute('#w-ir-cho-2', 'data-value'), before, 'weight back after Renseigné');
  assert.deepEqual(await shown(page), filled);

  // Reload, then close the browser and reopen: everything is still there.
  await page.reload();
  await ctx.waitForApp(page);
  await page.waitForSelector('#f-establishment-finess');
  await checkValues(ctx, page, filled, 'after reload');
  await page.close();
  await ctx.restart();
  page = await ctx.newPage();
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  await page.waitForSelector('#f-establishment-finess');
  await checkValues(ctx, page, filled, 'after restart');
  await ctx.screenshot(page, 'restored');

  // Bad imports: French message, current draft untouched.
  const bad = [
    ['casse.json', Buffer.from('{"catalog": "na-ako-2024", "indicators": {'), /n'est pas un brouillon CAQES lisible/],
    ['autre.json', Buffer.from(JSON.stringify({ catalog: 'occitanie-vo-2019', establishment: { finess: '330781196' } })), /campagne « occitanie-vo-2019 »/],
    ['hasard.bin', crypto.randomBytes(4096), /Import refusé/],
  ];
  for (const [name, buffer, re] of bad) {
    await page.setInputFiles('#import-file', { name, mimeType: 'application/octet-stream', buffer });
    await page.waitForSelector('#notice.error');
    const text = await page.textContent('#notice');
    assert.match(text, re, `${name}: ${text}`);
    assert.match(text, /n'a pas été modifié/);
    await ctx.screenshot(page, `import-${name}`);
    await checkValues(ctx, page, filled, `after import of ${name}`);
    await page.click('#notice button');
  }
  await page.reload();
  await ctx.waitForApp(page);
  await page.waitForSelector('#f-establishment-finess');
  await checkValues(ctx, page, filled, 'reload after refused imports');

  // Offline: reload with the network cut, the form still works.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    }
  });
  await ctx.context.setOffline(true);
  ctx.server.down = true;
  await page.reload();
  await ctx.waitForApp(page);
  await page.waitForSelector('#f-establishment-finess');
  await checkValues(ctx, page, filled, 'offline reload');
  await page.click('#tab-1');
  await page.uncheck('#f-ir-cho-2-programme');
  assert.notDeepEqual(await shown(page), filled, 'score recomputed offline');
  await page.check('#f-ir-cho-2-programme');
  assert.deepEqual(await shown(page), filled);
  await ctx.screenshot(page, 'offline');
  await ctx.context.setOffline(false);
  ctx.server.down = false;

  // Storage refused (quota / private mode): warning, export offered.
  const p2 = await ctx.newPage();
  await p2.addInitScript(() => {
    Storage.prototype.setItem = function () { throw new DOMException('quota', 'QuotaExceededError'); };
  });
  await p2.goto(ctx.baseUrl);
  await ctx.waitForApp(p2);
  await p2.waitForSelector('#f-establishment-name');
  await p2.fill('#f-establishment-name', 'CHU de Bordeaux (bis)');
  await p2.waitForSelector('#storage-warning');
  assert.match(await p2.textContent('#storage-warning'), /exportez le brouillon/);
  assert.equal(await p2.textContent('#save-state'), 'Non enregistré');
  await ctx.screenshot(p2, 'storage-refused');
  ctx.assertNoConsoleErrors();
  ctx.assertOnlyLocalRequests();
}
