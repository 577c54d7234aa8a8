// Inputs supplied by the agency (catalog `provided_by`): na-ako-2024 IR CHO 1 comes
// from the Assurance Maladie (000 « Données AM »). Each of its four inputs says
// « fourni par l'Assurance Maladie » next to its label and in a hint tied to the
// field (aria-describedby), and stays editable: the establishment may type an
// estimate to simulate its score.
export async function run(ctx) {
  const { assert } = ctx;
  const page = await ctx.newPage();
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  await page.click('button[data-catalog="na-ako-2024"]');
  await page.waitForSelector('#f-establishment-finess');
  await page.click('#tab-1');

  const hints = page.locator('#panel-1 p.hint.provided');
  assert.equal(await hints.count(), 4, 'one hint per IR CHO 1 input');
  const label = await page.textContent('label[for="f-ir-cho-1-patients"]');
  assert.match(label, /— fourni par l'Assurance Maladie/);
  const hint = await page.textContent('#f-ir-cho-1-patients-provided');
  assert.match(hint, /^Donnée fournie par l'Assurance Maladie pour l'évaluation officielle ; vous pouvez saisir une estimation/);
  const described = await page.getAttribute('#f-ir-cho-1-patients', 'aria-describedby');
  assert.ok(described.split(' ').includes('f-ir-cho-1-patients-provided'), `aria-describedby: ${described}`);

  // Still an input of the establishment: an estimate is typed and kept.
  assert.ok(await page.isEnabled('#f-ir-cho-1-patients'));
  await page.locator('#f-ir-cho-1-patients').pressSequentially('1350');
  assert.equal(await page.inputValue('#f-ir-cho-1-patients'), '1350');
  // The criteria of the other indicators carry no such mention.
  assert.equal(await page.locator('label:has-text("fourni par l")').count(), 4);
  await ctx.screenshot(page, 'ir-cho-1');
  ctx.assertNoConsoleErrors();
  ctx.assertOnlyLocalRequests();
}
