// Repositories and a counting `git` for the git-safety tests.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const FIXTURE_ENV = {
  GIT_AUTHOR_NAME: 'Fixture',
  GIT_AUTHOR_EMAIL: 'fixture@example.invalid',
  GIT_COMMITTER_NAME: 'Fixture',
  GIT_COMMITTER_EMAIL: 'fixture@example.invalid',
  LC_ALL: 'C',
};

/** Git for setting fixtures up (not the code under test). */
export function fixtureGit(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...FIXTURE_ENV } }).trim();
}

const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();

/**
 * Puts a `git` first on PATH that logs each invocation's arguments to a file and then runs
 * the real git, so a test can tell whether (and how) the code under test started git.
 */
export class GitSpy {
  readonly dir = mkdtempSync(join(tmpdir(), 'perf-pulse-git-spy-'));
  readonly logFile = join(this.dir, 'calls.log');
  private savedPath = process.env.PATH;

  constructor() {
    const script = join(this.dir, 'git');
    writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${this.logFile}'\nexec '${realGit}' "$@"\n`);
    chmodSync(script, 0o755);
    process.env.PATH = `${this.dir}${delimiter}${this.savedPath ?? ''}`;
  }

  /** The argument lines of every git started since the spy was installed (or last reset). */
  calls(): string[] {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8').split('\n').filter(Boolean) : [];
  }

  reset(): void {
    rmSync(this.logFile, { force: true });
  }

  dispose(): void {
    process.env.PATH = this.savedPath;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A repository with two commits whose config and hooks run a script that creates `marker` when git starts them. */
export interface HostileRepo {
  root: string;
  repo: string;
  marker: string;
  first: string;
  second: string;
  dispose(): void;
}

export function makeHostileRepo(): HostileRepo {
  const root = mkdtempSync(join(tmpdir(), 'perf-pulse-hostile-'));
  const repo = join(root, 'repo');
  mkdirSync(repo);
  const marker = join(root, 'hook-ran');
  const hook = join(root, 'hook.sh');
  // Appends the hook's name so a failing test says which program ran.
  writeFileSync(hook, `#!/bin/sh\necho "$0 $*" >> '${marker}'\nexit 0\n`);
  chmodSync(hook, 0o755);
  fixtureGit(root, 'init', '--quiet', '--initial-branch=main', repo);
  writeFileSync(join(repo, 'a.txt'), 'one\n');
  fixtureGit(repo, 'add', 'a.txt');
  fixtureGit(repo, 'commit', '--quiet', '-m', 'first');
  const first = fixtureGit(repo, 'rev-parse', 'HEAD');
  writeFileSync(join(repo, 'a.txt'), 'two\n');
  fixtureGit(repo, 'commit', '--quiet', '-am', 'second');
  const second = fixtureGit(repo, 'rev-parse', 'HEAD');
  // Set up after the fixture's own commits: from here on, any git that honours them creates the marker.
  fixtureGit(repo, 'config', 'core.fsmonitor', hook);
  // A clean filter on every file: git runs it to hash a file whose stat data is stale.
  writeFileSync(join(repo, '.git', 'info', 'attributes'), '* filter=evil\n');
  fixtureGit(repo, 'config', 'filter.evil.clean', `'${hook}' clean; cat`);
  const hooks = join(repo, '.git', 'hooks');
  for (const name of ['post-checkout', 'reference-transaction', 'pre-push', 'post-index-change']) {
    writeFileSync(join(hooks, name), `#!/bin/sh\nexec '${hook}' ${name}\n`);
    chmodSync(join(hooks, name), 0o755);
  }
  return { root, repo, marker, first, second, dispose: () => rmSync(root, { recursive: true, force: true }) };
}
