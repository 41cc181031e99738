/**
 * Extension-host benchmark (`npm run bench`): what Perf Pulse costs inside the real VS Code
 * (code-server, VS Code's server build, driven by headless Chromium), always against a no-op
 * reference extension with the same activation events measured in the same run.
 *
 * - Activation: extension-host uptime (process.uptime(), i.e. since the host process started)
 *   when activate() returns, for Perf Pulse and for the reference; starts alternate A B A B,
 *   each a fresh extension host (a page load), median of N each.
 * - Idle: CPU time (utime + stime from /proc) of both extension hosts, side by side over the
 *   same 60 s, in a workspace with perfpulse.json (stage two loaded, capture on), from 20 s
 *   after Perf Pulse's log says its start-up analysis is done.
 * - Memory: heap used (after a forced gc) of the extension host with Perf Pulse open on a
 *   1,000,000-measurement history against the same with an empty history; opened twice:
 *   cold (no analysis cache) and warm (the cache the first start wrote), each with the time
 *   from "services ready" to the analysis' line in Perf Pulse's log (findings shown).
 *
 * How Perf Pulse is timed without changing it: it is installed with its own manifest but a
 * `main` that loads dist/extension.js inside activate and records the time (see
 * extension-host/extensions.ts). Writes bench/results/extension-host.json.
 *
 * Options: --no-build  --starts N (10)  --idle-seconds S (60)  --no-memory
 *          --profile-idle S (after the idle sample, a CPU profile of the Perf Pulse host over S s: where idle CPU goes)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { HistoryStore } from '../../src/core/store/history-store';
import { launchBrowser, makeTempDir, repoRoot, sleep, startCodeServer, type BrowserSession, type CodeServer } from '../vscode-test/host';
import { writeReferenceExtension, writeTimedPerfPulse } from './extension-host/extensions';
import { millionMeasurementHistory, type GeneratedHistory } from './extension-host/history';
import { commandLine, cpuMs, cpuResolutionMs, isAlive, isExtensionHost } from './extension-host/proc';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} needs a positive number, got "${args[i + 1]}"`);
  return value;
};
const STARTS = option('--starts', 10);
const IDLE_SECONDS = option('--idle-seconds', 60);
const SETTLE_SECONDS = 20;
const START_TIMEOUT_MS = 180_000;
const MEASURE_MEMORY = !args.includes('--no-memory');
const PROFILE_IDLE_SECONDS = args.includes('--profile-idle') ? option('--profile-idle', 20) : 0;

const log = (s: string) => process.stderr.write(`extension-host bench: ${s}\n`);
const load = () => os.loadavg()[0].toFixed(1);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo);
};
const mb = (bytes: number) => bytes / 2 ** 20;

// ---------------------------------------------------------------- build

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds unless told not to or the bundles are newer than every source (the bench driver has just built them). */
function ensureBuilt(): void {
  const bundles = ['extension.js', 'services.js'].map((f) => path.join(repoRoot, 'dist', f));
  const fresh = bundles.every((b) => fs.existsSync(b)) && Math.min(...bundles.map((b) => fs.statSync(b).mtimeMs)) >= newestMtime(path.join(repoRoot, 'src'));
  if (args.includes('--no-build') || fresh) {
    for (const b of bundles) if (!fs.existsSync(b)) throw new Error(`${path.relative(repoRoot, b)} is missing: run npm run build:prod first`);
    return;
  }
  log('building the production bundles');
  const build = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs'), '--production'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build:prod failed (see its output above)');
}

// ---------------------------------------------------------------- events from the instrumented extensions

interface HostEvent {
  ext: 'reference' | 'perf-pulse';
  event: 'activated' | 'ready' | 'failed' | 'heap' | 'heap-unavailable' | 'profile';
  top?: { fn: string; selfMs: number }[];
  pid: number;
  uptimeMs: number;
  cpuMs: number;
  at: number;
  loadMs?: number;
  vscodeApiMs?: number;
  activationMs?: number;
  error?: string;
  request?: string;
  heapUsed?: number;
  heapTotal?: number;
  rss?: number;
  gc?: boolean;
}

class Events {
  constructor(readonly file: string) {
    fs.writeFileSync(file, '');
  }

