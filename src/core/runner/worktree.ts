import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { addWorktree, Git, GitError, pruneWorktreesSync, removeWorktreeSync, resolveCommit, UnsafeGitArgumentError, workTreeTop } from '../git';

/** A revision that cannot be checked out, or a folder that is not in a git repository. */
export class WorktreeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorktreeError';
  }
}

/** Worktrees to remove if this process exits before their cleanup ran (e.g. a second Ctrl-C). */
const pending = new Map<string, { repo: string; base: string }>();
let exitHookInstalled = false;

function removeNow(path: string, repo: string, base: string): void {
  const git = new Git(repo);
  // A failure falls through: deleting the folder and pruning has the same effect.
  removeWorktreeSync(git, path);
  rmSync(base, { recursive: true, force: true });
  pruneWorktreesSync(git);
}

/**
 * Checks out `rev` of the repository holding `dir` into a temporary `git worktree`,
 * calls `fn` with the folder inside it that corresponds to `dir`, and removes the
 * worktree afterwards: on success, on error, on cancellation, and (synchronously)
 * if the process exits first.
 */
export async function withWorktree<T>(dir: string, rev: string, fn: (dirInWorktree: string, commit: string) => Promise<T>): Promise<T> {
  const top = await workTreeTop(new Git(dir));
  if (!top) throw new WorktreeError(`${dir} is not inside a git repository, so there is no revision to compare with`);
  const repo = new Git(top, process.env, 120_000);
  let commit: string | undefined;
  try {
    commit = await resolveCommit(repo, rev);
  } catch (err) {
    if (err instanceof UnsafeGitArgumentError) throw new WorktreeError(err.message);
    throw err;
  }
  if (!commit) throw new WorktreeError(`unknown revision "${rev}" in ${top}`);
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
    try {
      await addWorktree(repo, tree, commit);
    } catch (err) {
      if (err instanceof GitError) throw new WorktreeError(`git worktree add ${commit.slice(0, 12)}: ${err.stderr.trim()}`);
      throw err;
    }
    return await fn(resolve(tree, relative(top, realpathSync(resolve(dir)))), commit);
  } finally {
    pending.delete(tree);
    removeNow(tree, top, base);
  }
}
