import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CliIO } from '../../../src/cli/cli-types';
import { commands } from '../../../src/cli/commands';
import { main } from '../../../src/cli/main';
import { buildReport, toMarkdown } from '../../../src/core/report';
import type { SeriesAnalysis } from '../../../src/core/findings/types';
import { HistoryStore } from '../../../src/core/store/history-store';
import { CliBundle, isOneLineError, STACK_LINE } from './cli-bundle';
import { command as checkCommand } from '../../../src/cli/commands/check';
import { command as historyCommand } from '../../../src/cli/commands/history';
import { command as importCommand } from '../../../src/cli/commands/import';

/**
 * Failures of the CLI are one line naming the file and the problem, exit 2; never a stack trace,
 * never "No history yet" for a history that is there but cannot be read.
 */

async function inProcess(args: string[], env: NodeJS.ProcessEnv = {}, cwd = os.tmpdir()): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd, env, signal: new AbortController().signal };
  const code = await main(args, io);
  return { code, out, err };
}

const JUNIT = '<testsuite name="s" time="1"><testcase name="a" time="0.5"/></testsuite>\n';

const registry = commands as Record<string, (typeof commands)[string]>;
const lazy = { ...registry };
before(() => {
  // main() loads commands by dynamic import, which the test runner does not resolve: load them here.
  registry.check = async () => checkCommand;
  registry.history = async () => historyCommand;
  registry.import = async () => importCommand;
});
after(() => Object.assign(registry, lazy));

describe('CLI: unexpected errors are one line, exit 2', () => {
  before(() => {
    registry['test-bug'] = async () => ({ summary: '', usage: 'Usage: test-bug', run: async () => (null as unknown as { x: number }).x });
    registry['test-io'] = async () => ({
      summary: '',
      usage: 'Usage: test-io',
      run: async () => {
        throw Object.assign(new Error("EACCES: permission denied, open '/srv/h/index.bin'"), { code: 'EACCES', path: '/srv/h/index.bin' });
      },
    });
  });
  after(() => {
    delete registry['test-bug'];
    delete registry['test-io'];
  });

  it('a bug (TypeError) prints one line without a stack, and the stack only with PERF_PULSE_DEBUG=1', async () => {
    const r = await inProcess(['test-bug']);
    assert.equal(r.code, 2);
    assert.ok(isOneLineError(r.err), r.err);
    assert.match(r.err, /^perf-pulse test-bug: internal error: TypeError: .*PERF_PULSE_DEBUG=1/);
    const debug = await inProcess(['test-bug'], { PERF_PULSE_DEBUG: '1' });
    assert.equal(debug.code, 2);
    assert.ok(STACK_LINE.test(debug.err), debug.err);
  });

  it('a file-system error names the file and the problem in words', async () => {
    const r = await inProcess(['test-io']);
    assert.equal(r.code, 2);
    assert.equal(r.err, 'perf-pulse test-io: /srv/h/index.bin: permission denied\n');
  });

  it('a usage error is one line that points at --help', async () => {
    const r = await inProcess(['check', '--no-such-option']);
    assert.equal(r.code, 2);
    assert.equal(r.err, 'perf-pulse check: unknown option --no-such-option (see `perf-pulse check --help`)\n');
  });

  it('the Markdown report of 130,000 series is written (no call-stack overflow)', () => {
    const series: SeriesAnalysis[] = Array.from({ length: 130_000 }, (_, i) => ({
      id: `s${i}`,
      name: `suite › test ${i}`,
      metric: 'time',
      unit: 's',
      direction: 'smaller',
      source: 'report',
      runs: 1,
      latest: { recordId: `r${i}`, timestamp: 0, value: 0.01 },
      latestSamples: 0,
      change: { ratio: 1 },
      status: 'stable',
      noise: 0,
      changes: [],
      ignored: false,
    })) as unknown as SeriesAnalysis[];
    const markdown = toMarkdown(buildReport({ series, findings: [], events: [] }, { generatedAt: 0 }));
    assert.ok(markdown.includes('| suite › test 129999 |'));
  });
});

