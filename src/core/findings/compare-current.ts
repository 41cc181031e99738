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

/** Smallest relative change worth a verdict, unless the options say otherwise. */
const DEFAULT_MIN_EFFECT = 0.015;
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

/**
 * What a comparison judged: each run's value (for timings, the median wall time of its samples), or
 * each run's CPU time (user + system of the measured process), for CPU-bound timings.
 */
export type ComparisonBasis = 'value' | 'cpu';

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
  /** What was compared: each run's value, or its CPU time (compareCurrentRuns). */
  basis: ComparisonBasis;
  /** With the CPU basis: the earlier runs' median value (wall time), for tables that show values. */
  valueBaseline?: number;
  /** With the CPU basis: which CPU time of each run, the least of its samples or their median. */
  cpuStatistic?: 'least' | 'median';
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
 * Judged on each run's value (its median); see compareCurrentRuns for CPU-bound timings.
 */
export function compareCurrent(earlier: readonly RunRecord[], current: RunRecord | readonly RunRecord[], options: CompareOptions = {}): CurrentComparison | undefined {
  const checked = Array.isArray(current) ? (current as readonly RunRecord[]) : [current as RunRecord];
  return compareLevels(earlier.slice(-BASELINE_WINDOW).map((r) => r.value), checked.map((r) => r.value), options, 'value');
}

/** The checked levels `now` against the earlier levels `base` (oldest first, already windowed). */
function compareLevels(base: readonly number[], now: readonly number[], options: CompareOptions, basis: ComparisonBasis): CurrentComparison | undefined {
  const minEffect = options.minEffect ?? DEFAULT_MIN_EFFECT;
  if (!now.length || now.some((v) => !(v > 0) || !Number.isFinite(v)) || base.some((v) => !(v > 0) || !Number.isFinite(v))) return undefined;
  const currentMedian = median(now);
  const n = base.length;
  const k = now.length;
  if (n === 0) return undefined;
  const baselineMedian = median(base);
  const ratio = currentMedian / baselineMedian;
  const d = Math.log(ratio);
  const common = { ratio, baselineMedian, currentMedian, baselineRuns: n, currentRuns: k, basis };
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
  const reason = `run-to-run noise is ${pct(runNoise)} (${basis === 'cpu' ? 'CPU time, ' : ''}from ${n} earlier runs), ${what}: ${advice}`;
  return { ...measured, significant: false, state: 'unknown', ...(needRuns !== undefined ? { needRuns } : {}), reason };
}

/** CPU seconds of a timed run (user + system of the measured process, per sample: its median), when it was recorded. */
export function runCpuSeconds(r: RunRecord): number | undefined {
  const user = r.extra?.user;
  const system = r.extra?.system ?? 0;
  if (r.unit !== 's' || typeof user !== 'number' || typeof system !== 'number') return undefined;
  const cpu = user + system;
  return cpu > 0 && Number.isFinite(cpu) ? cpu : undefined;
}

/** The least CPU seconds of a timed run's samples (`extra.cpuMin`), when it was recorded. */
export function runLeastCpuSeconds(r: RunRecord): number | undefined {
  const least = r.extra?.cpuMin;
  return r.unit === 's' && typeof least === 'number' && least > 0 && Number.isFinite(least) ? least : undefined;
}

/**
 * CPU over wall time at which a program counts as CPU-bound: its CPU time then stands for its running
 * time, and a CPU increase counts from the ordinary minimum effect. Judged against the least disturbed
 * sample of all the runs, since on a busy machine even a CPU-bound program's typical sample spends most
 * of its time waiting for a CPU.
 */
export const CPU_BOUND_SHARE = 0.5;

