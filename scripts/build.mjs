// Builds the three bundles: extension host, webview app, CLI.
// Type checking is a separate step (`npm run typecheck`).
import * as esbuild from 'esbuild';
import { mkdirSync, writeFileSync, existsSync, chmodSync, rmSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const meta = process.argv.includes('--meta');

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  metafile: true,
  legalComments: 'none',
};

const builds = [
  {
    ...common,
    // Three extension-host bundles: activation (extension.js), the services it loads after
    // start-up (services.js), and the rarely used tools the services load on first use
    // (tools.js: runner, parsers, import, reports, sharing); and the detector's worker thread
    // (detect-worker.js).
    entryPoints: {
      extension: 'src/extension/extension.ts',
      ...(existsSync('src/extension/services/index.ts') ? { services: 'src/extension/services/index.ts' } : {}),
      ...(existsSync('src/extension/services/tools.ts') ? { tools: 'src/extension/services/tools.ts' } : {}),
      ...(existsSync('src/extension/services/detect-worker.ts') ? { 'detect-worker': 'src/extension/services/detect-worker.ts' } : {}),
    },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    external: ['vscode'],
    // jsonc-parser's UMD entry requires its parts dynamically; its ES module build bundles cleanly.
    mainFields: ['module', 'main'],
  },
  {
    ...common,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    banner: { js: '#!/usr/bin/env node' },
    mainFields: ['module', 'main'],
  },
];
if (existsSync('webview/src/main.ts')) {
  builds.push({
    ...common,
    entryPoints: { trends: 'webview/src/main.ts' },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'css' },
  });
}

// A production build starts clean, so no stale source map or bundle is packaged.
if (production) rmSync('dist', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
if (watch) {
  for (const b of builds) {
    const ctx = await esbuild.context(b);
    await ctx.watch();
  }
  console.log('[perf-pulse] watching for changes');
} else {
  const results = await Promise.all(builds.map((b) => esbuild.build(b)));
  if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
  if (meta) {
    results.forEach((r, i) => writeFileSync(`dist/meta-${i}.json`, JSON.stringify(r.metafile)));
  }
}
