import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { scanFrames, type FrameVisitor } from './framing';
import { CommitGate } from './append-commit';

const CHUNK = 8 << 20;

/**
 * What a segment's name says about how to read it:
 * - `committed`: `<time>-<writer>.v2.seg`, written since store format 2; every append ends with a
 *   commit marker and lines after the last marker are an unfinished append, never shown;
 * - `compacted`: `c-<time>-<writer>.seg`, complete when it appears (renamed into place), every line counts;
 * - `legacy`: `<time>-<writer>.seg` from store format 1, without markers: every complete line counts.
 */
export type SegmentKind = 'committed' | 'compacted' | 'legacy';

const COMMITTED_SUFFIX = '.v2.seg';

export function segmentKind(name: string): SegmentKind {
  if (name.startsWith('c-')) return 'compacted';
  return name.endsWith(COMMITTED_SUFFIX) ? 'committed' : 'legacy';
}

/** The name of a new appended segment (writer ids hold no dots, so the suffix is unambiguous). */
export function appendedSegmentName(createdAt: number, writerId: string): string {
  return `${createdAt.toString(36).padStart(9, '0')}-${writerId}${COMMITTED_SUFFIX}`;
}

export interface ScanResult {
  /** Offset just past the last complete line. */
  end: number;
  /** Complete lines seen (for 1-based line numbers of later scans). */
  lines: number;
  /** File size at the time of the scan. */
  size: number;
}

/**
 * Streams the complete lines of a segment from `from` to its end in large
 * chunks, so a big history never sits in memory whole. Bytes after the last
 * newline (a write in progress, or one torn by a crash) are not consumed; in a
 * `committed` segment neither is anything after the last commit marker (an
 * append in progress or cut short), so `end` is where the committed part ends.
 * `from` must be a place where an earlier scan ended.
 */
export async function scanSegmentFile(file: string, from: number, fromLine: number, visitor: FrameVisitor): Promise<ScanResult> {
  const gate = segmentKind(path.basename(file)) === 'committed' ? new CommitGate(visitor, from, fromLine) : undefined;
  const result = await scanLines(file, from, fromLine, gate ?? visitor);
  return gate ? { end: gate.committedEnd, lines: gate.committedLines, size: result.size } : result;
}

async function scanLines(file: string, from: number, fromLine: number, visitor: FrameVisitor): Promise<ScanResult> {
  const handle = await fsp.open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    let pos = from;
    let lines = fromLine;
    let carry: Buffer | undefined;
    let chunk = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, size - from)));
    while (pos < size) {
      const carryLen = carry ? carry.length : 0;
      const want = Math.min(CHUNK, size - pos);
      if (chunk.length < carryLen + want) {
        const bigger = Buffer.allocUnsafe(carryLen + want);
        chunk = bigger;
      }
      if (carry) carry.copy(chunk, 0);
      const { bytesRead } = await handle.read(chunk, carryLen, want, pos);
      if (bytesRead === 0) break;
      const view = chunk.subarray(0, carryLen + bytesRead);
      const base = pos - carryLen;
      const r = scanFrames(view, base, lines, visitor);
      lines += r.lines;
      carry = r.consumed < view.length ? Buffer.from(view.subarray(r.consumed)) : undefined;
      pos += bytesRead;
    }
    return { end: pos - (carry ? carry.length : 0), lines, size };
  } finally {
    await handle.close();
  }
}

/** The first line of a file (a compacted segment's header), without its newline. */
export async function readFirstLine(path: string, limit = 64 << 20): Promise<Buffer | undefined> {
  const handle = await fsp.open(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(64 << 10);
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        if (buf.length >= limit) return undefined;
        const bigger = Buffer.allocUnsafe(buf.length * 4);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, len, buf.length - len, len);
      if (bytesRead === 0) return undefined;
      const nl = buf.indexOf(0x0a, len);
      len += bytesRead;
      if (nl >= 0 && nl < len) return buf.subarray(0, nl);
    }
  } finally {
    await handle.close();
  }
}

/** fsync a directory so a created or renamed entry survives a power loss (a no-op where unsupported). */
export async function syncDir(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open directories; its renames are durable enough for us.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Writes `bytes` to an open file (a test hook replaces it to inject disk-full and similar failures). */
export type WriteBytes = (handle: fsp.FileHandle, bytes: Uint8Array) => Promise<void>;

/**
 * Write to a temporary file, fsync, then rename over the target: readers see the old or the new file, never half.
 * A failed write (a full disk) removes the temporary file, so failures leave nothing behind.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string | readonly Uint8Array[], write?: WriteBytes): Promise<void> {
  const tmp = `${path}.${process.pid}-${Math.random().toString(36).slice(2, 8)}.tmp`;
  const handle = await fsp.open(tmp, 'w');
  try {
    // Pieces are written one after the other: a large file need not be joined into one buffer first.
    for (const piece of Array.isArray(data) ? data : [data]) {
      if (write) await write(handle, typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece);
      else await handle.writeFile(piece);
    }
    await handle.sync();
    await handle.close();
    await fsp.rename(tmp, path);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}
