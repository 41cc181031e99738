import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, RunCancelledError, RunError, runBenchmark, runBenchmarksSettled, runInterleaved, toRunRecords } from '../../../src/core/runner';
import { launchOnce } from '../../../src/core/runner/launch';
import { seriesIdOf } from '../../../src/core/series-id';
import { waitFor } from './wait';

/**
 * How late this machine is right now: the fastest of a few launches of a 1 ms sleep
 * (start-up plus wake-up latency). Timing checks allow twice that on top of a fixed
 * 5 ms, so that they stay strict on a quiet machine and still mean something on a
 * loaded one.
 */
async function machineSlack(): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 5; i++) best = Math.min(best, (await launchOnce({ file: '/bin/sleep', args: ['0.001'], cwd: '/', env: process.env })).wall);
  return 0.005 + 2 * best;
}

describe('runner: benchmarks end to end (real processes)', function () {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-runner-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('measures sleep 0.05 and fills in every fact of the result', async () => {
    const slack = await machineSlack();
    const r = await runBenchmark({ name: 'nap', command: 'sleep 0.05', runs: 6, warmup: 1 }, { cwd: dir });
    assert.equal(r.name, 'nap');
    assert.equal(r.unit, 's');
    assert.equal(r.runs.length, 6);
    assert.equal(r.samples.length, 6);
    assert.equal(r.failedRuns, 0);
    assert.equal(r.shell, false);
    assert.ok(r.summary.min >= 0.05 && r.summary.min < 0.05 + slack, `min ${r.summary.min}, slack ${slack}`);
    assert.ok(r.summary.median >= r.summary.min && r.summary.median < 0.05 + 3 * slack, `median ${r.summary.median}`);
    assert.equal(r.stopReason, 'max-runs');
    assert.ok(r.machine.id && r.machine.cores >= 1);
    assert.equal(r.loadAverage.length, 3);
    assert.deepEqual(r.vcs, {}, 'a temp folder is no repository');
    if (process.platform === 'linux') {
      assert.equal(r.cpuMethod, 'exact');
      assert.equal(r.memoryMethod, 'sampled');
      assert.ok((r.peakRssBytes ?? 0) > 100_000, `peak ${r.peakRssBytes}`);
      assert.ok(r.user !== undefined && r.user < 0.05);
    }
  });

  it('records a run that exits non-zero as a failed run, never as a timing', async () => {
    // Fails on every other run: the failures must not appear among the samples.
    const script = `n=$(cat count 2>/dev/null || echo 0); echo $((n+1)) > count; sleep 0.01; [ $((n % 2)) -eq 0 ] || exit 1`;
    const r = await runBenchmark({ name: 'flaky', command: script, runs: 6, warmup: 0 }, { cwd: dir });
    assert.equal(r.runs.length, 6);
    assert.equal(r.failedRuns, 3);
    assert.equal(r.samples.length, 3);
    assert.deepEqual(r.runs.map((x) => x.failed), [false, true, false, true, false, true]);
    assert.deepEqual(r.runs.filter((x) => x.failed).map((x) => x.exitCode), [1, 1, 1]);
    assert.ok(r.warnings.some((w) => /3 of 6 runs failed/.test(w)));
    await assert.rejects(runBenchmark({ name: 'broken', command: 'sh -c "echo boom >&2; exit 4"', runs: 5, warmup: 0 }, { cwd: dir }), (e: Error) => {
      assert.ok(e instanceof RunError);
      assert.match(e.message, /benchmark "broken": every run failed \(the command exited with code 4\)/);
      return true;
    });
  });

  it('gives clear errors for a missing program, bad quoting, and a failing prepare step, and keeps going', async () => {
    const settled = await runBenchmarksSettled(
      [
        { name: 'missing', command: 'no-such-program-xyz --flag' },
        { name: 'quote', command: `echo 'unterminated` },
        { name: 'prep', command: 'true', prepare: 'sh -c "echo cache busy >&2; exit 9"' },
        { name: 'fine', command: 'true', runs: 2, warmup: 0 },
      ],
      { cwd: dir },
    );
    assert.match(settled[0].error?.message ?? '', /"missing": command not found: no-such-program-xyz/);
    assert.match(settled[1].error?.message ?? '', /"quote": unterminated single quote/);
    assert.match(settled[2].error?.message ?? '', /"prep": the prepare command .* exited with code 9; stderr: cache busy/);
    assert.equal(settled[3].result?.samples.length, 2);
  });

  it('runs the prepare command before every run, untimed', async () => {
    const r = await runBenchmark({ name: 'p', command: 'true', prepare: 'sh -c "echo x >> prepared; sleep 0.3"', runs: 3, warmup: 1 }, { cwd: dir });
    assert.equal(readFileSync(join(dir, 'prepared'), 'utf8'), 'x\nx\nx\nx\n');
    assert.ok(r.summary.max < 0.25, `prepare time leaked into the timing: ${r.summary.max}`);
  });

  it('subtracts the shell start-up when a shell is needed', async () => {
    const slack = await machineSlack();
    // `:` is a builtin: after subtracting the shell's start-up, only the sleep is left.
    const r = await runBenchmark({ name: 'sh', command: 'sleep 0.05; :', runs: 5, warmup: 1 }, { cwd: dir });
    assert.equal(r.shell, true);
    assert.ok(r.shellOverhead! > 0 && r.shellOverhead! < 0.05, `shell ${r.shellOverhead}`);
    assert.ok(r.summary.min >= 0.049 && r.summary.min < 0.05 + slack, `min ${r.summary.min}, slack ${slack}`);
    for (const run of r.runs) assert.ok(run.wall >= 0.049, 'the subtraction never eats into the command itself');
  });

  it('kills a benchmark tree that exceeds its timeout and reports timed-out runs as failures', async function () {
    if (process.platform === 'win32') this.skip();
    const script = `sleep 30 & echo $! >> pids; wait`;
    await assert.rejects(runBenchmark({ name: 'hang', command: script, runs: 2, warmup: 0, timeoutMs: 300 }, { cwd: dir }), /every run failed \(the command timed out after 300 ms\)/);
    const pids = readFileSync(join(dir, 'pids'), 'utf8').split(/\s+/).filter(Boolean).map(Number);
    assert.equal(pids.length, 2);
    assert.ok(await waitFor(() => pids.every((p) => !isAlive(p)), 1000));
  });

  it('is cancelled by an AbortSignal: rejects promptly and leaves no process', async function () {
    if (process.platform === 'win32') this.skip();
    const controller = new AbortController();
    const pending = runBenchmark({ name: 'long', command: `sleep 30 & echo $! >> pids; wait`, runs: 3, warmup: 0 }, { cwd: dir, signal: controller.signal });
    assert.ok(await waitFor(() => existsSync(join(dir, 'pids')), 15000));
    const abortedAt = Date.now();
    controller.abort();
    await assert.rejects(pending, (e: Error) => e instanceof RunCancelledError && e.name === 'AbortError');
    assert.ok(Date.now() - abortedAt < 1500, `took ${Date.now() - abortedAt} ms to stop`);
    const [pid] = readFileSync(join(dir, 'pids'), 'utf8').split(/\s+/).filter(Boolean).map(Number);
    assert.ok(await waitFor(() => !isAlive(pid), 1000));
  });

  it('stops early once the median is precise, and respects minimum runs and time', async function () {
    this.timeout(60_000);
    // ±10% instead of the default ±1%, so that a busy machine still gets there.
    const early = await runBenchmark({ name: 'steady', command: 'sleep 0.05', minRuns: 8, maxRuns: 500, minTime: 0, maxTime: 15, warmup: 0 }, { cwd: dir, precision: 0.1 });
    assert.equal(early.stopReason, 'precise', `${early.samples.length} runs, median ${early.summary.median}, MAD ${early.summary.mad}`);
    assert.ok(early.samples.length >= 8 && early.samples.length < 200, `${early.samples.length} runs`);
    const timed = await runBenchmark({ name: 'floor', command: 'sleep 0.01', minRuns: 2, maxRuns: 1000, minTime: 0.4, maxTime: 0.8, warmup: 0 }, { cwd: dir });
    const spent = timed.samples.reduce((a, b) => a + b, 0);
    assert.ok(spent >= 0.3, `only ${spent} s measured`);
    assert.ok(timed.stopReason === 'precise' || timed.stopReason === 'max-time', timed.stopReason);
    const capped = await runBenchmark({ name: 'cap', command: 'sleep 0.05', minRuns: 100, maxTime: 0.3, warmup: 0 }, { cwd: dir });
    assert.equal(capped.stopReason, 'max-time');
    assert.ok(capped.samples.length >= 1 && capped.samples.length <= 7, `${capped.samples.length} runs: the limit, not minRuns, ended it`);
  });

  it('flags a slow run as an outlier without dropping it', async () => {
    const script = `n=$(cat count 2>/dev/null || echo 0); echo $((n+1)) > count; if [ $n -eq 4 ]; then sleep 1; else sleep 0.01; fi`;
    const r = await runBenchmark({ name: 'spike', command: script, runs: 11, warmup: 0 }, { cwd: dir });
    assert.equal(r.samples.length, 11);
    assert.ok(r.outlierIndices.includes(4), `outliers ${r.outlierIndices} in ${r.samples.map((x) => x.toFixed(3))}`);
    assert.ok(r.samples[4] >= 1, 'kept in the samples');
    assert.ok(r.warnings.some((w) => /outlier/.test(w)));
    assert.ok(r.summary.outliers >= 1);
  });

  it('interleaves A and B as A B A B after warming each up', async () => {
    const a = { name: 'A', command: 'sh -c "echo a >> order"', warmup: 1 };
    const b = { name: 'B', command: 'sh -c "echo b >> order; sleep 0.1"', warmup: 1 };
    const r = await runInterleaved(a, b, { cwd: dir, runs: 4 });
    assert.deepEqual(r.order, ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
    assert.equal(readFileSync(join(dir, 'order'), 'utf8').replace(/\n/g, ''), 'ab' + 'abababab');
    assert.equal(r.a.samples.length, 4);
    assert.equal(r.b.samples.length, 4);
    assert.ok(r.b.summary.median > r.a.summary.median + 0.05);
  });

  it('turns a result into one history record with CPU, memory and failures as extra facts', async () => {
    const bench = { name: 'rec', command: 'sleep 0.01', runs: 3, warmup: 0, source: 'bench/sleep.sh:4' };
    const r = await runBenchmark(bench, { cwd: dir });
    const records = toRunRecords(r, bench);
    assert.equal(records.length, 1);
    const rec = records[0];
    assert.equal(rec.v, 1);
    assert.equal(rec.seriesId, seriesIdOf('rec', 'time', r.machine.id));
    assert.equal(rec.metric, 'time');
    assert.equal(rec.unit, 's');
    assert.equal(rec.direction, 'smaller');
    assert.equal(rec.value, r.summary.median);
    assert.deepEqual(rec.samples, r.samples);
    assert.equal(rec.source, 'benchmark');
    assert.deepEqual(rec.location, { file: 'bench/sleep.sh', line: 4 });
    assert.equal(rec.extra?.failedRuns, 0);
    assert.equal(rec.extra?.shell, false);
    assert.equal(rec.config?.command, 'sleep 0.01');
    assert.notEqual(toRunRecords(r, bench)[0].id, rec.id, 'every record gets its own id');
    writeFileSync(join(dir, 'x'), JSON.stringify(records)); // serialisable
  });
});
