// The pieces every real-VS-Code runner needs: the browser-served VS Code (code-server) started
// on a loopback port, headless Chromium pointed at it, a workspace copied from a fixture, and a
// small HTTP server through which tests inside VS Code ask for screenshots.
// Used by run-host-suite.ts (tests inside the extension host), test/ui (tests driving the page
// from outside) and start-demo.sh.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const repoRoot = path.resolve(__dirname, '../..');
export const CODE_SERVER_VERSION = '4.100.3';
export const EXTENSION_ID = 'perf-pulse.perf-pulse';

export function hostDir(): string {
  return path.resolve(process.env.PERF_PULSE_HOST_DIR ?? path.join(repoRoot, '.vscode-test', 'code-server'));
}

/** code-server's entry script when the pinned version is installed, else undefined. */
export function codeServerEntry(): string | undefined {
  const dir = hostDir();
  try {
    const marker = JSON.parse(fs.readFileSync(path.join(dir, 'installed.json'), 'utf8')) as { version?: string };
    const entry = path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
    if (marker.version === CODE_SERVER_VERSION && fs.existsSync(entry)) return entry;
  } catch {
    // not installed
  }
  return undefined;
}

/** Installs code-server when missing (see install-host.mjs) and returns its entry script. */
export function ensureHostInstalled(): string {
  const existing = codeServerEntry();
  if (existing) return existing;
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'vscode-test', 'install-host.mjs')], { stdio: 'inherit' });
  const entry = codeServerEntry();
  if (result.status !== 0 || !entry) throw new Error('could not install the VS Code test host (code-server); see the messages above');
  return entry;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `perf-pulse-${prefix}-`));
}

/**
 * Copies `test/fixtures/<name>/` into a fresh temporary folder and returns its path. The copy is
 * named like the fixture, so VS Code's title and explorer show a stable name in screenshots.
 */
export function copyFixture(name: string, into = path.join(makeTempDir('ws'), name)): string {
  const source = path.join(repoRoot, 'test', 'fixtures', name);
  if (!fs.existsSync(source)) throw new Error(`no fixture workspace named "${name}" (expected folder ${path.relative(repoRoot, source)})`);
  fs.cpSync(source, into, { recursive: true });
  return into;
}

/** Settings that keep a test VS Code quiet and predictable. */
export const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'git.openRepositoryInParentFolders': 'never',
  'chat.commandCenter.enabled': false,
};

export type ThemeName = 'Default Light Modern' | 'Default Dark Modern' | (string & {});

export interface CodeServerOptions {
  workspace: string;
  port?: number;
  userDataDir?: string;
  extensionsDir?: string;
  /** Merged over QUIET_SETTINGS into the user settings file before start. */
  settings?: Record<string, unknown>;
  theme?: ThemeName;
  /** Install the extension from this folder (a symlink in the extensions dir), so it loads without a payload. */
  installExtensionFrom?: string;
  env?: NodeJS.ProcessEnv;
  /** Where code-server's own output goes; defaults to a file beside the user data. */
  logFile?: string;
  /** Also show code-server's output on this process's terminal. */
  echo?: boolean;
  /** Leave workspace trust on (the folder then opens in restricted mode unless trusted). Off by default. */
  workspaceTrust?: boolean;
}

export interface CodeServer {
  port: number;
  url: string;
  workspace: string;
  userDataDir: string;
  extensionsDir: string;
  logFile: string;
  process: ChildProcess;
  /** The workbench URL; with a payload for extension development or tests when given. */
  workbenchUrl(payload?: { extensionDevelopmentPath?: string; extensionTestsPath?: string }): string;
  stop(): Promise<void>;
}

/**
 * Installs an extension into an extensions dir as a symlink named the way VS Code names
 * installed extensions (`publisher.name-version`), so it loads like a Marketplace install.
 */
export function linkExtension(extensionsDir: string, extensionPath = repoRoot): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(extensionPath, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  fs.mkdirSync(extensionsDir, { recursive: true });
  const link = path.join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(extensionPath, link, 'dir');
  // VS Code records the folder in extensions.json itself on its first scan; a hand-written
  // entry there is easy to get subtly wrong, and then the extension is silently skipped.
  return link;
}

