// What the form does after its first render (imported by loader.js once the
// wasm has started; not part of the first load): the « Nouvelle version
// disponible » banner, and the campaigns published at run time.
// scripts/build-web fills in __BUNDLED__: { file name: SHA-256 } of the
// catalog files built into the form (indicators/*.toml).
const BUNDLED = __BUNDLED__;

// Puts a message box before the app's <main> (the app renders into <body>,
// so index.html cannot hold it): id, French text, detail lines, buttons.
function banner(id, text, lines, buttons) {
  document.getElementById(id)?.remove();
  const box = document.createElement('div');
  box.id = id;
  box.className = 'notice banner no-print';
  box.setAttribute('role', 'status');
  const p = document.createElement('p');
  p.textContent = text;
  box.append(p);
  if (lines.length) {
    const ul = document.createElement('ul');
    for (const l of lines) {
      const li = document.createElement('li');
      li.textContent = l;
      ul.append(li);
    }
    box.append(ul);
  }
  for (const [label, onclick, cls] of buttons) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    if (cls) b.className = cls;
    b.onclick = () => onclick(b);
    box.append(b);
  }
  document.body.prepend(box);
  return box;
}

const close = ['Fermer ce message', (b) => b.parentElement.remove(), 'secondary'];

// A new deployment installs a new worker that waits (sw.js): say so, and
// reload only when the user clicks. Drafts (localStorage) are untouched.
function offerUpdate(worker) {
  if (!navigator.serviceWorker.controller || document.getElementById('update')) return;
  banner('update', 'Nouvelle version disponible. Vos brouillons sont conservés.', [], [
    ['Recharger maintenant', (b) => {
      b.disabled = true;
      navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
      worker.postMessage('skip-waiting');
    }],
  ]).querySelector('button').id = 'update-reload';
}

function watchUpdates(reg) {
  if (!reg) return;
  if (reg.waiting) offerUpdate(reg.waiting);
  reg.addEventListener('updatefound', () => {
    const w = reg.installing;
    if (w) w.addEventListener('statechange', () => { if (w.state === 'installed') offerUpdate(w); });
  });
  // A form left open for days still learns of a new deployment.
  setInterval(() => reg.update().catch(() => {}), 3600 * 1000);
}

async function sha256(text) {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function get(url) {
  try {
    const r = await fetch(url, { cache: 'no-cache' });
    return r.ok ? await r.text() : null;
  } catch {
    return null;
  }
}

// Campaigns published at run time: referentiels/index.json lists the TOML
// files ({"referentiels": ["na-ako.toml", …]}) an agency copies next to the
// form, no rebuild. A file whose text the form does not use yet (neither the
// built-in copy nor the one stored earlier) is checked by the grid module
// (the engine's loader); a valid one is stored like a catalog opened by hand
// and the form takes it (window.caqesCatalogsChanged). For the campaigns
// with a draft, the drafts are kept as they are and the page lists what
// changed. Names are plain file names: text of the index never becomes a path.
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.toml$/;
async function published(loadGrid) {
  if (navigator.onLine === false) return; // the files kept for offline use are already in use
  const index = await get('./referentiels/index.json');
  if (index === null) return; // offline, or no referentiels/ on this server
  let names;
  try { names = JSON.parse(index).referentiels; } catch { names = null; }
  if (!Array.isArray(names)) names = [];
  const problems = [], lines = [];
  let taken = false;
  for (const name of names.filter((n) => typeof n === 'string' && NAME.test(n))) {
    const text = await get('./referentiels/' + name);
    if (text === null) { problems.push(`« ${name} » : cité par referentiels/index.json mais introuvable`); continue; }
    const key = 'caqes-catalog:' + name;
    const stored = localStorage.getItem(key);
    if (text === stored || (stored === null && BUNDLED[name] === await sha256(text))) continue;
    // The version the form used: stored, else the built-in copy (sw.js
    // answers '?bundled' from this build's cache).
    const old = stored ?? (BUNDLED[name] ? await get('./referentiels/' + name + '?bundled') : null) ?? '';
    let changes;
    try {
      changes = (await loadGrid()).published_changes_lines(name, old, text);
    } catch (e) {
      problems.push(`« ${name} » non chargé : ${typeof e === 'string' ? e : 'module de vérification indisponible'}`);
      continue;
    }
    try { localStorage.setItem(key, text); } catch { problems.push(`« ${name} » : le navigateur refuse de l'enregistrer`); continue; }
    taken = true;
    const drafts = new Set(Object.keys(localStorage).filter((k) => k.startsWith('caqes-draft:')).map((k) => k.split(':')[1]));
    for (const l of changes.split('\n').filter(Boolean)) {
      const [id, change] = l.split('\t');
      if (drafts.has(id)) lines.push(`${id} — ${change}`);
    }
  }
  if (taken && window.caqesCatalogsChanged) window.caqesCatalogsChanged();
  if (lines.length) {
    banner('published', "Nouvelle version d'un référentiel publiée par l'agence. Vos brouillons sont conservés tels quels ; le score est recalculé avec cette version. Changements :", lines, [close]);
  }
  if (problems.length) {
    banner('published-errors', "Des référentiels publiés n'ont pas été chargés (les versions précédentes restent utilisées) :", problems, [close]);
  }
}

export function start(registration, loadGrid) {
  registration.then(watchUpdates);
  // Settles once the published campaigns are checked (tests wait for it
  // before cutting the network: its requests would reach a server gone down).
  window.caqesPublished = published(loadGrid).catch((e) => console.warn('CAQES: référentiels publiés', e));
}
