// « Répondre au rapport d'évaluation » (issue 10, contradictory period): the
// na-ako-2024 example is imported, then a review CSV made by the agency for
// its FINESS. A review for another FINESS and an unreadable file are refused
// in French, the draft untouched. The two adjustments are shown (self-assessed
// → retained value, motif, origin); exporting before answering is refused;
// one is contested with a comment (required), the other accepted; the
// responses survive a reload; the exported response file has the expected
// name and content (BOM, `;`, CRLF, formula-leading comment neutralised).
// Then the review workbook that `caqes review --review <that CSV>` writes
// (version 3) is imported too: read by the on-demand grid module, same
// adjustments. Tools: $CAQES_CLI (else target/debug/caqes, built if missing).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT, sh, cliPath } from '../tools.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');


const PATIENTS = "Nombre de patients ayant une prescription d'anticancéreux oraux en PHEV";

const REVIEW = '\ufefffiness;indicateur;champ;valeur;motif;version;date\r\n'
  + '330781196;ir-cho-1;inputs.patients;1200;File active PHEV transmise par l\'Assurance Maladie;2;15/03/2025\r\n'
  + '330781196;ir-cho-2;criteria.pilotage;non;"Pas de calendrier ; pilote non désigné";2;15/03/2025\r\n'
  + '330781196;ir-cho-2;criteria.programme;oui;Programme conforme;2;15/03/2025\r\n'
  + '330781196;ir-cho-2;criteria.pilotage;oui;ancienne version;1;01/02/2025\r\n';

async function noticeText(page) {
  const n = page.locator('#notice');
  await n.waitFor();
  return (await n.textContent()).trim();
}

