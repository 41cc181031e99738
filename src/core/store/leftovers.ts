import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { ownerAlive, readStamp } from './locks';

/**
 * Files a killed or failing process leaves in the history folder: temporary files of
 * atomic writes (`index.bin.<pid>-<random>.tmp`, `store.json.<pid>-….tmp`, …) and
 * writer markers (`writers/<segment>.json`) of processes that are gone. Both are
 * harmless but pile up; they are removed when the store is opened.
 */

/** How old an unreadable marker or a temporary file of an unknown process must be before it counts as abandoned. */
const ABANDONED_AFTER_MS = 60_000;
/** A temporary file this old is abandoned whoever wrote it (a pid may be reused, or belong to another host). */
const TMP_MAX_AGE_MS = 3600_000;

export interface Leftover {
  file: string;
  /** Why it is known to be abandoned. */
  reason: string;
}

/** Temporary files in the history folder itself whose writer is gone. */
async function abandonedTempFiles(dir: string, now: number): Promise<Leftover[]> {
  const out: Leftover[] = [];
  for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
    const m = /^(.+)\.(\d+)-[a-z0-9]*\.tmp$/.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    const stat = await fsp.stat(file).catch(() => undefined);
    if (!stat?.isFile()) continue;
    const pid = Number(m[2]);
    const age = now - stat.mtimeMs;
    if (pid === process.pid) continue;
    // The name holds the writer's pid but not its host: a folder shared between machines relies on the age rule.
    if (!pidAlive(pid)) out.push({ file, reason: `temporary file of an interrupted write of ${m[1]} by process ${pid}, which is no longer running` });
    else if (age > TMP_MAX_AGE_MS) out.push({ file, reason: `temporary file of a write of ${m[1]} abandoned ${Math.round(age / 60_000)} minutes ago` });
  }
  return out;
}

/** Writer markers whose process is gone (or that are unreadable and not fresh). */
async function deadWriterMarkers(writersDir: string, now: number): Promise<Leftover[]> {
  const out: Leftover[] = [];
  for (const name of await fsp.readdir(writersDir).catch(() => [] as string[])) {
    if (!name.endsWith('.json')) continue;
    const file = path.join(writersDir, name);
    const stamp = await readStamp(file);
    if (stamp && typeof stamp.pid === 'number') {
      if (!ownerAlive(stamp)) out.push({ file, reason: `writer marker of process ${stamp.pid} on ${stamp.hostname}, which is no longer running` });
      continue;
    }
    // A marker being created right now is empty for an instant: only an old one is abandoned.
    const stat = await fsp.stat(file).catch(() => undefined);
    if (stat && now - stat.mtimeMs > ABANDONED_AFTER_MS) out.push({ file, reason: 'unreadable writer marker (its process was killed while creating it)' });
  }
  return out;
}

/** Copies of a broken lock (`compact.lock.broken-<pid>-<time>`) whose breaker died before removing them. */
async function brokenLockCopies(dir: string): Promise<Leftover[]> {
  const out: Leftover[] = [];
  for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
    const m = /^.+\.lock\.broken-(\d+)-\d+$/.exec(name);
    if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) out.push({ file: path.join(dir, name), reason: `copy of a broken lock left by process ${m[1]}, which is no longer running` });
  }
  return out;
}

/** The leftovers of dead processes in a history folder. */
export async function findLeftovers(dir: string, writersDir: string, now = Date.now()): Promise<Leftover[]> {
  return [...(await abandonedTempFiles(dir, now)), ...(await brokenLockCopies(dir)), ...(await deadWriterMarkers(writersDir, now))];
}

/**
 * A lock file whose holder is gone. It is not removed here (the next taker breaks it safely, see
 * locks.ts: removing it outside that protocol could remove a lock just taken); verify reports it.
 */
export async function staleLock(file: string): Promise<string | undefined> {
  const stamp = await readStamp(file);
  if (stamp === undefined) {
    const stat = await fsp.stat(file).catch(() => undefined);
    return stat ? `${path.basename(file)}: unreadable lock file; the next compaction breaks it` : undefined;
  }
  return ownerAlive(stamp) ? undefined : `${path.basename(file)}: held by process ${stamp.pid} on ${stamp.hostname}, which is no longer running; the next compaction breaks it`;
}

/** Removes the leftovers of dead processes; returns what was removed. Failing to remove one is not an error. */
export async function removeLeftovers(dir: string, writersDir: string, now = Date.now()): Promise<Leftover[]> {
  const removed: Leftover[] = [];
  for (const leftover of await findLeftovers(dir, writersDir, now)) {
    try {
      await fsp.rm(leftover.file);
      removed.push(leftover);
    } catch {
      // Gone already (another process cleaned up) or not ours to remove (read-only): leave it.
    }
  }
  return removed;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function describeLeftover(l: Leftover, dir: string): string {
  return `${path.relative(dir, l.file)}: ${l.reason}`;
}
