import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { machineFingerprint } from '../../../src/core/env/machine';
import { vcsInfo } from '../../../src/core/env/vcs';
import { diffStat, Git } from '../../../src/core/git';
import { ProgramRefusedError, setProgramGate } from '../../../src/core/program-gate';
import { runBenchmark, withWorktree } from '../../../src/core/runner';
import { syncHistory } from '../../../src/core/share/sync';
import { MemoryHistory, record } from '../share-fixture';
import { GitSpy, makeHostileRepo, type HostileRepo } from './git-fixture';

describe('program gate (closed by the extension in an untrusted workspace)', () => {
  let repo: HostileRepo;
  let spy: GitSpy;
  let trusted = false;

  beforeEach(() => {
    repo = makeHostileRepo();
    spy = new GitSpy();
    trusted = false;
    setProgramGate(() => (trusted ? undefined : 'the workspace is not trusted'));
  });
  afterEach(() => {
    setProgramGate(undefined);
    spy.dispose();
    repo.dispose();
  });

  it('while closed, no git, no benchmark and no probe starts, and each caller says why or degrades quietly', async () => {
    const git = new Git(repo.repo);
    await assert.rejects(diffStat(git, repo.first, repo.second), (err: Error) => err instanceof ProgramRefusedError && /not trusted/.test(err.message));
    assert.deepEqual(await vcsInfo(repo.repo), {}, 'the report and captures get no vcs facts rather than an error');
    await assert.rejects(withWorktree(repo.repo, 'HEAD', async () => 'ran'), ProgramRefusedError);
    await assert.rejects(syncHistory(new MemoryHistory([record('r1', repo.second, 'm1')]), { workspaceDir: repo.repo }), /not trusted/);
    const ran = join(repo.root, 'benchmark-ran');
    await assert.rejects(runBenchmark({ name: 'touch', command: ['touch', ran] } as never, { cwd: repo.root }), ProgramRefusedError);
    // Runtime versions are not probed (unless an earlier trusted call cached them): it still answers.
    assert.ok((await machineFingerprint()).id);
    assert.deepEqual(spy.calls(), [], 'no git started');
    assert.ok(!existsSync(ran), 'the benchmark did not run');
    assert.ok(!existsSync(repo.marker));
  });

  it('once trust is granted the same calls run git', async () => {
    assert.deepEqual(await vcsInfo(repo.repo), {});
    trusted = true;
    assert.equal((await vcsInfo(repo.repo)).commit, repo.second);
    assert.ok(await diffStat(new Git(repo.repo), repo.first, repo.second));
    assert.ok(spy.calls().length > 0);
  });
});

describe('one module starts git', () => {
  const src = join(__dirname, '..', '..', '..', 'src');
  const files = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.ts$/.test(name) ? [path] : [];
  });

  it('no source file but core/git/run.ts names git as a program to start', () => {
    const offenders = files(src)
      .filter((f) => relative(src, f) !== join('core', 'git', 'run.ts'))
      .filter((f) => /(spawn|spawnSync|execFile|execFileSync|exec|execSync)\(\s*['"`]git['"`]/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map((f) => relative(src, f)), []);
  });

  it('only the runner, the machine probes and the git module import child_process', () => {
    const allowed = new Set(['core/git/run.ts', 'core/env/machine.ts', 'core/runner/launch.ts', 'core/runner/launcher-server.ts', 'core/runner/native-launcher.ts', 'core/runner/proc.ts', 'core/runner/instructions.ts']);
    const importing = files(src).filter((f) => /from ['"](node:)?child_process['"]|require\(['"](node:)?child_process['"]\)/.test(readFileSync(f, 'utf8')));
    const unexpected = importing.map((f) => relative(src, f).split('\\').join('/')).filter((f) => !allowed.has(f));
    assert.deepEqual(unexpected, [], 'a new place that starts programs must pass the program gate (core/program-gate.ts)');
  });
});

