import { ParseError } from './errors';
import { type FormatModule, isObject, asNumber, asString, requireJson } from './shared';
import { type TestTiming, testReportMeasurements } from './test-report';
import { scaled } from './units';

/**
 * mocha `--reporter json`: `{ stats: { duration }, tests: [{ title, fullTitle, file, duration }] }`,
 * durations in milliseconds. mocha writes no suites, so the suite is the describe path (`fullTitle`
 * without the trailing title), or the file for top-level tests; suite time is the sum of its tests,
 * total is `stats.duration`. Pending tests have no duration and are left out.
 */
const MS = 1e-3;

export const mochaJson: FormatModule = {
  name: 'mocha-json',
  description: 'mocha --reporter json test report',
  detect(input) {
    const j = input.json();
    return isObject(j) && isObject(j.stats) && Array.isArray(j.tests) && ('passes' in j || 'failures' in j || 'pending' in j);
  },
  parse(input) {
    const j = requireJson(input, 'mocha JSON');
    if (!isObject(j) || !Array.isArray(j.tests)) throw new ParseError('mocha JSON must have a "tests" array');
    const tests: TestTiming[] = [];
    j.tests.forEach((t, i) => {
      if (!isObject(t)) throw new ParseError(`tests[${i}] is not an object`);
      const title = asString(t.title) ?? '(unnamed)';
      const full = asString(t.fullTitle) ?? title;
      const file = asString(t.file);
      const path = full.endsWith(title) ? full.slice(0, full.length - title.length).trim() : '';
      const duration = asNumber(t.duration);
      const timing: TestTiming = { suite: path || file || '(root)', name: title, seconds: duration !== undefined ? scaled(duration, MS) : undefined };
      if (file) timing.location = { file };
      tests.push(timing);
    });
    const total = isObject(j.stats) ? asNumber(j.stats.duration) : undefined;
    return testReportMeasurements(tests, [], total !== undefined ? scaled(total, MS) : undefined);
  },
};
