// Navigation for many indicators (issue 15, part 4), on occitanie-vo-2019 (6 volets, 7 tabs):
// at 1366x900 the tab bar (code, short title, « n/m renseignés ») fits on the first screen;
// the start page groups campaigns by family with one button per year; « Aller au prochain
// indicateur à compléter » moves the focus into the form (switching tab); filling what it
// points at changes a tab's « n/m renseignés »; at 320 px the score panel is folded
// (its summary still gives the score) and nothing scrolls horizontally.

async function noHorizontalScroll(ctx, page, name) {
  const m = await page.evaluate(() => {
    const de = document.documentElement;
    const wide = [...document.querySelectorAll('main#app *')]
      .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > de.clientWidth + 1)
      .slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''));
    return { scrollWidth: de.scrollWidth, clientWidth: de.clientWidth, wide };
  });
  ctx.assert.ok(m.scrollWidth <= m.clientWidth, `${name}: horizontal scroll (${m.scrollWidth} > ${m.clientWidth}; ${m.wide.join(', ')})`);
  ctx.assert.deepEqual(m.wide, [], `${name}: elements overflowing to the right`);
  await ctx.screenshot(page, name);
}

// Sum of the « n » of every « n/m renseignés » of the tabs.
async function doneCount(page) {
  const texts = await page.locator('.tab-progress').allTextContents();
  return texts.reduce((s, t) => s + Number((t.match(/(\d+)\/\d+ renseigné/) || [0, NaN])[1]), 0);
}

// The focused element: id, kind, and the panel it is in.
async function focused(page) {
  return page.evaluate(() => {
    const a = document.activeElement;
    const panel = a && a.closest('section.panel');
    return a ? { id: a.id, tag: a.tagName.toLowerCase(), type: a.type || '', panel: panel ? panel.id : '' } : null;
  });
}

// Gives the focused field an answer.
async function answerFocused(page, f) {
  const sel = `[id="${f.id}"]`;
  if (f.tag === 'input' && (f.type === 'checkbox' || f.type === 'radio')) await page.check(sel);
  else if (f.tag === 'select') {
    const values = await page.locator(`${sel} option`).evaluateAll((os) => os.map((o) => o.value).filter((v) => v));
    await page.selectOption(sel, values[0]);
  } else if (f.tag === 'input' || f.tag === 'textarea') await page.locator(sel).pressSequentially('10');
}

// Answers every empty field of an indicator card: numbers and texts, the first choice of lists.
async function fillCard(page, card) {
  const fields = page.locator(`[id="${card}"] input:not([disabled]):not([type=checkbox]):not([type=radio]), [id="${card}"] textarea, [id="${card}"] select`);
  const n = await fields.count();
  for (let k = 0; k < n; k++) {
    const el = fields.nth(k);
    const tag = await el.evaluate((e) => e.tagName.toLowerCase());
    if (tag === 'select') {
      const values = await el.locator('option').evaluateAll((os) => os.map((o) => o.value).filter((v) => v));
      if (values.length && !(await el.inputValue())) await el.selectOption(values[0]);
    } else if (!(await el.inputValue())) {
      await el.pressSequentially(tag === 'textarea' ? 'Fait' : '10');
    }
  }
}

