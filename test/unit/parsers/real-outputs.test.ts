import { strict as assert } from 'node:assert';
import { parseFile, parseText } from '../../../src/core/parsers';
import type { MachineFingerprint, Measurement, ParseResult } from '../../../src/core/model';
import { recordFromMeasurement } from '../../../src/core/records';
import { seriesIdOf } from '../../../src/core/series-id';
import { recordsFromFiles } from '../../../src/cli/commands/check';
import { close, find, readShared, sharedPath } from './helpers';

/**
 * Outputs recorded with the real tools (test/fixtures/reference/real, README there: versions and
 * commands). Expected numbers are read from the files by hand.
 */
const LAPTOP = '/srv/pp-laptop/webapp';
const CI = '/srv/pp-ci/builds/team/webapp';

async function parsed(relative: string, format: string, root?: string): Promise<ParseResult> {
  const result = await parseFile(sharedPath(`real/${relative}`), root ? { root } : {});
  assert.equal(result.format, format);
  return result;
}

function names(r: ParseResult, metric?: string): string[] {
  return r.measurements.filter((m) => metric === undefined || m.metric === metric).map((m) => m.series);
}

function missing(r: ParseResult, fragment: string): void {
  const found = r.measurements.filter((m) => m.series.includes(fragment)).map((m) => m.series);
  assert.deepEqual(found, [], `no series should contain "${fragment}"`);
}

describe('parsers: real outputs (criterion 0.3.6)', () => {
  it('estimates.json with lowercase keys: slope as headline spread, samples from sample.json, name from benchmark.json', async () => {
    const r = await parsed('criterion/fib 10/new/estimates.json', 'criterion-estimates');
    const m = find(r, 'fib 10');
    assert.equal(m.samples?.length, 10);
    close(m.samples?.[0], (1704871 / 9017) * 1e-9);
    close(m.spread?.value, ((828.0691685164344 - 651.9345031643207) / 2) * 1e-9);
    assert.equal(m.spread?.kind, 'interval95');
  });

  it('estimates.json with "slope": null (flat sampling): the mean is the headline', () => {
    const r = parseText(readShared('real/criterion/Flat/fib 12/new/estimates.json'), { fileName: 'target/criterion/Flat/fib 12/new/estimates.json' });
    assert.equal(r.format, 'criterion-estimates');
    const m = find(r, 'Flat/fib 12');
    close(m.value, 2568.177220973783e-9);
    close(m.spread?.value, ((3112.937855992509 - 2154.8142322097383) / 2) * 1e-9);
  });

  it('change/estimates.json: a ratio, named like its benchmark (benchmark.json in new/, not the sanitised folder)', async () => {
    const r = await parsed('criterion/Fibonacci/Recursive_15/change/estimates.json', 'criterion-estimates');
    assert.equal(r.measurements.length, 1);
    const m = find(r, 'Fibonacci/Recursive/15 (change)');
    assert.equal(m.metric, 'change');
    assert.equal(m.unit, 'ratio');
    close(m.value, -0.5770710925122442);
    const time = await parsed('criterion/Fibonacci/Recursive_15/new/estimates.json', 'criterion-estimates');
    find(time, 'Fibonacci/Recursive/15');
  });
});

