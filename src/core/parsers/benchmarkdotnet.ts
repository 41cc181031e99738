import type { Measurement } from '../model';
import { ParseError } from './errors';
import { type FormatModule, isObject, asNumber, asString, numericArray, medianOf, requireJson, requireSome, scaleAll } from './shared';
import { scaled } from './units';

/**
 * BenchmarkDotNet JSON exporters (`JsonExporter.Full/Brief`). Statistics are in nanoseconds.
 * `Statistics.OriginalValues` (per-iteration times) become the samples when present; the spread is
 * BenchmarkDotNet's 99.9% confidence margin (`ConfidenceInterval.Margin`). Allocated bytes per
 * operation (MemoryDiagnoser) become an extra metric `B/op`.
 */
const NS = 1e-9;

export const benchmarkDotNet: FormatModule = {
  name: 'benchmarkdotnet',
  description: 'BenchmarkDotNet JSON exporter',
  detect(input) {
    const j = input.json();
    return isObject(j) && Array.isArray(j.Benchmarks) && (isObject(j.HostEnvironmentInfo) || j.Benchmarks.some((b) => isObject(b) && 'Statistics' in b));
  },
  parse(input) {
    const j = requireJson(input, 'BenchmarkDotNet');
    if (!isObject(j) || !Array.isArray(j.Benchmarks)) throw new ParseError('BenchmarkDotNet JSON must have a "Benchmarks" array');
    const out: Measurement[] = [];
    j.Benchmarks.forEach((b, i) => {
      if (!isObject(b)) throw new ParseError(`Benchmarks[${i}] is not an object`);
      const params = asString(b.Parameters);
      const base = asString(b.FullName) ?? asString(b.DisplayInfo) ?? asString(b.Method);
      if (base === undefined) throw new ParseError(`Benchmarks[${i}] has no "FullName"`);
      const series = params ? `${base}(${params})` : base;
      const group = [asString(b.Namespace), asString(b.Type)].filter(Boolean).join('.') || undefined;
      const stats = b.Statistics;
      if (isObject(stats)) {
        const raw = numericArray(stats.OriginalValues);
        const samples = raw ? scaleAll(raw, NS) : undefined;
        const centre = samples ? medianOf(samples) : scaled(asNumber(stats.Median) ?? asNumber(stats.Mean) ?? NaN, NS);
        if (Number.isFinite(centre)) {
          const m: Measurement = { series, metric: 'time', unit: 's', direction: 'smaller', value: centre };
          if (samples) m.samples = samples;
          const margin = isObject(stats.ConfidenceInterval) ? asNumber(stats.ConfidenceInterval.Margin) : undefined;
          if (margin !== undefined) m.spread = { kind: 'ci99.9', value: scaled(margin, NS) };
          if (group) m.group = group;
          out.push(m);
        }
      }
      const memory = isObject(b.Memory) ? asNumber(b.Memory.BytesAllocatedPerOperation) : undefined;
      if (memory !== undefined) {
        const m: Measurement = { series: `${series} (B/op)`, metric: 'B/op', unit: 'B', direction: 'smaller', value: memory };
        if (group) m.group = group;
        out.push(m);
      }
    });
    return requireSome(out, 'BenchmarkDotNet statistics');
  },
};
