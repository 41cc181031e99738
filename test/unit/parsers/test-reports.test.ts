import { strict as assert } from 'node:assert';
import { parseFile, parseText, ParseError } from '../../../src/core/parsers';
import type { ParseResult } from '../../../src/core/model';
import { close, find, sharedPath } from './helpers';

/**
 * Every test report in the shared folder: per-test, per-suite and total times in seconds,
 * checked against numbers read from the files by hand (JUnit `time` is seconds; jest, vitest,
 * mocha and CTRF durations are milliseconds; go test -json `Elapsed` is seconds).
 */
async function parsed(relative: string, format: string): Promise<ParseResult> {
  const result = await parseFile(sharedPath(`test-reports/${relative}`));
  assert.equal(result.format, format);
  for (const m of result.measurements) {
    assert.equal(m.unit, 's');
    assert.equal(m.direction, 'smaller');
    assert.ok(Number.isFinite(m.value) && m.value >= 0, `${m.series}: ${m.value}`);
  }
  return result;
}

function total(r: ParseResult): number {
  const totals = r.measurements.filter((m) => m.metric === 'total-time');
  assert.equal(totals.length, 1);
  assert.equal(totals[0].series, '(total)');
  return totals[0].value;
}

function tests(r: ParseResult) {
  return r.measurements.filter((m) => m.metric === 'time');
}

