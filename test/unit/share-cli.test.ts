// `perf-pulse sync` as users run it: real CLI processes, real history stores, real git.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { HistoryStore } from '../../src/core/store/history-store';
import type { RunRecord } from '../../src/core/model';
import { git, makeGitWorld, record, type GitWorld } from './share-fixture';

const repoRoot = join(__dirname, '../..');

function runCli(args: string[], cwd = repoRoot): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function storedIds(dir: string): Promise<string[]> {
  const store = await HistoryStore.open(dir);
  try {
    const ids: string[] = [];
    for await (const r of store.allRecords()) ids.push(r.id);
    return ids.sort();
  } finally {
    await store.close();
  }
}

async function appendTo(dir: string, records: RunRecord[]): Promise<void> {
  const store = await HistoryStore.open(dir);
  await store.append(records);
  await store.close();
}

describe('share: perf-pulse sync CLI with real history stores', function () {
  this.timeout(120_000);
  let world: GitWorld;
  before(() => {
    world = makeGitWorld();
  });
  after(() => world.dispose());

  it('two machines syncing at the same moment end with the union of both histories', async () => {
    const a = world.clone('a');
    const commits = [git(a, 'rev-parse', 'HEAD'), world.commit(a, 'one'), world.commit(a, 'two')];
    git(a, 'push', '--quiet', 'origin', 'main');
    const b = world.clone('b');
    const historyA = join(world.root, 'history-a');
    const historyB = join(world.root, 'history-b');
    const fromA = commits.map((c, i) => record(`laptop-${i}`, c, 'laptop', 1 + i));
    const fromB = commits.flatMap((c, i) => [record(`ci-${i}`, c, 'ci', 2 + i), record(`ci-x${i}`, c, 'ci', 3 + i, { name: 'parse' })]);
    await appendTo(historyA, fromA);
    await appendTo(historyB, fromB);

    const [ra, rb] = await Promise.all([
      runCli(['sync', '--workspace', a, '--history', historyA]),
      runCli(['sync', '--workspace', b, '--history', historyB]),
    ]);
    assert.equal(ra.code, 0, ra.stderr);
    assert.equal(rb.code, 0, rb.stderr);
    assert.match(ra.stdout + rb.stdout, /notes pushed/);

    // One more sync each brings in what the other pushed.
    const [ra2, rb2] = [await runCli(['sync', '--workspace', a, '--history', historyA]), await runCli(['sync', '--workspace', b, '--history', historyB])];
    assert.equal(ra2.code, 0, ra2.stderr);
    assert.equal(rb2.code, 0, rb2.stderr);
    const union = [...fromA, ...fromB].map((r) => r.id).sort();
    assert.deepEqual(await storedIds(historyA), union);
    assert.deepEqual(await storedIds(historyB), union);
    assert.match(rb2.stdout, /Shared history: 9 records on 3 commits\./);

    // Syncing again adds nothing anywhere.
    const again = await runCli(['sync', '--workspace', a, '--history', historyA, '--json']);
    const report = JSON.parse(again.stdout);
    assert.equal(report.noted, 0);
    assert.equal(report.imported, 0);
    assert.equal(report.pushed, false);
  });

  it('says clearly when there is no repository or no such remote, with exit 2 and no stack', async () => {
    const notRepo = await runCli(['sync', '--workspace', world.root, '--history', join(world.root, 'h')]);
    assert.equal(notRepo.code, 2);
    assert.match(notRepo.stderr, /^perf-pulse sync: .* is not inside a git repository/);
    const a = join(world.root, 'a');
    const noRemote = await runCli(['sync', '--workspace', a, '--history', join(world.root, 'history-a'), '--remote', 'nope']);
    assert.equal(noRemote.code, 2);
    assert.match(noRemote.stderr, /no git remote named 'nope' \(remotes: origin\)/);
    assert.doesNotMatch(notRepo.stderr + noRemote.stderr, /\n\s+at /);
  });
});
