import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { sharedPath } from './helpers';

/**
 * `perf-pulse parse` as an external program: the CLI is bundled the way the release bundles it
 * and run as a child process; stdout must hold exactly the contract's JSON.
 */
describe('CLI: perf-pulse parse', function () {
  this.timeout(30000);
  let dir: string;
  let cli: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'perf-pulse-parse-'));
    cli = join(dir, 'cli.js');
    buildSync({ entryPoints: [join(__dirname, '../../../src/cli/main.ts')], outfile: cli, bundle: true, platform: 'node', format: 'cjs', target: 'node18', logLevel: 'error' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[], input?: string) {
    const r = spawnSync(process.execPath, [cli, 'parse', ...args], { encoding: 'utf8', input, cwd: dir });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('prints the format and exactly the contract keys, samples only when the format has them', () => {
    const r = run([sharedPath('formats/bencher/hyperfine_two.json')]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ['format', 'measurements']);
    assert.equal(out.format, 'hyperfine');
    const first = out.measurements[0];
    assert.deepEqual(Object.keys(first).sort(), ['direction', 'samples', 'series', 'unit', 'value']);
    assert.equal(first.series, 'sleep 0.1');
    assert.equal(first.unit, 's');
    assert.equal(first.samples.length, 27);

    const libtest = JSON.parse(run([sharedPath('formats/gab/cargo_output.txt')]).stdout);
    assert.equal(libtest.format, 'cargo-libtest');
    assert.deepEqual(libtest.measurements[1], { series: 'bench_fib_20', unit: 's', direction: 'smaller', value: 18149e-9 });
  });

  it('values are in normalised units (ops/s, bigger is better, for benchmark.js)', () => {
    const out = JSON.parse(run([sharedPath('formats/gab/benchmarkjs_output.txt')]).stdout);
    assert.deepEqual(out.measurements[0], { series: 'fib(10)', unit: 'ops/s', direction: 'bigger', value: 1431759 });
  });

  it('--format forces a format; --full adds the details', () => {
    const forced = run([sharedPath('formats/gab/customSmallerIsBetter_output.json'), '--format', 'gab-custom-bigger']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(JSON.parse(forced.stdout).format, 'gab-custom-bigger');
    assert.equal(JSON.parse(forced.stdout).measurements[0].direction, 'bigger');
    const full = JSON.parse(run([sharedPath('formats/gab/cargo_output.txt'), '--full']).stdout);
    assert.deepEqual(full.measurements[0].spread, { kind: 'range', value: 24e-9 });
  });

  it('reads stdin with -', () => {
    const r = run(['-'], readableGoBench());
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.format, 'go-test-bench');
    assert.deepEqual(out.measurements[0].samples, [100e-9, 120e-9]);
  });

  it('unreadable input: exit 2, the file and the reason on stderr, nothing on stdout', () => {
    const junk = join(dir, 'notes.txt');
    writeFileSync(junk, 'just some notes\n');
    const r = run([junk]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /notes\.txt/);
    assert.match(r.stderr, /tried: .*hyperfine/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');

    const missing = run(['does-not-exist.json']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /does-not-exist\.json: cannot read: no such file/);

    const wrong = run([sharedPath('formats/gab/cargo_output.txt'), '--format', 'jmh']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /cargo_output\.txt/);

    const unknown = run([sharedPath('formats/gab/cargo_output.txt'), '--format', 'nope']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown format 'nope'/);

    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"results": [{"command": "x", "times": [1, 2');
    const b = run([broken, '--format', 'hyperfine']);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /broken\.json: not valid JSON/);
  });
});

function readableGoBench(): string {
  return 'goos: linux\nBenchmarkX-2   1000   100 ns/op\nBenchmarkX-2   1000   120 ns/op\nPASS\n';
}
