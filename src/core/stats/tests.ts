import { medianOfRange, sortNumbers } from './select';
import { twoSidedNormalP } from './distributions';

export interface RankTestResult {
  /** Mann–Whitney U of the second sample (count of pairs where b > a, ties counting one half). */
  u: number;
  /** Normal approximation with tie correction; positive when b tends to be larger. */
  z: number;
  pValue: number;
}

/**
 * Mann–Whitney U test (normal approximation with tie correction). O((n+m) log(n+m)).
 * `varianceInflation` widens the null variance for autocorrelated samples (1 = independent).
 */
export function mannWhitney(a: ArrayLike<number>, b: ArrayLike<number>, varianceInflation = 1): RankTestResult {
  if (a.length === 0 || b.length === 0) return { u: NaN, z: 0, pValue: 1 };
  // Sort each sample on its own and merge: ranks and ties without an index sort.
  return mannWhitneySorted(sortNumbers(Float64Array.from(a)), sortNumbers(Float64Array.from(b)), varianceInflation);
}

/** The same test on two samples already sorted ascending (callers that sorted them anyway). */
export function mannWhitneySorted(sa: Float64Array, sb: Float64Array, varianceInflation = 1): RankTestResult {
  const n1 = sa.length;
  const n2 = sb.length;
  if (n1 === 0 || n2 === 0) return { u: NaN, z: 0, pValue: 1 };
  const n = n1 + n2;
  let rankSumB = 0;
  let tieTerm = 0;
  let i = 0, j = 0;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && sa[i] <= sb[j]) ? sa[i] : sb[j];
    let ta = 0, tb = 0;
    while (i < n1 && sa[i] === v) { i++; ta++; }
    while (j < n2 && sb[j] === v) { j++; tb++; }
    const t = ta + tb;
    // ranks of this tied group: (i + j - t + 1) ... (i + j); their mean
    const rank = i + j - (t - 1) / 2;
    if (t > 1) tieTerm += t * t * t - t;
    rankSumB += tb * rank;
  }
  const u = rankSumB - (n2 * (n2 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))) * varianceInflation;
  if (!(variance > 0)) return { u, z: 0, pValue: 1 };
  const correction = u > mean ? -0.5 : u < mean ? 0.5 : 0;
  const z = (u - mean + correction) / Math.sqrt(variance);
  return { u, z, pValue: twoSidedNormalP(z) };
}

/** Exact null distributions of U by sample sizes, cumulative counts (see mannWhitneyExactP). */
const exactUTables = new Map<number, Float64Array>();

/**
 * Cumulative counts of the arrangements of m values of one sample among n of the other with
 * U <= u, u = 0..mn (the recursion f(m, n, u) = f(m - 1, n, u - n) + f(m, n - 1, u)).
 */
function exactUCumulative(m: number, n: number): Float64Array {
  const key = m * 4096 + n;
  const cached = exactUTables.get(key);
  if (cached) return cached;
  // rows[j][u]: arrangements of i values among j with U = u, built up over i
  let rows = Array.from({ length: n + 1 }, () => new Float64Array(1).fill(1));
  for (let i = 1; i <= m; i++) {
    const next: Float64Array[] = [new Float64Array(1).fill(1)];
    for (let j = 1; j <= n; j++) {
      const row = new Float64Array(i * j + 1);
      const left = next[j - 1]; // i values among j - 1: the new largest value is of the other sample
      const up = rows[j]; // i - 1 values among j: the new largest value is of this sample, U grows by j
      for (let u = 0; u < left.length; u++) row[u] += left[u];
      for (let u = 0; u < up.length; u++) row[u + j] += up[u];
      next.push(row);
    }
    rows = next;
  }
  const dist = rows[n];
  const cumulative = new Float64Array(dist.length);
  let sum = 0;
  for (let u = 0; u < dist.length; u++) cumulative[u] = sum += dist[u];
  exactUTables.set(key, cumulative);
  return cumulative;
}

/**
 * Exact two-sided p-value of the Mann–Whitney test for two small samples sorted ascending
 * without a value shared between them, or undefined when they share one (ties) or are too large
 * (at most `maxSmaller` values in the smaller one and 60 in the larger). The normal
 * approximation is far too large in the tails of small samples: 5 runs all below 15 others
 * have p = 1.3e-4 exactly, 1.2e-3 by the approximation.
 */
