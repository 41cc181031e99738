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
 * the median of the earlier runs, the run-to-run noise is the scaled MAD of their logs, and the checked
 * level (the checked run, pooled with earlier runs of the same commit) must clear a prediction bound of
 * that noise and lie beyond every earlier run. With too few earlier runs to know the noise, the answer is
 * "unknown", never a change.
 */

/** Earlier runs needed before the run-to-run noise is known well enough to judge one run. */
export const MIN_BASELINE_RUNS = 8;
/** The most recent earlier runs that make the baseline. */
const BASELINE_WINDOW = 30;
/** A change must exceed this many run-to-run standard deviations (one run in ~740 by chance when normal, and it must lie beyond every earlier run too). */
const Z_CHANGE = 3;
const Z_INTERVAL = 1.96;
/** The variance of a median of n runs is about π/2 times that of a mean. */
const MEDIAN_VARIANCE = Math.PI / 2;

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
  const z = Z_CHANGE * Math.max(1, (options.noiseMultiple ?? 2) / 2);
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
  const logs = base.map(Math.log);
  const centre = median(logs);
  const sigma = MAD_SCALE * median(logs.map((x) => Math.abs(x - centre)));
  const sdLevel = sigma * Math.sqrt(1 / k + MEDIAN_VARIANCE / n);
  const ratioCi: [number, number] = [Math.exp(d - Z_INTERVAL * sdLevel), Math.exp(d + Z_INTERVAL * sdLevel)];
  const pValue = sdLevel > 0 ? 2 * (1 - normalCdf(Math.abs(d) / sdLevel)) : d === 0 ? 1 : 0;
  const threshold = Math.max(z * sdLevel, Math.log1p(minEffect));
  // Beyond every earlier run too: a load that hit a few earlier runs leaves the MAD small but not the range.
  const beyondAll = d > 0 ? currentMedian > Math.max(...base) : currentMedian < Math.min(...base);
  const detectable = Math.expm1(threshold);
  const runNoise = Math.expm1(sigma);
  if (Math.abs(d) > threshold && beyondAll) {
    return { ...common, ratioCi, pValue, significant: true, state: 'changed', runNoise, detectable };
  }
  if (Math.abs(d) < Math.log1p(minEffect)) {
    return { ...common, ratioCi, pValue, significant: false, state: 'same', runNoise, detectable };
  }
  // A difference worth knowing about that the noise hides: how many runs of this commit would settle it.
  const spare = (d / z) ** 2 / (sigma * sigma) - MEDIAN_VARIANCE / n;
  const total = sigma > 0 && spare > 0 ? Math.ceil(1 / spare) : undefined;
  const needRuns = total !== undefined && total > k ? Math.min(total - k, 99) : undefined;
  const moved = `${pct(Math.abs(ratio - 1))} ${ratio > 1 ? 'higher' : 'lower'}`;
  const reason =
    needRuns !== undefined
      ? `run-to-run noise is ${pct(runNoise)} (from ${n} earlier runs), too much to tell ${moved} from it: need ${needRuns} more run${needRuns === 1 ? '' : 's'} of this commit, or use check --base`
      : `run-to-run noise is ${pct(runNoise)} (from ${n} earlier runs), too much to tell ${moved} from it: use check --base`;
  return { ...common, ratioCi, pValue, significant: false, state: 'unknown', runNoise, detectable, ...(needRuns !== undefined ? { needRuns } : {}), reason };
}
