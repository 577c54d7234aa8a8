// Issue 13, item 7: a value listed in the catalog's `assumed` carries a « supposé » badge
// with its reason on the indicator's card. Occitanie 2018: 001 l.233-239 say what the 2018
// evaluation covers (« Evaluation 2018 sur la remise de l'état des lieux … ») but not how it is
// scored, so each deliverable's 25 points are marked. na-ako 2025: the ceiling-rounding note
// is shown under the score.
export async function run(ctx) {
  const { assert } = ctx;
  const page = await ctx.newPage();
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  await page.click('button[data-catalog="occitanie-vo-2018"]');
  await page.waitForSelector('#f-establishment-finess');
  await page.click('#tab-1');
  const p = await page.waitForSelector('#assumed-etat-des-lieux');
  const badge = await p.$('.badge-suppose');
  assert.equal((await badge.textContent()).trim(), 'supposé');
  assert.match(await badge.getAttribute('title'), /^points : 25 par livrable/);
  assert.match(await p.textContent(), /Non donné par les sources : points : 25 par livrable/);
  assert.equal(await page.locator('#panel-1 .badge-suppose').count(), 4, 'one badge per deliverable');
  await ctx.screenshot(page, 'occitanie-2018');

  await page.close();
  // A fresh start page (the app reopens the current draft otherwise).
  const page2 = await ctx.newPage();
  await page2.addInitScript(() => window.localStorage.clear());
  await page2.goto(ctx.baseUrl);
  await ctx.waitForApp(page2);
  await page2.click('button[data-catalog="na-ako-2025"]');
  await page2.waitForSelector('#f-establishment-finess');
  assert.match(await page2.textContent('#rounding-note'), /89,01 % est retenu à 90 %/);
  ctx.assertNoConsoleErrors();
  ctx.assertOnlyLocalRequests();
}
