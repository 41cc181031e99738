import type { Measurement } from '../model';
import { ParseError } from './errors';
import { normaliseUnit, scaled } from './units';
import { type FormatModule, type JsonObject, isObject, asNumber, asString, medianOf, requireJson, requireSome } from './shared';

/**
 * Google Benchmark `--benchmark_format=json` / `--benchmark_out`.
 * Iteration rows of one `run_name` (one per repetition) become the samples of one series;
 * aggregate rows (mean/median/stddev/cv) are only used when no iteration rows exist
 * (`--benchmark_report_aggregates_only`). The primary metric is `real_time`; the spread is
 * the stddev aggregate. Rate counters `bytes_per_second` / `items_per_second` become extra metrics.
 * User counters (`state.counters["name"]`: every other numeric field of a row) are series of their
 * own, `<name> (<counter>)`, unit `count`. The JSON does not say whether a counter is a rate, so
 * the direction is read from its name: bigger is better for `…per_second`, `…/s`, `…rate`,
 * `…throughput`, `…hits`; smaller otherwise.
 */

/** The fields Google Benchmark writes itself; any other number in a row is a user counter. */
const OWN_FIELDS = new Set([
  'name', 'family_index', 'per_family_instance_index', 'run_name', 'run_type', 'repetitions', 'repetition_index',
  'threads', 'iterations', 'real_time', 'cpu_time', 'time_unit', 'bytes_per_second', 'items_per_second',
  'aggregate_name', 'aggregate_unit', 'label', 'error_occurred', 'error_message', 'big_o', 'rms',
  'cpu_coefficient', 'real_coefficient', 'complexity_n',
]);

const RATE_NAME = /(?:per_?sec(?:ond)?|\/s|rate|throughput|hits)$/i;

function userCounters(rows: Row[]): string[] {
  const names: string[] = [];
  for (const r of rows) {
    for (const key of Object.keys(r.raw)) {
      if (!OWN_FIELDS.has(key) && typeof r.raw[key] === 'number' && !names.includes(key)) names.push(key);
    }
  }
  return names;
}
interface Row {
  name: string;
  runType: string;
  aggregate?: string;
  time?: number;
  iterations?: number;
  raw: JsonObject;
}

function rowsOf(j: unknown): Row[] {
  if (!isObject(j) || !Array.isArray(j.benchmarks)) throw new ParseError('Google Benchmark JSON must have a "benchmarks" array');
  const rows: Row[] = [];
  j.benchmarks.forEach((b, i) => {
    if (!isObject(b)) throw new ParseError(`benchmarks[${i}] is not an object`);
    if (b.error_occurred === true) return;
    const name = asString(b.run_name) ?? asString(b.name);
    if (name === undefined) throw new ParseError(`benchmarks[${i}] has no "name"`);
    const unit = normaliseUnit(asString(b.time_unit) ?? 'ns');
    const real = asNumber(b.real_time);
    const row: Row = {
      name,
      runType: asString(b.run_type) ?? 'iteration',
      aggregate: asString(b.aggregate_name),
      time: real !== undefined && unit.kind === 'time' ? scaled(real, unit.scale) : undefined,
      iterations: asNumber(b.iterations),
      raw: b,
    };
    rows.push(row);
  });
  return rows;
}

function counter(rows: Row[], key: string): number[] {
  return rows.map((r) => asNumber(r.raw[key])).filter((v): v is number => v !== undefined);
}

export const googleBenchmark: FormatModule = {
  name: 'google-benchmark',
  description: 'Google Benchmark JSON (--benchmark_format=json)',
  detect(input) {
    const j = input.json();
    return (
      isObject(j) &&
      Array.isArray(j.benchmarks) &&
      (isObject(j.context) || j.benchmarks.some((b) => isObject(b) && 'real_time' in b && 'time_unit' in b))
    );
  },
  parse(input) {
    const rows = rowsOf(requireJson(input, 'Google Benchmark'));
    const byName = new Map<string, Row[]>();
    for (const r of rows) {
      const list = byName.get(r.name) ?? [];
      list.push(r);
      byName.set(r.name, list);
    }
    const out: Measurement[] = [];
    for (const [name, list] of byName) {
      const iterations = list.filter((r) => r.runType === 'iteration' && r.time !== undefined);
      const aggregates = new Map(list.filter((r) => r.runType === 'aggregate').map((r) => [r.aggregate ?? '', r]));
      const stddev = aggregates.get('stddev')?.time;
      let m: Measurement | undefined;
      if (iterations.length > 0) {
        const times = iterations.map((r) => r.time as number);
        m = { series: name, metric: 'time', unit: 's', direction: 'smaller', value: times.length > 1 ? medianOf(times) : times[0] };
        if (times.length > 1) m.samples = times;
        const iters = iterations[0].iterations;
        if (iters !== undefined) m.iterations = iters;
      } else {
        const centre = aggregates.get('median')?.time ?? aggregates.get('mean')?.time;
        if (centre !== undefined) m = { series: name, metric: 'time', unit: 's', direction: 'smaller', value: centre };
      }
      if (!m) continue;
      if (stddev !== undefined) m.spread = { kind: 'stddev', value: stddev };
      out.push(m);
      const source = iterations.length > 0 ? iterations : [aggregates.get('median') ?? aggregates.get('mean')].filter((r): r is Row => !!r);
      for (const [key, unit] of [['bytes_per_second', 'B/s'], ['items_per_second', 'ops/s']] as const) {
        const values = counter(source, key);
        if (values.length === 0) continue;
        const extra: Measurement = { series: `${name} (${key})`, metric: key, unit, direction: 'bigger', value: medianOf(values) };
        if (values.length > 1) extra.samples = values;
        out.push(extra);
      }
      for (const key of userCounters(source)) {
        const values = counter(source, key);
        if (values.length === 0) continue;
        const extra: Measurement = { series: `${name} (${key})`, metric: key, unit: 'count', direction: RATE_NAME.test(key) ? 'bigger' : 'smaller', value: medianOf(values) };
        if (values.length > 1) extra.samples = values;
        out.push(extra);
      }
    }
    return requireSome(out, 'Google Benchmark results with a real_time');
  },
};