export function mannWhitneyExactP(sa: Float64Array, sb: Float64Array, maxSmaller = 12): number | undefined {
  const n1 = sa.length, n2 = sb.length;
  if (n1 === 0 || n2 === 0 || Math.min(n1, n2) > maxSmaller || Math.max(n1, n2) > 60) return undefined;
  // U of b: pairs with b above a (no ties allowed)
  let u = 0;
  let i = 0;
  for (let j = 0; j < n2; j++) {
    while (i < n1 && sa[i] < sb[j]) i++;
    if (i < n1 && sa[i] === sb[j]) return undefined;
    u += i;
  }
  const cumulative = n1 <= n2 ? exactUCumulative(n2, n1) : exactUCumulative(n1, n2);
  // U of b counted as arrangements of b among a: by symmetry of the two samples' roles, the
  // distribution of U depends only on the two sizes.
  const total = cumulative[cumulative.length - 1];
  const below = cumulative[u] / total;
  const above = 1 - (u > 0 ? cumulative[u - 1] / total : 0);
  return Math.min(1, 2 * Math.min(below, above));
}

/**
 * Lag-1 autocorrelation of the residuals of one or more segments about their own medians,
 * clipped at ±3 robust sd so single spikes do not dominate. Used to shrink the effective sample size.
 */
export function lag1Autocorrelation(segments: readonly (readonly number[])[], scale: number): number {
  let num = 0, den = 0;
  for (const seg of segments) {
    if (seg.length < 3) continue;
    const s = sortNumbers(Float64Array.from(seg));
    const m = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    const cap = scale > 0 ? 3 * scale : Infinity;
    let prev = clip(seg[0] - m, cap);
    den += prev * prev;
    for (let i = 1; i < seg.length; i++) {
      const r = clip(seg[i] - m, cap);
      num += r * prev;
      den += r * r;
      prev = r;
    }
  }
  return den > 0 ? num / den : 0;
}

function clip(x: number, cap: number): number {
  return x > cap ? cap : x < -cap ? -cap : x;
}

/**
 * Benjamini–Hochberg step-up: which of the p-values are discoveries at false discovery rate q.
 * `extraTests` counts tests that were run but whose p-values are not listed (they are all
 * treated as non-discoveries but still enlarge m).
 */
export function benjaminiHochberg(pValues: readonly number[], q: number, extraTests = 0): boolean[] {
  const m = pValues.length + extraTests;
  const order = pValues.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0]);
  let cutoff = -1;
  for (let k = 0; k < order.length; k++) if (order[k][0] <= ((k + 1) / m) * q) cutoff = k;
  const out = new Array<boolean>(pValues.length).fill(false);
  for (let k = 0; k <= cutoff; k++) out[order[k][1]] = true;
  return out;
}

/**
 * Lag-1 autocorrelation of the noise, estimated from first differences so that level shifts
 * and drift inside the segments do not masquerade as correlation: for AR(1) noise with
 * coefficient rho, consecutive differences correlate at (rho - 1) / 2.
 */
export function lag1FromDifferences(segments: readonly ArrayLike<number>[], noise: number): number {
  let num = 0, den = 0;
  for (const seg of segments) {
    if (seg.length < 4) continue;
    const m = seg.length - 1;
    const diffs = new Float64Array(m);
    for (let i = 1; i < seg.length; i++) diffs[i - 1] = seg[i] - seg[i - 1];
    const [nu, de] = lag1Sums(diffs, m, noise, new Float64Array(m));
    num += nu;
    den += de;
  }
  if (!(den > 0)) return 0;
  return 1 + 2 * (num / den);
}

/** The same for one segment given its first differences (diffs[0, m)); `scratch` holds m values. */
export function lag1FromDifferenceSeries(diffs: Float64Array, m: number, noise: number, scratch: Float64Array): number {
  if (m < 3) return 0;
  const [num, den] = lag1Sums(diffs, m, noise, scratch);
  return den > 0 ? 1 + 2 * (num / den) : 0;
}

function lag1Sums(diffs: Float64Array, m: number, noise: number, scratch: Float64Array): [number, number] {
  // noise is the sd of the points, so differences have sd noise * sqrt(2); clip beyond 3 of those
  const cap = noise > 0 ? 3 * Math.SQRT2 * noise : Infinity;
  return lag1SumsAbout(diffs, 0, m, medianOfRange(diffs, 0, m, scratch), cap, [0, 0]);
}

/**
 * Adds the lag-1 sums of x[from, to) about `centre` to `sums`: [sum of r[i] * r[i - 1], sum of
 * r[i]^2], each residual clipped at ±cap so that spikes do not decide them. Their ratio is the
 * lag-1 autocorrelation; adding several stretches into one pair pools them.
 */
export function lag1SumsAbout(x: ArrayLike<number>, from: number, to: number, centre: number, cap: number, sums: [number, number]): [number, number] {
  let prev = clip(x[from] - centre, cap);
  let num = sums[0];
  let den = sums[1] + prev * prev;
  for (let i = from + 1; i < to; i++) {
    let r = x[i] - centre;
    if (r > cap) r = cap;
    else if (r < -cap) r = -cap;
    num += r * prev;
    den += r * r;
    prev = r;
  }
  sums[0] = num;
  sums[1] = den;
  return sums;
}
