import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { commands } from '../../../src/cli/commands';
import { command as traceCli } from '../../../src/cli/commands/trace';
import type { CliIO } from '../../../src/cli/cli-types';
import { assertChromeTrace } from './trace-fixture';

/** The `perf-pulse trace` contract: arguments, the --json shape, the trace file, exit codes. */

async function cli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd, env: process.env, signal: new AbortController().signal };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('perf-pulse trace (CLI contract)', function () {
  this.timeout(60_000);
  const registry = commands as Record<string, (typeof commands)[string]>;
  let lazy: (typeof commands)[string];
  before(() => {
    assert.ok(Object.prototype.hasOwnProperty.call(commands, 'trace'), 'registered');
    lazy = registry.trace;
    // main() loads commands by dynamic import, which the test runner does not resolve: load it here.
    registry.trace = async () => traceCli;
  });
  after(() => (registry.trace = lazy));
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'perf-pulse-trace-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('--json prints exactly the contract\'s summary; the trace goes to perf-pulse-trace.json; the exit code is the command\'s', async () => {
    const r = await cli(['trace', '--interval', '0.1', '--json', '--', 'sh', '-c', 'sleep 0.5 & sleep 0.3; wait; exit 7'], dir);
    assert.equal(r.code, 7);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(summary).sort(), ['cpuSeconds', 'criticalPath', 'parallelEfficiency', 'peakRssBytes', 'processes', 'wallSeconds']);
    for (const key of ['wallSeconds', 'cpuSeconds', 'parallelEfficiency', 'peakRssBytes']) assert.equal(typeof summary[key], 'number', key);
    const path = summary.criticalPath as Array<Record<string, unknown>>;
    assert.ok(path.length >= 1);
    for (const c of path) assert.deepEqual(Object.keys(c).sort(), ['command', 'end', 'start']);
    assert.equal(path[path.length - 1].command, 'sleep 0.5');
    const processes = summary.processes as Array<Record<string, unknown>>;
    for (const p of processes) assert.deepEqual(Object.keys(p).sort(), ['command', 'cpuSeconds', 'end', 'peakRssBytes', 'pid', 'start']);
    const sleeps = processes.filter((p) => String(p.command).startsWith('sleep'));
    assert.equal(sleeps.length, 2);
    for (const p of sleeps) assert.ok((p.start as number) >= 0 && (p.end as number) > (p.start as number) && (p.end as number) <= (summary.wallSeconds as number) + 1e-6);
    const events = assertChromeTrace(readFileSync(join(dir, 'perf-pulse-trace.json'), 'utf8'));
    assert.ok(events.some((e) => e.ph === 'X' && e.name === 'sleep 0.5'));
  });

  it('prints a readable summary without --json, and --out names the file', async () => {
    const r = await cli(['trace', '--out', 'sub/t.json', '--', 'sh', '-c', 'sleep 0.2'], dir);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /parallel efficiency/);
    assert.match(r.stdout, /critical path:/);
    assert.ok(existsSync(join(dir, 'sub', 't.json')));
  });

  it('words after -- belong to the command, --help included', async () => {
    const r = await cli(['trace', '--json', '--', 'sh', '-c', 'exit 4', '--help'], dir);
    assert.equal(r.code, 4);
    assert.doesNotMatch(r.stdout, /Usage:/);
  });

  it('bad options: one line, exit 2, nothing run', async () => {
    for (const argv of [['trace', '--interval', '0.05', '--', 'true'], ['trace', '--interval', '11', '--', 'true'], ['trace', '--interval', 'x', '--', 'true'], ['trace', '--bogus', '--', 'true'], ['trace'], ['trace', '--']]) {
      const r = await cli(argv, dir);
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(!existsSync(join(dir, 'perf-pulse-trace.json')));
    }
  });

  it('names the phases perfpulse.json gives; a broken perfpulse.json is one line and exit 2', async () => {
    writeFileSync(join(dir, 'perfpulse.json'), JSON.stringify({ benchmarks: [], phases: [{ name: 'warm-up', match: 'sleep 0.3' }, { name: 'elsewhere', match: 'sleep', task: 'make' }] }));
    const r = await cli(['trace', '--interval', '0.1', '--', 'sh', '-c', 'sleep 0.3; sleep 0.35'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /warm-up/);
    assert.doesNotMatch(r.stdout, /elsewhere/, 'a phase for another task does not apply');
    const events = assertChromeTrace(readFileSync(join(dir, 'perf-pulse-trace.json'), 'utf8'));
    assert.ok(events.some((e) => e.ph === 'X' && e.name === 'warm-up'));
    writeFileSync(join(dir, 'perfpulse.json'), JSON.stringify({ benchmarks: [], phases: [{ name: 'no match' }] }));
    const bad = await cli(['trace', '--', 'true'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /perfpulse\.json.*match/);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
  });

  it('a command that cannot start: exit 2 and one line', async () => {
    const r = await cli(['trace', '--', join(dir, 'no-such-program')], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot start/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });
});
