import { parseDuration, type BenchmarkConfig } from '../config';

/** How many runs and how long: hyperfine's spirit (at least 10 runs and 3 s), with an early stop. */
export interface RunPolicy {
  warmup: number;
  /** Successful runs required before stopping. */
  minRuns: number;
  /** Runs (failed ones included) after which we stop regardless. */
  maxRuns: number;
  /** Seconds of measuring required before stopping. */
  minTime: number;
  /** Seconds of measuring after which we stop regardless. */
  maxTime: number;
  /** Stop once the 95% interval of the median is within ± this share of it. */
  precision: number;
  timeoutMs?: number;
}

export const DEFAULT_POLICY: RunPolicy = { warmup: 1, minRuns: 10, maxRuns: 10_000, minTime: 3, maxTime: 10, precision: 0.01 };

/** Turns a benchmark's settings into a consistent policy (limits win over minimums). */
export function resolvePolicy(bench: Partial<BenchmarkConfig>, defaults: RunPolicy = DEFAULT_POLICY): RunPolicy {
  const p: RunPolicy = { ...defaults, timeoutMs: bench.timeoutMs ?? defaults.timeoutMs };
  if (bench.warmup !== undefined) p.warmup = Math.max(0, Math.floor(bench.warmup));
  if (bench.runs !== undefined) {
    // A fixed count: exactly that many runs, however long they take.
    p.minRuns = p.maxRuns = Math.max(1, Math.floor(bench.runs));
    p.minTime = 0;
    p.maxTime = Infinity;
  }
  if (bench.minRuns !== undefined) p.minRuns = Math.max(1, Math.floor(bench.minRuns));
  if (bench.maxRuns !== undefined) p.maxRuns = Math.max(1, Math.floor(bench.maxRuns));
  if (bench.minTime !== undefined) p.minTime = parseDuration(bench.minTime);
  if (bench.maxTime !== undefined) p.maxTime = parseDuration(bench.maxTime);
  if (bench.maxTime === undefined && p.maxTime < p.minTime) p.maxTime = p.minTime;
  p.minRuns = Math.min(p.minRuns, p.maxRuns);
  p.minTime = Math.min(p.minTime, p.maxTime);
  return p;
}

/**
 * Distribution-free 95% interval of the median from order statistics (binomial
 * ranks). Cheap enough to check while running, and needs no random numbers.
 */
export function medianInterval(sortedValues: readonly number[]): [number, number] | undefined {
  const n = sortedValues.length;
  if (n < 6) return undefined;
  const half = 1.959964 * Math.sqrt(n) / 2;
  const lo = Math.max(0, Math.floor(n / 2 - half) - 1);
  const hi = Math.min(n - 1, Math.ceil(n / 2 + half));
  return [sortedValues[lo], sortedValues[hi]];
}

/** True when the median's interval is within ±precision of the median. */
export function medianIsPrecise(values: readonly number[], precision: number): boolean {
  const sorted = Float64Array.from(values).sort();
  const ci = medianInterval(sorted as unknown as number[]);
  if (!ci) return false;
  const n = sorted.length;
  const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  if (!(median > 0)) return ci[0] === ci[1];
  return ci[1] - median <= precision * median && median - ci[0] <= precision * median;
}

export interface Progress {
  /** Successful timings so far. */
  samples: readonly number[];
  /** All measured runs so far, failed ones included. */
  runs: number;
  /** Seconds since measuring began. */
  elapsed: number;
}

export type StopReason = 'max-runs' | 'max-time' | 'precise' | 'min-reached';

/**
 * Whether to stop measuring. The minimums always hold (unless a limit is hit);
 * past them we stop as soon as more runs would not move the median by more than
 * the precision, or at a limit. The precision check is repeated only every ~10%
 * more runs, which keeps its cost negligible for thousands of short runs.
 */
export class StoppingRule {
  private nextCheckAt = 0;
  constructor(readonly policy: RunPolicy) {}

  decide(p: Progress): StopReason | undefined {
    const { policy } = this;
    if (p.runs >= policy.maxRuns) return 'max-runs';
    if (p.elapsed >= policy.maxTime) return 'max-time';
    if (p.samples.length < policy.minRuns || p.elapsed < policy.minTime) return undefined;
    if (policy.maxRuns === policy.minRuns) return 'min-reached';
    if (p.samples.length < this.nextCheckAt) return undefined;
    this.nextCheckAt = p.samples.length + Math.max(1, Math.floor(p.samples.length / 10));
    return medianIsPrecise(p.samples, policy.precision) ? 'precise' : undefined;
  }
}
