// Simplifies the Kutim boundaries for the dashboard map (npm run geo).
// Input: the desa layer of cahyadsn/wilayah_boundaries as prepared in the shared reference
// folder (GEO_SRC, default ../../shared/reference/geo). Output: public/geo/desa.json and
// public/geo/kecamatan.json. Kecamatan are dissolved from the simplified desa, so both layers
// share their borders exactly. What each step does and why: public/geo/SOURCE.md.
//
// mapshaper (~250 MB installed) is not a dependency: only this script needs it, and only when the
// boundaries change. Bring it for the run: `npm install --no-save mapshaper@0.7.70 && npm run geo`
// (the same commands one by one from the shell: `npx mapshaper@0.7.70 -i ... -o ...`).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let mapshaper;
try {
  mapshaper = (await import('mapshaper')).default;
} catch {
  console.error('geo: mapshaper is not installed: npm install --no-save mapshaper@0.7.70');
  process.exit(2);
}

const web = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const src = path.resolve(process.env.GEO_SRC ?? path.join(web, '../../shared/reference/geo'));
const input = path.join(src, 'kutim_desa.geojson');
const out = path.join(web, 'public/geo');

if (!fs.existsSync(input)) {
  console.error(`geo: ${input} not found (set GEO_SRC to the folder holding kutim_desa.geojson)`);
  process.exit(2);
}

const commands = [
  `-i "${input}" snap`, // join vertices a hair apart, so neighbours share their border
  '-filter-islands min-area=0.2km2', // drop islets too small to see or click at district scale
  '-explode', // every island its own part, so keep-shapes keeps it through simplification
  '-simplify 7% keep-shapes planar', // Visvalingam, on the shared topology: borders stay shared
  '-dissolve kode copy-fields=nama,kode_kec,nama_kec,jenis', // parts back into one desa each
  '-clean gap-fill-area=0.05km2', // repair crossings left by simplification, fill tiny gaps
  '-filter-fields kode,nama,kode_kec,nama_kec,jenis',
  `-o "${path.join(out, 'desa.json')}" precision=0.0001 format=geojson`,
  '-dissolve kode_kec copy-fields=nama_kec + name=kecamatan',
  `-each "kode=kode_kec; nama=nama_kec; delete kode_kec; delete nama_kec" target=kecamatan`,
  `-o "${path.join(out, 'kecamatan.json')}" precision=0.0001 format=geojson target=kecamatan`,
];

await mapshaper.runCommands(commands.join(' '));
for (const name of ['desa.json', 'kecamatan.json']) {
  const file = path.join(out, name);
  const features = JSON.parse(fs.readFileSync(file, 'utf8')).features.length;
  console.log(`${name}: ${features} features, ${fs.statSync(file).size} bytes`);
}
