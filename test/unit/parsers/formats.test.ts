/* eslint-disable no-loss-of-precision -- the expected values are copied digit for digit from the recorded tool outputs */
import { strict as assert } from 'node:assert';
import { parseFile, parseText, detectFormat, parseGabDataJs, ParseError, FORMATS } from '../../../src/core/parsers';
import { close, find, readShared, sharedPath } from './helpers';

/**
 * Every benchmark output in the shared formats folder, parsed by auto-detection, with values
 * checked against numbers read from the files by hand and converted to the normalised units.
 */
async function parsed(relative: string, format: string) {
  const result = await parseFile(sharedPath(relative));
  assert.equal(result.format, format, `${relative} was detected as ${result.format}`);
  assert.equal(detectFormat(readShared(relative), relative), format);
  for (const m of result.measurements) {
    assert.ok(Number.isFinite(m.value), `${m.series}: value ${m.value}`);
    assert.ok(m.direction === 'smaller' || m.direction === 'bigger');
  }
  return result;
}

describe('parsers: benchmark formats (shared files)', () => {
  it('hyperfine (bencher/hyperfine_two.json): raw times as samples, median as centre', async () => {
    const r = await parsed('formats/bencher/hyperfine_two.json', 'hyperfine');
    assert.equal(r.measurements.filter((m) => m.metric === 'time').length, 2);
    const a = find(r, 'sleep 0.1');
    assert.equal(a.unit, 's');
    assert.equal(a.direction, 'smaller');
    assert.equal(a.samples?.length, 27);
    close(a.samples?.[0], 0.10586876872);
    close(a.value, 0.10652535172000001);
    assert.deepEqual(a.spread, { kind: 'stddev', value: 0.0032178771150522725 });
    close(find(r, 'sleep 0.2').value, 0.20866151872000002);
  });

  it('hyperfine (own/hyperfine_sleep.json): our median of 12 runs equals hyperfine\'s', async () => {
    const r = await parsed('formats/own/hyperfine_sleep.json', 'hyperfine');
    const m = find(r, 'sleep 0.02');
    assert.equal(m.samples?.length, 12);
    close(m.value, 0.0215493635);
    close(find(r, 'sleep 0.03').value, 0.031907405);
  });

  it('Google Benchmark (gab/googlecpp_output.json): real_time in ns becomes seconds', async () => {
    const r = await parsed('formats/gab/googlecpp_output.json', 'google-benchmark');
    assert.equal(r.measurements.length, 2);
    const m = find(r, 'fib_10');
    close(m.value, 214.98980114547953e-9);
    assert.equal(m.iterations, 3070566);
    assert.equal(m.samples, undefined);
    close(find(r, 'fib_20').value, 27455.600415007055e-9);
  });

  it('Google Benchmark with repetitions: iteration rows are samples, aggregates are not series', async () => {
    const r = await parsed('formats/own/google-benchmark_repetitions.json', 'google-benchmark');
    assert.deepEqual(r.measurements.map((m) => m.series), ['BM_Sort/1000', 'BM_Sort/10000']);
    const m = find(r, 'BM_Sort/1000');
    assert.equal(m.samples?.length, 5);
    close(m.samples?.[0], 16725.926753851185e-9);
    close(m.samples?.[4], 15644.245659932407e-9);
    // The median of the five repetitions, which is also the file's own _median aggregate.
    close(m.value, 15644.245659932407e-9);
    assert.equal(m.spread?.kind, 'stddev');
    close(m.spread?.value, 516.93324815230221e-9);
    assert.equal(m.iterations, 4205);
  });

  it('Google Benchmark aggregates-only output uses the median aggregate', () => {
    const text = JSON.stringify({
      context: {},
      benchmarks: [
        { name: 'BM_X_mean', run_name: 'BM_X', run_type: 'aggregate', aggregate_name: 'mean', real_time: 12, time_unit: 'us' },
        { name: 'BM_X_median', run_name: 'BM_X', run_type: 'aggregate', aggregate_name: 'median', real_time: 10, time_unit: 'us' },
        { name: 'BM_X_stddev', run_name: 'BM_X', run_type: 'aggregate', aggregate_name: 'stddev', real_time: 2, time_unit: 'us' },
      ],
    });
    const r = parseText(text);
    assert.equal(r.measurements.length, 1);
    close(r.measurements[0].value, 10e-6);
    close(r.measurements[0].spread?.value, 2e-6);
  });

  it('pytest-benchmark (gab/pytest_output.json): median and stddev; truncated data is not taken as samples', async () => {
    const r = await parsed('formats/gab/pytest_output.json', 'pytest-benchmark');
    const m = find(r, 'bench.py::test_fib_10');
    close(m.value, 2.2300000000363696e-05);
    assert.deepEqual(m.spread, { kind: 'stddev', value: 6.175090189861328e-06 });
    assert.equal(m.samples, undefined);
    assert.deepEqual(m.location, { file: 'bench.py' });
  });

  it('pytest-benchmark (gab/pytest_several_units.json): complete data arrays become samples', async () => {
    const r = await parsed('formats/gab/pytest_several_units.json', 'pytest-benchmark');
    assert.equal(r.measurements.length, 4);
    const sleep = find(r, 'bench.py::test_sleep_2');
    assert.equal(sleep.samples?.length, 5);
    close(sleep.samples?.[0], 2.005173128);
    close(find(r, 'bench.py::test_fib_1').value, 1.437600000020467e-7);
    assert.equal(find(r, 'bench.py::test_fib_1').iterations, 100);
  });

  it('pytest-benchmark saved run (pytest-benchmark/0001_saved_run.json)', async () => {
    const r = await parsed('formats/pytest-benchmark/0001_saved_run.json', 'pytest-benchmark');
    const m = find(r, 'tests/test_normal.py::test_xfast_parametrized[0]');
    close(m.value, 2.2016643907464864e-07);
    assert.equal(m.iterations, 418);
  });

  it('go test -bench (gab/go_output.txt): ns/op in seconds, custom metrics as extra series', async () => {
    const r = await parsed('formats/gab/go_output.txt', 'go-test-bench');
    const m = find(r, 'BenchmarkFib20');
    close(m.value, 40537.123e-9);
    assert.equal(m.iterations, 30000);
    // Names with and without a -N suffix in one package (an assembled file): no suffix is taken for GOMAXPROCS.
    close(find(r, 'BenchmarkFib10-8').value, 325e-9);
    assert.equal(find(r, 'BenchmarkFib10-8').tags, undefined);
    find(r, 'BenchmarkFib/my/tabled/benchmark_-_20,var1=13,var2=14');
    const aux = find(r, 'BenchmarkFib11-16 (auxMetricUnits)');
    assert.equal(aux.metric, 'auxMetricUnits');
    assert.equal(aux.value, 3);
  });

  it('go test -bench (gab/go_fiber_output.txt): B/op and allocs/op per benchmark, the -4 suffix a tag', async () => {
    const r = await parsed('formats/gab/go_fiber_output.txt', 'go-test-bench');
    assert.equal(r.measurements.length, 18);
    const time = find(r, 'Benchmark_Utils_GetOffer/mime_extension#01');
    close(time.value, 390.7e-9);
    assert.deepEqual(time.tags, { gomaxprocs: '4' });
    const bytes = find(r, 'Benchmark_Utils_GetOffer/mime_extension#01 (B/op)');
    assert.equal(bytes.unit, 'B');
    assert.equal(bytes.metric, 'B/op');
    assert.equal(bytes.value, 48);
    assert.equal(find(r, 'Benchmark_Utils_GetOffer/mime_extension#01 (allocs/op)').value, 2);
    find(r, 'Benchmark_Ctx_Accepts/run-[]string{".xml"}');
  });

  it('go test -bench (gab/go_single_package_output.txt): name-only lines are skipped, pkg is the group', async () => {
    const r = await parsed('formats/gab/go_single_package_output.txt', 'go-test-bench');
    assert.equal(r.measurements.length, 2);
    const m = find(r, 'BenchmarkFib20');
    assert.deepEqual(m.tags, { gomaxprocs: '8' });
    close(m.value, 40537e-9);
    assert.equal(m.group, 'github.com/example/mypackage');
  });

  it('go test -bench -count=10 (golang-perf/new.txt, old.txt): repeats are the samples of one series', async () => {
    const n = await parsed('formats/golang-perf/new.txt', 'go-test-bench');
    assert.equal(n.measurements.length, 2);
    const json = find(n, 'BenchmarkEncode/format=json');
    assert.deepEqual(json.tags, { gomaxprocs: '48' });
    assert.equal(json.samples?.length, 10);
    close(json.samples?.[0], 1423e-9);
    close(json.value, 1422.5e-9); // sorted: ... 1422, 1423 ... → median (1422 + 1423) / 2
    const o = await parsed('formats/golang-perf/old.txt', 'go-test-bench');
    close(find(o, 'BenchmarkEncode/format=json').value, 1718e-9); // (1713 + 1723) / 2
    close(find(o, 'BenchmarkEncode/format=gob').samples?.[4] ?? NaN, 3207e-9);
  });

  it('cargo libtest (gab/cargo_output.txt, cargo_output2.txt): grouped digits, +/- as range', async () => {
    const r = await parsed('formats/gab/cargo_output.txt', 'cargo-libtest');
    assert.equal(r.measurements.length, 2);
    const m = find(r, 'bench_fib_20');
    close(m.value, 18149e-9);
    assert.equal(m.spread?.kind, 'range');
    close(m.spread?.value, 755e-9);
    const r2 = await parsed('formats/gab/cargo_output2.txt', 'cargo-libtest');
    close(find(r2, 'bench_engine_new').value, 211834e-9);
    close(find(r2, 'bench_engine_new').spread?.value, 70126e-9);
    close(find(r2, 'bench_engine_register_fn').value, 493e-9);
  });

  it('cargo libtest with custom units (gab/cargo_output_units.txt) keeps them', async () => {
    const r = await parsed('formats/gab/cargo_output_units.txt', 'cargo-libtest');
    const cmov = find(r, 'cmov');
    assert.equal(cmov.unit, 'cycles/iter');
    assert.equal(cmov.value, 2835);
    assert.equal(cmov.direction, 'smaller');
    const upload = find(r, 'upload');
    assert.equal(upload.unit, 'MS/s');
    assert.equal(upload.direction, 'bigger');
    assert.equal(upload.spread?.value, 420);
  });

  it('criterion bencher text (gab/criterion_output.txt)', async () => {
    const r = await parsed('formats/gab/criterion_output.txt', 'criterion-bencher');
    assert.equal(r.measurements.length, 4);
    close(find(r, 'Fibonacci (Execution)').value, 1672496e-9);
    close(find(r, 'Fibonacci (Execution)').spread?.value, 10166e-9);
    close(find(r, 'Create Realm').value, 329e-9);
  });

  it('criterion estimates.json with its sibling sample.json and benchmark.json', async () => {
    const r = await parsed('formats/criterion/Fibonacci-Iterative/new/estimates.json', 'criterion-estimates');
    assert.equal(r.measurements.length, 1);
    const m = find(r, 'Fibonacci/Iterative');
    assert.equal(m.samples?.length, 100);
    close(m.samples?.[0], (1128000 / 209454) * 1e-9);
    close(m.samples?.[99], (94869000 / 20945400) * 1e-9);
    assert.equal(m.spread?.kind, 'interval95');
    close(m.spread?.value, ((4.75099122458243 - 4.669716648112915) / 2) * 1e-9);
  });

  it('criterion estimates.json alone: the Slope estimate is the centre', () => {
    const r = parseText(readShared('formats/criterion/Fibonacci-Iterative/new/estimates.json'));
    assert.equal(r.format, 'criterion-estimates');
    close(r.measurements[0].value, 4.708418938929127e-9);
    assert.equal(r.measurements[0].samples, undefined);
  });

  it('criterion change/estimates.json is a relative change, not a time', async () => {
    const r = await parsed('formats/criterion/Fibonacci-Iterative/change/estimates.json', 'criterion-estimates');
    const m = r.measurements[0];
    assert.equal(m.metric, 'change');
    assert.equal(m.unit, 'ratio');
    close(m.value, 0.002615814736259159);
  });

  it('criterion sample.json: per-iteration times times[i] / iters[i]', async () => {
    const r = await parsed('formats/criterion/Fibonacci-Iterative/new/sample.json', 'criterion-sample');
    const m = find(r, 'Fibonacci/Iterative');
    assert.equal(m.samples?.length, 100);
    close(m.samples?.[1], (1853000 / 418908) * 1e-9);
  });

  it('criterion benchmark.json holds no measurements and says where to look', async () => {
    await assert.rejects(parseFile(sharedPath('formats/criterion/Fibonacci-Iterative/new/benchmark.json')), (err: unknown) => {
      assert.ok(err instanceof ParseError);
      assert.match(err.message, /benchmark\.json/);
      assert.match(err.message, /estimates\.json/);
      return true;
    });
  });

  it('BenchmarkDotNet (gab/benchmarkdotnet.json): OriginalValues as samples, 99.9% margin', async () => {
    const r = await parsed('formats/gab/benchmarkdotnet.json', 'benchmarkdotnet');
    assert.equal(r.measurements.length, 2);
    const m = find(r, 'Sample.Benchmarks.Fib10');
    assert.equal(m.samples?.length, 14);
    close(m.samples?.[0], 24.805462032556534e-9);
    close(m.value, 24.419498533010483e-9); // BenchmarkDotNet's own Median
    assert.equal(m.spread?.kind, 'ci99.9');
    close(m.spread?.value, 0.22349359775222813e-9);
    assert.equal(m.group, 'Sample.Benchmarks');
  });

  it('JMH (gab/jmh_output.json): throughput is bigger-is-better, scoreError a 99.9% half-width', async () => {
    const r = await parsed('formats/gab/jmh_output.json', 'jmh');
    const m = find(r, 'org.openjdk.jmh.samples.JMHSample_01_HelloWorld.wellHelloThere');
    assert.equal(m.unit, 'ops/s');
    assert.equal(m.direction, 'bigger');
    assert.deepEqual(m.samples, [3.376842765688582e9, 3.37651988895058e9, 3.375353964729294e9]);
    close(m.value, 3.37651988895058e9);
    assert.deepEqual(m.spread, { kind: 'ci99.9', value: 1.4287985743935993e7 });
  });

  it('JMH with params (gab/jmh_output_2.json) and average-time mode', async () => {
    const r = await parsed('formats/gab/jmh_output_2.json', 'jmh');
    find(r, 'org.openjdk.jmh.samples.JMHSample_01_HelloWorld.wellHelloThere (paramA=17, paramB=33)');
    const avgt = parseText(
      JSON.stringify([{ benchmark: 'a.B.c', mode: 'avgt', primaryMetric: { score: 2.5, scoreError: 0.1, scoreUnit: 'us/op', rawData: [[2, 3]] },
        secondaryMetrics: { '·gc.alloc.rate.norm': { score: 64, scoreError: 0, scoreUnit: 'B/op', rawData: [[64, 64]] },
          '·gc.alloc.rate': { score: 2, scoreError: 0, scoreUnit: 'MB/sec', rawData: [[2, 2]] } } }]),
    );
    const t = find(avgt, 'a.B.c');
    assert.equal(t.direction, 'smaller');
    assert.equal(t.unit, 's');
    close(t.value, 2.5e-6);
    close(t.spread?.value, 0.1e-6);
    assert.equal(find(avgt, 'a.B.c (·gc.alloc.rate.norm)').unit, 'B');
    const rate = find(avgt, 'a.B.c (·gc.alloc.rate)');
    assert.equal(rate.unit, 'B/s');
    assert.equal(rate.value, 2e6);
    assert.equal(rate.direction, 'smaller', 'an allocation rate is a cost');
  });

  it('benchmark.js (gab/benchmarkjs_output.txt): ops/sec with a 95% margin, other lines ignored', async () => {
    const r = await parsed('formats/gab/benchmarkjs_output.txt', 'benchmarkjs');
    assert.deepEqual(r.measurements.map((m) => m.series), ['fib(10)', 'fib(20)', 'createObjectBuffer with 200 comments']);
    const m = find(r, 'fib(10)');
    assert.equal(m.value, 1431759);
    assert.equal(m.direction, 'bigger');
    assert.equal(m.spread?.kind, 'margin95');
    close(m.spread?.value, 1431759 * 0.0074);
    close(find(r, 'createObjectBuffer with 200 comments').value, 81.61);
  });

  it('vitest bench (bencher/vitest_four.json): mean in ms, moe as 95% margin', async () => {
    const r = await parsed('formats/bencher/vitest_four.json', 'vitest-bench');
    assert.equal(r.measurements.length, 4);
    const m = find(r, 'fib.bench.ts > fibonacci > fib(10)');
    close(m.value, 1.0e-3);
    assert.deepEqual(m.spread, { kind: 'margin95', value: 0.0514e-3 });
    assert.equal(m.group, 'fib.bench.ts > fibonacci');
    close(find(r, 'sort.bench.ts > sorting > reverse').value, 10e-3);
  });

  for (const version of ['v2', 'v3']) {
    it(`Catch2 ${version} (gab/catch2_output_${version}.txt): mean with stddev, test case as group`, async () => {
      const r = await parsed(`formats/gab/catch2_output_${version}.txt`, 'catch2');
      assert.equal(r.measurements.length, 4);
      const m = find(r, 'Fibonacci 20');
      close(m.value, 41.731e-6);
      assert.equal(m.spread?.kind, 'stddev');
      close(m.spread?.value, 3.256e-6);
      assert.equal(m.iterations, 2);
      assert.equal(m.group, 'Fibonacci');
      assert.equal(m.location?.line, 5);
      const bang = find(r, 'Fibonacci~ 5!');
      close(bang.value, 36e-9);
      assert.equal(bang.group, 'More Fibonacci');
      assert.equal(bang.location?.line, 13);
    });
  }

  it('github-action-benchmark customBiggerIsBetter (file name tells the direction)', async () => {
    const r = await parsed('formats/gab/customBiggerIsBetter_output.json', 'gab-custom-bigger');
    const t = find(r, 'My Custom Bigger Is Better Benchmark - Throughput');
    assert.equal(t.direction, 'bigger');
    assert.equal(t.unit, 'req/s');
    assert.equal(t.value, 70);
    const mem = find(r, 'My Custom Bigger Is Better Benchmark - Free Memory');
    assert.equal(mem.direction, 'bigger');
    assert.equal(mem.unit, 'B');
    assert.equal(mem.value, 150e6);
    assert.deepEqual(mem.spread, { kind: 'range', value: 3e6 });
  });

  it('github-action-benchmark customSmallerIsBetter', async () => {
    const r = await parsed('formats/gab/customSmallerIsBetter_output.json', 'gab-custom-smaller');
    const cpu = find(r, 'My Custom Smaller Is Better Benchmark - CPU Load');
    assert.equal(cpu.direction, 'smaller');
    assert.equal(cpu.unit, 'Percent');
    assert.equal(cpu.value, 50);
    assert.deepEqual(cpu.spread, { kind: 'range', value: 2.5 }); // "5%" of 50
    assert.equal(find(r, 'My Custom Smaller Is Better Benchmark - Memory Used').value, 100e6);
  });

  it('github-action-benchmark custom JSON without a telling file name: rates mean bigger', () => {
    assert.equal(detectFormat('[{"name":"a","unit":"ops/s","value":3}]'), 'gab-custom-bigger');
    assert.equal(detectFormat('[{"name":"a","unit":"ms","value":3}]'), 'gab-custom-smaller');
    assert.equal(parseText('[{"name":"a","unit":"ms","value":3}]', { format: 'gab-custom-bigger' }).measurements[0].direction, 'bigger');
  });

  it('github-action-benchmark data.js: history entries with commits', async () => {
    const r = await parsed('formats/gab/data.js', 'gab-data-js');
    const m = find(r, 'bench_fib_10');
    close(m.value, 100e-9);
    close(m.spread?.value, 20e-9);
    assert.equal(m.group, 'Test benchmark');
    const history = parseGabDataJs(readShared('formats/gab/data.js'));
    assert.equal(history.length, 1);
    assert.equal(history[0].date, 1574927127603);
    assert.equal(history[0].tool, 'cargo');
    assert.equal(history[0].suite, 'Test benchmark');
    assert.equal(history[0].commit?.id, 'prev commit id');
    assert.equal(history[0].commit?.message, 'dummy message');
    assert.equal(history[0].commit?.author, 'user');
  });

  it('data.js with several runs: flattened oldest first', () => {
    const run = (date: number, value: number, tool = 'go') => ({ commit: { id: `c${date}` }, date, tool, benches: [{ name: 'B', unit: 'ns/op', value }] });
    const text = `window.BENCHMARK_DATA = ${JSON.stringify({ entries: { Go: [run(3, 30), run(1, 10)], JS: [run(2, 20, 'benchmarkjs')] } })}`;
    const history = parseGabDataJs(text);
    assert.deepEqual(history.map((h) => h.date), [1, 2, 3]);
    assert.equal(history[1].measurements[0].direction, 'bigger');
    const r = parseText(text);
    assert.equal(r.format, 'gab-data-js');
    assert.deepEqual(r.measurements.map((m) => m.value * 1e9).map(Math.round), [10, 20, 30]);
  });

  it('Bencher Metric Format (bencher/bmf_latency.json): latency in ns', async () => {
    const r = await parsed('formats/bencher/bmf_latency.json', 'bencher-bmf');
    assert.equal(r.measurements.length, 3);
    close(find(r, 'tests::benchmark_a').value, 3247e-9);
    close(find(r, 'tests::benchmark_c').value, 3361e-9);
    const extra = parseText('{"b": {"latency": {"value": 10, "lower_value": 8, "upper_value": 14}, "throughput": {"value": 5}}}');
    assert.equal(extra.format, 'bencher-bmf');
    close(find(extra, 'b').spread?.value, 3e-9);
    assert.equal(find(extra, 'b (throughput)').direction, 'bigger');
  });

  it('Julia BenchmarkTools (gab/julia_output.json): nested groups, time in ns', async () => {
    const r = await parsed('formats/gab/julia_output.json', 'julia-benchmarktools');
    close(find(r, 'fib/20').value, 31028e-9);
    close(find(r, 'fib/10').value, 246.03846153846155e-9);
    assert.equal(find(r, 'fib/10 (memory)').unit, 'B');
  });

  it('every format name is listed once and can be forced with options.format', () => {
    assert.equal(new Set(FORMATS).size, FORMATS.length);
    for (const name of ['hyperfine', 'google-benchmark', 'pytest-benchmark', 'go-test-bench', 'cargo-libtest', 'criterion-bencher',
      'criterion-estimates', 'criterion-sample', 'benchmarkdotnet', 'jmh', 'benchmarkjs', 'vitest-bench', 'catch2', 'gab-custom-smaller',
      'gab-custom-bigger', 'gab-data-js', 'bencher-bmf', 'julia-benchmarktools', 'junit', 'jest-json', 'vitest-json', 'mocha-json',
      'go-test-json', 'ctrf']) {
      assert.ok(FORMATS.includes(name), name);
    }
  });
});

