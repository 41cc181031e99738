// What leaves the machine: records carrying a secret environment value, a hostname and
// absolute paths go through every way out (git notes pushed to a real remote, OTLP,
// Prometheus file and Pushgateway, every report format of `report` and `check`), and
// the bytes that come out are searched for them.
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CliError, type CliIO } from '../../src/cli/cli-types';
import { command as exportCommand } from '../../src/cli/commands/export';
import type { MachineFingerprint, RunRecord } from '../../src/core/model';
import { buildReport, toHtml, toJson, toJUnit, toMarkdown } from '../../src/core/report';
import { seriesIdOf } from '../../src/core/series-id';
import { shareablePath, shareableRecord } from '../../src/core/share/shareable';
import { syncHistory } from '../../src/core/share/sync';
import { HistoryStore } from '../../src/core/store/history-store';
import type { Analysis } from '../../src/core/findings/types';
import { runCli, samplesAround, tempDir, writeHyperfine } from './check-fixture';
import { git, makeGitWorld, MemoryHistory, type GitWorld } from './share-fixture';

const SECRET = 's3cr3t-token-123';
const HOST = 'build-box-7f3a.corp.example';
/** A folder outside every workspace: its path must not leave the machine at all. */
const OUTSIDE = '/home/alice-9d1e/secret-project';

const leakyMachine: MachineFingerprint = { id: 'm1a2b3c4d5e6', cpuModel: 'Test CPU', cores: 4, os: 'linux 6.1', arch: 'x64', runtimes: { node: '20.1.0' }, hostname: HOST };

/**
 * Runs of a benchmark (env with a secret, cwd and source inside the workspace) and of a
 * terminal command (cwd outside it), with a level step at run 15 so that reports hold a
 * regression finding, and fields no allow-list names (which must stay home too).
 */
function leakyRecords(workspace: string, commits: (i: number) => string | undefined, runs = 24): RunRecord[] {
  const out: RunRecord[] = [];
  for (let i = 0; i < runs; i++) {
    const samples = samplesAround(i < 15 ? 0.0121 : 0.0143, 15, i + 1);
    const bench = {
      v: 1 as const,
      id: `bench-${String(i).padStart(2, '0')}`,
      seriesId: seriesIdOf('sort-10k', 'time', leakyMachine.id),
      name: 'sort-10k',
      metric: 'time',
      unit: 's',
      direction: 'smaller' as const,
      value: samples.slice().sort((a, b) => a - b)[7],
      samples,
      timestamp: Date.UTC(2026, 0, 1) + i * 3600_000,
      vcs: { commit: commits(i), branch: 'main', dirty: false },
      machine: leakyMachine,
      source: 'benchmark' as const,
      location: { file: join(workspace, 'src', 'sort.js'), line: 8 },
      config: { name: 'sort-10k', command: 'node bench/sort.js', env: { API_TOKEN: SECRET, NODE_ENV: 'production' }, cwd: join(workspace, 'bench'), warmup: 1 },
      extra: { failedRuns: 0, launcher: 'native', note: SECRET },
      futureField: { token: SECRET },
    };
    const terminal = {
      ...bench,
      id: `term-${String(i).padStart(2, '0')}`,
      seriesId: seriesIdOf('npm test', 'time', leakyMachine.id),
      name: 'npm test',
      source: 'terminal' as const,
      location: { file: join(OUTSIDE, 'test.js') },
      config: { commandLine: 'npm test', cwd: OUTSIDE },
      extra: { exitCode: 0, failed: false },
    };
    out.push(bench as RunRecord, terminal as RunRecord);
  }
  return out;
}

/** Fails naming the first forbidden text found in the bytes, and where. */
function assertClean(bytes: Buffer | string, forbidden: string[], what: string): void {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  for (const text of forbidden) {
    const at = buffer.indexOf(text);
    assert.equal(at, -1, `${what} contains "${text}": …${buffer.subarray(Math.max(0, at - 120), at + text.length + 40).toString('utf8')}…`);
  }
}

/** Every object a repository holds, as raw bytes (blobs uncompressed). */
function allObjects(repo: string): Buffer {
  return execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], { cwd: repo, maxBuffer: 64 << 20 });
}

