import type { Direction } from '../model';
import { benjaminiHochberg } from '../stats/tests';
import { fastMedian as median, fastScaledMad as scaledMad } from '../stats/select';
import { detectRaw, NonFiniteValue, type DetectorSettings, type RawChange, type RawDetection } from './series-detector';

/**
 * Regression detection over run histories: the one detector used by the extension, the CLI
 * (`perf-pulse detect`) and the quality benchmark.
 */

export type Sensitivity = 'low' | 'default' | 'high';

export interface DetectOptions {
  /** No verdict from fewer points (default 10). */
  minPoints?: number;
  /** False discovery rate across all candidate changes of one call (Benjamini–Hochberg; default 0.01). */
  alpha?: number;
  /** Shifts the practical-effect thresholds (low: fewer, larger alerts). */
  sensitivity?: Sensitivity;
  /** Smallest relative change worth an alert (default 0.015; 'low' 0.03, 'high' 0.01). */
  minEffect?: number;
  /** Budget-driven severity: a regression whose new level exceeds this value is critical. */
  budget?: number;
}

export interface Change {
  /** First run at the new level. */
  index: number;
  /** Last run at the old level (index - 1). */
  lastGoodIndex: number;
  kind: 'regression' | 'improvement';
  /**
   * New level / old level in the series' own units: the estimated step, which always lies inside
   * ratioCi. Always finite. When the old level is 0 (or the levels differ in sign) no ratio
   * exists: `relative` is then false and ratio is 1 + difference / the larger level's size
   * (0 -> 5 gives 2, "+100% of the new level"); say such a change with `difference` instead.
   */
  ratio: number;
  /** 95% interval of the ratio. */
  ratioCi: [number, number];
  /**
   * New level - old level, in the series' own units (always finite), and its 95% interval. Set
   * by the detector; optional for changes built elsewhere from other comparisons.
   */
  difference?: number;
  differenceCi?: [number, number];
  /** false: `ratio` is not new/old (a step from 0), state the change by `difference`. Absent means true. */
  relative?: boolean;
  pValue: number;
  severity: 'critical' | 'warning' | 'info';
  /** false = suspect: too few points after it to be sure (always so with one run after it). */
  confirmed: boolean;
  /** Runs at the new level the verdict rests on (up to the detector's window; set by the detector). */
  runsAfter?: number;
  /** |change| in multiples of the local noise. */
  effectInNoise: number;
  /** Commits of the last good and first bad run, filled in by callers that know them. */
  lastGoodCommit?: string;
  firstBadCommit?: string;
}

export type SeriesState = 'insufficient-data' | 'stable' | 'regressed' | 'improved' | 'suspect' | 'noisy';

export interface SeriesVerdict {
  id: string;
  changes: Change[];
  state: SeriesState;
  /** The current level: runs since the last confirmed change. */
  baseline?: { from: number; to: number; median: number; noise: number };
}

export interface SeriesInput {
  id: string;
  direction: Direction;
  values: readonly number[];
}

/** Relative noise above which a series without changes is reported as noisy rather than stable. */
const NOISY_CV = 0.15;
/** Regressions at least this large are critical (unless a budget says otherwise). */
const CRITICAL_RATIO = 0.1;

export function settingsFor(options: DetectOptions = {}): DetectorSettings {
  const sensitivity = options.sensitivity ?? 'default';
  const preset = {
    low: { minEffect: 0.03, noiseMultiple: 3, earlyNoiseMultiple: 4 },
    default: { minEffect: 0.015, noiseMultiple: 2, earlyNoiseMultiple: 3 },
    high: { minEffect: 0.01, noiseMultiple: 1.5, earlyNoiseMultiple: 2.5 },
  }[sensitivity];
  return {
    minPoints: options.minPoints ?? 10,
    minEffect: options.minEffect ?? preset.minEffect,
    noiseMultiple: preset.noiseMultiple,
    earlyNoiseMultiple: preset.earlyNoiseMultiple,
    confirmAfter: 6,
    minAfterEarly: 2,
    window: 30,
    candidateAlpha: 0.01,
    rankAlpha: 0.001,
  };
}

/** Detects changes in one series (false discoveries controlled within the series). */
export function detectSeries(values: readonly number[], direction: Direction, options: DetectOptions = {}): Omit<SeriesVerdict, 'id'> {
  const [verdict] = detectMany([{ id: '', direction, values }], options);
  const { id: _id, ...rest } = verdict;
  return rest;
}

