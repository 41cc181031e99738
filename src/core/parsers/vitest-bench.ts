import { scaled } from './units';
import type { Measurement } from '../model';
import { ParseError } from './errors';
import { type FormatModule, isObject, asNumber, asString, numericArray, medianOf, requireJson, requireSome, scaleAll } from './shared';

/**
 * vitest bench `--outputJson` (tinybench results): `{ files: [{ filepath, groups: [{ fullName,
 * benchmarks: [{ name, mean, median?, moe, rme, samples, sampleCount, ... }] }] }] }`.
 * Times are milliseconds. Non-empty `samples` are kept (centre = their median); otherwise the centre
 * is tinybench's mean, which its spread, the 95% margin of error `moe`, is about.
 * Series: `<group fullName> > <benchmark name>`, group = the group's fullName, location = the file.
 */
const MS = 1e-3;

export const vitestBench: FormatModule = {
  name: 'vitest-bench',
  description: 'vitest bench --outputJson (tinybench)',
  detect(input) {
    const j = input.json();
    return isObject(j) && Array.isArray(j.files) && j.files.some((f) => isObject(f) && Array.isArray(f.groups));
  },
  parse(input) {
    const j = requireJson(input, 'vitest bench');
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
          const raw = numericArray(b.samples);
          const samples = raw ? scaleAll(raw, MS) : undefined;
          const mean = asNumber(b.mean) ?? asNumber(b.period);
          const value = samples ? medianOf(samples) : mean !== undefined ? scaled(mean, MS) : undefined;
          if (value === undefined) continue;
          const m: Measurement = { series: groupName ? `${groupName} > ${name}` : name, metric: 'time', unit: 's', direction: 'smaller', value };
          if (samples) m.samples = samples;
          const moe = asNumber(b.moe);
          const rme = asNumber(b.rme);
          if (moe !== undefined) m.spread = { kind: 'margin95', value: scaled(moe, MS) };
          else if (rme !== undefined && mean !== undefined) m.spread = { kind: 'margin95', value: (scaled(mean, MS) * rme) / 100 };
          if (groupName) m.group = groupName;
          if (filepath) m.location = { file: filepath };
          out.push(m);
        }
      }
    }
    return requireSome(out, 'vitest benchmarks');
  },
};
