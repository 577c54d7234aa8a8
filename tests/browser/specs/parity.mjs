// Native/wasm parity: `cargo test -p caqes-web --test parity` scores 10,010
// random answer sets natively (deterministic seed) into a JSON file; the same
// calls through the wasm build (window.caqesScore = score_json) must give
// byte-identical evaluation JSON: compared whole for the cases that keep it,
// by SHA-256 (crypto.subtle) for the others. CAQES_PARITY_FILE=... skips cargo.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export async function run(ctx) {
  const { assert } = ctx;
  let file = process.env.CAQES_PARITY_FILE;
  if (!file) {
    const target = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target');
    file = path.join(target, 'caqes-parity.json');
    const r = spawnSync('cargo', ['test', '-q', '-p', 'caqes-web', '--test', 'parity'],
      { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CAQES_PARITY_FILE: file } });
    assert.equal(r.status, 0, 'native parity generator failed');
  }
  const cases = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.ok(cases.length >= 10000, `only ${cases.length} cases`);
  const page = await ctx.newPage();
  await page.goto(ctx.baseUrl);
  await ctx.waitForApp(page);
  const t0 = Date.now();
  const result = await page.evaluate(async (cases) => {
    const hex = async (text) => [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))]
      .map((b) => b.toString(16).padStart(2, '0')).join('');
    const bad = [];
    let hashed = 0;
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      const got = window.caqesScore(c.catalog, c.answers);
      if (c.expected === undefined) {
        hashed++;
        if (await hex(got) !== c.sha256) bad.push({ i, catalog: c.catalog, sha256: c.sha256, got: got.slice(0, 300) });
      } else if (got !== c.expected) {
        let k = 0;
        while (k < got.length && got[k] === c.expected[k]) k++;
        bad.push({ i, at: k, got: got.slice(Math.max(0, k - 80), k + 120), expected: c.expected.slice(Math.max(0, k - 80), k + 120) });
      }
    }
    return { bad: bad.slice(0, 5), count: bad.length, hashed };
  }, cases);
  ctx.log(`${cases.length} answer sets scored in wasm in ${Date.now() - t0} ms (${result.hashed} compared by SHA-256); ${result.count} mismatches`);
  assert.ok(result.hashed > 0 && result.hashed < cases.length, 'both comparisons ran');
  assert.equal(result.count, 0, `wasm differs from native: ${JSON.stringify(result.bad, null, 1)}`);
  ctx.assertNoConsoleErrors();
}
