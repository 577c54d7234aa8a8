// « Ouvrir une grille Excel… »: round trip form → grid → spreadsheet → form.
// The na-ako-2024 example is imported, its grid downloaded from the form, one
// pink cell changed with openpyxl and the workbook recalculated and re-saved
// by LibreOffice headless. Opened in the form, the grid first shows what
// differs (that one cell only: every other value came back), replaces the
// draft only on confirmation, and the form then shows the score of
// `caqes verify` on that very file. Escape cancels and keeps the draft; a
// corrupted file, a non-xlsx file, another campaign's grid and a too big file
// get a French message and leave the draft untouched; offline, the grid
// module comes from the service worker's cache.
// Tools: $CAQES_CLI (see form.mjs), soffice, python with openpyxl
// ($CAQES_PYTHON, else python3 if it has openpyxl, else a venv created in
// <target>/py-openpyxl with pip).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, TARGET, sh, cliPath } from '../tools.mjs';

const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const PATIENTS = "Nombre de patients ayant une prescription d'anticancéreux oraux en PHEV";
const PILOTAGE = 'Chaque action a un calendrier, un pilote et des indicateurs de suivi';


function python() {
  if (process.env.CAQES_PYTHON) return process.env.CAQES_PYTHON;
  if (spawnSync('python3', ['-c', 'import openpyxl']).status === 0) return 'python3';
  const venv = path.join(TARGET, 'py-openpyxl');
  const py = path.join(venv, 'bin', 'python');
  if (spawnSync(py, ['-c', 'import openpyxl']).status !== 0) {
    sh('python3', ['-m', 'venv', venv], 'python3 -m venv');
    sh(path.join(venv, 'bin', 'pip'), ['install', '-q', 'openpyxl'], 'pip install openpyxl');
  }
  return py;
}

// Sets pink input cells as a person would, by their row label (column B):
// args are src, dst, then label/value pairs; a value that is a number is
// written as a number. Only cells listed as inputs in the hidden _caqes sheet
// (after its "cells" row) are touched. Prints the cells.
const EDIT = `
import sys, openpyxl
src, dst, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
wb = openpyxl.load_workbook(src)
inputs, cells = set(), False
for key, _ in wb["_caqes"].iter_rows(min_col=1, max_col=2, values_only=True):
    if cells:
        inputs.add(key)
    cells = cells or key == "cells"
done = []
for label, value in zip(pairs[::2], pairs[1::2]):
    found = [(ws, lab) for ws in wb.worksheets for row in ws.iter_rows(min_col=2, max_col=2)
             for lab in row if lab.value == label]
    targets = [f"{ws.title}!{cell.coordinate}" for ws, lab in found for cell in ws[lab.row]
               if f"{ws.title}!{cell.coordinate}" in inputs]
    assert len(targets) == 1, (label, targets)
    sheet, a1 = targets[0].rsplit("!", 1)
    try:
        value = int(value)
    except ValueError:
        pass
    wb[sheet][a1] = value
    done.append(targets[0])
wb.save(dst)
print(", ".join(done))
`;

// LibreOffice headless, recalculating on load (as engine/grid/tests/libreoffice.rs).
function recalc(file, outDir) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'caqes-lo-'));
  const user = path.join(profile, 'user');
  fs.mkdirSync(user, { recursive: true });
  fs.writeFileSync(path.join(user, 'registrymodifications.xcu'), `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
`);
  fs.mkdirSync(outDir, { recursive: true });
  sh('soffice', [`-env:UserInstallation=file://${profile}`, '--headless', '--norestore',
    '--convert-to', 'xlsx:Calc MS Excel 2007 XML', '--outdir', outDir, file], 'soffice --convert-to xlsx');
  fs.rmSync(profile, { recursive: true, force: true });
  const out = path.join(outDir, path.basename(file));
  if (!fs.existsSync(out)) throw new Error(`LibreOffice wrote no ${out}`);
  return out;
}

async function openGrid(page, file) {
  await page.setInputFiles('#grid-file', file);
}

