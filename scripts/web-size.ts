// `npm run build`, last step: the dashboard's size report. Writes NAME.gz beside each asset in
// dist/web/assets (the server sends it to browsers that accept gzip) and prints the initial
// JavaScript (the scripts index.html loads, and what they preload) gzipped, against the budget
// of docs/decisions/0040: over 150 KB, the build fails. `--json` prints the figures as JSON.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const budgetBytes = 150 * 1024;
const root = path.join('dist', 'web');
const assets = path.join(root, 'assets');

const sizes = new Map<string, { raw: number; gzip: number }>();
for (const name of fs.readdirSync(assets)) {
  if (name.endsWith('.gz')) continue;
  const data = fs.readFileSync(path.join(assets, name));
  const gz = gzipSync(data, { level: 9 });
  fs.writeFileSync(path.join(assets, `${name}.gz`), gz);
  sizes.set(name, { raw: data.length, gzip: gz.length });
}

const html = fs.readFileSync(path.join(root, 'index.html'), 'utf8');
const initial = [...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*rel="modulepreload"[^>]*\bhref)="\/assets\/([^"]+\.js)"/g)].map((m) => m[1]!);
if (initial.length === 0) throw new Error('dist/web/index.html loads no script from /assets/: the Vite build did not run as expected');
const total = initial.reduce((n, f) => n + (sizes.get(f)?.gzip ?? 0), 0);
const all = [...sizes.values()].reduce((n, s) => n + s.gzip, 0);
const figures = { initialJsGzipBytes: total, initialJsFiles: initial, allAssetsGzipBytes: all, budgetBytes };
if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
else console.log(`dashboard: initial JavaScript ${(total / 1024).toFixed(1)} KB gzipped (${initial.length} file(s); budget ${budgetBytes / 1024} KB); all assets ${(all / 1024).toFixed(1)} KB gzipped`);
if (total > budgetBytes) {
  console.error(`the dashboard's initial JavaScript is ${(total / 1024).toFixed(1)} KB gzipped, over the budget of ${budgetBytes / 1024} KB (docs/decisions/0040)`);
  process.exit(1);
}
