import { strict as assert } from 'node:assert';
import { candidateNames, findDefinitions, findTestLine, matchDefinition, parseSourceSetting, suiteFileGlobs } from '../../src/core/locate/definitions';

describe('locate: benchmark definitions by harness naming rules', () => {
  it('finds Go benchmarks and matches -count output names with GOMAXPROCS and sub-benchmarks', () => {
    const text = 'package x\n\nimport "testing"\n\nfunc BenchmarkSort(b *testing.B) {\n}\n\nfunc TestSort(t *testing.T) {}\nfunc BenchmarkParse(b *testing.B) {}\n';
    const defs = findDefinitions(text, 'sort_test.go');
    assert.deepEqual(defs.map((d) => [d.name, d.line]), [['BenchmarkSort', 5], ['BenchmarkParse', 9]]);
    assert.equal(matchDefinition('BenchmarkSort/size=100-8', defs)?.line, 5);
    assert.equal(matchDefinition('BenchmarkParse-16 (B/op)', defs)?.line, 9);
    assert.equal(matchDefinition('BenchmarkOther-8', defs), undefined);
  });

  it('finds Google Benchmark registrations and aggregate names', () => {
    const defs = findDefinitions('static void BM_Sort(benchmark::State& s) {}\nBENCHMARK(BM_Sort)->Range(8, 8<<10);\n', 'bench.cc');
    assert.equal(matchDefinition('BM_Sort/1024_mean', defs)?.line, 2);
  });

  it('finds pytest, criterion, vitest, libtest, JMH and BenchmarkDotNet definitions', () => {
    assert.equal(matchDefinition('test_parse[fast]', findDefinitions('def helper():\n  pass\ndef test_parse(benchmark):\n  pass\n', 'test_x.py'))?.line, 3);
    const rs = 'fn b(c: &mut Criterion) {\n    c.bench_function("fib 20", |b| b.iter(|| fib(20)));\n}\n#[bench]\nfn bench_add(b: &mut Bencher) {}\n';
    const rsDefs = findDefinitions(rs, 'benches/fib.rs');
    assert.equal(matchDefinition('fib 20', rsDefs)?.line, 2);
    assert.equal(matchDefinition('bench_add', rsDefs)?.line, 5);
    assert.equal(matchDefinition('sort › quick', findDefinitions("describe('sort', () => {\n  bench('quick', () => {})\n})\n", 'sort.bench.ts'))?.line, 2);
    const java = 'public class B {\n  @Benchmark\n  @BenchmarkMode(Mode.Throughput)\n  public void parse(Blackhole bh) {\n  }\n}\n';
    assert.equal(matchDefinition('com.acme.B.parse', findDefinitions(java, 'B.java'))?.line, 4);
    const cs = 'public class B {\n    [Benchmark(Baseline = true)]\n    public int Sum() => 1;\n}\n';
    assert.equal(matchDefinition('Acme.B.Sum', findDefinitions(cs, 'B.cs'))?.line, 3);
  });

  it('derives candidate names without inventing empty ones', () => {
    assert.ok(candidateNames('BenchmarkX-8').includes('BenchmarkX'));
    assert.ok(!candidateNames('x').includes(''));
  });

  it('parses source settings', () => {
    assert.deepEqual(parseSourceSetting('src/sort.js:8'), { file: 'src/sort.js', line: 8 });
    assert.deepEqual(parseSourceSetting('src/sort.js'), { file: 'src/sort.js' });
    assert.deepEqual(parseSourceSetting({ file: 'a', line: 2 }), { file: 'a', line: 2 });
  });
});

describe('locate: tests by suite and name', () => {
  it('maps a class or module name to file globs', () => {
    assert.deepEqual(suiteFileGlobs('com.acme.FooTest'), ['**/com/acme/FooTest.{java,kt,scala,cs,py,go,rs,ts,js}', '**/FooTest.{java,kt,scala,cs,py,ts,js}']);
    assert.deepEqual(suiteFileGlobs('src/a b.test.ts'), []);
  });
  it('finds the line of a JUnit method, a pytest function and a jest test', () => {
    assert.equal(findTestLine('class T {\n  @Test\n  public void addsNumbers() {}\n}\n', 'addsNumbers'), 3);
    assert.equal(findTestLine('import x\n\ndef test_io(tmp):\n    pass\n', 'test_io[param]'), 3);
    assert.equal(findTestLine("describe('calc', () => {\n  it('adds', () => {});\n});\n", 'adds'), 2);
    assert.equal(findTestLine('nothing here', 'adds'), undefined);
  });
});
