import { createReadStream, promises as fsp, readSync } from 'node:fs';
import type { SeriesInfo } from '../model';
import { crc32 } from './crc32';
import type { WriteBytes } from './segment-file';

/**
 * The index file lets the store open a million records without reading them:
 * a JSON header (segments covered, series list with counts and last values)
 * followed by the location of every record, grouped by series, as float64
 * quadruples (segment number, offset, length, CRC-32 of the frame's JSON).
 * Reading a series reads only its slice of the table. The index covers each
 * segment up to a size; anything appended later is scanned on open.
 *
 * Everything is checksummed: the header by its own CRC-32, each series' slice of
 * the table by the CRC-32 kept in its header entry (the slices tile the table, so
 * together they cover all of it). A check that fails means the index is rebuilt
 * from the segments, which hold everything it does. Written atomically.
 */
const MAGIC = 'PPIDX02\n';
export const INDEX_VERSION = 2;
/** Numbers per location: segment number, offset, length, frame CRC-32. */
export const LOCATION_WIDTH = 4;
const ENTRY_BYTES = LOCATION_WIDTH * 8;
const PREAMBLE = 16;
/** Recorded losses kept in the header; the oldest go first beyond this. */
const MAX_LOSSES = 100;

export interface IndexedSegment {
  name: string;
  /** Bytes of complete lines covered by the index. */
  size: number;
  lines: number;
  /** Records of this segment the index locates (so a cut or deleted file says what it cost). */
  records: number;
}

export interface IndexedSeries {
  info: SeriesInfo;
  /** First location of this series in the table. */
  at: number;
  count: number;
  /** CRC-32 of this series' slice of the table. */
  crc: number;
}

/** Records found gone since the index last saw them: kept until a user acknowledges them. */
export interface RecordedLoss {
  /** Segment file name (in `segments/`). */
  segment: string;
  kind: 'missing' | 'truncated';
  records: number;
  bytes: number;
  /** When it was noticed (ms). */
  at: number;
}

export interface IndexHeader {
  version: number;
  segments: IndexedSegment[];
  series: IndexedSeries[];
  losses: RecordedLoss[];
}

export interface OpenIndex {
  header: IndexHeader;
  handle: fsp.FileHandle;
  /** Byte offset of the location table. */
  tableOffset: number;
}

/** The index file (or part of it) fails a check: the store rebuilds it from the segments. */
export class IndexDamage extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IndexDamage';
  }
}

export type IndexReadResult = { index: OpenIndex } | { index?: undefined; missing: true } | { index?: undefined; missing?: false; damage: string };

/** Opens the index and checks its header; `damage` says why it cannot be used. */
export async function readIndex(path: string): Promise<IndexReadResult> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
    return { damage: `unreadable (${(err as Error).message})` };
  }
  try {
    const size = (await handle.stat()).size;
    const head = Buffer.alloc(PREAMBLE);
    await handle.read(head, 0, PREAMBLE, 0);
    const magic = head.toString('latin1', 0, 8);
    if (magic.startsWith('PPIDX') && magic !== MAGIC) throw new IndexDamage('another format version');
    if (magic !== MAGIC) throw new IndexDamage('no index marker at its start');
    const headerLength = head.readUInt32LE(8);
    if (PREAMBLE + headerLength > size) throw new IndexDamage('file shorter than its header says');
    const json = Buffer.alloc(headerLength);
    await handle.read(json, 0, headerLength, PREAMBLE);
    if (crc32(json) !== head.readUInt32LE(12)) throw new IndexDamage('header fails its checksum');
    const header = checkHeader(JSON.parse(json.toString('utf8')));
    const tableOffset = align8(PREAMBLE + headerLength);
    const padding = Buffer.alloc(tableOffset - PREAMBLE - headerLength);
    await handle.read(padding, 0, padding.length, PREAMBLE + headerLength);
    if (padding.some((b) => b !== 0)) throw new IndexDamage('padding after the header is overwritten');
    const total = header.series.reduce((s, x) => s + x.count, 0);
    if (size !== tableOffset + total * ENTRY_BYTES) throw new IndexDamage(`location table holds ${size - tableOffset} bytes where ${total * ENTRY_BYTES} were written`);
    return { index: { header, handle, tableOffset } };
  } catch (err) {
    await handle.close().catch(() => undefined);
    return { damage: err instanceof IndexDamage ? err.message : `header is unreadable (${(err as Error).message})` };
  }
}

