import type { LoadedConfig } from '../core/config';
import type { Sensitivity } from '../core/detect';
import { DecisionsError, loadDecisions } from '../core/findings/decisions';
import { analyzeStore, type StoreAnalysisOptions } from '../core/findings/from-store';
import { HistoryStore, resolveHistoryDir, StoreError } from '../core/store/history-store';
import { CliError } from './cli-types';

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
