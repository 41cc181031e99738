import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATIVE_LAUNCHER_C } from './native-launcher-source';

/**
 * The native launcher (see native-launcher-source.ts for why), built from its C source
 * with the machine's C compiler the first time it is needed and kept in a per-user
 * cache folder under a name derived from the source, so a changed source builds anew.
 * Without a compiler (or on Windows) the runner times through Node's child_process and
 * says so in its results.
 */
export type LauncherChoice = { kind: 'native'; path: string } | { kind: 'node'; reason: string };

/** Set PERF_PULSE_LAUNCHER=node to time through Node's child_process even when a compiler exists. */
export const LAUNCHER_ENV = 'PERF_PULSE_LAUNCHER';

let cached: Promise<LauncherChoice> | undefined;

/** Where built launchers are kept: the user's cache folder (overridable for tests). */
export function launcherCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PERF_PULSE_CACHE_DIR) return env.PERF_PULSE_CACHE_DIR;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'perf-pulse');
  const base = env.XDG_CACHE_HOME || (homedir() ? join(homedir(), '.cache') : tmpdir());
  return join(base, 'perf-pulse');
}

function launcherFileName(): string {
  const hash = createHash('sha256').update(NATIVE_LAUNCHER_C).update(process.platform).update(process.arch).digest('hex').slice(0, 12);
  return `launcher-${process.platform}-${process.arch}-${hash}`;
}

function run(file: string, args: string[], timeoutMs: number): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, windowsHide: true }, (err, stdout, stderr) => {
      resolve({ ok: !err, output: `${stdout}${stderr}`.trim() || (err ? err.message : '') });
    });
  });
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await fsp.access(path, 0o1);
    return true;
  } catch {
    return false;
  }
}

async function build(env: NodeJS.ProcessEnv): Promise<LauncherChoice> {
  if (process.platform === 'win32') return { kind: 'node', reason: 'no native launcher on Windows' };
  if (env[LAUNCHER_ENV] === 'node') return { kind: 'node', reason: `${LAUNCHER_ENV}=node is set` };
  const dir = launcherCacheDir(env);
  const target = join(dir, launcherFileName());
  if (await isExecutable(target)) return { kind: 'native', path: target };
  const compilers = [env.CC, 'cc', 'gcc', 'clang'].filter((c): c is string => !!c);
  const problems: string[] = [];
  try {
    await fsp.mkdir(dir, { recursive: true });
  } catch (err) {
    return { kind: 'node', reason: `cannot create the launcher cache folder ${dir}: ${(err as Error).message}` };
  }
  // Build beside the target under a unique name, then rename: two processes building at
  // once each finish with a whole file, and nobody runs a half-written one.
  const unique = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const source = join(dir, `launcher-${unique}.c`);
  const temp = `${target}.${unique}.tmp`;
  try {
    await fsp.writeFile(source, NATIVE_LAUNCHER_C);
    for (const cc of compilers) {
      const r = await run(cc, ['-O2', '-o', temp, source], 60_000);
      if (r.ok) {
        await fsp.rename(temp, target);
        return { kind: 'native', path: target };
      }
      problems.push(`${cc}: ${r.output.split('\n')[0] || 'failed'}`);
    }
  } catch (err) {
    problems.push((err as Error).message);
  } finally {
    await fsp.rm(source, { force: true });
    await fsp.rm(temp, { force: true });
  }
  return { kind: 'node', reason: `the native launcher could not be built (${problems.join('; ')})` };
}

/**
 * Finds or builds the native launcher, once per process. A measuring session takes the
 * choice once, so that a shell's start-up cost and the runs it is subtracted from are
 * always timed the same way.
 */
export function ensureLauncher(env: NodeJS.ProcessEnv = process.env): Promise<LauncherChoice> {
  cached ??= build(env);
  return cached;
}

/** Forgets the choice, so the next ensureLauncher looks again (tests). */
export function resetLauncherForTests(): void {
  cached = undefined;
}
