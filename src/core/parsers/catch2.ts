import type { Measurement, SourceLocation } from '../model';
import { normaliseUnit, scaled } from './units';
import { type FormatModule, detectionHead, textLines, requireSome } from './shared';

/**
 * Catch2 (v2 and v3) console benchmark output. Each benchmark is three lines:
 *   `<name>   <samples> <iterations> <est run time> <unit>`
 *   `<mean> <unit> <low mean> <unit> <high mean> <unit>`
 *   `<std dev> <unit> <low std dev> <unit> <high std dev> <unit>`
 * The centre is Catch2's mean and the spread its standard deviation (kind `stddev`).
 * With `--benchmark-no-analysis` the table has one line per benchmark and no spread:
 *   `<name>   <samples> <iterations> <mean> <unit>` (its column header ends in `mean`).
 * The test case title between dashed rules is the group; the `file:line` below it the location.
 */
const TABLE_HEADER = /^benchmark name\s+samples\s+iterations\s+(\S+)/;
const TIME_UNITS = new Set(['ns', 'us', 'µs', 'μs', 'ms', 's']);
const RULE = /^-{20,}\s*$/;

/** Three value-unit pairs, in seconds, or undefined. */
function triple(line: string): [number, number, number] | undefined {
  const t = line.trim().split(/\s+/);
  if (t.length !== 6) return undefined;
  const out: number[] = [];
  for (let i = 0; i < 6; i += 2) {
    if (!TIME_UNITS.has(t[i + 1]) || !/^\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/.test(t[i])) return undefined;
    out.push(scaled(Number(t[i]), normaliseUnit(t[i + 1]).scale));
  }
  return out as [number, number, number];
}

/**
 * The name and iterations of a benchmark's first line, or undefined; `last` is its last number in
 * seconds (the estimated run time, or the mean without analysis).
 */
function header(line: string): { name: string; iterations: number; last: number } | undefined {
  const t = line.trim().split(/\s+/);
  if (t.length < 5 || !TIME_UNITS.has(t[t.length - 1])) return undefined;
  const [samples, iterations, estimate] = t.slice(-4, -1);
  if (!/^\d+$/.test(samples) || !/^\d+$/.test(iterations) || !/^\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/.test(estimate)) return undefined;
  return { name: t.slice(0, -4).join(' '), iterations: Number(iterations), last: scaled(Number(estimate), normaliseUnit(t[t.length - 1]).scale) };
}

/**
 * Catch2 wraps a name too long for its column: the first parts stand alone on the lines above
 * the one with the numbers. They follow a blank line or a rule, so collect upwards until one.
 */
function wrappedNameBefore(lines: string[], at: number): string[] {
  const parts: string[] = [];
  for (let j = at - 1; j >= 0 && at - j <= 5; j--) {
    const text = lines[j].trim();
    if (text === '' || RULE.test(lines[j]) || triple(lines[j]) || header(lines[j])) return parts;
    parts.unshift(text);
  }
  return [];
}

function measurements(text: string): Measurement[] {
  const lines = textLines(text);
  const out: Measurement[] = [];
  let group: string | undefined;
  let location: SourceLocation | undefined;
  let noAnalysis = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (RULE.test(line) && i + 2 < lines.length && RULE.test(lines[i + 2]) && lines[i + 1].trim() !== '') {
      group = lines[i + 1].trim();
      const loc = /^(.*\S):(\d+)$/.exec((lines[i + 3] ?? '').trim());
      location = loc ? { file: loc[1], line: Number(loc[2]) } : undefined;
      i += 2;
      continue;
    }
    const columns = TABLE_HEADER.exec(line.trim());
    if (columns) {
      noAnalysis = columns[1] === 'mean';
      continue;
    }
    const head = header(line);
    if (head && noAnalysis) {
      const m: Measurement = { series: [...wrappedNameBefore(lines, i), head.name].join(' '), metric: 'time', unit: 's', direction: 'smaller', value: head.last, iterations: head.iterations };
      if (group) m.group = group;
      if (location) m.location = { ...location };
      out.push(m);
      continue;
    }
    if (!head || i + 2 >= lines.length) continue;
    const mean = triple(lines[i + 1]);
    const stddev = triple(lines[i + 2]);
    if (!mean || !stddev) continue;
    const m: Measurement = {
      series: [...wrappedNameBefore(lines, i), head.name].join(' '),
      metric: 'time',
      unit: 's',
      direction: 'smaller',
      value: mean[0],
      spread: { kind: 'stddev', value: stddev[0] },
      iterations: head.iterations,
    };
    if (group) m.group = group;
    if (location) m.location = { ...location };
    out.push(m);
    i += 2;
  }
  return out;
}

export const catch2: FormatModule = {
  name: 'catch2',
  description: 'Catch2 console benchmark output',
  detect: (input) => /benchmark name\s{1,80}samples/.test(input.text.slice(0, 20000)) && measurements(detectionHead(input.text)).length > 0,
  parse: (input) => requireSome(measurements(input.text), 'Catch2 benchmark results'),
};
