import type { RunRecord } from '../model';
import { normalCdf } from '../stats/distributions';
import { MAD_SCALE, median } from '../stats/summary';

/**
 * The checked run against the earlier runs, for CI where the checked run is a single new point the
 * history detector cannot confirm yet.
 *
 * The noise that matters here is the variation *between runs* (different processes, different machine
 * states), not the spread of one run's samples: on a shared runner two runs of the same commit differ by
 * far more than either run's samples suggest. So the comparison works on run medians only: the level is
 * the median of the earlier runs, the run-to-run noise is the spread of their logs (runToRunNoise), and the checked
 * level (the checked run, pooled with earlier runs of the same commit) must clear a prediction bound of
 * that noise and lie beyond every earlier run. With too few earlier runs to know the noise, the answer is
 * "unknown", never a change.
 */

/** Earlier runs needed before the run-to-run noise is known well enough to judge one run. */
export const MIN_BASELINE_RUNS = 8;
/** The most recent earlier runs that make the baseline. */
const BASELINE_WINDOW = 30;
/**
 * A change must exceed Z_CHANGE + Z_SMALL_SAMPLE / n standard deviations of the difference (n earlier
 * runs; the second term pays for a noise estimated from few runs) and lie beyond every earlier run. With
 * normal noise that is about one false alarm in 700 to 1,000 checks of a series (simulated for 8 to 30
 * earlier runs); a load that hit a few earlier runs leaves the noise estimate small but not their range.
 */
const Z_CHANGE = 3;
const Z_SMALL_SAMPLE = 8;
const Z_INTERVAL = 1.96;
/** The variance of a median of n runs is about π/2 times that of a mean. */
const MEDIAN_VARIANCE = Math.PI / 2;
/** A history whose smallest detectable change is above this cannot vouch for a run: "unknown". */
export const NOISE_LIMIT = 0.1;

/**
 * Run-to-run noise on logs: the larger of the scaled MAD and the standard deviation of all the runs. Every
 * run counts: runs slowed by a load that comes and goes are part of what a new run may look like, and
 * leaving them out (as a robust estimate alone would) makes the next loaded run read as a regression.
 * (Simulated, 20 earlier runs, 30% of runs under a load that makes them 40% slower: one false alarm in
 * 400 to 700 checks this way, one in 20 to 40 with the MAD alone.)
 */
export function runToRunNoise(logs: readonly number[]): number {
  const centre = median(logs);
  const mad = MAD_SCALE * median(logs.map((x) => Math.abs(x - centre)));
  if (logs.length < 2) return mad;
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  const sd = Math.sqrt(logs.reduce((a, x) => a + (x - mean) ** 2, 0) / (logs.length - 1));
  return Math.max(mad, sd);
}

export type ComparisonState = 'changed' | 'same' | 'unknown';

export interface CurrentComparison {
  /** checked level / baseline level. */
  ratio: number;
  ratioCi: [number, number];
  pValue: number;
  baselineMedian: number;
  currentMedian: number;
  /** A change that clears the run-to-run noise (state 'changed'). */
  significant: boolean;
  state: ComparisonState;
  /** Earlier runs the baseline rests on. */
  baselineRuns: number;
  /** Runs of the checked commit pooled into the checked level (the checked run included). */
  currentRuns: number;
  /** Relative run-to-run noise of the baseline runs (robust standard deviation of their logs). */
  runNoise?: number;
  /** The smallest change the comparison could tell from noise with the runs it has. */
  detectable?: number;
  /** For an unknown: more runs of the checked commit that would settle it if the difference holds. */
  needRuns?: number;
  /** For an unknown: why, in words. */
  reason?: string;
}

export interface CompareOptions {
  /** Smallest relative change worth a verdict (default 1.5%). */
  minEffect?: number;
  /** Multiplies the change threshold (sensitivity presets). */
  noiseMultiple?: number;
}

function pct(x: number): string {
  const p = x * 100;
  return `${p < 10 ? Number(p.toFixed(1)) : Math.round(p)}%`;
}

