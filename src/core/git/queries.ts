import { Git } from './run';
import { objectName, revisionName, type ObjectName } from './names';

/**
 * The git questions Perf Pulse asks outside sharing, each with its arguments validated
 * (`names.ts`) before git starts and revisions after `--end-of-options`.
 */

/** The commit a user's revision (`HEAD`, `main~2`, a hash) names, as a full object name; undefined when there is none. */
export async function resolveCommit(git: Git, rev: string): Promise<ObjectName | undefined> {
  const name = revisionName(rev);
  const out = await git.maybe(['rev-parse', '--verify', '--quiet', '--end-of-options', `${name}^{commit}`]);
  return out ? objectName(out, 'commit printed by git rev-parse') : undefined;
}

/** The top folder of the work tree holding the repository's `cwd`; undefined outside one. */
export async function workTreeTop(git: Git): Promise<string | undefined> {
  return (await git.maybe(['rev-parse', '--show-toplevel'])) || undefined;
}

/** The short name of the branch HEAD is on; undefined when detached or not a repository. */
export async function currentBranch(git: Git): Promise<string | undefined> {
  return (await git.maybe(['symbolic-ref', '--short', '-q', 'HEAD'])) || undefined;
}

/** The `-c` settings that leave a filter driver without programs. */
const FILTER_PROGRAMS = ['clean', 'smudge', 'process'];

/**
 * Settings that switch off the clean/smudge filters the repository's own config defines
 * (`filter.<driver>.clean` and the like in `.git/config` or files it includes): `status`
 * runs a file's clean filter to hash it when its stat data is stale. Filters of the user's
 * global or system config (git-lfs) stay. Undefined when a driver's name is not one `-c`
 * can express, and the caller must not start the command.
 */
async function repositoryFiltersOff(git: Git): Promise<string[] | undefined> {
  const out = await git.run(['config', '--local', '--includes', '--null', '--name-only', '--get-regexp', '^filter\\.']);
  if (out.code !== 0 && out.code !== 1) return undefined; // 1: none set
  const drivers = new Set<string>();
  for (const key of out.stdout.toString('utf8').split('\0')) {
    const driver = /^filter\.([\s\S]+)\.[a-z]+$/i.exec(key)?.[1];
    if (driver === undefined) continue;
    if (!/^[A-Za-z0-9_.-]+$/.test(driver)) return undefined;
    drivers.add(driver);
  }
  return [...drivers].flatMap((d) => [...FILTER_PROGRAMS.flatMap((k) => ['-c', `filter.${d}.${k}=`]), '-c', `filter.${d}.required=false`]);
}

/**
 * Whether tracked files differ from HEAD; undefined when git cannot tell. Untracked
 * files are ignored on purpose: a history folder or build output inside the work tree
 * would otherwise mark every run after the first as dirty. Submodules count by the
 * commit they are at, not by their work trees: looking into those would start git there,
 * under their own config.
 */
export async function hasTrackedChanges(git: Git): Promise<boolean | undefined> {
  const filtersOff = await repositoryFiltersOff(git);
  if (!filtersOff) return undefined;
  const status = await git.run([...filtersOff, 'status', '--porcelain', '--untracked-files=no', '--ignore-submodules=dirty']);
  return status.code === 0 ? status.stdout.toString('utf8').trim().length > 0 : undefined;
}

/**
 * `git diff --stat FROM..TO`, one trimmed line per file plus the summary line; undefined
 * when git cannot tell. Both ends come from history records, so both must be object names:
 * anything else is refused with `UnsafeGitArgumentError` before git starts.
 */
export async function diffStat(git: Git, from: string, to: string, timeoutMs = 5000): Promise<string[] | undefined> {
  const range = `${objectName(from, 'commit')}..${objectName(to, 'commit')}`;
  const out = await git.run(['diff', '--no-ext-diff', '--no-textconv', '--stat=120', '--stat-count=6', '--end-of-options', range], { timeoutMs });
  if (out.code !== 0) return undefined;
  const lines = out.stdout.toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.length ? lines : undefined;
}

/** Checks out `commit` into a new detached worktree at `path`. */
export async function addWorktree(git: Git, path: string, commit: string): Promise<void> {
  await git.text(['worktree', 'add', '--detach', '--end-of-options', path, objectName(commit)]);
}

/** Removes the worktree at `path` and prunes what is left of it, synchronously (it runs in `exit` handlers too). */
export function removeWorktreeSync(git: Git, path: string): void {
  git.runSync(['worktree', 'remove', '--force', '--end-of-options', path]);
}

export function pruneWorktreesSync(git: Git): void {
  git.runSync(['worktree', 'prune']);
}
