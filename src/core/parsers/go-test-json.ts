import { ParseError } from './errors';
import { goBenchMeasurements, goBenchRows, type Row } from './go-test-bench';
import { type FormatModule, isObject, asNumber, asString, medianOf, textLines } from './shared';
import { type SuiteTiming, type TestTiming, testReportMeasurements } from './test-report';

/**
 * `go test -json` (test2json) event stream: one JSON object per line. `Elapsed` (seconds) on the
 * final `pass`/`fail`/`skip` event of a test is its time; on a package-level event (no `Test`) it
 * is the package's time. Suite = package, tests include subtests (`TestX/case`); total = sum of packages.
 * A skipped test (`skip`) has no duration. With `-count N` each test ends N times: one series whose
 * samples are the N times and whose value is their median. Lines that are not JSON (build output mixed in) are skipped.
 *
 * With `-bench`, the benchmark results are in the `output` events, read as `go test -bench` text
 * (see go-test-bench.ts, same series names): a package's outputs are joined before they are split
 * into lines, because test2json often cuts one result line in two events (`BenchmarkX-8 \t` then
 * `  1000\t 123 ns/op\n`), and attributes them to whatever test ran last.
 */
const FINAL = new Set(['pass', 'fail', 'skip']);

function events(text: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of textLines(text, 1_000_000)) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const e = JSON.parse(trimmed) as unknown;
      if (isObject(e) && typeof e.Action === 'string') out.push(e);
    } catch {
      // Not an event line.
    }
  }
  return out;
}

export const goTestJson: FormatModule = {
  name: 'go-test-json',
  description: 'go test -json event stream',
  detect(input) {
    // Build output may precede the events; most of the first lines must still be events.
    const head = input.text.slice(0, 20000).split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 20);
    if (!head.some((l) => l.trimStart().startsWith('{'))) return false;
    const found = events(head.join('\n')).filter((e) => 'Package' in e || 'Time' in e);
    return found.length > 0 && found.length * 2 >= head.length;
  },
  parse(input) {
    const all = events(input.text);
    if (all.length === 0) throw new ParseError('no go test -json events ({"Action": ...} lines) found');
    const tests = new Map<string, TestTiming & { times: number[] }>();
    const suites: SuiteTiming[] = [];
    const outputs = new Map<string, string[]>();
    for (const e of all) {
      const action = asString(e.Action) ?? '';
      const pkg = asString(e.Package) ?? '(no package)';
      if (action === 'output') {
        const text = asString(e.Output);
        if (text !== undefined) {
          const list = outputs.get(pkg) ?? [];
          list.push(text);
          outputs.set(pkg, list);
        }
        continue;
      }
      if (!FINAL.has(action)) continue;
      const test = asString(e.Test);
      const elapsed = action === 'skip' ? undefined : asNumber(e.Elapsed);
      if (!test) {
        suites.push({ name: pkg, seconds: elapsed });
        continue;
      }
      const key = `${pkg}\u0000${test}`;
      const entry = tests.get(key) ?? { suite: pkg, name: test, times: [] };
      // A run that gives no time (skipped, or Elapsed missing) adds none; a negative one stays to be refused.
      if (elapsed !== undefined) entry.times.push(elapsed);
      tests.set(key, entry);
    }
    const rows: Row[] = [];
    for (const [pkg, pieces] of outputs) {
      // Only packages that printed a benchmark result are read again as text.
      const text = pieces.join('');
      if (text.includes('Benchmark')) rows.push(...goBenchRows(text, pkg));
    }
    const timings: TestTiming[] = [...tests.values()].map(({ times, ...t }) => {
      if (times.length === 1) return { ...t, seconds: times[0] };
      if (times.length > 1) return { ...t, seconds: times.some((x) => x < 0) ? Math.min(...times) : medianOf(times), samples: times };
      return t;
    });
    return [...goBenchMeasurements(rows), ...testReportMeasurements(timings, suites, undefined, input.root)];
  },
};
