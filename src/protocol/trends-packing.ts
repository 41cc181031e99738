/**
 * Packs a series' runs into parallel arrays for the trip to the webview, and back.
 * Pure and dependency-free: the extension host packs, the webview bundle unpacks.
 */
import type { PackedRuns, PackedSeriesDetail, RunPoint, SeriesDetail } from './trends';

export function packRuns(runs: readonly RunPoint[]): PackedRuns {
  const count = runs.length;
  const numbers = () => new Float64Array(count).fill(NaN);
  const packed: PackedRuns = {
    count,
    id: new Array<string>(count),
    value: new Float64Array(count),
    lo: numbers(),
    hi: numbers(),
    n: numbers(),
    timestamp: new Float64Array(count),
    commit: new Array<string | null>(count),
    message: new Array<string | null>(count),
    branch: new Int32Array(count).fill(-1),
    machine: new Int32Array(count).fill(-1),
    names: [],
  };
  const nameIndex = new Map<string, number>();
  const name = (text: string) => {
    let index = nameIndex.get(text);
    if (index === undefined) {
      index = packed.names.push(text) - 1;
      nameIndex.set(text, index);
    }
    return index;
  };
  for (let i = 0; i < count; i++) {
    const r = runs[i];
    packed.id[i] = r.id;
    packed.value[i] = r.value;
    if (r.lo !== undefined) packed.lo[i] = r.lo;
    if (r.hi !== undefined) packed.hi[i] = r.hi;
    if (r.n !== undefined) packed.n[i] = r.n;
    packed.timestamp[i] = r.timestamp;
    packed.commit[i] = r.commit ?? null;
    packed.message[i] = r.message ?? null;
    if (r.branch !== undefined) packed.branch[i] = name(r.branch);
    if (r.machine !== undefined) packed.machine[i] = name(r.machine);
    if (r.percentiles) {
      packed.percentiles ??= { p50: numbers(), p90: numbers(), p95: numbers(), p99: numbers() };
      packed.percentiles.p50[i] = r.percentiles.p50;
      packed.percentiles.p90[i] = r.percentiles.p90;
      packed.percentiles.p95[i] = r.percentiles.p95;
      packed.percentiles.p99[i] = r.percentiles.p99;
    }
  }
  return packed;
}

/** The runs again, with absent fields absent (not undefined-valued), as the host had them. */
export function unpackRuns(packed: PackedRuns): RunPoint[] {
  const runs = new Array<RunPoint>(packed.count);
  const p = packed.percentiles;
  for (let i = 0; i < packed.count; i++) {
    const run: RunPoint = { id: packed.id[i], value: packed.value[i], timestamp: packed.timestamp[i] };
    const lo = packed.lo[i];
    const hi = packed.hi[i];
    const n = packed.n[i];
    if (lo === lo) run.lo = lo;
    if (hi === hi) run.hi = hi;
    if (n === n) run.n = n;
    const commit = packed.commit[i];
    const message = packed.message[i];
    if (commit !== null && commit !== undefined) run.commit = commit;
    if (message !== null && message !== undefined) run.message = message;
    if (packed.branch[i] >= 0) run.branch = packed.names[packed.branch[i]];
    if (packed.machine[i] >= 0) run.machine = packed.names[packed.machine[i]];
    if (p && p.p50[i] === p.p50[i]) run.percentiles = { p50: p.p50[i], p90: p.p90[i], p95: p.p95[i], p99: p.p99[i] };
    runs[i] = run;
  }
  return runs;
}

export function packDetail(detail: SeriesDetail): PackedSeriesDetail {
  const { runs, ...rest } = detail;
  return { ...rest, packedRuns: packRuns(runs) };
}

/** Accepts either shape, so a host that posts plain runs still works. */
export function unpackDetail(detail: SeriesDetail | PackedSeriesDetail): SeriesDetail {
  if (!('packedRuns' in detail)) return detail;
  const { packedRuns, ...rest } = detail;
  return { ...rest, runs: unpackRuns(packedRuns) };
}
