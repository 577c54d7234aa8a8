// Print: on screen only the active panel is rendered (each keystroke
// re-renders the form); the "Imprimer" button renders every panel, calls
// window.print() once they are in the DOM, then goes back to the active
// panel. window.print is stubbed to record what it would have printed.
export async function run(ctx) {
  const { assert } = ctx;
  const page = await ctx.newPage();
  await page.addInitScript(() => {
    window.__printed = [];
    window.print = () => {
      const panels = [...document.querySelectorAll('section.panel')];
      window.__printed.push({
        panels: panels.map((p) => p.id),
        headings: panels.map((p) => p.querySelector('h2') && p.querySelector('h2').textContent),
        finess: (document.querySelector('#f-establishment-finess') || {}).value,
        hint: !!document.querySelector('#print-hint'),
      });
    };
  });
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  await page.click('button[data-catalog="occitanie-vo-2019"]');
  await page.waitForSelector('#f-establishment-finess');
  const tabs = await page.locator('nav.tabs button').count();
  assert.ok(tabs >= 3, `tabs: ${tabs}`);
  assert.equal(await page.locator('section.panel').count(), 1, 'only the active panel is rendered');
  await page.fill('#f-establishment-finess', '330781196');
  await page.click('#tab-2');
  assert.deepEqual(await page.locator('section.panel').evaluateAll((s) => s.map((e) => e.id)), ['panel-2']);

  await page.click('#print');
  await page.waitForFunction(() => window.__printed.length === 1);
  // Back to the active panel only, after print() returned.
  await page.waitForFunction(() => document.querySelectorAll('section.panel').length === 1);
  const [printed] = await page.evaluate(() => window.__printed);
  ctx.log(`printed ${printed.panels.length} panels: ${printed.headings.join(' | ')}`);
  assert.deepEqual(printed.panels, Array.from({ length: tabs }, (_, i) => `panel-${i}`), 'every panel printed');
  assert.ok(printed.headings.every((h) => h && h.trim()), 'every panel has its heading');
  assert.equal(printed.finess, '330781196', 'identification values printed');
  assert.equal(printed.hint, false, 'no "use the button" hint in the print view');
  assert.equal(await page.getAttribute('#tab-2', 'aria-current'), 'step', 'active tab kept');
  assert.equal(await page.locator('#panel-2').count(), 1);

  // Print stylesheet: inactive panels shown, the toolbar and tabs hidden.
  // (Ctrl+P outside print mode prints the active panel and a hint.)
  await page.emulateMedia({ media: 'print' });
  assert.ok(await page.isVisible('#print-hint'), 'hint shown by Ctrl+P');
  assert.ok(!(await page.isVisible('nav.tabs')), 'tabs hidden in print');
  await ctx.screenshot(page, 'print-media');
  await page.emulateMedia({ media: 'screen' });
  assert.ok(!(await page.isVisible('#print-hint')), 'hint hidden on screen');
  ctx.assertNoConsoleErrors();
}