describe('parsers: libtest or criterion bencher text', () => {
  it('is criterion when names have spaces or large values lack digit grouping, else libtest', () => {
    assert.equal(detectFormat('test a b ... bench:         12 ns/iter (+/- 1)\n'), 'criterion-bencher');
    assert.equal(detectFormat('test ab ... bench:       1234 ns/iter (+/- 1)\n'), 'criterion-bencher');
    assert.equal(detectFormat('test ab ... bench:      1,234 ns/iter (+/- 1)\n'), 'cargo-libtest');
    assert.equal(detectFormat('test bench_criterion_like ... bench:         12.50 ns/iter (+/- 0.25)\n'), 'cargo-libtest');
    const r = parseText('test ab ... bench:      1,234.50 ns/iter (+/- 2.25)\n');
    assert.equal(r.measurements[0].value, 1234.5e-9);
    assert.equal(r.measurements[0].spread?.value, 2.25e-9);
  });
});

describe('parsers: Catch2 wrapped names', () => {
  it('joins a long name that Catch2 wrapped over several lines', () => {
    const text = [
      'benchmark name                       samples       iterations    estimated',
      '                                     mean          low mean      high mean',
      '                                     std dev       low std dev   high std dev',
      '-------------------------------------------------------------------------------',
      'a rather long benchmark name that',
      'does not fit                                   100             1     1.5 ms ',
      '                                            10 us         9 us        11 us ',
      '                                             1 us         0 ns         2 us ',
      '                                                                             ',
      'short                                          100             4     2.0 ms ',
      '                                            20 ns        19 ns        21 ns ',
      '                                             2 ns         1 ns         3 ns ',
    ].join('\n');
    const r = parseText(text);
    assert.equal(r.format, 'catch2');
    assert.deepEqual(r.measurements.map((m) => m.series), ['a rather long benchmark name that does not fit', 'short']);
    assert.equal(r.measurements[0].value, 10e-6);
    assert.equal(r.measurements[1].value, 20e-9);
  });
});

describe('parsers: tinybench results as JSON', () => {
  it('reads tinybench 3+ (latency statistics) and tinybench 2 (flat) task results, in ms', () => {
    const v3 = JSON.stringify([
      { name: 'sort', result: { latency: { mean: 2, moe: 0.1, samples: [1, 2, 4] }, throughput: { mean: 500 } } },
      { name: 'map', result: { latency: { mean: 0.5, moe: 0.01 } } },
    ]);
    const r = parseText(v3);
    assert.equal(r.format, 'vitest-bench');
    const sort = find(r, 'sort');
    assert.deepEqual(sort.samples, [0.001, 0.002, 0.004]);
    assert.equal(sort.value, 0.002);
    assert.deepEqual(sort.spread, { kind: 'margin95', value: 0.0001 });
    assert.equal(find(r, 'map').value, 0.0005);
    const v2 = parseText(JSON.stringify([{ name: 'old', result: { mean: 3, rme: 10, hz: 333 } }]));
    assert.equal(find(v2, 'old').value, 0.003);
    close(find(v2, 'old').spread?.value, 0.0003);
  });
});
