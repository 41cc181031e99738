import { scaledMad, sortedCopy } from '../stats/summary';
import { mannWhitney, lag1FromDifferences } from '../stats/tests';
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
 *     (unconfirmed) when even that cannot tell.
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
  /** Fewest points after a change for the early rule to confirm it (fewer = suspect). */
  minAfterEarly: number;
  /** Most points compared on each side of a candidate. */
  window: number;
  /** Per-candidate significance gate before the cross-series false-discovery control. */
  candidateAlpha: number;
}

export interface RawChange {
  index: number;
  /** Effect in the working scale (log ratio, or difference when values are not all positive). */
  effect: number;
  ratio: number;
  ratioCi: [number, number];
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
}

const SCAN_WINDOW = 20;
const SCAN_Z = 3;
const MIN_BEFORE = 5;
const MIN_SPACING = 4;

export function detectRaw(values: readonly number[], settings: DetectorSettings): RawDetection {
  const n = values.length;
  const logScale = values.every((v) => v > 0);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = logScale ? Math.log(values[i]) : values[i];
  const floor = noiseFloor(values, logScale);
  const noise = Math.max(differenceNoise(y), floor);
  if (n < settings.minPoints) return { changes: [], tests: 0, logScale, noise };

  const candidates = scanCandidates(y, noise);
  let accepted: RawChange[] = [];
  let tests = 0;
  // A candidate rejected while an unfound neighbouring step still polluted its window gets
  // another chance once that step is accepted.
  let pending = candidates;
  for (let round = 0; round < 3 && pending.length; round++) {
    const rejected: number[] = [];
    const before = accepted.length;
    for (const t of pending) {
      if (accepted.some((c) => Math.abs(c.index - t) < MIN_SPACING)) continue;
      if (round === 0) tests++;
      const found = testAt(y, values, t, bounds(accepted, t, n), settings, floor, logScale);
      if (found) accepted = insertSorted(accepted, found);
      else rejected.push(t);
    }
    if (accepted.length === before) break;
    pending = rejected;
  }
  // Re-test each change between its final neighbours: a change found early may have borrowed
  // points from a later step (or vice versa).
  for (let pass = 0; pass < 3; pass++) {
    const kept: RawChange[] = [];
    let changed = false;
    for (const c of accepted) {
      const others = accepted.filter((o) => o !== c);
      const again = testAt(y, values, c.index, bounds(others, c.index, n), settings, floor, logScale);
      if (again) kept.push(again);
      if (!again || again.pValue !== c.pValue || again.confirmed !== c.confirmed) changed = true;
    }
    accepted = kept;
    if (!changed) break;
  }
  return { changes: accepted, tests, logScale, noise };
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

/** Robust sd of the noise from first differences: scaled MAD of diffs / sqrt(2). */
function differenceNoise(y: Float64Array): number {
  if (y.length < 3) return 0;
  const diffs = new Array<number>(y.length - 1);
  for (let i = 1; i < y.length; i++) diffs[i - 1] = y[i] - y[i - 1];
  let s = scaledMad(diffs, 0) / Math.SQRT2;
  if (!(s > 0)) {
    // Quantised series: most differences are exactly zero. Mean absolute difference keeps a scale.
    let sum = 0;
    for (const d of diffs) sum += Math.abs(d);
    s = ((sum / diffs.length) * Math.sqrt(Math.PI / 2)) / Math.SQRT2;
  }
  return s;
}

/** Noise can never be below what the measurement's resolution implies (whole milliseconds, ...). */
function noiseFloor(values: readonly number[], logScale: boolean): number {
  let resolution = Infinity;
  const sorted = sortedCopy(values);
  for (let i = 1; i < sorted.length; i++) {
    const d = sorted[i] - sorted[i - 1];
    if (d > 0 && d < resolution) resolution = d;
  }
  if (!Number.isFinite(resolution)) resolution = 0;
  const centre = sorted.length ? Math.abs(sorted[sorted.length >> 1]) : 0;
  const relative = logScale ? (centre > 0 ? resolution / centre : 0) : resolution;
  const tiny = logScale ? 1e-9 : 1e-12 * Math.max(1, centre);
  return Math.max(relative / Math.sqrt(12), tiny);
}

/**
 * Window-mean z statistic at every split over a copy clipped to a running median ± 3 noise,
 * so that spikes cannot create candidates; local maxima above SCAN_Z, strongest first.
 */
function scanCandidates(y: Float64Array, noise: number): number[] {
  const n = y.length;
  const clipped = clipToRunningMedian(y, noise, 3);
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + clipped[i];
  const z = new Float64Array(n);
  for (let t = 3; t < n; t++) {
    const nL = Math.min(SCAN_WINDOW, t);
    const nR = Math.min(SCAN_WINDOW, n - t);
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
  return out.sort((a, b) => z[b] - z[a] || a - b);
}

function clipToRunningMedian(y: Float64Array, noise: number, k: number): Float64Array {
  const n = y.length;
  const out = new Float64Array(n);
  const h = 3;
  const buf = new Float64Array(2 * h + 1);
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - h), hi = Math.min(n - 1, i + h);
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
    const cap = k * noise;
    out[i] = y[i] > med + cap ? med + cap : y[i] < med - cap ? med - cap : y[i];
  }
  return out;
}

