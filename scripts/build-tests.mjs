// Bundles the integration suite that runs inside VS Code into out/test/integration/:
// index.js (the extensionTestsPath entry) and one suite/**/*.test.js per test file.
// `vscode` is supplied by the extension host; mocha stays external and loads from the
// project's node_modules, which the extension host reaches because out/ lies inside the repo.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const srcRoot = 'test/integration';
const outRoot = 'out/test/integration';

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return testFiles(full);
    return e.name.endsWith('.test.ts') ? [full] : [];
  });
}

const suites = testFiles(join(srcRoot, 'suite'));
if (suites.length === 0) {
  console.error(`build-tests: no *.test.ts files under ${join(srcRoot, 'suite')}`);
  process.exit(1);
}

// Stale bundles of deleted tests would still run: start clean.
rmSync(outRoot, { recursive: true, force: true });

await esbuild.build({
  entryPoints: [join(srcRoot, 'index.ts'), ...suites],
  outbase: srcRoot,
  outdir: outRoot,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  sourcemap: 'inline',
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});
console.log(`build-tests: bundled ${suites.length} integration test file(s) into ${outRoot}: ${suites.map((s) => relative(srcRoot, s)).join(', ')}`);
