import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunError, runBenchmark, toRunRecords } from '../../../src/core/runner';

const shared = join(__dirname, '../../fixtures/reference');
const hasHyperfine = spawnSync('hyperfine', ['--version']).status === 0;

describe('runner: harness benchmarks (output parsed instead of timed)', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-harness-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('parses what the command prints, one history series per measurement', async () => {
    const file = join(shared, 'formats/golang-perf/new.txt');
    const bench = { name: 'go', command: ['cat', file], format: 'go-test-bench' };
    const r = await runBenchmark(bench, { cwd: dir });
    assert.ok(r.parsed && r.parsed.length > 1, 'measurements parsed');
    const records = toRunRecords(r, bench);
    assert.equal(records.length, r.parsed!.length);
    assert.deepEqual(records.map((x) => x.name), r.parsed!.map((m) => m.series));
    assert.ok(records.every((x) => x.source === 'benchmark' && x.machine.id === r.machine.id));
    // The -48 GOMAXPROCS suffix is a tag in the record, not part of its name.
    assert.ok(records.every((x) => x.extra?.gomaxprocs === '48' && !x.name.includes('-48')), records.map((x) => x.name).join(' | '));
  });

  it('reads the output file the harness writes (real hyperfine)', async function () {
    if (!hasHyperfine) this.skip();
    const bench = { name: 'hf', command: 'hyperfine -N --runs 3 --export-json out.json "sleep 0.01"', format: 'hyperfine', output: { file: 'out.json' } };
    const r = await runBenchmark(bench, { cwd: dir });
    // The run's time, and hyperfine's mean user and system CPU times as series of their own.
    assert.deepEqual(r.parsed?.map((x) => x.series), ['sleep 0.01', 'sleep 0.01 (user)', 'sleep 0.01 (system)']);
    const [m] = r.parsed!;
    assert.equal(m.unit, 's');
    assert.equal(m.samples?.length, 3);
    assert.ok(m.value >= 0.01);
  });

  it('says clearly when the output is not what the format expects, or the file was not written', async () => {
    writeFileSync(join(dir, 'junk.txt'), 'this is not a benchmark\n');
    await assert.rejects(runBenchmark({ name: 'junk', command: 'cat junk.txt', format: 'google-benchmark' }, { cwd: dir }), (e: Error) => e instanceof RunError && /"junk": cannot read the google-benchmark output/.test(e.message));
    await assert.rejects(runBenchmark({ name: 'nofile', command: 'true', format: 'hyperfine', output: { file: 'missing.json' } }, { cwd: dir }), /"nofile": the command did not write its output file .*missing\.json/);
    await assert.rejects(runBenchmark({ name: 'crash', command: 'sh -c "echo broke >&2; exit 3"', format: 'hyperfine' }, { cwd: dir }), /"crash": the harness exited with code 3; stderr: broke/);
  });
});
