/**
 * The detail chart's runs as parallel typed arrays, and their reduction to one
 * min..max span per pixel column. Drawing 10,000 runs each frame from these allocates
 * nothing (no per-run tuples for the garbage collector to chase mid-gesture), and the
 * spans are drawn as whole-pixel rectangles, which a software rasteriser fills far
 * faster than an antialiased path of 10,000 segments while looking the same.
 */
import type { RunPoint } from '../../src/protocol/trends';

export const PERCENTILE_KEYS = ['p50', 'p90', 'p95', 'p99'] as const;
export type PercentileKey = (typeof PERCENTILE_KEYS)[number];

export interface RunColumns {
  readonly length: number;
  readonly value: Float64Array;
  /** Lower end of each run's spread; the value itself when the run has no spread. */
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  /** NaN where a run kept no samples; undefined when no run has percentiles. */
  readonly percentiles: Record<PercentileKey, Float64Array> | undefined;
}

export function toRunColumns(runs: readonly RunPoint[]): RunColumns {
  const n = runs.length;
  const value = new Float64Array(n);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  let percentiles: Record<PercentileKey, Float64Array> | undefined;
  for (let i = 0; i < n; i++) {
    const r = runs[i];
    value[i] = r.value;
    lo[i] = r.lo ?? r.value;
    hi[i] = r.hi ?? r.value;
    if (r.percentiles) {
      percentiles ??= {
        p50: new Float64Array(n).fill(NaN),
        p90: new Float64Array(n).fill(NaN),
        p95: new Float64Array(n).fill(NaN),
        p99: new Float64Array(n).fill(NaN),
      };
      for (const key of PERCENTILE_KEYS) percentiles[key][i] = r.percentiles[key];
    }
  }
  return { length: n, value, lo, hi, percentiles };
}

/** Per pixel column: the smallest `low` and largest `high` of the runs that land in it (NaN: none). */
export interface ColumnSpans {
  readonly min: Float64Array;
  readonly max: Float64Array;
}

/**
 * Reduces runs i0..i1 to `columns` spans. Run i lands in column
 * `floor(xs[i] * scale + offset)` (a linear x-scale, inlined: no function call per run,
 * which matters on the first, not yet optimised, draw); columns outside
 * 0..columns-1 are skipped, and so are runs whose `low`/`high` is NaN. Reuses `into`
 * when it is big enough.
 */
export function columnSpans(
  low: Float64Array,
  high: Float64Array,
  xs: Float64Array,
  i0: number,
  i1: number,
  columns: number,
  scale: number,
  offset: number,
  into?: ColumnSpans,
): ColumnSpans {
  const spans = into && into.min.length >= columns ? into : { min: new Float64Array(columns), max: new Float64Array(columns) };
  spans.min.fill(NaN, 0, columns);
  spans.max.fill(NaN, 0, columns);
  const { min, max } = spans;
  for (let i = i0; i < i1; i++) {
    const a = low[i];
    const b = high[i];
    if (a !== a || b !== b) continue;
    const c = Math.floor(xs[i] * scale + offset);
    if (!(c >= 0 && c < columns)) continue;
    // NaN compares false, so an empty column takes the first run's values.
    if (!(a >= min[c])) min[c] = a;
    if (!(b <= max[c])) max[c] = b;
  }
  return spans;
}

/**
 * Fills empty columns between two drawn ones by interpolating their spans, as the line
 * and band joining sparse runs would cross them (with fewer runs than columns, most
 * columns would otherwise stay empty and the line would break into specks). Columns
 * before the first and after the last drawn one stay empty.
 */
export function fillColumnGaps(spans: ColumnSpans, columns: number): void {
  const { min, max } = spans;
  let previous = -1;
  for (let c = 0; c < columns; c++) {
    if (min[c] !== min[c]) continue;
    if (previous >= 0 && c - previous > 1) {
      const width = c - previous;
      for (let k = previous + 1; k < c; k++) {
        const t = (k - previous) / width;
        min[k] = min[previous] + (min[c] - min[previous]) * t;
        max[k] = max[previous] + (max[c] - max[previous]) * t;
      }
    }
    previous = c;
  }
}
