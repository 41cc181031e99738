import { fastScaledMad, medianOfRange, selectInPlace, sortNumbers } from '../stats/select';
import { mannWhitneySorted, mannWhitneyExactP, lag1FromDifferenceSeries, lag1SumsAbout } from '../stats/tests';
import { twoSidedTP } from '../stats/distributions';

/**
 * The history detector for one series. Works on log values, so a change is a ratio and units do
 * not matter. Outline:
 *  1. robust noise from first differences (immune to level shifts and drift);
 *  2. a fast scan of window means over a spike-clipped copy proposes candidate change points;
 *  3. each candidate, strongest first, is tested on the raw points between its accepted
 *     neighbours: medians for the effect, Mann–Whitney for the p-value, with the variance widened
 *     by the lag-1 autocorrelation of the residuals (effective sample size), and a minimum
 *     practical effect (a multiple of the local noise and a relative floor);
 *  4. changes with few points after them get a stricter "early" rule, and stay "suspect"
 *     (unconfirmed) when even that cannot tell;
 *  5. with the changes known, the autocorrelation is estimated again within the segments they
 *     bound (a step no longer passes for wander), and the candidates that failed on their
 *     p-value alone are tested again under it.
 * Everything is deterministic and O(n log n) per series.
 */

export interface DetectorSettings {
  /** No verdict from fewer points than this. */
  minPoints: number;
  /** Smallest relative change worth an alert (0.015 = 1.5%). */
  minEffect: number;
  /** Smallest change in multiples of the local noise (robust sd). */
  noiseMultiple: number;
  /** Stricter multiple for changes with fewer than `confirmAfter` points after them. */
  earlyNoiseMultiple: number;
  /** Points at the new level needed for the full test; below it the early rule applies. */
  confirmAfter: number;
  /** Fewest points after a change for the early rule to confirm it (fewer = suspect; never below 2). */
  minAfterEarly: number;
  /** Most points compared on each side of a candidate. */
  window: number;
  /** Per-candidate significance gate before the cross-series false-discovery control. */
  candidateAlpha: number;
  /** The Mann–Whitney test must agree at this level (guards against bimodal data). */
  rankAlpha: number;
}

export interface RawChange {
  index: number;
  /** Effect in the working scale (log ratio, or difference when values are not all positive). */
  effect: number;
  /**
   * New level / old level, the point estimate the interval is built around (so it always lies
   * inside ratioCi). When the old level is not positive (a step from 0) no ratio exists; then
   * `relative` is false and the ratio is 1 + difference / the larger of the two levels' sizes
   * (finite, above 1 exactly when the values went up).
   */
  ratio: number;
  ratioCi: [number, number];
  /** New level - old level in the series' own units, with its 95% interval. */
  difference: number;
  differenceCi: [number, number];
  /** Whether ratio is new / old (false: the old level is 0 or of the other sign). */
  relative: boolean;
  pValue: number;
  confirmed: boolean;
  /** |effect| in multiples of the local noise. */
  effectInNoise: number;
  before: number;
  after: number;
}

export interface RawDetection {
  changes: RawChange[];
  /** Candidate change points tested (for false-discovery control across series). */
  tests: number;
  logScale: boolean;
  /** Robust noise of the series in the working scale. */
  noise: number;
  /** Median of all the values (in their own units). */
  median?: number;
}

/** A value that is not a finite number; the caller names the series. */
export class NonFiniteValue extends Error {
  constructor(readonly index: number) {
    super(`value ${index} is not a finite number`);
  }
}

const SCAN_WINDOW = 20;
const SCAN_Z = 3;
const MIN_BEFORE = 5;
/** Fewest runs before a change for any verdict (from 3 to MIN_BEFORE - 1 a stricter rule applies). */
const FEWEST_BEFORE = 3;
/** A change with a short past must be this many times the early rule's multiple of the noise. */
const SHORT_PAST_MULTIPLE = 4 / 3;
const MIN_SPACING = 4;
const REFINE = 4;
/** Points each side that the location refinement weighs. */
const REFINE_SPAN = 16;
/** Lower-quartile noise below this share of the median-based one marks a mixture of levels. */
const MIXTURE_RATIO = 0.6;
/** Differences from which on a whole series' mixture call uses MIXTURE_RATIO itself. */
const MIXTURE_FULL_DIFFS = 80;
/** Share of one side's points at the other side's level that makes that level a known mode. */
const MODE_SHARE = 0.2;
/** Runs after a change below which the rank test's level is relaxed tenfold. */
const FEW_AFTER = 10;
/** A side with fewer runs than this gets the exact autocorrelation factor of its mean. */
const SHORT_SIDE = 6;
/** Runs on a side needed to say that a level is absent from it. */
const SIDE_TO_TELL = 10;
/** At most this share of a side's runs near a level: the level is absent there. */
const ABSENT_SHARE = 0.05;
/** Share of runs far (3 noise) from their neighbours' median that marks a recurring second level. */
const TWO_LEVEL_SHARE = 0.08;
/** Fewest far runs that make a second level recurring: in a short series two may be chance. */
const MIN_RECURRING = 3;
/** Share of the series' difference-based noise below which a window's noise is not taken. */
const SERIES_NOISE_SHARE = 0.8;
/** A side of at most this many runs has its location estimated as a mean (see estimatorFactor). */
const SMALL_SIDE = 2;
/**
 * Chance, under the old runs' own distribution, that every new run falls where they sit, below
 * which a few new runs are a new level even when some old runs (spikes, a rare slow mode) reached
 * as far (see newRunsInEmptyBand).
 */
const NEW_BAND_CHANCE = 3e-4;
/** Times the smallest step between runs must occur to be taken as the measurement's resolution. */
const RESOLUTION_SEEN = 3;
/** Relative tolerance within which two steps between runs count as the same (float rounding). */
const STEP_TOLERANCE = 1e-6;
/** Runs a side needs before its skew is judged (typicalSpread). */
const SKEW_SIDE = 20;
/** How much further one quartile must be from the median than the other to call a side skewed. */
const SKEW_RATIO = 2;