describe('CLI: a history that cannot be read or written', function () {
  this.timeout(120_000);
  let root: string;
  let cli: CliBundle;
  let report: string;
  before(() => {
    cli = new CliBundle();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-hist-'));
    fs.chmodSync(root, 0o755);
    report = path.join(root, 'r.xml');
    fs.writeFileSync(report, JUNIT);
  });
  after(() => {
    cli.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a history path that is a file: every history command says so, exit 2 (not "No history yet")', async () => {
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, 'x');
    for (const sub of ['list', 'export', 'verify', 'compact']) {
      const r = await inProcess(['history', sub, '--history', file]);
      assert.equal(r.code, 2, `${sub}: ${r.out}${r.err}`);
      assert.equal(r.err, `perf-pulse history: cannot read the history: ${file} is a file, not a history folder\n`);
    }
    const imported = await inProcess(['import', report, '--history', file]);
    assert.equal(imported.code, 2);
    assert.equal(imported.err, `perf-pulse import: cannot write the history: ${file} is a file, not a history folder\n`);
  });

  it('a history folder under a file, or with a `segments` that is a file, is an error naming the path', async () => {
    const file = path.join(root, 'parent-file');
    fs.writeFileSync(file, 'x');
    const under = await inProcess(['history', 'list', '--history', path.join(file, 'h')]);
    assert.equal(under.code, 2);
    assert.match(under.err, /parent-file\/h: a part of the path is a file, not a folder\n$/);
    const importUnder = await inProcess(['import', report, '--history', path.join(file, 'h')]);
    assert.equal(importUnder.code, 2);
    assert.match(importUnder.err, /parent-file\/h: a part of the path is a file, not a folder\n$/);
    const odd = path.join(root, 'odd');
    fs.mkdirSync(odd);
    fs.writeFileSync(path.join(odd, 'segments'), 'x');
    const list = await inProcess(['history', 'list', '--history', odd]);
    assert.equal(list.code, 2);
    assert.match(list.err, /odd\/segments: a part of the path is a file, not a folder/);
  });

  it('history export never writes an empty export with exit 0: a missing history is exit 2 and no file', async () => {
    const out = path.join(root, 'backup.json');
    const r = await inProcess(['history', 'export', '--history', path.join(root, 'no-such-history'), '--out', out]);
    assert.equal(r.code, 2);
    assert.match(r.err, /no history in .*no-such-history: nothing to export/);
    assert.ok(!fs.existsSync(out));
  });

  it('an unreadable history folder (permission denied, as an unprivileged user) is exit 2, not "No history yet"', function () {
    const dir = path.join(root, 'locked');
    const imported = cli.run(['import', report, '--history', dir]);
    assert.equal(imported.code, 0, imported.stderr);
    fs.chmodSync(dir, 0o000);
    try {
      // Root reads any folder: run the CLI as "nobody" then (root may switch users), else as ourselves.
      const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      if (process.getuid?.() === 0 && spawnSync(process.execPath, ['-e', '0'], asUser).status !== 0) this.skip();
      for (const sub of ['list', 'export', 'verify']) {
        const r = cli.run(['history', sub, '--history', dir], { ...asUser, cwd: root });
        assert.equal(r.code, 2, `${sub}: ${r.stdout}${r.stderr}`);
        assert.ok(isOneLineError(r.stderr), r.stderr);
        assert.match(r.stderr, /locked: permission denied\n$/);
      }
    } finally {
      fs.chmodSync(dir, 0o755);
    }
  });

  describe('on a read-only file system (a read-only bind mount; needs root)', () => {
    let ro: string;
    before(function () {
      const src = path.join(root, 'ro-src');
      ro = path.join(root, 'ro');
      fs.mkdirSync(src);
      fs.mkdirSync(ro);
      const imported = cli.run(['import', report, '--history', path.join(src, 'h')]);
      assert.equal(imported.code, 0, imported.stderr);
      try {
        execFileSync('mount', ['--bind', src, ro], { stdio: 'ignore' });
        execFileSync('mount', ['-o', 'remount,bind,ro', ro], { stdio: 'ignore' });
      } catch {
        try {
          execFileSync('umount', [ro], { stdio: 'ignore' });
        } catch {
          // not mounted
        }
        this.skip();
      }
    });
    after(() => {
      try {
        execFileSync('umount', [ro], { stdio: 'ignore' });
      } catch {
        // skipped: never mounted
      }
    });

    it('history list, export and verify still read it', () => {
      for (const sub of ['list', 'export', 'verify']) {
        const r = cli.run(['history', sub, '--history', path.join(ro, 'h')]);
        assert.equal(r.code, 0, `${sub}: ${r.stderr}`);
      }
    });

    it('history compact: one line naming the read-only file system, exit 2', () => {
      const r = cli.run(['history', 'compact', '--history', path.join(ro, 'h')]);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `perf-pulse history: cannot write the history: ${path.join(ro, 'h')}: read-only file system\n`);
    });

    it('check: exit 2 before reading anything, one line; with --no-record it runs', () => {
      const r = cli.run(['check', report, '--history', path.join(ro, 'h')], { cwd: root });
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `perf-pulse check: cannot write the history: ${path.join(ro, 'h')}: read-only file system\n`);
      const dry = cli.run(['check', report, '--no-record', '--history', path.join(ro, 'h')], { cwd: root });
      assert.equal(dry.code, 0, dry.stderr);
    });

    it('a missing history folder under a read-only parent names EROFS, not ENOENT (CLI and store)', async () => {
      const target = path.join(ro, 'new', 'h');
      const r = cli.run(['import', report, '--history', target]);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `perf-pulse import: cannot create the history folder ${target}: ${ro}: read-only file system\n`);
      await assert.rejects(HistoryStore.open(target), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'EROFS', err.message);
        assert.match(err.message, /read-only file system/);
        return true;
      });
    });
  });

  it('run checks that it can write the history before it runs any benchmark', () => {
    const ws = path.join(root, 'ws-run');
    fs.mkdirSync(ws);
    const marker = path.join(ws, 'ran');
    fs.writeFileSync(path.join(ws, 'perfpulse.json'), JSON.stringify({ version: 1, benchmarks: [{ name: 'touch', command: `${process.execPath} -e "require('fs').writeFileSync('ran','')"` }] }));
    const file = path.join(root, 'history-is-a-file');
    fs.writeFileSync(file, 'x');
    for (const command of ['run', 'check']) {
      const r = cli.run([command, '--workspace', ws, '--history', file], { cwd: ws });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, `perf-pulse ${command}: cannot write the history: ${file} is a file, not a history folder\n`);
      assert.ok(!fs.existsSync(marker), `${command} ran a benchmark before finding that it cannot record it`);
    }
  });
});
