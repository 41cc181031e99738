import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliError, type CliCommand, type CliIO } from '../../../src/cli/cli-types';
import { command as historyCommand } from '../../../src/cli/commands/history';
import { command as importCommand } from '../../../src/cli/commands/import';
import { HistoryStore } from '../../../src/core/store/history-store';
import { readHistoryRegistry, registerWorkspaceHistory, resolveHistoryDir } from '../../../src/core/store/location';
import { importFile } from '../../../src/core/store/import';
import { seriesIdOf } from '../../../src/core/series-id';
import { makeRecord, TEST_MACHINE } from './records';

const SHARED = path.join(__dirname, '../../fixtures/reference');
const REPO = path.join(__dirname, '../../..');

async function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd, env, signal: new AbortController().signal };
  // Dispatches like the CLI's main (which loads commands lazily by dynamic import).
  const [name, ...rest] = args;
  const command: CliCommand = name === 'history' ? historyCommand : importCommand;
  try {
    return { code: await command.run(rest, io), out, err };
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    return { code: e.exitCode, out, err: err + e.message };
  }
}

describe('history location', () => {
  const ws = path.resolve('/projects/app');
  const wsHistory = path.join(ws, '.perfpulse', 'history');
  const none = () => false;

  it('follows the documented precedence for the CLI', () => {
    const registry = { [ws]: '/storage/ext/history' };
    assert.equal(resolveHistoryDir({ workspaceDir: ws, override: 'h', env: { PERF_PULSE_HISTORY: '/env' }, registry, exists: () => true }), path.join(ws, 'h'));
    assert.equal(resolveHistoryDir({ workspaceDir: ws, env: { PERF_PULSE_HISTORY: '/env' }, registry, exists: () => true }), path.resolve('/env'));
    assert.equal(resolveHistoryDir({ workspaceDir: ws, env: {}, registry, exists: (p) => p === wsHistory }), wsHistory);
    assert.equal(resolveHistoryDir({ workspaceDir: ws, env: {}, registry, exists: none }), '/storage/ext/history');
    assert.equal(resolveHistoryDir({ workspaceDir: ws, env: {}, registry: {}, exists: none }), wsHistory);
  });

  it('gives the extension its storage unless the workspace folder is chosen or already holds history', () => {
    assert.equal(resolveHistoryDir({ workspaceDir: ws, storageDir: '/st', env: {}, exists: none }), path.join('/st', 'history'));
    assert.equal(resolveHistoryDir({ workspaceDir: ws, storageDir: '/st', location: 'workspace', env: {}, exists: none }), wsHistory);
    assert.equal(resolveHistoryDir({ workspaceDir: ws, storageDir: '/st', env: {}, exists: (p) => p === wsHistory }), wsHistory);
    assert.equal(resolveHistoryDir({ storageDir: '/global', env: {}, exists: none }), path.join('/global', 'history'));
    assert.equal(resolveHistoryDir({ env: { PERF_PULSE_STATE_DIR: '/state' }, exists: none }), path.join('/state', 'global-history'));
  });

  it('registers a workspace so the CLI finds the editor’s history', async () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-state-'));
    const env = { PERF_PULSE_STATE_DIR: state };
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-ws-'));
    await Promise.all([registerWorkspaceHistory(workspace, '/somewhere/a', env), registerWorkspaceHistory('/other/ws', '/somewhere/b', env)]);
    const registry = readHistoryRegistry(env);
    assert.equal(Object.keys(registry).length, 2, 'concurrent registrations both land');
    assert.equal(resolveHistoryDir({ workspaceDir: workspace, env }), path.resolve('/somewhere/a'));
    const where = await cli(['history', 'where', '--workspace', workspace], '/', env);
    assert.equal(where.out.trim(), path.resolve('/somewhere/a'));
    fs.rmSync(state, { recursive: true, force: true });
    fs.rmSync(workspace, { recursive: true, force: true });
  });
});