export async function run(ctx) {
  const { assert } = ctx;
  const page = await ctx.newPage();
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);

  // Start page: one entry per family, one button per year.
  const families = await page.locator('.campaigns li.family').count();
  const years = await page.locator('button[data-catalog]').count();
  assert.ok(families >= 3 && years > families, `grouped: ${families} families for ${years} campaign-years`);
  const vo = page.locator('li.family', { has: page.locator('button[data-catalog="occitanie-vo-2019"]') });
  assert.deepEqual(await vo.locator('button.year').allTextContents(), ['2018', '2019', '2020', '2021']);
  await ctx.screenshot(page, 'start');

  await page.click('button[data-catalog="occitanie-vo-2019"]');
  await page.waitForSelector('#f-establishment-finess');

  await ctx.screenshot(page, 'tabs');
  // The tab bar fits on the first screen, with short labels.
  const bar = await page.locator('nav.tabs').boundingBox();
  const tabs = await page.locator('nav.tabs button.tab').allTextContents();
  ctx.log(`tab bar ${Math.round(bar.height)} px high, bottom at ${Math.round(bar.y + bar.height)} px; tabs: ${tabs.join(' | ')}`);
  assert.equal(tabs.length, 7);
  assert.ok(bar.height <= 160, `tab bar too high: ${bar.height}px`);
  assert.ok(bar.y + bar.height <= 450, `tab bar ends at ${bar.y + bar.height}px, lower than half the first screen`);
  assert.match(tabs[1], /^Art\. 10-1 .+ \d+\/\d+ renseignés?$/);
  for (const t of tabs) assert.ok(t.length <= 60, `tab label too long: ${t}`);
  assert.ok(await page.isVisible('#next-to-complete'), 'the button is on the first screen');
  assert.ok(await page.isVisible('#score-total'), 'score panel open on a wide screen');

  // « Aller au prochain indicateur à compléter » from volet 1: focus inside a volet's panel.
  await page.click('#tab-1');
  await page.click('#next-to-complete');
  const f1 = await focused(page);
  assert.ok(f1 && f1.id !== 'next-to-complete' && /^panel-[1-9]/.test(f1.panel), `focus moved into a volet: ${JSON.stringify(f1)}`);
  await page.click('#next-to-complete');
  const f2 = await focused(page);
  assert.ok(f2 && f2.id !== f1.id && /^panel-/.test(f2.panel), `second click: another field ${JSON.stringify(f2)}`);

  // Keyboard: the button is reachable and works with Enter.
  await page.focus('#next-to-complete');
  await page.keyboard.press('Enter');
  const f3 = await focused(page);
  assert.ok(f3 && f3.id !== 'next-to-complete', 'Enter on the button moves the focus');

  // Answer the indicators the button points at until some « n/m renseignés » changes.
  const before = await doneCount(page);
  let after = before;
  for (let i = 0; i < 12 && after === before; i++) {
    await page.click('#next-to-complete');
    const card = await page.evaluate(() => {
      const c = document.activeElement && document.activeElement.closest('.card');
      return c ? c.id : '';
    });
    if (!card) continue;
    await fillCard(page, card);
    after = await doneCount(page);
  }
  ctx.log(`renseignés: ${before} → ${after}`);
  assert.ok(after > before, `« n/m renseignés » did not change (${before})`);
  await ctx.screenshot(page, 'filled');

  // Phone width: score panel folded (summary with the score), no horizontal scroll.
  await page.setViewportSize({ width: 320, height: 720 });
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  // The open draft is resumed on reload: back to the start page first.
  if (await page.locator('#campaign-title').count()) await page.click('text=Accueil');
  await page.locator('button[data-catalog="occitanie-vo-2019"]').waitFor({ state: 'visible' });
  await noHorizontalScroll(ctx, page, 'start-320');
  await page.click('button[data-catalog="occitanie-vo-2019"]');
  await page.waitForSelector('#f-establishment-finess');
  assert.equal(await page.getAttribute('#score-details', 'open'), null, 'score panel folded at 320 px');
  assert.match(await page.textContent('#score-summary'), /^Score : /);
  assert.ok(!(await page.isVisible('#score-total')), 'details hidden while folded');
  await noHorizontalScroll(ctx, page, 'identification-320');
  await page.click('#tab-1');
  await noHorizontalScroll(ctx, page, 'volet-320');
  // Unfolded from the keyboard, and it stays open while typing.
  await page.focus('#score-summary');
  await page.keyboard.press('Enter');
  assert.ok(await page.isVisible('#score-total'), 'unfolded with Enter');
  await page.click('#next-to-complete');
  const f = await focused(page);
  if (f && f.id.startsWith('f-')) await answerFocused(page, f);
  assert.notEqual(await page.getAttribute('#score-details', 'open'), null, 'stays open after an edit');
  await noHorizontalScroll(ctx, page, 'volet-320-open');
  ctx.assertNoConsoleErrors();
}
