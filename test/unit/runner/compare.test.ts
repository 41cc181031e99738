import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command as compare } from '../../../src/cli/commands/compare';
import { CliError, type CliIO } from '../../../src/cli/cli-types';
import { withWorktree, WorktreeError } from '../../../src/core/runner';

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
}

async function cli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, env: process.env, signal: new AbortController().signal };
  // As the dispatcher in src/cli/main.ts does: a CliError is a message and an exit code.
  assert.equal(argv[0], 'compare');
  try {
    return { code: await compare.run(argv.slice(1), io), stdout, stderr };
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    return { code: err.exitCode, stdout, stderr: stderr + err.message };
  }
}

function worktreeLeftovers(): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith('perf-pulse-worktree-'));
}

/** A repository with two commits: the first has a fast work.sh, the second a slow one. */
function makeRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pp-compare-'));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 't@example.com');
  git(dir, 'config', 'user.name', 'T');
  mkdirBench(dir, 'sleep 0.01');
  writeFileSync(join(dir, 'perfpulse.json'), JSON.stringify({ benchmarks: [{ name: 'work', command: './work.sh', cwd: 'bench', warmup: 1 }] }));
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'fast');
  mkdirBench(dir, 'sleep 0.4');
  git(dir, 'commit', '-q', '-am', 'slow');
  return dir;
}

function mkdirBench(dir: string, body: string): void {
  const bench = join(dir, 'bench');
  if (!existsSync(bench)) execFileSync('mkdir', [bench]);
  writeFileSync(join(bench, 'work.sh'), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bench, 'work.sh'), 0o755);
}

describe('perf-pulse compare', function () {
  this.timeout(60_000);
  let repo: string | undefined;
  afterEach(() => {
    if (repo) rmSync(repo, { recursive: true, force: true });
    repo = undefined;
  });

  it('compares two commands run interleaved and reports B slower than A', async () => {
    const r = await cli(['compare', '--a', 'sleep 0.01', '--b', 'sleep 0.4', '--runs', '6', '--json'], tmpdir());
    assert.equal(r.code, 0, r.stderr);
    const [c] = JSON.parse(r.stdout).comparisons;
    assert.equal(c.verdict, 'slower', `${c.message}; A ${c.a.samples}; B ${c.b.samples}`);
    assert.ok(c.ratio > 1.5, `ratio ${c.ratio}`);
    assert.equal(c.a.samples.length, 6);
    assert.equal(c.b.samples.length, 6);
    assert.ok(Math.min(...c.b.samples) >= 0.4);
    assert.ok(c.ratioCi[0] > 1 && c.ratioCi[1] >= c.ratio);
  });

  it('compares the working tree with a revision in a temporary worktree and removes it afterwards', async () => {
    repo = makeRepo();
    // A temporary folder of its own: other processes (a check --base in another job) may make and
    // remove worktrees in the shared one meanwhile.
    const ownTmp = mkdtempSync(join(tmpdir(), 'pp-compare-tmp-'));
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = ownTmp;
    const before = worktreeLeftovers();
    const r = await cli(['compare', '--rev', 'HEAD~1', '--workspace', repo, '--runs', '6', '--json'], repo).finally(() => {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    });
    assert.equal(r.code, 0, r.stderr);
    const [c] = JSON.parse(r.stdout).comparisons;
    assert.equal(c.name, 'work');
    assert.match(c.a.label, /^HEAD~1 \([0-9a-f]{12}\)$/);
    assert.equal(c.b.label, 'working tree');
    assert.equal(c.verdict, 'slower', `the working tree (sleep 0.4) is slower than HEAD~1 (sleep 0.01): ${c.message}`);
    assert.ok(c.a.median < 0.3 && c.b.median >= 0.4, `A ${c.a.median}, B ${c.b.median}`);
    assert.equal(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1, 'only the main worktree is left');
    assert.deepEqual(readdirSync(ownTmp).filter((n) => n.startsWith('perf-pulse-worktree-')), before, 'the temporary folder is gone');
    rmSync(ownTmp, { recursive: true, force: true });
  });

  it('removes the worktree when the work inside fails, and names bad revisions', async () => {
    repo = makeRepo();
    let seen = '';
    await assert.rejects(
      withWorktree(repo, 'HEAD~1', async (dir) => {
        seen = dir;
        assert.ok(existsSync(join(dir, 'bench/work.sh')));
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(existsSync(seen), false);
    assert.equal(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
    await assert.rejects(withWorktree(repo, 'no-such-rev', async () => 1), (e: Error) => e instanceof WorktreeError && /unknown revision "no-such-rev"/.test(e.message));
    const r = await cli(['compare', '--rev', 'nope', '--workspace', repo], repo);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown revision "nope"/);
  });

  it('rejects incomplete or mixed options with the usage', async () => {
    const onlyA = await cli(['compare', '--a', 'true'], tmpdir());
    assert.equal(onlyA.code, 2);
    assert.match(onlyA.stderr, /give both --a and --b, or --rev/);
    const mixed = await cli(['compare', '--a', 'true', '--b', 'true', '--rev', 'HEAD'], tmpdir());
    assert.match(mixed.stderr, /either --a\/--b or --rev/);
    const runs = await cli(['compare', '--a', 'true', '--b', 'true', '--runs', '0'], tmpdir());
    assert.match(runs.stderr, /--runs must be a whole number/);
  });
});