/** Working space shared by the calls of one detection (detection is synchronous, never re-entered). */
// Typed arrays of more than a few values live outside the JavaScript heap: allocating several per
// series (thousands of series per call) costs more in allocation and the garbage collections it
// triggers than the arithmetic on them. The per-series arrays are therefore reused.
let scratchA = new Float64Array(1024);
let pairBuffer = new Float64Array(1024);
const sortBufferL = new Float64Array(64);
const sortBufferR = new Float64Array(64);
/** values sorted ascending, in `buffer` when it is long enough. */
function sortedCopy(values: Float64Array, buffer: Float64Array): Float64Array {
  const out = values.length <= buffer.length ? buffer.subarray(0, values.length) : new Float64Array(values.length);
  out.set(values);
  return sortNumbers(out);
}
let seriesBuffers = allocateSeriesBuffers(1024);
function allocateSeriesBuffers(n: number) {
  return { y: new Float64Array(n), diffs: new Float64Array(n), clipped: new Float64Array(n), prefix: new Float64Array(n + 1), z: new Float64Array(n) };
}
/**
 * Buffers are kept for series up to this many values; a longer one (a history of a million runs)
 * gets buffers of its own size that are let go after it, so one huge series does not leave
 * tens of megabytes held for the life of the process.
 */
const KEEP_BUFFERS_UP_TO = 1 << 16;
function ensureScratch(n: number): void {
  const size = n <= KEEP_BUFFERS_UP_TO ? Math.min(2 * n, KEEP_BUFFERS_UP_TO) : n;
  if (scratchA.length < n) scratchA = new Float64Array(size);
  if (seriesBuffers.y.length < n) seriesBuffers = allocateSeriesBuffers(size);
}
function releaseLargeScratch(): void {
  if (scratchA.length > KEEP_BUFFERS_UP_TO) scratchA = new Float64Array(1024);
  if (seriesBuffers.y.length > KEEP_BUFFERS_UP_TO) seriesBuffers = allocateSeriesBuffers(1024);
}

export function detectRaw(values: readonly number[], settings: DetectorSettings): RawDetection {
  try {
    return detectInBuffers(values, settings);
  } finally {
    releaseLargeScratch();
  }
}

function detectInBuffers(values: readonly number[], settings: DetectorSettings): RawDetection {
  const n = values.length;
  ensureScratch(n + 1);
  // The loops over all values live in small functions of their own: the first series run before
  // the JIT has compiled anything, and a hot loop in a small function is compiled (and
  // on-stack replaced) far sooner and cheaper than the same loop inside this large one.
  const logScale = checkedAllPositive(values);
  const y = seriesBuffers.y.subarray(0, n);
  const diffs = seriesBuffers.diffs.subarray(0, Math.max(0, n - 1));
  const resolution = workingScale(values, logScale, y, diffs);
  const median = medianOfRange(values, 0, n, scratchA);
  const floor = noiseFloor(median, logScale, resolution);
  const { noise: rawNoise, mixture } = noiseFromDifferences(diffs, true);
  const noise = Math.max(rawNoise, floor);
  if (n < settings.minPoints) return { changes: [], tests: 0, logScale, noise, median };
  // One autocorrelation estimate for the whole series: a local one from 60 points is too
  // unsteady (±0.25) to size the variance inflation it drives. It is estimated again once the
  // changes are known (below).
  const rhoRaw = lag1FromDifferenceSeries(diffs, n - 1, noise, scratchA);
  const rho = shrunkRho(rhoRaw, n);
  const clipped = clipToRunningMedian(y, noise, 3, seriesBuffers.clipped.subarray(0, n));
  // The scan's prefix sums do not change between rounds; only the windows' boundaries do.
  const prefix = prefixSums(clipped, seriesBuffers.prefix.subarray(0, n + 1));
  const z = seriesBuffers.z.subarray(0, n);
  // Many runs far from their neighbours' median: a second mode (cache misses, in short stretches
  // or alone) rather than rare spikes. Such series get the mode checks of testAt.
  const far = countDifferent(clipped, y);
  const twoLevels = mixture || far >= Math.max(MIN_RECURRING, TWO_LEVEL_SHARE * n);
  const ctx: Context = { y, raw: values, settings, floor, logScale, rho, mixture, twoLevels, seriesNoise: noise, nearMisses: [] };

  const { accepted, tests } = findChanges(ctx, prefix, z, noise);
  const nearMisses = ctx.nearMisses ?? [];
  ctx.nearMisses = undefined;
  let toRetest = accepted;
  if (rho > 0 && accepted.length + nearMisses.length > 0) {
    // The first estimate saw the steps as noise: a step makes neighbouring runs alike, so it
    // reads as autocorrelation, and that in turn can argue the step itself away. Estimated again
    // from the runs' distances to their own segment's median (as a t-test takes each group's
    // variance about its own mean), the segments ending at the changes found. The near misses
    // (changes that failed on their p-value alone) are then tested again; they do not cut
    // segments themselves, since a cut placed where the data look most like a step would argue
    // wandering noise into independence and so prove itself.
    ctx.rho = shrunkRho(lag1WithinSegments(y, accepted.map((c) => c.index), noise), n);
    for (const t of nearMisses) {
      if (toRetest.some((c) => Math.abs(c.index - t) < MIN_SPACING)) continue;
      const again = testAt(ctx, t, bounds(toRetest, t, n), false);
      if (again) toRetest = insertSorted(toRetest, again);
    }
  }
  return { changes: retestBetweenNeighbours(ctx, toRetest), tests, logScale, noise, median };
}

/**
 * Shrunk towards 0 for short series, whose estimate is mostly noise, and capped so that a
 * single change cannot be argued away entirely.
 */
function shrunkRho(raw: number, n: number): number {
  return Math.min(0.8, Math.max(0, (raw * (n - 1)) / (n - 1 + 20)));
}

