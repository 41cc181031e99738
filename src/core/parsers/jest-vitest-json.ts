import { ParseError } from './errors';
import { type FormatModule, type JsonObject, isObject, asNumber, asString, requireJson } from './shared';
import { type SuiteTiming, type TestTiming, testReportMeasurements, TEST_SEPARATOR } from './test-report';
import { scaled } from './units';

/**
 * jest `--json` and vitest `--reporter=json` (which copies jest's shape). Durations are milliseconds.
 * Suite = the test file (`testResults[].name`, or `testFilePath` in jest's raw AggregatedResult);
 * test name = its describe titles and title joined by ` › ` (jest's own separator).
 * Suite time = `endTime - startTime` (or `perfStats.runtime`); total = the wall time from the
 * run's `startTime` to the last suite's end (files run in parallel, so this is less than the sum).
 * jest's JSON is told from vitest's by the fields only jest writes (`openHandles`, `wasInterrupted`,
 * `numRuntimeErrorTestSuites`).
 * Both name files by absolute path: with the workspace root known, suites are named relative to it.
 * Skipped, pending, todo and disabled tests have no duration (whatever the report writes for them).
 */
const NOT_RUN = new Set(['pending', 'skipped', 'todo', 'disabled']);
const MS = 1e-3;

function positive(n: number | undefined): number | undefined {
  return n !== undefined && n > 0 ? n : undefined;
}

function looksLikeJestShape(j: unknown): j is JsonObject & { testResults: unknown[] } {
  return isObject(j) && Array.isArray(j.testResults) && typeof j.numTotalTests === 'number';
}

function isJest(j: JsonObject): boolean {
  return 'openHandles' in j || 'wasInterrupted' in j || 'numRuntimeErrorTestSuites' in j;
}

function parseJestShape(j: unknown, what: string, root: string | undefined) {
  if (!looksLikeJestShape(j)) throw new ParseError(`${what} must have "testResults" and "numTotalTests"`);
  const tests: TestTiming[] = [];
  const suites: SuiteTiming[] = [];
  let lastEnd: number | undefined;
  j.testResults.forEach((file, i) => {
    if (!isObject(file)) throw new ParseError(`testResults[${i}] is not an object`);
    const suite = asString(file.name) ?? asString(file.testFilePath) ?? `test file ${i + 1}`;
    const perf = isObject(file.perfStats) ? file.perfStats : undefined;
    // A suite that failed to start reports zeros, which are not times.
    const start = positive(asNumber(file.startTime) ?? (perf ? asNumber(perf.start) : undefined));
    const end = positive(asNumber(file.endTime) ?? (perf ? asNumber(perf.end) : undefined));
    const runtime = positive(perf ? asNumber(perf.runtime) : undefined);
    const seconds = start !== undefined && end !== undefined && end >= start ? scaled(end - start, MS) : runtime !== undefined ? scaled(runtime, MS) : undefined;
    if (end !== undefined) lastEnd = Math.max(lastEnd ?? end, end);
    suites.push({ name: suite, seconds, location: { file: suite } });
    const cases = Array.isArray(file.assertionResults) ? file.assertionResults : Array.isArray(file.testResults) ? file.testResults : [];
    for (const c of cases) {
      if (!isObject(c)) continue;
      const title = asString(c.title) ?? asString(c.fullName) ?? '(unnamed)';
      const ancestors = Array.isArray(c.ancestorTitles) ? c.ancestorTitles.filter((a): a is string => typeof a === 'string' && a !== '') : [];
      const duration = NOT_RUN.has(asString(c.status) ?? '') ? undefined : asNumber(c.duration);
      const t: TestTiming = { suite, name: [...ancestors, title].join(TEST_SEPARATOR), seconds: duration !== undefined ? scaled(duration, MS) : undefined };
      const loc = isObject(c.location) ? asNumber(c.location.line) : undefined;
      t.location = loc !== undefined && loc >= 1 ? { file: suite, line: Math.floor(loc) } : { file: suite };
      tests.push(t);
    }
  });
  const start = asNumber(j.startTime);
  const total = start !== undefined && lastEnd !== undefined && lastEnd >= start ? scaled(lastEnd - start, MS) : undefined;
  return testReportMeasurements(tests, suites, total, root);
}

export const jestJson: FormatModule = {
  name: 'jest-json',
  description: 'jest --json test report',
  detect(input) {
    const j = input.json();
    return looksLikeJestShape(j) && isJest(j);
  },
  parse: (input) => parseJestShape(requireJson(input, 'jest JSON'), 'jest JSON', input.root),
};

export const vitestJson: FormatModule = {
  name: 'vitest-json',
  description: 'vitest --reporter=json test report',
  detect(input) {
    const j = input.json();
    return looksLikeJestShape(j) && !isJest(j);
  },
  parse: (input) => parseJestShape(requireJson(input, 'vitest JSON'), 'vitest JSON', input.root),
};
