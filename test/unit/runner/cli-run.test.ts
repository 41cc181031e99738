import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isAlive } from '../../../src/core/runner';
import { HistoryStore } from '../../../src/core/store/history-store';
import { waitFor } from './wait';

const root = join(__dirname, '../../..');
const tsxCli = join(root, 'node_modules/tsx/dist/cli.mjs');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts the CLI from source. `direct` runs it in one Node process (as the bundled
 * CLI runs), instead of under the tsx launcher, which relays signals to a second process.
 */
function startCli(args: string[], cwd: string, direct = false) {
  const launcher = direct
    ? ['--require', join(root, 'node_modules/tsx/dist/preflight.cjs'), '--import', pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href]
    : [tsxCli];
  // Its own process group, like a job in a terminal: Ctrl-C goes to the whole group.
  const child = spawn(process.execPath, [...launcher, join(root, 'src/cli/main.ts'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<CliRun>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

describe('perf-pulse run (spawned CLI)', function () {
  this.timeout(60_000);
  let ws: string;
  beforeEach(() => {
    ws = mkdtempSync(join(tmpdir(), 'pp-cli-run-'));
  });
  afterEach(() => rmSync(ws, { recursive: true, force: true }));

  it('prints the --json results, records them in the history, and exits 0', async () => {
    writeFileSync(
      join(ws, 'perfpulse.json'),
      JSON.stringify({ benchmarks: [{ name: 'nap', command: 'sleep 0.02', runs: 4, warmup: 1 }, { name: 'piped', command: 'echo hi | cat', runs: 3, warmup: 0 }] }),
    );
    const { done } = startCli(['run', '--workspace', ws, '--json'], ws);
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.results.map((x: { name: string }) => x.name), ['nap', 'piped']);
    for (const res of out.results) {
      for (const key of ['name', 'unit', 'median', 'mean', 'min', 'max', 'samples', 'user', 'system', 'peakRssBytes', 'failedRuns', 'outliers']) {
        assert.ok(key in res, `${res.name} has ${key}`);
      }
      assert.equal(res.unit, 's');
      assert.equal(res.failedRuns, 0);
      assert.equal(typeof res.outliers, 'number');
      assert.ok(res.min <= res.median && res.median <= res.max);
    }
    assert.equal(out.results[0].samples.length, 4);
    assert.ok(out.results[0].min >= 0.02);
    assert.equal(out.results[1].samples.length, 3);
    assert.equal(out.results[1].shell, true);
    const store = await HistoryStore.open(join(ws, '.perfpulse/history'));
    try {
      const series = store.listSeries();
      assert.deepEqual(series.map((s) => s.name).sort(), ['nap', 'piped']);
      const [rec] = await store.readSeries(series.find((s) => s.name === 'nap')!.seriesId);
      assert.deepEqual(rec.samples, out.results[0].samples);
    } finally {
      await store.close();
    }
  });

  it('exits 2 with the reason on stderr for a config error or a failing benchmark, keeping the good results', async () => {
    const missing = await startCli(['run', '--workspace', ws, '--json'], ws).done;
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /perfpulse\.json/);
    assert.equal(missing.stdout, '');
    writeFileSync(join(ws, 'perfpulse.json'), JSON.stringify({ benchmarks: [{ name: 'ok', command: 'true', runs: 2 }, { name: 'fails', command: 'false', runs: 3 }] }));
    const failing = await startCli(['run', '--workspace', ws, '--json', '--no-record'], ws).done;
    assert.equal(failing.code, 2);
    assert.match(failing.stderr, /benchmark "fails": every run failed \(the command exited with code 1\)/);
    assert.doesNotMatch(failing.stderr, /at .*\.ts:\d+/, 'no stack trace');
    assert.deepEqual(JSON.parse(failing.stdout).results.map((x: { name: string }) => x.name), ['ok']);
    assert.equal(existsSync(join(ws, '.perfpulse')), false, '--no-record writes nothing');
    const unknown = await startCli(['run', 'nope', '--workspace', ws], ws).done;
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no benchmark named "nope"; configured: ok, fails/);
  });

  for (const presses of [1, 2]) {
    it(`stops every child on Ctrl-C${presses === 2 ? ' pressed twice (leave at once)' : ''} and exits 130`, async function () {
      if (process.platform === 'win32') this.skip();
      writeFileSync(join(ws, 'perfpulse.json'), JSON.stringify({ benchmarks: [{ name: 'hang', command: 'sleep 30 & echo $! >> pids; wait', runs: 2, warmup: 0 }] }));
      const { child, done } = startCli(['run', '--workspace', ws, '--no-record'], ws, true);
      assert.ok(await waitFor(() => existsSync(join(ws, 'pids')), 30_000), 'the benchmark started');
      for (let i = 0; i < presses; i++) process.kill(-child.pid!, 'SIGINT'); // what the terminal does on Ctrl-C
      const r = await done;
      assert.equal(r.code, 130, r.stderr);
      if (presses === 1) assert.match(r.stderr, /interrupted; every benchmark process was stopped/);
      const pids = readFileSync(join(ws, 'pids'), 'utf8').split(/\s+/).filter(Boolean).map(Number);
      assert.ok(pids.length >= 1);
      assert.ok(await waitFor(() => pids.every((p) => !isAlive(p)), 2000), 'no sleep left behind');
    });
  }
});