/**
 * Lag-1 autocorrelation of the runs about their segment's median (segments split at `ends`, in
 * order), each distance clipped at 3 noise so that spikes do not decide it.
 */
function lag1WithinSegments(y: Float64Array, ends: readonly number[], noise: number): number {
  const cuts = [0, ...ends, y.length];
  const sums: [number, number] = [0, 0];
  for (let k = 0; k + 1 < cuts.length; k++) lag1SumsAbout(y, cuts[k], cuts[k + 1], medianOfRange(y, cuts[k], cuts[k + 1], scratchA), 3 * noise, sums);
  const [num, den] = sums;
  return den > 0 ? num / den : 0;
}

/**
 * Scan, test the candidates strongest first, then scan again with windows that stop at the
 * changes found: a step close to a bigger one hides in its shadow until that one is known.
 */
function findChanges(ctx: Context, prefix: Float64Array, z: Float64Array, noise: number): { accepted: RawChange[]; tests: number } {
  const { y, settings } = ctx;
  const n = y.length;
  let accepted: RawChange[] = [];
  const tested = new Set<number>();
  for (let round = 0; round < 4; round++) {
    const candidates = scanCandidates(prefix, z, noise, accepted.map((c) => c.index));
    // The newest runs are always looked at: clipping hides a jump in the last one or two, and
    // that is exactly where a fresh regression (or a suspect) sits.
    if (round === 0) {
      const recent = medianOfRange(y, Math.max(0, n - 13), n - 3, scratchA);
      for (let t = Math.max(MIN_BEFORE, n - 3); t < n; t++) {
        if (Math.abs(y[t] - recent) > settings.noiseMultiple * noise && !candidates.includes(t)) candidates.push(t);
      }
    }
    let added = false;
    for (const t of candidates) {
      if (accepted.some((c) => Math.abs(c.index - t) < MIN_SPACING)) continue;
      tested.add(t);
      const found = testAt(ctx, t, bounds(accepted, t, n));
      if (found && !accepted.some((c) => Math.abs(c.index - found.index) < MIN_SPACING)) {
        accepted = insertSorted(accepted, found);
        added = true;
      }
    }
    if (!added) break;
  }
  return { accepted, tests: tested.size };
}

/**
 * Re-tests each change between its final neighbours: a change found early may have borrowed
 * points from a later step (or vice versa).
 */
function retestBetweenNeighbours(ctx: Context, found: RawChange[]): RawChange[] {
  const n = ctx.y.length;
  let accepted = found;
  for (let pass = 0; pass < 3; pass++) {
    const kept: RawChange[] = [];
    let changed = false;
    for (const c of accepted) {
      const others = accepted.filter((o) => o !== c);
      const again = testAt(ctx, c.index, bounds(others, c.index, n), false);
      if (again) kept.push(again);
      if (!again || again.pValue !== c.pValue || again.confirmed !== c.confirmed) changed = true;
    }
    accepted = kept;
    if (!changed) break;
  }
  return accepted;

}

/** Whether all values are positive (log scale); throws NonFiniteValue at the first bad one. */
function checkedAllPositive(values: readonly number[]): boolean {
  let positive = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // v - v is 0 for every finite number, NaN for NaN and the infinities
    if (typeof v !== 'number' || v - v !== 0) throw new NonFiniteValue(i);
    if (!(v > 0)) positive = false;
  }
  return positive;
}

/**
 * Fills y (working scale) and its first differences; returns the measurement's resolution: the
 * smallest non-zero step of the raw values, when it recurs (Infinity otherwise).
 */
function workingScale(values: readonly number[], logScale: boolean, y: Float64Array, diffs: Float64Array): number {
  const n = values.length;
  let resolution = Infinity;
  let seen = 0;
  for (let i = 0; i < n; i++) y[i] = logScale ? Math.log(values[i]) : values[i];
  for (let i = 1; i < n; i++) {
    diffs[i - 1] = y[i] - y[i - 1];
    const step = Math.abs(values[i] - values[i - 1]);
    if (!(step > 0)) continue;
    if (step < resolution * (1 - STEP_TOLERANCE)) {
      resolution = step;
      seen = 1;
    } else if (step <= resolution * (1 + STEP_TOLERANCE)) seen++;
  }
  // A step seen once or twice (one jump, or one run off and back) is a change or a spike, not
  // rounding: a series that sits exactly on one value (allocation counts, sizes) has no rounding
  // noise to speak of, and taking its one step as the resolution would make the step itself
  // look like noise.
  return seen >= RESOLUTION_SEEN ? resolution : Infinity;
}

function prefixSums(values: Float64Array, prefix: Float64Array): Float64Array {
  prefix[0] = 0;
  for (let i = 0; i < values.length; i++) prefix[i + 1] = prefix[i] + values[i];
  return prefix;
}

function countDifferent(a: Float64Array, b: Float64Array): number {
  let k = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) k++;
  return k;
}

function bounds(accepted: readonly RawChange[], t: number, n: number): [number, number] {
  let lo = 0, hi = n;
  for (const c of accepted) {
    if (c.index <= t && c.index > lo) lo = c.index;
    if (c.index > t && c.index < hi) hi = c.index;
  }
  return [lo, hi];
}

function insertSorted(list: RawChange[], c: RawChange): RawChange[] {
  const out = [...list, c];
  out.sort((a, b) => a.index - b.index);
  return out;
}

/** Difference-based noise, and whether its differences look like a mixture of two levels. */
function differenceNoiseOf(y: ArrayLike<number>): { noise: number; mixture: boolean } {
  if (y.length < 3) return { noise: 0, mixture: false };
  const diffs = new Float64Array(y.length - 1);
  for (let i = 1; i < y.length; i++) diffs[i - 1] = y[i] - y[i - 1];
  return noiseFromDifferences(diffs);
}

