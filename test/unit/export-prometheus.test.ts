// End to end: the CLI pushes to a real Prometheus Pushgateway, a real Prometheus
// scrapes it, and the series come back through Prometheus's HTTP API.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryStore } from '../../src/core/store/history-store';
import type { RunRecord } from '../../src/core/model';
import { record } from './share-fixture';

const repoRoot = join(__dirname, '../..');

function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** Runs the real CLI entry point in a child process. */
function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), ...args], { cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

interface PromSeries {
  metric: Record<string, string>;
  value: [number, string];
}

describe('export: Prometheus Pushgateway and Prometheus server, end to end', function () {
  this.timeout(120_000);
  const children: ChildProcess[] = [];
  let dir: string;
  let historyDir: string;
  let pushgateway: string;
  let prometheus: string;
  const records: RunRecord[] = [
    record('1', 'a'.repeat(40), 'laptop-1', 0.125, { name: 'sort-10k' }),
    record('2', 'b'.repeat(40), 'laptop-1', 0.25, { name: 'sort-10k' }), // latest of its series
    record('3', 'c'.repeat(40), 'ci/runner 2', 0.5, { name: 'sort-10k' }),
    // A label value that needs every escape the format has, and non-ASCII.
    record('4', 'd'.repeat(40), 'ci/runner 2', 2048, { name: 'parse "big" C:\\data\nfile é', unit: 'B', metric: 'peak-rss', source: 'task' }),
  ];

  before(async function () {
    if (!hasBinary('prometheus') || !hasBinary('prometheus-pushgateway')) {
      if (process.env.CI) throw new Error('prometheus and prometheus-pushgateway must be installed in CI (Debian packages prometheus, prometheus-pushgateway)');
      console.log('      (skipped: install the Debian packages prometheus and prometheus-pushgateway to run this test)');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'perf-pulse-prom-'));
    historyDir = join(dir, 'history');
    const store = await HistoryStore.open(historyDir);
    await store.append(records);
    await store.close();

    const pgPort = await freePort();
    const promPort = await freePort();
    pushgateway = `http://127.0.0.1:${pgPort}`;
    prometheus = `http://127.0.0.1:${promPort}`;
    children.push(
      spawn('prometheus-pushgateway', [`--web.listen-address=127.0.0.1:${pgPort}`, `--persistence.file=${join(dir, 'pushgateway.data')}`], { stdio: 'ignore' }),
    );
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: pushgateway',
        '    honor_labels: true',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${pgPort}']`,
        '',
      ].join('\n'),
    );
    children.push(
      spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' }),
    );
    for (const [name, base] of [['Pushgateway', pushgateway], ['Prometheus', prometheus]] as const) {
      await waitFor(`${name} to be ready`, 60_000, async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined));
    }
  });

  after(() => {
    for (const child of children) child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('pushes the latest value of every series through the CLI, and Prometheus serves them with their labels', async () => {
    const result = await runCli(['export', '--history', historyDir, '--pushgateway', pushgateway, '--job', 'bench']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Pushed 1 series of machine laptop-1/);
    assert.match(result.stdout, /Pushed 2 series of machine ci\/runner 2/);

    const query = async (q: string): Promise<PromSeries[]> => {
      const answer = (await (await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { status: string; data: { result: PromSeries[] } };
      assert.equal(answer.status, 'success');
      return answer.data.result;
    };
    const seconds = await waitFor('perfpulse_benchmark_seconds in Prometheus', 45_000, async () => {
      const found = await query('perfpulse_benchmark_seconds');
      return found.length >= 2 ? found : undefined;
    });
    const byMachine = new Map(seconds.map((s) => [s.metric.machine, s]));
    assert.deepEqual(byMachine.get('laptop-1')!.metric, {
      __name__: 'perfpulse_benchmark_seconds',
      benchmark: 'sort-10k',
      metric: 'time',
      machine: 'laptop-1',
      branch: 'main',
      commit: 'b'.repeat(40),
      source: 'benchmark',
      job: 'bench',
    });
    assert.equal(Number(byMachine.get('laptop-1')!.value[1]), 0.25, 'the latest run, not an older one');
    assert.equal(Number(byMachine.get('ci/runner 2')!.value[1]), 0.5);

    const bytes = await waitFor('perfpulse_benchmark_bytes', 20_000, async () => {
      const found = await query('perfpulse_benchmark_bytes');
      return found.length ? found : undefined;
    });
    assert.equal(bytes.length, 1);
    assert.equal(bytes[0].metric.benchmark, 'parse "big" C:\\data\nfile é', 'escaped label value arrives intact');
    assert.equal(bytes[0].metric.metric, 'peak-rss');
    assert.equal(bytes[0].metric.source, 'task');
    assert.equal(Number(bytes[0].value[1]), 2048);

    const stamps = await query('perfpulse_benchmark_run_timestamp_seconds{machine="laptop-1"}');
    assert.equal(Number(stamps[0].value[1]), records[1].timestamp / 1000);

    // Pushing again from one machine replaces only that machine's group.
    const again = await runCli(['export', '--history', historyDir, '--pushgateway', pushgateway, '--job', 'bench', '--series', records[0].seriesId]);
    assert.equal(again.code, 0, again.stderr);
    const groups = (await (await fetch(`${pushgateway}/api/v1/metrics`)).json()) as { data: { labels: Record<string, string> }[] };
    assert.deepEqual(groups.data.map((g) => g.labels.machine).sort(), ['ci/runner 2', 'laptop-1']);
  });

  it('writes an OpenMetrics file that promtool accepts, and fails clearly when the Pushgateway is unreachable', async () => {
    const file = join(dir, 'perfpulse.prom');
    const result = await runCli(['export', '--history', historyDir, '--prometheus', file]);
    assert.equal(result.code, 0, result.stderr);
    const text = readFileSync(file, 'utf8');
    assert.ok(text.endsWith('# EOF\n'));
    assert.match(text, /^# UNIT perfpulse_benchmark_seconds seconds$/m);
    if (hasBinary('promtool')) {
      const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(lint.status, 0, `promtool: ${lint.stdout}${lint.stderr}`);
    }
    const dead = await runCli(['export', '--history', historyDir, '--pushgateway', `http://127.0.0.1:${await freePort()}`]);
    assert.equal(dead.code, 2);
    assert.match(dead.stderr, /perf-pulse export: cannot reach http:\/\/127\.0\.0\.1:\d+\/metrics\/job\/perf-pulse\/machine/);
    assert.doesNotMatch(dead.stderr, /\n\s+at /, 'no stack trace');
  });
});