function tailOf(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

/** Kills a process started with `detached: true` together with everything it started. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

const liveServers = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of liveServers) killGroup(child, 'SIGKILL');
});

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const entry = ensureHostInstalled();
  const port = options.port ?? (await freePort());
  const userDataDir = options.userDataDir ?? makeTempDir('user');
  const extensionsDir = options.extensionsDir ?? path.join(userDataDir, 'extensions');
  const logFile = options.logFile ?? path.join(userDataDir, 'code-server.log');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  const settings = { ...QUIET_SETTINGS, ...(options.theme ? { 'workbench.colorTheme': options.theme } : {}), ...options.settings };
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  if (options.installExtensionFrom) linkExtension(extensionsDir, options.installExtensionFrom);

  const args = [
    entry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    options.workspace,
  ];
  const out = fs.openSync(logFile, 'a');
  // A multi-root workspace is a .code-workspace file: the server starts in its folder.
  const isWorkspaceFile = options.workspace.endsWith('.code-workspace');
  const child = spawn(process.execPath, args, {
    cwd: isWorkspaceFile ? path.dirname(options.workspace) : options.workspace,
    env: { ...process.env, ...options.env },
    // Its own process group, so stop() also ends the extension host and helpers it starts.
    detached: true,
    stdio: ['ignore', options.echo ? 'pipe' : out, options.echo ? 'pipe' : out],
  });
  if (options.echo) {
    child.stdout?.on('data', (d: Buffer) => {
      fs.appendFileSync(logFile, d);
      process.stdout.write(d);
    });
    child.stderr?.on('data', (d: Buffer) => {
      fs.appendFileSync(logFile, d);
      process.stderr.write(d);
    });
  }
  liveServers.add(child);
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code;
    liveServers.delete(child);
  });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited !== undefined) {
      fs.closeSync(out);
      throw new Error(`code-server exited (code ${exited}) before it was ready. Its output (${logFile}):\n${tailOf(logFile)}`);
    }
    if (await isHealthy(url)) break;
    if (Date.now() > deadline) {
      killGroup(child, 'SIGKILL');
      fs.closeSync(out);
      throw new Error(`code-server did not answer on ${url} within 90 s. Its output (${logFile}):\n${tailOf(logFile)}`);
    }
    await sleep(250);
  }

  const server: CodeServer = {
    port,
    url,
    workspace: options.workspace,
    userDataDir,
    extensionsDir,
    logFile,
    process: child,
    workbenchUrl(payload) {
      const query = new URLSearchParams(isWorkspaceFile ? { workspace: options.workspace } : { folder: options.workspace });
      const entries: [string, string][] = [];
      const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${path.resolve(p)}`;
      if (payload?.extensionDevelopmentPath) entries.push(['extensionDevelopmentPath', remote(payload.extensionDevelopmentPath)]);
      if (payload?.extensionTestsPath) entries.push(['extensionTestsPath', remote(payload.extensionTestsPath)]);
      if (entries.length > 0) {
        entries.push(['skipWelcome', 'true']);
        query.set('payload', JSON.stringify(entries));
      }
      return `${url}/?${query.toString()}`;
    },
    async stop() {
      if (exited === undefined) {
        killGroup(child, 'SIGTERM');
        const until = Date.now() + 5_000;
        while (exited === undefined && Date.now() < until) await sleep(100);
        if (exited === undefined) killGroup(child, 'SIGKILL');
      }
      try {
        fs.closeSync(out);
      } catch {
        // closed already
      }
    },
  };
  return server;
}

function isHealthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/healthz`, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.setTimeout(2_000, () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(Boolean) as string[];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error('no Chromium found: install the `chromium` package or set CHROMIUM_PATH');
  return found;
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchBrowser(viewport = { width: 1440, height: 900 }): Promise<BrowserSession> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  // code-server's own offline service worker claims every page of its origin, webview frames
  // included, and VS Code's webview then waits forever for its own worker to take control
  // ("Found unexpected service worker controller"). The tests need no offline support: refuse it.
  await context.addInitScript(() => {
    const container = (globalThis as { navigator?: { serviceWorker?: { register: (url: unknown, options?: unknown) => Promise<unknown> } } }).navigator?.serviceWorker;
    if (!container) return;
    const register = container.register.bind(container);
    container.register = (url: unknown, options?: unknown) =>
      String(url).includes('_static/out/browser/serviceWorker.js') ? Promise.reject(new Error('code-server service worker disabled for tests')) : register(url, options);
  });
  const page = await context.newPage();
  return {
    browser,
    context,
    page,
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}

export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The runner side of test/integration/host-control.ts: `POST /screenshot?name=x` writes
 * `<screenshotsDir>/x.png`, `POST /screenshot?path=/abs/file.png` writes there; both answer
 * `{ "path": ... }`.
 */
export async function startControlServer(page: Page, screenshotsDir: string): Promise<ControlServer> {
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'POST' && url.pathname === '/screenshot') {
      const name = url.searchParams.get('name');
      const given = url.searchParams.get('path');
      if (!name && !given) return reply(400, { error: 'give ?name=<name> or ?path=<absolute .png path>' });
      if (name && !/^[\w.-]+$/.test(name)) return reply(400, { error: `screenshot name "${name}" may only hold letters, digits, _ . -` });
      const target = given ? path.resolve(given) : path.join(screenshotsDir, `${name}.png`);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      page
        .screenshot({ path: target })
        .then(() => reply(200, { path: target }))
        .catch((err: unknown) => reply(500, { error: err instanceof Error ? err.message : String(err) }));
      return;
    }
    reply(404, { error: `unknown request ${req.method} ${url.pathname}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
