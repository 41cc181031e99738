import type { Measurement } from '../model';
import { normaliseUnit, scaled } from './units';
import { type FormatModule, detectionHead, textLines, medianOf, requireSome } from './shared';

/**
 * `go test -bench` text: `BenchmarkName-8  <N>  <value> ns/op  [<value> <unit>]...`.
 * With `-count N` the repeated lines of one benchmark become the samples of one series, per metric.
 * `ns/op` is the primary metric (series = the benchmark name, GOMAXPROCS suffix kept); every other
 * metric (`B/op`, `allocs/op`, `MB/s`, custom ones) is an extra series `Name (B/op)`.
 * `pkg:` lines give the group.
 */
interface Row {
  group?: string;
  name: string;
  iterations: number;
  metrics: Array<[number, string]>;
}

function parseRow(line: string, group: string | undefined): Row | undefined {
  if (!line.startsWith('Benchmark')) return undefined;
  const tokens = line.trim().split(/\s+/);
  if (tokens.length < 4 || tokens.length % 2 !== 0) return undefined;
  if (!/^\d+$/.test(tokens[1])) return undefined;
  const metrics: Array<[number, string]> = [];
  for (let i = 2; i + 1 < tokens.length; i += 2) {
    const value = Number(tokens[i]);
    if (!/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(tokens[i]) || !Number.isFinite(value)) return undefined;
    metrics.push([value, tokens[i + 1]]);
  }
  return { group, name: tokens[0], iterations: Number(tokens[1]), metrics };
}

function rows(text: string): Row[] {
  const out: Row[] = [];
  let group: string | undefined;
  for (const line of textLines(text)) {
    if (line.startsWith('pkg: ')) {
      group = line.slice(5).trim() || undefined;
      continue;
    }
    const row = parseRow(line, group);
    if (row) out.push(row);
  }
  return out;
}

export const goTestBench: FormatModule = {
  name: 'go-test-bench',
  description: 'go test -bench text',
  detect: (input) => rows(detectionHead(input.text)).length > 0,
  parse(input) {
    // Keyed by group + name + unit, in first-seen order.
    const series = new Map<string, { row: Row; unit: string; values: number[]; iterations: number[] }>();
    for (const row of rows(input.text)) {
      for (const [value, unit] of row.metrics) {
        const key = `${row.group ?? ''}\u0000${row.name}\u0000${unit}`;
        const entry = series.get(key) ?? { row, unit, values: [], iterations: [] };
        entry.values.push(value);
        entry.iterations.push(row.iterations);
        series.set(key, entry);
      }
    }
    const out: Measurement[] = [];
    for (const { row, unit: rawUnit, values, iterations } of series.values()) {
      const unit = normaliseUnit(rawUnit);
      const primary = rawUnit === 'ns/op';
      const normalised = values.map((v) => scaled(v, unit.scale));
      const m: Measurement = {
        series: primary ? row.name : `${row.name} (${rawUnit})`,
        metric: primary ? 'time' : rawUnit,
        unit: unit.unit,
        direction: unit.direction,
        value: normalised.length > 1 ? medianOf(normalised) : normalised[0],
      };
      if (normalised.length > 1) m.samples = normalised;
      if (iterations.length === 1) m.iterations = iterations[0];
      if (row.group) m.group = row.group;
      out.push(m);
    }
    return requireSome(out, 'lines like "BenchmarkName-8  1000  123 ns/op"');
  },
};
