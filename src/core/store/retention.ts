import type { RunRecord } from '../model';
import { summarize } from '../stats/summary';

/** How much history compaction keeps. Settings in the extension override these. */
export interface RetentionOptions {
  /** Raw samples are kept for this many most recent runs of each series; older runs keep their summary. */
  keepSamplesRuns: number;
  /** At most this many runs per series are kept (oldest dropped first). 0 = no limit. */
  maxRunsPerSeries: number;
  /** Runs older than this many days are dropped. 0 = no limit. */
  maxAgeDays: number;
}

/**
 * Defaults sized so that a year of daily use stays well under 50 MB
 * (see docs/HISTORY.md and the store benchmark for the measured size).
 */
export const DEFAULT_RETENTION: Readonly<RetentionOptions> = Object.freeze({
  keepSamplesRuns: 50,
  maxRunsPerSeries: 5000,
  // No age limit by default: imported CI history can be years old and is still the baseline.
  maxAgeDays: 0,
});

/** What the caller's regression verdicts depend on; compaction never thins or drops those runs. */
export interface ProtectOptions {
  /** Keep at least the last N runs of this series whole (samples included). */
  protect?: (seriesId: string) => number;
  /** Record ids that must be kept whole. */
  protectIds?: ReadonlySet<string>;
}

export type RetentionDecision = 'keep' | 'thin' | 'drop';

/**
 * Decides for each run of one series (oldest first) whether it is kept whole,
 * thinned to its summary, or dropped.
 */
export function planRetention(
  runs: readonly RunRecord[],
  retention: RetentionOptions,
  protect: ProtectOptions,
  now: number,
): RetentionDecision[] {
  const n = runs.length;
  const protectedTail = runs.length ? Math.max(0, protect.protect?.(runs[0].seriesId) ?? 0) : 0;
  const keepWhole = Math.max(retention.keepSamplesRuns, protectedTail);
  const oldestAllowed = retention.maxAgeDays > 0 ? now - retention.maxAgeDays * 86_400_000 : -Infinity;
  const countLimit = retention.maxRunsPerSeries > 0 ? Math.max(retention.maxRunsPerSeries, protectedTail) : Infinity;
  return runs.map((run, i) => {
    const fromEnd = n - i; // 1 = newest
    const isProtected = fromEnd <= protectedTail || protect.protectIds?.has(run.id) === true;
    if (isProtected) return 'keep';
    if (fromEnd > countLimit || run.timestamp < oldestAllowed) return 'drop';
    if (fromEnd > keepWhole && run.samples && run.samples.length) return 'thin';
    return 'keep';
  });
}

/** The run without raw samples but with a summary of them, so statistics still have n, median, spread. */
export function thinRecord(run: RunRecord): RunRecord {
  if (!run.samples || run.samples.length === 0) return run;
  const { samples, ...rest } = run;
  return { ...rest, summary: run.summary ?? summarize(samples, { bootstrap: false }) };
}
