// Browser tests of the CAQES web build, in Debian's headless Chromium via playwright-core.
//
//   scripts/build-web --release && node tests/browser/run.mjs [SPEC...]
//
// Serves dist/ in-process on a free 127.0.0.1 port, then runs every
// tests/browser/specs/*.mjs (or only the named ones). Each spec exports
// `async function run(ctx)`, gets a fresh Chromium profile, and fails by throwing.
// Prints one PASS/FAIL line per spec and a closing "N passed, N failed" line;
// exits non-zero on any failure. Screenshots go to artifacts/browser/.
//
// ctx (see makeCtx below):
//   context         the Playwright BrowserContext (persistent, fresh user-data-dir)
//   baseUrl         'http://127.0.0.1:PORT/'
//   artifactsDir    absolute path of artifacts/browser
//   assert          node:assert/strict
//   newPage()       page with console-error / page-error / request watchers
//   waitForApp(p)   waits for the Yew app to render <main id="app"> with its <h1>
//   settled(p)      waits until the service worker controls the page and later.js has checked the
//                   published campaigns (window.caqesPublished): call it before cutting the network,
//                   or its requests may reach the server gone down (the service worker's fetches
//                   outlive a reload; Chromium retries them on a dropped connection)
//   screenshot(p, name)           artifacts/browser/<spec>-<name>.png
//   assertNoConsoleErrors()       no console.error, no uncaught exception, no CSP report
//   assertOnlyLocalRequests()     every request went to 127.0.0.1 (or data:/blob:)
//   restart()       closes Chromium and reopens it on the same profile (close/reopen tests)
//   server          { requests: [{method, path, status}], down: bool, prefix, root } - set
//                   down=true to make the server drop every request (real "server gone" offline);
//                   prefix='/un/sous/chemin' serves the build only under that path (404 elsewhere);
//                   root=DIR serves another directory (a "new deployment"); both reset per spec
//   dist            absolute path of the build served by default
//   build           dist/build.json: { build, assets }
//   log(...)        prints indented under the spec's line

import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const DIST = path.resolve(process.env.CAQES_DIST || path.join(ROOT, 'dist'));
const ARTIFACTS = path.join(ROOT, 'artifacts', 'browser');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SPEC_TIMEOUT_MS = Number(process.env.CAQES_SPEC_TIMEOUT_MS || 90_000);
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-quic', '--no-first-run', '--disable-sync',
  // Belt and braces: no host but loopback can even be resolved.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json',
  '.webmanifest': 'application/manifest+json', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.ico': 'image/x-icon',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

function startServer(root) {
  const state = { requests: [], down: false, prefix: '', root };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const entry = { method: req.method, path: url.pathname, status: 0 };
    state.requests.push(entry);
    if (state.down) { entry.status = -1; req.socket.destroy(); return; }
    let rel = decodeURIComponent(url.pathname);
    const inPrefix = rel.startsWith(state.prefix + '/');
    rel = rel.slice(state.prefix.length);
    if (rel.endsWith('/')) rel += 'index.html';
    const base = state.root;
    const file = path.join(base, path.normalize(rel));
    if (!inPrefix || !file.startsWith(base + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      entry.status = 404; res.writeHead(404, { 'content-type': 'text/plain' }); res.end('not found'); return;
    }
    entry.status = 200;
    res.writeHead(200, {
      'content-type': MIME[path.extname(file)] || 'application/octet-stream',
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end(); else fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, state, port: server.address().port }));
  });
}