describe('parsers: real outputs (Go 1.19)', () => {
  it('go test -json -bench: every benchmark read, also a result line split over two output events', async () => {
    const r = await parsed('go/go-test-json-bench.jsonl', 'go-test-json');
    const custom = find(r, 'BenchmarkCustom'); // "BenchmarkCustom-2   \t" + "    2000\t 47.80 ns/op…" in two events
    assert.deepEqual(custom.samples, [47.8e-9, 25.03e-9]);
    assert.deepEqual(custom.tags, { gomaxprocs: '2' });
    assert.equal(custom.group, 'example.com/fib');
    assert.equal(find(r, 'BenchmarkCustom (calls/op)').value, 5);
    const fib = find(r, 'BenchmarkFib10');
    assert.deepEqual(fib.samples, [439.1e-9, 409.6e-9]);
    assert.equal(find(r, 'BenchmarkAlloc (B/op)').value, 64);
    assert.equal(find(r, 'BenchmarkAlloc (allocs/op)').value, 1);
    find(r, 'example.com/fib › TestFibTable/n=1');
  });

  it('go test -json: a skipped test is not a duration; -count 2 makes one series with two samples', async () => {
    const r = await parsed('go/go-test-json-bench.jsonl', 'go-test-json');
    missing(r, 'TestSkipped');
    assert.equal(names(r).filter((n) => n === 'example.com/fib › TestFib').length, 1);
    assert.deepEqual(find(r, 'example.com/fib › TestFibTable/n=2').samples, [0, 0]);
    close(find(r, 'example.com/fib').value, 0.131);
  });

  it('go test -bench: the -N suffix is a tag, not part of the name, and -json names the same series', async () => {
    const text = await parsed('go/go-bench.txt', 'go-test-bench');
    const m = find(text, 'BenchmarkFib10');
    close(m.value, 663.2e-9);
    assert.deepEqual(m.tags, { gomaxprocs: '2' });
    assert.deepEqual(find(text, 'BenchmarkAlloc (B/op)').tags, { gomaxprocs: '2' });
    // The same benchmark on a one-core machine prints no suffix: one series.
    const oneCore = parseText('pkg: example.com/fib\nBenchmarkFib10 \t    2000\t       525.3 ns/op\n');
    assert.equal(oneCore.measurements[0].series, 'BenchmarkFib10');
    assert.deepEqual(oneCore.measurements[0].tags, { gomaxprocs: '1' });
    const json = await parsed('go/go-test-json-bench.jsonl', 'go-test-json');
    const benchSeries = names(text).sort();
    assert.deepEqual(names(json).filter((n) => n.startsWith('Benchmark')).sort(), benchSeries);
  });

  it('go test -bench -cpu 1,2: a sweep keeps one series per GOMAXPROCS, named as printed', async () => {
    const r = await parsed('go/go-bench-cpu.txt', 'go-test-bench');
    const one = find(r, 'BenchmarkFib10');
    close(one.value, 599.6e-9);
    assert.deepEqual(one.tags, { gomaxprocs: '1' });
    const two = find(r, 'BenchmarkFib10-2');
    close(two.value, 559.6e-9);
    assert.deepEqual(two.tags, { gomaxprocs: '2' });
    assert.equal(find(r, 'BenchmarkCustom-2 (calls/op)').value, 5);
  });

  it('the gomaxprocs tag reaches the run record, outside the series id', async () => {
    const r = await parsed('go/go-bench.txt', 'go-test-bench');
    const m = find(r, 'BenchmarkFib10');
    const machine: MachineFingerprint = { id: 'm1', cpuModel: 'cpu', cores: 2, os: 'linux', arch: 'x64', runtimes: {} };
    const record = recordFromMeasurement(m, { source: 'import', machine, vcs: {}, timestamp: 1 });
    assert.equal(record.extra?.gomaxprocs, '2');
    assert.equal(record.seriesId, seriesIdOf('BenchmarkFib10', 'time', 'm1'));
  });
});

describe("parsers: real outputs (Node 20's test runner, JUnit reporter)", () => {
  it('top-level <testcase> under <testsuites> are read; skipped and todo tests are not durations', async () => {
    const r = await parsed('node-test/node-junit.xml', 'junit');
    const top = find(r, 'test › adds numbers');
    close(top.value, 0.00121);
    assert.equal(top.metric, 'time');
    close(find(r, 'strings › test › joins').value, 0.000213);
    missing(r, 'skipped');
    missing(r, 'todo');
    close(find(r, '(total)').value, 0.5247624); // <!-- duration_ms 524.7624 -->
  });
});

