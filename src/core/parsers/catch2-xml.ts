import { parser as saxParser } from 'sax';
import type { Measurement, SourceLocation } from '../model';
import { ParseError } from './errors';
import { type FormatModule, asNumber, requireSome } from './shared';
import { scaled } from './units';

/**
 * Catch2's XML reporter (`-r xml`, v2 root `<Catch>`, v3 root `<Catch2TestRun>`): each
 * `<BenchmarkResults name iterations>` holds `<mean value>` and `<standardDeviation value>` in
 * nanoseconds. Read as the console output is (catch2.ts), so both give the same series: the
 * benchmark name, the test case as group, its `filename`/`line` as location, the mean as centre
 * and the standard deviation as spread.
 */
const NS = 1e-9;

type Attributes = Record<string, string>;

function attr(attributes: Attributes, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(attributes, name) ? attributes[name] : undefined;
}

function measurements(text: string): Measurement[] {
  const out: Measurement[] = [];
  const sax = saxParser(true, { position: true });
  const open: string[] = [];
  let testCase: { name: string; location?: SourceLocation } | undefined;
  let bench: { name: string; iterations?: number; mean?: number; stddev?: number } | undefined;
  let rootSeen = false;
  sax.onerror = (err) => {
    throw new ParseError(`not well-formed XML (line ${sax.line + 1}): ${(err.message ?? String(err)).split('\n')[0]}`);
  };
  sax.onopentag = (tag) => {
    const a = tag.attributes as Attributes;
    if (open.length === 0) {
      if (tag.name !== 'Catch' && tag.name !== 'Catch2TestRun') throw new ParseError('Catch2 XML must have a <Catch> or <Catch2TestRun> root element');
      rootSeen = true;
    }
    open.push(tag.name);
    if (tag.name === 'TestCase') {
      const file = attr(a, 'filename');
      const line = asNumber(attr(a, 'line'));
      testCase = { name: attr(a, 'name') ?? '(unnamed)' };
      if (file) testCase.location = line !== undefined && line >= 1 ? { file, line: Math.floor(line) } : { file };
    } else if (tag.name === 'BenchmarkResults') {
      bench = { name: attr(a, 'name') ?? '(unnamed)', iterations: asNumber(attr(a, 'iterations')) };
    } else if (bench && tag.name === 'mean') {
      bench.mean = asNumber(attr(a, 'value'));
    } else if (bench && tag.name === 'standardDeviation') {
      bench.stddev = asNumber(attr(a, 'value'));
    }
  };
  sax.onclosetag = (name) => {
    open.pop();
    if (name === 'TestCase') testCase = undefined;
    if (name !== 'BenchmarkResults' || !bench) return;
    if (bench.mean !== undefined) {
      const m: Measurement = { series: bench.name, metric: 'time', unit: 's', direction: 'smaller', value: scaled(bench.mean, NS) };
      if (bench.stddev !== undefined) m.spread = { kind: 'stddev', value: scaled(bench.stddev, NS) };
      if (bench.iterations !== undefined) m.iterations = bench.iterations;
      if (testCase) {
        m.group = testCase.name;
        if (testCase.location) m.location = { ...testCase.location };
      }
      out.push(m);
    }
    bench = undefined;
  };
  sax.write(text);
  sax.close();
  if (!rootSeen) throw new ParseError('Catch2 XML has no root element');
  return out;
}

export const catch2Xml: FormatModule = {
  name: 'catch2-xml',
  description: 'Catch2 XML reporter output (-r xml) with benchmarks',
  detect(input) {
    const head = input.text.trimStart().slice(0, 2000);
    return head.startsWith('<') && /<Catch(?:2TestRun)?[\s>]/.test(head);
  },
  parse: (input) => requireSome(measurements(input.text), 'Catch2 benchmark results (<BenchmarkResults>)'),
};
