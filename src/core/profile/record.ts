import { existsSync } from 'node:fs';
import { HistoryStore } from '../store/history-store';
import { DEFAULT_RETENTION, type RetentionOptions } from '../store/retention';
import type { CapturedProfile } from './capture';
import { saveProfile } from './store';

/**
 * Keeps a captured profile beside the history, linked to the run it belongs to: the
 * benchmark's latest timing record at the same commit, when the history has one. The
 * history itself is only read (never created or changed) for that link.
 */
export async function recordProfile(
  historyDir: string,
  captured: CapturedProfile,
  options: { commit?: string; baseCommit?: string; retention?: Partial<RetentionOptions>; now?: number } = {},
): Promise<string> {
  const retention = { ...DEFAULT_RETENTION, ...(options.retention ?? {}) };
  const runId = options.commit ? await latestRunAt(historyDir, captured.benchmark, options.commit) : undefined;
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

async function latestRunAt(historyDir: string, benchmark: string, commit: string): Promise<string | undefined> {
  if (!existsSync(historyDir)) return undefined;
  let store: HistoryStore | undefined;
  try {
    store = await HistoryStore.open(historyDir);
    let best: { id: string; timestamp: number } | undefined;
    for (const series of store.listSeries()) {
      if (series.name !== benchmark || series.metric !== 'time') continue;
      for (const run of await store.readSeries(series.seriesId)) {
        if (run.vcs?.commit === commit && (!best || run.timestamp > best.timestamp)) best = { id: run.id, timestamp: run.timestamp };
      }
    }
    return best?.id;
  } catch {
    // A history that cannot be read leaves the profile unlinked; it is still kept.
    return undefined;
  } finally {
    await store?.close();
  }
}
