// Bundle sizes of the production build (minified, and gzipped), and where d3 ended up.
// Targets: every extension host bundle (activation, services, lazy chunks) <= 250 KB minified;
// d3 only in the webview bundle.
// Writes bench/results/bundle-size.json and prints a Markdown table.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
process.chdir(root);

const EXTENSION_HOST_LIMIT = 250 * 1000;
/** Roles of the known bundles; any other dist/*.js is an extension-host bundle too (a lazy chunk) and is checked as one. */
const KNOWN = {
  'dist/extension.js': 'extension host (activation)',
  'dist/services.js': 'extension host (services, loaded after start-up)',
  'dist/tools.js': 'extension host (runner, parsers, import, reports, sharing; loaded on first use)',
  'dist/detect-worker.js': 'extension host (the detector on a worker thread)',
  'dist/cli.js': 'CLI',
};

execFileSync(process.execPath, ['scripts/build.mjs', '--production', '--meta'], { stdio: 'inherit' });

// Which inputs went into each output, from esbuild's metafiles.
const inputsOf = new Map();
for (const name of readdirSync('dist').filter((f) => /^meta-\d+\.json$/.test(f))) {
  const meta = JSON.parse(readFileSync(join('dist', name), 'utf8'));
  for (const [out, info] of Object.entries(meta.outputs ?? {})) inputsOf.set(out, Object.keys(info.inputs ?? {}));
}
const isD3 = (input) => /(^|\/)node_modules\/d3(-[a-z-]+)?\//.test(input);

const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
// Every bundle the build wrote: the extension host's are all of dist/*.js but the CLI.
const BUNDLES = [
  ...readdirSync('dist')
    .filter((f) => f.endsWith('.js'))
    .sort()
    .map((f) => `dist/${f}`)
    .map((file) => ({ file, role: KNOWN[file] ?? 'extension host (lazy chunk)', host: file !== 'dist/cli.js' })),
  ...(existsSync('dist/webview') ? readdirSync('dist/webview').filter((f) => f.endsWith('.js')).map((f) => ({ file: `dist/webview/${f}`, role: 'webview', host: false })) : []),
];
const rows = [];
const found = {};
for (const b of BUNDLES) {
  const bytes = statSync(b.file).size;
  const gzip = gzipSync(readFileSync(b.file), { level: 9 }).length;
  const d3Modules = [...new Set((inputsOf.get(b.file) ?? []).filter(isD3).map((i) => i.replace(/^.*node_modules\/(d3(-[a-z-]+)?)\/.*$/, '$1')))];
  found[b.file] = { bytes, d3Modules };
  rows.push({ bundle: b.file, role: b.role, minified: kb(bytes), gzip: kb(gzip), bytes, gzipBytes: gzip, d3: d3Modules.length ? `${d3Modules.length} d3 modules` : 'none' });
}

const targets = [];
for (const b of BUNDLES.filter((b) => b.host)) {
  const { bytes } = found[b.file];
  targets.push({ what: `extension host bundle ${b.file}, minified`, target: '≤ 250 KB', measured: kb(bytes), met: bytes <= EXTENSION_HOST_LIMIT });
}
if (!found['dist/extension.js']) targets.push({ what: 'extension host bundle dist/extension.js', target: 'built', measured: 'missing', met: false });
const hostD3 = BUNDLES.filter((b) => b.role !== 'webview').flatMap((b) => found[b.file].d3Modules.map((m) => `${b.file}: ${m}`));
targets.push({ what: 'd3 only in the webview bundle', target: 'no d3 module in extension host or CLI bundles', measured: hostD3.length ? hostD3.join(', ') : 'none outside the webview', met: hostD3.length === 0 });

const result = { title: 'Bundle sizes', rows, targets };
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/bundle-size.json', JSON.stringify(result, null, 2) + '\n');

console.log('| Bundle | Role | Minified | Gzip | d3 |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.bundle} | ${r.role} | ${r.minified} | ${r.gzip} | ${r.d3} |`);
console.log('\n| Target | Wanted | Measured | Met |\n|---|---|---|---|');
for (const t of targets) console.log(`| ${t.what} | ${t.target} | ${t.measured} | ${t.met ? 'yes' : 'NO'} |`);
