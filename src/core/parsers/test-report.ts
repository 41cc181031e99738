import type { Measurement, SourceLocation } from '../model';

/**
 * How every test report (JUnit XML, jest/vitest/mocha JSON, go test -json, CTRF) becomes measurements.
 * All are times in seconds, smaller is better:
 *   - one per test:   series `<suite> › <test name>`, metric `time`, group = suite, location when known;
 *   - one per suite:  series `<suite>`, metric `suite-time` (the report's own suite time when it has one,
 *                     else the sum of its tests);
 *   - one total:      series `(total)`, metric `total-time` (the report's own run time when it has one,
 *                     else the sum of the suites).
 * Tests without a time (typically skipped ones) are left out, but their suite is still listed.
 */
export const TEST_SEPARATOR = ' › ';
export const TOTAL_SERIES = '(total)';

export interface TestTiming {
  suite: string;
  name: string;
  /** Seconds; undefined when the report gives no time (skipped / pending tests). */
  seconds?: number;
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

export function testReportMeasurements(tests: TestTiming[], suites: SuiteTiming[] = [], totalSeconds?: number): Measurement[] {
  const out: Measurement[] = [];
  const suiteOrder: string[] = [];
  const suiteInfo = new Map<string, SuiteTiming>();
  const suiteSums = new Map<string, number>();
  const note = (name: string) => {
    if (!suiteSums.has(name)) {
      suiteSums.set(name, 0);
      suiteOrder.push(name);
    }
  };
  for (const s of suites) {
    note(s.name);
    const known = suiteInfo.get(s.name);
    // The same suite name twice (e.g. per-file JUnit suites) adds up.
    if (known && finite(known.seconds) && finite(s.seconds)) suiteInfo.set(s.name, { ...known, seconds: known.seconds + s.seconds });
    else if (!known) suiteInfo.set(s.name, s);
  }
  for (const t of tests) {
    note(t.suite);
    if (!finite(t.seconds)) continue;
    suiteSums.set(t.suite, (suiteSums.get(t.suite) ?? 0) + t.seconds);
    const m: Measurement = { series: `${t.suite}${TEST_SEPARATOR}${t.name}`, metric: 'time', unit: 's', direction: 'smaller', value: t.seconds, group: t.suite };
    if (t.location) m.location = t.location;
    out.push(m);
  }
  let sumOfSuites = 0;
  for (const name of suiteOrder) {
    const own = suiteInfo.get(name);
    const seconds = finite(own?.seconds) ? own.seconds : (suiteSums.get(name) ?? 0);
    sumOfSuites += seconds;
    const m: Measurement = { series: name, metric: 'suite-time', unit: 's', direction: 'smaller', value: seconds, group: name };
    if (own?.location) m.location = own.location;
    out.push(m);
  }
  out.push({ series: TOTAL_SERIES, metric: 'total-time', unit: 's', direction: 'smaller', value: finite(totalSeconds) ? totalSeconds : sumOfSuites });
  return out;
}
