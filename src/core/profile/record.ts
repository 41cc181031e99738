import { DEFAULT_RETENTION, type RetentionOptions } from '../store/retention';
import type { CapturedProfile } from './capture';
import { saveProfile } from './store';

/** Finds the history record a profile belongs to: the benchmark's latest timing run at a commit. */
export type RunLookup = (benchmark: string, commit: string) => Promise<string | undefined>;

/**
 * Keeps a captured profile beside the history, linked to the run it belongs to (found by
 * `findRun`, when given: the CLI opens the store for it, the editor asks its open store; kept
 * apart so that this module does not carry the store into the editor's tools bundle).
 */
export async function recordProfile(
  historyDir: string,
  captured: CapturedProfile,
  options: { commit?: string; baseCommit?: string; retention?: Partial<RetentionOptions>; now?: number; findRun?: RunLookup } = {},
): Promise<string> {
  const retention = { ...DEFAULT_RETENTION, ...(options.retention ?? {}) };
  let runId: string | undefined;
  try {
    runId = options.commit && options.findRun ? await options.findRun(captured.benchmark, options.commit) : undefined;
  } catch {
    // A history that cannot be read leaves the profile unlinked; it is still kept.
  }
  return saveProfile(
    historyDir,
    {
      benchmark: captured.benchmark,
      profiler: captured.profile.profiler,
      timestamp: options.now ?? Date.now(),
      per: captured.per,
      ...(options.commit ? { commit: options.commit } : {}),
      ...(runId ? { runId } : {}),
      ...(options.baseCommit ? { baseCommit: options.baseCommit } : {}),
    },
    captured.profile,
    retention,
  );
}
