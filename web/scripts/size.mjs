// Gzip sizes of the first load and of the map chunk, from dist/ and Vite's manifest (npm run build first).
// Exits 1 when a budget of spec/frontend.md is exceeded: first load <= 300 KB, map view <= 200 KB.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const DIST = new URL('../dist/', import.meta.url).pathname;
const MAP_SOURCE = 'src/map/maps.tsx';
const BUDGETS = { first: 300 * 1024, map: 200 * 1024 };

const manifest = JSON.parse(readFileSync(join(DIST, '.vite/manifest.json'), 'utf8'));
const gzip = (file) => gzipSync(readFileSync(join(DIST, file)), { level: 9 }).length;

/** Every file a chunk needs: itself, its CSS and its static imports; with `dynamic`, its lazy imports too. */
function closure(keys, { dynamic = false, skip = new Set() } = {}) {
  const files = new Set();
  const seen = new Set();
  const visit = (key) => {
    if (seen.has(key) || skip.has(key)) return;
    seen.add(key);
    const chunk = manifest[key];
    files.add(chunk.file);
    (chunk.css ?? []).forEach((css) => files.add(css));
    (chunk.imports ?? []).forEach(visit);
    if (dynamic) (chunk.dynamicImports ?? []).forEach(visit);
  };
  keys.forEach(visit);
  return files;
}

const entries = Object.keys(manifest).filter((key) => manifest[key].isEntry);
const signInPage = new Set(['index.html', ...closure(entries)]);
// Everything a signed-in session downloads before it shows a map: the sign-in page, Amplify, the screens.
const firstLoad = new Set(['index.html', ...closure(entries, { dynamic: true, skip: new Set([MAP_SOURCE]) })]);
const mapChunk = [...closure([MAP_SOURCE])].filter((file) => !firstLoad.has(file));

const total = (files) => [...files].reduce((sum, file) => sum + gzip(file), 0);
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const sizes = { signIn: total(signInPage), first: total(firstLoad), map: total(mapChunk) };
const raw = [...firstLoad, ...mapChunk].reduce((sum, file) => sum + statSync(join(DIST, file)).size, 0);

console.log(`sign-in page (HTML, JS, CSS)          ${kb(sizes.signIn)} gzip`);
console.log(`first load (sign-in + Amplify + app)  ${kb(sizes.first)} gzip (budget ${kb(BUDGETS.first)})`);
console.log(`map chunk (d3-geo + maps)             ${kb(sizes.map)} gzip (budget ${kb(BUDGETS.map)})`);
console.log(`all of it uncompressed                ${kb(raw)}`);

const over = [
  sizes.first > BUDGETS.first && `the first load is ${kb(sizes.first)}, over ${kb(BUDGETS.first)}`,
  sizes.map > BUDGETS.map && `the map chunk is ${kb(sizes.map)}, over ${kb(BUDGETS.map)}`,
].filter(Boolean);
if (over.length) {
  console.error(`Over budget: ${over.join('; ')}.`);
  process.exit(1);
}
