import { quantileSorted } from 'simple-statistics';
import type { RunSummary } from '../model';
import { seededRandom, type Random } from './random';

/** Consistency constant that makes the MAD estimate the standard deviation of normal data. */
export const MAD_SCALE = 1.4826;

export function sortedCopy(values: readonly number[]): number[] {
  return Float64Array.from(values).sort() as unknown as number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  return quantileSorted(sortedCopy(values), 0.5);
}

/** Scaled median absolute deviation: a robust standard deviation. */
export function scaledMad(values: readonly number[], centre = median(values)): number {
  if (values.length === 0) return NaN;
  return MAD_SCALE * median(values.map((v) => Math.abs(v - centre)));
}

/**
 * Indices of outliers by the robust rule |x - median| > k * scaledMAD (k = 3.5 by default,
 * Iglewicz & Hoaglin). Outliers are flagged, never dropped.
 */
export function outlierIndices(values: readonly number[], k = 3.5): number[] {
  if (values.length < 3) return [];
  const m = median(values);
  const s = scaledMad(values, m);
  if (!(s > 0)) return [];
  const out: number[] = [];
  values.forEach((v, i) => {
    if (Math.abs(v - m) > k * s) out.push(i);
  });
  return out;
}

/** Percentile bootstrap interval of the median, deterministic for a given seed. */
export function bootstrapMedianCi(
  values: readonly number[],
  options: { level?: number; resamples?: number; random?: Random } = {},
): [number, number] {
  const n = values.length;
  if (n === 0) return [NaN, NaN];
  if (n === 1) return [values[0], values[0]];
  const level = options.level ?? 0.95;
  const resamples = options.resamples ?? 1000;
  const random = options.random ?? seededRandom(0x5eed);
  const medians = new Float64Array(resamples);
  const buffer = new Float64Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) buffer[i] = values[Math.floor(random() * n)];
    buffer.sort();
    medians[r] = n % 2 ? buffer[(n - 1) / 2] : (buffer[n / 2 - 1] + buffer[n / 2]) / 2;
  }
  medians.sort();
  const alpha = (1 - level) / 2;
  const sorted = medians as unknown as number[];
  return [quantileSorted(sorted, alpha), quantileSorted(sorted, 1 - alpha)];
}

/** Everything a run's samples say, in one pass over a sorted copy. */
export function summarize(values: readonly number[], options: { seed?: number; bootstrap?: boolean } = {}): RunSummary {
  const sorted = sortedCopy(values);
  const n = sorted.length;
  if (n === 0) throw new Error('summarize: no samples');
  const med = quantileSorted(sorted, 0.5);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n,
    median: med,
    mean: sum / n,
    min: sorted[0],
    max: sorted[n - 1],
    mad: scaledMad(sorted, med),
    p90: quantileSorted(sorted, 0.9),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
    medianCi: options.bootstrap === false ? undefined : bootstrapMedianCi(sorted, { random: seededRandom(options.seed ?? 0x5eed) }),
    outliers: outlierIndices(sorted).length,
  };
}
