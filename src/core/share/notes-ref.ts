import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { objectName, refName } from '../git';
import { Git, GitError } from './git';

/**
 * Plain-plumbing access to a notes ref: read its tree into a map of
 * commit -> note blob, and write a new notes commit from such a map in a
 * handful of git processes whatever the number of notes (one `hash-object`
 * for all new blobs, one `mktree --batch`, one `commit-tree`, one `update-ref`).
 */

/** Annotated commit id -> blob id of its note. */
export type NotesTree = Map<string, string>;

const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** Above this many notes, write one level of two-hex-digit fan-out, like git does. */
const FANOUT_THRESHOLD = 256;

export async function resolveRef(git: Git, ref: string): Promise<string | undefined> {
  return git.maybe(['rev-parse', '--verify', '--quiet', '--end-of-options', `${refName(ref)}^{commit}`]);
}

/** Where these refs point now, in one git process; absent refs are missing from the map. */
export async function refTips(git: Git, refs: string[]): Promise<Map<string, string>> {
  const out = await git.text(['for-each-ref', '--format=%(objectname) %(refname)', '--end-of-options', ...refs.map((r) => refName(r))]);
  const tips = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [id, ref] = line.split(' ');
    if (refs.includes(ref)) tips.set(ref, id);
  }
  return tips;
}

