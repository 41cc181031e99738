import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import { randomBytes } from 'node:crypto';

/** Who holds a lock or writes a segment: enough to tell whether that process still lives. */
export interface OwnerStamp {
  pid: number;
  hostname: string;
  started: number;
}

export function ownStamp(): OwnerStamp {
  return { pid: process.pid, hostname: os.hostname(), started: Date.now() };
}

/** Whether the process that wrote `stamp` may still be running. Unknown hosts count as alive. */
export function ownerAlive(stamp: OwnerStamp | undefined, maxForeignAgeMs = 24 * 3600_000): boolean {
  if (!stamp || typeof stamp.pid !== 'number') return false;
  if (stamp.hostname !== os.hostname()) return Date.now() - stamp.started < maxForeignAgeMs;
  if (stamp.pid === process.pid) return true;
  try {
    process.kill(stamp.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readStamp(file: string): Promise<OwnerStamp | undefined> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as OwnerStamp;
  } catch {
    return undefined;
  }
}

/**
 * An exclusive lock between processes: a file holding the owner's pid, created
 * whole (a stamped temporary file hard-linked to the lock's name, which fails when
 * it exists), so nobody ever finds it empty and takes it for abandoned. A lock whose
 * owner died (or that is older than `staleMs`) is broken.
 * Returns a release function, or undefined when someone else holds it.
 */
export async function tryLock(file: string, staleMs = 15 * 60_000): Promise<(() => Promise<void>) | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await createStamped(file);
      return async () => {
        await fsp.rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const stamp = await readStamp(file);
      // Without a readable stamp (a file system without hard links, where the lock is created empty
      // and then written) it may be one whose owner is still writing it: only an old one is abandoned.
      const stale = stamp === undefined ? await olderThan(file, UNSTAMPED_GRACE_MS) : !ownerAlive(stamp) || Date.now() - stamp.started > staleMs;
      if (!stale) return undefined;
      // Break it by renaming first, so two breakers cannot both delete a fresh lock.
      const broken = `${file}.broken-${process.pid}-${Date.now()}`;
      try {
        await fsp.rename(file, broken);
      } catch {
        return undefined;
      }
      const taken = await readStamp(broken);
      if (taken && stamp && (taken.pid !== stamp.pid || taken.started !== stamp.started)) {
        // Another breaker won and a live owner's fresh lock was moved: give it back.
        await fsp.link(broken, file).catch(() => undefined);
        await fsp.rm(broken, { force: true });
        return undefined;
      }
      await fsp.rm(broken, { force: true });
    }
  }
  return undefined;
}

/** How long a lock file may lack its owner's stamp before it counts as abandoned (its creator died before writing it). */
const UNSTAMPED_GRACE_MS = 10_000;

async function olderThan(file: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await fsp.stat(file)).mtimeMs > ms;
  } catch {
    // Gone meanwhile: its owner released it; the next attempt creates it afresh.
    return true;
  }
}

/** Creates `file` holding this process's stamp, atomically; EEXIST when it exists. */
async function createStamped(file: string): Promise<void> {
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await fsp.writeFile(tmp, JSON.stringify(ownStamp()), { flag: 'wx' });
  try {
    await fsp.link(tmp, file);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
  } finally {
    await fsp.rm(tmp, { force: true });
  }
  // No hard links here: create it exclusively, then write the stamp.
  const handle = await fsp.open(file, 'wx');
  try {
    await handle.writeFile(JSON.stringify(ownStamp()));
  } finally {
    await handle.close();
  }
}