/**
 * Robust sd of the noise from first differences: scaled MAD of the differences / sqrt(2).
 * `wholeSeries`: the mixture call decides how the whole series is judged, so for fewer than
 * MIXTURE_FULL_DIFFS differences it asks for a lower quartile further below the median's noise
 * (see mixtureRatio).
 */
function noiseFromDifferences(diffs: Float64Array, wholeSeries = false): { noise: number; mixture: boolean } {
  if (diffs.length < 2) return { noise: 0, mixture: false };
  const absDiffs = scratchA.length > diffs.length ? scratchA.subarray(0, diffs.length) : new Float64Array(diffs.length);
  let sum = 0;
  for (let i = 0; i < diffs.length; i++) {
    absDiffs[i] = Math.abs(diffs[i]);
    sum += absDiffs[i];
  }
  const m = absDiffs.length;
  const half = selectInPlace(absDiffs, m >> 1, m);
  // The lower quartile sits in the left part after the selection above.
  const quarter = selectInPlace(absDiffs, m >> 2, m >> 1 || 1);
  let s = (1.4826 * half) / Math.SQRT2;
  const fromQuarter = quarter / (0.31864 * Math.SQRT2);
  // Bimodal timings (cache hit or miss): about half of the differences jump between the modes,
  // and the median difference measures the gap between them, not the noise. The lower quartile
  // still lies among differences within a mode; when it says the noise is much smaller, believe
  // it (it errs high by at most a factor of two, never low like the median errs for a mixture).
  const mixture = fromQuarter > 0 && fromQuarter < (wholeSeries ? mixtureRatio(m) : MIXTURE_RATIO) * s;
  if (mixture) s = fromQuarter;
  if (!(s > 0)) {
    // Quantised series: most differences are exactly zero. Mean absolute difference keeps a scale.
    s = ((sum / absDiffs.length) * Math.sqrt(Math.PI / 2)) / Math.SQRT2;
  }
  return { noise: s, mixture };
}

/**
 * The quartile ratio below which m differences mark a mixture of levels. Of independent normal
 * noise, the ratio of the lower quartile's noise to the median's falls below MIXTURE_RATIO in
 * about 0.5% of series of 80 runs, but in 4% of 40 and 10% of 20: a short series would be called
 * two-level (and a change needs 10 runs before it) by chance. Scaled by sqrt(m / 80) the chance
 * stays near 0.5% (simulated: the 0.5% quantile is 0.21, 0.28, 0.45, 0.54 at 10, 20, 40, 60 runs).
 */
function mixtureRatio(m: number): number {
  return MIXTURE_RATIO * Math.sqrt(Math.min(1, m / MIXTURE_FULL_DIFFS));
}

/**
 * Noise can never be below what the measurement's resolution implies (whole milliseconds, ...):
 * the smallest non-zero step between consecutive runs, as a uniform rounding error.
 */
function noiseFloor(median: number, logScale: boolean, smallestStep: number): number {
  const resolution = Number.isFinite(smallestStep) ? smallestStep : 0;
  const centre = Math.abs(median);
  const relative = logScale ? (centre > 0 ? resolution / centre : 0) : resolution;
  const tiny = logScale ? 1e-9 : 1e-12 * Math.max(1, centre);
  return Math.max(relative / Math.sqrt(12), tiny);
}

/**
 * Window-mean z statistic at every split over a copy clipped to a running median ± 3 noise (so
 * that spikes cannot create candidates), windows stopping at known changes; local maxima above
 * SCAN_Z, strongest first.
 */
function scanCandidates(prefix: Float64Array, z: Float64Array, noise: number, boundaries: readonly number[]): number[] {
  const n = z.length;
  z.fill(0);
  let b = 0; // index into boundaries of the first boundary > t
  for (let t = 3; t < n; t++) {
    while (b < boundaries.length && boundaries[b] <= t) b++;
    const prev = b > 0 ? boundaries[b - 1] : 0;
    const next = b < boundaries.length ? boundaries[b] : n;
    if (prev === t) continue;
    const nL = Math.min(SCAN_WINDOW, t - prev);
    const nR = Math.min(SCAN_WINDOW, next - t);
    if (nL < 3) continue;
    const meanL = (prefix[t] - prefix[t - nL]) / nL;
    const meanR = (prefix[t + nR] - prefix[t]) / nR;
    z[t] = Math.abs(meanR - meanL) / (noise * Math.sqrt(1 / nL + 1 / nR));
  }
  const out: number[] = [];
  for (let t = 3; t < n; t++) {
    if (z[t] < SCAN_Z) continue;
    let isMax = true;
    for (let k = Math.max(3, t - 4); k <= Math.min(n - 1, t + 4) && isMax; k++) {
      if (k < t ? z[k] >= z[t] : k > t ? z[k] > z[t] : false) isMax = false;
    }
    if (isMax) out.push(t);
  }
  return out.sort((a, c) => z[c] - z[a] || a - c);
}

function clipToRunningMedian(y: Float64Array, noise: number, k: number, out: Float64Array): Float64Array {
  const n = y.length;
  const h = 3;
  const buf = new Float64Array(2 * h + 1);
  const cap = k * noise;
  for (let i = 0; i < n; i++) {
    // A point close to both neighbours is no spike; skip the running median for it (most points).
    if (i > 0 && i < n - 1 && Math.abs(y[i] - y[i - 1]) <= cap / 2 && Math.abs(y[i] - y[i + 1]) <= cap / 2) {
      out[i] = y[i];
      continue;
    }
    const lo = Math.max(0, i - h), hi = Math.min(n - 1, i + h);
    // The median is within cap of y[i] when no more than half the window lies beyond cap on
    // either side; then clipping changes nothing and the sort is not needed.
    const half = (hi - lo) >> 1;
    let below = 0, above = 0;
    for (let j = lo; j <= hi; j++) {
      if (y[j] < y[i] - cap) below++;
      else if (y[j] > y[i] + cap) above++;
    }
    if (below <= half && above <= half) {
      out[i] = y[i];
      continue;
    }
    let m = 0;
    for (let j = lo; j <= hi; j++) {
      // insertion sort into buf[0..m)
      const v = y[j];
      let p = m++;
      while (p > 0 && buf[p - 1] > v) {
        buf[p] = buf[p - 1];
        p--;
      }
      buf[p] = v;
    }
    const med = m % 2 ? buf[(m - 1) >> 1] : (buf[m / 2 - 1] + buf[m / 2]) / 2;
    out[i] = y[i] > med + cap ? med + cap : y[i] < med - cap ? med - cap : y[i];
  }
  return out;
}

