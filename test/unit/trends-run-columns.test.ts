import * as assert from 'node:assert/strict';
import { columnSpans, fillColumnGaps, toRunColumns } from '../../webview/src/run-columns';
import type { RunPoint } from '../../src/protocol/trends';

const run = (value: number, extra: Partial<RunPoint> = {}): RunPoint => ({ id: `r${value}`, value, timestamp: value, ...extra });

describe('trends detail chart: run columns', () => {
  it('fills spreads with the value where a run has none, and percentiles with NaN where a run kept no samples', () => {
    const columns = toRunColumns([run(1), run(2, { lo: 1.5, hi: 3, percentiles: { p50: 2, p90: 2.5, p95: 2.7, p99: 2.9 } })]);
    assert.deepEqual([...columns.lo], [1, 1.5]);
    assert.deepEqual([...columns.hi], [1, 3]);
    assert.ok(Number.isNaN(columns.percentiles!.p99[0]));
    assert.equal(columns.percentiles!.p99[1], 2.9);
    assert.equal(toRunColumns([run(1)]).percentiles, undefined);
  });

  it('reduces runs to the min and max of each pixel column, skipping NaN and out-of-range columns', () => {
    const low = Float64Array.from([5, 3, 8, NaN, 1, 9, 4]);
    const high = Float64Array.from([6, 7, 8, NaN, 2, 10, 4]);
    // x of each run; with scale 0.5 and offset 0.05, runs 0-2 land in column 0, 3-4 in
    // column 1, run 5 in column 3, run 6 outside.
    const xs = Float64Array.from([0, 0.8, 1.7, 2.3, 3.2, 6.7, 18]);
    const spans = columnSpans(low, high, xs, 0, 7, 4, 0.5, 0.05);
    assert.deepEqual([...spans.min], [3, 1, NaN, 9]);
    assert.deepEqual([...spans.max], [8, 2, NaN, 10]);
    // Only runs i0..i1 count, and a reused buffer is cleared first.
    const again = columnSpans(low, high, xs, 1, 2, 4, 0.5, 0.05, spans);
    assert.equal(again, spans);
    assert.deepEqual([...again.min], [3, NaN, NaN, NaN]);
  });

  it('keeps every extreme of 10,000 runs however they fall into columns', () => {
    const n = 10_000;
    const values = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 37) * 100 + (i % 97));
    const columns = 1200;
    const xs = Float64Array.from({ length: n }, (_, i) => i);
    const spans = columnSpans(values, values, xs, 0, n, columns, columns / n, 0);
    let min = Infinity;
    let max = -Infinity;
    for (let c = 0; c < columns; c++) {
      min = Math.min(min, spans.min[c]);
      max = Math.max(max, spans.max[c]);
    }
    assert.equal(min, Math.min(...values));
    assert.equal(max, Math.max(...values));
  });

  it('bridges empty columns between drawn ones by interpolation, not before the first or after the last', () => {
    const spans = { min: Float64Array.from([NaN, 0, NaN, NaN, 3, NaN]), max: Float64Array.from([NaN, 3, NaN, NaN, 6, NaN]) };
    fillColumnGaps(spans, 6);
    assert.deepEqual([...spans.min], [NaN, 0, 1, 2, 3, NaN]);
    assert.deepEqual([...spans.max], [NaN, 3, 4, 5, 6, NaN]);
  });
});
