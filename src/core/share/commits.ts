import { isObjectName, objectName } from '../git';
import { Git, GitError } from './git';

/** How a commit that results were measured on stands in this repository now. */
export type CommitState = 'reachable' | 'unreachable' | 'missing';

/**
 * Full ids of the commits these names (full or abbreviated hashes) denote, in
 * one `cat-file --batch-check`; names that are not commits here map to undefined.
 */
export async function resolveCommits(git: Git, names: Iterable<string>): Promise<Map<string, string | undefined>> {
  const resolved = new Map<string, string | undefined>();
  const asked: string[] = [];
  for (const name of new Set(names)) {
    // Only object names are asked about: anything else in a record is no commit here.
    if (isObjectName(name)) asked.push(name);
    else resolved.set(name, undefined);
  }
  if (asked.length === 0) return resolved;
  const out = await git.run(['cat-file', '--batch-check=%(objectname) %(objecttype)'], {
    input: asked.map((n) => `${n}^{commit}`).join('\n') + '\n',
  });
  if (out.code !== 0) throw new GitError(['cat-file', '--batch-check'], out.code, out.stderr);
  const lines = out.stdout.toString('utf8').split('\n');
  asked.forEach((name, i) => {
    const [id, type] = (lines[i] ?? '').split(' ');
    resolved.set(name, type === 'commit' && isObjectName(id) ? id : undefined);
  });
  return resolved;
}

/** Walk this much further back than the oldest commit asked about, to allow for clock skew between machines. */
const SKEW_SLACK_SECONDS = 30 * 24 * 3600;

/**
 * Which of these commits are reachable from a branch, remote-tracking branch
 * or tag, and which are gone (rebased or force-pushed away, or never fetched).
 * Notes refs don't count: a note alone must not keep a commit "alive".
 */
export async function commitStates(git: Git, commits: Iterable<string>): Promise<Map<string, CommitState>> {
  const states = new Map<string, CommitState>();
  const all = [...new Set(commits)];
  const resolved = await resolveCommits(git, all);
  const present: string[] = [];
  for (const c of all) {
    const full = resolved.get(c);
    if (full) present.push(full);
    states.set(c, full ? 'unreachable' : 'missing');
  }
  if (present.length === 0) return states;
  // Only walk history as far back as the oldest commit in question.
  const dates = await git.text(['log', '--no-walk=unsorted', '--stdin', '--format=%ct'], { input: present.map((c) => objectName(c)).join('\n') + '\n' });
  const oldest = Math.min(...dates.split('\n').map(Number).filter(Number.isFinite));
  const args = ['rev-list', '--exclude=refs/notes/*', '--all'];
  if (Number.isFinite(oldest)) args.push(`--since=${Math.max(0, oldest - SKEW_SLACK_SECONDS)}`);
  const reachable = new Set((await git.maybe(args))?.split('\n') ?? []);
  for (const c of all) {
    const full = resolved.get(c);
    if (full && reachable.has(full)) states.set(c, 'reachable');
  }
  return states;
}