/**
 * Hodges–Lehmann shift: the median of all differences right[j] - left[i]. Far steadier than a
 * difference of medians when the timings are bimodal (the median of a mixture jumps between
 * modes as the mix wobbles), and as robust to spikes.
 */
function hodgesLehmann(left: ArrayLike<number>, right: ArrayLike<number>): number {
  const m = left.length * right.length;
  if (pairBuffer.length < m) pairBuffer = new Float64Array(2 * m);
  const d = pairBuffer;
  let k = 0;
  for (let j = 0; j < right.length; j++) for (let i = 0; i < left.length; i++) d[k++] = right[j] - left[i];
  return medianOfRange(d, 0, m, d);
}

/** Mean of the middle 60% (20% trimmed from each end) of sorted values. */
function trimmedMean(s: Float64Array): number {
  const cut = Math.floor(s.length * 0.2);
  let sum = 0;
  for (let i = cut; i < s.length - cut; i++) sum += s[i];
  return sum / (s.length - 2 * cut);
}

/**
 * The step size: the Hodges–Lehmann shift, unless a 20%-trimmed mean difference says it is
 * smaller. Both agree on a real level shift; when timings are bimodal and the share of the slow
 * mode wobbles, the median-type estimate jumps by the whole gap between the modes while the
 * trimmed means move only by the change in share.
 */
function stepSize(left: Float64Array, right: Float64Array, tm: number): number {
  const hl = hodgesLehmann(left, right);
  if (Math.sign(hl) !== Math.sign(tm)) return 0;
  return Math.abs(hl) < Math.abs(tm) ? hl : tm;
}

/**
 * Is `level` a mode of `values` (whose own level is `home`): a good share of them sit there, with
 * a gap (fewer points) half way to home. A wider spread (variance change) fills the gap.
 */
function isModeOf(values: ArrayLike<number>, level: number, home: number, tolerance: number): boolean {
  const there = shareNear(values, level, tolerance);
  return there >= MODE_SHARE && there >= 3 * shareNear(values, (level + home) / 2, tolerance);
}

function shareNear(values: ArrayLike<number>, level: number, tolerance: number): number {
  let k = 0;
  for (let i = 0; i < values.length; i++) if (Math.abs(values[i] - level) <= tolerance) k++;
  return k / values.length;
}

/** Quantile q of sorted values (linear interpolation). */
function quantileOf(s: Float64Array, q: number): number {
  const h = q * (s.length - 1);
  const i = Math.floor(h);
  return i + 1 < s.length ? s[i] + (h - i) * (s[i + 1] - s[i]) : s[i];
}

function quantileShift(sortedL: Float64Array, sortedR: Float64Array, q: number): number {
  return quantileOf(sortedR, q) - quantileOf(sortedL, q);
}

/** The smallest of several estimates of one step when they all point the same way, else 0. */
function agreeingShift(...shifts: number[]): number {
  const sign = Math.sign(shifts[0]);
  let best = shifts[0];
  for (const d of shifts) {
    if (Math.sign(d) !== sign) return 0;
    if (Math.abs(d) < Math.abs(best)) best = d;
  }
  return best;
}

/** The k-th largest (k = 1: the maximum) or, for k < 0, the |k|-th smallest of sorted values. */
function kthExtreme(s: Float64Array, k: number): number {
  return k > 0 ? s[Math.max(0, s.length - k)] : s[Math.min(s.length - 1, -k - 1)];
}

function medianOf(values: ArrayLike<number>): number {
  return medianOfRange(values, 0, values.length, scratchA);
}

/**
 * Where exactly the step is: the split within ±REFINE of the candidate that minimises the summed
 * absolute deviations from each side's median (an L1 two-segment fit, robust to spikes).
 */
function refineLocation(y: Float64Array, t: number, lower: number, upper: number): number {
  let best = t, bestCost = Infinity;
  const lo = Math.max(lower, t - REFINE_SPAN), hi = Math.min(upper, t + REFINE_SPAN);
  // A candidate a few runs into its segment may stay there (and meet the stricter rule); one
  // further in is not moved that close to the start.
  for (let c = Math.max(lower + Math.min(MIN_BEFORE, Math.max(FEWEST_BEFORE, t - lower)), t - REFINE); c <= Math.min(upper - 1, t + REFINE); c++) {
    if (c <= lo || c >= hi) continue;
    const mL = medianOfRange(y, lo, c, scratchA), mR = medianOfRange(y, c, hi, scratchA);
    let cost = 0;
    for (let i = lo; i < c; i++) cost += Math.abs(y[i] - mL);
    for (let i = c; i < hi; i++) cost += Math.abs(y[i] - mR);
    if (cost < bestCost - 1e-15) {
      bestCost = cost;
      best = c;
    }
  }
  return best;
}

/**
 * Variance of a side's location estimate over that of the mean of its points. The step is a
 * median-type estimate (asymptotic efficiency 2/pi of the mean's), but on a side of a few runs
 * it is their mean: the trimmed mean trims nothing below five values, and the Hodges–Lehmann
 * shift against a long other side is close to that side's mean. Counting pi/2 there would
 * widen the interval of a fresh change by a quarter for nothing.
 */
function estimatorFactor(m: number): number {
  return m <= SMALL_SIDE ? 1 : Math.PI / 2;
}

/**
 * Variance of the mean of m consecutive AR(1) points over that of m independent ones:
 * 1 + 2 * sum_{k<m} (1 - k/m) rho^k. Tends to (1 + rho) / (1 - rho) for long windows.
 */
