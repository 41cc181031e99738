/** The detail chart's scales: the x positions of the forecast, the full x domain and the y scale of the visible runs. */
import { scaleLinear, scaleLog, type ScaleLinear } from 'd3-scale';
import type { SeriesDetail } from '../../src/protocol/trends';
import { MARGIN, type ChartOptions, type YScale } from './chart-frame';
import type { RunColumns } from './run-columns';

/** Predicted x positions of the forecast, after the last run. */
export function forecastXs(d: SeriesDetail | undefined, xMode: ChartOptions['xMode']): number[] {
  if (!d?.forecast || d.runs.length === 0) return [];
  const n = d.runs.length;
  if (xMode === 'run') return d.forecast.values.map((_, i) => n + i);
  const recent = d.runs.slice(-20).map((r) => r.timestamp);
  const gaps = recent.slice(1).map((t, i) => t - recent[i]).sort((a, b) => a - b);
  const step = gaps.length ? gaps[Math.floor(gaps.length / 2)] || 3_600_000 : 86_400_000;
  return d.forecast.values.map((_, i) => d.runs[n - 1].timestamp + (i + 1) * step);
}

/** The unzoomed x scale over every run and the forecast, and the deepest zoom that still shows a few runs. */
export function fullXScale(xs: Float64Array, forecast: number[], xMode: ChartOptions['xMode'], width: number): { scale: ScaleLinear<number, number>; maxZoom: number } {
  const n = xs.length;
  const first = n ? xs[0] : 0;
  let last = forecast.length ? forecast[forecast.length - 1] : n ? xs[n - 1] : 1;
  if (last === first) last = first + 1;
  const pad = (last - first) * 0.01;
  const scale = scaleLinear().domain([first - pad, last + pad]).range([MARGIN.left, Math.max(MARGIN.left + 1, width - MARGIN.right)]);
  const minSpan = xMode === 'run' ? 5 : (last - first) / Math.max(5, n / 5);
  return { scale, maxZoom: Math.max(1, (last - first) / minSpan) };
}

/**
 * The y scale for runs i0..i1 (their spread, or their percentiles), with the forecast when it
 * is in view, and the budget and baseline when they are near enough to the data to show.
 */
export function computeY(
  d: SeriesDetail,
  columns: RunColumns,
  options: ChartOptions,
  xs: Float64Array,
  xDomainEnd: number,
  height: number,
  i0: number,
  i1: number,
): YScale {
  const percentiles = options.tab === 'percentiles' ? columns.percentiles : undefined;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = i0; i < i1; i++) {
    // A run without samples keeps its own spread in the percentile tab (NaN fails both tests).
    let a = percentiles ? percentiles.p50[i] : NaN;
    let b = percentiles ? percentiles.p99[i] : NaN;
    if (a !== a || b !== b) {
      a = columns.lo[i];
      b = columns.hi[i];
    }
    if (a < lo) lo = a;
    if (b > hi) hi = b;
  }
  if (d.forecast && xDomainEnd > xs[xs.length - 1]) {
    for (let i = 0; i < d.forecast.values.length; i++) {
      lo = Math.min(lo, d.forecast.lo[i]);
      hi = Math.max(hi, d.forecast.hi[i]);
    }
  }
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  if (d.budget && d.budget.max < hi * 2 && d.budget.max > lo / 2) [lo, hi] = [Math.min(lo, d.budget.max), Math.max(hi, d.budget.max)];
  if (d.baseline && d.baseline.median < hi * 2) [lo, hi] = [Math.min(lo, d.baseline.lo), Math.max(hi, d.baseline.hi)];
  const range: [number, number] = [height - MARGIN.bottom, MARGIN.top];
  if (options.yScale === 'log' && hi > 0) {
    const floor = lo > 0 ? lo : hi / 1000;
    return scaleLog().domain([floor / 1.05, hi * 1.05]).range(range);
  }
  const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.1 || 1;
  return scaleLinear().domain([Math.max(lo >= 0 ? 0 : -Infinity, lo - pad), hi + pad]).range(range).nice();
}