/** Checks the header's shape and that the series' slices tile the table exactly, in order. */
function checkHeader(raw: unknown): IndexHeader {
  const h = raw as Partial<IndexHeader> | null;
  if (!h || typeof h !== 'object' || h.version !== INDEX_VERSION) throw new IndexDamage('another format version');
  if (!Array.isArray(h.segments) || !Array.isArray(h.series) || !Array.isArray(h.losses)) throw new IndexDamage('header lacks its lists');
  const names = new Set<string>();
  for (const s of h.segments) {
    if (!s || typeof s.name !== 'string' || !/^[A-Za-z0-9_.-]+\.seg$/.test(s.name) || names.has(s.name) || ![s.size, s.lines, s.records].every(isCount)) {
      throw new IndexDamage('header names a segment badly');
    }
    names.add(s.name);
  }
  let at = 0;
  const ids = new Set<string>();
  for (const e of h.series) {
    if (!e || !e.info || typeof e.info.seriesId !== 'string' || ids.has(e.info.seriesId) || e.at !== at || !isCount(e.count) || !isCount(e.crc)) {
      throw new IndexDamage('header lists a series badly');
    }
    if (e.info.runs !== e.count) throw new IndexDamage(`series ${e.info.seriesId} counts ${e.info.runs} runs but locates ${e.count}`);
    ids.add(e.info.seriesId);
    at += e.count;
  }
  return h as IndexHeader;
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** One series' locations; throws `IndexDamage` when the slice fails its checksum. */
export function readLocations(index: OpenIndex, entry: { at: number; count: number; crc: number }): Float64Array {
  const bytes = entry.count * ENTRY_BYTES;
  const buf = Buffer.allocUnsafe(bytes);
  const bytesRead = bytes ? readSync(index.handle.fd, buf, 0, bytes, index.tableOffset + entry.at * ENTRY_BYTES) : 0;
  if (bytesRead !== bytes) throw new IndexDamage('location table is shorter than its header says');
  if (crc32(buf, 0, bytes) !== entry.crc) throw new IndexDamage('location table fails its checksum');
  // Copy into an aligned buffer: a pooled Buffer may start at any byte offset.
  const out = new Float64Array(entry.count * LOCATION_WIDTH);
  new Uint8Array(out.buffer).set(buf.subarray(0, bytes));
  return out;
}

/** Bytes of the index file for these segments and series (exported for tests that forge indexes). */
export function encodeIndex(
  segments: IndexedSegment[],
  series: Array<{ info: SeriesInfo; locations: ArrayLike<number> }>,
  losses: RecordedLoss[] = [],
): Buffer {
  return Buffer.concat(encodedIndex(segments, series, losses).pieces);
}

/** An index's bytes, with the header they hold and that header's length and checksum. */
interface EncodedIndex {
  /** The file's bytes in order, in pieces (joined, a large index would need its size twice). */
  pieces: Buffer[];
  size: number;
  header: IndexHeader;
  headerLength: number;
  headerCrc: number;
}

function encodedIndex(
  segments: IndexedSegment[],
  series: Array<{ info: SeriesInfo; locations: ArrayLike<number> }>,
  losses: RecordedLoss[],
): EncodedIndex {
  let at = 0;
  const tableBytes = series.reduce((s, x) => s + x.locations.length * 8, 0);
  const table = new Float64Array(tableBytes / 8);
  const tableView = new Uint8Array(table.buffer);
  const entries: IndexedSeries[] = series.map((s) => {
    table.set(s.locations, at * LOCATION_WIDTH);
    const count = s.locations.length / LOCATION_WIDTH;
    const crc = crc32(tableView, at * ENTRY_BYTES, (at + count) * ENTRY_BYTES);
    const e = { info: s.info, at, count, crc };
    at += count;
    return e;
  });
  const headerObject: IndexHeader = { version: INDEX_VERSION, segments, series: entries, losses: losses.slice(-MAX_LOSSES) };
  const header = headerBytes(headerObject);
  let headerLength = 0;
  let headerCrc = 0;
  for (const piece of header) {
    headerCrc = crc32(piece, 0, piece.length, headerCrc);
    headerLength += piece.length;
  }
  const preamble = Buffer.alloc(PREAMBLE);
  preamble.write(MAGIC, 0, 'latin1');
  preamble.writeUInt32LE(headerLength, 8);
  preamble.writeUInt32LE(headerCrc, 12);
  const padding = Buffer.alloc(align8(PREAMBLE + headerLength) - PREAMBLE - headerLength);
  const pieces = [preamble, ...header, padding, Buffer.from(table.buffer, table.byteOffset, tableBytes)];
  return { pieces, size: PREAMBLE + headerLength + padding.length + tableBytes, header: headerObject, headerLength, headerCrc };
}

/** Bytes of a header piece: big enough to be few, small enough that no piece is a large string. */
const HEADER_PIECE_CHARS = 1 << 20;

/**
 * The header's JSON, exactly as `JSON.stringify(header)` writes it, in pieces of about a MB: a history
 * of hundreds of thousands of series would otherwise need its whole header as one string and again as bytes.
 */
function headerBytes(header: IndexHeader): Buffer[] {
  const pieces: Buffer[] = [];
  let text = `{"version":${JSON.stringify(header.version)},"segments":${JSON.stringify(header.segments)},"series":[`;
  header.series.forEach((entry, i) => {
    text += (i ? ',' : '') + JSON.stringify(entry);
    if (text.length >= HEADER_PIECE_CHARS) {
      pieces.push(Buffer.from(text, 'utf8'));
      text = '';
    }
  });
  pieces.push(Buffer.from(`${text}],"losses":${JSON.stringify(header.losses)}}`, 'utf8'));
  return pieces;
}

/** What `writeIndex` wrote: enough to know the file again without parsing its header. */
export interface WrittenIndex {
  header: IndexHeader;
  headerLength: number;
  headerCrc: number;
  size: number;
}

/**
 * Series whose header entries were written out as they were appended (a large import keeps no
 * object per series): each is one record, one line of `infoFile` holding its `SeriesInfo` as JSON,
 * and one location in `locations`; `dropped` marks lines whose series is listed among the others instead.
 */
export interface SpilledSeries {
  infoFile: string;
  count: number;
  /** LOCATION_WIDTH numbers per line. */
  locations: Float64Array;
  dropped: Uint8Array;
}

/** Writes the index atomically; a failed write leaves no temporary file behind. */
export async function writeIndex(
  path: string,
  segments: IndexedSegment[],
  series: Array<{ info: SeriesInfo; locations: ArrayLike<number> }>,
  losses: RecordedLoss[],
  write?: WriteBytes,
  spilled?: SpilledSeries,
): Promise<WrittenIndex> {
  let total = series.reduce((s, x) => s + x.locations.length / LOCATION_WIDTH, 0);
  const spilledKept = spilled ? spilled.count - spilled.dropped.reduce((n, d) => n + d, 0) : 0;
  total += spilledKept;
  const table = new Float64Array(total * LOCATION_WIDTH);
  const tableView = new Uint8Array(table.buffer);
  let at = 0;
  const entries: IndexedSeries[] = series.map((s) => {
    table.set(s.locations, at * LOCATION_WIDTH);
    const count = s.locations.length / LOCATION_WIDTH;
    const e = { info: s.info, at, count, crc: crc32(tableView, at * ENTRY_BYTES, (at + count) * ENTRY_BYTES) };
    at += count;
    return e;
  });
  const header: IndexHeader = { version: INDEX_VERSION, segments, series: entries, losses: losses.slice(-MAX_LOSSES) };
  const tmp = `${path}.${process.pid}-${Math.random().toString(36).slice(2, 8)}.tmp`;
  const handle = await fsp.open(tmp, 'w');
  try {
    const put = async (bytes: Uint8Array) => {
      if (write) await write(handle, bytes);
      else await handle.writeFile(bytes);
    };
    // The header goes out in pieces of about a MB as it is made (with its length and checksum
    // counted on the way): for hundreds of thousands of series it is hundreds of MB of text.
    await put(Buffer.alloc(PREAMBLE));
    let headerLength = 0;
    let headerCrc = 0;
    let text = `{"version":${JSON.stringify(header.version)},"segments":${JSON.stringify(header.segments)},"series":[`;
    let first = true;
    const flush = async (always: boolean) => {
      if (!always && text.length < HEADER_PIECE_CHARS) return;
      const piece = Buffer.from(text, 'utf8');
      text = '';
      headerCrc = crc32(piece, 0, piece.length, headerCrc);
      headerLength += piece.length;
      await put(piece);
    };
    for (const entry of entries) {
      text += (first ? '' : ',') + JSON.stringify(entry);
      first = false;
      await flush(false);
    }
    if (spilled) {
      let line = 0;
      for await (const info of lines(spilled.infoFile)) {
        if (line >= spilled.count) break;
        if (!spilled.dropped[line]) {
          table.set(spilled.locations.subarray(line * LOCATION_WIDTH, (line + 1) * LOCATION_WIDTH), at * LOCATION_WIDTH);
          const crc = crc32(tableView, at * ENTRY_BYTES, (at + 1) * ENTRY_BYTES);
          text += `${first ? '' : ','}{"info":${info},"at":${at},"count":1,"crc":${crc}}`;
          first = false;
          at++;
          await flush(false);
        }
        line++;
      }
      if (line < spilled.count) throw new Error(`${spilled.infoFile} holds ${line} of ${spilled.count} series`);
    }
    text += `],"losses":${JSON.stringify(header.losses)}}`;
    await flush(true);
    const padding = align8(PREAMBLE + headerLength) - PREAMBLE - headerLength;
    if (padding) await put(Buffer.alloc(padding));
    if (table.length) await put(Buffer.from(table.buffer, table.byteOffset, table.byteLength));
    const preamble = Buffer.alloc(PREAMBLE);
    preamble.write(MAGIC, 0, 'latin1');
    preamble.writeUInt32LE(headerLength, 8);
    preamble.writeUInt32LE(headerCrc, 12);
    await handle.write(preamble, 0, PREAMBLE, 0);
    await handle.sync();
    await handle.close();
    await fsp.rename(tmp, path);
    return { header, headerLength, headerCrc, size: PREAMBLE + headerLength + padding + table.byteLength };
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** The lines of a text file, read a MB at a time. */
async function* lines(file: string): AsyncGenerator<string> {
  let carry = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = carry + (chunk as string);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      yield text.slice(start, nl);
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  if (carry) yield carry;
}

/**
 * Opens the index file just written. When its preamble (length and checksum of the header) and
 * size are what was written, the header is taken from memory instead of parsed again (for
 * hundreds of thousands of series that is hundreds of MB of text); otherwise (another process
 * renamed its own index over it meanwhile) it is read like any index.
 */
export async function reopenWrittenIndex(path: string, written: WrittenIndex): Promise<IndexReadResult> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(path, 'r');
    const head = Buffer.alloc(PREAMBLE);
    const { bytesRead } = await handle.read(head, 0, PREAMBLE, 0);
    const same = bytesRead === PREAMBLE && head.toString('latin1', 0, 8) === MAGIC && head.readUInt32LE(8) === written.headerLength &&
      head.readUInt32LE(12) === written.headerCrc && (await handle.stat()).size === written.size;
    if (same) return { index: { header: written.header, handle, tableOffset: align8(PREAMBLE + written.headerLength) } };
  } catch {
    // Read it the ordinary way, which says what is wrong.
  }
  await handle?.close().catch(() => undefined);
  return readIndex(path);
}

/** Every location of every series, each slice checked: for verify and compaction, which trust nothing unchecked. */
export function readAllLocations(index: OpenIndex): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const entry of index.header.series) out.set(entry.info.seriesId, readLocations(index, entry));
  return out;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
