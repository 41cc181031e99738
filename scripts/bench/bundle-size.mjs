// Bundle sizes of the production build (minified, and gzipped), and where d3 ended up.
// Targets: extension host bundle <= 250 KB minified; d3 only in the webview bundle.
// Writes bench/results/bundle-size.json and prints a Markdown table.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
process.chdir(root);

const EXTENSION_HOST_LIMIT = 250 * 1000;
const BUNDLES = [
  { file: 'dist/extension.js', role: 'extension host', host: true },
  { file: 'dist/services.js', role: 'extension host (lazy services)', host: true },
  { file: 'dist/cli.js', role: 'CLI', host: false },
  { file: 'dist/webview/trends.js', role: 'webview', host: false },
];

execFileSync(process.execPath, ['scripts/build.mjs', '--production', '--meta'], { stdio: 'inherit' });

// Which inputs went into each output, from esbuild's metafiles.
const inputsOf = new Map();
for (const name of readdirSync('dist').filter((f) => /^meta-\d+\.json$/.test(f))) {
  const meta = JSON.parse(readFileSync(join('dist', name), 'utf8'));
  for (const [out, info] of Object.entries(meta.outputs ?? {})) inputsOf.set(out, Object.keys(info.inputs ?? {}));
}
const isD3 = (input) => /(^|\/)node_modules\/d3(-[a-z-]+)?\//.test(input);

const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
const rows = [];
const found = {};
for (const b of BUNDLES) {
  if (!existsSync(b.file)) continue;
  const bytes = statSync(b.file).size;
  const gzip = gzipSync(readFileSync(b.file), { level: 9 }).length;
  const d3Modules = [...new Set((inputsOf.get(b.file) ?? []).filter(isD3).map((i) => i.replace(/^.*node_modules\/(d3(-[a-z-]+)?)\/.*$/, '$1')))];
  found[b.file] = { bytes, d3Modules };
  rows.push({ bundle: b.file, role: b.role, minified: kb(bytes), gzip: kb(gzip), bytes, gzipBytes: gzip, d3: d3Modules.length ? `${d3Modules.length} d3 modules` : 'none' });
}

const targets = [];
const ext = found['dist/extension.js'];
if (ext) targets.push({ what: 'extension host bundle (dist/extension.js), minified', target: '≤ 250 KB', measured: kb(ext.bytes), met: ext.bytes <= EXTENSION_HOST_LIMIT });
const hostD3 = BUNDLES.filter((b) => b.file !== 'dist/webview/trends.js' && found[b.file]).flatMap((b) => found[b.file].d3Modules.map((m) => `${b.file}: ${m}`));
targets.push({ what: 'd3 only in the webview bundle', target: 'no d3 module in extension host or CLI bundles', measured: hostD3.length ? hostD3.join(', ') : 'none outside the webview', met: hostD3.length === 0 });

const result = { title: 'Bundle sizes', rows, targets };
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/bundle-size.json', JSON.stringify(result, null, 2) + '\n');

console.log('| Bundle | Role | Minified | Gzip | d3 |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.bundle} | ${r.role} | ${r.minified} | ${r.gzip} | ${r.d3} |`);
console.log('\n| Target | Wanted | Measured | Met |\n|---|---|---|---|');
for (const t of targets) console.log(`| ${t.what} | ${t.target} | ${t.measured} | ${t.met ? 'yes' : 'NO'} |`);