  all(): HostEvent[] {
    return fs
      .readFileSync(this.file, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as HostEvent);
  }

  async waitFor(what: string, match: (e: HostEvent) => boolean, timeoutMs = START_TIMEOUT_MS): Promise<HostEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.all().find(match);
      if (found) return found;
      const failure = this.all().find((e) => e.event === 'failed' && !this.reported.has(e.at));
      if (failure) {
        this.reported.add(failure.at);
        throw new Error(`Perf Pulse failed to start in the extension host: ${failure.error}`);
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await sleep(250);
    }
  }

  private reported = new Set<number>();
}

interface Start {
  pid: number;
  /** Host uptime and host CPU time when the extension's activate() returned. */
  activatedMs: number;
  activatedCpuMs: number;
  readyMs: number;
  loadMs?: number;
  /** Part of loadMs: the host building the extension's vscode API object (first require('vscode')). */
  vscodeApiMs?: number;
  activationMs?: number;
  /** In a Perf Pulse host: when the reference beside it (activated just before it) returned. */
  referenceMs?: number;
  referenceCpuMs?: number;
  /** In a Perf Pulse host: the reference's own require() + activate(), timed the same way. */
  referenceLoadMs?: number;
  referenceActivationMs?: number;
}

/** Starts that had to be retried (the workbench never started an extension host in time). */
let retriedStarts = 0;

/** Loads the workbench in `page` and waits until the extension under test reports ready in a new extension host. */
async function startHost(page: Page, url: string, ext: HostEvent['ext'], events: Events, seenPids: Set<number>): Promise<Start> {
  let activated: HostEvent | undefined;
  // On a loaded machine a page load now and then never gets its extension host going; load it again.
  for (let attempt = 1; !activated; attempt++) {
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: START_TIMEOUT_MS });
    try {
      activated = await events.waitFor(`${ext} to activate (${url})`, (e) => e.ext === ext && e.event === 'activated' && !seenPids.has(e.pid), START_TIMEOUT_MS / 2);
    } catch (err) {
      if (attempt >= 3) throw err;
      retriedStarts++;
      log(`no extension host started within ${START_TIMEOUT_MS / 2000} s; loading the page again`);
      await page.goto('about:blank');
    }
  }
  seenPids.add(activated.pid);
  const ready = await events.waitFor(`${ext} to be ready`, (e) => e.ext === ext && e.event === 'ready' && e.pid === activated.pid);
  if (!isExtensionHost(activated.pid)) throw new Error(`process ${activated.pid} that activated ${ext} is not an extension host: ${commandLine(activated.pid)}`);
  const beside = ext === 'perf-pulse' ? events.all().find((e) => e.ext === 'reference' && e.event === 'activated' && e.pid === activated.pid) : undefined;
  return {
    pid: activated.pid,
    activatedMs: activated.uptimeMs,
    activatedCpuMs: activated.cpuMs,
    readyMs: ready.uptimeMs,
    loadMs: activated.loadMs,
    vscodeApiMs: activated.vscodeApiMs,
    activationMs: activated.activationMs,
    referenceMs: beside?.uptimeMs,
    referenceCpuMs: beside?.cpuMs,
    referenceLoadMs: beside?.loadMs,
    referenceActivationMs: beside?.activationMs,
  };
}

/** Waits for an old extension host to end, so that it does not add load to the next start. */
async function waitGone(pid: number, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  return !isAlive(pid);
}

// ---------------------------------------------------------------- fixtures

const CONFIG = {
  version: 1,
  benchmarks: [{ name: 'sort', command: 'node src/sort.js', runs: 5 }],
};

function writeWorkspace(into: string, history?: 'empty' | string): string {
  const ws = path.join(into, 'project');
  fs.mkdirSync(path.join(ws, 'src'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'perfpulse.json'), JSON.stringify(CONFIG, null, 2) + '\n');
  fs.writeFileSync(path.join(ws, 'src', 'sort.js'), 'const a = Array.from({ length: 1e4 }, Math.random);\na.sort((x, y) => x - y);\n');
  if (history) {
    fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'perfPulse.history.location': 'workspace' }, null, 2));
    fs.mkdirSync(path.join(ws, '.perfpulse'), { recursive: true });
    if (history !== 'empty') fs.symlinkSync(history, path.join(ws, '.perfpulse', 'history'), 'dir');
  }
  return ws;
}

