import { ParseError } from './errors';
import { type FormatModule, type ParseInput, isObject, asNumber, asString, requireJson } from './shared';
import { type TestTiming, testReportMeasurements } from './test-report';
import { scaled } from './units';

/**
 * mocha `--reporter json`: `{ stats: { duration }, tests: [{ title, fullTitle, file, duration }] }`,
 * durations in milliseconds. mocha writes no suites, so the suite is the describe path (`fullTitle`
 * without the trailing title), or the file for top-level tests; suite time is the sum of its tests,
 * total is `stats.duration`. Pending tests have no duration and are left out.
 * `mocha --reporter json > out.json` also writes what the tests print to the console, before the
 * report: the report is then read from the line `{` that starts it (`{` then `"stats"` on the next line).
 * Files are absolute paths: with the workspace root known, they are made relative to it.
 */
const MS = 1e-3;

/** Where mocha's report starts after console output: a line `{` followed by the `"stats"` key. */
const REPORT_START = /(?:^|\n)\{[ \t]*\r?\n[ \t]*"stats"[ \t]*:/;

function isMochaReport(j: unknown): boolean {
  return isObject(j) && isObject(j.stats) && Array.isArray(j.tests) && ('passes' in j || 'failures' in j || 'pending' in j);
}

/** The report of a file that starts with console output, or undefined. */
function afterConsoleOutput(input: ParseInput): unknown {
  if (input.json() !== undefined) return undefined;
  const at = REPORT_START.exec(input.text);
  if (!at) return undefined;
  try {
    const j = JSON.parse(input.text.slice(at.index)) as unknown;
    return isMochaReport(j) ? j : undefined;
  } catch {
    return undefined;
  }
}

function report(input: ParseInput): unknown {
  const whole = input.json();
  if (whole !== undefined) return whole;
  const at = REPORT_START.exec(input.text);
  if (!at) return requireJson(input, 'mocha JSON');
  try {
    return JSON.parse(input.text.slice(at.index)) as unknown;
  } catch (err) {
    // The report after the console output is the part that is broken (a truncated file): say so.
    throw new ParseError(`not valid JSON for mocha JSON (after the tests' console output): ${(err as Error).message}`);
  }
}

export const mochaJson: FormatModule = {
  name: 'mocha-json',
  description: 'mocha --reporter json test report',
  detect(input) {
    const j = input.json();
    if (j !== undefined) return isMochaReport(j);
    // Console output first: cheap test before parsing from the report's start.
    return input.text.includes('"stats"') && afterConsoleOutput(input) !== undefined;
  },
  parse(input) {
    const j = report(input);
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
    return testReportMeasurements(tests, [], total !== undefined ? scaled(total, MS) : undefined, input.root);
  },
};
