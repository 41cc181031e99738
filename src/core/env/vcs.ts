import { execFile } from 'node:child_process';
import type { VcsInfo } from '../model';

function git(dir: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    try {
      execFile('git', args, { cwd: dir, timeout: 10_000, windowsHide: true, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
        resolve(err ? undefined : stdout);
      });
    } catch {
      resolve(undefined);
    }
  });
}

/**
 * Commit, branch and dirtiness of the git work tree at `dir`. Outside a repository
 * (or without git) every field is undefined; this never throws.
 */
export async function vcsInfo(dir: string): Promise<VcsInfo> {
  const commit = (await git(dir, ['rev-parse', '--verify', '-q', 'HEAD']))?.trim();
  if (!commit) {
    // Either not a repository, or one without commits yet: a branch name may still exist.
    const branch = (await git(dir, ['symbolic-ref', '--short', '-q', 'HEAD']))?.trim();
    return branch ? { branch } : {};
  }
  const [branchOut, status] = await Promise.all([
    git(dir, ['symbolic-ref', '--short', '-q', 'HEAD']),
    // Untracked files are ignored on purpose: a history folder or build output inside
    // the work tree would otherwise mark every run after the first as dirty.
    git(dir, ['status', '--porcelain', '--untracked-files=no']),
  ]);
  const info: VcsInfo = { commit };
  const branch = branchOut?.trim();
  if (branch) info.branch = branch;
  if (status !== undefined) info.dirty = status.trim().length > 0;
  return info;
}
