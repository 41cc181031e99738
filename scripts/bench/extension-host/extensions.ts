// The extensions the extension-host benchmark installs, generated at run time into a temporary
// folder: a no-op reference and Perf Pulse behind a thin timing wrapper. Both carry the same
// instrumentation (a line in an events file at the end of activate, and a heap reading on
// request), so whatever the instrumentation costs is paid on both sides and cancels out.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Script } from 'node:vm';

export const REFERENCE_ID = 'perf-pulse-bench.noop-reference';

/** Writes generated extension code, refusing code that does not parse (VS Code would only skip it quietly). */
function writeCode(file: string, code: string): void {
  try {
    new Script(code, { filename: file });
  } catch (err) {
    throw new Error(`generated ${file} does not parse: ${(err as Error).message}`);
  }
  fs.writeFileSync(file, code);
}

/**
 * The instrumentation both extensions share. `record` appends one JSON line with the extension
 * host's uptime; `listenForHeapRequests` answers a request file dropped into `requestDir` with
 * a heap reading. It waits on fs.watch (inotify), not a timer, so it costs nothing while idle.
 */
function instrumentation(label: string, eventsFile: string, requestDir: string): string {
  return `
const fs = require('fs');
const path = require('path');
const EVENTS = ${JSON.stringify(eventsFile)};
const REQUESTS = ${JSON.stringify(requestDir)};
function record(event, extra) {
  const cpu = process.cpuUsage();
  const line = { ext: ${JSON.stringify(label)}, event, pid: process.pid, uptimeMs: process.uptime() * 1000, cpuMs: (cpu.user + cpu.system) / 1000, at: Date.now(), ...extra };
  fs.appendFileSync(EVENTS, JSON.stringify(line) + '\\n');
}
let collect;
function heapReading() {
  if (collect === undefined) {
    // The host runs without --expose-gc; the flag can still be set, and gc fetched from a fresh context.
    try {
      require('v8').setFlagsFromString('--expose-gc');
      collect = require('vm').runInNewContext('gc');
    } catch {
      collect = null;
    }
  }
  if (collect) { collect(); collect(); }
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, rss: m.rss, external: m.external, gc: Boolean(collect) };
}
// A CPU profile of the host over some seconds, summed by function: where idle CPU goes.
function profileFor(ms, request) {
  const inspector = require('inspector');
  const session = new inspector.Session();
  session.connect();
  const post = (method, params) => new Promise((resolve, reject) => session.post(method, params || {}, (err, res) => (err ? reject(err) : resolve(res))));
  post('Profiler.enable')
    .then(() => post('Profiler.start'))
    .then(() => new Promise((r) => setTimeout(r, ms)))
    .then(() => post('Profiler.stop'))
    .then(({ profile }) => {
      session.disconnect();
      const total = profile.endTime - profile.startTime;
      const perSample = profile.samples.length ? total / profile.samples.length / 1000 : 0;
      const byFunction = new Map();
      for (const node of profile.nodes) {
        if (!node.hitCount) continue;
        const f = node.callFrame;
        const key = (f.functionName || '(anonymous)') + ' ' + (f.url ? f.url.split('/').slice(-2).join('/') + ':' + (f.lineNumber + 1) : '');
        byFunction.set(key, (byFunction.get(key) || 0) + node.hitCount * perSample);
      }
      const top = [...byFunction].sort((x, y) => y[1] - x[1]).slice(0, 15).map(([fn, selfMs]) => ({ fn, selfMs }));
      record('profile', { request, seconds: ms / 1000, top });
    })
    .catch((err) => record('profile', { request, error: String(err) }));
}
function listenForHeapRequests(context) {
  const answered = new Set();
  const prefix = 'heap-' + process.pid + '-';
  const profilePrefix = 'profile-' + process.pid + '-';
  let watcher;
  try {
    watcher = fs.watch(REQUESTS, (_type, name) => {
      if (!name || !name.endsWith('.req') || answered.has(name)) return;
      if (name.startsWith(prefix)) {
        answered.add(name);
        record('heap', { request: name, ...heapReading() });
      } else if (name.startsWith(profilePrefix) && ${JSON.stringify(label)} === 'reference') {
        answered.add(name);
        profileFor(Number(name.split('-')[2]) * 1000, name);
      }
    });
  } catch (err) {
    record('heap-unavailable', { error: String(err) });
    return;
  }
  context.subscriptions.push({ dispose: () => watcher.close() });
}
`;
}