function medianOf(values: number[]): number {
  const s = sortedCopy(values);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Tests one candidate between its neighbours; returns the change or null when there is none. */
function testAt(
  y: Float64Array,
  raw: readonly number[],
  t: number,
  [lower, upper]: [number, number],
  s: DetectorSettings,
  floor: number,
  logScale: boolean,
): RawChange | null {
  const lo = Math.max(lower, t - s.window);
  const hi = Math.min(upper, t + s.window);
  const nL = t - lo;
  const nR = hi - t;
  if (nL < MIN_BEFORE || nR < 1) return null;
  const left = Array.from(y.subarray(lo, t));
  const right = Array.from(y.subarray(t, hi));
  const mL = medianOf(left);
  const mR = medianOf(right);
  const effect = mR - mL;
  const sL = Math.max(scaledMad(left, mL), floor);
  const sR = nR >= 5 ? Math.max(scaledMad(right, mR), floor) : sL;
  const scaleRef = logScale ? 1 : Math.max(Math.abs(mL), floor);
  const minEffect = logScale ? Math.log1p(s.minEffect) : s.minEffect * scaleRef;
  const rho = Math.min(0.9, Math.max(0, lag1FromDifferences(nR >= 5 ? [left, right] : [left], Math.max(sL, sR))));
  const inflation = (1 + rho) / (1 - rho);
  // Standard error of a difference of medians (asymptotic efficiency pi/2 of the median).
  const se = Math.sqrt(inflation * (Math.PI / 2) * ((sL * sL) / nL + (sR * sR) / nR));
  const ratio = logScale ? medianOf(raw.slice(t, hi)) / medianOf(raw.slice(lo, t)) : mR / mL;
  const ratioCi: [number, number] = logScale
    ? [Math.exp(effect - 1.96 * se), Math.exp(effect + 1.96 * se)]
    : [(mR - 1.96 * se) / mL, (mR + 1.96 * se) / mL];

  let confirmed: boolean;
  let pValue: number;
  let effectInNoise: number;
  if (nR >= s.confirmAfter) {
    const noise = Math.sqrt((sL * sL + sR * sR) / 2);
    effectInNoise = Math.abs(effect) / noise;
    if (Math.abs(effect) < Math.max(minEffect, s.noiseMultiple * noise)) return null;
    pValue = mannWhitney(left, right, inflation).pValue;
    confirmed = true;
  } else {
    // Few points after: every one of them must sit clearly at the new level, and the step must be
    // large against the old noise. Otherwise it stays a suspect.
    effectInNoise = Math.abs(effect) / sL;
    if (Math.abs(effect) < Math.max(minEffect, s.noiseMultiple * sL)) return null;
    const sign = Math.sign(effect);
    const allBeyond = right.every((v) => sign * (v - mL) > Math.max(minEffect / 2, 1.5 * sL));
    const strong = Math.abs(effect) >= Math.max(minEffect, s.earlyNoiseMultiple * sL);
    const z = effect / se;
    pValue = twoSidedTP(z, nL - 1);
    confirmed = nR >= s.minAfterEarly && allBeyond && strong;
  }
  if (pValue > s.candidateAlpha) return null;
  return {
    index: t,
    effect,
    ratio,
    ratioCi,
    pValue,
    confirmed,
    effectInNoise,
    before: nL,
    after: nR,
  };
}