describe('parsers: test reports (shared files)', () => {
  it('JUnit from cargo-nextest: suite time summed from its tests when the suite has none', async () => {
    const r = await parsed('junit-cargo-nextest.xml', 'junit');
    const t = find(r, 'fixture-project::basic › test_cwd');
    close(t.value, 0.004);
    assert.equal(t.group, 'fixture-project::basic');
    assert.equal(find(r, 'fixture-project::basic').metric, 'suite-time');
    close(find(r, 'fixture-project::basic').value, 0.012);
    close(total(r), 0.023);
  });

  it('JUnit from go-junit-report: one suite per package, total = sum of suites', async () => {
    const r = await parsed('junit-go-junit-report.xml', 'junit');
    close(find(r, 'package/pass › TestPassLog').value, 0.1);
    close(find(r, 'package/fail').value, 0.151);
    close(total(r), 0.16 + 0.151 + 0.15);
    // Two of the five are skipped: not durations.
    assert.equal(tests(r).length, 3);
    assert.equal(tests(r).filter((m) => m.series.startsWith('package/skip')).length, 0);
    close(find(r, 'package/skip').value, 0.15);
  });

  it('JUnit from Gradle', async () => {
    const r = await parsed('junit-gradle.xml', 'junit');
    const suite = 'projektor.example.spock.IgnoreSomeMethodsAndSomeFailingSpec';
    close(find(r, `${suite} › should run test case 1`).value, 0.002);
    close(find(r, suite).value, 0.011);
    // Two <skipped/> test cases are left out.
    assert.equal(tests(r).length, 8);
  });

  it('JUnit from googletest: file and line become the location', async () => {
    const r = await parsed('junit-gtest.xml', 'junit');
    const t = find(r, 'MathTest › Addition');
    close(t.value, 0.007);
    assert.deepEqual(t.location, { file: 'test.cpp', line: 1 });
    close(find(r, 'LogicTest').value, 0.005);
    close(total(r), 0.035);
  });

  it('JUnit from jest-junit: classname (describe path) prefixes the test name', async () => {
    const r = await parsed('junit-jest-junit.xml', 'junit');
    close(find(r, '__tests__\\main.test.js › Test 1 › Test 1.1 › Failing test').value, 0.002);
    close(find(r, '__tests__\\second.test.js').value, 0.082);
    close(total(r), 1.36);
  });

  it('JUnit from Maven Surefire (two reports)', async () => {
    const a = await parsed('junit-maven-surefire.xml', 'junit');
    close(find(a, 'com.github.teleivo.AppTest › shouldAnswerWithTrue').value, 12.004);
    close(total(a), 31.039);
    const b = await parsed('junit-maven-surefire-failures.xml', 'junit');
    close(find(b, 'action.surefire.report.calc.StringUtilsTest › require_fail').value, 0.007);
    close(find(b, 'action.surefire.report.calc.StringUtilsTest').value, 0.01);
  });

  it('JUnit from mocha-junit-reporter: a name that already holds its classname is kept as is', async () => {
    const r = await parsed('junit-mocha-junit-reporter.xml', 'junit');
    close(find(r, 'dashboard › dashboard when tests all passed should show test suite list on dashboard').value, 0.357);
    close(total(r), 0.642);
  });

  it('JUnit from pytest: module.Class prefix and file:line location', async () => {
    const r = await parsed('junit-pytest.xml', 'junit');
    const t = find(r, 'pytest › test.integration.test_elastic_torch.ElasticTorchTests › test_hosts_added_and_removed');
    close(t.value, 6.847);
    assert.deepEqual(t.location, { file: 'test/integration/elastic_common.py', line: 115 });
    close(total(r), 72.194);
  });

  it('JUnit: a skipped test without a time is left out, nested suites are walked', () => {
    const xml = `<?xml version="1.0"?><testsuites><testsuite name="outer" time="3"><testcase name="a" time="1"/>
      <testcase name="skipped"><skipped/></testcase><testsuite name="inner"><testcase name="b" time="2"/></testsuite></testsuite></testsuites>`;
    const r = parseText(xml);
    assert.equal(r.format, 'junit');
    assert.deepEqual(tests(r).map((m) => m.series), ['outer › a', 'inner › b']);
    close(find(r, 'outer').value, 3);
    close(find(r, 'inner').value, 2);
  });

  it('JUnit: broken XML is a ParseError naming the line', () => {
    assert.throws(() => parseText('<testsuites><testsuite name="x"><testcase name="a" time="1"></testsuite>', { fileName: 'report.xml' }), (err: unknown) => {
      assert.ok(err instanceof ParseError);
      assert.match(err.message, /^report\.xml: not well-formed XML \(line \d+\)/);
      return true;
    });
  });

  it('jest --json: ms to s, suite = end - start, total = wall time of the run', async () => {
    const r = await parsed('jest-json.json', 'jest-json');
    const file = '/Users/markus/Projects/IntelliJ/ethereum-event-scan/src/app/components/settings/directives/json-formatter.directive.spec.ts';
    close(find(r, `${file} › JsonFormatterDirective › formats JSON to pretty on focus and back to compact on blur`).value, 0.003);
    close(find(r, file).value, (1765655675170 - 1765655672900) / 1000);
    close(total(r), (1765655676889 - 1765655672260) / 1000);
  });

  it("jest's raw aggregated result (testFilePath, perfStats)", async () => {
    const r = await parsed('jest-aggregated-result.json', 'jest-json');
    const file = 'C:\\dev\\node\\jest-stare\\__tests__\\processor\\EnvVars.test.ts';
    close(find(r, `${file} › EnvVars tests › should have an empty config for no env variables set`).value, 0.027);
    close(find(r, file).value, 8.936);
    close(total(r), (1674927727000 - 1674927713410) / 1000);
  });

  it('vitest --reporter=json (a real run and the documentation example)', async () => {
    const r = await parsed('vitest-json.json', 'vitest-json');
    const file = '/Users/pch/Documents/GitHub/mono/packages/hooks/useHook/useSnapshotRef/index.test.ts';
    close(find(r, `${file} › useSnapshotRef › state 变化会创建快照`).value, 0.202);
    close(find(r, file).value, (1702624412885 - 1702624412174) / 1000);
    const d = await parsed('vitest-json-docs.json', 'vitest-json');
    const t = find(d, '/root-directory/__tests__/test-file-1.test.ts › first test file › 2 + 2 should equal 4');
    close(t.value, 0.009);
    assert.deepEqual(t.location, { file: '/root-directory/__tests__/test-file-1.test.ts', line: 20 });
    close(total(d), 0.49);
  });

  it('mocha --reporter json: describe path as suite, pending tests omitted, stats.duration as total', async () => {
    const r = await parsed('mocha-json.json', 'mocha-json');
    close(find(r, 'Test 1 Test 1.1 › Failing test').value, 0.001);
    assert.ok(!r.measurements.some((m) => m.series.endsWith('› Skipped test')));
    assert.equal(tests(r).length, 5);
    close(total(r), 0.012);
  });

  it('go test -json: Elapsed per test and per package', async () => {
    const r = await parsed('go-test-json.jsonl', 'go-test-json');
    const pkg = '_/home/james_t/git/test-reporter/reports/go';
    close(find(r, `${pkg} › TestFailing`).value, 0.89);
    close(find(r, `${pkg} › TestCases/1_+_2_=_3`).value, 0.4);
    close(find(r, pkg).value, 4.141);
    close(total(r), 4.141);
  });

  it('go test -json after build output lines is still recognised', () => {
    const text = [
      '# example.com/pkg',
      'warning: something',
      '{"Time":"2025-01-01T00:00:00Z","Action":"run","Package":"p","Test":"TestA"}',
      '{"Time":"2025-01-01T00:00:01Z","Action":"pass","Package":"p","Test":"TestA","Elapsed":1.5}',
      '{"Time":"2025-01-01T00:00:01Z","Action":"pass","Package":"p","Elapsed":1.7}',
    ].join('\n');
    const r = parseText(text);
    assert.equal(r.format, 'go-test-json');
    close(find(r, 'p › TestA').value, 1.5);
    close(total(r), 1.7);
  });

  it('CTRF: suite path joined, durations in ms, summary duration as total', async () => {
    const r = await parsed('ctrf.json', 'ctrf');
    const t = find(r, 'Authentication › Login › user can login');
    close(t.value, 3.5);
    assert.deepEqual(t.location, { file: 'tests/auth/login.test.js' });
    close(find(r, 'Checkout').value, 5.2);
    close(total(r), 20);
  });
});
