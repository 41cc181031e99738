import * as fs from 'node:fs';
import type { promises as fsp } from 'node:fs';

/** Whole reads and writes: the OS may move fewer bytes than asked in one call. */

/** Reads up to `buf.length` bytes at `position`; fewer only at the end of the file. */
export function readFully(fd: number, buf: Buffer, position: number): number {
  let done = 0;
  while (done < buf.length) {
    const n = fs.readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Writes all of `bytes` at the file's current position. */
export async function writeAll(handle: fsp.FileHandle, bytes: Buffer): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
    if (bytesWritten <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    done += bytesWritten;
  }
}
