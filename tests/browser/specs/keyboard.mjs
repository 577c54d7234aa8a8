// Keyboard only: from the start page, Tab to a campaign and open it with
// Enter; Tab through the identification fields and type into them; reach
// the volet tab and an indicator card with Tab, type a value, change the
// status with the arrow keys. At every step the focused element shows a
// visible outline, and the score / weights follow.
async function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    const s = getComputedStyle(e);
    return {
      id: e.id, catalog: (e.dataset && e.dataset.catalog) || '', tag: e.tagName.toLowerCase(), type: e.type || '', name: e.name || '',
      text: (e.textContent || '').trim().slice(0, 40),
      outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
      outlineText: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
    };
  });
}

// Presses Tab until pred(focused) (at most max times); every stop must show its focus.
async function tabTo(ctx, page, pred, what, max = 300) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    ctx.assert.ok(f.outline, `no visible focus on ${f.tag}#${f.id} (${f.text}): outline ${f.outlineText}`);
    if (pred(f)) return f;
  }
  throw new Error(`Tab never reached ${what}`);
}

export async function run(ctx) {
  const { assert } = ctx;
  const page = await ctx.newPage();
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);

  await tabTo(ctx, page, (f) => f.catalog === 'na-ako-2024', 'the na-ako-2024 campaign button');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#f-establishment-finess');

  // Identification: the fields in order, typed with the keyboard.
  const seen = [];
  await tabTo(ctx, page, (f) => { seen.push(f.id); return f.id === 'f-establishment-finess'; }, 'FINESS');
  await page.keyboard.type('330781196');
  assert.match(await page.textContent('#finess-check'), /valide/);
  await tabTo(ctx, page, (f) => f.id === 'f-establishment-name', 'name', 3);
  await page.keyboard.type('CHU de Bordeaux');
  await tabTo(ctx, page, (f) => f.id === 'f-establishment-departement', 'département', 3);
  await page.keyboard.type('33');
  await tabTo(ctx, page, (f) => f.id === 'f-establishment-legal_status', 'legal status', 3);
  // A <select> driven by the keyboard: ArrowDown until "public".
  for (let i = 0; i < 6 && (await page.inputValue('#f-establishment-legal_status')) !== 'public'; i++) {
    await page.keyboard.press('ArrowDown');
  }
  assert.equal(await page.inputValue('#f-establishment-legal_status'), 'public');
  await tabTo(ctx, page, (f) => f.id === 'f-establishment-categories-mco', 'MCO checkbox', 10);
  await page.keyboard.press('Space');
  assert.ok(await page.isChecked('#f-establishment-categories-mco'), 'MCO ticked with Space');
  assert.equal(await page.inputValue('#f-establishment-name'), 'CHU de Bordeaux');
  await ctx.screenshot(page, 'identification');

  // Back to the tabs with Shift+Tab, then the volet with Enter.
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Shift+Tab');
    if ((await focused(page)).id === 'tab-1') break;
  }
  const tab = await focused(page);
  assert.equal(tab.id, 'tab-1', 'Shift+Tab reaches the volet tab');
  assert.ok(tab.outline, `tab focus visible: ${tab.outlineText}`);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#panel-1');

  // An indicator card: type a value, the score follows.
  const total0 = await page.getAttribute('#score-total', 'data-value');
  await tabTo(ctx, page, (f) => f.id === 'f-ir-cho-1-depenses', 'IR CHO 1 dépenses');
  await page.keyboard.type('4200000');
  await tabTo(ctx, page, (f) => f.id === 'f-ir-cho-1-depenses_n1', 'IR CHO 1 dépenses N-1', 3);
  await page.keyboard.type('3900000');
  await tabTo(ctx, page, (f) => f.id === 'f-ir-cho-1-patients', 'IR CHO 1 patients', 3);
  await page.keyboard.type('1350');
  await tabTo(ctx, page, (f) => f.id === 'f-ir-cho-1-patients_n1', 'IR CHO 1 patients N-1', 3);
  await page.keyboard.type('1280');
  const total1 = await page.getAttribute('#score-total', 'data-value');
  assert.equal(await page.inputValue('#f-ir-cho-1-depenses'), '4200000');
  assert.equal(await page.inputValue('#f-ir-cho-1-patients_n1'), '1280');
  // A criterion of IR CHO 2 (scored), ticked with Space: the score panel follows.
  const before = await page.textContent('aside.score-panel');
  await tabTo(ctx, page, (f) => f.id === 'f-ir-cho-2-pilotage', 'IR CHO 2 criterion');
  await page.keyboard.press('Space');
  assert.ok(await page.isChecked('#f-ir-cho-2-pilotage'), 'criterion ticked with Space');
  assert.notEqual(await page.textContent('aside.score-panel'), before, 'score panel updated by the keyboard');
  assert.equal(await page.textContent('#save-state'), '✓ Enregistré');

  // Status of IR CHO 4 with the arrow keys: weights redistributed, score changes.
  const w0 = await page.getAttribute('#w-ir-cho-2', 'data-value');
  const panel1 = await page.textContent('aside.score-panel');
  const radio = await tabTo(ctx, page, (f) => f.type === 'radio' && f.name === 'status-ir-cho-4', 'IR CHO 4 status');
  assert.equal(radio.id, 'f-ir-cho-4-status', 'Tab lands on the checked radio (Renseigné)');
  await page.keyboard.press('ArrowDown');
  const after = await focused(page);
  assert.equal(after.id, 'f-ir-cho-4-status-non_concerne', 'ArrowDown selects Non concerné');
  assert.ok(after.outline, `radio focus visible: ${after.outlineText}`);
  assert.ok(await page.isChecked('#f-ir-cho-4-status-non_concerne'));
  await page.waitForSelector('#f-ir-cho-4-justification');
  const w1 = await page.getAttribute('#w-ir-cho-2', 'data-value');
  assert.notEqual(w1, w0, 'weight of IR CHO 2 redistributed');
  const total2 = await page.getAttribute('#score-total', 'data-value');
  const panel2 = await page.textContent('aside.score-panel');
  assert.notEqual(panel2, panel1, 'score panel updated by the status change');
  await tabTo(ctx, page, (f) => f.id === 'f-ir-cho-4-justification', 'justification', 10);
  await page.keyboard.type('Pas de coordination ville-hôpital');
  ctx.log(`score ${total0} -> ${total1} -> ${total2}; w(IR CHO 2) ${w0} -> ${w1}`);
  await ctx.screenshot(page, 'volet');
  ctx.assertNoConsoleErrors();
}
