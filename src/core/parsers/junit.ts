import type { Measurement, SourceLocation } from '../model';
import { ParseError } from './errors';
import { type FormatModule, asNumber } from './shared';
import { type SuiteTiming, TestReportBuilder, TEST_SEPARATOR } from './test-report';
import { XmlAttributes, XmlProblem, XmlScanner } from './xml-scanner';

/**
 * JUnit XML as written by pytest, jest-junit, Maven Surefire, Gradle, go-junit-report/gotestsum,
 * mocha-junit-reporter, cargo-nextest, googletest... `time` attributes are seconds.
 * Naming (see test-report.ts): suite = `<testsuite name>`; the test name is the `<testcase name>`,
 * prefixed with its `classname` when that adds something (not empty, not the suite name, not already
 * inside the name), e.g. jest-junit's `Test 1 › Test 1.1 › Failing test`, pytest's
 * `test.module.Class › test_x`. `file`/`line` attributes become the location. Nested suites are walked.
 *
 * The XML is read by a streaming scanner (xml-scanner.ts) that keeps only the open elements and the timings:
 * reports of hundreds of thousands of tests and megabytes of captured output read in time and
 * memory proportional to the timings, not to a document tree. No recursion, so any nesting depth
 * is fine; entities other than XML's own are an error (no DTD is read).
 */

type Attributes = XmlAttributes;

function attr(attributes: Attributes, name: string): string | undefined {
  return attributes.get(name);
}

function seconds(attributes: Attributes): number | undefined {
  const t = attr(attributes, 'time');
  return t === undefined ? undefined : asNumber(t);
}

/** File names repeat across a report's test cases: one copy of each (up to a bound) keeps memory to the timings. */
const MAX_INTERNED_FILES = 100_000;

/**
 * An independent copy of an attribute value that is kept: the scanner's values are slices of the
 * chunk they were read from, and a kept slice would keep the whole chunk (a MB) alive.
 */
function kept(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

function locationOf(attributes: Attributes, files: Map<string, string>): SourceLocation | undefined {
  const raw = attr(attributes, 'file') ?? attr(attributes, 'filepath');
  if (!raw) return undefined;
  let file = files.get(raw);
  if (file === undefined) {
    file = kept(raw);
    if (files.size < MAX_INTERNED_FILES) files.set(file, file);
  }
  const line = asNumber(attr(attributes, 'line'));
  return line !== undefined && line >= 1 ? { file, line: Math.floor(line) } : { file };
}

function testName(name: string, classname: string | undefined, suite: string): string {
  if (!classname || classname === suite || name.includes(classname)) return name;
  return `${classname}${TEST_SEPARATOR}${name}`;
}

/** What an open element is to the report: only suites and the `<testsuites>` root hold timings. */
type Open = { kind: 'root' } | { kind: 'suite'; name: string } | { kind: 'other' };
const ROOT: Open = { kind: 'root' };
const OTHER: Open = { kind: 'other' };

/**
 * Reads a JUnit XML document in pieces: `write` each chunk as it arrives, then `finish`.
 * Throws ParseError from `write` or `finish` as soon as the document is not a JUnit report.
 */
export class JUnitReader {
  private readonly report = new TestReportBuilder();
  private readonly open: Open[] = [];
  private readonly xml = new XmlScanner({ open: (name, attributes) => this.openTag(name, attributes), close: () => this.open.pop() });
  private readonly files = new Map<string, string>();
  private suiteCount = 0;
  private rootSeen = false;
  private rootSuites = 0;
  private total: number | undefined;
  private rootSuiteTime: number | undefined;

  write(chunk: string): void {
    try {
      this.xml.write(chunk);
    } catch (err) {
      throw notWellFormed(err);
    }
  }

  /** The tests' measurements read so far and not taken before (`finish` returns the rest). */
  take(): Measurement[] {
    return this.report.take();
  }

  finish(): Measurement[] {
    try {
      this.xml.close();
    } catch (err) {
      throw notWellFormed(err);
    }
    if (!this.rootSeen) throw new ParseError('JUnit XML has no root element');
    return this.report.finish(this.rootSuites === 1 ? this.rootSuiteTime : this.total);
  }

  private openTag(tagName: string, attributes: Attributes): void {
    const open = this.open;
    const parent = open[open.length - 1];
    if (!parent) {
      if (tagName === 'testsuites' && !this.rootSeen) {
        this.total = seconds(attributes);
        this.rootSeen = true;
        open.push(ROOT);
        return;
      }
      if (tagName !== 'testsuite') throw new ParseError('JUnit XML must have a <testsuites> or <testsuite> root element');
      this.rootSeen = true;
      this.rootSuites++;
      this.rootSuiteTime = seconds(attributes);
    }
    if (tagName === 'testsuite' && (!parent || parent.kind !== 'other')) {
      this.suiteCount++;
      const name = kept(attr(attributes, 'name') || `testsuite ${this.suiteCount}`);
      const entry: SuiteTiming = { name, seconds: seconds(attributes) };
      const location = locationOf(attributes, this.files);
      if (location) entry.location = location;
      this.report.addSuite(entry);
      open.push({ kind: 'suite', name });
    } else if (tagName === 'testcase' && parent?.kind === 'suite') {
      const rawName = attr(attributes, 'name') ?? '(unnamed)';
      const location = locationOf(attributes, this.files);
      const name = testName(rawName, attr(attributes, 'classname'), parent.name);
      this.report.addTest({ suite: parent.name, name, seconds: seconds(attributes), ...(location ? { location } : {}) });
      open.push(OTHER);
    } else {
      open.push(OTHER);
    }
  }
}

function notWellFormed(err: unknown): unknown {
  return err instanceof XmlProblem ? new ParseError(`not well-formed XML (line ${err.line}): ${err.problem}`) : err;
}

export const junit: FormatModule = {
  name: 'junit',
  description: 'JUnit XML test report',
  detect(input) {
    const head = input.text.trimStart().slice(0, 4000);
    return head.startsWith('<') && /<testsuites?[\s>/]/.test(head);
  },
  parse(input) {
    const reader = new JUnitReader();
    reader.write(input.text);
    return reader.finish();
  },
};