/** The notes of a notes commit (an empty map for no commit). Fan-out directories are flattened. */
export async function readNotesTree(git: Git, commit: string | undefined): Promise<NotesTree> {
  const notes: NotesTree = new Map();
  if (!commit) return notes;
  const out = await git.run(['ls-tree', '-r', '-z', '--end-of-options', objectName(commit)]);
  if (out.code !== 0) throw new GitError(['ls-tree', '-r', commit], out.code, out.stderr);
  for (const entry of out.stdout.toString('utf8').split('\0')) {
    if (!entry) continue;
    const tab = entry.indexOf('\t');
    const [, type, blob] = entry.slice(0, tab).split(' ');
    const annotated = entry.slice(tab + 1).replace(/\//g, '');
    // A notes tree may hold other files (git allows it); only object-id paths are notes.
    if (type === 'blob' && OBJECT_ID.test(annotated)) notes.set(annotated, blob);
  }
  return notes;
}

/** The contents of many blobs through one `cat-file --batch`. */
export async function readBlobs(git: Git, blobs: Iterable<string>): Promise<Map<string, string>> {
  const wanted = [...new Set(blobs)];
  const texts = new Map<string, string>();
  if (wanted.length === 0) return texts;
  const out = await git.run(['cat-file', '--batch'], { input: wanted.join('\n') + '\n' });
  if (out.code !== 0) throw new GitError(['cat-file', '--batch'], out.code, out.stderr);
  const buf = out.stdout;
  let pos = 0;
  while (pos < buf.length) {
    const eol = buf.indexOf(10, pos);
    if (eol < 0) break;
    const header = buf.toString('utf8', pos, eol).split(' ');
    pos = eol + 1;
    if (header[1] === 'missing' || header.length < 3) throw new Error(`git object ${header[0]} is missing from the repository`);
    const size = Number(header[2]);
    texts.set(header[0], buf.toString('utf8', pos, pos + size));
    pos += size + 1; // content is followed by a newline
  }
  return texts;
}

/** Writes blobs for these texts in one git process; returns their ids in order. */
export async function writeBlobs(git: Git, texts: string[]): Promise<string[]> {
  if (texts.length === 0) return [];
  const dir = await mkdtemp(join(tmpdir(), 'perf-pulse-notes-'));
  try {
    const paths: string[] = [];
    for (let i = 0; i < texts.length; i++) {
      const path = join(dir, String(i));
      await writeFile(path, texts[i]);
      paths.push(path);
    }
    const ids = (await git.text(['hash-object', '-w', '--no-filters', '--stdin-paths'], { input: paths.join('\n') + '\n' })).split('\n');
    if (ids.length !== texts.length) throw new Error(`git hash-object wrote ${ids.length} blobs for ${texts.length} notes`);
    return ids;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Builds the tree of a notes map (flat when small, one fan-out level when large). */
export async function writeNotesTree(git: Git, notes: NotesTree): Promise<string> {
  const sorted = [...notes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (sorted.length <= FANOUT_THRESHOLD) {
    const listing = sorted.map(([commit, blob]) => `100644 blob ${blob}\t${commit}`).join('\n');
    return git.text(['mktree'], { input: listing + (listing ? '\n' : '') });
  }
  const buckets = new Map<string, string[]>();
  for (const [commit, blob] of sorted) {
    const prefix = commit.slice(0, 2);
    let lines = buckets.get(prefix);
    if (!lines) buckets.set(prefix, (lines = []));
    lines.push(`100644 blob ${blob}\t${commit.slice(2)}`);
  }
  const prefixes = [...buckets.keys()];
  // `mktree --batch` reads trees separated by blank lines and prints one id per tree.
  const batch = prefixes.map((p) => buckets.get(p)!.join('\n') + '\n').join('\n');
  const subtrees = (await git.text(['mktree', '--batch'], { input: batch })).split('\n');
  if (subtrees.length !== prefixes.length) throw new Error(`git mktree wrote ${subtrees.length} of ${prefixes.length} fan-out trees`);
  const root = prefixes.map((p, i) => `040000 tree ${subtrees[i]}\t${p}`).join('\n') + '\n';
  return git.text(['mktree'], { input: root });
}

/**
 * A committer identity for notes commits: the user's own when it is configured
 * (or given in GIT_COMMITTER_*), else a neutral one, so that sync works on a fresh
 * CI runner without `user.name`/`user.email`. Never the identity git would guess:
 * that is `login@hostname`, and notes commits are pushed (see shareable.ts).
 */
export async function identityEnv(git: Git): Promise<NodeJS.ProcessEnv> {
  if ((await git.run(['-c', 'user.useConfigOnly=true', 'var', 'GIT_COMMITTER_IDENT'])).code === 0) return {};
  return {
    GIT_AUTHOR_NAME: 'Perf Pulse',
    GIT_AUTHOR_EMAIL: 'perf-pulse@localhost',
    GIT_COMMITTER_NAME: 'Perf Pulse',
    GIT_COMMITTER_EMAIL: 'perf-pulse@localhost',
  };
}

/** Creates a notes commit for `tree` with the given parents (no ref is moved). */
export async function commitNotes(git: Git, tree: string, parents: string[], message: string, env: NodeJS.ProcessEnv): Promise<string> {
  // Never signed: a notes commit must not start GPG (or whatever `gpg.program` names).
  const args = ['commit-tree', '--no-gpg-sign', ...parents.flatMap((p) => ['-p', objectName(p, 'parent commit')]), '-m', message];
  return git.text([...args, '--end-of-options', objectName(tree, 'tree')], { env });
}

/**
 * Moves `ref` from `expected` (undefined: the ref must not exist) to `next`.
 * Returns false when someone else moved the ref meanwhile, so the caller can retry.
 */
export async function compareAndSwapRef(git: Git, ref: string, next: string, expected: string | undefined): Promise<boolean> {
  const old = expected === undefined ? '' : objectName(expected);
  const result = await git.run(['update-ref', '-m', 'perf-pulse sync', '--end-of-options', refName(ref), objectName(next), old]);
  if (result.code === 0) return true;
  const current = await resolveRef(git, ref);
  if (current !== expected) return false;
  throw new GitError(['update-ref', ref], result.code, result.stderr);
}

export async function isAncestor(git: Git, ancestor: string, descendant: string): Promise<boolean> {
  const result = await git.run(['merge-base', '--is-ancestor', '--end-of-options', objectName(ancestor), objectName(descendant)]);
  if (result.code === 0) return true;
  if (result.code === 1) return false;
  throw new GitError(['merge-base', '--is-ancestor', ancestor, descendant], result.code, result.stderr);
}
