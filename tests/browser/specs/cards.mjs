// One component per indicator card (web/src/indicator.rs, `IndicatorCard`,
// props compared by value): a keystroke in one card renders that card only
// (window.caqesTimings().cards counts the card renders), while a change that
// moves other cards' figures (a « Non concerné » redistributing the points)
// renders them too and their figures follow; the typed text and the focus
// stay in place.
async function weights(page, panel) {
  return page.$$eval(`${panel} dd[id^="w-"]`, (ds) => Object.fromEntries(ds.map((d) => [d.id, d.dataset.value])));
}

async function cardRenders(page) {
  return JSON.parse(await page.evaluate(() => window.caqesTimings())).cards;
}

export async function run(ctx) {
  const { assert } = ctx;
  const page = await ctx.newPage();
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  await page.click('button[data-catalog="occitanie-vo-2019"]');
  await page.waitForSelector('#f-establishment-finess');
  await page.click('#tab-1');
  const panel = '#panel-1';
  const cards = await page.locator(`${panel} article.card`).count();
  assert.ok(cards >= 5, `only ${cards} cards on the first volet`);

  // Typing in one card: one card render per keystroke.
  const input = page.locator(`${panel} input.grid-input:not([disabled])`).first();
  const id = await input.getAttribute('id');
  await cardRenders(page);
  await input.pressSequentially('1234');
  const typed = await cardRenders(page);
  assert.equal(typed, 4, `4 keystrokes rendered ${typed} cards (of ${cards})`);
  assert.equal(await page.inputValue(`#${id}`), '1234');
  assert.equal(await page.evaluate(() => document.activeElement.id), id, 'the focus stays in the field');

  // « Non concerné » on another card: the cards whose points are
  // redistributed are rendered again, with the new figures.
  const before = await weights(page, panel);
  const nc = page.locator(`${panel} input[type=radio][id$="-status-non_concerne"]:not([disabled])`).nth(1);
  const ncId = await nc.getAttribute('id');
  await nc.check();
  const after = await weights(page, panel);
  const moved = Object.keys(after).filter((k) => after[k] !== before[k]);
  const rendered = await cardRenders(page);
  assert.ok(moved.length >= 2, `a declared non concerné moved ${moved.length} weights: ${JSON.stringify({ before, after })}`);
  assert.ok(rendered >= moved.length && rendered <= cards, `${rendered} cards rendered for ${moved.length} moved weights`);
  assert.ok(await page.isChecked(`#${ncId}`));
  // The first card keeps its typed text.
  assert.equal(await page.inputValue(`#${id}`), '1234');
  ctx.log(`${cards} cards; 4 keystrokes -> ${typed} card renders; non concerné -> ${rendered} card renders, ${moved.length} weights moved`);
  ctx.assertNoConsoleErrors();
}
