import type { Measurement, SourceLocation } from '../model';
import { ParseError } from './errors';
import { type FormatModule, asNumber } from './shared';
import { type SuiteTiming, type TestTiming, TestReportBuilder, TEST_SEPARATOR } from './test-report';
import { XmlAttributes, XmlProblem, XmlScanner } from './xml-scanner';

/** `status` attribute values some writers use instead of a `<skipped>` child. */
const SKIPPED_STATUS = new Set(['skipped', 'notrun', 'disabled']);

/**
 * JUnit XML as written by pytest, jest-junit, Maven Surefire, Gradle, go-junit-report/gotestsum,
 * mocha-junit-reporter, cargo-nextest, googletest... `time` attributes are seconds.
 * Naming (see test-report.ts): suite = `<testsuite name>`; the test name is the `<testcase name>`,
 * prefixed with its `classname` when that adds something (not empty, not the suite name, not already
 * inside the name), e.g. jest-junit's `Test 1 › Test 1.1 › Failing test`, pytest's
 * `test.module.Class › test_x`. `file`/`line` attributes become the location. Nested suites are walked.
 * A `<testcase>` directly under `<testsuites>` (Node's `--test-reporter=junit` writes top-level tests
 * so) belongs to the suite named by its `classname`, else `(root)`; that reporter's run time, the comment
 * `<!-- duration_ms N -->` under the root, is the total when the root has no `time`.
 * A test case with a `<skipped>` child (skipped, todo, disabled) has no duration: its `time` is how
 * long the runner took to skip it, and is left out.
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
type Open = { kind: 'root' } | { kind: 'suite'; name: string } | { kind: 'test'; test: PendingTest } | { kind: 'other' };

/** A test case whose children (`<skipped>`) are still to come: added to the report when it closes. */
interface PendingTest {
  suite: string;
  name: string;
  seconds?: number;
  location?: SourceLocation;
  skipped: boolean;
}

const ROOT_SUITE = '(root)';
const ROOT: Open = { kind: 'root' };
const OTHER: Open = { kind: 'other' };

/**
 * Reads a JUnit XML document in pieces: `write` each chunk as it arrives, then `finish`.
 * Throws ParseError from `write` or `finish` as soon as the document is not a JUnit report.
 */
export class JUnitReader {
  private readonly report: TestReportBuilder;
  private readonly open: Open[] = [];
  private readonly xml = new XmlScanner({
    open: (name, attributes, selfClosing) => this.openTag(name, attributes, selfClosing),
    close: () => this.closeTag(),
    comment: (text) => this.comment(text),
  });
  private readonly files = new Map<string, string>();
  private suiteCount = 0;
  private rootSeen = false;
  private rootSuites = 0;
  private total: number | undefined;
  private rootSuiteTime: number | undefined;

  /** `root`: the workspace root, for suite names and locations that are absolute paths. */
  constructor(root?: string) {
    this.report = new TestReportBuilder(root);
  }

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

  private addTest(test: PendingTest): void {
    const timing: TestTiming = { suite: test.suite, name: test.name, seconds: test.skipped ? undefined : test.seconds };
    if (test.location) timing.location = test.location;
    this.report.addTest(timing);
  }

  private closeTag(): void {
    const closed = this.open.pop();
    if (closed?.kind === 'test') this.addTest(closed.test);
  }

  /** Node's reporter gives the run's time only as a comment under the root: `<!-- duration_ms 524.7 -->`. */
  private comment(text: string): void {
    const parent = this.open[this.open.length - 1];
    const ms = parent?.kind === 'root' && this.total === undefined ? /^\s*duration_ms\s+(\d+(?:\.\d+)?)\s*$/.exec(text) : null;
    if (ms) this.total = Number(ms[1]) / 1000;
  }

  private openTag(tagName: string, attributes: Attributes, selfClosing: boolean): void {
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
    } else if (tagName === 'testcase' && (parent?.kind === 'suite' || parent?.kind === 'root')) {
      const rawName = attr(attributes, 'name') ?? '(unnamed)';
      const location = locationOf(attributes, this.files);
      const classname = attr(attributes, 'classname');
      const suite = parent.kind === 'suite' ? parent.name : kept(classname || ROOT_SUITE);
      const name = testName(rawName, classname, suite);
      const status = attr(attributes, 'status');
      const test: PendingTest = { suite, name, seconds: seconds(attributes), skipped: status !== undefined && SKIPPED_STATUS.has(status) };
      if (location) test.location = location;
      // A self-closing test case has no <skipped> child to wait for (most of a large report).
      if (selfClosing) {
        this.addTest(test);
        open.push(OTHER);
      } else {
        // It waits for its close tag, perhaps chunks later: its name must not keep this chunk alive.
        test.name = kept(test.name);
        open.push({ kind: 'test', test });
      }
    } else if (tagName === 'skipped' && parent?.kind === 'test') {
      parent.test.skipped = true;
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
    const reader = new JUnitReader(input.root);
    reader.write(input.text);
    return reader.finish();
  },
};
