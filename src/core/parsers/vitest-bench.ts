import type { Measurement } from '../model';
import { ParseError } from './errors';
import { type FormatModule, type JsonObject, isObject, asNumber, asString, numericArray, medianOf, requireJson, requireSome, scaleAll } from './shared';
import { scaled } from './units';

/**
 * vitest bench `--outputJson` (tinybench results): `{ files: [{ filepath, groups: [{ fullName,
 * benchmarks: [{ name, mean, median?, moe, rme, samples, sampleCount, ... }] }] }] }`.
 * Times are milliseconds. Non-empty `samples` are kept (centre = their median); otherwise the centre
 * is tinybench's mean, which its spread, the 95% margin of error `moe`, is about.
 * Series: `<group fullName> > <benchmark name>`, group = the group's fullName, location = the file.
 *
 * Plain tinybench results serialised as JSON (`bench.tasks.map(({ name, result }) => ({ name, result }))`)
 * are read the same way: `[{ name, result: { latency: { mean, moe, samples } } }]` (tinybench 3+) or
 * `[{ name, result: { mean, moe, samples } }]` (tinybench 2), milliseconds throughout.
 */
const MS = 1e-3;

/** One tinybench statistics object (vitest's benchmark rows are one, tinybench 3's `latency` too). */
function fromStatistics(series: string, b: JsonObject): Measurement | undefined {
  const raw = numericArray(b.samples);
  const samples = raw ? scaleAll(raw, MS) : undefined;
  const mean = asNumber(b.mean) ?? asNumber(b.period);
  const value = samples ? medianOf(samples) : mean !== undefined ? scaled(mean, MS) : undefined;
  if (value === undefined) return undefined;
  const m: Measurement = { series, metric: 'time', unit: 's', direction: 'smaller', value };
  if (samples) m.samples = samples;
  const moe = asNumber(b.moe);
  const rme = asNumber(b.rme);
  if (moe !== undefined) m.spread = { kind: 'margin95', value: scaled(moe, MS) };
  else if (rme !== undefined && mean !== undefined) m.spread = { kind: 'margin95', value: (scaled(mean, MS) * rme) / 100 };
  return m;
}

function isTinybenchTask(t: unknown): boolean {
  return isObject(t) && typeof t.name === 'string' && isObject(t.result) && (isObject(t.result.latency) || typeof t.result.mean === 'number');
}

function parseTinybench(j: unknown[]): Measurement[] {
  const out: Measurement[] = [];
  for (const t of j) {
    if (!isTinybenchTask(t) || !isObject(t)) continue;
    const result = t.result as JsonObject;
    const stats = isObject(result.latency) ? result.latency : result;
    const m = fromStatistics(t.name as string, stats);
    if (m) out.push(m);
  }
  return requireSome(out, 'tinybench task results');
}

export const vitestBench: FormatModule = {
  name: 'vitest-bench',
  description: 'vitest bench --outputJson, or tinybench results as JSON',
  detect(input) {
    const j = input.json();
    if (Array.isArray(j)) return j.length > 0 && j.every(isTinybenchTask);
    return isObject(j) && Array.isArray(j.files) && j.files.some((f) => isObject(f) && Array.isArray(f.groups));
  },
  parse(input) {
    const j = requireJson(input, 'vitest bench');
    if (Array.isArray(j)) return parseTinybench(j);
    if (!isObject(j) || !Array.isArray(j.files)) throw new ParseError('vitest bench JSON must have a "files" array');
    const out: Measurement[] = [];
    for (const file of j.files) {
      if (!isObject(file) || !Array.isArray(file.groups)) continue;
      const filepath = asString(file.filepath);
      for (const group of file.groups) {
        if (!isObject(group) || !Array.isArray(group.benchmarks)) continue;
        const groupName = asString(group.fullName);
        for (const b of group.benchmarks) {
          if (!isObject(b)) continue;
          const name = asString(b.name);
          if (name === undefined) continue;
          const m = fromStatistics(groupName ? `${groupName} > ${name}` : name, b);
          if (!m) continue;
          if (groupName) m.group = groupName;
          if (filepath) m.location = { file: filepath };
          out.push(m);
        }
      }
    }
    return requireSome(out, 'vitest benchmarks');
  },
};
