import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { SeriesInfo } from '../model';
import { StoreError, ioError } from './errors';
import type { ProtectOptions, RetentionOptions } from './retention';
import { writeFileAtomic, type WriteBytes } from './segment-file';
import { creationProblem } from './location';

/** The history folder's layout, the store's options and reports, and the shapes of its in-memory view. */

/**
 * The store's own format version (layout of folders and files), separate from the record version.
 * 2: appended segments (`*.v2.seg`) end every append with a commit marker; format-1 segments are
 * still read as before. A history is marked 2 when its first such segment is created, so older
 * Perf Pulse versions refuse it instead of showing unfinished appends.
 */
export const STORE_FORMAT_VERSION = 2;

export const SEGMENTS = 'segments';
export const WRITERS = 'writers';
export const INDEX_FILE = 'index.bin';
export const META_FILE = 'store.json';
export const COMPACT_LOCK = 'compact.lock';
/** How often a read reloads after a compaction elsewhere removed the files it knew (about 2 s of waiting in all). */
export const RELOAD_ATTEMPTS = 12;
/** Rewrite the index once this many records sit outside it, so opening stays fast. */
export const INDEX_TAIL_LIMIT = 20_000;

export interface HistoryStoreOptions {
  retention?: Partial<RetentionOptions>;
  /** Names this process's segment file; defaults to pid + random. */
  writerId?: string;
  /** Test hook: replaces the write of one append's bytes (to inject disk-full and similar failures). */
  writeBytes?: (handle: fsp.FileHandle, bytes: Buffer) => Promise<void>;
  /** Test hook: replaces the write of the index file's bytes (to inject disk-full and similar failures). */
  writeIndexBytes?: WriteBytes;
  /** Receives one-line warnings (an index found damaged and rebuilt, records found lost); default: standard error. */
  onWarning?: (message: string) => void;
}

export interface CompactOptions extends ProtectOptions {
  /** Wall clock for age limits (tests). */
  now?: number;
}

export interface CompactReport {
  /** False when another process was compacting; nothing was done. */
  compacted: boolean;
  segmentsBefore: number;
  segmentsAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  recordsKept: number;
  samplesDropped: number;
  recordsDropped: number;
  duplicatesDropped: number;
  /** Segments left alone because another live process is appending to them. */
  skippedLive: number;
}

export interface Segment {
  name: string;
  file: string;
  /** Bytes of complete lines read so far. */
  size: number;
  lines: number;
}

export interface SeriesState {
  info: SeriesInfo;
  /** This series' slice of the index file's location table. */
  base?: { at: number; count: number; crc: number };
  /** Locations outside the index: (segment number, offset, length, frame CRC-32) quadruples. */
  tail: number[];
}

export interface Writer {
  segment: Segment;
  segmentIndex: number;
  handle: fsp.FileHandle;
  marker: string;
}

/** Bytes of record frames written at a time by an append: bounds its memory, whatever its size. */
export const APPEND_CHUNK_BYTES = 4 * 1024 * 1024;


/**
 * Creates the history folder (and its `segments/` and `writers/`) and its `store.json` when new;
 * returns the format `store.json` declares. Refuses a history written by a newer format.
 */
export async function prepareHistoryDir(dir: string): Promise<number> {
  const metaFile = path.join(dir, META_FILE);
  try {
    await fsp.mkdir(path.join(dir, SEGMENTS), { recursive: true });
    await fsp.mkdir(path.join(dir, WRITERS), { recursive: true });
  } catch (err) {
    // mkdir -p says ENOENT when a parent cannot be made; name the real cause (EROFS, EACCES, a file).
    const cause = (err as NodeJS.ErrnoException).code === 'ENOENT' ? ((await creationProblem(dir)) ?? err) : err;
    throw ioError('create the history folder', dir, cause);
  }
  let meta: { format?: string; version?: number } | undefined;
  try {
    meta = JSON.parse(await fsp.readFile(metaFile, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new StoreError(`${metaFile} is not valid JSON (${(err as Error).message}); restore it or delete it to re-create`, metaFile);
    }
    await writeStoreMeta(dir).catch((e) => {
      throw ioError('create', metaFile, e);
    });
    return STORE_FORMAT_VERSION;
  }
  if (typeof meta?.version === 'number' && meta.version > STORE_FORMAT_VERSION) {
    throw new StoreError(`${dir} holds history format ${meta.version}, written by a newer Perf Pulse; update to read it`, metaFile);
  }
  return typeof meta?.version === 'number' ? meta.version : 1;
}

/** Writes `store.json` declaring this format version. */
export function writeStoreMeta(dir: string): Promise<void> {
  return writeFileAtomic(path.join(dir, META_FILE), JSON.stringify({ format: 'perf-pulse-history', version: STORE_FORMAT_VERSION }, null, 2) + '\n');
}

/** A writer id fit for a file name. */
export function sanitize(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'writer';
}
