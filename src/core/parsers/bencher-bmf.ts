import type { Measurement } from '../model';
import { ParseError } from './errors';
import { type FormatModule, isObject, asNumber, requireJson, requireSome } from './shared';
import { scaled } from './units';
import { lookupTable, ownValue } from '../own-keys';

/**
 * Bencher Metric Format: `{ <benchmark>: { <measure>: { value, lower_value?, upper_value? } } }`.
 * Bencher's built-in measures have fixed units: latency in nanoseconds (normalised to seconds),
 * throughput in operations per second, file-size in bytes, build-time in seconds. Latency is the
 * primary metric (series = benchmark name); every other measure is an extra metric, `name (measure)`.
 * When `upper_value > lower_value` the spread is half that range (kind `range`).
 */
const MEASURES = lookupTable<{ unit: string; scale: number; direction: 'smaller' | 'bigger'; metric: string }>({
  latency: { unit: 's', scale: 1e-9, direction: 'smaller', metric: 'time' },
  throughput: { unit: 'ops/s', scale: 1, direction: 'bigger', metric: 'throughput' },
  'file-size': { unit: 'B', scale: 1, direction: 'smaller', metric: 'file-size' },
  'build-time': { unit: 's', scale: 1, direction: 'smaller', metric: 'build-time' },
});

function isMetric(value: unknown): boolean {
  return isObject(value) && typeof value.value === 'number';
}

export const bencherBmf: FormatModule = {
  name: 'bencher-bmf',
  description: 'Bencher Metric Format JSON',
  detect(input) {
    const j = input.json();
    if (!isObject(j)) return false;
    const benches = Object.values(j);
    return benches.length > 0 && benches.every((b) => isObject(b) && Object.values(b).length > 0 && Object.values(b).every(isMetric));
  },
  parse(input) {
    const j = requireJson(input, 'Bencher Metric Format');
    if (!isObject(j)) throw new ParseError('Bencher Metric Format must be an object of benchmarks');
    const out: Measurement[] = [];
    for (const [name, measures] of Object.entries(j)) {
      if (!isObject(measures)) throw new ParseError(`benchmark "${name}" must map measure names to { value }`);
      for (const [measure, metric] of Object.entries(measures)) {
        if (!isObject(metric)) throw new ParseError(`benchmark "${name}" measure "${measure}" is not an object`);
        const raw = asNumber(metric.value);
        if (raw === undefined) throw new ParseError(`benchmark "${name}" measure "${measure}" has no numeric "value"`);
        const known = ownValue(MEASURES, measure) ?? { unit: measure, scale: 1, direction: 'smaller' as const, metric: measure };
        const primary = measure === 'latency';
        const m: Measurement = {
          series: primary ? name : `${name} (${measure})`,
          metric: known.metric,
          unit: known.unit,
          direction: known.direction,
          value: scaled(raw, known.scale),
        };
        const lower = asNumber(metric.lower_value);
        const upper = asNumber(metric.upper_value);
        if (lower !== undefined && upper !== undefined && upper > lower) m.spread = { kind: 'range', value: scaled((upper - lower) / 2, known.scale) };
        out.push(m);
      }
    }
    return requireSome(out, 'Bencher metrics');
  },
};