const workbench = (server: CodeServer, folder: string) => `${server.url}/?${new URLSearchParams({ folder }).toString()}`;

// ---------------------------------------------------------------- phases

interface Side {
  server: CodeServer;
  workspace: string;
  events: Events;
}

interface ActivationFigures {
  reference: Start[];
  perfPulse: Start[];
  lingering: number;
}

async function measureActivation(page: Page, ref: Side, pp: Side, seen: Set<number>): Promise<ActivationFigures> {
  const reference: Start[] = [];
  const perfPulse: Start[] = [];
  let lingering = 0;
  let previous: number | undefined;
  // One warm-up start each: the first start also fills the OS file cache and VS Code's caches.
  for (let i = -1; i < STARTS; i++) {
    for (const side of ['reference', 'perf-pulse'] as const) {
      const { server, workspace, events } = side === 'reference' ? ref : pp;
      const start = await startHost(page, workbench(server, workspace), side, events, seen);
      if (previous !== undefined && !(await waitGone(previous))) lingering++;
      previous = start.pid;
      if (i >= 0) (side === 'reference' ? reference : perfPulse).push(start);
      const besideRef = start.referenceMs !== undefined ? ` (no-op beside it: ${start.referenceMs.toFixed(0)} ms)` : '';
      log(`start ${i < 0 ? 'warm-up' : i + 1}/${STARTS} ${side}: activated at ${start.activatedMs.toFixed(0)} ms${besideRef}, ready at ${start.readyMs.toFixed(0)} ms of host uptime (load ${load()})`);
    }
  }
  await page.goto('about:blank');
  if (previous !== undefined) await waitGone(previous);
  return { reference, perfPulse, lingering };
}

async function heapOf(pid: number, events: Events, requestDir: string, readings = 3): Promise<{ heapUsed: number; rss: number; gc: boolean }> {
  const got: HostEvent[] = [];
  for (let i = 0; i < readings; i++) {
    if (i > 0) await sleep(2_000);
    const name = `heap-${pid}-${Date.now()}-${i}.req`;
    fs.writeFileSync(path.join(requestDir, name), '');
    got.push(await events.waitFor(`a heap reading from process ${pid}`, (e) => e.event === 'heap' && e.pid === pid && e.request === name, 30_000));
  }
  return { heapUsed: median(got.map((e) => e.heapUsed!)), rss: median(got.map((e) => e.rss!)), gc: got.every((e) => e.gc) };
}

/** Perf Pulse's start-up analysis in one host, as its log tells it. */
interface AnalysisLog {
  /** The "analysis: ..." line, from "analysis:" on. */
  line: string;
  /** From "services ready" to the analysis' line (the findings shown), by the log's timestamps. */
  afterReadyMs?: number;
}

/** Milliseconds of a log line's leading timestamp ("2026-01-31 12:34:56.789 [info] ..."). */
function logTime(line: string): number | undefined {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3})/.exec(line);
  return m ? Date.parse(`${m[1]}T${m[2]}Z`) : undefined;
}

/** Every Perf Pulse log in this user-data folder with its size now: what a new host writes comes after. */
type LogMark = Map<string, number>;
function markLogs(userDataDir: string): LogMark {
  const mark: LogMark = new Map();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name === 'Perf Pulse.log') mark.set(p, fs.statSync(p).size);
    }
  };
  const dir = path.join(userDataDir, 'logs');
  if (fs.existsSync(dir)) walk(dir);
  return mark;
}

/** The first analysis Perf Pulse logged after `mark` in this user-data folder, if it is there yet. */
function analysisFromLog(userDataDir: string, mark: LogMark): AnalysisLog | undefined {
  for (const [file, size] of markLogs(userDataDir)) {
    const from = mark.get(file) ?? 0;
    if (size <= from) continue;
    const lines = fs.readFileSync(file).subarray(from).toString('utf8').split('\n');
    const analysis = lines.find((l) => l.includes('analysis:'));
    if (!analysis) continue;
    const ready = lines.find((l) => l.includes('services ready'));
    const t0 = ready ? logTime(ready) : undefined;
    const t1 = logTime(analysis);
    return { line: analysis.replace(/^.*analysis:/, 'analysis:'), ...(t0 !== undefined && t1 !== undefined ? { afterReadyMs: t1 - t0 } : {}) };
  }
  return undefined;
}

