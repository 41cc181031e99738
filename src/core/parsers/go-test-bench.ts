import type { Measurement } from '../model';
import { normaliseUnit, scaled } from './units';
import { type FormatModule, detectionHead, textLines, medianOf, requireSome } from './shared';

/**
 * `go test -bench` text: `BenchmarkName-8  <N>  <value> ns/op  [<value> <unit>]...`.
 * With `-count N` the repeated lines of one benchmark become the samples of one series, per metric.
 * `ns/op` is the primary metric (series = the benchmark name); every other metric (`B/op`,
 * `allocs/op`, `MB/s`, custom ones) is an extra series `Name (B/op)`. `pkg:` lines give the group.
 *
 * The `-N` GOMAXPROCS suffix is not part of the series name (it is kept as the tag `gomaxprocs`),
 * so that machines with different core counts share a series, as benchstat compares them. `go test`
 * adds the suffix to every benchmark of a run when GOMAXPROCS > 1 and to none when it is 1, so a
 * trailing `-N` is taken for the suffix only when every benchmark of the package has one (else it
 * is part of a name such as `BenchmarkRead/size-64`). A `-cpu 1,2,4` sweep prints one benchmark
 * under several suffixes: those keep their names as printed (they are different series).
 */
export interface Row {
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

function rows(text: string, initialGroup?: string): Row[] {
  const out: Row[] = [];
  let group: string | undefined = initialGroup;
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

const PROCS_SUFFIX = /^(.+)-(\d+)$/;

interface Named {
  series: string;
  /** Unknown when some names of the package end in `-N` and others do not (not a sweep). */
  gomaxprocs?: string;
}

/** The series name and GOMAXPROCS of every benchmark name, decided per package (see above). */
function seriesNames(all: Row[]): Map<string, Named> {
  const byGroup = new Map<string, Set<string>>();
  for (const row of all) {
    const names = byGroup.get(row.group ?? '') ?? new Set<string>();
    names.add(row.name);
    byGroup.set(row.group ?? '', names);
  }
  const out = new Map<string, Named>();
  for (const [group, names] of byGroup) {
    const split = [...names].map((name) => ({ name, suffix: PROCS_SUFFIX.exec(name) }));
    const allSuffixed = split.every((s) => s.suffix);
    // Base names printed with more than one GOMAXPROCS (a -cpu sweep, 1 printing no suffix).
    const procsOf = new Map<string, Set<string>>();
    for (const { name, suffix } of split) {
      const base = suffix ? suffix[1] : name;
      const set = procsOf.get(base) ?? new Set<string>();
      set.add(suffix ? suffix[2] : '1');
      procsOf.set(base, set);
    }
    const noneSuffixed = split.every((s) => !s.suffix);
    for (const { name, suffix } of split) {
      const key = `${group}\u0000${name}`;
      const swept = suffix ? (procsOf.get(suffix[1])?.size ?? 0) > 1 && (names.has(suffix[1]) || allSuffixed) : (procsOf.get(name)?.size ?? 0) > 1;
      if (swept) out.set(key, { series: name, gomaxprocs: suffix ? suffix[2] : '1' });
      else if (suffix && allSuffixed) out.set(key, { series: suffix[1], gomaxprocs: suffix[2] });
      else out.set(key, noneSuffixed ? { series: name, gomaxprocs: '1' } : { series: name });
    }
  }
  return out;
}

/** The measurements of `go test -bench` result lines (also used for the output inside `go test -json`). */
export function goBenchMeasurements(all: Row[]): Measurement[] {
  const names = seriesNames(all);
  // Keyed by group + name + unit, in first-seen order.
  const series = new Map<string, { row: Row; unit: string; values: number[]; iterations: number[] }>();
  for (const row of all) {
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
    const named = names.get(`${row.group ?? ''}\u0000${row.name}`) ?? { series: row.name };
    const normalised = values.map((v) => scaled(v, unit.scale));
    const m: Measurement = {
      series: primary ? named.series : `${named.series} (${rawUnit})`,
      metric: primary ? 'time' : rawUnit,
      unit: unit.unit,
      direction: unit.direction,
      value: normalised.length > 1 ? medianOf(normalised) : normalised[0],
    };
    if (normalised.length > 1) m.samples = normalised;
    if (iterations.length === 1) m.iterations = iterations[0];
    if (row.group) m.group = row.group;
    if (named.gomaxprocs !== undefined) m.tags = { gomaxprocs: named.gomaxprocs };
    out.push(m);
  }
  return out;
}

/** Result lines of a `go test -bench` text; `group` is the package when no `pkg:` line says it. */
export function goBenchRows(text: string, group?: string): Row[] {
  return rows(text, group);
}

export const goTestBench: FormatModule = {
  name: 'go-test-bench',
  description: 'go test -bench text',
  detect: (input) => rows(detectionHead(input.text)).length > 0,
  parse: (input) => requireSome(goBenchMeasurements(rows(input.text)), 'lines like "BenchmarkName-8  1000  123 ns/op"'),
};
