import type { Direction } from '../model';
import { fastMedian } from '../stats/select';
import { normalQuantile } from '../stats/distributions';

/**
 * Forecast: a robust trend (Theil–Sen on log values, so the slope is a rate per run) with a
 * prediction interval, answering "at this rate `build` passes its 60 s budget in about N runs",
 * or nothing when there is no trend worth the name.
 */

export interface ForecastOptions {
  /** Runs used for the trend (the most recent; default 60). */
  window?: number;
  /** Only trends whose slope is this many standard errors from zero count (default 3). */
  minZ?: number;
  /** Milliseconds between runs, to also answer in days. */
  msPerRun?: number;
}

export interface Forecast {
  /** Relative change per run (0.01 = +1% per run). */
  ratePerRun: number;
  /** Fitted value at the last run. */
  current: number;
  /** Runs from the last one until the fitted trend crosses the limit (undefined when it never does). */
  runsToLimit?: number;
  /** Same in days, when msPerRun is given. */
  daysToLimit?: number;
  /** 90% prediction interval of the value `horizon` runs ahead. */
  predict(runsAhead: number): { value: number; low: number; high: number };
  message: string;
}

export function forecast(values: readonly number[], direction: Direction, limit?: number, options: ForecastOptions = {}): Forecast | undefined {
  const window = options.window ?? 60;
  const ys = values.slice(-window);
  const n = ys.length;
  if (n < 10 || ys.some((v) => !(v > 0))) return undefined;
  const logs = ys.map(Math.log);
  // Theil–Sen: median of pairwise slopes (n <= window, so O(n^2) is small).
  const slopes = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) slopes[k++] = (logs[j] - logs[i]) / (j - i);
  const slope = fastMedian(slopes, slopes);
  const intercept = fastMedian(logs.map((y, i) => y - slope * i));
  const residuals = logs.map((y, i) => y - intercept - slope * i);
  const sigma = 1.4826 * fastMedian(residuals.map(Math.abs));
  // Standard error of the slope as for least squares, with the robust residual scale.
  const meanX = (n - 1) / 2;
  let sxx = 0;
  for (let i = 0; i < n; i++) sxx += (i - meanX) ** 2;
  const seSlope = sigma / Math.sqrt(sxx);
  const minZ = options.minZ ?? 3;
  if (!(Math.abs(slope) > minZ * seSlope) || slope === 0) return undefined;
  const last = n - 1;
  const current = Math.exp(intercept + slope * last);
  const z90 = normalQuantile(0.95);
  const predict = (ahead: number) => {
    const x = last + ahead;
    const centre = intercept + slope * x;
    const se = Math.sqrt(sigma * sigma * (1 + 1 / n + (x - meanX) ** 2 / sxx));
    return { value: Math.exp(centre), low: Math.exp(centre - z90 * se), high: Math.exp(centre + z90 * se) };
  };
  const ratePerRun = Math.expm1(slope);
  let runsToLimit: number | undefined;
  const worsening = direction === 'smaller' ? slope > 0 : slope < 0;
  if (limit !== undefined && limit > 0 && worsening) {
    const alreadyBeyond = direction === 'smaller' ? current >= limit : current <= limit;
    runsToLimit = alreadyBeyond ? 0 : Math.max(0, Math.ceil((Math.log(limit) - (intercept + slope * last)) / slope));
  }
  const daysToLimit = runsToLimit !== undefined && options.msPerRun ? (runsToLimit * options.msPerRun) / 86_400_000 : undefined;
  const trend = `${ratePerRun > 0 ? '+' : ''}${(ratePerRun * 100).toFixed(2)}% per run`;
  const message =
    runsToLimit === undefined
      ? `trend ${trend}`
      : runsToLimit === 0
        ? `trend ${trend}; already past ${limit}`
        : `at this rate (${trend}) it passes ${limit} in about ${runsToLimit} runs${daysToLimit !== undefined ? ` (~${daysToLimit.toFixed(1)} days)` : ''}`;
  return { ratePerRun, current, runsToLimit, daysToLimit, predict, message };
}
