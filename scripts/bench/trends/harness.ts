/**
 * A standalone page that hosts the trends webview bundle the way VS Code does (same
 * CSP, a fake `acquireVsCodeApi`, theme variables, body theme class), served over
 * loopback HTTP so the CSP's source list works. The page records every message the
 * webview posts, with `performance.now()`, for the benchmark to read.
 */
import * as esbuild from 'esbuild';
import { createServer, type Server } from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { contentSecurityPolicy } from '../../../src/extension/trends/html';
import { themeCss, type HarnessTheme } from './themes';

export interface HarnessFiles {
  script: string;
  style: string;
}

export interface Harness {
  url(theme: HarnessTheme): string;
  /** Replaces the JSON the page offers as `window.__trendsData`. */
  setData(data: unknown): void;
  close(): Promise<void>;
}

const FAKE_API = `
// Functions the benchmark passes to page.evaluate may be compiled with esbuild's keepNames helper.
window.__name = window.__name || ((f) => f);
window.__messages = [];
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
// Like VS Code, the saved state outlives a reload of the page (sessionStorage stands in for it).
const stateKey = 'perf-pulse-harness-state';
// A new page URL (new token) starts clean; reloading the same URL keeps the state.
const token = new URLSearchParams(location.search).get('fresh');
if (token && sessionStorage.getItem('perf-pulse-harness-token') !== token) {
  sessionStorage.removeItem(stateKey);
  sessionStorage.setItem('perf-pulse-harness-token', token);
}
window.acquireVsCodeApi = (() => {
  let acquired = false;
  return () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return {
      postMessage(message) {
        window.__messages.push({ at: performance.now(), message });
        if (message.type === 'ready') window.postMessage({ type: 'init', state: window.__initialState || { view: 'overview' } }, '*');
      },
      getState: () => JSON.parse(sessionStorage.getItem(stateKey) || 'null'),
      setState: (s) => sessionStorage.setItem(stateKey, JSON.stringify(s)),
    };
  };
})();
`;

/** The webview bundle as the extension ships it (minified IIFE + CSS), built in memory. */
export async function buildWebviewBundle(root: string, options: { minify?: boolean } = {}): Promise<HarnessFiles & { bytes: number; d3Bytes: number }> {
  const result = await esbuild.build({
    entryPoints: { trends: path.join(root, 'webview/src/main.ts') },
    bundle: true,
    minify: options.minify ?? true,
    write: false,
    outdir: path.join(root, 'bench/.work/trends-bundle'),
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'css' },
    metafile: true,
    legalComments: 'none',
  });
  const script = result.outputFiles.find((f) => f.path.endsWith('.js'))!.text;
  const style = result.outputFiles.find((f) => f.path.endsWith('.css'))!.text;
  const output = Object.entries(result.metafile.outputs).find(([k]) => k.endsWith('.js'))![1];
  const d3Bytes = Object.entries(output.inputs)
    .filter(([k]) => /node_modules\/d3-/.test(k))
    .reduce((sum, [, v]) => sum + v.bytesInOutput, 0);
  return { script, style, bytes: Buffer.byteLength(script), d3Bytes };
}

export async function startHarness(files: HarnessFiles): Promise<Harness> {
  let data = '{}';
  const nonce = randomBytes(16).toString('hex');
  let origin = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (type: string, body: string) => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/trends.js') return send('text/javascript', files.script);
    if (url.pathname === '/trends.css') return send('text/css', files.style);
    if (url.pathname === '/fake-api.js') return send('text/javascript', FAKE_API);
    if (url.pathname === '/data.js') return send('text/javascript', `window.__trendsData = ${data};`);
    if (url.pathname === '/theme.css') return send('text/css', themeCss((url.searchParams.get('theme') as HarnessTheme) ?? 'light'));
    if (url.pathname === '/') {
      const theme = (url.searchParams.get('theme') as HarnessTheme) ?? 'light';
      return send(
        'text/html',
        `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(origin, nonce)}">
<link rel="stylesheet" href="${origin}/theme.css?theme=${theme}">
<link rel="stylesheet" href="${origin}/trends.css">
<title>Perf Pulse: Trends (harness)</title></head>
<body class="vscode-${theme}" data-vscode-theme-kind="vscode-${theme}">
<div id="app" class="app"></div>
<script nonce="${nonce}" src="${origin}/data.js"></script>
<script nonce="${nonce}" src="${origin}/fake-api.js"></script>
<script nonce="${nonce}" src="${origin}/trends.js"></script>
</body></html>`,
      );
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (theme) => `${origin}/?theme=${theme}&fresh=${randomBytes(6).toString('hex')}`,
    setData(value) {
      data = JSON.stringify(value);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