describe('import', () => {
  it('reads a github-action-benchmark data.js: one run per entry with its commit and date', async () => {
    const { format, records } = await importFile(path.join(SHARED, 'formats/gab/data.js'));
    assert.equal(format, 'gab-data-js');
    assert.equal(records.length, 1);
    const [r] = records;
    assert.equal(r.name, 'bench_fib_10');
    assert.equal(r.vcs.commit, 'prev commit id');
    assert.equal(r.timestamp, 1574927127603);
    assert.equal(r.unit, 's');
    assert.ok(Math.abs(r.value - 100e-9) < 1e-15);
    assert.equal(r.machine.id, 'import');
    assert.equal(r.seriesId, seriesIdOf('bench_fib_10', 'time', 'import', 'Test benchmark'));
    assert.equal((await importFile(path.join(SHARED, 'formats/gab/data.js'))).records[0].id, r.id, 'ids are stable');
  });

  it('reads Bencher Metric Format through the parsers', async () => {
    const { format, records } = await importFile(path.join(SHARED, 'formats/bencher/bmf_latency.json'));
    assert.equal(format, 'bencher-bmf');
    assert.deepEqual(records.map((r) => r.name).sort(), ['tests::benchmark_a', 'tests::benchmark_b', 'tests::benchmark_c']);
    assert.ok(records.every((r) => r.source === 'import' && r.value > 0 && Number.isFinite(r.timestamp)));
  });

  it('gives a run of the same file bytes at another commit, branch, time or machine its own ids, and the same context the same ids', async () => {
    const file = path.join(SHARED, 'formats/bencher/bmf_latency.json');
    const ids = async (options: Parameters<typeof importFile>[1]) => (await importFile(file, options)).records.map((r) => r.id);
    const base = { vcs: { commit: 'a1', branch: 'main' }, timestamp: 1_700_000_000_000 };
    const same = await ids(base);
    assert.equal(same.length, 3);
    assert.equal(new Set(same).size, 3);
    assert.deepEqual(await ids({ ...base, vcs: { ...base.vcs } }), same, 'identical context: identical ids');
    const others = [
      await ids({ ...base, vcs: { commit: 'b2', branch: 'main' } }),
      await ids({ ...base, vcs: { commit: 'a1', branch: 'feature' } }),
      await ids({ ...base, vcs: { commit: 'a1', branch: 'main', dirty: true } }),
      await ids({ ...base, timestamp: base.timestamp + 1 }),
      await ids({ ...base, machine: { ...TEST_MACHINE } }),
    ];
    for (const other of others) assert.ok(other.every((id) => !same.includes(id)), 'a distinct run gets distinct ids');
    assert.equal(new Set(others.flat()).size, 15);
  });

  it('names the file when it cannot be read', async () => {
    await assert.rejects(importFile('/no/such/file.json'), /\/no\/such\/file\.json: no such file/);
  });
});

