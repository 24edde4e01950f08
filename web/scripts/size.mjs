// Prints what each role downloads for its first screen (JS + CSS, gzipped), and the lazy
// chunks (map, charts). Reads Vite's manifest; run after `vite build` (npm run build does).
// Fails when a first screen passes the budget.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const BUDGET_KB = 200;
const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const manifest = JSON.parse(fs.readFileSync(path.join(dist, '.vite', 'manifest.json'), 'utf8'));

/** Every file a manifest entry loads before it runs: itself, its static imports, their CSS. */
function files(key, seen = new Set()) {
  const entry = manifest[key];
  if (!entry || seen.has(key)) return seen;
  seen.add(key);
  for (const dep of entry.imports ?? []) files(dep, seen);
  return seen;
}
function assets(keys) {
  const out = new Set();
  for (const key of keys) {
    for (const k of files(key)) {
      out.add(manifest[k].file);
      for (const css of manifest[k].css ?? []) out.add(css);
    }
  }
  return [...out];
}
const gz = (file) => zlib.gzipSync(fs.readFileSync(path.join(dist, file)), { level: 9 }).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const total = (list) => list.reduce((sum, f) => sum + gz(f), 0);

// role → its landing screen's module (src/roles.ts LANDING, src/routes.tsx)
const SCREENS = {
  'signed out (sign-in)': [],
  'admin, viewer (/dashboard, with charts)': [
    'src/screens/dashboard/index.ts',
    'src/charts/index.ts',
  ],
  'supervisor (/approvals)': ['src/screens/supervisor/index.ts'],
  'operator (/households)': ['src/screens/households/index.ts'],
  'verifier (/tasks)': ['src/screens/verifier/index.ts'],
  'opd (/referrals)': ['src/screens/referrals/index.ts'],
};

let over = false;
console.log('\nFirst screen per role (JS + CSS, gzip -9):');
for (const [role, modules] of Object.entries(SCREENS)) {
  const list = assets(['index.html', ...modules]);
  const size = total(list);
  over ||= size > BUDGET_KB * 1024;
  console.log(`  ${role.padEnd(42)} ${kb(size).padStart(9)}  (${list.length} files)`);
}
const main = new Set(assets(['index.html']));
for (const [name, key] of [
  ['map chunk (Leaflet + CSS, on demand)', 'src/map/MapView.tsx'],
  ['charts chunk (on demand)', 'src/charts/index.ts'],
]) {
  const own = assets([key]).filter((f) => !main.has(f));
  console.log(`  ${name.padEnd(42)} ${kb(total(own)).padStart(9)}`);
}
const geo = ['geo/kecamatan.json', 'geo/desa.json'].filter((f) =>
  fs.existsSync(path.join(dist, f)),
);
for (const f of geo) {
  const raw = fs.statSync(path.join(dist, f)).size;
  console.log(`  ${f.padEnd(42)} ${kb(gz(f)).padStart(9)}  (raw ${kb(raw)})`);
}
if (over) {
  console.error(`\nA first screen is over the ${BUDGET_KB} KB budget.`);
  process.exit(1);
}
