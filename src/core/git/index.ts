export { Git, GitError, SAFE_CONFIG, gitEnvironment, type GitOptions, type GitResult } from './run';
export { isObjectName, objectName, refName, remoteName, revisionName, UnsafeGitArgumentError, type ObjectName } from './names';
export { addWorktree, currentBranch, diffStat, hasTrackedChanges, pruneWorktreesSync, removeWorktreeSync, resolveCommit, workTreeTop } from './queries';