async function launch(userDataDir) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    locale: 'fr-FR',
    viewport: { width: 1280, height: 900 },
  });
}

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`${what}: timed out after ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(t));
}

async function makeCtx(specName, srv, userDataDir) {
  const baseUrl = `http://127.0.0.1:${srv.port}/`;
  const consoleErrors = [];
  const requests = [];
  const watched = new WeakSet();
  const ctx = {
    baseUrl, artifactsDir: ARTIFACTS, assert, server: srv.state, dist: DIST,
    build: JSON.parse(fs.readFileSync(path.join(DIST, 'build.json'), 'utf8')),
    context: null,
    log: (...a) => console.log('     ', ...a),
    watch(page) {
      if (watched.has(page)) return page;
      watched.add(page);
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(`console.error: ${m.text()}`);
      });
      page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
      return page;
    },
    async newPage() {
      return ctx.watch(await ctx.context.newPage());
    },
    async waitForApp(page, timeout = 20_000) {
      await page.locator('main#app h1').first().waitFor({ state: 'visible', timeout });
    },
    async settled(page, timeout = 20_000) {
      await page.evaluate(async () => {
        await navigator.serviceWorker.ready;
        if (!navigator.serviceWorker.controller) {
          await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
        }
      });
      await page.waitForFunction(() => window.caqesPublished !== undefined, null, { timeout });
      await page.evaluate(() => window.caqesPublished);
    },
    async screenshot(page, name) {
      const file = path.join(ARTIFACTS, `${specName}-${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    assertNoConsoleErrors() {
      assert.deepEqual(consoleErrors, [], 'console errors / uncaught exceptions');
    },
    assertOnlyLocalRequests() {
      const bad = requests.filter((u) => {
        if (u.startsWith('data:') || u.startsWith('blob:')) return false;
        try { return new URL(u).hostname !== '127.0.0.1'; } catch { return true; }
      });
      assert.deepEqual(bad, [], 'requests to hosts other than 127.0.0.1');
      assert.ok(requests.length > 0, 'no request observed at all');
    },
    consoleErrors, requests,
    async restart() {
      await ctx.context.close();
      await open();
    },
  };
  async function open() {
    ctx.context = await launch(userDataDir);
    ctx.context.on('request', (r) => requests.push(r.url()));
    ctx.context.on('page', (p) => ctx.watch(p));
    for (const p of ctx.context.pages()) ctx.watch(p);
  }
  await open();
  return ctx;
}

async function main() {
  if (!fs.existsSync(path.join(DIST, 'index.html')) || !fs.existsSync(path.join(DIST, 'build.json'))) {
    console.error(`no build in ${DIST}: run scripts/build-web --release first`);
    process.exit(2);
  }
  if (!fs.existsSync(CHROMIUM)) {
    console.error(`${CHROMIUM} missing: run scripts/setup-web`);
    process.exit(2);
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const specDir = path.join(HERE, 'specs');
  const wanted = process.argv.slice(2).map((s) => path.basename(s).replace(/\.mjs$/, ''));
  const specs = fs.readdirSync(specDir).filter((f) => f.endsWith('.mjs')).sort()
    .map((f) => f.replace(/\.mjs$/, ''))
    .filter((n) => wanted.length === 0 || wanted.includes(n));
  if (specs.length === 0) { console.error('no spec selected'); process.exit(2); }

  const srv = await startServer(DIST);
  console.log(`serving ${path.relative(ROOT, DIST) || DIST} on http://127.0.0.1:${srv.port}/ ; ${specs.length} spec(s); ${CHROMIUM}`);
  let passed = 0, failed = 0;
  for (const name of specs) {
    srv.state.requests.length = 0;
    srv.state.down = false;
    srv.state.prefix = '';
    srv.state.root = DIST;
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), `caqes-chromium-${name}-`));
    const t0 = Date.now();
    let ctx;
    try {
      const mod = await import(pathToFileURL(path.join(specDir, `${name}.mjs`)).href);
      if (typeof mod.run !== 'function') throw new Error('spec does not export async function run(ctx)');
      ctx = await makeCtx(name, srv, userDataDir);
      await withTimeout(mod.run(ctx), SPEC_TIMEOUT_MS, name);
      passed++;
      console.log(`PASS ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s): ${e && e.stack || e}`);
      if (ctx && ctx.context) {
        let i = 0;
        for (const p of ctx.context.pages()) {
          await p.screenshot({ path: path.join(ARTIFACTS, `${name}-FAILED-${i++}.png`), fullPage: true }).catch(() => {});
        }
      }
    } finally {
      if (ctx && ctx.context) await ctx.context.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    }
  }
  srv.server.close();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(1); });