function sideInflation(rho: number, m: number): number {
  return m < SHORT_SIDE ? meanInflation(rho, m) : (1 + rho) / (1 - rho);
}

function meanInflation(rho: number, m: number): number {
  let f = 1, power = 1;
  for (let k = 1; k < m; k++) {
    power *= rho;
    f += 2 * (1 - k / m) * power;
  }
  return f;
}

interface Context {
  y: Float64Array;
  raw: readonly number[];
  settings: DetectorSettings;
  floor: number;
  logScale: boolean;
  /** Lag-1 autocorrelation of the noise (AR(1) model), for the variance of window means. */
  rho: number;
  /** The series alternates between two levels (cache hit or miss): judge within modes. */
  mixture: boolean;
  /** A second level recurs (alternating or in short stretches): a level one side already knows is no change. */
  twoLevels: boolean;
  /** Robust noise of the whole series, from first differences. */
  seriesNoise: number;
  /** While set, collects candidates that passed every rule but their p-value. */
  nearMisses?: number[];
}

/** The smallest effect worth reporting, in the working scale (log, or units near `level`). */
function practicalEffect(ctx: Context, level: number): number {
  const { settings: s, logScale, floor } = ctx;
  return logScale ? Math.log1p(s.minEffect) : s.minEffect * Math.max(Math.abs(level), floor);
}

function testAt(ctx: Context, candidate: number, [lower, upper]: [number, number], refine = true): RawChange | null {
  const { y, settings: s, floor, logScale, rho } = ctx;
  const t = refine ? refineLocation(y, candidate, lower, upper) : candidate;
  const lo = Math.max(lower, t - s.window);
  const hi = Math.min(upper, t + s.window);
  const nL = t - lo;
  const nR = hi - t;
  // With a recurring second level, a handful of runs may all have come from one mode: the old
  // level is known only from more of them.
  // A change a few runs after the series' start (or the previous change) is judged by a stricter
  // rule of its own (shortPastVerdict); fewer than FEWEST_BEFORE runs say nothing of the old level.
  const shortPast = nL < MIN_BEFORE;
  if (nR < 1 || nL < FEWEST_BEFORE || (ctx.twoLevels && nL < 2 * MIN_BEFORE) || (shortPast && nR < s.confirmAfter)) return null;
  const left = y.subarray(lo, t);
  const right = y.subarray(t, hi);
  // Sorted copies in reused space (a fresh change's recursive re-test below returns before these
  // are needed again).
  const sortedL = sortedCopy(left, sortBufferL);
  const sortedR = sortedCopy(right, sortBufferR);
  const mL = medianOf(left);
  const mR = medianOf(right);
  // The old side's noise is never taken below most of the series' own: the scaled MAD of a
  // 30-run window errs low by a third now and then by its sampling spread alone, and a fresh
  // change would then be judged against too little noise.
  let sL = Math.max(fastScaledMad(left, mL, scratchA), floor, SERIES_NOISE_SHARE * ctx.seriesNoise);
  let sR = nR >= 5 ? Math.max(fastScaledMad(right, mR, scratchA), floor) : sL;
  const meanShift = trimmedMean(sortedR) - trimmedMean(sortedL);
  // The step is never larger than the trimmed means' shift (see stepSize). In a series of one
  // level, a shift below what the verdict will ask for is no change, whatever the rest says:
  // most candidates of a long quiet series end here, before the costlier estimates.
  const minEffect = practicalEffect(ctx, mL);
  if (!ctx.twoLevels && Math.abs(meanShift) < practicalThreshold(ctx, nR, sL, sR, minEffect, sortedL, sortedR)) return null;
  let effect = stepSize(left, right, meanShift);
  if (ctx.mixture || (ctx.twoLevels && nR < s.confirmAfter)) {
    // Two levels: the spread of a window measures the gap between them when both are common,
    // so take the noise within a mode from consecutive differences; and a real step moves both
    // modes, so the lower and upper quartiles must both move, the same way (a change in how
    // often the slow mode occurs moves only one of them).
    sL = Math.max(Math.min(sL, differenceNoiseOf(left).noise || sL), floor);
    sR = nR >= 5 ? Math.max(Math.min(sR, differenceNoiseOf(right).noise || sR), floor) : sL;
    // A few new runs clear of the old level where the old runs (since the previous change) seldom
    // were, between or beyond the old modes: the quartiles of two or three runs say nothing of a
    // mode structure, and the runs themselves are the news.
    const sign = Math.sign(effect);
    const clearOfOld = (v: number) => sign * (v - mL) > Math.max(minEffect / 2, 1.5 * sL);
    const fewInEmptyBand = nR < s.confirmAfter && nR >= 2 && sign !== 0 && newRunsInEmptyBand(y.subarray(lower, t), right, sL, clearOfOld);
    effect = fewInEmptyBand ? hodgesLehmann(left, right) : agreeingShift(effect, quantileShift(sortedL, sortedR, 0.25), quantileShift(sortedL, sortedR, 0.75));
  }
  // A "new" level that is one of the other side's modes is the mix changing (a stretch of cache
  // misses), not the code getting slower: both levels were there all along. Unless, with enough
  // runs to tell, the old level has gone from after the change (every run moved, the old slow mode
  // is the new fast one) or the new level never occurred before it.
  const within = 1.5 * Math.min(sL, sR);
  if (ctx.twoLevels && (isModeOf(left, mR, mL, within) || (nR >= 5 && isModeOf(right, mL, mR, within)))) {
    // Judged on everything since the previous change (and up to the next): a sticky mix can
    // keep one level away for a whole window.
    const oldLevelGone = upper - t >= SIDE_TO_TELL && shareNear(y.subarray(t, upper), mL, within) <= ABSENT_SHARE;
    const newLevelUnknown = t - lower >= SIDE_TO_TELL && shareNear(y.subarray(lower, t), mR, within) <= ABSENT_SHARE;
    if (!oldLevelGone && !newLevelUnknown) return null;
  }
  // Standard error of a difference of medians (asymptotic efficiency pi/2 of the median),
  // widened for autocorrelation.
  // Each side's variance is widened for autocorrelation. A side of a few runs (a fresh change)
  // gets the exact factor for a mean of that many AR(1) points, far below the long-run one; a
  // full window keeps the long-run factor, which also covers the estimate of rho erring low.
  const fL = sideInflation(rho, nL), fR = sideInflation(rho, nR);
  const se = Math.sqrt((estimatorFactor(nL) * fL * sL * sL) / nL + (estimatorFactor(nR) * fR * sR * sR) / nR);
  const size = sizeOfChange(logScale ? Math.exp(mL) : mL, effect, 1.96 * se, logScale);
  const pValue = twoSidedTP(effect / se, Math.max(4, nL / fL + nR / fR - 2));

  let verdict: Verdict | null;
  if (shortPast) verdict = shortPastVerdict(ctx, effect, Math.max(sL, sR), minEffect, left, sortedR, mR);
  else if (nR >= s.confirmAfter) verdict = fullVerdict(ctx, effect, sL, sR, minEffect, sortedL, sortedR);
  else {
    const early = earlyVerdict(ctx, t, lower, upper, hi, refine, effect, sL, minEffect, left, sortedL, right, mL);
    if (early && 'retest' in early) return testAt(ctx, early.retest, [lower, upper], false);
    verdict = early;
  }
  if (!verdict) return null;
  const { confirmed, effectInNoise } = verdict;
  if (pValue > s.candidateAlpha) {
    if (confirmed) ctx.nearMisses?.push(t);
    return null;
  }
  return { index: t, effect, ...size, pValue, confirmed, effectInNoise, before: nL, after: nR };
}

