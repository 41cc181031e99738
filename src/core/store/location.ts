import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from './segment-file';
import { tryLock } from './locks';

/** The history folder inside a workspace, shared by the CLI, CI and (by choice or when present) the extension. */
export const WORKSPACE_HISTORY = path.join('.perfpulse', 'history');

export interface ResolveHistoryOptions {
  /** The workspace folder (the CLI's `--workspace` or cwd; the extension's first folder). */
  workspaceDir?: string;
  /** An explicit folder: the CLI's `--history`, the extension's `perfPulse.history.path` setting. */
  override?: string;
  env?: NodeJS.ProcessEnv;
  /** The extension's `ExtensionContext.storageUri` (or global storage) path; absent in the CLI. */
  storageDir?: string;
  /** The extension's `perfPulse.history.location` setting. */
  location?: 'workspaceStorage' | 'workspace';
  /** Folder → history map of the per-user registry; read from disk when not given. */
  registry?: Record<string, string>;
  /** File-existence check; `fs.existsSync` when not given. */
  exists?: (p: string) => boolean;
}

/**
 * Where a workspace's history lives, the same answer for the CLI and the editor:
 * 1. an explicit folder (`--history`, or the extension setting),
 * 2. `PERF_PULSE_HISTORY`,
 * 3. `<workspace>/.perfpulse/history` when it exists or the setting asks for it,
 * 4. the extension: its workspace storage (recorded in the registry for the CLI);
 *    the CLI: the folder the extension registered for this workspace,
 * 5. `<workspace>/.perfpulse/history` (created on first write).
 * Without a workspace and without storage: `<user state>/perf-pulse/global-history`.
 */
export function resolveHistoryDir(opts: ResolveHistoryOptions): string {
  const env = opts.env ?? process.env;
  const exists = opts.exists ?? fs.existsSync;
  const workspace = opts.workspaceDir ? path.resolve(opts.workspaceDir) : undefined;
  if (opts.override) return path.resolve(workspace ?? process.cwd(), expandHome(opts.override, env));
  if (env.PERF_PULSE_HISTORY) return path.resolve(workspace ?? process.cwd(), expandHome(env.PERF_PULSE_HISTORY, env));
  const inWorkspace = workspace ? path.join(workspace, WORKSPACE_HISTORY) : undefined;
  if (inWorkspace && (opts.location === 'workspace' || exists(inWorkspace))) return inWorkspace;
  if (opts.storageDir) return path.join(opts.storageDir, 'history');
  if (workspace) {
    const registry = opts.registry ?? readHistoryRegistry(env);
    const registered = registry[registryKey(workspace)];
    if (registered) return registered;
    return inWorkspace!;
  }
  return path.join(userStateDir(env), 'global-history');
}

/** The per-user folder for Perf Pulse state (XDG state dir, `%LOCALAPPDATA%`, `~/Library/Application Support`). */
export function userStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.PERF_PULSE_STATE_DIR) return env.PERF_PULSE_STATE_DIR;
  const home = env.HOME ?? env.USERPROFILE ?? os.homedir();
  if (platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'perf-pulse');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'perf-pulse');
  return path.join(env.XDG_STATE_HOME || path.join(home, '.local', 'state'), 'perf-pulse');
}

export function historyRegistryPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(userStateDir(env), 'workspaces.json');
}

/** Folder keys compare the way the file system does: case-insensitively on Windows and macOS. */
export function registryKey(workspaceDir: string, platform: NodeJS.Platform = process.platform): string {
  const resolved = path.resolve(workspaceDir);
  return platform === 'win32' || platform === 'darwin' ? resolved.toLowerCase() : resolved;
}

export function readHistoryRegistry(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  try {
    const doc = JSON.parse(fs.readFileSync(historyRegistryPath(env), 'utf8')) as { workspaces?: Record<string, string> };
    return doc.workspaces && typeof doc.workspaces === 'object' ? doc.workspaces : {};
  } catch {
    return {};
  }
}

/**
 * Records that the editor keeps `workspaceDir`'s history in `historyDir`, so the
 * CLI run in that folder finds it. Read-modify-write under a lock, written atomically.
 */
export async function registerWorkspaceHistory(workspaceDir: string, historyDir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const file = historyRegistryPath(env);
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  let release: (() => Promise<void>) | undefined;
  for (let attempt = 0; attempt < 50 && !release; attempt++) {
    release = await tryLock(file + '.lock', 10_000);
    if (!release) await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
  }
  try {
    const registry = readHistoryRegistry(env);
    const key = registryKey(workspaceDir);
    const value = path.resolve(historyDir);
    if (registry[key] === value) return;
    registry[key] = value;
    await writeFileAtomic(file, JSON.stringify({ version: 1, workspaces: registry }, null, 2) + '\n');
  } finally {
    await release?.();
  }
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) return path.join(env.HOME ?? os.homedir(), p.slice(1));
  return p;
}

/**
 * Why a history folder that does not exist cannot be created, found by looking at its nearest
 * existing ancestor: a file in the way (ENOTDIR), a read-only file system (EROFS) or no permission
 * (EACCES). Node's recursive mkdir reports all of these as ENOENT for the missing folder itself.
 * Undefined when the ancestor looks writable (or the folder exists).
 */
export async function creationProblem(dir: string): Promise<NodeJS.ErrnoException | undefined> {
  let current = path.resolve(dir);
  for (;;) {
    let info: fs.Stats | undefined;
    try {
      info = await fs.promises.stat(current);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') return err as NodeJS.ErrnoException;
    }
    if (info) {
      if (current === path.resolve(dir)) return undefined;
      if (!info.isDirectory()) {
        return Object.assign(new Error(`ENOTDIR: ${current} is a file, not a folder`), { code: 'ENOTDIR', path: current });
      }
      try {
        await fs.promises.access(current, fs.constants.W_OK);
        return undefined;
      } catch (err) {
        return err as NodeJS.ErrnoException;
      }
    }
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}