export async function run(ctx) {
  const { assert } = ctx;
  const dir = path.join(ctx.artifactsDir, 'review-response');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const write = (name, text) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const page = await ctx.newPage();
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  await page.click('button[data-catalog="na-ako-2024"]');
  await page.waitForSelector('#f-establishment-finess');
  await page.setInputFiles('#import-file', path.join(ROOT, 'tests/answers/na-ako-2024/complet.json'));
  assert.match(await noticeText(page), /Brouillon importé/);
  const score = await page.getAttribute('#score-total', 'data-value');

  // Bad files: refused in French, naming both FINESS; the draft untouched.
  await page.setInputFiles('#review-file', write('autre.csv', REVIEW.replaceAll('330781196', '640780417')));
  let text = await noticeText(page);
  assert.match(text, /Rapport « autre\.csv » refusé : il concerne le FINESS 640780417, pas celui du brouillon \(330781196\)/);
  assert.match(text, /Votre brouillon n'a pas été modifié/);
  await page.click('#notice button');
  await page.setInputFiles('#review-file', write('illisible.csv', 'PK\u0003\u0004 pas un rapport'));
  text = await noticeText(page);
  assert.match(text, /Rapport « illisible\.csv » refusé : ce n'est pas un rapport d'évaluation CSV lisible/);
  assert.match(text, /ligne 1 : en-tête/);
  assert.equal(await page.locator('#review-response').count(), 0);
  assert.equal(await page.getAttribute('#score-total', 'data-value'), score, 'draft untouched');
  await page.click('#notice button');

  // The review: version 2 only (the latest), two adjustments (« programme »
  // retained as typed makes none).
  await page.setInputFiles('#review-file', write('revue-330781196.csv', REVIEW));
  const panel = page.locator('#review-response');
  await panel.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'review-response',
    'the panel takes the focus');
  assert.match(await page.textContent('#review-summary'), /version 2 du 15\/03\/2025 : 2 ajustement\(s\)/);
  const rows = await page.$$eval('#review-table tbody tr', (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 6).map((td) => td.textContent.trim())));
  assert.deepEqual(rows, [
    ['IR CHO 1', PATIENTS, '1350', '1200', "File active PHEV transmise par l'Assurance Maladie", 'décision ARS'],
    ['IR CHO 2', 'Critère : Chaque action a un calendrier, un pilote et des indicateurs de suivi', 'Oui', 'Non',
      'Pas de calendrier ; pilote non désigné', 'décision ARS'],
  ]);
  assert.equal(await page.getAttribute('#score-total', 'data-value'), score, 'the self-assessment is unchanged');
  // The score with the agency's decisions: the engine on the answers as reviewed.
  const reviewed = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/answers/na-ako-2024/complet.json'), 'utf8'));
  reviewed.indicators['ir-cho-1'].inputs.patients = 1200;
  reviewed.indicators['ir-cho-2'].criteria.pilotage = false;
  const official = JSON.parse(await page.evaluate((a) => window.caqesScore('na-ako-2024', a), JSON.stringify(reviewed)));
  const scores = (await page.textContent('#review-scores')).trim();
  ctx.log(`${scores} (engine on the reviewed answers: ${JSON.stringify(official.total_rounded)}, ${official.verdict.interesse})`);
  assert.equal(scores, `Score auto-évalué : 100 % (intéressé) ; score avec les décisions de l'agence : ${String(official.total_rounded).replace('.', ',')} % (${official.verdict.interesse ? 'intéressé' : 'non intéressé'}).`);
  assert.notEqual(String(official.total_rounded), '100', 'the decisions change the score');
  await ctx.screenshot(page, 'panel');

  // Nothing answered: the export is refused and says what is missing.
  await page.click('#review-export');
  text = await noticeText(page);
  assert.match(text, /Réponse non exportée/);
  assert.match(text, /IR CHO 1 — .* : ni acceptée ni contestée/);
  await page.click('#notice button');

  // Keyboard: accept the first (Space on the focused radio), contest the second.
  await page.focus('#review-accept-0');
  await page.keyboard.press('Space');
  assert.ok(await page.isChecked('#review-accept-0'));
  await page.check('#review-contest-1');
  assert.equal(await page.getAttribute('#review-comment-1', 'aria-invalid'), 'true', 'a contest needs a comment');
  // axe-core on the panel (as a11y.mjs): no serious or critical violation.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run('#review-response', { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.impact}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  for (const v of violations) ctx.log(`axe: ${v}`);
  assert.deepEqual(violations.filter((v) => /^(serious|critical)/.test(v)), [], 'no serious accessibility violation');
  await page.click('#review-export');
  assert.match(await noticeText(page), /commentaire obligatoire pour contester/);
  await page.click('#notice button');
  const comment = '=Le calendrier figure au PV du 12/01 ; pilote : Dr Martin';
  await page.fill('#review-comment-1', comment);
  assert.equal(await page.getAttribute('#review-comment-1', 'aria-invalid'), null);

  // Reload: the review and the responses are kept with the draft.
  await page.reload();
  await ctx.waitForApp(page);
  await panel.waitFor();
  assert.ok(await page.isChecked('#review-accept-0'), 'accepted kept after reload');
  assert.ok(await page.isChecked('#review-contest-1'), 'contested kept after reload');
  assert.equal(await page.inputValue('#review-comment-1'), comment, 'comment kept after reload');
  assert.match(await page.textContent('#review-summary'), /dont 1 contesté\(s\)/);

  // Export: name and content.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#review-export')]);
  assert.equal(dl.suggestedFilename(), 'caqes-reponse-na-ako-2024-330781196-v2.csv');
  const out = path.join(dir, dl.suggestedFilename());
  await dl.saveAs(out);
  const csv = fs.readFileSync(out, 'utf8');
  assert.equal(csv,
    '\ufefffiness;indicateur;champ;valeur_retenue;reponse;commentaire;version\r\n'
    + '330781196;ir-cho-1;inputs.patients;1200;accepte;;2\r\n'
    + `330781196;ir-cho-2;criteria.pilotage;non;conteste;"'${comment}";2\r\n`);
  assert.match(await noticeText(page), /Réponse au rapport d'évaluation exportée/);
  ctx.log(`response file ${dl.suggestedFilename()}: 1 accepted, 1 contested`);

  // The review workbook of the agency (caqes review, decisions carried from
  // the CSV as version 3): same adjustments, read by the grid module.
  const grids = path.join(dir, 'grilles');
  fs.mkdirSync(grids);
  sh(cliPath(), ['grid', '--catalog', 'na-ako-2024', path.join(ROOT, 'tests/answers/na-ako-2024/complet.json'),
    '-o', path.join(grids, 'complet.xlsx')], 'caqes grid');
  const workbook = path.join(dir, 'revue-v3.xlsx');
  sh(cliPath(), ['review', '--catalog', 'na-ako-2024', grids, '--review', path.join(dir, 'revue-330781196.csv'),
    '-o', workbook, '--date', '02/04/2025'], 'caqes review');
  await page.setInputFiles('#review-file', workbook);
  await page.waitForFunction(() => /version 3 du 02\/04\/2025/.test(document.querySelector('#review-summary')?.textContent || ''));
  const fromWorkbook = await page.$$eval('#review-table tbody tr', (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 6).map((td) => td.textContent.trim())));
  assert.deepEqual(fromWorkbook, rows, 'the workbook gives the same adjustments as the CSV');
  assert.ok(!(await page.isChecked('#review-contest-1')), 'a new version starts without responses');
  ctx.log('review workbook of caqes review imported: version 3, same adjustments');

  // Another campaign's workbook: refused naming both.
  const otherGrids = path.join(dir, 'autres');
  fs.mkdirSync(otherGrids);
  sh(cliPath(), ['grid', '--catalog', 'na-ako-2022', '-o', path.join(otherGrids, 'vide.xlsx')], 'caqes grid');
  const other = path.join(dir, 'revue-autre.xlsx');
  sh(cliPath(), ['review', '--catalog', 'na-ako-2022', otherGrids, '-o', other], 'caqes review');
  await page.setInputFiles('#review-file', other);
  text = await noticeText(page);
  assert.match(text, /ce rapport est de la campagne « na-ako-2022 », pas de la campagne ouverte « na-ako-2024 »/);
  await page.click('#notice button');

  // Removed on demand; the draft stays.
  await page.click('#review-remove');
  assert.equal(await panel.count(), 0);
  assert.equal(await page.getAttribute('#score-total', 'data-value'), score);
  ctx.assertNoConsoleErrors();
  ctx.assertOnlyLocalRequests();
}
