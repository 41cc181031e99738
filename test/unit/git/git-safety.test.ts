import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { vcsInfo } from '../../../src/core/env/vcs';
import { analyzeHistory } from '../../../src/core/findings/analyze';
import type { RunRecord } from '../../../src/core/model';
import { diffStat, Git, objectName, resolveCommit, revisionName, UnsafeGitArgumentError } from '../../../src/core/git';
import { withWorktree, WorktreeError } from '../../../src/core/runner';
import { commitStates } from '../../../src/core/share/commits';
import { syncHistory } from '../../../src/core/share/sync';
import { seriesInfoOf } from '../findings-fixture';
import { MemoryHistory, record } from '../share-fixture';
import { fixtureGit, GitSpy, makeHostileRepo, type HostileRepo } from './git-fixture';

/** Commit strings a shipped `.perfpulse/history` can carry; none is an object name. */
function hostileCommits(target: string): string[] {
  return [`--output=${target}`, '-c', '-ccore.pager=touch x', 'HEAD; rm -rf ~', '$(touch pwned)', '`id`', 'abc1234\n--output=x', 'deadbeef ', 'not-hex', 'HEAD', '', 'a'.repeat(65)];
}

describe('git: hostile revisions are refused before any git starts', () => {
  let repo: HostileRepo;
  let spy: GitSpy;
  let target: string;
  const bytes = 'precious bytes\n';

  beforeEach(() => {
    repo = makeHostileRepo();
    target = join(repo.root, 'victim.txt');
    writeFileSync(target, bytes);
    spy = new GitSpy();
  });
  afterEach(() => {
    spy.dispose();
    repo.dispose();
  });

  it("the notifier's diff stat with records whose commits spell `--output=FILE` leaves FILE whole and starts no git", async () => {
    // The notifier joins lastGood.commit and firstBad.commit of a finding, both straight from
    // records, as `FROM..TO`: FROM `--output=<repo>/` and TO `/victim.txt` made the old call
    // `git diff --stat --output=<repo>/../victim.txt`, which emptied the file.
    const pairs = [[`--output=${repo.repo}/`, '/victim.txt'], [`--output=${target}`, repo.second], [repo.first, `--output=${target}`]];
    for (const [from, to] of pairs) {
      await assert.rejects(diffStat(new Git(repo.repo), from, to), (err: Error) => {
        assert.ok(err instanceof UnsafeGitArgumentError, String(err));
        assert.match(err.message, /^refused commit "(--output=.*|\/victim\.txt)": not a git object name/);
        return true;
      });
    }
    assert.equal(readFileSync(target, 'utf8'), bytes, 'the target keeps its bytes');
    assert.deepEqual(spy.calls(), [], 'no git started');
  });

  it('a regression found in a shipped history hands the notifier hostile commits, which git never sees', async () => {
    // 20 runs at 10 ms, then 20 at 13 ms; every commit points `git diff --output` at the target.
    const runs: RunRecord[] = Array.from({ length: 40 }, (_, i) => ({
      ...record(`r${i}`, i < 20 ? `--output=${repo.repo}/${'./'.repeat(i)}` : `${'/.'.repeat(i - 20)}/victim.txt`, 'm1', (i < 20 ? 0.01 : 0.013) * (1 + 0.002 * Math.sin(i))),
      timestamp: 1_700_000_000_000 + i * 3_600_000,
    }));
    const analysis = await analyzeHistory({ series: [seriesInfoOf(runs)], load: async () => runs });
    const finding = analysis.findings.find((f) => f.kind === 'regression');
    assert.ok(finding?.lastGood?.commit && finding.firstBad.commit, 'a regression between two commits');
    // What the old `git diff --stat FROM..TO` would have been told: write the stat over the target.
    const range = `${finding.lastGood.commit}..${finding.firstBad.commit}`;
    assert.ok(range.startsWith('--output='));
    assert.equal(resolve(range.slice('--output='.length)), target);
    await assert.rejects(diffStat(new Git(repo.repo), finding.lastGood.commit, finding.firstBad.commit), UnsafeGitArgumentError);
    assert.equal(readFileSync(target, 'utf8'), bytes);
    assert.deepEqual(spy.calls(), []);
  });

  it('refuses every hostile string with a one-line message naming it, and no git starts', async () => {
    for (const hostile of hostileCommits(target)) {
      assert.throws(() => objectName(hostile), (err: Error) => err instanceof UnsafeGitArgumentError && !err.message.includes('\n') && err.message.includes('refused commit'));
      await assert.rejects(diffStat(new Git(repo.repo), hostile, repo.second), UnsafeGitArgumentError, JSON.stringify(hostile));
      await assert.rejects(diffStat(new Git(repo.repo), repo.first, hostile), UnsafeGitArgumentError, JSON.stringify(hostile));
    }
    assert.deepEqual(spy.calls(), []);
    assert.equal(readFileSync(target, 'utf8'), bytes);
  });

  it('still answers for real object names, full or abbreviated, with --end-of-options before them', async () => {
    const stat = await diffStat(new Git(repo.repo), repo.first.slice(0, 7), repo.second);
    assert.ok(stat && stat.some((l) => l.startsWith('a.txt')), String(stat));
    const [call] = spy.calls();
    assert.match(call, /diff --no-ext-diff --no-textconv .* --end-of-options [0-9a-f]{7}\.\.[0-9a-f]{40}$/);
    assert.match(call, /-c core\.fsmonitor=false/);
    assert.match(call, /-c core\.hooksPath=\/dev\/null/);
  });

  it('resolves user revisions only after checking them, and through --end-of-options', async () => {
    const git = new Git(repo.repo);
    for (const hostile of [`--output=${target}`, '-c', 'HEAD; rm', '$(touch x)', 'HEAD\nHEAD', 'main..HEAD', 'HEAD:a.txt', '@{-1}', ' HEAD']) {
      await assert.rejects(resolveCommit(git, hostile), UnsafeGitArgumentError, JSON.stringify(hostile));
    }
    assert.deepEqual(spy.calls(), []);
    assert.equal(await resolveCommit(git, 'HEAD'), repo.second);
    assert.equal(await resolveCommit(git, 'main~1'), repo.first);
    assert.equal(await resolveCommit(git, repo.first.slice(0, 8)), repo.first);
    assert.equal(await resolveCommit(git, 'no-such-branch'), undefined);
    assert.ok(spy.calls().every((c) => / rev-parse --verify --quiet --end-of-options /.test(c)), spy.calls().join('\n'));
    assert.equal(revisionName('v1.2^{commit}'), 'v1.2^{commit}');
  });

  it('compare refuses a hostile revision with a WorktreeError and checks nothing out', async () => {
    await assert.rejects(withWorktree(repo.repo, `--output=${target}`, async () => 'ran'), (err: Error) => err instanceof WorktreeError && /refused revision/.test(err.message));
    assert.ok(spy.calls().every((c) => !/worktree add/.test(c)));
    assert.equal(readFileSync(target, 'utf8'), bytes);
  });

  it('sync ignores record commits that are not object names: they are reported missing, never passed to git', async () => {
    const history = new MemoryHistory([record('r1', `--output=${target}`, 'm1'), record('r2', repo.second, 'm1')]);
    const report = await syncHistory(history, { workspaceDir: repo.repo });
    assert.deepEqual(report.commitMissing, [{ commit: `--output=${target}`, records: 1 }]);
    assert.equal(report.notedRecords, 1);
    assert.ok(spy.calls().every((c) => !c.includes('--output')), spy.calls().join('\n'));
    assert.equal(readFileSync(target, 'utf8'), bytes);
  });
});

