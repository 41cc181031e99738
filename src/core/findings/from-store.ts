import type { LoadedConfig } from '../config';
import type { BudgetBody } from '../config';
import type { Sensitivity } from '../detect';
import type { RunRecord, SeriesInfo } from '../model';
import { lookupTable } from '../own-keys';
import type { HistoryStore } from '../store/history-store';
import { analyzeHistory } from './analyze';
import type { Decisions } from './decisions';
import type { Analysis } from './types';

/**
 * The analysis of a history store, as the CLI and the editor run it: every series (or the
 * given ones), the config's budgets, the decisions, the base branch, and optional current runs
 * that are not (or not yet) in the store.
 */

export interface StoreAnalysisOptions {
  config?: LoadedConfig;
  decisions?: Decisions;
  sensitivity?: Sensitivity;
  /** Explicit base branch; else `main` or `master`, whichever the history has; else every run. */
  baseBranch?: string;
  /** The run being checked: compared with the baseline, kept even when not on the base branch. */
  current?: readonly RunRecord[];
  /** Only these series (default: all in the store plus those of `current`). */
  seriesIds?: ReadonlySet<string>;
}

export interface StoreAnalysis {
  analysis: Analysis;
  baseBranch?: string;
}

function infoFrom(records: readonly RunRecord[]): SeriesInfo {
  const first = records[0];
  const last = records[records.length - 1];
  return {
    seriesId: first.seriesId,
    name: first.name,
    metric: first.metric,
    unit: first.unit,
    direction: first.direction,
    source: first.source,
    ...(first.group ? { group: first.group } : {}),
    machineId: first.machine.id,
    runs: records.length,
    firstTimestamp: first.timestamp,
    lastTimestamp: last.timestamp,
    lastValue: last.value,
    ...(first.location ? { location: first.location } : {}),
  };
}

export function benchmarkBudgets(config: LoadedConfig | undefined): Record<string, BudgetBody> {
  const out = lookupTable<BudgetBody>(); // keyed by benchmark names: any string
  for (const b of config?.config.benchmarks ?? []) if (b.budget) out[b.name] = b.budget;
  return out;
}

export async function analyzeStore(store: HistoryStore, options: StoreAnalysisOptions = {}): Promise<StoreAnalysis> {
  const current = options.current ?? [];
  const currentIds = new Set(current.map((r) => r.id));
  const currentBySeries = new Map<string, RunRecord[]>();
  for (const r of current) currentBySeries.set(r.seriesId, [...(currentBySeries.get(r.seriesId) ?? []), r]);

  const infos = new Map<string, SeriesInfo>();
  for (const s of store.listSeries()) infos.set(s.seriesId, s);
  const runsById = new Map<string, RunRecord[]>();
  const branches = new Set<string>();
  const wanted = [...new Set([...infos.keys(), ...currentBySeries.keys()])].filter((id) => !options.seriesIds || options.seriesIds.has(id));
  for (const id of wanted) {
    const stored = infos.has(id) ? await store.readSeries(id) : [];
    // A current run that was already appended to the store is not counted twice.
    const extra = (currentBySeries.get(id) ?? []).filter((r) => !stored.some((s) => s.id === r.id));
    const runs = [...stored, ...extra];
    if (!runs.length) continue;
    runsById.set(id, runs);
    if (!infos.has(id)) infos.set(id, infoFrom(runs));
    for (const r of runs) if (r.vcs?.branch && !currentIds.has(r.id)) branches.add(r.vcs.branch);
  }
  const baseBranch = options.baseBranch ?? (branches.has('main') ? 'main' : branches.has('master') ? 'master' : undefined);
  const analysis = await analyzeHistory({
    series: [...runsById.keys()].map((id) => infos.get(id)!),
    load: async (id) => runsById.get(id) ?? [],
    budgets: options.config?.config.budgets ?? [],
    benchmarkBudgets: benchmarkBudgets(options.config),
    ...(options.decisions ? { decisions: options.decisions } : {}),
    options: {
      ...(options.sensitivity ? { sensitivity: options.sensitivity } : {}),
      ...(baseBranch ? { baseBranch } : {}),
      ...(currentIds.size ? { currentRecordIds: currentIds } : {}),
    },
  });
  return { analysis, ...(baseBranch ? { baseBranch } : {}) };
}
