import * as path from 'node:path';
import type { RunRecord } from '../model';
import { commitStates, resolveCommits, type CommitState } from './commits';
import { objectName, remoteName } from '../git';
import { Git, GitError } from './git';
import { mergeNoteLines, recordLine, type NoteProblem } from './note-format';
import { shareableRecord, type SharePolicy } from './shareable';
import {
  commitNotes,
  compareAndSwapRef,
  identityEnv,
  isAncestor,
  readBlobs,
  readNotesTree,
  refTips,
  writeBlobs,
  writeNotesTree,
  type NotesTree,
} from './notes-ref';

/**
 * Sharing history through git notes. Each commit that was measured carries one
 * note under `refs/notes/perf-pulse` whose lines are that commit's records (see
 * note-format.ts), so results travel with the repository and need no server.
 *
 * A sync: fetch the remote's notes into a scratch ref; union them with the
 * local notes and with local records not yet noted; move the local notes ref
 * (compare-and-swap); add every noted record to the local history (appendNew
 * skips ids it has); push. A push rejected because another machine pushed
 * first starts over from the fetch, a bounded number of times with jitter.
 * Merges are unions by record id, so nothing anyone pushed is ever overwritten.
 */

export const NOTES_REF = 'refs/notes/perf-pulse';
/** Where the remote's notes are fetched to before merging; overwritten on every sync. */
export const REMOTE_NOTES_REF = 'refs/notes/perf-pulse-remote';

/** The part of the history store that sync needs. */
export interface SyncHistory {
  allRecords(): AsyncIterable<RunRecord>;
  /** Adds the records whose ids are not stored yet; returns how many were added. */
  appendNew(records: RunRecord[]): Promise<number>;
}

export interface SyncOptions {
  /** Any directory inside the git work tree (or a bare repository). */
  workspaceDir: string;
  /** Remote to share with; default: the current branch's upstream remote, else `origin`, else the only remote. */
  remote?: string;
  /** Push local results back (default true). */
  push?: boolean;
  /** Also share runs made on a dirty work tree (default false: shared history measures committed code). */
  includeDirty?: boolean;
  /** Put the machine's hostname in the notes too (default false: machines are known by their fingerprint). */
  includeHostname?: boolean;
  /** Fetch-merge-push rounds before giving up when other machines keep pushing (default 6). */
  maxAttempts?: number;
  signal?: AbortSignal;
  /** Environment for git (credentials helpers, SSH settings); defaults to this process's. */
  env?: NodeJS.ProcessEnv;
  /** Progress lines for a log or output channel. */
  log?: (line: string) => void;
}

/** Results noted on a commit that is no longer on any branch or tag, or not in this clone at all. */
export interface DetachedResults {
  commit: string;
  state: Exclude<CommitState, 'reachable'>;
  records: number;
}

export interface SyncReport {
  /** The remote used; undefined when the repository has none (local notes only). */
  remote?: string;
  /** Whether the remote had any Perf Pulse notes. */
  remoteHadNotes: boolean;
  /** Local records written into notes by this sync. */
  noted: number;
  /** Records from notes (other machines') added to the local history. */
  imported: number;
  /** Whether the remote notes ref was updated. */
  pushed: boolean;
  /** Fetch-merge-push rounds used. */
  attempts: number;
  /** Commits with notes and records in the merged notes. */
  notedCommits: number;
  notedRecords: number;
  /** Notes whose commits were rebased/force-pushed away or never fetched: kept, and reported. */
  detached: DetachedResults[];
  /** Local records that cannot be noted because their commit is not in this repository. */
  commitMissing: { commit: string; records: number }[];
  /** Local records without a commit (not in a repository when measured): kept locally, not shared. */
  withoutCommit: number;
  /** Local runs on a dirty work tree, not shared (see `includeDirty`). */
  dirtySkipped: number;
  /** Lines of notes that are not records this version can read; kept in the notes untouched. */
  problems: NoteProblem[];
}

/** A sync failure a user must read (not a repository, unknown remote, push refused for a reason other than a race). */
export class ShareError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShareError';
  }
}

