import type { Measurement } from '../model';
import { ParseError } from './errors';
import { type FormatModule, isObject, asNumber, asString, numericArray, requireJson, requireSome } from './shared';

/**
 * pytest-benchmark `--benchmark-json` and saved runs (`.benchmarks/.../0001_*.json`).
 * Stats are in seconds. Raw round times (`stats.data`, with `--benchmark-save-data`) become the
 * samples when every entry is a number; the centre is pytest-benchmark's median, the spread its stddev.
 * Series are named by `fullname` (`file.py::test_name[param]`), unique across modules.
 */
export const pytestBenchmark: FormatModule = {
  name: 'pytest-benchmark',
  description: 'pytest-benchmark JSON (--benchmark-json or a saved run)',
  detect(input) {
    const j = input.json();
    return (
      isObject(j) &&
      Array.isArray(j.benchmarks) &&
      j.benchmarks.some((b) => isObject(b) && isObject(b.stats) && ('fullname' in b || 'rounds' in b.stats))
    );
  },
  parse(input) {
    const j = requireJson(input, 'pytest-benchmark');
    if (!isObject(j) || !Array.isArray(j.benchmarks)) throw new ParseError('pytest-benchmark JSON must have a "benchmarks" array');
    const out: Measurement[] = [];
    j.benchmarks.forEach((b, i) => {
      if (!isObject(b) || !isObject(b.stats)) throw new ParseError(`benchmarks[${i}] has no "stats" object`);
      const series = asString(b.fullname) ?? asString(b.name);
      if (series === undefined) throw new ParseError(`benchmarks[${i}] has no "name"`);
      const s = b.stats;
      const samples = numericArray(s.data);
      const value = asNumber(s.median) ?? asNumber(s.mean);
      if (value === undefined) throw new ParseError(`benchmarks[${i}] ("${series}") has no median or mean`);
      const m: Measurement = { series, metric: 'time', unit: 's', direction: 'smaller', value };
      if (samples) m.samples = [...samples];
      const stddev = asNumber(s.stddev);
      if (stddev !== undefined) m.spread = { kind: 'stddev', value: stddev };
      const iterations = asNumber(s.iterations);
      if (iterations !== undefined) m.iterations = iterations;
      const group = asString(b.group);
      if (group) m.group = group;
      const fullname = asString(b.fullname);
      if (fullname && fullname.includes('::')) m.location = { file: fullname.slice(0, fullname.indexOf('::')) };
      out.push(m);
    });
    return requireSome(out, 'pytest-benchmark results');
  },
};