const ACTIVATION_EVENTS = ['onStartupFinished', 'workspaceContains:perfpulse.json'];

/** A no-op extension with Perf Pulse's activation events: the reference for every figure. */
export function writeReferenceExtension(into: string, eventsFile: string, requestDir: string): string {
  const dir = path.join(into, `${REFERENCE_ID}-1.0.0`);
  fs.mkdirSync(dir, { recursive: true });
  const manifest = {
    name: 'noop-reference',
    publisher: 'perf-pulse-bench',
    version: '1.0.0',
    engines: { vscode: '^1.93.0' },
    main: './extension.js',
    activationEvents: ACTIVATION_EVENTS,
  };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  writeCode(
    path.join(dir, 'extension.js'),
    `${instrumentation('reference', eventsFile, requestDir)}
exports.activate = function (context) {
  // Timed like Perf Pulse's wrapper times its bundle: require() of the extension's code and its
  // activate(), so that "added" compares like with like (the host's cost of loading any module).
  const t0 = performance.now();
  const main = require('./noop-main.js');
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  main.activate(context);
  record('activated', { loadMs, activationMs: performance.now() - t1 });
  // No stage two: the reference is ready as soon as it is active.
  record('ready');
  listenForHeapRequests(context);
};
exports.deactivate = function () {};
`,
  );
  writeCode(path.join(dir, 'noop-main.js'), 'exports.activate = function () {};\n');
  return dir;
}

/**
 * Perf Pulse as installed, except that `main` is a wrapper that loads the real bundle inside
 * activate (so code loading is timed too), records when activate returns and when stage two
 * reports ready. The manifest is Perf Pulse's own (same id, commands, activation events, plus
 * a dependency on the reference when `activateAfterReference`), and
 * dist/, media/ and schemas/ are copies of the built extension's.
 */
export function writeTimedPerfPulse(into: string, extensionRoot: string, eventsFile: string, requestDir: string, activateAfterReference = false): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(extensionRoot, 'package.json'), 'utf8')) as Record<string, unknown> & { publisher: string; name: string; version: string };
  const dir = path.join(into, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  fs.mkdirSync(dir, { recursive: true });
  // Copies, as an installed VSIX has real files: through a symbolic link the host took about 6 ms
  // longer to require the bundle (a CPU profile shows it in realpath and lstat calls of its
  // module loader), a cost no installed extension pays.
  for (const folder of ['dist', 'media', 'schemas']) {
    const source = path.join(extensionRoot, folder);
    if (fs.existsSync(source)) fs.cpSync(source, path.join(dir, folder), { recursive: true });
  }
  if (!fs.existsSync(path.join(extensionRoot, 'dist', 'extension.js'))) {
    throw new Error(`${path.join(extensionRoot, 'dist', 'extension.js')} is missing: build first (npm run build:prod)`);
  }
  // With the reference installed beside it, a dependency makes VS Code activate the reference
  // first and Perf Pulse after it. Off by default: Perf Pulse then waits behind every other
  // start-up activation, which measures VS Code's queue rather than Perf Pulse.
  const dependency = activateAfterReference ? { extensionDependencies: [REFERENCE_ID] } : {};
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ ...manifest, ...dependency, main: './bench-wrapper.js' }, null, 2));
  writeCode(
    path.join(dir, 'bench-wrapper.js'),
    `${instrumentation('perf-pulse', eventsFile, requestDir)}
let real;
exports.activate = function (context) {
  const t0 = performance.now();
  // The host builds the vscode API object of an extension on its first require('vscode'): every
  // extension that uses the API pays it (the no-op does not). Timed apart; the bundle's own
  // require of it below then gets the cached object.
  require('vscode');
  const t1 = performance.now();
  real = require('./dist/extension.js');
  const loadMs = performance.now() - t0;
  const api = real.activate(context);
  record('activated', { loadMs, vscodeApiMs: t1 - t0, activationMs: api.activationMs });
  // Queued after Perf Pulse's own start-up timer, so this joins the stage-two load it began.
  setTimeout(() => {
    api.services().then(
      () => record('ready'),
      (err) => record('failed', { error: String(err && err.stack || err) }),
    );
  }, 0);
  listenForHeapRequests(context);
  return api;
};
exports.deactivate = function () {
  return real && real.deactivate && real.deactivate();
};
`,
  );
  return dir;
}
