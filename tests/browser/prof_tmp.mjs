import { chromium } from 'playwright-core';
import fs from 'node:fs'; import http from 'node:http'; import os from 'node:os'; import path from 'node:path';
const dist = process.env.DIST;
const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json' };
const server = http.createServer((req, res) => {
  let p = decodeURIComponent(new URL(req.url, 'http://x').pathname); if (p.endsWith('/')) p += 'index.html';
  const f = path.join(dist, p);
  if (!fs.existsSync(f)) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': MIME[path.extname(f)] || 'application/octet-stream' }); fs.createReadStream(f).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caqes-prof-'));
const ctx = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', headless: true, args: ['--headless','--no-sandbox','--disable-gpu'], viewport: { width: 1366, height: 768 } });
const page = await ctx.newPage();
await page.goto(url);
await page.click('button[data-catalog="occitanie-vo-2019"]');
await page.fill('#f-establishment-finess', '330781196');
await page.selectOption('#f-establishment-legal_status', 'public');
await page.check('#f-establishment-categories-mco');
const cdp = await ctx.newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
const tabs = await page.locator('nav.tabs button').count();
await page.click(`#tab-1`);
const inputs = page.locator(`#panel-1 input.grid-input:not([disabled])`);
const n = await inputs.count();
for (let i = 0; i < n; i++) await inputs.nth(i).pressSequentially('7');
await cdp.send('Profiler.start');
for (let rep = 0; rep < 6; rep++)
  for (let i = 0; i < n; i++) { await inputs.nth(i).press('Backspace'); await inputs.nth(i).pressSequentially(String(rep + 1)); }
const { profile } = await cdp.send('Profiler.stop');
const byId = new Map(profile.nodes.map(n => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas; const total = dt.reduce((a,b)=>a+b,0);
const counts = new Map();
profile.samples.forEach((s, i) => { counts.set(s, (counts.get(s)||0) + (dt[i]||0)); });
// inclusive: walk parents
const parent = new Map(); for (const n of profile.nodes) for (const c of (n.children||[])) parent.set(c, n.id);
const incl = new Map();
for (const [id, t] of counts) {
  const n = byId.get(id); const name = n.callFrame.functionName || n.callFrame.url.split('/').pop() || '(anon)';
  self.set(name, (self.get(name)||0) + t);
  const seen = new Set(); let cur = id;
  while (cur !== undefined) { const nn = byId.get(cur); const nm = nn.callFrame.functionName || '(anon)'; if (!seen.has(nm)) { seen.add(nm); incl.set(nm, (incl.get(nm)||0)+t); } cur = parent.get(cur); }
}
const top = (m, k) => [...m].sort((a,b)=>b[1]-a[1]).slice(0,k).map(([n,t]) => `${(t/1000).toFixed(1).padStart(8)} ms  ${n.slice(0,110)}`).join('\n');
const under = (anc) => { const m = new Map(); for (const [id, t] of counts) { let cur = id, hit = false; const chain = []; while (cur !== undefined) { const nm = byId.get(cur).callFrame.functionName; chain.push(nm); if (nm.includes(anc)) { hit = true; break; } cur = parent.get(cur); } if (!hit) continue; const leaf = chain.length > 1 ? chain[chain.length - 2] : chain[0]; const nm0 = chain[0]; m.set(nm0, (m.get(nm0)||0)+t); } return m; };
const under2 = (anc) => { const m = new Map(); for (const [id, t] of counts) { let cur = id; const chain = []; let hit=false; while (cur !== undefined) { const nm = byId.get(cur).callFrame.functionName; if (nm.includes(anc)) { hit = true; break; } chain.push(nm); cur = parent.get(cur); } if (!hit) continue; const child = chain.length ? chain[chain.length-1] : '(self)'; m.set(child, (m.get(child)||0)+t); } return m; };
for (const a of (process.env.UNDER||'').split(',').filter(Boolean)) { console.log('=== self under', a); console.log(top(under(a), 25)); console.log('=== direct children of', a); console.log(top(under2(a), 15)); }
console.log('total', (total/1000).toFixed(0), 'ms');
console.log('--- self'); console.log(top(self, 45));
console.log('--- inclusive'); console.log(top(incl, 60));
await ctx.close(); server.close();
