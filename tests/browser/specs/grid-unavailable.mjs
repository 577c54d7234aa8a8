// The Excel module cannot be loaded (never cached, network refusing it): the
// download fails with a French message, the form and its values stay as they
// were, and after a reload with the network back the grid downloads.
export async function run(ctx) {
  const { assert } = ctx;
  // Refuse the grid module everywhere, the service worker's pre-caching included
  // (its install then fails, so nothing is cached either).
  await ctx.context.route('**/caqes-grid-*', (route) => route.abort());
  const page = await ctx.newPage();
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  await page.click('button[data-catalog="na-ako-2024"]');
  await page.fill('#f-establishment-name', 'CH sans module');

  await page.click('#grid');
  const notice = page.locator('#notice');
  await notice.getByText('La grille Excel n\'a pas pu être produite').waitFor();
  const text = (await notice.textContent()).trim();
  assert.match(text, /le module Excel n'a pas pu être chargé ; rechargez la page avec une connexion/);
  assert.doesNotMatch(text, /Failed|fetch|module script/i, 'no English browser message shown');
  assert.equal(await page.inputValue('#f-establishment-name'), 'CH sans module');
  await page.locator('#grid:not([aria-busy])').waitFor();
  await ctx.screenshot(page, 'error');

  // The network is back: as the message says, reload; the draft is still there
  // and the grid downloads.
  await ctx.context.unroute('**/caqes-grid-*');
  await page.reload();
  await ctx.waitForApp(page);
  assert.equal(await page.inputValue('#f-establishment-name'), 'CH sans module');
  const [xl] = await Promise.all([page.waitForEvent('download'), page.click('#grid')]);
  assert.match(xl.suggestedFilename(), /\.xlsx$/);
  ctx.assertOnlyLocalRequests();
}
