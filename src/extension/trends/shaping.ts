/**
 * Pure data shaping for the trends panel, shared by the host (which builds overview
 * rows) and the tests. No `vscode` import: it must run in plain Node.
 */

import { lookupTable, ownValue } from '../../core/own-keys';
import type { SeriesSourceKind } from '../../protocol/trends';

/** The most points a sparkline carries; more is invisible at 120 px and costs first paint. */
export const SPARKLINE_POINTS = 64;

/**
 * Downsamples a series to at most `maxPoints` with Largest-Triangle-Three-Buckets, which
 * keeps the first and last values and the visually important peaks (a regression spike
 * survives where plain striding would skip it). Non-finite values are dropped first.
 */
export function downsampleForSparkline(values: readonly number[], maxPoints = SPARKLINE_POINTS): number[] {
  const data = values.filter((v) => Number.isFinite(v));
  const n = data.length;
  if (maxPoints < 3) throw new RangeError(`downsampleForSparkline: maxPoints must be at least 3, got ${maxPoints}`);
  if (n <= maxPoints) return data.slice();
  const out: number[] = [data[0]];
  const bucketSize = (n - 2) / (maxPoints - 2);
  let previous = 0;
  for (let bucket = 0; bucket < maxPoints - 2; bucket++) {
    const start = Math.floor(bucket * bucketSize) + 1;
    const end = Math.floor((bucket + 1) * bucketSize) + 1;
    // The average of the next bucket is the third corner of the triangle.
    const nextStart = end;
    const nextEnd = Math.min(Math.floor((bucket + 2) * bucketSize) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let i = nextStart; i < nextEnd; i++) {
      avgX += i;
      avgY += data[i];
    }
    const count = Math.max(1, nextEnd - nextStart);
    avgX /= count;
    avgY /= count;
    let best = start;
    let bestArea = -1;
    for (let i = start; i < end; i++) {
      const area = Math.abs((previous - avgX) * (data[i] - data[previous]) - (previous - i) * (avgY - data[previous]));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    out.push(data[best]);
    previous = best;
  }
  out.push(data[n - 1]);
  return out;
}

/** latest / baseline, or undefined when either is missing or the baseline is not positive. */
export function changeRatio(latest: number, baseline: number | undefined): number | undefined {
  if (baseline === undefined || !(baseline > 0) || !Number.isFinite(latest)) return undefined;
  return latest / baseline;
}

const SOURCE_KIND = lookupTable<SeriesSourceKind>({ benchmark: 'benchmark', task: 'task', report: 'test', terminal: 'terminal', import: 'import' });

/**
 * The panel's group for a record source. Sources come from the history, which may hold
 * records from other machines' notes: an unknown one (even `constructor`) is a benchmark.
 */
export function sourceKindOf(source: string): SeriesSourceKind {
  return ownValue(SOURCE_KIND, source) ?? 'benchmark';
}
