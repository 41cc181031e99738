import type { LoadedConfig } from '../core/config';
import type { Sensitivity } from '../core/detect';
import { DecisionsError, loadDecisions } from '../core/findings/decisions';
import { analyzeStore, type StoreAnalysisOptions } from '../core/findings/from-store';
import { HistoryStore, resolveHistoryDir, StoreError } from '../core/store/history-store';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { creationProblem } from '../core/store/location';
import { CliError } from './cli-types';
import { fsProblem } from './problems';

/** Opens the workspace's history (or the one named by --history), as the editor resolves it. */
export async function openHistory(workspace: string, override: string | undefined, env: NodeJS.ProcessEnv): Promise<HistoryStore> {
  const dir = resolveHistoryDir({ workspaceDir: workspace, ...(override ? { override } : {}), env });
  try {
    return await HistoryStore.open(dir);
  } catch (err) {
    throw new CliError(`cannot open the history at ${dir}: ${(err as Error).message}`);
  }
}

export async function readDecisions(dir: string) {
  try {
    return await loadDecisions(dir);
  } catch (err) {
    if (err instanceof DecisionsError) throw new CliError(err.message);
    throw err;
  }
}

/**
 * Runs `work` on the store at `dir` and closes it whatever happens. Errors a user must
 * read (the store's, and those of the given kinds) become CLI errors with their message;
 * `onError` may turn an error into a CLI error of its own first (e.g. an interruption).
 */
export async function withHistoryAt<T>(
  dir: string,
  work: (store: HistoryStore) => Promise<T>,
  options: { userErrors?: Array<abstract new (...args: never[]) => Error>; onError?: (err: unknown) => CliError | undefined } = {},
): Promise<T> {
  let store: HistoryStore | undefined;
  try {
    store = await HistoryStore.open(dir);
    return await work(store);
  } catch (err) {
    const own = options.onError?.(err);
    if (own) throw own;
    if (err instanceof StoreError || options.userErrors?.some((kind) => err instanceof kind)) throw new CliError((err as Error).message);
    throw err;
  } finally {
    await store?.close();
  }
}

/** The analysis `check` and `report` share: the history judged with the workspace's config and decisions. */
export async function analyzeWorkspaceHistory(
  store: HistoryStore,
  options: { config?: LoadedConfig; sensitivity?: Sensitivity; baseBranch?: string } & Pick<StoreAnalysisOptions, 'current' | 'seriesIds'>,
) {
  const decisions = await readDecisions(store.dir);
  return analyzeStore(store, {
    ...(options.config ? { config: options.config } : {}),
    decisions,
    ...(options.sensitivity ? { sensitivity: options.sensitivity } : {}),
    ...(options.baseBranch ? { baseBranch: options.baseBranch } : {}),
    ...(options.current ? { current: options.current } : {}),
    ...(options.seriesIds ? { seriesIds: options.seriesIds } : {}),
  });
}

/** `<file>: <problem>` for a file-system error, naming the file it happened to. */
function fsCause(err: unknown, fallbackFile: string): string {
  const e = err as NodeJS.ErrnoException;
  return `${typeof e?.path === 'string' ? e.path : fallbackFile}: ${fsProblem(err) ?? e?.message ?? String(err)}`;
}

/**
 * For commands that only read: whether a history exists at `dir` (false: none yet, which is not
 * an error). A path that cannot be a history (a file, a folder that cannot be read, a `segments`
 * that is not a folder) is a CliError naming the path and the problem, never "no history yet".
 */
export async function historyExists(dir: string): Promise<boolean> {
  let info: fs.Stats;
  try {
    info = await fs.promises.stat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new CliError(`cannot read the history: ${fsCause(err, dir)}`);
  }
  if (!info.isDirectory()) throw new CliError(`cannot read the history: ${dir} is a file, not a history folder`);
  const segments = path.join(dir, 'segments');
  try {
    await fs.promises.readdir(dir);
    if (!fs.existsSync(segments)) return false;
    await fs.promises.readdir(segments);
  } catch (err) {
    throw new CliError(`cannot read the history: ${fsCause(err, dir)}`);
  }
  return true;
}

/**
 * For commands that write (import, check, run, compact), before any work is done: the history at
 * `dir` can be written, or it can be created. Otherwise a CliError names the real cause
 * (a read-only file system, no permission, a file in the way), not the ENOENT that creating
 * a folder under a read-only parent reports.
 */
export async function assertHistoryWritable(dir: string): Promise<void> {
  let info: fs.Stats | undefined;
  try {
    info = await fs.promises.stat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new CliError(`cannot write the history: ${fsCause(err, dir)}`);
  }
  if (!info) {
    const problem = await creationProblem(dir);
    if (problem) throw new CliError(`cannot create the history folder ${dir}: ${fsCause(problem, path.dirname(dir))}`);
    return;
  }
  if (!info.isDirectory()) throw new CliError(`cannot write the history: ${dir} is a file, not a history folder`);
  for (const folder of [dir, path.join(dir, 'segments')]) {
    try {
      if (!(await fs.promises.stat(folder)).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR', path: folder });
      await fs.promises.access(folder, fs.constants.W_OK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && folder !== dir) continue;
      throw new CliError(`cannot write the history: ${fsCause(err, folder)}`);
    }
  }
}
