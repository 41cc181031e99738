import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Git } from '../../src/core/share/git';
import { chooseRemote, NOTES_REF, ShareError, syncHistory } from '../../src/core/share/sync';
import { git, makeGitWorld, MemoryHistory, record, type GitWorld } from './share-fixture';

describe('share: sync history through git notes (real git)', function () {
  // Each sync is a dozen real git processes (fetch and push included); a loaded machine makes them slow.
  this.timeout(90_000);
  let world: GitWorld;
  beforeEach(() => {
    world = makeGitWorld();
  });
  afterEach(() => world.dispose());

  it('publishes local records as notes on their commits and another clone imports them', async () => {
    const a = world.clone('a');
    const c1 = git(a, 'rev-parse', 'HEAD');
    const c2 = world.commit(a, 'second');
    git(a, 'push', '--quiet', 'origin', 'main');
    const historyA = new MemoryHistory([record('r1', c1, 'laptop'), record('r2', c2, 'laptop'), record('r3', c2.slice(0, 10), 'laptop')]);

    const reportA = await syncHistory(historyA, { workspaceDir: a });
    assert.equal(reportA.remote, 'origin');
    assert.equal(reportA.remoteHadNotes, false);
    assert.equal(reportA.noted, 3);
    assert.equal(reportA.pushed, true);
    assert.deepEqual(reportA.detached, []);
    // The note is plain text a person can read with git itself; the abbreviated commit was resolved.
    const note = git(a, 'notes', '--ref', 'perf-pulse', 'show', c2).split('\n');
    assert.deepEqual(note.map((l) => JSON.parse(l).id), ['r2', 'r3']);
    assert.ok(note[0].startsWith('{"id":"r2",'));
    assert.ok(git(world.bare, 'rev-parse', NOTES_REF));

    const b = world.clone('b');
    const historyB = new MemoryHistory();
    const reportB = await syncHistory(historyB, { workspaceDir: b });
    assert.equal(reportB.imported, 3);
    assert.equal(reportB.pushed, false, 'nothing new to push');
    assert.deepEqual(historyB.ids(), ['r1', 'r2', 'r3']);
    // Records round-trip in their shareable form: everything but the hostname (see share-leaks.test.ts).
    const { hostname, ...sharedMachine } = historyA.records.get('r2')!.machine;
    assert.equal(hostname, 'host-laptop');
    assert.deepEqual(historyB.records.get('r2'), { ...historyA.records.get('r2'), machine: sharedMachine }, 'records round-trip exactly, without the hostname');

    // A second sync changes nothing anywhere.
    const tipBefore = git(world.bare, 'rev-parse', NOTES_REF);
    const again = await syncHistory(historyA, { workspaceDir: a });
    assert.equal(again.noted, 0);
    assert.equal(again.pushed, false);
    assert.equal(git(world.bare, 'rev-parse', NOTES_REF), tipBefore);
  });

  it('concurrent syncs from two clones end with the union of both histories and no lost record', async () => {
    const a = world.clone('a');
    const commits = [git(a, 'rev-parse', 'HEAD')];
    for (let i = 0; i < 3; i++) commits.push(world.commit(a, `change ${i}`));
    git(a, 'push', '--quiet', 'origin', 'main');
    const b = world.clone('b');
    const historyA = new MemoryHistory();
    const historyB = new MemoryHistory();
    const expected: string[] = [];
    // Two rounds; in each both machines record new runs on the same commits and sync at the same time.
    for (let round = 0; round < 2; round++) {
      commits.forEach((c, i) => {
        historyA.records.set(`a${round}-${i}`, record(`a${round}-${i}`, c, 'laptop', 1 + i));
        historyB.records.set(`b${round}-${i}`, record(`b${round}-${i}`, c, 'ci-runner', 2 + i));
        expected.push(`a${round}-${i}`, `b${round}-${i}`);
      });
      const [ra, rb] = await Promise.all([syncHistory(historyA, { workspaceDir: a }), syncHistory(historyB, { workspaceDir: b })]);
      assert.ok(ra.pushed || rb.pushed);
    }
    await syncHistory(historyA, { workspaceDir: a });
    await syncHistory(historyB, { workspaceDir: b });
    expected.sort();
    assert.deepEqual(historyA.ids(), expected);
    assert.deepEqual(historyB.ids(), expected);
    // The server holds every record, each exactly once, on the right commit.
    const fresh = world.clone('fresh');
    const historyFresh = new MemoryHistory();
    const report = await syncHistory(historyFresh, { workspaceDir: fresh, push: false });
    assert.deepEqual(historyFresh.ids(), expected);
    assert.equal(report.notedRecords, expected.length);
    for (const r of historyFresh.records.values()) {
      const lines = git(fresh, 'notes', '--ref', 'perf-pulse', 'show', r.vcs.commit!).split('\n');
      assert.equal(lines.filter((l) => JSON.parse(l).id === r.id).length, 1);
    }
    // Machines stay apart: same benchmark, two series.
    assert.equal(new Set([...historyFresh.records.values()].map((r) => r.seriesId)).size, 2);
  });

  it('a push rejected because another machine pushed first is merged and retried, losing nothing', async () => {
    const a = world.clone('a');
    const head = git(a, 'rev-parse', 'HEAD');
    const b = world.clone('b');
    const historyB = new MemoryHistory([record('b1', head, 'ci')]);
    await syncHistory(historyB, { workspaceDir: b });
    historyB.records.set('b2', record('b2', head, 'ci'));
    // Machine b pushes at the worst moment for a: after a fetched, before a pushes.
    let raced = false;
    class RacingHistory extends MemoryHistory {
      override async *allRecords() {
        if (!raced) {
          raced = true;
          const report = await syncHistory(historyB, { workspaceDir: b });
          assert.equal(report.pushed, true);
        }
        yield* super.allRecords();
      }
    }
    const historyA = new RacingHistory([record('a1', head, 'laptop')]);
    const report = await syncHistory(historyA, { workspaceDir: a, log: () => undefined });
    assert.equal(report.attempts, 2, 'the first push was rejected');
    assert.equal(report.pushed, true);
    assert.deepEqual(historyA.ids(), ['a1', 'b1', 'b2']);
    const onServer = git(world.bare, 'notes', '--ref', 'perf-pulse', 'show', head).split('\n').map((l) => JSON.parse(l).id);
    assert.deepEqual(onServer, ['a1', 'b1', 'b2']);
  });

  it('keeps results of commits rebased or force-pushed away, and reports them', async () => {
    const a = world.clone('a');
    const base = git(a, 'rev-parse', 'HEAD');
    const doomed = world.commit(a, 'to be amended');
    git(a, 'push', '--quiet', 'origin', 'main');
    const historyA = new MemoryHistory([record('keep', base, 'laptop'), record('gone', doomed, 'laptop')]);
    await syncHistory(historyA, { workspaceDir: a });

    const b = world.clone('b');
    const historyB = new MemoryHistory();
    await syncHistory(historyB, { workspaceDir: b });
    assert.deepEqual(historyB.ids(), ['gone', 'keep']);

    // Rewrite history in clone a and force-push it.
    git(a, 'commit', '--quiet', '--amend', '-m', 'amended');
    const amended = git(a, 'rev-parse', 'HEAD');
    historyA.records.set('new', record('new', amended, 'laptop'));
    git(a, 'push', '--quiet', '--force', 'origin', 'main');
    const reportA = await syncHistory(historyA, { workspaceDir: a });
    assert.deepEqual(reportA.detached, [{ commit: doomed, state: 'unreachable', records: 1 }]);

    git(b, 'fetch', '--quiet', 'origin');
    git(b, 'reset', '--quiet', '--hard', 'origin/main');
    const reportB = await syncHistory(historyB, { workspaceDir: b });
    assert.deepEqual(reportB.detached, [{ commit: doomed, state: 'unreachable', records: 1 }]);
    assert.deepEqual(historyB.ids(), ['gone', 'keep', 'new'], 'results of the vanished commit stay in the history');

    // A clone that never saw the old commit reports it as missing, and still keeps its results.
    const c = world.clone('c');
    const historyC = new MemoryHistory();
    const reportC = await syncHistory(historyC, { workspaceDir: c });
    assert.deepEqual(reportC.detached, [{ commit: doomed, state: 'missing', records: 1 }]);
    assert.deepEqual(historyC.ids(), ['gone', 'keep', 'new']);
  });

  it('reports local records it cannot share: unknown commit, no commit, dirty work tree', async () => {
    const a = world.clone('a');
    const head = git(a, 'rev-parse', 'HEAD');
    const history = new MemoryHistory([
      record('ok', head, 'laptop'),
      record('unknown', 'f'.repeat(40), 'laptop'),
      record('nocommit', undefined, 'laptop'),
      record('dirty', head, 'laptop', 1, { vcs: { commit: head, dirty: true } }),
    ]);
    const report = await syncHistory(history, { workspaceDir: a });
    assert.equal(report.noted, 1);
    assert.deepEqual(report.commitMissing, [{ commit: 'f'.repeat(40), records: 1 }]);
    assert.equal(report.withoutCommit, 1);
    assert.equal(report.dirtySkipped, 1);
    assert.equal(history.records.size, 4, 'nothing is dropped from the local history');
    const withDirty = await syncHistory(history, { workspaceDir: a, includeDirty: true });
    assert.equal(withDirty.noted, 1);
  });

  it('works without a remote: notes locally and says there is no remote', async () => {
    const solo = join(world.root, 'solo');
    git(world.root, 'init', '--quiet', solo);
    const head = world.commit(solo, 'only');
    const history = new MemoryHistory([record('r1', head, 'laptop')]);
    const report = await syncHistory(history, { workspaceDir: solo });
    assert.equal(report.remote, undefined);
    assert.equal(report.pushed, false);
    assert.equal(report.noted, 1);
    assert.match(git(solo, 'notes', '--ref', 'perf-pulse', 'show', head), /"id":"r1"/);
    await assert.rejects(syncHistory(history, { workspaceDir: solo, remote: 'upstream' }), (err: Error) => err instanceof ShareError && /no git remote named 'upstream'/.test(err.message));
  });

  it('fails clearly outside a repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perf-pulse-norepo-'));
    try {
      await assert.rejects(syncHistory(new MemoryHistory(), { workspaceDir: dir }), (err: Error) => err instanceof ShareError && err.message.includes(dir) && /not inside a git repository/.test(err.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps note lines it cannot read, reports them, and still imports the rest', async () => {
    const a = world.clone('a');
    const head = git(a, 'rev-parse', 'HEAD');
    const good = JSON.stringify(record('good', head, 'ci'));
    git(a, 'notes', '--ref', 'perf-pulse', 'add', '-m', `${good}\nthis is not json\n{"v":9,"id":"future"}`, head);
    git(a, 'push', '--quiet', 'origin', NOTES_REF);
    const b = world.clone('b');
    const history = new MemoryHistory([record('mine', head, 'laptop')]);
    const report = await syncHistory(history, { workspaceDir: b });
    assert.deepEqual(history.ids(), ['good', 'mine']);
    assert.equal(report.problems.length, 2);
    assert.ok(report.problems.every((p) => p.commit === head));
    assert.ok(report.problems.some((p) => /not JSON/.test(p.problem)));
    assert.ok(report.problems.some((p) => /unsupported record version 9/.test(p.problem)));
    const note = git(world.bare, 'notes', '--ref', 'perf-pulse', 'show', head);
    assert.match(note, /this is not json/);
    assert.match(note, /"id":"future"/);
    assert.match(note, /"id":"mine"/);
  });

  it('merges with notes written by git itself', async () => {
    const a = world.clone('a');
    const head = git(a, 'rev-parse', 'HEAD');
    const commits = [head];
    for (let i = 0; i < 5; i++) commits.push(world.commit(a, `c${i}`));
    git(a, 'push', '--quiet', 'origin', 'main');
    const history = new MemoryHistory(commits.flatMap((c, i) => [record(`x${i}`, c, 'laptop'), record(`y${i}`, c, 'ci')]));
    await syncHistory(history, { workspaceDir: a });
    // Another tool appends with git's own cat_sort_uniq merge; our sync must read the result.
    const b = world.clone('b');
    git(b, 'fetch', '--quiet', 'origin', `${NOTES_REF}:${NOTES_REF}`);
    git(b, 'notes', '--ref', 'perf-pulse', 'append', '-m', JSON.stringify(record('manual', head, 'ci')), head);
    git(b, 'push', '--quiet', 'origin', NOTES_REF);
    const report = await syncHistory(history, { workspaceDir: a });
    assert.ok(history.records.has('manual'));
    assert.equal(report.problems.length, 0);
    assert.equal(report.notedRecords, 13);
  });

  it('writes a fanned-out notes tree for many commits that git and another clone read back', async () => {
    const a = world.clone('a');
    // 300 commits in one git process: past the size where notes trees fan out.
    let stream = '';
    for (let i = 0; i < 300; i++) {
      const msg = `bulk ${i}\n`;
      const content = `bulk ${i}\n`;
      stream += `commit refs/heads/main\ncommitter F <f@example.invalid> ${1_700_000_000 + i} +0000\ndata ${msg.length}\n${msg}`;
      stream += i === 0 ? `from refs/heads/main^0\n` : '';
      stream += `M 100644 inline file.txt\ndata ${content.length}\n${content}\n`;
    }
    execFileSync('git', ['fast-import', '--quiet', '--force'], { cwd: a, input: stream });
    git(a, 'reset', '--quiet', '--hard', 'main');
    git(a, 'push', '--quiet', 'origin', 'main');
    const commits = git(a, 'rev-list', '-n', '300', 'main').split('\n');
    const history = new MemoryHistory(commits.map((c, i) => record(`bulk${i}`, c, 'ci')));
    const report = await syncHistory(history, { workspaceDir: a });
    assert.equal(report.noted, 300);
    const top = git(a, 'ls-tree', NOTES_REF).split('\n');
    assert.ok(top.every((line) => /^040000 tree [0-9a-f]+\t[0-9a-f]{2}$/.test(line)), 'two-hex-digit fan-out directories');
    assert.match(git(a, 'notes', '--ref', 'perf-pulse', 'show', commits[123]), /"id":"bulk123"/);
    const b = world.clone('b');
    const historyB = new MemoryHistory();
    const reportB = await syncHistory(historyB, { workspaceDir: b });
    assert.equal(reportB.imported, 300);
    assert.deepEqual(reportB.detached, []);
  });
});

describe('share: choosing the remote', () => {
  const facts = (remotes: string[], upstream?: string) => ({ git: new Git('.'), remotes, upstream });
  it('prefers --remote, then the upstream of the branch, then origin, then the only remote', () => {
    assert.equal(chooseRemote(facts(['origin', 'fork'], 'fork'), 'origin'), 'origin');
    assert.equal(chooseRemote(facts(['origin', 'fork'], 'fork')), 'fork');
    assert.equal(chooseRemote(facts(['fork', 'origin'])), 'origin');
    assert.equal(chooseRemote(facts(['company'])), 'company');
    assert.equal(chooseRemote(facts([])), undefined);
  });
  it('refuses to guess among several remotes, and names a missing one', () => {
    assert.throws(() => chooseRemote(facts(['a', 'b'])), /several remotes \(a, b\).*--remote/);
    assert.throws(() => chooseRemote(facts(['a']), 'b'), /no git remote named 'b' \(remotes: a\)/);
  });
});
