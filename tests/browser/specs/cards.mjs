// One component per indicator card (web/src/indicator.rs, `IndicatorCard`,
// props compared by value): a keystroke in one card renders that card only
// (window.caqesTimings().cards counts the card renders), while a change that
// moves other cards' figures (a « Non concerné » redistributing the points)
// renders them too and their figures follow; the typed text and the focus
// stay in place. The lines of « Points à vérifier » are keyed components too
// (web/src/score.rs, `ProblemItem`): a problem that goes removes its line and
// leaves the other lines as they were (unkeyed, every line after it would be
// written again with its successor's text).
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
  // A missing input filled: its line goes, the other lines stay as they were.
  const lines = await page.$$eval('#problems li', (ls) => { ls.forEach((l) => { l.__text = l.textContent; }); return ls.map((l) => l.textContent); });
  const next = page.locator(`${panel} input.grid-input:not([disabled])`).nth(1);
  const nextId = await next.getAttribute('id');
  const gone = lines.findIndex((t) => t.includes('non renseigné') && !t.includes('établissement'));
  assert.ok(gone >= 0 && gone < lines.length - 1, `a missing input before the last line: ${JSON.stringify(lines.slice(0, 5))}`);
  await next.pressSequentially('5');
  await page.waitForFunction((t) => document.querySelector('#problems').textContent !== t, lines.join(''));
  const kept = await page.$$eval('#problems li', (ls) => ls.map((l) => [l.__text === undefined ? null : l.__text, l.textContent]));
  const rewritten = kept.filter(([was, now]) => was !== null && was !== now);
  assert.deepEqual(rewritten, [], `lines written again after ${nextId} was filled`);
  assert.ok(kept.filter(([was]) => was !== null).length >= lines.length - 1, 'the other lines are the same elements');
  ctx.log(`${cards} cards; 4 keystrokes -> ${typed} card renders; non concerné -> ${rendered} card renders, ${moved.length} weights moved`);
  ctx.assertNoConsoleErrors();
}
