// Builds the field app's service worker (dist/field/sw.js) after `vite build`: the list of what
// it keeps (the field entry's page, its hashed scripts and styles with every chunk they import,
// the icons and the manifest) read from Vite's manifest, and a version made of those files'
// bytes, so a new build is a new worker (and a new cache). A classic script (IIFE): every
// browser that runs service workers runs it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const web = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(web, 'dist');
const manifest = JSON.parse(fs.readFileSync(path.join(dist, '.vite', 'manifest.json'), 'utf8'));
const ENTRY = 'field/index.html';
const STATIC = [
  '/field/index.html',
  '/field/manifest.webmanifest',
  '/field/icon-192.png',
  '/field/icon-512.png',
];

if (!manifest[ENTRY]) {
  console.error(`field-sw: ${ENTRY} is not in the build (vite.config.ts input)`);
  process.exit(1);
}

/** Every file the field entry loads, now or on demand. */
function files(key, out = new Set(), seen = new Set()) {
  const entry = manifest[key];
  if (!entry || seen.has(key)) return out;
  seen.add(key);
  if (!entry.file.endsWith('.html')) out.add(`/${entry.file}`);
  for (const css of entry.css ?? []) out.add(`/${css}`);
  for (const asset of entry.assets ?? []) out.add(`/${asset}`);
  for (const dep of [...(entry.imports ?? []), ...(entry.dynamicImports ?? [])]) {
    files(dep, out, seen);
  }
  return out;
}

const precache = [...STATIC, ...files(ENTRY)];
const hash = crypto.createHash('sha256');
let bytes = 0;
for (const url of precache) {
  const file = path.join(dist, url);
  if (!fs.existsSync(file)) {
    console.error(`field-sw: ${url} is missing from dist/`);
    process.exit(1);
  }
  const data = fs.readFileSync(file);
  bytes += data.length;
  hash.update(url).update(data);
}
const version = hash.digest('hex').slice(0, 16);

await build({
  configFile: false,
  root: web,
  logLevel: 'warn',
  define: {
    __FIELD_PRECACHE__: JSON.stringify(precache),
    __FIELD_VERSION__: JSON.stringify(version),
  },
  build: {
    outDir: path.join(dist, 'field'),
    emptyOutDir: false,
    copyPublicDir: false,
    target: 'es2020',
    minify: true,
    sourcemap: false,
    lib: {
      entry: path.join(web, 'src', 'field', 'sw.ts'),
      formats: ['iife'],
      name: 'sipmasFieldWorker',
      fileName: () => 'sw.js',
    },
  },
});
console.log(
  `field service worker: dist/field/sw.js, version ${version}, ` +
    `${precache.length} files kept (${(bytes / 1024).toFixed(1)} KB)`,
);
