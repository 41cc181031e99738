import { ParseError } from './errors';
import { type FormatModule, isObject, asNumber, asString, requireJson } from './shared';
import { type TestTiming, testReportMeasurements, TEST_SEPARATOR } from './test-report';
import { scaled } from './units';

/**
 * CTRF (Common Test Report Format) JSON: `{ results: { summary: { start, stop, duration? }, tests: [{ name,
 * duration, suite?: string[] | string, filePath?, line? }] } }`, durations in milliseconds.
 * Suite = the `suite` path joined by ` › `, else the file path; suite time = sum of its tests;
 * total = `summary.duration`, else `stop - start`. Tests of status `skipped`, `pending` or `other` did
 * not run: their duration (0) is not a time.
 */
const NOT_RUN = new Set(['skipped', 'pending', 'other']);
const MS = 1e-3;

export const ctrf: FormatModule = {
  name: 'ctrf',
  description: 'CTRF JSON test report',
  detect(input) {
    const j = input.json();
    return isObject(j) && isObject(j.results) && Array.isArray(j.results.tests) && (j.reportFormat === 'CTRF' || isObject(j.results.summary));
  },
  parse(input) {
    const j = requireJson(input, 'CTRF');
    if (!isObject(j) || !isObject(j.results) || !Array.isArray(j.results.tests)) throw new ParseError('CTRF JSON must have "results.tests"');
    const tests: TestTiming[] = [];
    j.results.tests.forEach((t, i) => {
      if (!isObject(t)) throw new ParseError(`results.tests[${i}] is not an object`);
      const name = asString(t.name) ?? '(unnamed)';
      const file = asString(t.filePath);
      const suitePath = Array.isArray(t.suite) ? t.suite.filter((s): s is string => typeof s === 'string').join(TEST_SEPARATOR) : asString(t.suite);
      const duration = NOT_RUN.has(asString(t.status) ?? '') ? undefined : asNumber(t.duration);
      const timing: TestTiming = { suite: suitePath || file || '(root)', name, seconds: duration !== undefined ? scaled(duration, MS) : undefined };
      if (file) {
        const line = asNumber(t.line);
        timing.location = line !== undefined && line >= 1 ? { file, line: Math.floor(line) } : { file };
      }
      tests.push(timing);
    });
    const summary = isObject(j.results.summary) ? j.results.summary : {};
    const start = asNumber(summary.start);
    const stop = asNumber(summary.stop);
    const duration = asNumber(summary.duration) ?? (start !== undefined && stop !== undefined && stop >= start ? stop - start : undefined);
    return testReportMeasurements(tests, [], duration !== undefined ? scaled(duration, MS) : undefined, input.root);
  },
};