/** Fetches the remote's notes into the scratch ref; false when the remote has none. */
async function fetchRemoteNotes(git: Git, remote: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<boolean> {
  const args = ['fetch', '--quiet', '--no-tags', '--no-recurse-submodules', '--end-of-options', remoteName(remote), `+${NOTES_REF}:${REMOTE_NOTES_REF}`];
  const result = await git.run(args, { env, signal });
  if (result.code === 0) return true;
  if (/couldn't find remote ref/i.test(result.stderr)) return false;
  throw new ShareError(`cannot fetch notes from remote '${remote}': ${result.stderr.trim() || `git fetch exited ${result.code}`}`);
}

type PushOutcome = 'pushed' | 'rejected';

async function pushNotes(git: Git, remote: string, tip: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<PushOutcome> {
  // Push the exact commit we merged, never `+`: a non-fast-forward means someone else pushed, and we merge again.
  const result = await git.run(['push', '--porcelain', '--quiet', '--no-verify', '--end-of-options', remoteName(remote), `${objectName(tip)}:${NOTES_REF}`], { env, signal });
  if (result.code === 0) return 'pushed';
  const said = result.stdout.toString('utf8') + result.stderr;
  if (/\[rejected\]|non-fast-forward|fetch first|stale info|failed to update ref|cannot lock ref|incorrect old value/i.test(said)) return 'rejected';
  throw new ShareError(`cannot push notes to remote '${remote}': ${result.stderr.trim() || said.trim() || `git push exited ${result.code}`}`);
}

/** What sync needs to know about a repository, gathered in two git processes. */
export interface RepositoryFacts {
  git: Git;
  remotes: string[];
  /** Remote of the current branch's upstream, if configured. */
  upstream?: string;
}

/** Finds the repository that holds `dir`; throws a ShareError naming the folder when there is none. */
export async function openRepository(dir: string, env?: NodeJS.ProcessEnv): Promise<RepositoryFacts> {
  const git = new Git(dir, env);
  let result;
  try {
    // Exit 0: on a branch; 1: detached HEAD; 128: not a repository (bare repositories answer too).
    result = await git.run(['symbolic-ref', '--quiet', 'HEAD']);
  } catch (err) {
    throw new ShareError((err as Error).message);
  }
  if (result.code !== 0 && result.code !== 1) throw new ShareError(`${dir} is not inside a git repository, so there is nothing to share results through`);
  const head = result.stdout.toString('utf8').trim();
  const config = (await git.maybe(['config', '--get-regexp', '^(remote\\..*\\.url|branch\\..*\\.remote)$'])) ?? '';
  const remotes: string[] = [];
  const branchRemote = new Map<string, string>();
  for (const line of config.split('\n')) {
    const space = line.indexOf(' ');
    const key = line.slice(0, space);
    const value = line.slice(space + 1);
    if (key.startsWith('remote.') && key.endsWith('.url')) remotes.push(key.slice('remote.'.length, -'.url'.length));
    else if (key.startsWith('branch.') && key.endsWith('.remote')) branchRemote.set(key.slice('branch.'.length, -'.remote'.length), value);
  }
  const branch = head.startsWith('refs/heads/') ? head.slice('refs/heads/'.length) : undefined;
  return { git, remotes, upstream: branch ? branchRemote.get(branch) : undefined };
}

/** The remote to share with, or undefined when the repository has none. */
export function chooseRemote(repo: RepositoryFacts, wanted?: string): string | undefined {
  const { remotes, upstream } = repo;
  if (wanted !== undefined) {
    if (!remotes.includes(wanted)) {
      throw new ShareError(`no git remote named '${wanted}'${remotes.length ? ` (remotes: ${remotes.join(', ')})` : ' (this repository has no remotes)'}`);
    }
    return wanted;
  }
  if (remotes.length === 0) return undefined;
  if (upstream && remotes.includes(upstream)) return upstream;
  if (remotes.includes('origin')) return 'origin';
  if (remotes.length === 1) return remotes[0];
  throw new ShareError(`this repository has several remotes (${remotes.join(', ')}) and none is 'origin' or the branch's upstream; choose one with --remote`);
}

/** Local records grouped by the full commit id they can be noted on, and the ones that cannot. */
interface LocalCandidates {
  /** In their shareable form (see shareable.ts): what the notes may hold. */
  byCommit: Map<string, RunRecord[]>;
  commitMissing: Map<string, number>;
  withoutCommit: number;
  dirtySkipped: number;
  /** Ids the local history holds: only other records need importing. */
  stored: Set<string>;
}

async function localCandidates(git: Git, history: SyncHistory, noted: Set<string>, includeDirty: boolean, policy: SharePolicy): Promise<LocalCandidates> {
  const pending: RunRecord[] = [];
  let withoutCommit = 0;
  let dirtySkipped = 0;
  const stored = new Set<string>();
  for await (const record of history.allRecords()) {
    stored.add(record.id);
    if (noted.has(record.id)) continue;
    if (!record.vcs?.commit) withoutCommit++;
    else if (record.vcs.dirty && !includeDirty) dirtySkipped++;
    else pending.push(record);
  }
  const resolved = await resolveCommits(git, pending.map((r) => r.vcs.commit!));
  const byCommit = new Map<string, RunRecord[]>();
  const commitMissing = new Map<string, number>();
  for (const record of pending) {
    const full = resolved.get(record.vcs.commit!);
    if (!full) {
      commitMissing.set(record.vcs.commit!, (commitMissing.get(record.vcs.commit!) ?? 0) + 1);
      continue;
    }
    let list = byCommit.get(full);
    if (!list) byCommit.set(full, (list = []));
    list.push(shareableRecord(record, policy));
  }
  return { byCommit, commitMissing, withoutCommit, dirtySkipped, stored };
}

/** The union of two notes trees and local additions, written as git objects where new. */
interface MergedNotes {
  tree: NotesTree;
  /** Records per annotated commit, as merged. */
  records: Map<string, RunRecord[]>;
  problems: NoteProblem[];
  noted: number;
}

async function mergeNotes(
  git: Git,
  local: NotesTree,
  remote: NotesTree,
  additions: Map<string, RunRecord[]>,
  texts: Map<string, string>,
): Promise<MergedNotes> {
  const commits = new Set([...local.keys(), ...remote.keys(), ...additions.keys()]);
  const tree: NotesTree = new Map();
  const records = new Map<string, RunRecord[]>();
  const problems: NoteProblem[] = [];
  const toWrite: { commit: string; text: string }[] = [];
  let noted = 0;
  for (const commit of commits) {
    const localBlob = local.get(commit);
    const remoteBlob = remote.get(commit);
    const added = additions.get(commit) ?? [];
    const lines: string[] = [];
    if (localBlob) lines.push(...texts.get(localBlob)!.split('\n'));
    if (remoteBlob && remoteBlob !== localBlob) lines.push(...texts.get(remoteBlob)!.split('\n'));
    lines.push(...added.map(recordLine));
    const merged = mergeNoteLines(lines, commit);
    records.set(commit, merged.records);
    problems.push(...merged.problems);
    noted += added.length;
    // Reuse an existing blob when the merged note is byte-identical: unchanged notes cost nothing.
    if (localBlob && texts.get(localBlob) === merged.text) tree.set(commit, localBlob);
    else if (remoteBlob && texts.get(remoteBlob) === merged.text) tree.set(commit, remoteBlob);
    else toWrite.push({ commit, text: merged.text });
  }
  const blobs = await writeBlobs(git, toWrite.map((w) => w.text));
  toWrite.forEach((w, i) => tree.set(w.commit, blobs[i]));
  return { tree, records, problems, noted };
}

function sameTree(a: NotesTree, b: NotesTree): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** Parents for the merged notes commit: only the tips that the other does not already contain. */
async function parentsOf(git: Git, localTip: string | undefined, remoteTip: string | undefined): Promise<string[]> {
  if (!localTip || !remoteTip) return [localTip ?? remoteTip].filter((t): t is string => !!t);
  if (localTip === remoteTip || (await isAncestor(git, remoteTip, localTip))) return [localTip];
  if (await isAncestor(git, localTip, remoteTip)) return [remoteTip];
  return [localTip, remoteTip];
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/**
 * Shares the local history through git notes with a remote (see the top of
 * this file). Works without a remote too: local results are then noted
 * locally, ready for the first push, and the report says `remote: undefined`.
 */
export async function syncHistory(history: SyncHistory, options: SyncOptions): Promise<SyncReport> {
  const log = options.log ?? (() => undefined);
  const repo = await openRepository(options.workspaceDir, options.env);
  const git = repo.git;
  const remote = chooseRemote(repo, options.remote);
  try {
    if (remote !== undefined) remoteName(remote);
  } catch (err) {
    throw new ShareError((err as Error).message);
  }
  let env: NodeJS.ProcessEnv | undefined;
  const push = options.push !== false && remote !== undefined;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 6);
  const policy: SharePolicy = { includeHostname: options.includeHostname === true, workspaceDir: path.resolve(options.workspaceDir) };
  const imported = new Set<string>();
  let importedCount = 0;
  let noted = 0;

  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw new ShareError('sync interrupted');
    const remoteHasNotes = remote ? await fetchRemoteNotes(git, remote, options.env ?? {}, options.signal) : false;
    const tips = await refTips(git, [NOTES_REF, REMOTE_NOTES_REF]);
    const localTip = tips.get(NOTES_REF);
    // Without remote notes, a scratch ref left by an earlier sync must not pass for them.
    const remoteTip = remoteHasNotes ? tips.get(REMOTE_NOTES_REF) : undefined;
    const localTree = await readNotesTree(git, localTip);
    const remoteTree = !remoteTip ? new Map<string, string>() : remoteTip === localTip ? localTree : await readNotesTree(git, remoteTip);

    // Which record ids are noted already, on either side: only the others are candidates to add.
    const texts = await readBlobs(git, [...localTree.values(), ...remoteTree.values()]);
    const before = await mergeNotes(git, localTree, remoteTree, new Map(), texts);
    const notedIds = new Set<string>();
    for (const list of before.records.values()) for (const r of list) notedIds.add(r.id);
    const candidates = await localCandidates(git, history, notedIds, options.includeDirty === true, policy);
    const merged = candidates.byCommit.size ? await mergeNotes(git, localTree, remoteTree, candidates.byCommit, texts) : before;

    let tip = localTip;
    if (!sameTree(merged.tree, localTree) || (remoteTip && remoteTip !== localTip)) {
      const parents = await parentsOf(git, localTip, remoteTip);
      if (parents.length === 1 && parents[0] === remoteTip && sameTree(merged.tree, remoteTree)) {
        tip = remoteTip; // fast-forward to what the remote has
      } else if (parents.length === 1 && parents[0] === localTip && sameTree(merged.tree, localTree)) {
        tip = localTip; // the remote has nothing we lack
      } else {
        const treeId = await writeNotesTree(git, merged.tree);
        const message = `perf-pulse: ${merged.noted} local record(s) noted${parents.length > 1 ? `, merged ${remote}` : ''}`;
        env ??= await identityEnv(git);
        tip = await commitNotes(git, treeId, parents, message, env);
      }
      if (tip !== localTip && !(await compareAndSwapRef(git, NOTES_REF, tip!, localTip))) {
        log(`notes ref moved by another process; merging again (attempt ${attempt})`);
        if (attempt >= maxAttempts) throw new ShareError(`the local notes ref kept changing during ${maxAttempts} attempts; try again`);
        continue;
      }
    }
    noted += merged.noted;

    // Everything noted belongs in the local history too. Only ids the history lacked are offered,
    // and appendNew still skips any that another process added meanwhile.
    const fresh: RunRecord[] = [];
    for (const list of merged.records.values()) {
      for (const r of list) {
        if (candidates.stored.has(r.id) || imported.has(r.id)) continue;
        imported.add(r.id);
        fresh.push(r);
      }
    }
    if (fresh.length) importedCount += await history.appendNew(fresh);

    let pushed = false;
    if (push && tip && tip !== remoteTip) {
      const outcome = await pushNotes(git, remote!, tip, options.env ?? {}, options.signal);
      if (outcome === 'rejected') {
        if (attempt >= maxAttempts) throw new ShareError(`remote '${remote}' kept receiving other pushes; gave up after ${maxAttempts} attempts (local results are noted locally; run sync again)`);
        // Another machine pushed first: back off a random while so that racing machines don't collide again.
        const delay = Math.round(Math.random() * 150 * 2 ** Math.min(attempt, 5));
        log(`push rejected (another machine pushed first); merging again in ${delay} ms`);
        await sleep(delay, options.signal);
        continue;
      }
      pushed = true;
    }

    const counts = new Map<string, number>();
    for (const [commit, list] of merged.records) if (list.length) counts.set(commit, list.length);
    const states = await commitStates(git, counts.keys());
    const detached: DetachedResults[] = [];
    for (const [commit, state] of states) if (state !== 'reachable') detached.push({ commit, state, records: counts.get(commit)! });
    detached.sort((a, b) => (a.commit < b.commit ? -1 : 1));

    return {
      remote,
      remoteHadNotes: remoteTip !== undefined,
      noted,
      imported: importedCount,
      pushed,
      attempts: attempt,
      notedCommits: counts.size,
      notedRecords: [...counts.values()].reduce((a, b) => a + b, 0),
      detached,
      commitMissing: [...candidates.commitMissing].map(([commit, records]) => ({ commit, records })),
      withoutCommit: candidates.withoutCommit,
      dirtySkipped: candidates.dirtySkipped,
      problems: merged.problems,
    };
  }
}

export { GitError };
