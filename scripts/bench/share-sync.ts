// Benchmark: `perf-pulse sync` through git notes on a sizeable history, and export rendering.
// Builds a bare repository and a clone with COMMITS commits (via git fast-import), a real history
// store with RECORDS records from two machines, then times: the first sync (note everything, push),
// a second clone's first sync (fetch and import everything), a sync with nothing to do, and
// rendering the OpenMetrics text and OTLP JSON for SERIES series.
// Usage: npx tsx scripts/bench/share-sync.ts [--records N] [--commits N]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../../src/core/model';
import { seriesIdOf } from '../../src/core/series-id';
import { syncHistory } from '../../src/core/share/sync';
import { HistoryStore } from '../../src/core/store/history-store';
import { renderMetricsText } from '../../src/core/export/openmetrics';
import { toOtlpRequest } from '../../src/core/export/otlp';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const RECORDS = arg('--records', 10_000);
const COMMITS = arg('--commits', 500);
const SERIES = 2_000;

const env = { ...process.env, GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.invalid', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.invalid' };
const git = (cwd: string, args: string[], input?: string) => execFileSync('git', args, { cwd, env, input, encoding: 'utf8', maxBuffer: 1 << 30 }).trim();

function makeRepo(root: string): { bare: string; a: string; commits: string[] } {
  const bare = join(root, 'server.git');
  git(root, ['init', '--quiet', '--bare', '--initial-branch=main', bare]);
  const a = join(root, 'a');
  git(root, ['init', '--quiet', '--initial-branch=main', a]);
  // fast-import: COMMITS commits touching one file, in one process.
  let stream = '';
  for (let i = 0; i < COMMITS; i++) {
    const content = `change ${i}\n`;
    const message = `commit ${i}\n`;
    stream += `commit refs/heads/main\nmark :${i + 1}\ncommitter Bench <bench@example.invalid> ${1_700_000_000 + i * 60} +0000\ndata ${message.length}\n${message}`;
    if (i > 0) stream += `from :${i}\n`;
    stream += `M 100644 inline file.txt\ndata ${content.length}\n${content}\n`;
  }
  git(a, ['fast-import', '--quiet'], stream);
  git(a, ['reset', '--quiet', '--hard', 'main']);
  git(a, ['remote', 'add', 'origin', bare]);
  git(a, ['push', '--quiet', 'origin', 'main']);
  git(a, ['branch', '--quiet', '--set-upstream-to=origin/main']);
  const commits = git(a, ['rev-list', '--reverse', 'main']).split('\n');
  return { bare, a, commits };
}

function makeRecords(commits: string[], count = RECORDS): RunRecord[] {
  const records: RunRecord[] = [];
  for (let i = 0; i < count; i++) {
    const machineId = i % 2 ? 'ci-runner' : 'laptop';
    const name = `bench-${i % 50}`;
    const value = 0.001 * (1 + (i % 7) / 10);
    records.push({
      v: 1,
      id: `rec-${i.toString().padStart(7, '0')}`,
      seriesId: seriesIdOf(name, 'time', machineId),
      name,
      metric: 'time',
      unit: 's',
      direction: 'smaller',
      value,
      samples: Array.from({ length: 10 }, (_, k) => value * (1 + k / 1000)),
      timestamp: 1_700_000_000_000 + i * 1000,
      vcs: { commit: commits[Math.floor((i / count) * commits.length)], branch: 'main', dirty: false },
      machine: { id: machineId, cpuModel: 'Bench CPU', cores: 8, os: 'linux', arch: 'x64', runtimes: { node: '20' } },
      source: 'benchmark',
    });
  }
  return records;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const result = await fn();
  return [result, (performance.now() - t) / 1000];
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'perf-pulse-bench-sync-'));
  try {
    const { bare, a, commits } = makeRepo(root);
    const historyA = join(root, 'history-a');
    const storeA = await HistoryStore.open(historyA);
    await storeA.append(makeRecords(commits));

    const [first, firstSeconds] = await timed(() => syncHistory(storeA, { workspaceDir: a }));
    const [noop, noopSeconds] = await timed(() => syncHistory(storeA, { workspaceDir: a }));
    await storeA.close();

    const b = join(root, 'b');
    git(root, ['clone', '--quiet', '--no-local', bare, b]);
    const storeB = await HistoryStore.open(join(root, 'history-b'));
    const [imported, importSeconds] = await timed(() => syncHistory(storeB, { workspaceDir: b }));
    await storeB.close();

    const base = makeRecords(commits.slice(0, 1), 1)[0];
    const series = Array.from({ length: SERIES }, (_, i) => ({ ...base, id: `s${i}`, name: `series-${i}`, seriesId: `s${i}` }));
    const t = performance.now();
    const text = renderMetricsText(series);
    const otlp = JSON.stringify(toOtlpRequest(series, 'bench'));
    const renderSeconds = (performance.now() - t) / 1000;

    const rows = [
      { step: `first sync: note ${first.noted} records on ${first.notedCommits} commits, push`, seconds: firstSeconds.toFixed(2) },
      { step: 'sync with nothing to do', seconds: noopSeconds.toFixed(2) },
      { step: `fresh clone: fetch and import ${imported.imported} records`, seconds: importSeconds.toFixed(2) },
      { step: `render ${SERIES} series as OpenMetrics (${(text.length / 1024).toFixed(0)} KiB) and OTLP JSON (${(otlp.length / 1024).toFixed(0)} KiB)`, seconds: renderSeconds.toFixed(3) },
    ];
    const targets = [
      { what: `first sync of ${RECORDS} records on ${COMMITS} commits`, target: '< 15 s', measured: `${firstSeconds.toFixed(2)} s`, met: firstSeconds < 15 && first.noted === RECORDS },
      { what: 'sync with nothing to do', target: '< 5 s', measured: `${noopSeconds.toFixed(2)} s`, met: noopSeconds < 5 && noop.noted === 0 && !noop.pushed },
      { what: `fresh clone imports all ${RECORDS} records`, target: '< 15 s', measured: `${importSeconds.toFixed(2)} s`, met: importSeconds < 15 && imported.imported === RECORDS },
      { what: `export rendering of ${SERIES} series`, target: '< 0.5 s', measured: `${renderSeconds.toFixed(3)} s`, met: renderSeconds < 0.5 },
    ];
    console.log(`## Sync through git notes and export (${RECORDS} records, ${COMMITS} commits)\n`);
    console.log('| step | seconds |\n|---|---|');
    for (const r of rows) console.log(`| ${r.step} | ${r.seconds} |`);
    console.log('\n| target | wanted | measured | met |\n|---|---|---|---|');
    for (const t of targets) console.log(`| ${t.what} | ${t.target} | ${t.measured} | ${t.met ? 'yes' : 'no'} |`);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/share-sync.json', JSON.stringify({ title: 'Sharing: git notes sync and export', rows, targets }, null, 2) + '\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