/** Detects changes in many series at once, with Benjamini–Hochberg across all candidate changes. */
export function detectMany(series: readonly SeriesInput[], options: DetectOptions = {}): SeriesVerdict[] {
  const settings = settingsFor(options);
  const alpha = options.alpha ?? 0.01;
  const raws: RawDetection[] = series.map((s) => detectChecked(s, settings));
  const pooled: { series: number; change: RawChange }[] = [];
  let tests = 0;
  raws.forEach((r, i) => {
    tests += r.tests;
    for (const c of r.changes) pooled.push({ series: i, change: c });
  });
  const keep = benjaminiHochberg(
    pooled.map((p) => p.change.pValue),
    alpha,
    Math.max(0, tests - pooled.length),
  );
  const kept = series.map(() => [] as RawChange[]);
  pooled.forEach((p, k) => {
    if (keep[k]) kept[p.series].push(p.change);
  });
  return series.map((s, i) => verdictOf(s, raws[i], kept[i], settings, options));
}

/** A value of a series that is not a finite number (callers that know where it came from can say so). */
export class NonFiniteValueError extends Error {
  constructor(readonly seriesId: string, readonly index: number) {
    super(`series '${seriesId}': value ${index} is not a finite number`);
  }
}

/** The detector checks the values in its first pass over them; a bad one is reported with the series. */
function detectChecked(s: SeriesInput, settings: DetectorSettings): RawDetection {
  try {
    return detectRaw(s.values, settings);
  } catch (err) {
    if (err instanceof NonFiniteValue) throw new NonFiniteValueError(s.id, err.index);
    throw err;
  }
}

let baselineScratch = new Float64Array(1024);

/** values[from, from + out.length) into out (a loop of its own, compiled early; see the detector). */
function copyRange(values: readonly number[], from: number, out: Float64Array): Float64Array {
  for (let i = 0; i < out.length; i++) out[i] = values[from + i];
  return out;
}

function verdictOf(s: SeriesInput, raw: RawDetection, kept: RawChange[], settings: DetectorSettings, options: DetectOptions): SeriesVerdict {
  const n = s.values.length;
  if (n < settings.minPoints) return { id: s.id, changes: [], state: 'insufficient-data' };
  const changes = kept
    .sort((a, b) => a.index - b.index)
    .map((c) => toChange(c, s.direction, s.values, options));
  const confirmed = changes.filter((c) => c.confirmed);
  const last = confirmed[confirmed.length - 1];
  const from = last ? last.index : 0;
  // Median and spread of the runs since the last change, in reused scratch space (no copies).
  // kept for ordinary lengths only (see the detector's buffers)
  const scratch = n <= 1 << 16 ? (baselineScratch.length >= n ? baselineScratch : (baselineScratch = new Float64Array(Math.min(2 * n, 1 << 16)))) : new Float64Array(n);
  const current = scratch.subarray(0, n - from);
  // With no confirmed change the baseline is the whole series, whose median the detector knows.
  const level = from === 0 && raw.median !== undefined ? raw.median : median(copyRange(s.values, from, current), current);
  const noise = scaledMad(copyRange(s.values, from, current), level, current);
  const baseline = { from, to: n - 1, median: level, noise };
  let state: SeriesState;
  if (changes.some((c) => !c.confirmed && c.index > from)) state = 'suspect';
  else if (last) state = last.kind === 'regression' ? 'regressed' : 'improved';
  else state = Math.abs(noise / level) > NOISY_CV ? 'noisy' : 'stable';
  return { id: s.id, changes, state, baseline };
}

function toChange(c: RawChange, direction: Direction, values: readonly number[], options: DetectOptions): Change {
  const up = c.effect > 0;
  const kind = up === (direction === 'smaller') ? 'regression' : 'improvement';
  const worsening = direction === 'smaller' ? c.ratio - 1 : 1 - c.ratio;
  let severity: Change['severity'] = 'info';
  if (kind === 'regression') {
    const newLevel = median(values.slice(c.index, c.index + c.after));
    const breachesBudget =
      options.budget !== undefined && (direction === 'smaller' ? newLevel > options.budget : newLevel < options.budget);
    severity = breachesBudget || worsening >= CRITICAL_RATIO ? 'critical' : 'warning';
  }
  return {
    index: c.index,
    lastGoodIndex: c.index - 1,
    kind,
    ratio: c.ratio,
    ratioCi: c.ratioCi,
    difference: c.difference,
    differenceCi: c.differenceCi,
    relative: c.relative,
    pValue: c.pValue,
    severity,
    confirmed: c.confirmed,
    runsAfter: c.after,
    effectInNoise: c.effectInNoise,
  };
}

export { compareSamples, type AbResult, type AbVerdict, type AbOptions } from './ab';
export { evaluateBudget, statisticOf, type Budget, type BudgetResult, type BudgetStatistic } from './budget';
export { forecast, type Forecast, type ForecastOptions } from './forecast';