describe('perf-pulse history and import (CLI)', function () {
  this.timeout(30_000);
  let root: string;
  before(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-cli-'))));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('imports into the workspace folder history, lists, exports and re-imports without duplicates', async () => {
    const ws = path.join(root, 'ws');
    fs.mkdirSync(path.join(ws, '.perfpulse', 'history'), { recursive: true });
    const env = { PERF_PULSE_STATE_DIR: path.join(root, 'state') };
    const imported = await cli(['import', path.join(SHARED, 'formats/gab/data.js'), path.join(SHARED, 'formats/bencher/bmf_latency.json')], ws, env);
    assert.equal(imported.code, 0, imported.err);
    assert.match(imported.out, /data\.js: 1 run\(s\) added \(read as gab-data-js\)/);
    assert.match(imported.out, /bmf_latency\.json: 3 run\(s\) added/);
    const list = await cli(['history', 'list', '--json'], ws, env);
    assert.equal(JSON.parse(list.out).length, 4);
    const out = path.join(root, 'all.csv');
    assert.equal((await cli(['history', 'export', '--format', 'csv', '--out', out], ws, env)).code, 0);
    const again = await cli(['import', out], ws, env);
    assert.match(again.out, /0 run\(s\) added, 4 already in the history \(read as perf-pulse-csv\)/);
    const one = await cli(['history', 'export', '--series', 'bench_fib_10'], ws, env);
    assert.equal(JSON.parse(one.out).records.length, 1);
    const bad = await cli(['import', path.join(SHARED, 'README.md')], ws, env);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /README\.md: /);
  });

  it('import adds the same file bytes again for another commit, branch or time, and nothing for the same ones', async () => {
    const dir = path.join(root, 'identity');
    const file = path.join(root, 'bench.json');
    fs.copyFileSync(path.join(SHARED, 'formats/bencher/bmf_latency.json'), file);
    const day = new Date('2026-01-05T10:00:00Z');
    fs.utimesSync(file, day, day);
    const run = async (...args: string[]) => {
      const r = await cli(['import', file, '--history', dir, ...args], root);
      assert.equal(r.code, 0, r.err);
      return r.out;
    };
    assert.match(await run('--commit', 'aaa111', '--branch', 'main'), /3 run\(s\) added \(/);
    assert.match(await run('--commit', 'aaa111', '--branch', 'main'), /0 run\(s\) added, 3 already in the history/);
    assert.match(await run('--commit', 'bbb222', '--branch', 'main'), /3 run\(s\) added \(/);
    assert.match(await run('--commit', 'aaa111', '--branch', 'release'), /3 run\(s\) added \(/);
    // The same bytes written again later (a new benchmark run that measured the same numbers).
    const later = new Date('2026-01-06T10:00:00Z');
    fs.utimesSync(file, later, later);
    assert.match(await run('--commit', 'aaa111', '--branch', 'main'), /3 run\(s\) added \(/);
    assert.match(await run('--commit', 'aaa111', '--branch', 'main'), /0 run\(s\) added, 3 already in the history/);
    const store = await HistoryStore.open(dir);
    assert.equal(store.listSeries().reduce((n, s) => n + s.runs, 0), 12);
    await store.close();
  });

  it('import recognises runs an earlier version imported under content-only ids, and still adds other commits', async () => {
    const dir = path.join(root, 'upgrade');
    const file = path.join(root, 'bench-upgrade.json');
    fs.copyFileSync(path.join(SHARED, 'formats/bencher/bmf_latency.json'), file);
    const day = new Date('2026-02-01T08:00:00Z');
    fs.utimesSync(file, day, day);
    // What an earlier version stored for `perf-pulse import bench-upgrade.json --commit c0ffee`.
    const { records, earlierIds } = await importFile(file, { vcs: { commit: 'c0ffee' } });
    const store = await HistoryStore.open(dir);
    await store.append(records.map((r) => ({ ...r, id: earlierIds!.get(r.id)! })));
    await store.close();
    const again = await cli(['import', file, '--history', dir, '--commit', 'c0ffee'], root);
    assert.match(again.out, /0 run\(s\) added, 3 already in the history/);
    const other = await cli(['import', file, '--history', dir, '--commit', 'deadbee'], root);
    assert.match(other.out, /3 run\(s\) added \(/);
  });

  it('history verify exits 0 on a clean history and 1 on a damaged one, naming the file and offset', async () => {
    const dir = path.join(root, 'verify');
    const store = await HistoryStore.open(dir);
    for (let i = 0; i < 10; i++) await store.append([makeRecord('v', i)]);
    await store.close();
    const clean = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), 'history', 'verify', '--history', dir], { cwd: REPO, encoding: 'utf8' });
    assert.equal(clean.status, 0, clean.stderr);
    assert.match(clean.stdout, /10 records in 1 series.*\nNo damaged records/);
    const [seg] = fs.readdirSync(path.join(dir, 'segments'));
    const file = path.join(dir, 'segments', seg);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from('XXXX'), 0, 4, 300);
    fs.closeSync(fd);
    const damaged = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), 'history', 'verify', '--history', dir], { cwd: REPO, encoding: 'utf8' });
    assert.equal(damaged.status, 1, damaged.stderr);
    assert.ok(damaged.stdout.includes(`1 damaged record(s)`), damaged.stdout);
    assert.ok(damaged.stdout.includes(file), 'names the file');
    assert.match(damaged.stdout, /line \d+, byte \d+/);
    const json = await cli(['history', 'verify', '--json', '--history', dir], root);
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.out).problems.length, 1);
    const compact = await cli(['history', 'compact', '--history', dir], root);
    assert.equal(compact.code, 0, compact.err);
    assert.equal((await cli(['history', 'verify', '--history', dir], root)).code, 0, 'compaction drops the damaged line');
  });

  it('rejects bad usage with exit code 2', async () => {
    assert.equal((await cli(['history', 'frobnicate'], root)).code, 2);
    assert.equal((await cli(['history', 'export', '--format', 'xml', '--history', root], root)).code, 2);
    assert.equal((await cli(['import'], root)).code, 2);
  });
});