/** Waits until Perf Pulse's log says that its start-up analysis is done (findings shown). */
async function waitAnalysis(userDataDir: string, since: LogMark, timeoutMs = 900_000): Promise<AnalysisLog> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = analysisFromLog(userDataDir, since);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`Perf Pulse's log showed no finished analysis within ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const loadAtStart = os.loadavg();
  ensureBuilt();
  let history: GeneratedHistory | undefined;
  if (MEASURE_MEMORY) {
    log('finding or building the 1,000,000-measurement history');
    history = await millionMeasurementHistory(2000, 500, log);
    log(`history ${history.reused ? 'reused' : `built in ${history.buildSeconds.toFixed(0)} s`}: ${history.records} records, ${mb(history.bytes).toFixed(0)} MB`);
  }

  const root = makeTempDir('ext-bench');
  const requestDir = path.join(root, 'requests');
  fs.mkdirSync(requestDir);
  // One events file per server, so a reference beside Perf Pulse is never taken for the lone one.
  const refEvents = new Events(path.join(root, 'events-reference.jsonl'));
  const ppEvents = new Events(path.join(root, 'events-perf-pulse.jsonl'));
  const refExtensions = path.join(root, 'extensions-reference');
  const ppExtensions = path.join(root, 'extensions-perf-pulse');
  writeReferenceExtension(refExtensions, refEvents.file, requestDir);
  writeReferenceExtension(ppExtensions, ppEvents.file, requestDir);
  writeTimedPerfPulse(ppExtensions, repoRoot, ppEvents.file, requestDir);
  const refWs = writeWorkspace(path.join(root, 'ws-reference'));
  const ppWs = writeWorkspace(path.join(root, 'ws-perf-pulse'));
  const emptyWs = writeWorkspace(path.join(root, 'ws-empty-history'), 'empty');
  const emptyStore = await HistoryStore.open(path.join(emptyWs, '.perfpulse', 'history'));
  await emptyStore.close();
  const bigWs = history ? writeWorkspace(path.join(root, 'ws-million'), history.dir) : undefined;

  const servers: CodeServer[] = [];
  let browser: BrowserSession | undefined;
  try {
    const refServer = await startCodeServer({ workspace: refWs, extensionsDir: refExtensions, userDataDir: path.join(root, 'user-reference') });
    servers.push(refServer);
    const ppServer = await startCodeServer({ workspace: ppWs, extensionsDir: ppExtensions, userDataDir: path.join(root, 'user-perf-pulse') });
    servers.push(ppServer);
    const ref: Side = { server: refServer, workspace: refWs, events: refEvents };
    const pp: Side = { server: ppServer, workspace: ppWs, events: ppEvents };
    browser = await launchBrowser();
    const seen = new Set<number>();

    // Activation.
    log(`activation: ${STARTS} starts each, alternating (load ${load()})`);
    const loadBeforeActivation = os.loadavg()[0];
    const activation = await measureActivation(browser.page, ref, pp, seen);
    const loadAfterActivation = os.loadavg()[0];

    // Idle: both hosts side by side over the same window, so both see the same machine load.
    log(`idle: starting both hosts side by side (load ${load()})`);
    const refPage = browser.page;
    const ppPage = await browser.context.newPage();
    const refIdle = await startHost(refPage, workbench(refServer, refWs), 'reference', refEvents, seen);
    const idleSince = markLogs(ppServer.userDataDir);
    const ppIdle = await startHost(ppPage, workbench(ppServer, emptyWs), 'perf-pulse', ppEvents, seen);
    // Start-up work done: Perf Pulse's log says its first analysis is in; then both settle.
    const idleAnalysis = await waitAnalysis(ppServer.userDataDir, idleSince);
    log(`idle: Perf Pulse's start-up ${idleAnalysis.line}`);
    await sleep(SETTLE_SECONDS * 1000);
    log(`idle: sampling CPU for ${IDLE_SECONDS} s (load ${load()})`);
    const loadBeforeIdle = os.loadavg()[0];
    const cpu0 = [cpuMs(refIdle.pid), cpuMs(ppIdle.pid)];
    const t0 = performance.now();
    await sleep(IDLE_SECONDS * 1000);
    const cpu1 = [cpuMs(refIdle.pid), cpuMs(ppIdle.pid)];
    const seconds = (performance.now() - t0) / 1000;
    const perMinute = (i: number) => ((cpu1[i] - cpu0[i]) * 60) / seconds;
    const idle = { reference: perMinute(0), perfPulse: perMinute(1), seconds, load: (loadBeforeIdle + os.loadavg()[0]) / 2 };

    let idleProfile: HostEvent['top'];
    if (PROFILE_IDLE_SECONDS) {
      const name = `profile-${ppIdle.pid}-${PROFILE_IDLE_SECONDS}-${Date.now()}.req`;
      fs.writeFileSync(path.join(requestDir, name), '');
      const profile = await ppEvents.waitFor('a CPU profile of the idle host', (e) => e.event === 'profile' && e.request === name, (PROFILE_IDLE_SECONDS + 30) * 1000);
      if (profile.error) throw new Error(`profiling the idle host failed: ${profile.error}`);
      idleProfile = profile.top;
      log(`idle profile of the Perf Pulse host over ${PROFILE_IDLE_SECONDS} s (self time):\n${(profile.top ?? []).map((t) => `    ${t.selfMs.toFixed(1)} ms  ${t.fn}`).join('\n')}`);
    }

    // Memory: the same Perf Pulse host with an empty history, then with a million measurements.
    const refHeap = await heapOf(refIdle.pid, refEvents, requestDir);
    const emptyHeap = await heapOf(ppIdle.pid, ppEvents, requestDir);
    let big: BigHistory | undefined;
    if (bigWs) {
      await refPage.goto('about:blank');
      // Cold: this workspace's storage is new, so there is no analysis cache; warm: the next start finds the one the first wrote.
      const opened: BigHistory['cold'][] = [];
      for (const kind of ['cold', 'warm'] as const) {
        log(`memory: opening the 1,000,000-measurement history, ${kind} (load ${load()})`);
        const since = markLogs(ppServer.userDataDir);
        const t0 = Date.now();
        const start = await startHost(ppPage, workbench(ppServer, bigWs), 'perf-pulse', ppEvents, seen);
        const analysis = await waitAnalysis(ppServer.userDataDir, since);
        const analysedS = (Date.now() - t0) / 1000;
        log(`memory: ${kind} ${analysis.line}; findings shown ${analysis.afterReadyMs ?? '?'} ms after the services were ready (load ${load()})`);
        await sleep(SETTLE_SECONDS * 1000);
        const heap = await heapOf(start.pid, ppEvents, requestDir);
        opened.push({ heap, readyMs: start.readyMs, analysedS, analysis, load: os.loadavg()[0] });
        log(`memory: heap ${mb(heap.heapUsed).toFixed(1)} MB with the big history (${kind}), ${mb(emptyHeap.heapUsed).toFixed(1)} MB with an empty one`);
        await ppPage.goto('about:blank');
        await waitGone(start.pid);
      }
      big = { cold: opened[0], warm: opened[1] };
    }

    report({ loadAtStart, activation, loadActivation: (loadBeforeActivation + loadAfterActivation) / 2, idle: { ...idle, analysis: idleAnalysis.line }, idleProfile, refHeap, emptyHeap, big, history });
  } finally {
    await browser?.close();
    for (const server of servers) await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

interface Figures {
  loadAtStart: number[];
  activation: ActivationFigures;
  loadActivation: number;
  idle: { reference: number; perfPulse: number; seconds: number; load: number; analysis: string };
  idleProfile?: { fn: string; selfMs: number }[];
  refHeap: { heapUsed: number; rss: number; gc: boolean };
  emptyHeap: { heapUsed: number; rss: number; gc: boolean };
  big?: BigHistory;
  history?: GeneratedHistory;
}

interface OpenedHistory {
  heap: { heapUsed: number; rss: number; gc: boolean };
  readyMs: number;
  /** From the page load to the analysis line in the log. */
  analysedS: number;
  analysis: AnalysisLog;
  load: number;
}

interface BigHistory {
  cold: OpenedHistory;
  warm: OpenedHistory;
}

function report(f: Figures): void {
  const { reference, perfPulse } = f.activation;
  const refAct = reference.map((s) => s.activatedMs);
  const ppAct = perfPulse.map((s) => s.activatedMs);
  const ppReady = perfPulse.map((s) => s.readyMs);
  const addedAcrossHosts = median(ppAct) - median(refAct);
  const addedReady = median(ppReady) - median(refAct);
  // The time Perf Pulse holds the host's only thread while activating: require() of its bundle + activate().
  const sameHost = perfPulse.map((s) => s.activatedMs - (s.referenceMs ?? NaN));
  const sameHostCpu = perfPulse.map((s) => s.activatedCpuMs - (s.referenceCpuMs ?? NaN));
  const ownMs = perfPulse.map((s) => (s.loadMs ?? NaN) + (s.activationMs ?? NaN));
  // The no-op beside it in the same host, timed the same way: what loading and activating any extension costs there.
  const referenceOwnMs = perfPulse.map((s) => (s.referenceLoadMs ?? NaN) + (s.referenceActivationMs ?? NaN));
  const ownAdded = perfPulse.map((_, i) => ownMs[i] - referenceOwnMs[i]);
  const cpuAdded = median(perfPulse.map((s) => s.activatedCpuMs)) - median(reference.map((s) => s.activatedCpuMs));
  const spread = (xs: number[]) => `IQR ${quantile(xs, 0.25).toFixed(0)}–${quantile(xs, 0.75).toFixed(0)} ms`;
  const cores = os.cpus().length;
  const idleDiff = f.idle.perfPulse - f.idle.reference;
  // One clock tick per reading, two readings per figure, two figures: below that nothing is measurable.
  const resolution = 4 * cpuResolutionMs();
  const idleNoise = Math.max(resolution, 0.01 * 60_000);
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const rows = [
    {
      what: 'host uptime when activate() returned',
      reference: `${ms(median(refAct))} (${spread(refAct)})`,
      'perf pulse': `${ms(median(ppAct))} (${spread(ppAct)})`,
      added: ms(addedAcrossHosts),
      note: `host with the no-op alone vs host with Perf Pulse (and the no-op); medians of ${STARTS} fresh hosts each, alternating; the spread comes from machine load (~${f.loadActivation.toFixed(1)} on ${cores} cores)`,
    },
    {
      what: 'same host: Perf Pulse active − no-op active',
      reference: ms(median(perfPulse.map((s) => s.referenceMs ?? NaN))),
      'perf pulse': ms(median(ppAct)),
      added: `${ms(median(sameHost))} (IQR ${quantile(sameHost, 0.25).toFixed(1)}–${quantile(sameHost, 0.75).toFixed(1)})`,
      note: `both activated by the same start-up event in one host; VS Code starts them together, so the gap is Perf Pulse's share plus whatever else the host does in between; no-op first in ${sameHost.filter((d) => d >= 0).length} of ${sameHost.length}`,
    },
    {
      what: 'same host: host CPU time from no-op active to Perf Pulse active',
      reference: ms(median(perfPulse.map((s) => s.referenceCpuMs ?? NaN))),
      'perf pulse': ms(median(perfPulse.map((s) => s.activatedCpuMs))),
      added: `${ms(median(sameHostCpu))} (IQR ${quantile(sameHostCpu, 0.25).toFixed(1)}–${quantile(sameHostCpu, 0.75).toFixed(1)})`,
      note: 'process.cpuUsage() of the host at each activate() return; CPU time, so the machine load does not stretch it',
    },
    {
      what: 'host CPU time when activate() returned',
      reference: ms(median(reference.map((s) => s.activatedCpuMs))),
      'perf pulse': ms(median(perfPulse.map((s) => s.activatedCpuMs))),
      added: ms(cpuAdded),
      note: 'process.cpuUsage() of the host when activate() returned: less sensitive to load than wall time',
    },
    {
      what: 'inside the extension: require() of its code + activate(), same host',
      reference: `${ms(median(perfPulse.map((s) => s.referenceLoadMs ?? NaN)))} + ${ms(median(perfPulse.map((s) => s.referenceActivationMs ?? NaN)))}`,
      'perf pulse': `${ms(median(perfPulse.map((s) => s.loadMs ?? NaN)))} + ${ms(median(perfPulse.map((s) => s.activationMs ?? NaN)))} = ${ms(median(ownMs))} (IQR ${quantile(ownMs, 0.25).toFixed(1)}–${quantile(ownMs, 0.75).toFixed(1)})`,
      added: `${ms(median(ownAdded))} (IQR ${quantile(ownAdded, 0.25).toFixed(1)}–${quantile(ownAdded, 0.75).toFixed(1)})`,
      note: "medians; Perf Pulse: require() of dist/extension.js (through a wrapper) and the activationMs its activate() reports; the no-op: require() of its one-line main and its activate(), timed the same way in the same host; added = the paired difference per start",
    },
    {
      what: "of which: the host building Perf Pulse's vscode API object (first require('vscode'))",
      reference: '– (the no-op does not use the API)',
      'perf pulse': ms(median(perfPulse.map((s) => s.vscodeApiMs ?? NaN))),
      added: `${ms(median(perfPulse.map((s) => (s.loadMs ?? NaN) - (s.vscodeApiMs ?? NaN))))} for the rest of the require`,
      note: 'timed in the wrapper just before the bundle is required: a cost of the host paid by every extension that uses the vscode API, not by code in the bundle',
    },
    {
      what: 'host uptime when stage two (services) was ready',
      reference: `${ms(median(refAct))} (nothing to load)`,
      'perf pulse': `${ms(median(ppReady))} (${spread(ppReady)})`,
      added: ms(addedReady),
      note: 'stage two loads after activation, off the activation path (workspace with perfpulse.json)',
    },
    {
      what: 'extension host CPU while idle',
      reference: `${f.idle.reference.toFixed(0)} ms/min`,
      'perf pulse': `${f.idle.perfPulse.toFixed(0)} ms/min`,
      added: `${idleDiff.toFixed(0)} ms/min (${((idleDiff / 60_000) * 100).toFixed(2)}% of a core)`,
      note: `both hosts over the same ${f.idle.seconds.toFixed(0)} s, from ${SETTLE_SECONDS} s after Perf Pulse's log showed its start-up analysis done (${f.idle.analysis}); capture on, stage two loaded; clock tick ${cpuResolutionMs()} ms; load average ~${f.idle.load.toFixed(1)}`,
    },
    {
      what: 'extension host heap, empty history',
      reference: `${mb(f.refHeap.heapUsed).toFixed(1)} MB`,
      'perf pulse': `${mb(f.emptyHeap.heapUsed).toFixed(1)} MB`,
      added: `${mb(f.emptyHeap.heapUsed - f.refHeap.heapUsed).toFixed(1)} MB`,
      note: `heapUsed ${f.emptyHeap.gc ? 'after a forced gc' : 'without gc (gc unavailable)'}, median of 3; RSS ${mb(f.refHeap.rss).toFixed(0)} vs ${mb(f.emptyHeap.rss).toFixed(0)} MB`,
    },
  ];
  if (f.big && f.history) {
    for (const kind of ['cold', 'warm'] as const) {
      const o = f.big[kind];
      rows.push({
        what: `1,000,000-measurement history, ${kind === 'cold' ? 'cold (no analysis cache)' : 'warm (analysis cache from the previous start)'}: services ready → findings shown`,
        reference: '–',
        'perf pulse': o.analysis.afterReadyMs !== undefined ? ms(o.analysis.afterReadyMs) : 'not in the log',
        added: '–',
        note: `${o.analysis.line}; page load to findings ${o.analysedS.toFixed(1)} s; load average ~${o.load.toFixed(1)}`,
      });
    }
    for (const kind of ['cold', 'warm'] as const) {
      const o = f.big[kind];
      rows.push({
        what: `extension host heap, 1,000,000-measurement history (${kind})`,
        reference: `${mb(f.emptyHeap.heapUsed).toFixed(1)} MB (Perf Pulse, empty history)`,
        'perf pulse': `${mb(o.heap.heapUsed).toFixed(1)} MB`,
        added: `${mb(o.heap.heapUsed - f.emptyHeap.heapUsed).toFixed(1)} MB`,
        note: `${f.history.series} series x ${f.history.records / f.history.series} runs (${mb(f.history.bytes).toFixed(0)} MB on disk); read ${SETTLE_SECONDS} s after the start-up analysis was in the log (stage two ready at host uptime ${(o.readyMs / 1000).toFixed(1)} s); RSS ${mb(o.heap.rss).toFixed(0)} MB`,
      });
    }
  }
  const targets = [
    // The difference of medians of separate hosts is in the rows, not judged: host start-up
    // itself varies by about a second between hosts, so ten starts cannot resolve 10 ms that
    // way. Both extensions in one host, started by the same event, can: that is the target.
    { what: 'activation: same host, Perf Pulse active − no-op active (median of the paired starts)', target: '≤ 10 ms', measured: `${ms(median(sameHost))} (IQR ${quantile(sameHost, 0.25).toFixed(1)}–${quantile(sameHost, 0.75).toFixed(1)}, load ~${f.loadActivation.toFixed(1)})`, met: median(sameHost) <= 10 },
    {
      what: "activation: host time inside Perf Pulse (require + activate) beyond the no-op's own, same host",
      target: '≤ 10 ms',
      measured: `${ms(median(ownAdded))} (Perf Pulse ${ms(median(ownMs))}, no-op ${ms(median(referenceOwnMs))}; load ~${f.loadActivation.toFixed(1)})`,
      met: median(ownAdded) <= 10,
    },
    {
      what: 'idle: extension host CPU over 60 s, capture on (vs no-op)',
      target: `no measurable CPU (≤ ${idleNoise.toFixed(0)} ms/min, 1% of a core)`,
      measured: `${idleDiff.toFixed(0)} ms/min (${f.idle.perfPulse.toFixed(0)} vs ${f.idle.reference.toFixed(0)})`,
      met: idleDiff <= idleNoise,
    },
  ];
  if (f.big) {
    const added = Math.max(mb(f.big.cold.heap.heapUsed - f.emptyHeap.heapUsed), mb(f.big.warm.heap.heapUsed - f.emptyHeap.heapUsed));
    targets.push({ what: 'memory: heap with a 1,000,000-measurement history (vs empty; the larger of cold and warm)', target: '≤ 50 MB more', measured: `${added.toFixed(1)} MB`, met: added <= 50 });
  }
  const notes = [
    `Measured in VS Code's server build (code-server) with headless Chromium; each start is a fresh extension host (page load), ${STARTS} each after one warm-up, alternating reference and Perf Pulse.`,
    'Perf Pulse is timed through a wrapper `main` that requires dist/extension.js inside activate, so loading its bundle counts; the no-op reference has the same activation events and the same instrumentation, and is installed beside Perf Pulse too, so the two hosts differ by Perf Pulse alone. On a loaded machine the start-to-active difference between hosts is dominated by jitter of seconds; the time spent inside Perf Pulse is measured in the host directly and does not depend on other hosts.',
    '"Active" is when activate() returned (commands and status bar in place); stage two loads afterwards without blocking other extensions, and its ready time is shown for information.',
    `Load average at the start of this script: ${f.loadAtStart.map((l) => l.toFixed(2)).join(', ')} on ${cores} cores. Extension hosts that outlived their page: ${f.activation.lingering}. Page loads retried because no extension host started within ${START_TIMEOUT_MS / 2000} s: ${retriedStarts}.`,
  ].join(' ');

  const header = ['what', 'reference', 'perf pulse', 'added', 'note'] as const;
  console.log('## Extension host (real VS Code)\n');
  console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${header.map((h) => String((r as Record<string, string>)[h]).replace(/\|/g, '\\|')).join(' | ')} |`);
  console.log('\n| target | wanted | measured | met |\n|---|---|---|---|');
  for (const t of targets) console.log(`| ${t.what} | ${t.target} | ${t.measured} | ${t.met ? 'yes' : 'NO'} |`);
  console.log(`\n${notes}`);
  const out = path.join(repoRoot, 'bench', 'results');
  fs.mkdirSync(out, { recursive: true });
  const raw = { activation: { reference: reference, perfPulse: perfPulse }, idle: f.idle, idleProfile: f.idleProfile, bigHistory: f.big };
  fs.writeFileSync(path.join(out, 'extension-host.json'), JSON.stringify({ title: 'Extension host (real VS Code)', rows, targets, notes, raw }, null, 2) + '\n');
}

main().catch((err) => {
  console.error(`extension-host bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