describe('git: programs a repository configures do not run', () => {
  let repo: HostileRepo;

  beforeEach(() => {
    repo = makeHostileRepo();
  });
  afterEach(() => repo.dispose());

  it('the fixture is live: plain git runs its fsmonitor hook and its hooks', () => {
    fixtureGit(repo.repo, 'status', '--porcelain');
    assert.ok(existsSync(repo.marker), 'the fsmonitor hook should have run for plain git status');
    rmSync(repo.marker);
    fixtureGit(repo.repo, '-c', 'core.fsmonitor=false', 'update-ref', 'refs/notes/probe', 'HEAD');
    assert.match(readFileSync(repo.marker, 'utf8'), /reference-transaction/);
  });

  it('the fixture is live: plain git status runs the clean filter of a file changed without a change of size', () => {
    writeFileSync(join(repo.repo, 'a.txt'), 'TWO\n');
    fixtureGit(repo.repo, '-c', 'core.fsmonitor=false', 'status', '--porcelain');
    assert.match(readFileSync(repo.marker, 'utf8'), / clean/);
  });

  it('status (vcs facts), diff (diff stat) and log (commit states) run neither the fsmonitor hook nor filters', async () => {
    // Same size as the committed `two\n`: git must hash the file to see the change.
    writeFileSync(join(repo.repo, 'a.txt'), 'TWO\n');
    const info = await vcsInfo(repo.repo);
    assert.deepEqual(info, { commit: repo.second, branch: 'main', dirty: true });
    assert.deepEqual(await diffStat(new Git(repo.repo), repo.first, repo.second), ['a.txt | 2 +-', '1 file changed, 1 insertion(+), 1 deletion(-)']);
    const states = await commitStates(new Git(repo.repo), [repo.first, repo.second]);
    assert.equal(states.get(repo.first), 'reachable');
    assert.ok(!existsSync(repo.marker), `a configured program ran: ${existsSync(repo.marker) ? readFileSync(repo.marker, 'utf8') : ''}`);
  });

  it('the compare worktree and sync (update-ref, fetch, push) run no hooks', async () => {
    const bare = join(repo.root, 'server.git');
    fixtureGit(repo.root, 'init', '--quiet', '--bare', bare);
    fixtureGit(repo.repo, 'remote', 'add', 'origin', bare);
    await withWorktree(repo.repo, 'HEAD~1', async (dir) => assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'one\n'));
    const report = await syncHistory(new MemoryHistory([record('r1', repo.second, 'm1')]), { workspaceDir: repo.repo });
    assert.equal(report.pushed, true);
    assert.ok(!existsSync(repo.marker), `a configured program ran: ${existsSync(repo.marker) ? readFileSync(repo.marker, 'utf8') : ''}`);
  });

  it('ignores variables that point git at another repository (e.g. when run from inside a git hook)', async () => {
    const other = makeHostileRepo();
    const saved = process.env.GIT_DIR;
    process.env.GIT_DIR = join(other.repo, '.git');
    try {
      fixtureGit(other.repo, 'commit', '--quiet', '--allow-empty', '-m', 'third');
      rmSync(other.marker, { force: true });
      assert.equal((await vcsInfo(repo.repo)).commit, repo.second);
    } finally {
      if (saved === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = saved;
      other.dispose();
    }
  });
});
