import type { Measurement } from '../model';
import { ParseError } from './errors';
import { type FormatModule, isObject, asNumber, asString, numericArray, medianOf, requireJson, requireSome } from './shared';

/**
 * hyperfine `--export-json`: `{ results: [{ command, mean, stddev, median, min, max, times: [s...] }] }`.
 * Times are already seconds; `times` are the raw per-run samples. The spread is hyperfine's stddev.
 * hyperfine's mean user and system CPU times per run (`user`, `system`) are series of their own,
 * `<command> (user)` and `<command> (system)` (metrics `user` and `system`, seconds, smaller is better).
 */
const CPU_TIMES = ['user', 'system'] as const;
export const hyperfine: FormatModule = {
  name: 'hyperfine',
  description: 'hyperfine --export-json',
  detect(input) {
    const j = input.json();
    return isObject(j) && Array.isArray(j.results) && j.results.some((r) => isObject(r) && typeof r.command === 'string' && ('mean' in r || 'times' in r));
  },
  parse(input) {
    const j = requireJson(input, 'hyperfine');
    if (!isObject(j) || !Array.isArray(j.results)) throw new ParseError('hyperfine JSON must have a "results" array');
    const out: Measurement[] = [];
    j.results.forEach((r, i) => {
      if (!isObject(r)) throw new ParseError(`hyperfine results[${i}] is not an object`);
      const command = asString(r.command);
      if (command === undefined) throw new ParseError(`hyperfine results[${i}] has no "command"`);
      const times = numericArray(r.times);
      const value = times ? medianOf(times) : asNumber(r.median) ?? asNumber(r.mean);
      if (value === undefined) throw new ParseError(`hyperfine results[${i}] ("${command}") has neither "times" nor "mean"`);
      const m: Measurement = { series: command, metric: 'time', unit: 's', direction: 'smaller', value };
      if (times) m.samples = [...times];
      const stddev = asNumber(r.stddev);
      if (stddev !== undefined) m.spread = { kind: 'stddev', value: stddev };
      out.push(m);
      for (const metric of CPU_TIMES) {
        const seconds = asNumber(r[metric]);
        if (seconds !== undefined) out.push({ series: `${command} (${metric})`, metric, unit: 's', direction: 'smaller', value: seconds });
      }
    });
    return requireSome(out, 'hyperfine results');
  },
};