async function noticeText(page) {
  const n = page.locator('#notice');
  await n.waitFor();
  return (await n.textContent()).trim();
}

async function patients(page) {
  await page.click('#tab-1');
  return page.inputValue('#f-ir-cho-1-patients');
}

export async function run(ctx) {
  const { assert } = ctx;
  const dir = path.join(ctx.artifactsDir, 'grid-open');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const page = await ctx.newPage();
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  await page.click('button[data-catalog="na-ako-2024"]');
  await page.waitForSelector('#f-establishment-finess');
  await page.setInputFiles('#import-file', path.join(ROOT, 'tests/answers/na-ako-2024/complet.json'));
  assert.match(await noticeText(page), /Brouillon importé/);
  assert.equal(await patients(page), '1350');

  // Form → grid → openpyxl (patients 1350 → 1400) → LibreOffice recalculation.
  const [xl] = await Promise.all([page.waitForEvent('download'), page.click('#grid')]);
  const fromForm = path.join(dir, 'form.xlsx');
  await xl.saveAs(fromForm);
  const edited = path.join(dir, 'edited.xlsx');
  const cell = sh(python(), ['-c', EDIT, fromForm, edited,
    PATIENTS, '1400', PILOTAGE, 'Non'], 'openpyxl').trim();
  const lo = recalc(edited, path.join(dir, 'libreoffice'));
  const v = spawnSync(cliPath(), ['verify', '--json', lo], { encoding: 'utf8' });
  const verified = JSON.parse(v.stdout);
  const expected = verified.grids[0].score;
  assert.ok(expected, `caqes verify gives a score: ${v.stdout}`);
  assert.equal(verified.grids[0].declared_score, expected, `LibreOffice recalculated the grid: ${v.stdout}`);
  ctx.log(`edited ${cell} with openpyxl, recalculated by LibreOffice; caqes verify score ${expected}`);

  // Opened: the differences first, the draft untouched until confirmed.
  const before = await page.getAttribute('#score-total', 'data-value');
  await openGrid(page, lo);
  const panel = page.locator('#grid-diff');
  await panel.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'grid-diff',
    'the confirmation panel takes the focus');
  const rows = await page.$$eval('#grid-diff-changes li', (lis) => lis.map((li) => li.textContent.trim()));
  assert.deepEqual(rows, [`IR CHO 1 — ${PATIENTS} : 1350 → 1400`, `IR CHO 2 — Critère « ${PILOTAGE} » : Oui → Non`],
    'only the cells changed in the spreadsheet differ');
  assert.match(await panel.textContent(), /2 valeur\(s\) de la grille diffèrent de votre brouillon/);
  assert.match(await panel.textContent(), /cellule\(s\) saisie\(s\) dans la grille après son export/);
  assert.equal(await patients(page), '1350', 'draft untouched before confirming');
  assert.equal(await page.getAttribute('#score-total', 'data-value'), before);
  await ctx.screenshot(page, 'diff');

  await page.click('#grid-replace');
  assert.match(await noticeText(page), /Grille « edited\.xlsx » ouverte : 2 valeur\(s\) remplacée\(s\)\./);
  assert.equal(await panel.count(), 0);
  assert.equal(await patients(page), '1400');
  assert.equal(await page.getAttribute('#score-total', 'data-value'), expected,
    'the form shows the score of caqes verify on the spreadsheet-edited grid');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const draft = JSON.parse(fs.readFileSync(await dl.path(), 'utf8'));
  const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/answers/na-ako-2024/complet.json'), 'utf8'));
  example.indicators['ir-cho-1'].inputs.patients = 1400;
  example.indicators['ir-cho-2'].criteria.pilotage = false;
  assert.deepEqual(draft, example, 'every value of the draft came back through the spreadsheet');
  assert.notEqual(expected, before, 'the spreadsheet edit changes the score');
  ctx.log(`replaced: score ${before} → ${expected} shown, draft = example with the two edits`);

  // Escape cancels: the draft keeps 1400 (the first file differs again).
  await openGrid(page, fromForm);
  await panel.waitFor();
  await page.keyboard.press('Escape');
  assert.match(await noticeText(page), /annulée : votre brouillon n'a pas été modifié/);
  assert.equal(await panel.count(), 0);
  assert.equal(await patients(page), '1400');

  // An edit while the differences are shown closes them (they would be stale).
  await openGrid(page, fromForm);
  await panel.waitFor();
  await page.fill('#f-ir-cho-1-comment', 'Saisi pendant la comparaison');
  assert.match(await noticeText(page), /annulée : le brouillon a été modifié entre-temps/);
  assert.equal(await panel.count(), 0);
  assert.equal(await patients(page), '1400');
  await page.fill('#f-ir-cho-1-comment', '');

  // Bad files: French message, draft untouched.
  const good = fs.readFileSync(fromForm);
  const other = path.join(dir, 'autre-campagne.xlsx');
  sh(cliPath(), ['grid', '--catalog', 'occitanie-vo-2018', '-o', other], 'caqes grid');
  // Bytes inside the compressed sheets overwritten (the zip directory intact): damaged.
  const damaged = Buffer.from(good);
  for (let i = Math.floor(damaged.length * 0.3); i < Math.floor(damaged.length * 0.6); i += 7) damaged[i] ^= 0x5a;
  // Over the reader's 50 MB budget: refused before reading (a sparse file).
  const huge = path.join(dir, 'enorme.xlsx');
  fs.writeFileSync(huge, good);
  fs.truncateSync(huge, 50 * 1024 * 1024 + 1);
  const bad = [
    [{ name: 'tronquee.xlsx', mimeType: XLSX_MIME, buffer: good.subarray(0, Math.floor(good.length / 2)) }, /n'est pas un classeur Excel \.xlsx/],
    [{ name: 'abimee.xlsx', mimeType: XLSX_MIME, buffer: damaged }, /endommagé|illisible|erreur interne/],
    [{ name: 'texte.xlsx', mimeType: XLSX_MIME, buffer: Buffer.from("Ceci n'est pas un classeur") }, /n'est pas un classeur Excel \.xlsx/],
    [other, /« occitanie-vo-2018 ».*autre campagne/],
    [huge, /trop volumineux/],
  ];
  for (const [file, message] of bad) {
    await openGrid(page, file);
    await page.locator('#notice.error').waitFor();
    const text = await noticeText(page);
    assert.match(text, message);
    assert.match(text, /n'a pas été ouverte : .*Votre brouillon actuel n'a pas été modifié\./);
    assert.equal(await panel.count(), 0);
    assert.equal(await patients(page), '1400');
    assert.equal(await page.getAttribute('#score-total', 'data-value'), expected);
    ctx.log(`refused: ${text.split(' : ').slice(1).join(' : ').slice(0, 110)}…`);
  }
  await ctx.screenshot(page, 'refused');

  // Offline (the module from the service worker's cache, in a fresh page
  // context): the same grid again holds the same values as the draft.
  await ctx.settled(page);
  await ctx.context.setOffline(true);
  ctx.server.down = true;
  const sent = ctx.server.requests.length;
  await page.reload();
  await ctx.waitForApp(page);
  await page.waitForSelector('#grid-file', { state: 'attached' });
  await openGrid(page, lo);
  await page.locator('#notice', { hasText: 'rien à remplacer' }).waitFor();
  assert.match(await noticeText(page), /La grille « edited\.xlsx » contient les mêmes valeurs que votre brouillon : rien à remplacer\./);
  assert.equal(await patients(page), '1400');
  const reached = ctx.server.requests.slice(sent).filter((r) => !r.path.endsWith('/sw.js'));
  assert.deepEqual(reached, [], 'requests that reached the (down) server while offline');
  await ctx.context.setOffline(false);
  ctx.server.down = false;

  ctx.assertNoConsoleErrors();
  ctx.assertOnlyLocalRequests();
}