/**
 * The change as a ratio and a difference in the series' units, both centred on the estimated
 * step (the headline always lies inside its interval). `old` is the old level in the series'
 * units; `effect ± margin` the step and its 95% margin in the working scale.
 */
function sizeOfChange(old: number, effect: number, margin: number, logScale: boolean): Pick<RawChange, 'ratio' | 'ratioCi' | 'difference' | 'differenceCi' | 'relative'> {
  if (logScale) {
    const ratio = Math.exp(effect);
    const ratioCi: [number, number] = [Math.exp(effect - margin), Math.exp(effect + margin)];
    return { ratio, ratioCi, difference: old * (ratio - 1), differenceCi: [old * (ratioCi[0] - 1), old * (ratioCi[1] - 1)], relative: true };
  }
  const difference = effect;
  const differenceCi: [number, number] = [effect - margin, effect + margin];
  const now = old + effect;
  // Without a positive old level (and a new one of the same sign) "N% slower" means nothing; the
  // change is then stated against the larger of the two levels, which keeps it finite and signed.
  const relative = old > 0 && now > 0;
  const scale = relative ? old : Math.max(Math.abs(old), Math.abs(now));
  if (!(scale > 0)) return { ratio: 1, ratioCi: [1, 1], difference, differenceCi, relative: false };
  return { ratio: 1 + difference / scale, ratioCi: [1 + differenceCi[0] / scale, 1 + differenceCi[1] / scale], difference, differenceCi, relative };
}

interface Verdict {
  confirmed: boolean;
  effectInNoise: number;
}

/**
 * The least effect the verdict accepts (fullVerdict with enough runs after, earlyVerdict with
 * fewer): the practical floor, and a multiple of the noise the verdict sizes the effect against.
 */
function practicalThreshold(ctx: Context, nR: number, sL: number, sR: number, minEffect: number, sortedL: Float64Array, sortedR: Float64Array): number {
  const s = ctx.settings;
  if (nR < s.confirmAfter) return Math.max(minEffect, s.noiseMultiple * sL);
  return Math.max(minEffect, s.noiseMultiple * practicalNoise(ctx, sL, sR, sortedL, sortedR));
}

/** The noise a settled change is sized against: both sides' typical spreads. */
function practicalNoise(ctx: Context, sL: number, sR: number, sortedL: Float64Array, sortedR: Float64Array): number {
  const aL = typicalSpread(sortedL, sL, ctx.floor), aR = typicalSpread(sortedR, sR, ctx.floor);
  return Math.sqrt((aL * aL + aR * aR) / 2);
}

/**
 * The spread of a side's typical runs, for sizing an effect against. A side whose runs trail off
 * one way much further than the other (a slow tail, a rare slow mode) has a spread that the tail
 * sets, while its median moves only with the typical runs: measured against that spread a clear
 * step of the typical runs looks small. Such a side (enough runs to tell, one quartile more than
 * twice as far from the median as the other) is measured by its tight half, never more than its
 * spread and never less than the floor. The standard error keeps the full spread.
 */
function typicalSpread(sorted: Float64Array, spread: number, floor: number): number {
  if (sorted.length < SKEW_SIDE) return spread;
  const m = quantileOf(sorted, 0.5);
  const below = (m - quantileOf(sorted, 0.25)) / 0.6745, above = (quantileOf(sorted, 0.75) - m) / 0.6745;
  const tight = Math.min(below, above), loose = Math.max(below, above);
  return loose > SKEW_RATIO * tight ? Math.min(spread, Math.max(tight, floor)) : spread;
}

/**
 * Few runs before (FEWEST_BEFORE to MIN_BEFORE - 1; enough after): the old level is known from
 * a handful of runs, whose own spread says little and whose ranks cannot reach the rank test's
 * level. The mirror of the early rule, stricter still since a series' first runs are where
 * set-up effects show: the step must be large against the noise (SHORT_PAST_MULTIPLE times the
 * early multiple of the larger of the new side's and most of the series'), and every old run must lie clear of the new level,
 * beyond the new runs' 10th percentile (towards the old level). Otherwise nothing is said.
 */
