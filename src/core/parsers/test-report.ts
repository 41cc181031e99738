import type { Measurement, SourceLocation } from '../model';
import { workspaceRelative } from './shared';

/**
 * How every test report (JUnit XML, jest/vitest/mocha JSON, go test -json, CTRF) becomes measurements.
 * All are times in seconds, smaller is better:
 *   - one per test:   series `<suite> › <test name>`, metric `time`, group = suite, location when known;
 *   - one per suite:  series `<suite>`, metric `suite-time` (the report's own suite time when it has one,
 *                     else the sum of its tests);
 *   - one total:      series `(total)`, metric `total-time` (the report's own run time when it has one,
 *                     else the sum of the suites).
 * Tests without a time are left out, but their suite is still listed: a skipped, pending or todo test
 * is never a duration (reports write 0 or a few microseconds for them), so parsers pass no time for it.
 * Suite names and locations that are absolute paths inside the workspace root are made relative to it
 * (see workspaceRelative), so the same tests keep the same series on every machine.
 */
export const TEST_SEPARATOR = ' › ';
export const TOTAL_SERIES = '(total)';

export interface TestTiming {
  suite: string;
  name: string;
  /** Seconds; undefined when the report gives no time (skipped / pending tests). */
  seconds?: number;
  /** Every time of a test the report ran several times (`go test -count N`); `seconds` is their median. */
  samples?: number[];
  location?: SourceLocation;
}

export interface SuiteTiming {
  name: string;
  seconds?: number;
  location?: SourceLocation;
}

function finite(n: number | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0;
}

function negative(n: number | undefined): n is number {
  return typeof n === 'number' && n < 0;
}

/**
 * Builds a test report's measurements one test at a time, so a streaming parser keeps only the
 * measurements and one entry per suite, never the whole list of tests twice.
 * A negative time is not a time: it is kept as a measurement with that value so that `parseText`
 * rejects it with a warning naming the entry, and it is never added to a suite's or the total's sum.
 */
export class TestReportBuilder {
  private out: Measurement[] = [];
  private readonly suiteOrder: string[] = [];
  private readonly suiteInfo = new Map<string, SuiteTiming>();
  private readonly suiteSums = new Map<string, number>();

  /** `root`: the workspace root, when known. */
  constructor(private readonly root?: string) {}

  private relative(name: string): string {
    return this.root ? workspaceRelative(name, this.root) : name;
  }

  private located(location: SourceLocation | undefined): SourceLocation | undefined {
    if (!location || !this.root) return location;
    const file = workspaceRelative(location.file, this.root);
    return file === location.file ? location : { ...location, file };
  }

  private note(name: string): void {
    if (!this.suiteSums.has(name)) {
      this.suiteSums.set(name, 0);
      this.suiteOrder.push(name);
    }
  }

  addSuite(suite: SuiteTiming): void {
    const s = this.root ? { ...suite, name: this.relative(suite.name), location: this.located(suite.location) } : suite;
    if (!s.location) delete s.location;
    this.note(s.name);
    const known = this.suiteInfo.get(s.name);
    // The same suite name twice (e.g. per-file JUnit suites) adds up.
    if (known && finite(known.seconds) && finite(s.seconds)) this.suiteInfo.set(s.name, { ...known, seconds: known.seconds + s.seconds });
    else if (!known) this.suiteInfo.set(s.name, s);
  }

  /** Joined, not concatenated: `join` makes one flat string, `+` a tree of the parts that costs more than the text. */
  addTest(test: TestTiming): void {
    const t = this.root ? { ...test, suite: this.relative(test.suite), location: this.located(test.location) } : test;
    this.note(t.suite);
    if (!finite(t.seconds) && !negative(t.seconds)) return;
    if (finite(t.seconds)) this.suiteSums.set(t.suite, (this.suiteSums.get(t.suite) ?? 0) + t.seconds);
    const series = [t.suite, TEST_SEPARATOR, t.name].join('');
    // One literal per shape: a property added afterwards costs every measurement a separate property store.
    const m: Measurement = t.location
      ? { series, metric: 'time', unit: 's', direction: 'smaller', value: t.seconds, group: t.suite, location: t.location }
      : { series, metric: 'time', unit: 's', direction: 'smaller', value: t.seconds, group: t.suite };
    if (t.samples && t.samples.length > 1) m.samples = t.samples;
    this.out.push(m);
  }

  /** The tests' measurements found since the last call, handed over (a streaming reader passes them on as it goes). */
  take(): Measurement[] {
    const taken = this.out;
    this.out = [];
    return taken;
  }

  /** The measurements not taken yet: every test's, then every suite's, then the total. */
  finish(totalSeconds?: number): Measurement[] {
    const out = this.out;
    let sumOfSuites = 0;
    for (const name of this.suiteOrder) {
      const own = this.suiteInfo.get(name);
      const seconds = finite(own?.seconds) || negative(own?.seconds) ? own.seconds : (this.suiteSums.get(name) ?? 0);
      if (seconds >= 0) sumOfSuites += seconds;
      const m: Measurement = { series: name, metric: 'suite-time', unit: 's', direction: 'smaller', value: seconds, group: name };
      if (own?.location) m.location = own.location;
      out.push(m);
    }
    const total = finite(totalSeconds) || negative(totalSeconds) ? totalSeconds : sumOfSuites;
    out.push({ series: TOTAL_SERIES, metric: 'total-time', unit: 's', direction: 'smaller', value: total });
    return out;
  }
}

export function testReportMeasurements(tests: TestTiming[], suites: SuiteTiming[] = [], totalSeconds?: number, root?: string): Measurement[] {
  const builder = new TestReportBuilder(root);
  for (const s of suites) builder.addSuite(s);
  for (const t of tests) builder.addTest(t);
  return builder.finish(totalSeconds);
}
