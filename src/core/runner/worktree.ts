import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

/** A revision that cannot be checked out, or a folder that is not in a git repository. */
export class WorktreeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorktreeError';
  }
}

/**
 * Options that keep a repository's own config from running programs: no fsmonitor hook,
 * no checkout hooks (a worktree checkout would run post-checkout).
 */
export const SAFE_GIT_CONFIG = ['-c', 'core.fsmonitor=false', '-c', 'core.hooksPath=/dev/null'];

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile('git', [...SAFE_GIT_CONFIG, ...args], { cwd, timeout: 120_000, windowsHide: true, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new WorktreeError(`git ${args.join(' ')}: ${(stderr || err.message).trim()}`));
      else resolvePromise(stdout);
    });
  });
}

/** Worktrees to remove if this process exits before their cleanup ran (e.g. a second Ctrl-C). */
const pending = new Map<string, { repo: string; base: string }>();
let exitHookInstalled = false;

function removeNow(path: string, repo: string, base: string): void {
  try {
    execFileSync('git', [...SAFE_GIT_CONFIG, 'worktree', 'remove', '--force', path], { cwd: repo, stdio: 'ignore', timeout: 30_000 });
  } catch {
    // Fall through: deleting the folder and pruning has the same effect.
  }
  rmSync(base, { recursive: true, force: true });
  try {
    execFileSync('git', [...SAFE_GIT_CONFIG, 'worktree', 'prune'], { cwd: repo, stdio: 'ignore', timeout: 30_000 });
  } catch {
    // Nothing registered any more.
  }
}

/**
 * Checks out `rev` of the repository holding `dir` into a temporary `git worktree`,
 * calls `fn` with the folder inside it that corresponds to `dir`, and removes the
 * worktree afterwards: on success, on error, on cancellation, and (synchronously)
 * if the process exits first.
 */
export async function withWorktree<T>(dir: string, rev: string, fn: (dirInWorktree: string, commit: string) => Promise<T>): Promise<T> {
  const top = (await git(dir, ['rev-parse', '--show-toplevel']).catch(() => {
    throw new WorktreeError(`${dir} is not inside a git repository, so there is no revision to compare with`);
  })).trim();
  const commit = (await git(dir, ['rev-parse', '--verify', '-q', '--end-of-options', `${rev}^{commit}`]).catch(() => {
    throw new WorktreeError(`unknown revision "${rev}" in ${top}`);
  })).trim();
  const base = mkdtempSync(join(tmpdir(), 'perf-pulse-worktree-'));
  const tree = join(base, 'tree');
  pending.set(tree, { repo: top, base });
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const [path, p] of pending) removeNow(path, p.repo, p.base);
    });
  }
  try {
    await git(top, ['worktree', 'add', '--detach', '--', tree, commit]);
    return await fn(resolve(tree, relative(top, realpathSync(resolve(dir)))), commit);
  } finally {
    pending.delete(tree);
    removeNow(tree, top, base);
  }
}
