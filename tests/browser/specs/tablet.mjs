// Tablet layout (820x1180, portrait): no horizontal scroll on the start page,
// the identification and a volet; the score panel is visible on screen (it
// goes above the form, sticky) or reachable by scrolling.
async function check(ctx, page, name) {
  const { assert } = ctx;
  const m = await page.evaluate(() => {
    const de = document.documentElement;
    const wide = [...document.querySelectorAll('main#app *')]
      .filter((e) => e.getBoundingClientRect().right > de.clientWidth + 1)
      .slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''));
    return { scrollWidth: de.scrollWidth, clientWidth: de.clientWidth, wide };
  });
  assert.ok(m.scrollWidth <= m.clientWidth, `${name}: horizontal scroll (${m.scrollWidth} > ${m.clientWidth}; ${m.wide.join(', ')})`);
  assert.deepEqual(m.wide, [], `${name}: elements overflowing to the right`);
  await ctx.screenshot(page, name);
}

export async function run(ctx) {
  const { assert } = ctx;
  const page = await ctx.newPage();
  await page.setViewportSize({ width: 820, height: 1180 });
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  await check(ctx, page, 'start');
  await page.click('button[data-catalog="occitanie-vo-2019"]');
  await page.waitForSelector('#f-establishment-finess');
  await check(ctx, page, 'identification');

  // Score panel on screen without scrolling, with the total.
  const box = await page.locator('aside.score-panel').boundingBox();
  assert.ok(box && box.y >= 0 && box.y < 1180 && box.height > 40, `score panel box ${JSON.stringify(box)}`);
  assert.ok(await page.isVisible('#score-total'), 'total visible');

  await page.click('#tab-1');
  await check(ctx, page, 'volet');
  // Typing in a field far down the volet: the field is scrolled into view and
  // the score panel is still visible (sticky) or reachable by scrolling to it.
  const inputs = page.locator('#panel-1 input.grid-input:not([disabled])');
  const last = inputs.nth((await inputs.count()) - 1);
  await last.scrollIntoViewIfNeeded();
  await last.pressSequentially('12');
  const visible = await page.evaluate(() => {
    const r = document.querySelector('aside.score-panel').getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight;
  });
  if (!visible) {
    await page.locator('#score-total').scrollIntoViewIfNeeded();
    assert.ok(await page.locator('#score-total').isVisible(), 'score reachable by scrolling');
  }
  ctx.log(`score panel ${visible ? 'stays visible (sticky)' : 'reachable by scrolling'} at 820x1180`);
  await check(ctx, page, 'volet-typed');
  ctx.assertNoConsoleErrors();
}