describe('share: nothing secret leaves the machine', function () {
  this.timeout(90_000);

  describe('git notes (sync to a real remote)', () => {
    let world: GitWorld;
    beforeEach(() => (world = makeGitWorld()));
    afterEach(() => world.dispose());

    it('pushes no environment value, hostname or absolute path, and keeps what is useful', async () => {
      const a = world.clone('a');
      const head = git(a, 'rev-parse', 'HEAD');
      const history = new MemoryHistory(leakyRecords(a, () => head, 3));
      const report = await syncHistory(history, { workspaceDir: a });
      assert.equal(report.noted, 6);
      assert.equal(report.pushed, true);

      const server = allObjects(world.bare);
      assertClean(server, [SECRET, HOST, world.root, OUTSIDE], 'the remote repository');
      assertClean(allObjects(a), [SECRET, HOST, OUTSIDE], 'the local notes');

      const lines = git(world.bare, 'notes', '--ref', 'perf-pulse', 'show', head).split('\n').map((l) => JSON.parse(l) as RunRecord);
      const bench = lines.find((r) => r.id === 'bench-00')!;
      assert.deepEqual(bench.config, { command: 'node bench/sort.js', cwd: 'bench', envNames: ['API_TOKEN', 'NODE_ENV'], name: 'sort-10k', warmup: 1 });
      assert.deepEqual(bench.location, { file: 'src/sort.js', line: 8 });
      assert.deepEqual(bench.machine, { id: leakyMachine.id, cpuModel: 'Test CPU', cores: 4, os: 'linux 6.1', arch: 'x64', runtimes: { node: '20.1.0' } });
      assert.deepEqual(bench.extra, { failedRuns: 0, launcher: 'native' });
      assert.equal((bench as unknown as Record<string, unknown>).futureField, undefined, 'a field no allow-list names stays home');
      const terminal = lines.find((r) => r.id === 'term-00')!;
      assert.deepEqual(terminal.config, { commandLine: 'npm test' }, 'a working folder outside the workspace is dropped');
      assert.equal(terminal.location, undefined);
      // The local history keeps everything it had.
      assert.equal(history.records.get('bench-00')!.machine.hostname, HOST);
    });

    it('a notes commit made where git has no identity configured does not carry the hostname git would guess', function () {
      // git guesses `login@hostname` when no identity is configured (a fresh CI runner); a user and UTS
      // namespace lets the test choose the hostname, so a leak cannot hide behind a short one.
      const fake = 'runner-7c1d.internal.example';
      const probe = spawnSync('unshare', ['-Urun', 'sh', '-c', 'hostname "$0" && exec "$1" --import tsx "$2"', fake, process.execPath, join(__dirname, 'share-ident-probe.ts')], { cwd: join(__dirname, '../..'), maxBuffer: 64 << 20, timeout: 60_000 });
      if (probe.error || (probe.status !== 0 && /unshare|Operation not permitted|cannot/i.test(String(probe.stderr)) && !String(probe.stderr).includes('at '))) {
        this.skip(); // no user namespaces here
      }
      assert.equal(probe.status, 0, String(probe.stderr));
      assert.match(probe.stdout.toString('utf8'), /perf-pulse: 1 local record\(s\) noted/, 'the notes commit is among the objects');
      assertClean(probe.stdout, [fake], 'the remote repository');
    });

    it('shares the hostname only when asked to, and environment values never', async () => {
      const a = world.clone('a');
      const head = git(a, 'rev-parse', 'HEAD');
      await syncHistory(new MemoryHistory(leakyRecords(a, () => head, 1)), { workspaceDir: a, includeHostname: true });
      const server = allObjects(world.bare);
      assert.notEqual(server.indexOf(HOST), -1, 'the opted-in hostname is in the notes');
      assertClean(server, [SECRET, world.root, OUTSIDE], 'the remote repository');
    });
  });

  describe('monitoring exports (OTLP, Prometheus file, Pushgateway)', () => {
    let tmp: ReturnType<typeof tempDir>;
    let server: Server;
    let base = '';
    const received: Buffer[] = [];
    before(async () => {
      tmp = tempDir('pp-leaks-export-');
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push(Buffer.from(`${req.method} ${req.url}\n`), Buffer.concat(chunks));
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end('{}');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    after(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      tmp.dispose();
    });

    async function exportCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
      let stdout = '';
      let stderr = '';
      const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd: tmp.dir, env: {}, signal: new AbortController().signal };
      try {
        return { code: await exportCommand.run(args, io), stdout, stderr };
      } catch (err) {
        if (!(err instanceof CliError)) throw err;
        return { code: err.exitCode, stdout, stderr: stderr + err.message };
      }
    }

    it('sends no environment value, hostname or absolute path, every run included', async () => {
      const ws = join(tmp.dir, 'ws');
      mkdirSync(ws);
      const historyDir = join(tmp.dir, 'history');
      const store = await HistoryStore.open(historyDir);
      await store.append(leakyRecords(ws, (i) => `${String(i).padStart(2, '0')}${'c'.repeat(38)}`));
      await store.close();
      const file = join(tmp.dir, 'metrics.prom');

      received.length = 0;
      const result = await exportCli(['--history', historyDir, '--workspace', ws, '--otlp', base, '--all-runs', '--pushgateway', base, '--prometheus', file]);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(received.length >= 4, 'the OTLP receiver and the Pushgateway were reached');
      const sent = Buffer.concat(received);
      assert.match(sent.toString('utf8'), /perfpulse\.benchmark\.duration/);
      assert.match(sent.toString('utf8'), /perfpulse_benchmark_seconds\{benchmark="sort-10k"/);
      assertClean(sent, [SECRET, HOST, tmp.dir, OUTSIDE], 'what was sent over HTTP');
      assertClean(readFileSync(file), [SECRET, HOST, tmp.dir, OUTSIDE], 'the OpenMetrics file');
      assertClean(result.stdout, [SECRET, HOST, OUTSIDE], 'the export output');

      const stdout = await exportCli(['--history', historyDir, '--prometheus', '-']);
      assert.match(stdout.stdout, /# EOF/);
      assertClean(stdout.stdout, [SECRET, HOST, tmp.dir, OUTSIDE], 'the OpenMetrics text');
    });

    it('names the host in OTLP only with --include-hostname', async () => {
      const historyDir = join(tmp.dir, 'history-host');
      const store = await HistoryStore.open(historyDir);
      await store.append(leakyRecords(tmp.dir, () => undefined, 1));
      await store.close();
      received.length = 0;
      assert.equal((await exportCli(['--history', historyDir, '--otlp', base, '--include-hostname'])).code, 0);
      const sent = Buffer.concat(received);
      assert.notEqual(sent.indexOf(HOST), -1);
      assertClean(sent, [SECRET, OUTSIDE], 'OTLP with the hostname');
    });
  });

  describe('reports (every format)', () => {
    let tmp: ReturnType<typeof tempDir>;
    before(() => (tmp = tempDir('pp-leaks-report-')));
    after(() => tmp.dispose());

    it('perf-pulse report: md, json, html and junit hold no secret, hostname or absolute path', async () => {
      const ws = join(tmp.dir, 'ws');
      mkdirSync(ws);
      const historyDir = join(tmp.dir, 'history');
      const store = await HistoryStore.open(historyDir);
      await store.append(leakyRecords(ws, (i) => `${String(i).padStart(2, '0')}${'c'.repeat(38)}`));
      await store.close();
      for (const format of ['md', 'json', 'html', 'junit']) {
        const run = await runCli(['report', '--history', historyDir, '--workspace', ws, '--format', format], tmp.dir);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /sort-10k/);
        assertClean(run.stdout, [SECRET, HOST, tmp.dir, OUTSIDE], `the ${format} report`);
      }
      const json = JSON.parse((await runCli(['report', '--history', historyDir, '--workspace', ws, '--format', 'json'], tmp.dir)).stdout);
      const regression = json.findings.find((f: { name: string }) => f.name === 'sort-10k');
      assert.ok(regression, 'the report holds the regression');
      assert.deepEqual(regression.location, { file: 'src/sort.js', line: 8 }, 'the source file, workspace-relative');
    });

    it('perf-pulse check: the Markdown, JSON, JUnit reports and the job summary name the machine by its fingerprint', async () => {
      const ws = join(tmp.dir, 'check-ws');
      mkdirSync(ws);
      writeHyperfine(join(ws, 'results.json'), [{ name: 'sort-10k', level: 0.0121 }]);
      const summary = join(tmp.dir, 'summary.md');
      const run = await runCli(
        ['check', 'results.json', '--history', join(tmp.dir, 'check-history'), '--report', 'r.md', '--json', 'r.json', '--junit', 'r.xml'],
        ws,
        { GITHUB_STEP_SUMMARY: summary },
      );
      assert.equal(run.code, 0, run.stderr);
      // This machine's real hostname is short and may be common text: look for it as a JSON value.
      const parsed = JSON.parse(readFileSync(join(ws, 'r.json'), 'utf8'));
      assert.ok(parsed.machine.id, 'the machine is named by its fingerprint');
      assert.equal(parsed.machine.hostname, undefined);
      assertClean(readFileSync(join(ws, 'r.json')), [`"${hostname()}"`, tmp.dir], 'the JSON report');
      for (const file of [join(ws, 'r.md'), join(ws, 'r.xml'), summary]) assertClean(readFileSync(file), [tmp.dir], file);

      const opted = await runCli(['check', 'results.json', '--history', join(tmp.dir, 'check-history'), '--json', 'h.json', '--include-hostname', '--no-record'], ws);
      assert.equal(opted.code, 0, opted.stderr);
      assert.equal(JSON.parse(readFileSync(join(ws, 'h.json'), 'utf8')).machine.hostname, hostname());
    });

    it('buildReport: every rendering of a model built from a leaky machine and finding is clean', () => {
      const analysis: Analysis = {
        series: [],
        findings: [
          {
            id: 'f1', seriesId: 's1', name: 'sort-10k', kind: 'regression', severity: 'critical', message: 'sort-10k is 18% slower',
            firstBad: { recordId: 'r', timestamp: 1, value: 2 }, unit: 's', location: { file: join(OUTSIDE, 'x.js'), line: 3 },
          },
        ],
        events: [],
      };
      const model = buildReport(analysis, { generatedAt: 0, machine: leakyMachine, vcs: { commit: 'a'.repeat(40), branch: 'main' } });
      assert.equal(model.findings[0].location, undefined);
      for (const text of [toMarkdown(model), toJson(model), toHtml(model), toJUnit(model)]) assertClean(text, [HOST, OUTSIDE], 'a rendering');
      assert.equal(buildReport(analysis, { generatedAt: 0, machine: leakyMachine, includeHostname: true }).machine?.hostname, HOST);
    });
  });

  describe('shareableRecord and shareablePath', () => {
    it('copies only named fields: the output of a record padded with unknown fields is the output of the plain record', () => {
      const [plain] = leakyRecords('/ws', () => 'c'.repeat(40), 1);
      const padded = { ...plain, extraSecret: SECRET, vcs: { ...plain.vcs, remoteUrl: `https://user:${SECRET}@example.com` }, machine: { ...plain.machine, env: SECRET } } as RunRecord;
      assert.deepEqual(shareableRecord(padded), shareableRecord(plain));
      assertClean(JSON.stringify(shareableRecord(padded)), [SECRET, HOST], 'a shareable record');
    });

    it('keeps every per-run fact the runner, the captures and the parsers record, with its type', () => {
      const [plain] = leakyRecords('/ws', () => 'c'.repeat(40), 1);
      const facts: NonNullable<RunRecord['extra']>[] = [
        { failedRuns: 0, outliers: 1, cpuMethod: 'exact', memoryMethod: 'sampled', launcher: 'native', shell: true, loadAverage1m: 0.5, user: 0.1, system: 0.01, peakRssBytes: 1e6, shellOverhead: 0.001 },
        { exitCode: 0, failed: false, taskSource: 'Workspace' },
        { iterations: 1000 },
      ];
      for (const extra of facts) assert.deepEqual(shareableRecord({ ...plain, extra }).extra, extra);
      assert.equal(shareableRecord({ ...plain, extra: { shell: 'yes' } as never }).extra, undefined, 'a fact of the wrong type stays home');
    });

    it('makes paths workspace-relative or drops them', () => {
      assert.equal(shareablePath('/ws/a/b.js', '/ws'), 'a/b.js');
      assert.equal(shareablePath('/ws', '/ws'), '.');
      assert.equal(shareablePath('/wsx/a.js', '/ws'), undefined);
      assert.equal(shareablePath('/ws/../etc/passwd', '/ws'), undefined);
      assert.equal(shareablePath('/elsewhere/a.js'), undefined);
      assert.equal(shareablePath('src\\a.js'), 'src/a.js');
      assert.equal(shareablePath('C:\\Users\\alice\\ws\\a.js', 'C:\\Users\\alice\\ws'), 'a.js');
      assert.equal(shareablePath('C:\\Users\\alice\\other.js', 'C:\\Users\\alice\\ws'), undefined);
      assert.equal(shareablePath('\\\\server\\share\\a.js', '/ws'), undefined);
      assert.equal(shareablePath('~/secret/a.js', '/ws'), undefined);
      assert.equal(shareablePath('file:///home/alice/a.js', '/ws'), undefined);
      assert.equal(shareablePath('src/sort.js:8'), 'src/sort.js:8');
    });
  });
});
