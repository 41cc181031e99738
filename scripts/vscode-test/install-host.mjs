#!/usr/bin/env node
// Installs the browser-served VS Code (code-server, from npm) that the integration and UI
// suites run in when no desktop VS Code can be downloaded. Idempotent: a marker file records
// the installed version, and a second call returns at once.
//
// Why the detours:
// - code-server is installed into a cache folder, not as a project dependency: it is large,
//   builds native modules, and only the tests need it.
// - Its install script refuses to run as root unless npm_config_unsafe_perm is set, and a
//   nested install script calls `npx node-gyp`, which must not stop to ask (npm_config_yes).
// - @vscode/ripgrep downloads ripgrep from GitHub during install. Offline machines cannot, so
//   we pre-seed the cache file it looks for first with the system's own `rg`.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, createWriteStream, mkdtempSync, copyFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const RIPGREP_PACKAGE_VERSION = '1.15.11';
const RIPGREP_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const hostDir = resolve(process.env.PERF_PULSE_HOST_DIR ?? join(repoRoot, '.vscode-test', 'code-server'));
const markerFile = join(hostDir, 'installed.json');
const logFile = join(hostDir, 'install.log');

/** Path of code-server's entry script, or undefined when it is not (fully) installed. */
export function installedCodeServer() {
  if (!existsSync(markerFile)) return undefined;
  try {
    const marker = JSON.parse(readFileSync(markerFile, 'utf8'));
    const entry = join(hostDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
    if (marker.version === CODE_SERVER_VERSION && existsSync(entry)) return entry;
  } catch {
    // A corrupt marker means a half-finished install: reinstall.
  }
  return undefined;
}

function which(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Puts the system's rg where @vscode/ripgrep looks before it tries to download one. */
function seedRipgrepCache() {
  const cacheDir = join(tmpdir(), `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
  const archive = join(cacheDir, RIPGREP_ASSET);
  if (existsSync(archive)) return;
  const rg = which('rg');
  if (!rg) {
    console.warn('[install-host] `rg` is not on the PATH; @vscode/ripgrep will try to download it (install the `ripgrep` package if this fails).');
    return;
  }
  mkdirSync(cacheDir, { recursive: true });
  const staging = mkdtempSync(join(tmpdir(), 'perf-pulse-rg-'));
  try {
    copyFileSync(rg, join(staging, 'rg'));
    chmodSync(join(staging, 'rg'), 0o755);
    // Write under a temporary name first so a concurrent install never sees half an archive.
    const partial = `${archive}.${process.pid}.partial`;
    execFileSync('tar', ['-czf', partial, '-C', staging, 'rg']);
    execFileSync('mv', ['-f', partial, archive]);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** node-gyp would download Node's headers; use the local ones when the Node install has them. */
function localNodeHeadersDir() {
  const prefix = resolve(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node.h')) ? prefix : undefined;
}

function tail(file, lines = 60) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function installHost({ quiet = false } = {}) {
  const existing = installedCodeServer();
  if (existing) {
    if (!quiet) console.log(`[install-host] code-server ${CODE_SERVER_VERSION} already installed in ${hostDir}`);
    return existing;
  }
  const started = Date.now();
  mkdirSync(hostDir, { recursive: true });
  rmSync(markerFile, { force: true });
  // A package.json of its own keeps npm from walking up into the project's package.json.
  writeFileSync(join(hostDir, 'package.json'), JSON.stringify({ name: 'perf-pulse-test-host', private: true }, null, 2) + '\n');
  seedRipgrepCache();

  const env = { ...process.env, npm_config_unsafe_perm: 'true', npm_config_yes: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
  const headers = localNodeHeadersDir();
  if (headers && !env.npm_config_nodedir) env.npm_config_nodedir = headers;

  console.log(`[install-host] installing code-server@${CODE_SERVER_VERSION} into ${hostDir} (builds native modules; takes a few minutes; log: ${logFile})`);
  const log = createWriteStream(logFile);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const code = await new Promise((resolvePromise) => {
    const child = spawn(npm, ['install', '--no-save', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`], {
      cwd: hostDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('error', (err) => {
      log.write(`\n${err.stack ?? err}\n`);
      resolvePromise(127);
    });
    child.on('close', (c) => resolvePromise(c ?? 1));
  });
  await new Promise((r) => log.end(r));

  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const entry = join(hostDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (code !== 0 || !existsSync(entry)) {
    console.error(`[install-host] code-server install FAILED after ${seconds} s (npm exit ${code}). Last lines of ${logFile}:`);
    console.error(tail(logFile));
    throw new Error('code-server install failed');
  }
  writeFileSync(markerFile, JSON.stringify({ version: CODE_SERVER_VERSION, installedAt: new Date().toISOString(), seconds: Number(seconds) }, null, 2) + '\n');
  console.log(`[install-host] code-server ${CODE_SERVER_VERSION} installed in ${seconds} s`);
  return entry;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  installHost().catch(() => process.exit(1));
}