/**
 * The runs' CPU times when every run has one, else undefined: each run's least CPU time when every run
 * recorded it (load only adds CPU time, so the least of a run's samples moves less between runs than
 * their median), else each run's median CPU time. With the minimum effect a CPU change must reach: the
 * ordinary one for a CPU-bound program, else scaled by wall over CPU time (and doubled, see
 * WAITING_EFFECT_MULTIPLE), so that a program that mostly waits (sleep, I/O: 1 ms of CPU in 20 ms) is not
 * failed for a CPU change that is a sliver of its time.
 * As `check --base` does (cpuMinEffect). On a machine so busy that even the least disturbed sample had
 * under half a CPU (load 25 on 2 cores: a 250 ms loop got 0.2 of a CPU), the scaled effect stays far
 * below a real slowdown of a CPU-bound program while still keeping a sleeper's trivial changes out.
 */
/**
 * A program that mostly waits needs its CPU change to reach twice the minimum effect of its least disturbed
 * wall time: the CPU time of a short program drifts with the machine (start-up, caches) by more than its
 * run-to-run noise shows (`sleep 0.02`, 1.4 ms of CPU, moved 29% within a history whose noise read 8%).
 */
const WAITING_EFFECT_MULTIPLE = 2;

function cpuLevels(runs: readonly RunRecord[], minEffect: number): { levels: number[]; statistic: 'least' | 'median'; minEffect: number } | undefined {
  let fastest = Infinity;
  for (const r of runs) for (const wall of r.samples?.length ? r.samples : [r.value]) if (wall > 0) fastest = Math.min(fastest, wall);
  const median_ = runs.map(runCpuSeconds);
  if (!runs.length || median_.some((c) => c === undefined) || !Number.isFinite(fastest)) return undefined;
  // The program's CPU time (its median, not its luckiest sample's) against the least disturbed wall time.
  const share = median(median_ as number[]) / fastest;
  const effect = share >= CPU_BOUND_SHARE ? minEffect : Math.min(1, (WAITING_EFFECT_MULTIPLE * minEffect) / share);
  const least = runs.map(runLeastCpuSeconds);
  const levels = least.every((c) => c !== undefined) ? { levels: least as number[], statistic: 'least' as const } : { levels: median_ as number[], statistic: 'median' as const };
  return { ...levels, minEffect: effect };
}

/**
 * The checked runs against the earlier runs, on the best evidence the runs hold. Every timing is judged on
 * its value (the median wall time of its samples). A timing whose runs all recorded their CPU time is
 * judged on that too (a program that mostly waits against a larger minimum effect, see cpuLevels): load
 * from other work comes and goes between runs and makes a CPU-bound program wait for a CPU, which its
 * wall time counts and its CPU time barely does (on a shared 2-core machine the same command's run
 * medians moved 5-fold in wall time, 1.6-fold in CPU time). Either
 * basis clearing its own run-to-run noise is a change (the CPU time first); otherwise the verdict is the
 * more precise basis': "same" when either can vouch for it, else the one whose noise hides the least.
 * Each basis holds its own false-alarm rate, so two of them can at most double it (from about 1 in
 * 700-1,000 checks of a series with normal noise); every change must also lie beyond every earlier run.
 */
export function compareCurrentRuns(earlier: readonly RunRecord[], current: RunRecord | readonly RunRecord[], options: CompareOptions = {}): CurrentComparison | undefined {
  const checked = Array.isArray(current) ? (current as readonly RunRecord[]) : [current as RunRecord];
  const byValue = compareCurrent(earlier, checked, options);
  if (!byValue) return undefined;
  const window = earlier.slice(-BASELINE_WINDOW);
  const cpu = cpuLevels([...window, ...checked], options.minEffect ?? DEFAULT_MIN_EFFECT);
  const byCpu = cpu ? compareLevels(cpu.levels.slice(0, window.length), cpu.levels.slice(window.length), { ...options, minEffect: cpu.minEffect }, 'cpu') : undefined;
  if (!byCpu) return byValue;
  byCpu.valueBaseline = byValue.baselineMedian;
  byCpu.cpuStatistic = cpu!.statistic;
  if (byCpu.significant) return byCpu;
  if (byValue.significant) return byValue;
  if (byCpu.state === 'same') return byCpu;
  if (byValue.state === 'same') return byValue;
  return (byCpu.detectable ?? Infinity) < (byValue.detectable ?? Infinity) ? byCpu : byValue;
}
