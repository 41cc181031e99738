import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { SourceLocation } from '../model';
import { ParseError } from './errors';
import { type FormatModule, type JsonObject, isObject, asNumber } from './shared';
import { type SuiteTiming, type TestTiming, testReportMeasurements, TEST_SEPARATOR } from './test-report';

/**
 * JUnit XML as written by pytest, jest-junit, Maven Surefire, Gradle, go-junit-report/gotestsum,
 * mocha-junit-reporter, cargo-nextest, googletest... `time` attributes are seconds.
 * Naming (see test-report.ts): suite = `<testsuite name>`; the test name is the `<testcase name>`,
 * prefixed with its `classname` when that adds something (not empty, not the suite name, not already
 * inside the name), e.g. jest-junit's `Test 1 › Test 1.1 › Failing test`, pytest's
 * `test.module.Class › test_x`. `file`/`line` attributes become the location. Nested suites are walked.
 */
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name) => name === 'testsuite' || name === 'testcase',
  // Failure texts and logs can be large and are never needed for timings.
  stopNodes: ['*.failure', '*.error', '*.system-out', '*.system-err', '*.properties', '*.rerunFailure', '*.flakyFailure'],
});

function attr(node: JsonObject, name: string): string | undefined {
  const v = node[`@_${name}`];
  return typeof v === 'string' ? v : undefined;
}

function seconds(node: JsonObject): number | undefined {
  const t = attr(node, 'time');
  return t === undefined ? undefined : asNumber(t);
}

function locationOf(node: JsonObject): SourceLocation | undefined {
  const file = attr(node, 'file') ?? attr(node, 'filepath');
  if (!file) return undefined;
  const line = asNumber(attr(node, 'line'));
  return line !== undefined && line >= 1 ? { file, line: Math.floor(line) } : { file };
}

function testName(name: string, classname: string | undefined, suite: string): string {
  if (!classname || classname === suite || name.includes(classname)) return name;
  return `${classname}${TEST_SEPARATOR}${name}`;
}

function children(node: JsonObject, key: string): JsonObject[] {
  const v = node[key];
  return Array.isArray(v) ? v.filter(isObject) : [];
}

function walkSuite(suite: JsonObject, tests: TestTiming[], suites: SuiteTiming[], index: number[]): void {
  index[0]++;
  const name = attr(suite, 'name') || `testsuite ${index[0]}`;
  const entry: SuiteTiming = { name, seconds: seconds(suite) };
  const location = locationOf(suite);
  if (location) entry.location = location;
  suites.push(entry);
  for (const tc of children(suite, 'testcase')) {
    const rawName = attr(tc, 'name') ?? '(unnamed)';
    const t: TestTiming = { suite: name, name: testName(rawName, attr(tc, 'classname'), name), seconds: seconds(tc) };
    const loc = locationOf(tc);
    if (loc) t.location = loc;
    tests.push(t);
  }
  for (const nested of children(suite, 'testsuite')) walkSuite(nested, tests, suites, index);
}

export const junit: FormatModule = {
  name: 'junit',
  description: 'JUnit XML test report',
  detect(input) {
    const head = input.text.trimStart().slice(0, 4000);
    return head.startsWith('<') && /<testsuites?[\s>/]/.test(head);
  },
  parse(input) {
    const valid = XMLValidator.validate(input.text);
    if (valid !== true) throw new ParseError(`not well-formed XML (line ${valid.err.line}): ${valid.err.msg}`);
    let doc: unknown;
    try {
      doc = parser.parse(input.text);
    } catch (err) {
      throw new ParseError(`not well-formed XML: ${(err as Error).message}`);
    }
    if (!isObject(doc)) throw new ParseError('JUnit XML has no root element');
    const tests: TestTiming[] = [];
    const suites: SuiteTiming[] = [];
    const index = [0];
    let total: number | undefined;
    if (isObject(doc.testsuites)) {
      total = seconds(doc.testsuites);
      for (const s of children(doc.testsuites, 'testsuite')) walkSuite(s, tests, suites, index);
    } else if (Array.isArray(doc.testsuite)) {
      const roots = doc.testsuite.filter(isObject);
      for (const s of roots) walkSuite(s, tests, suites, index);
      if (roots.length === 1) total = seconds(roots[0]);
    } else {
      throw new ParseError('JUnit XML must have a <testsuites> or <testsuite> root element');
    }
    return testReportMeasurements(tests, suites, total);
  },
};