/**
 * `earlier`: the runs the checked level is judged against (oldest first); `current`: the runs of the
 * checked commit (one, or several when the commit was measured before), the checked run last.
 */
export function compareCurrent(earlier: readonly RunRecord[], current: RunRecord | readonly RunRecord[], options: CompareOptions = {}): CurrentComparison | undefined {
  const checked = Array.isArray(current) ? (current as readonly RunRecord[]) : [current as RunRecord];
  const minEffect = options.minEffect ?? 0.015;
  const base = earlier.slice(-BASELINE_WINDOW).map((r) => r.value);
  const now = checked.map((r) => r.value);
  if (!now.length || now.some((v) => !(v > 0) || !Number.isFinite(v)) || base.some((v) => !(v > 0) || !Number.isFinite(v))) return undefined;
  const currentMedian = median(now);
  const n = base.length;
  const k = now.length;
  if (n === 0) return undefined;
  const baselineMedian = median(base);
  const ratio = currentMedian / baselineMedian;
  const d = Math.log(ratio);
  const common = { ratio, baselineMedian, currentMedian, baselineRuns: n, currentRuns: k };
  if (n < MIN_BASELINE_RUNS) {
    const need = MIN_BASELINE_RUNS - n;
    return {
      ...common,
      ratioCi: [ratio, ratio],
      pValue: 1,
      significant: false,
      state: 'unknown',
      needRuns: need,
      reason: `only ${n} earlier run${n === 1 ? '' : 's'} to learn the run-to-run noise from: need ${need} more run${need === 1 ? '' : 's'}, or use check --base`,
    };
  }
  const z = (Z_CHANGE + Z_SMALL_SAMPLE / n) * Math.max(1, (options.noiseMultiple ?? 2) / 2);
  const sigma = runToRunNoise(base.map(Math.log));
  const sdLevel = sigma * Math.sqrt(1 / k + MEDIAN_VARIANCE / n);
  const ratioCi: [number, number] = [Math.exp(d - Z_INTERVAL * sdLevel), Math.exp(d + Z_INTERVAL * sdLevel)];
  const pValue = sdLevel > 0 ? 2 * (1 - normalCdf(Math.abs(d) / sdLevel)) : d === 0 ? 1 : 0;
  const minLog = Math.log1p(minEffect);
  const threshold = Math.max(z * sdLevel, minLog);
  const beyondAll = d > 0 ? currentMedian > Math.max(...base) : currentMedian < Math.min(...base);
  const detectable = Math.expm1(threshold);
  const runNoise = Math.expm1(sigma);
  const measured = { ...common, ratioCi, pValue, runNoise, detectable };
  if (Math.abs(d) > threshold && beyondAll) return { ...measured, significant: true, state: 'changed' };
  const noisy = detectable > NOISE_LIMIT;
  if (!noisy && Math.abs(d) < Math.max(minLog, 2 * sdLevel)) return { ...measured, significant: false, state: 'same' };
  // The noise hides what matters here: how many runs of this commit would tell the difference (or 10%) from it.
  const target = Math.max(Math.abs(d), Math.log1p(NOISE_LIMIT));
  const spare = sigma > 0 ? (target / z) ** 2 / (sigma * sigma) - MEDIAN_VARIANCE / n : 0;
  const total = spare > 0 ? Math.ceil(1 / spare) : undefined;
  const needRuns = total !== undefined && total > k ? Math.min(total - k, 99) : undefined;
  const moved = `${pct(Math.abs(ratio - 1))} ${ratio > 1 ? 'higher' : 'lower'}`;
  const what = noisy ? `changes under ${pct(detectable)} cannot be told from it (this run: ${moved})` : `too much to tell ${moved} from it`;
  const advice = needRuns !== undefined ? `need ${needRuns} more run${needRuns === 1 ? '' : 's'} of this commit, or use check --base` : 'use check --base';
  const reason = `run-to-run noise is ${pct(runNoise)} (from ${n} earlier runs), ${what}: ${advice}`;
  return { ...measured, significant: false, state: 'unknown', ...(needRuns !== undefined ? { needRuns } : {}), reason };
}