describe('parsers: real outputs (jest 30, vitest 4): series relative to the workspace', () => {
  for (const [tool, format] of [['jest', 'jest-json'], ['vitest', 'vitest-json']] as const) {
    it(`${tool}: the laptop and CI reports give the same series ids`, async () => {
      const laptop = await parsed(`${tool}/${tool}-laptop.json`, format, LAPTOP);
      const ci = await parsed(`${tool}/${tool}-ci.json`, format, `${CI}/`);
      const ids = (r: ParseResult) => r.measurements.map((m: Measurement) => seriesIdOf(m.series, m.metric ?? 'time', 'machine')).sort();
      assert.deepEqual(ids(laptop), ids(ci));
      const adds = find(laptop, 'test/math.test.js › math › adds');
      assert.equal(adds.group, 'test/math.test.js');
      assert.deepEqual(adds.location, { file: 'test/math.test.js' });
      find(ci, 'test/math.test.js › top level');
      assert.equal(find(laptop, 'test/math.test.js').metric, 'suite-time');
      missing(laptop, 'skipped');
      missing(laptop, 'todo later');
    });
  }

  it('without a root, or outside it, paths stay as the report wrote them (ids recorded before are kept)', async () => {
    const r = await parsed('vitest/vitest-laptop.json', 'vitest-json');
    find(r, `${LAPTOP}/test/math.test.js › math › adds`);
    const elsewhere = await parsed('vitest/vitest-laptop.json', 'vitest-json', '/srv/pp-laptop/web');
    find(elsewhere, `${LAPTOP}/test/math.test.js › math › adds`);
  });

  it('a Windows root and Windows paths give the same names as on Linux', () => {
    const text = readShared('real/jest/jest-laptop.json').split(LAPTOP).join('C:\\\\Users\\\\dev\\\\webapp').replace(/(test)\/(math)/g, '$1\\\\$2');
    const r = parseText(text, { root: 'c:\\Users\\dev\\webapp' });
    find(r, 'test/math.test.js › math › adds');
  });

  it('perf-pulse check records result files relative to the workspace', async () => {
    const machine: MachineFingerprint = { id: 'm1', cpuModel: 'cpu', cores: 2, os: 'linux', arch: 'x64', runtimes: {} };
    const records = await recordsFromFiles([sharedPath('real/jest/jest-ci.json')], '.', undefined, machine, {}, { root: CI });
    assert.ok(records.some((r) => r.name === 'test/math.test.js › math › adds'), records.map((r) => r.name).join(' | '));
  });
});

