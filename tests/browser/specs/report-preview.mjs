// « Aperçu du rapport »: the na-ako-2024 example is imported, the button builds
// the self-evaluation report in the on-demand module (caqes_report, the report
// builder of `caqes report`) and shows it in place of the form. It has the
// establishment, the score and verdict shown by the form, the sections of the
// HTML that `caqes report` writes for the same answers (same order), and is
// marked « auto-évaluation »; its table styles come from the form's stylesheet
// (the CSP forbids inline styles: no console error); « Imprimer l'aperçu »
// prints it; « Retour au formulaire » gives the form back, draft untouched.
// All of it offline, after the first visit (the module comes from the service
// worker's cache, never imported before).
// Tools: $CAQES_CLI (see form.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, sh, cliPath } from '../tools.mjs';

const EXAMPLE = path.join(ROOT, 'tests/answers/na-ako-2024/complet.json');


// The agency's HTML report of the example, written by `caqes report`.
function cliReport(dir) {
  const grids = path.join(dir, 'grilles');
  fs.mkdirSync(grids, { recursive: true });
  sh(cliPath(), ['grid', '--catalog', 'na-ako-2024', EXAMPLE, '-o', path.join(grids, 'complet.xlsx')], 'caqes grid');
  const out = path.join(dir, 'rapports');
  sh(cliPath(), ['report', '--catalog', 'na-ako-2024', grids, '--format', 'html', '-o', out], 'caqes report');
  return fs.readFileSync(path.join(out, fs.readdirSync(out)[0]), 'utf8');
}

const unescape = (s) => s.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<')
  .replace(/&gt;/g, '>').replace(/&amp;/g, '&');

export async function run(ctx) {
  const { assert } = ctx;
  const dir = path.join(ctx.artifactsDir, 'report-preview');
  fs.rmSync(dir, { recursive: true, force: true });
  const cli = cliReport(dir);
  const cliHeadings = [...cli.matchAll(/<h2>(.*?)<\/h2>/g)].map((m) => unescape(m[1]));
  const cliVerdict = unescape(cli.match(/<dt>Verdict<\/dt><dd>(.*?)<\/dd>/)[1]);
  const cliScore = unescape(cli.match(/<dt>Score auto-évalué<\/dt><dd>(.*?)<\/dd>/)[1]);

  const page = await ctx.newPage();
  await page.addInitScript(() => {
    window.__printed = [];
    window.print = () => {
      window.__printed.push(!!document.querySelector('#report-preview'));
    };
  });
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  await ctx.settled(page);
  await ctx.context.setOffline(true);
  ctx.server.down = true;
  const before = ctx.server.requests.length;
  await page.reload();
  await ctx.waitForApp(page);
  await page.click('button[data-catalog="na-ako-2024"]');
  await page.waitForSelector('#f-establishment-finess');
  await page.setInputFiles('#import-file', EXAMPLE);
  await page.locator('#notice').waitFor();
  const score = await page.getAttribute('#score-total', 'data-value');
  assert.ok(score, 'the form shows a score');

  await page.click('#report');
  const preview = page.locator('#report-preview');
  await preview.waitFor();
  const text = (await preview.textContent()).replace(/\u202f/g, ' ');
  for (const f of ['CHU de Bordeaux', '330781196', 'auto-évaluation', 'aperçu', cliVerdict.replace(/\u202f/g, ' '),
    cliScore.replace(/\u202f/g, ' ')]) {
    assert.ok(text.includes(f), `« ${f} » absent from the preview:\n${text}`);
  }
  assert.ok(cliScore.startsWith(`${score.replace('.', ',')} %`), `CLI score ${cliScore} vs form ${score}`);
  assert.match(cliVerdict, /INTÉRESSÉ/);
  const headings = await page.$$eval('#report-preview h2', (hs) => hs.map((h) => h.textContent));
  assert.deepEqual(headings, cliHeadings, 'same sections, same order as caqes report');
  assert.ok(!text.includes('Valeur retenue') && !text.includes('Score officiel'), 'nothing the agency decides');
  assert.equal(await page.$eval('#report-preview table', (t) => getComputedStyle(t).borderCollapse), 'collapse',
    'the report is styled by the form stylesheet');
  assert.equal(await page.locator('#f-establishment-finess').count(), 0, 'the preview replaces the form');
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'report-close');
  await ctx.screenshot(page, 'preview');

  await page.click('#report-print');
  assert.deepEqual(await page.evaluate(() => window.__printed), [true], 'printed with the preview on the page');

  await page.click('#report-close');
  await page.waitForSelector('#f-establishment-finess');
  assert.equal(await page.inputValue('#f-establishment-finess'), '330781196');
  assert.equal(await page.getAttribute('#score-total', 'data-value'), score, 'draft untouched');
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'report');
  const reached = ctx.server.requests.slice(before).filter((r) => !r.path.endsWith('/sw.js'));
  assert.deepEqual(reached, [], 'offline: nothing reached the (down) server');
  ctx.assertNoConsoleErrors();
  ctx.assertOnlyLocalRequests();
  ctx.log(`score ${score}, ${headings.length} sections as caqes report, verdict « ${cliVerdict.slice(0, 40)}… »`);
}
