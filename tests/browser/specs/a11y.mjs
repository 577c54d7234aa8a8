// axe-core on the rendered page: fails on serious or critical violations,
// reports the others.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export async function run(ctx) {
  const { assert } = ctx;
  const page = await ctx.newPage();
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  await page.waitForLoadState('networkidle');
  // Injected through the DevTools protocol, so the page's CSP (no inline
  // scripts) does not apply to it.
  await page.evaluate(AXE_SOURCE);
  const all = [];
  async function audit(name) {
    const results = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5),
      }));
    });
    for (const v of results) ctx.log(`${name}: ${v.impact}: ${v.id} (${v.help}) at ${v.nodes.join(', ')}`);
    await ctx.screenshot(page, name);
    all.push(...results.map((v) => ({ page: name, ...v })));
  }
  // Start page, then the form (identification and a volet with indicator cards).
  await audit('audited');
  await page.click('button[data-catalog="na-ako-2024"]');
  await page.waitForSelector('#f-establishment-finess');
  await audit('form-identification');
  await page.click('#tab-1');
  await audit('form-volet');
  const results = all;
  fs.writeFileSync(`${ctx.artifactsDir}/a11y-violations.json`, JSON.stringify(results, null, 2));
  const blocking = results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(blocking, [], 'serious/critical axe-core violations');
}