describe('parsers: real outputs (mocha 12, CTRF from jest-ctrf-json-reporter)', () => {
  it('mocha --reporter json after a test wrote to the console', async () => {
    const r = await parsed('mocha/mocha-console-first.json', 'mocha-json', LAPTOP);
    close(find(r, 'calc › adds').value, 0.017);
    find(r, 'mtest/calc.spec.js › top level');
    missing(r, 'skipped');
    missing(r, 'pending without body');
    close(find(r, '(total)').value, 0.02);
  });

  it('mocha JSON cut short after the console output: one line naming the file and the problem', () => {
    const text = readShared('real/mocha/mocha-console-first.json');
    assert.throws(() => parseText(text.slice(0, text.length / 2), { format: 'mocha-json', fileName: 'mocha.json' }), (err: Error) => {
      assert.match(err.message, /^mocha\.json: not valid JSON for mocha JSON \(after the tests' console output\): /);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  });

  it('CTRF: pending and other (todo) tests are not durations; files relative to the workspace', async () => {
    const r = await parsed('ctrf/jest-ctrf.json', 'ctrf', LAPTOP);
    close(find(r, 'math.test.js > math › math adds').value, 0.023);
    assert.deepEqual(find(r, 'math.test.js › top level').location, { file: 'test/math.test.js' });
    missing(r, 'math skipped');
    missing(r, 'todo later');
  });
});

describe('parsers: real outputs (pytest 9, pytest-benchmark 5.2)', () => {
  it('pytest --junitxml: the skipped test is not a duration', async () => {
    const r = await parsed('pytest/pytest-junit.xml', 'junit');
    missing(r, 'test_skipped');
    close(find(r, 'pytest › test_fib › test_bench_fib[10]').value, 1.009);
  });

  it('pytest-benchmark --benchmark-json: its median, stddev and the 5 round times', async () => {
    const r = await parsed('pytest/pytest-benchmark.json', 'pytest-benchmark');
    const m = find(r, 'test_fib.py::test_bench_fib[10]');
    assert.equal(m.samples?.length, 5);
    close(m.value, 1.3660999684361741e-5);
    assert.equal(m.spread?.kind, 'stddev');
  });
});

describe('parsers: real outputs (Catch2 2.13.10)', () => {
  it('--benchmark-no-analysis: one line per benchmark, the mean', async () => {
    const r = await parsed('catch2/console-no-analysis.txt', 'catch2');
    assert.equal(r.measurements.length, 2);
    const m = find(r, 'fib 15');
    close(m.value, 866.192e-9);
    assert.equal(m.iterations, 64);
    assert.equal(m.group, 'Fibonacci');
    assert.equal(m.spread, undefined);
    close(find(r, 'fib 20').value, 95.7718e-6);
  });

  it('console with analysis, the XML reporter and the JUnit reporter', async () => {
    const console = await parsed('catch2/console.txt', 'catch2');
    close(find(console, 'fib 15').value, 796.471e-9);
    const xml = await parsed('catch2/reporter-xml.xml', 'catch2-xml');
    assert.deepEqual(names(xml), names(console));
    const m = find(xml, 'fib 20');
    close(m.value, 12046.4e-9);
    assert.deepEqual(m.spread, { kind: 'stddev', value: 4957.76e-9 });
    assert.equal(m.iterations, 4);
    assert.equal(m.group, 'Fibonacci');
    assert.deepEqual(m.location, { file: 'bench.cpp', line: 8 });
    const junit = await parsed('catch2/reporter-junit.xml', 'junit');
    close(find(junit, 'bench › bench.global › Fibonacci').value, 3.356);
  });
});

describe('parsers: real outputs (Google Benchmark 1.7.1)', () => {
  it('user counters are series of their own', async () => {
    const r = await parsed('google-benchmark/counters.json', 'google-benchmark');
    close(find(r, 'BM_Sum/64').value, 2.557201050886643e-7);
    const elements = find(r, 'BM_Sum/512 (elements)');
    assert.equal(elements.value, 512);
    assert.equal(elements.metric, 'elements');
    assert.equal(elements.unit, 'count');
    close(find(r, 'BM_Sum/64 (sums)').value, 1.1755015759729125e7);
    close(find(r, 'BM_Sum/64 (items_per_second)').value, 7.5232100862266397e8);
    missing(r, '(family_index)');
    missing(r, '(threads)');
  });

  it('repetitions: counters per repetition are samples; aggregates (mean, median, stddev, cv) are not series', async () => {
    const r = await parsed('google-benchmark/counters-repetitions.json', 'google-benchmark');
    assert.deepEqual(find(r, 'BM_Sum/64 (sums)').samples, [19898536.4362132, 17213026.5970977, 19811209.16595572]);
    assert.equal(find(r, 'BM_Sum/64').samples?.length, 3);
    missing(r, '_mean');
    missing(r, '_cv');
    const aggregates = await parsed('google-benchmark/counters-aggregates-only.json', 'google-benchmark');
    assert.equal(find(aggregates, 'BM_Sum/64 (elements)').value, 64);
    missing(aggregates, '_median');
  });
});

describe('parsers: real outputs (hyperfine 1.15)', () => {
  it("user and system times are series of their own", async () => {
    const r = await parsed('hyperfine/hyperfine.json', 'hyperfine');
    const user = find(r, 'sleep 0.01 (user)');
    close(user.value, 0.0007402399999999999);
    assert.equal(user.metric, 'user');
    assert.equal(user.unit, 's');
    close(find(r, 'sleep 0.02 (system)').value, 0.00031492399999999995);
    assert.equal(find(r, 'sleep 0.02').samples?.length, 5);
  });
});
