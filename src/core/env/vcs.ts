import type { VcsInfo } from '../model';
import { currentBranch, Git, hasTrackedChanges, resolveCommit } from '../git';

/**
 * Commit, branch and dirtiness of the git work tree at `dir`. Outside a repository,
 * without git, or where no program may run (an untrusted workspace) every field is
 * undefined; this never throws.
 */
export async function vcsInfo(dir: string): Promise<VcsInfo> {
  const git = new Git(dir, process.env, 10_000);
  try {
    const commit = await resolveCommit(git, 'HEAD');
    if (!commit) {
      // Either not a repository, or one without commits yet: a branch name may still exist.
      const branch = await currentBranch(git);
      return branch ? { branch } : {};
    }
    const [branch, dirty] = await Promise.all([currentBranch(git), hasTrackedChanges(git)]);
    const info: VcsInfo = { commit };
    if (branch) info.branch = branch;
    if (dirty !== undefined) info.dirty = dirty;
    return info;
  } catch {
    return {};
  }
}
