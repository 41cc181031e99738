import { promises as fsp, readSync } from 'node:fs';
import type { SeriesInfo } from '../model';
import { writeFileAtomic } from './segment-file';

/**
 * The index file lets the store open a million records without reading them:
 * a JSON header (segments covered, series list with counts and last values)
 * followed by the byte location of every record, grouped by series, as
 * float64 triples (segment number, offset, length). Reading a series reads
 * only its slice of the triples. The index covers each segment up to a size;
 * anything appended later is scanned on open. Written atomically.
 */
const MAGIC = 'PPIDX01\n';
export const INDEX_VERSION = 1;

export interface IndexedSegment {
  name: string;
  /** Bytes of complete lines covered by the index. */
  size: number;
  lines: number;
}

export interface IndexedSeries {
  info: SeriesInfo;
  /** First triple of this series in the location table. */
  at: number;
  count: number;
}

export interface IndexHeader {
  version: number;
  segments: IndexedSegment[];
  series: IndexedSeries[];
}

export interface OpenIndex {
  header: IndexHeader;
  handle: fsp.FileHandle;
  /** Byte offset of the location table. */
  tableOffset: number;
}

export async function readIndex(path: string): Promise<OpenIndex | undefined> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(path, 'r');
    const head = Buffer.alloc(12);
    await handle.read(head, 0, 12, 0);
    if (head.toString('latin1', 0, 8) !== MAGIC) throw new Error('bad magic');
    const headerLength = head.readUInt32LE(8);
    const json = Buffer.alloc(headerLength);
    const { bytesRead } = await handle.read(json, 0, headerLength, 12);
    if (bytesRead !== headerLength) throw new Error('short header');
    const header = JSON.parse(json.toString('utf8')) as IndexHeader;
    if (header.version !== INDEX_VERSION) throw new Error('other version');
    const tableOffset = align8(12 + headerLength);
    const size = (await handle.stat()).size;
    const total = header.series.reduce((s, x) => s + x.count, 0);
    if (size !== tableOffset + total * 24) throw new Error('truncated table');
    return { header, handle, tableOffset };
  } catch {
    // A missing, old or damaged index is rebuilt from the segments: it holds nothing that they don't.
    await handle?.close().catch(() => undefined);
    return undefined;
  }
}

export function readLocations(index: OpenIndex, entry: { at: number; count: number }): Float64Array {
  const bytes = entry.count * 24;
  const buf = Buffer.allocUnsafe(bytes);
  const bytesRead = readSync(index.handle.fd, buf, 0, bytes, index.tableOffset + entry.at * 24);
  if (bytesRead !== bytes) throw new Error('index table shorter than its header says');
  // Copy into an aligned buffer: a pooled Buffer may start at any byte offset.
  const out = new Float64Array(entry.count * 3);
  new Uint8Array(out.buffer).set(buf.subarray(0, bytes));
  return out;
}

export async function writeIndex(
  path: string,
  segments: IndexedSegment[],
  series: Array<{ info: SeriesInfo; locations: ArrayLike<number> }>,
): Promise<void> {
  let at = 0;
  const entries: IndexedSeries[] = series.map((s) => {
    const e = { info: s.info, at, count: s.locations.length / 3 };
    at += e.count;
    return e;
  });
  const header = Buffer.from(JSON.stringify({ version: INDEX_VERSION, segments, series: entries } satisfies IndexHeader), 'utf8');
  const tableOffset = align8(12 + header.length);
  const out = Buffer.alloc(tableOffset + at * 24);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.length, 8);
  header.copy(out, 12);
  const table = new Float64Array(out.buffer, out.byteOffset + tableOffset, at * 3);
  let p = 0;
  for (const s of series) {
    table.set(s.locations as ArrayLike<number>, p);
    p += s.locations.length;
  }
  await writeFileAtomic(path, out);
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