function shortPastVerdict(ctx: Context, effect: number, noise: number, minEffect: number, left: Float64Array, sortedR: Float64Array, mR: number): Verdict | null {
  const s = ctx.settings;
  if (Math.abs(effect) < Math.max(2 * minEffect, SHORT_PAST_MULTIPLE * s.earlyNoiseMultiple * noise)) return null;
  const sign = Math.sign(effect);
  const edge = kthExtreme(sortedR, sign > 0 ? -Math.max(2, Math.ceil(0.1 * sortedR.length)) : Math.max(2, Math.ceil(0.1 * sortedR.length)));
  for (const v of left) if (!(sign * (edge - v) > 0 && sign * (mR - v) > Math.max(minEffect / 2, 1.5 * noise))) return null;
  return { confirmed: true, effectInNoise: Math.abs(effect) / noise };
}

/** Enough runs after: the effect against both sides' noise, and the rank test must agree. */
function fullVerdict(ctx: Context, effect: number, sL: number, sR: number, minEffect: number, sortedL: Float64Array, sortedR: Float64Array): Verdict | null {
  const s = ctx.settings;
  const nR = sortedR.length;
  const noise = practicalNoise(ctx, sL, sR, sortedL, sortedR);
  if (Math.abs(effect) < Math.max(minEffect, s.noiseMultiple * noise)) return null;
  // The rank test must agree: medians alone can be fooled by bimodal data.
  // With few runs after, a handful of old spikes above them caps what the rank test can show
  // (6 runs after 30 with 3 spikes above: p 0.002 at best), so it is asked for less there;
  // not in a series with a recurring second level, which is what the rank test guards against.
  const rankAlpha = nR < FEW_AFTER && !ctx.twoLevels ? 10 * s.rankAlpha : s.rankAlpha;
  // With a side of a few runs the normal approximation overstates the rank test's p-value
  // tenfold in its tail (5 runs all below 15 others: 1.2e-3 against 1.3e-4 exactly), so a clear
  // step a few runs from the start came and went with the length of the series; the exact
  // p-value decides there.
  if (mannWhitneySorted(sortedL, sortedR).pValue > rankAlpha && !((mannWhitneyExactP(sortedL, sortedR) ?? 1) <= rankAlpha)) return null;
  return { confirmed: true, effectInNoise: Math.abs(effect) / noise };
}

/**
 * Few points after: every one of them must sit clearly at the new level (beyond the old runs'
 * 90th percentile, or in a band the old runs rarely visited), and the step must be large against
 * the old noise. Otherwise it stays a suspect. May ask for a re-test at the start of the final
 * stretch of new-level runs.
 */
function earlyVerdict(
  ctx: Context, t: number, lower: number, upper: number, hi: number, refine: boolean, effect: number, sL: number,
  minEffect: number, left: Float64Array, sortedL: Float64Array, right: Float64Array, mL: number,
): Verdict | { retest: number } | null {
  const { y, settings: s } = ctx;
  const nL = left.length, nR = right.length;
  const effectInNoise = Math.abs(effect) / sL;
  if (Math.abs(effect) < Math.max(minEffect, s.noiseMultiple * sL)) return null;
  const sign = Math.sign(effect);
  // ... and beyond the old points' 90th percentile (all but one for short pasts), so a second
  // mode of the old data (a cache miss) or an old spike cannot pass for a new level.
  // With a recurring second level and only two runs or fewer after, beyond every old run: the
  // noise is then judged within a mode, and two runs can well be a short stretch of that level.
  const k = ctx.twoLevels && nR <= 2 ? 1 : Math.max(2, Math.ceil(0.1 * nL));
  const edge = kthExtreme(sortedL, sign > 0 ? k : -k);
  const clearOfOld = (v: number) => sign * (v - mL) > Math.max(minEffect / 2, 1.5 * sL);
  const beyond = (v: number) => clearOfOld(v) && sign * (v - edge) > 0;
  const allBeyond = right.every(beyond);
  if (!allBeyond && refine && hi === upper) {
    // A fresh change starts where the newest runs all sit at the new level: when the located
    // split took in a run or two of the old level (a tail value made the split ambiguous),
    // move it to the first run of that final stretch and judge it there.
    let start = hi;
    while (start > t && beyond(y[start - 1])) start--;
    if (start > t && hi - start >= 2) return { retest: start };
  }
  const strong = Math.abs(effect) >= Math.max(minEffect, s.earlyNoiseMultiple * sL);
  // The old runs are all of them since the previous change: a rare mode may be absent from one
  // window and yet be this series' own.
  const newLevel = allBeyond || (nR >= 2 && newRunsInEmptyBand(y.subarray(lower, t), right, sL, clearOfOld));
  // One new run never confirms a change, however far it lies: a spike and a step look the same
  // until the next run either stays at the new level or comes back. It stays a suspect.
  const confirmed = nR >= Math.max(2, s.minAfterEarly) && newLevel && strong;
  return { confirmed, effectInNoise };
}

/**
 * Whether the new runs all sit clearly away from the old level, each where the old runs were
 * rare: the chance of every one of them landing where it did by the old runs' own distribution,
 * the product over new runs of (old runs within one noise unit + 1) / (old.length + 2), is below
 * NEW_BAND_CHANCE. Unlike the percentile rule this accepts a new level that a few old spikes, or
 * a rare second mode beyond it, reached now and then, but not one the old runs often visited.
 * Each run is judged by its own neighbourhood: one band over all of them would count the old runs
 * between two new runs that happen to lie far apart.
 */
function newRunsInEmptyBand(old: Float64Array, right: Float64Array, noise: number, away: (v: number) => boolean): boolean {
  let chance = 1;
  for (let j = 0; j < right.length; j++) {
    if (!away(right[j])) return false;
    let near = 0;
    for (let i = 0; i < old.length; i++) if (Math.abs(old[i] - right[j]) <= noise) near++;
    chance *= (near + 1) / (old.length + 2);
  }
  return chance <= NEW_BAND_CHANCE;
}
