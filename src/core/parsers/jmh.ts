import type { Measurement } from '../model';
import { ParseError } from './errors';
import { normaliseUnit, scaled } from './units';
import { type FormatModule, type JsonObject, isObject, asNumber, asString, medianOf, requireJson, requireSome, scaleAll } from './shared';

/**
 * JMH `-rf json`. Throughput mode (`thrpt`, unit ops/time) is bigger-is-better and normalised to
 * ops/s; average/sample/single-shot modes (time/op) are smaller-is-better, in seconds.
 * `rawData` (per fork, per measurement iteration) become the samples; the spread is JMH's
 * `scoreError`, a 99.9% confidence half-width. Secondary metrics (e.g. `·gc.alloc.rate.norm`)
 * become extra metrics with a series suffix. Parameters are appended: `bench (a=1, b=2)`.
 */
function metricOf(series: string, metric: string, pm: JsonObject): Measurement | undefined {
  const unitText = asString(pm.scoreUnit) ?? '';
  const unit = normaliseUnit(unitText);
  const score = asNumber(pm.score);
  const raw = Array.isArray(pm.rawData) ? pm.rawData.flat().filter((v): v is number => typeof v === 'number' && Number.isFinite(v)) : [];
  const samples = raw.length > 0 ? scaleAll(raw, unit.scale) : undefined;
  const value = samples ? medianOf(samples) : score !== undefined ? scaled(score, unit.scale) : undefined;
  if (value === undefined) return undefined;
  const m: Measurement = { series, metric, unit: unit.unit, direction: unit.direction, value };
  if (samples) m.samples = samples;
  const error = asNumber(pm.scoreError);
  if (error !== undefined) m.spread = { kind: 'ci99.9', value: scaled(error, unit.scale) };
  return m;
}

export const jmh: FormatModule = {
  name: 'jmh',
  description: 'JMH JSON (-rf json)',
  detect(input) {
    const j = input.json();
    return Array.isArray(j) && j.length > 0 && j.some((b) => isObject(b) && typeof b.benchmark === 'string' && isObject(b.primaryMetric));
  },
  parse(input) {
    const j = requireJson(input, 'JMH');
    if (!Array.isArray(j)) throw new ParseError('JMH JSON must be an array of benchmark results');
    const out: Measurement[] = [];
    j.forEach((b, i) => {
      if (!isObject(b) || !isObject(b.primaryMetric)) throw new ParseError(`JMH result [${i}] has no "primaryMetric"`);
      const name = asString(b.benchmark);
      if (name === undefined) throw new ParseError(`JMH result [${i}] has no "benchmark" name`);
      const params = isObject(b.params)
        ? Object.entries(b.params).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')
        : '';
      const series = params ? `${name} (${params})` : name;
      const dot = name.lastIndexOf('.');
      const group = dot > 0 ? name.slice(0, dot) : undefined;
      const primary = metricOf(series, asString(b.mode) === 'thrpt' ? 'throughput' : 'time', b.primaryMetric);
      if (!primary) throw new ParseError(`JMH result [${i}] ("${name}") has no score`);
      if (group) primary.group = group;
      out.push(primary);
      if (isObject(b.secondaryMetrics)) {
        for (const [key, pm] of Object.entries(b.secondaryMetrics)) {
          if (!isObject(pm)) continue;
          const extra = metricOf(`${series} (${key})`, key, pm);
          if (!extra) continue;
          // Profiler metrics (·gc.alloc.rate in MB/sec, ·gc.count...) are costs even when they are rates.
          if (key.startsWith('·') || /gc|alloc/i.test(key)) extra.direction = 'smaller';
          if (group) extra.group = group;
          out.push(extra);
        }
      }
    });
    return requireSome(out, 'JMH results');
  },
};
