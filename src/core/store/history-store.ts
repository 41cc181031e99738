import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RunRecord, SeriesInfo } from '../model';
import { decodeFrame, encodeFrame, frameCrc } from './framing';
import { crc32 } from './crc32';
import { StoreError, ioError, type StoreProblem } from './errors';
import { migrateRecord, recordJson } from './migrate';
import { DEFAULT_RETENTION, planRetention, thinRecord, type ProtectOptions, type RetentionOptions } from './retention';
import { appendedSegmentName, scanSegmentFile, syncDir, writeFileAtomic, type WriteBytes } from './segment-file';
import { commitMarkerOf, encodeCommitMarker } from './append-commit';
import { IndexDamage, LOCATION_WIDTH, readIndex, readLocations, reopenWrittenIndex, writeIndex, type OpenIndex, type RecordedLoss, type SpilledSeries } from './series-index';
import { checkIndexedFrame, describeLoss, locationInRange, lossesOf, mergeLosses, readFrameCrcs, staleSegments } from './index-check';
import { listSegments, type SegmentListing } from './segment-list';
import { describeLeftover, removeLeftovers, staleLock } from './leftovers';
import { verifyHistory, type VerifyReport } from './verify';
import { ownStamp, ownerAlive, readStamp, tryLock } from './locks';
import { csvHeader, csvRow, jsonExportClose, jsonExportOpen } from './export-format';

export { StoreError, type StoreProblem } from './errors';
export type { VerifyReport, SegmentMismatch } from './verify';
export type { RecordedLoss } from './series-index';
export { DEFAULT_RETENTION, type RetentionOptions, type ProtectOptions } from './retention';
export { resolveHistoryDir, registerWorkspaceHistory } from './location';
import { creationProblem } from './location';

/**
 * The store's own format version (layout of folders and files), separate from the record version.
 * 2: appended segments (`*.v2.seg`) end every append with a commit marker; format-1 segments are
 * still read as before. A history is marked 2 when its first such segment is created, so older
 * Perf Pulse versions refuse it instead of showing unfinished appends.
 */
export const STORE_FORMAT_VERSION = 2;

const SEGMENTS = 'segments';
const WRITERS = 'writers';
const INDEX_FILE = 'index.bin';
const META_FILE = 'store.json';
const COMPACT_LOCK = 'compact.lock';
/** How often a read reloads after a compaction elsewhere removed the files it knew (about 2 s of waiting in all). */
const RELOAD_ATTEMPTS = 12;
/** Rewrite the index once this many records sit outside it, so opening stays fast. */
const INDEX_TAIL_LIMIT = 20_000;

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

interface Segment {
  name: string;
  file: string;
  /** Bytes of complete lines read so far. */
  size: number;
  lines: number;
}

interface SeriesState {
  info: SeriesInfo;
  /** This series' slice of the index file's location table. */
  base?: { at: number; count: number; crc: number };
  /** Locations outside the index: (segment number, offset, length, frame CRC-32) quadruples. */
  tail: number[];
}

interface Writer {
  segment: Segment;
  segmentIndex: number;
  handle: fsp.FileHandle;
  marker: string;
}

/** Bytes of record frames written at a time by an append: bounds its memory, whatever its size. */
const APPEND_CHUNK_BYTES = 4 * 1024 * 1024;

/** A shallow copy of a record checked for storing (validation may fill in defaults; the caller's object stays untouched). */
function checkedRecord(r: RunRecord, i: number): RunRecord {
  try {
    return migrateRecord({ ...r });
  } catch (err) {
    throw new StoreError(`Refusing to store record ${i} (${r?.name ?? r?.id ?? '?'}): ${(err as Error).message}`);
  }
}

/**
 * The workspace's performance history: append-only segment files of framed
 * JSON lines, one file per writing process (so two editors and the CLI never
 * share a file), plus an index for fast opening. See docs/HISTORY.md.
 */
export class HistoryStore {
  readonly problems: StoreProblem[] = [];
  /** Warnings given since opening (also passed to `onWarning`). */
  readonly warnings: string[] = [];
  private readonly problemKeys = new Set<string>();
  private readonly retention: RetentionOptions;
  private readonly writerId: string;
  private segments: Segment[] = [];
  private superseded = new Set<string>();
  private series = new Map<string, SeriesState>();
  private index: OpenIndex | undefined;
  /** Records found lost (segments deleted or cut short) that the index carries until acknowledged. */
  private losses: RecordedLoss[] = [];
  /** Index damage met and repaired since opening, for verify. */
  private readonly indexRepairs: string[] = [];
  /** Leftovers of dead processes removed since opening, for verify. */
  private readonly removedLeftovers: string[] = [];
  private tailRecords = 0;
  private writer: Writer | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /**
   * The in-memory view lacks series a streaming append wrote without keeping them (`appendStream`):
   * the next operation reloads it from disk first, and nothing saves an index from it meanwhile.
   */
  private stale = false;
  /** The format `store.json` declares (older histories are marked 2 when first appended to). */
  private formatOnDisk = STORE_FORMAT_VERSION;

  private constructor(
    readonly dir: string,
    private readonly options: HistoryStoreOptions,
  ) {
    this.retention = { ...DEFAULT_RETENTION, ...(options.retention ?? {}) };
    this.writerId = sanitize(options.writerId ?? `${process.pid}-${randomBytes(4).toString('hex')}`);
  }

  static async open(dir: string, options: HistoryStoreOptions = {}): Promise<HistoryStore> {
    const store = new HistoryStore(path.resolve(dir), options);
    await store.prepareDir();
    await store.cleanLeftovers();
    await store.load();
    return store;
  }

  private get segmentsDir(): string {
    return path.join(this.dir, SEGMENTS);
  }

  private get indexFile(): string {
    return path.join(this.dir, INDEX_FILE);
  }

  // ---------------------------------------------------------------- queries

  /** Every series with its run count and latest value, without reading any run. */
  listSeries(): SeriesInfo[] {
    this.assertCurrent();
    return [...this.series.values()].map((s) => ({ ...s.info })).sort((a, b) => a.name.localeCompare(b.name) || a.seriesId.localeCompare(b.seriesId));
  }

  /** All runs of one series, oldest first. Damaged records are skipped and added to `problems`. */
  readSeries(seriesId: string): Promise<RunRecord[]> {
    return this.exclusive(async () => {
      this.assertOpen();
      return this.withReload('read the history in', () => this.readSeriesOnce(seriesId));
    });
  }

  /**
   * Runs `fn`, which reads segments we know of. When a compaction in another process
   * replaced them meanwhile (ENOENT), reloads and tries again, waiting a little longer
   * each time since compactions may follow each other. Still failing, it throws a `StoreError`.
   */
  private async withReload<T>(action: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        if (attempt >= RELOAD_ATTEMPTS) throw ioError(action, (err as NodeJS.ErrnoException).path ?? this.dir, err);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(200, 5 << attempt) * (0.5 + Math.random())));
        await this.load();
      }
    }
  }

  private async readSeriesOnce(seriesId: string): Promise<RunRecord[]> {
    return (await this.readLocated(seriesId)).map((r) => r.record);
  }

  /**
   * A series' records with where each lies, oldest first. An index entry that disagrees with the
   * frame it points to (or a slice of the index that fails its checksum) means the index is wrong:
   * it is rebuilt from the segments, with a warning, and the series read again.
   */
  private async readLocated(seriesId: string): Promise<Located[]> {
    try {
      return await this.readLocatedOnce(seriesId);
    } catch (err) {
      if (!(err instanceof IndexDamage)) throw err;
      await this.rebuildIndex(err.message);
      try {
        return await this.readLocatedOnce(seriesId);
      } catch (again) {
        if (!(again instanceof IndexDamage)) throw again;
        throw new StoreError(`The history in ${this.dir} changed while it was read (${again.message}); try again`, this.indexFile);
      }
    }
  }

  private async readLocatedOnce(seriesId: string): Promise<Located[]> {
    const state = this.series.get(seriesId);
    if (!state) return [];
    const locations = await this.locationsOf(state);
    // Locations before this point come from the index file: each is checked against its frame.
    const fromIndex = state.base && this.index ? state.base.count * LOCATION_WIDTH : 0;
    const covered = this.index?.header.segments ?? [];
    const bySegment = new Map<number, Member[]>();
    const seen = new Set<string>();
    for (let i = 0; i < locations.length; i += LOCATION_WIDTH) {
      const [seg, offset, length, crc] = [locations[i], locations[i + 1], locations[i + 2], locations[i + 3]];
      if (i < fromIndex) {
        if (!locationInRange(seg, offset, length, covered)) throw new IndexDamage(`an entry of series ${seriesId} points outside the segments`);
        if (seen.has(`${seg}:${offset}`)) throw new IndexDamage(`series ${seriesId} lists a record twice`);
        seen.add(`${seg}:${offset}`);
      }
      let list = bySegment.get(seg);
      if (!list) bySegment.set(seg, (list = []));
      list.push({ offset, length, crc, order: i, fromIndex: i < fromIndex });
    }
    const segments = this.segments;
    const out: Located[] = [];
    // Synchronous reads: a series is a few page-cached ranges, and thread-pool round trips
    // cost more than the reads themselves on a busy machine.
    for (const [segIndex, members] of [...bySegment.entries()].sort((a, b) => a[0] - b[0])) {
      const segment = segments[segIndex];
      const fd = fs.openSync(segment.file, 'r');
      try {
        for (const [start, end, group] of coalesce(members)) {
          const buf = Buffer.allocUnsafe(end - start);
          const bytesRead = readFully(fd, buf, start);
          for (const m of group) {
            const at = m.offset - start;
            let json: string;
            if (m.fromIndex) {
              const check = checkIndexedFrame(buf, at, Math.max(0, bytesRead - at), m.length, m.crc);
              if ('mismatch' in check) throw new IndexDamage(`an entry of series ${seriesId} points at segments/${segment.name} byte ${m.offset}, where ${check.mismatch}`);
              if ('damaged' in check) {
                this.report({ file: segment.file, offset: m.offset, length: m.length, message: check.damaged });
                continue;
              }
              json = check.json;
            } else {
              const lineEnd = at + m.length - 1;
              if (lineEnd >= bytesRead || buf[lineEnd] !== 0x0a) {
                this.report({ file: segment.file, offset: m.offset, length: m.length, message: 'damaged record: line end missing (truncated or overwritten)' });
                continue;
              }
              const frame = decodeFrame(buf, at, lineEnd);
              if (!frame.ok) {
                this.report({ file: segment.file, offset: m.offset, length: m.length, message: frame.message });
                continue;
              }
              json = frame.json;
            }
            if (m.fromIndex && commitMarkerOf(json)) throw new IndexDamage(`an entry of series ${seriesId} points at a commit marker (segments/${segment.name} byte ${m.offset})`);
            const record = this.parseRecord(json, segment.file, m.offset);
            if (!record) continue;
            if (record.seriesId !== seriesId) {
              if (m.fromIndex) throw new IndexDamage(`an entry of series ${seriesId} points at a record of series ${record.seriesId} (segments/${segment.name} byte ${m.offset})`);
              continue;
            }
            out.push({ record, where: `${segIndex}:${m.offset}`, order: m.order });
          }
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    out.sort((a, b) => a.record.timestamp - b.record.timestamp || a.order - b.order);
    return out;
  }

  /** Every record, series by series, each series oldest first. Holds one series in memory at a time. */
  async *allRecords(): AsyncIterable<RunRecord> {
    for (const info of this.listSeries()) {
      for (const record of await this.readSeries(info.seriesId)) yield record;
    }
  }

  // ---------------------------------------------------------------- writing

  /**
   * Appends runs in one write to this process's own segment and syncs it to
   * disk; durable when the promise resolves. An I/O failure throws a
   * `StoreError` naming the file; records stored before are untouched.
   */
  append(records: RunRecord[]): Promise<void> {
    return this.exclusive(() => this.appendNow(records));
  }

  /**
   * Appends only the records whose id is not stored yet (import, sync replay). Returns how many were added.
   * `earlierIds` (new id → the id an earlier version gave the same run) also skips a record stored under
   * its earlier id with the same time, commit, branch and value.
   */
  appendNew(records: RunRecord[], options: { earlierIds?: ReadonlyMap<string, string> } = {}): Promise<number> {
    return this.exclusive(async () => {
      const bySeries = new Map<string, RunRecord[]>();
      for (const r of records) {
        let list = bySeries.get(r.seriesId);
        if (!list) bySeries.set(r.seriesId, (list = []));
        list.push(r);
      }
      // Read every id first, retrying as a whole when a compaction elsewhere replaced the segments.
      const fresh = await this.withReload('read the history in', async () => {
        const out: RunRecord[] = [];
        for (const [seriesId, list] of bySeries) {
          const known = new Map(this.series.has(seriesId) ? (await this.readSeriesOnce(seriesId)).map((r) => [r.id, r]) : []);
          for (const r of list) {
            if (known.has(r.id)) continue;
            const earlierId = options.earlierIds?.get(r.id);
            const earlier = earlierId !== undefined ? known.get(earlierId) : undefined;
            if (earlier && sameRun(earlier, r)) continue;
            known.set(r.id, r);
            out.push(r);
          }
        }
        return out;
      });
      if (fresh.length) await this.appendNow(fresh);
      return fresh.length;
    });
  }

  /**
   * Appends records as a producer hands them over, in batches, as ONE all-or-nothing append: the
   * frames go out a few MB at a time and the commit marker last, so readers see all of them or
   * none, and a producer that throws (a report found broken at its end) or a failed write leaves
   * nothing behind. Records whose id is stored already are skipped (as `appendNew` skips them);
   * the records of one stream must have distinct ids. Returns how many were added.
   *
   * Built for imports of hundreds of thousands of series: no record is kept, and a series the
   * history does not have yet, met once, is not kept in memory either; its index entry is written
   * to a temporary file and the index is written from it when the append is done. The store then
   * reloads its view from disk before its next operation.
   */
  appendStream(
    batches: AsyncIterable<RunRecord[]>,
    options: { earlierIdOf?: (record: RunRecord, position: number) => string | undefined } = {},
  ): Promise<number> {
    return this.exclusive(() => this.appendStreamNow(batches, options));
  }

  private async appendStreamNow(
    batches: AsyncIterable<RunRecord[]>,
    options: { earlierIdOf?: (record: RunRecord, position: number) => string | undefined },
  ): Promise<number> {
    this.assertOpen();
    let writer: Writer | undefined;
    let start = 0;
    let framesLength = 0;
    let records = 0;
    let position = 0;
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    // Series the history already had, or met twice here: their info and locations (segment number left out).
    const staged = new Map<string, { info: SeriesInfo; tail: number[] }>();
    const spill = new SeriesSpill(path.join(this.dir, `spill.${process.pid}-${randomBytes(4).toString('hex')}.tmp`));
    const writeChunk = async () => {
      if (!writer || chunkBytes === 0) return;
      const bytes = Buffer.concat(chunk, chunkBytes);
      chunk = [];
      chunkBytes = 0;
      await (this.options.writeBytes ?? writeAll)(writer.handle, bytes).catch((err) => {
        throw ioError('append to the history file', writer!.segment.file, err);
      });
    };
    try {
      for await (const batch of batches) {
        const checked = batch.map((r, i) => checkedRecord(r, position + i));
        // Ids stored already, read once per series the history has (retried as a whole when a compaction elsewhere replaced the segments).
        const storedIds = await this.withReload('read the history in', async () => {
          const out = new Map<string, Map<string, RunRecord>>();
          for (const r of checked) {
            if (out.has(r.seriesId) || !this.series.has(r.seriesId)) continue;
            out.set(r.seriesId, new Map((await this.readSeriesOnce(r.seriesId)).map((k) => [k.id, k])));
          }
          return out;
        });
        for (const r of checked) {
          const at = position++;
          const stored = storedIds.get(r.seriesId);
          if (stored) {
            if (stored.has(r.id)) continue;
            const earlierId = options.earlierIdOf?.(r, at);
            const earlier = earlierId !== undefined ? stored.get(earlierId) : undefined;
            if (earlier && sameRun(earlier, r)) continue;
          }
          if (!writer) {
            writer = await this.ensureWriter();
            start = writer.segment.size;
          }
          const frame = encodeFrame(recordJson(r));
          const offset = start + framesLength;
          const crc = frameCrc(frame);
          framesLength += frame.length;
          records++;
          chunk.push(frame);
          chunkBytes += frame.length;
          const known = staged.get(r.seriesId);
          if (known) {
            updateInfo(known.info, r);
            known.tail.push(offset, frame.length, crc);
          } else if (this.series.has(r.seriesId)) {
            staged.set(r.seriesId, { info: infoFrom([r]), tail: [offset, frame.length, crc] });
          } else {
            const line = spill.lineOf(r.seriesId);
            if (line === undefined) {
              await spill.add(r.seriesId, JSON.stringify(infoFrom([r])), offset, frame.length, crc);
            } else {
              // A new series met a second time: it is kept in memory after all, with its first record read back.
              await writeChunk();
              const [firstOffset, firstLength, firstCrc] = spill.drop(r.seriesId, line);
              const first = await this.readOwnFrame(writer, firstOffset, firstLength);
              const info = infoFrom([first]);
              updateInfo(info, r);
              staged.set(r.seriesId, { info, tail: [firstOffset, firstLength, firstCrc, offset, frame.length, crc] });
            }
          }
        }
        if (chunkBytes >= APPEND_CHUNK_BYTES) await writeChunk();
      }
      if (!writer) return 0;
      chunk.push(encodeCommitMarker(records, framesLength));
      chunkBytes += chunk[chunk.length - 1].length;
      await writeChunk();
      await writer.handle.datasync().catch((err) => {
        throw ioError('append to the history file', writer!.segment.file, err);
      });
    } catch (err) {
      // Take back whatever part of this append landed, and retire the file (as `appendNow` does).
      if (writer) {
        await writer.handle.truncate(start).catch(() => undefined);
        await this.retireWriter();
      }
      await spill.remove();
      throw err;
    }
    // Committed. Series that appeared meanwhile in another process's appends join the in-memory ones.
    const segIndex = writer.segmentIndex;
    for (const [seriesId, line] of spill.entries()) {
      if (!this.series.has(seriesId)) continue;
      const [offset, length, crc] = spill.drop(seriesId, line);
      staged.set(seriesId, { info: infoFrom([await this.readOwnFrame(writer, offset, length)]), tail: [offset, length, crc] });
    }
    for (const [seriesId, { info, tail }] of staged) {
      let state = this.series.get(seriesId);
      if (!state) this.series.set(seriesId, (state = { info, tail: [] }));
      else mergeInfo(state.info, info);
      for (let i = 0; i < tail.length; i += 3) state.tail.push(segIndex, tail[i], tail[i + 1], tail[i + 2]);
      this.tailRecords += tail.length / 3;
    }
    writer.segment.size = start + framesLength + encodeCommitMarker(records, framesLength).length;
    writer.segment.lines += records + 1;
    try {
      if (spill.count > 0) {
        await spill.close();
        // The index is the only place the spilled series are listed outside the segments: written now, then the view reloads.
        await this.saveIndex(spill.asSpilled(segIndex)).catch(() => undefined);
        this.stale = true;
      }
    } finally {
      await spill.remove();
    }
    return records;
  }

  /** Reads back one record this process appended to its own segment (its frame is on disk, maybe not committed yet). */
  private async readOwnFrame(writer: Writer, offset: number, length: number): Promise<RunRecord> {
    const buf = Buffer.alloc(length);
    // The writer's handle is append-only: read through one of our own.
    const handle = await fsp.open(writer.segment.file, 'r');
    const { bytesRead } = await handle.read(buf, 0, length, offset).finally(() => handle.close());
    const frame = bytesRead === length ? decodeFrame(buf, 0, length - 1) : undefined;
    const record = frame?.ok ? this.parseRecord(frame.json, writer.segment.file, offset) : undefined;
    if (!record) throw new StoreError(`${writer.segment.file} changed while it was appended to (byte ${offset})`, writer.segment.file);
    return record;
  }

  private async appendNow(input: RunRecord[]): Promise<void> {
    this.assertOpen();
    if (input.length === 0) return;
    // Every record is checked before a byte is written. The checked copies are not kept: a large
    // import would hold its records twice; each pass below makes its own (cheap) copy instead.
    input.forEach((r, i) => checkedRecord(r, i));
    const writer = await this.ensureWriter();
    const start = writer.segment.size;
    const lengths = new Float64Array(input.length);
    const crcs = new Float64Array(input.length);
    let framesLength = 0;
    try {
      // The frames go out in chunks of a few MB, so an append of any size needs only a chunk of
      // memory; the marker last: until it is on disk, readers treat the whole append as not written.
      let chunk: Buffer[] = [];
      let chunkBytes = 0;
      for (let i = 0; i < input.length; i++) {
        const frame = encodeFrame(recordJson(checkedRecord(input[i], i)));
        lengths[i] = frame.length;
        // Kept for the index, which otherwise reads every new frame's checksum back from the file.
        crcs[i] = frameCrc(frame);
        framesLength += frame.length;
        chunk.push(frame);
        chunkBytes += frame.length;
        if (chunkBytes >= APPEND_CHUNK_BYTES) {
          await (this.options.writeBytes ?? writeAll)(writer.handle, Buffer.concat(chunk, chunkBytes));
          chunk = [];
          chunkBytes = 0;
        }
      }
      chunk.push(encodeCommitMarker(input.length, framesLength));
      await (this.options.writeBytes ?? writeAll)(writer.handle, Buffer.concat(chunk));
      await writer.handle.datasync();
    } catch (err) {
      // Take back whatever part of this append landed (we are the file's only writer), so a failed
      // append leaves nothing behind; and retire the file, so later appends start clean in a new one.
      await writer.handle.truncate(start).catch(() => undefined);
      await this.retireWriter();
      throw ioError('append to the history file', writer.segment.file, err);
    }
    let offset = start;
    for (let i = 0; i < input.length; i++) {
      this.addRecord(checkedRecord(input[i], i), writer.segmentIndex, offset, lengths[i], crcs[i]);
      offset += lengths[i];
    }
    writer.segment.size = offset + encodeCommitMarker(input.length, framesLength).length;
    writer.segment.lines += input.length + 1;
  }

  private async ensureWriter(): Promise<Writer> {
    if (this.writer) return this.writer;
    const name = appendedSegmentName(Date.now(), this.writerId);
    const file = path.join(this.segmentsDir, name);
    const marker = path.join(this.dir, WRITERS, name + '.json');
    await this.markFormat();
    try {
      await fsp.writeFile(marker, JSON.stringify(ownStamp()));
      const handle = await fsp.open(file, 'a');
      await syncDir(this.segmentsDir);
      const segment: Segment = { name, file, size: 0, lines: 0 };
      this.segments.push(segment);
      this.writer = { segment, segmentIndex: this.segments.length - 1, handle, marker };
      return this.writer;
    } catch (err) {
      throw ioError('create the history file', file, err);
    }
  }

  /** Before the first format-2 segment of an older history: declare format 2, so older versions refuse it. */
  private async markFormat(): Promise<void> {
    if (this.formatOnDisk >= STORE_FORMAT_VERSION) return;
    const metaFile = path.join(this.dir, META_FILE);
    await writeFileAtomic(metaFile, JSON.stringify({ format: 'perf-pulse-history', version: STORE_FORMAT_VERSION }, null, 2) + '\n').catch((e) => {
      throw ioError('update', metaFile, e);
    });
    this.formatOnDisk = STORE_FORMAT_VERSION;
  }

  private async retireWriter(): Promise<void> {
    const writer = this.writer;
    if (!writer) return;
    this.writer = undefined;
    await writer.handle.close().catch(() => undefined);
    await fsp.rm(writer.marker, { force: true }).catch(() => undefined);
  }

  // ---------------------------------------------------------------- other processes

  /** Picks up what other processes appended (or compacted) since the last look. True when anything changed. */
  refresh(): Promise<boolean> {
    return this.exclusive(async () => {
      this.assertOpen();
      const before = this.fingerprint();
      await this.withReload('read the history in', async () => {
        const listing = await listSegments(this.segmentsDir);
        const known = new Set(this.segments.map((s) => s.name));
        const vanished = this.segments.some((s) => !listing.live.includes(s.name));
        if (vanished) {
          const gone = await this.segmentsGone(listing);
          await this.load();
          await this.noteLosses(gone);
        } else {
          for (const segment of this.segments) await this.scanTail(segment, this.segments.indexOf(segment));
          for (const name of listing.live) {
            if (known.has(name)) continue;
            this.segments.push({ name, file: path.join(this.segmentsDir, name), size: 0, lines: 0 });
            await this.scanTail(this.segments[this.segments.length - 1], this.segments.length - 1);
          }
        }
      });
      return this.fingerprint() !== before;
    });
  }

  /**
   * Segments this process knew that are gone, with the records it had located in each, when no
   * compaction explains it (a compaction this process has not seen may have replaced them).
   */
  private async segmentsGone(listing: SegmentListing): Promise<RecordedLoss[]> {
    if (listing.live.some((n) => n.startsWith('c-') && !this.segments.some((s) => s.name === n))) return [];
    const gone = new Map<number, RecordedLoss>();
    this.segments.forEach((s, i) => {
      if (!listing.live.includes(s.name) && !listing.superseded.has(s.name)) gone.set(i, { segment: s.name, kind: 'missing', records: 0, bytes: s.size, at: Date.now() });
    });
    if (gone.size === 0) return [];
    try {
      for (const state of this.series.values()) {
        const locations = await this.locationsOf(state);
        for (let i = 0; i < locations.length; i += LOCATION_WIDTH) {
          const loss = gone.get(locations[i]);
          if (loss) loss.records++;
        }
      }
    } catch (err) {
      if (!(err instanceof IndexDamage)) throw err;
      return []; // The load that follows finds the damage (and the index's own record of the segments).
    }
    return [...gone.values()].filter((l) => l.records > 0);
  }

  /** Records losses the load did not find itself (segments the index did not cover), warns and saves them. */
  private async noteLosses(found: RecordedLoss[]): Promise<void> {
    const fresh = found.filter((l) => !this.losses.some((k) => k.segment === l.segment && k.kind === l.kind));
    if (fresh.length === 0) return;
    this.losses = mergeLosses(this.losses, fresh);
    this.warn(`${fresh.map(describeLoss).join('; ')} (\`perf-pulse history verify\` reports this until acknowledged)`);
    await this.saveIndex().catch(() => undefined);
  }

  private fingerprint(): string {
    let runs = 0;
    for (const s of this.series.values()) runs += s.info.runs;
    return `${this.series.size}:${runs}:${this.segments.map((s) => `${s.name}@${s.size}`).join(',')}`;
  }

  // ---------------------------------------------------------------- loading

  private async prepareDir(): Promise<void> {
    const metaFile = path.join(this.dir, META_FILE);
    try {
      await fsp.mkdir(path.join(this.dir, SEGMENTS), { recursive: true });
      await fsp.mkdir(path.join(this.dir, WRITERS), { recursive: true });
    } catch (err) {
      // mkdir -p says ENOENT when a parent cannot be made; name the real cause (EROFS, EACCES, a file).
      const cause = (err as NodeJS.ErrnoException).code === 'ENOENT' ? ((await creationProblem(this.dir)) ?? err) : err;
      throw ioError('create the history folder', this.dir, cause);
    }
    let meta: { format?: string; version?: number } | undefined;
    try {
      meta = JSON.parse(await fsp.readFile(metaFile, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new StoreError(`${metaFile} is not valid JSON (${(err as Error).message}); restore it or delete it to re-create`, metaFile);
      }
      await writeFileAtomic(metaFile, JSON.stringify({ format: 'perf-pulse-history', version: STORE_FORMAT_VERSION }, null, 2) + '\n').catch((e) => {
        throw ioError('create', metaFile, e);
      });
      return;
    }
    if (typeof meta?.version === 'number' && meta.version > STORE_FORMAT_VERSION) {
      throw new StoreError(`${this.dir} holds history format ${meta.version}, written by a newer Perf Pulse; update to read it`, metaFile);
    }
    this.formatOnDisk = typeof meta?.version === 'number' ? meta.version : 1;
  }

  /** Removes temporary files and writer markers that dead processes left behind (see leftovers.ts). */
  private async cleanLeftovers(): Promise<void> {
    for (const leftover of await removeLeftovers(this.dir, path.join(this.dir, WRITERS))) {
      this.removedLeftovers.push(`removed ${describeLeftover(leftover, this.dir)}`);
    }
  }

  private warn(message: string): void {
    this.warnings.push(message);
    if (this.options.onWarning) this.options.onWarning(message);
    else process.stderr.write(`perf-pulse: warning: ${message}\n`);
  }

  /** The index disagrees with the segments: forget it and rebuild it from them. */
  private async rebuildIndex(reason: string): Promise<void> {
    this.indexRepairs.push(`index.bin: ${reason}; rebuilt from the segments`);
    this.warn(`${this.indexFile}: ${reason}; rebuilding it from the segments`);
    await this.load({ fromSegments: true });
  }

  /**
   * Reads the index and scans whatever it does not cover. Rebuilds everything from the segments
   * when the index is missing, damaged or stale (a segment it covers is gone or shorter), or when
   * asked to (`fromSegments`: compaction trusts no index). Records found lost are recorded.
   */
  private async load(options: { fromSegments?: boolean; save?: boolean } = {}, attempt = 0): Promise<void> {
    await this.index?.handle.close().catch(() => undefined);
    this.index = undefined;
    this.series = new Map();
    this.tailRecords = 0;
    const ownSegment = this.writer?.segment.name;
    let found: RecordedLoss[] = [];
    try {
      const listing = await listSegments(this.segmentsDir);
      this.superseded = listing.superseded;
      const sizes = new Map<string, number>();
      for (const name of listing.live) sizes.set(name, (await fsp.stat(path.join(this.segmentsDir, name))).size);
      const read = await readIndex(this.indexFile);
      if (!read.index && !read.missing) {
        this.indexRepairs.push(`index.bin: ${read.damage}; rebuilt from the segments`);
        this.warn(`${this.indexFile}: ${read.damage}; rebuilding it from the segments`);
      }
      const stale = read.index ? staleSegments(read.index.header, listing, sizes) : [];
      if (read.index) this.losses = mergeLosses(read.index.header.losses, this.losses);
      this.segments = [];
      if (read.index && stale.length === 0 && !options.fromSegments) {
        this.index = read.index;
        for (const s of read.index.header.segments) this.segments.push({ name: s.name, file: path.join(this.segmentsDir, s.name), size: s.size, lines: s.lines });
        for (const entry of read.index.header.series) this.series.set(entry.info.seriesId, { info: entry.info, base: { at: entry.at, count: entry.count, crc: entry.crc }, tail: [] });
      } else {
        await read.index?.handle.close().catch(() => undefined);
      }
      const covered = new Set(this.segments.map((s) => s.name));
      for (const name of listing.live) {
        if (!covered.has(name)) this.segments.push({ name, file: path.join(this.segmentsDir, name), size: 0, lines: 0 });
      }
      for (let i = 0; i < this.segments.length; i++) await this.scanTail(this.segments[i], i);
      found = lossesOf(stale, (name, below) => this.recordsIn(name, below), Date.now())
        .filter((loss) => !this.losses.some((k) => k.segment === loss.segment && k.kind === loss.kind && k.bytes === loss.bytes && k.records === loss.records));
    } catch (err) {
      // A compaction in another process removed files while we listed them: start again.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 5) return this.load(options, attempt + 1);
      throw ioError('read the history in', this.dir, err);
    }
    if (found.length) {
      this.losses = mergeLosses(this.losses, found);
      this.warn(`${found.map(describeLoss).join('; ')}; the index was rebuilt from the segments (\`perf-pulse history verify\` reports this until acknowledged)`);
    }
    if (this.writer) {
      const i = this.segments.findIndex((s) => s.name === ownSegment);
      if (i >= 0) {
        this.writer.segmentIndex = i;
        this.writer.segment = this.segments[i];
      } else {
        await this.retireWriter();
      }
    }
    const worthSaving = this.tailRecords >= INDEX_TAIL_LIMIT || (!this.index && (this.tailRecords > 0 || this.losses.length > 0));
    if (options.save !== false && worthSaving) await this.saveIndex().catch(() => undefined);
  }

  /** Records located in a segment below a byte offset (the in-memory state has no index: just rebuilt). */
  private recordsIn(segmentName: string, below: number): number {
    const seg = this.segments.findIndex((s) => s.name === segmentName);
    let n = 0;
    for (const state of this.series.values()) {
      for (let i = 0; i < state.tail.length; i += LOCATION_WIDTH) if (state.tail[i] === seg && state.tail[i + 1] + state.tail[i + 2] <= below) n++;
    }
    return n;
  }

  private async scanTail(segment: Segment, segIndex: number): Promise<void> {
    const result = await scanSegmentFile(segment.file, segment.size, segment.lines, {
      record: (json, offset, length) => {
        const record = this.parseRecord(json, segment.file, offset);
        if (record) this.addRecord(record, segIndex, offset, length, crc32(Buffer.from(json, 'utf8')));
      },
      problem: (offset, length, line, message) => this.report({ file: segment.file, offset, line, length, message }),
    });
    segment.size = result.end;
    segment.lines = result.lines;
    if (result.size > result.end && segment.name !== this.writer?.segment.name && !(await this.writerAlive(segment.name))) {
      // A writer that died mid-append leaves a partial last line; it never resumes that file.
      this.report({
        file: segment.file,
        offset: result.end,
        line: result.lines + 1,
        length: result.size - result.end,
        message: 'incomplete record at the end of the file (a write was interrupted)',
      });
    }
  }

  private async writerAlive(segmentName: string): Promise<boolean> {
    return ownerAlive(await readStamp(path.join(this.dir, WRITERS, segmentName + '.json')));
  }

  private parseRecord(json: string, file: string, offset: number): RunRecord | undefined {
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch (err) {
      this.report({ file, offset, message: `damaged record: invalid JSON (${(err as Error).message})` });
      return undefined;
    }
    // A compacted segment's header, or a commit marker met outside a gated scan (a `*.v2.seg` copied
    // under another name): neither is a record.
    if (raw && typeof raw === 'object' && (raw as { kind?: unknown }).kind === 'compaction') return undefined;
    if (commitMarkerOf(json)) return undefined;
    try {
      return migrateRecord(raw);
    } catch (err) {
      this.report({ file, offset, message: `unreadable record: ${(err as Error).message}` });
      return undefined;
    }
  }

  /**
   * `crc` is the frame's CRC-32 (of its JSON). Appends leave it out (NaN): it is read from the
   * frame's header when the index is next saved, so appending costs nothing for it.
   */
  private addRecord(record: RunRecord, segIndex: number, offset: number, length: number, crc = NaN): void {
    let state = this.series.get(record.seriesId);
    if (!state) {
      state = {
        info: {
          seriesId: record.seriesId,
          name: record.name,
          metric: record.metric,
          unit: record.unit,
          direction: record.direction,
          source: record.source,
          machineId: record.machine.id,
          runs: 0,
          firstTimestamp: record.timestamp,
          lastTimestamp: record.timestamp,
          lastValue: record.value,
        },
        tail: [],
      };
      if (record.group !== undefined) state.info.group = record.group;
      if (record.location) state.info.location = record.location;
      this.series.set(record.seriesId, state);
    }
    updateInfo(state.info, record);
    state.tail.push(segIndex, offset, length, crc);
    this.tailRecords++;
  }

  private report(problem: StoreProblem): void {
    const key = `${problem.file}:${problem.offset}`;
    if (this.problemKeys.has(key)) return;
    this.problemKeys.add(key);
    this.problems.push(problem);
  }

  private async locationsOf(state: SeriesState): Promise<ArrayLike<number>> {
    if (!state.base || !this.index) return state.tail;
    const base = readLocations(this.index, state.base);
    if (state.tail.length === 0) return base;
    const all = new Float64Array(base.length + state.tail.length);
    all.set(base);
    all.set(state.tail, base.length);
    return all;
  }

  /**
   * Writes the index covering everything read so far (and the series a streaming append spilled).
   * A failed write leaves no temporary file (and throws).
   */
  private async saveIndex(spilled?: SpilledSeries): Promise<void> {
    // A view that lacks spilled series must not become the index: it would hide them.
    if (this.stale) return;
    const series: Array<{ info: SeriesInfo; locations: ArrayLike<number> }> = [];
    const perSegment = new Array<number>(this.segments.length).fill(0);
    const unknownCrc: Array<{ locations: Float64Array | number[]; at: number }> = [];
    for (const state of this.series.values()) {
      const locations = (await this.locationsOf(state)) as Float64Array | number[];
      for (let i = 0; i < locations.length; i += LOCATION_WIDTH) {
        perSegment[locations[i]]++;
        if (Number.isNaN(locations[i + 3])) unknownCrc.push({ locations, at: i });
      }
      series.push({ info: state.info, locations });
    }
    readFrameCrcs(unknownCrc, (seg) => this.segments[seg].file);
    // An index naming a file that is gone (compacted away since this process last looked) would
    // later read as a loss: leave the writing to a process with a fresh view.
    for (const s of this.segments) {
      const size = await fsp.stat(s.file).then((st) => st.size, () => -1);
      if (size < s.size) return;
    }
    if (spilled) for (let i = 0; i < spilled.count; i++) if (!spilled.dropped[i]) perSegment[spilled.locations[i * LOCATION_WIDTH]]++;
    const segments = this.segments.map((s, i) => ({ name: s.name, size: s.size, lines: s.lines, records: perSegment[i] }));
    const written = await writeIndex(this.indexFile, segments, series, this.losses, this.options.writeIndexBytes, spilled);
    if (spilled) {
      // The view lacks the spilled series: it is reloaded (from this index) before the next operation.
      await this.index?.handle.close().catch(() => undefined);
      this.index = undefined;
      return;
    }
    // Reopen so every series reads from the file just written.
    await this.index?.handle.close().catch(() => undefined);
    this.index = (await reopenWrittenIndex(this.indexFile, written)).index;
    const entries = new Map(this.index?.header.series.map((e) => [e.info.seriesId, e]) ?? []);
    const sameSegments = this.index?.header.segments.length === segments.length &&
      this.index.header.segments.every((s, i) => s.name === segments[i].name && s.size === segments[i].size);
    const matches = sameSegments && entries.size === series.length &&
      series.every((s) => entries.get(s.info.seriesId)?.count === s.locations.length / LOCATION_WIDTH);
    if (!matches) {
      // Another process renamed its index over ours in between: keep our locations in memory.
      await this.index?.handle.close().catch(() => undefined);
      this.index = undefined;
      for (const s of series) {
        const state = this.series.get(s.info.seriesId)!;
        state.base = undefined;
        state.tail = Array.from(s.locations);
      }
      return;
    }
    for (const s of series) {
      const state = this.series.get(s.info.seriesId)!;
      const entry = entries.get(s.info.seriesId)!;
      state.base = { at: entry.at, count: entry.count, crc: entry.crc };
      state.tail = [];
    }
    this.tailRecords = 0;
  }

  // ---------------------------------------------------------------- maintenance

  /**
   * Re-reads every segment byte for byte, checking every frame, and compares the segments with
   * the index (see verify.ts): damaged records, segments deleted, cut short or duplicated, and
   * index damage are reported; a damaged or disagreeing index is rebuilt. Leftovers of dead
   * processes are removed and reported.
   */
  verify(): Promise<VerifyReport> {
    return this.exclusive(async () => {
      this.assertOpen();
      await this.cleanLeftovers();
      const { indexNeedsRebuild, ...report } = await verifyHistory({
        dir: this.dir,
        segmentsDir: this.segmentsDir,
        indexFile: this.indexFile,
        listing: await listSegments(this.segmentsDir),
        ...(this.writer ? { ownSegment: this.writer.segment.name } : {}),
        writerAlive: (name) => this.writerAlive(name),
        knownLosses: this.losses,
        indexRepairs: this.indexRepairs,
      });
      if (indexNeedsRebuild) {
        this.warn(`${this.indexFile}: disagrees with the segments; rebuilding it from them`);
        await this.load({ fromSegments: true });
      }
      const lock = await staleLock(path.join(this.dir, COMPACT_LOCK));
      report.notes.unshift(...this.removedLeftovers, ...(lock ? [lock] : []));
      for (const p of report.problems) this.report(p);
      return report;
    });
  }

  /** Records lost (segments deleted or cut short) that the index carries; `verify` reports them until acknowledged. */
  recordedLosses(): RecordedLoss[] {
    return this.losses.map((l) => ({ ...l }));
  }

  /** Forgets the recorded losses (the user has seen them); returns what was forgotten. Throws when the index cannot be written. */
  acknowledgeLosses(): Promise<RecordedLoss[]> {
    return this.exclusive(async () => {
      this.assertOpen();
      await this.load({ save: false });
      const forgotten = this.losses;
      this.losses = [];
      try {
        await this.saveIndex();
      } catch (err) {
        this.losses = forgotten;
        throw ioError('write the history index', this.indexFile, err);
      }
      return forgotten;
    });
  }

  /**
   * Rewrites the history into one new segment: samples beyond the retention
   * limit become summaries, runs past the limits are dropped, duplicates go.
   * Runs the caller protects are kept whole. Crash-safe: the new segment names
   * the ones it replaces and only becomes visible by an atomic rename.
   */
  compact(options: CompactOptions = {}): Promise<CompactReport> {
    return this.exclusive(async () => {
      this.assertOpen();
      const release = await tryLock(path.join(this.dir, COMPACT_LOCK));
      const report: CompactReport = {
        compacted: false, segmentsBefore: 0, segmentsAfter: 0, bytesBefore: 0, bytesAfter: 0,
        recordsKept: 0, samplesDropped: 0, recordsDropped: 0, duplicatesDropped: 0, skippedLive: 0,
      };
      if (!release) return report;
      try {
        await this.compactLocked(options, report);
      } finally {
        await release();
      }
      return report;
    });
  }

  private async compactLocked(options: CompactOptions, report: CompactReport): Promise<void> {
    const now = options.now ?? Date.now();
    // Our own segment is sealed and compacted too; the next append opens a fresh one.
    await this.retireWriter();
    // Compaction trusts no index: what it keeps is what the segments hold, read from them.
    await this.load({ fromSegments: true, save: false });
    const listing = await listSegments(this.segmentsDir);
    // Leftovers of earlier compactions: superseded files and temporary files of interrupted runs.
    for (const old of listing.superseded) await fsp.rm(path.join(this.segmentsDir, old), { force: true });
    for (const tmp of listing.temporary) await fsp.rm(path.join(this.segmentsDir, tmp), { force: true });
    const compactable = new Set<number>();
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i];
      report.bytesBefore += (await fsp.stat(seg.file)).size;
      if (await this.writerAlive(seg.name)) report.skippedLive++;
      else compactable.add(i);
    }
    // A writer that finished after the load above may have appended more before it went:
    // read its segment to the end now that nobody writes it, or the deletion below loses that.
    for (const i of compactable) await this.scanTail(this.segments[i], i);
    report.segmentsBefore = this.segments.length;
    const name = `c-${Date.now().toString(36).padStart(9, '0')}-${this.writerId}.seg`;
    const target = path.join(this.segmentsDir, name);
    const tmp = target + '.tmp';
    const supersedes = [...compactable].map((i) => this.segments[i].name);
    const handle = await fsp.open(tmp, 'w');
    const newLocations = new Map<string, number[]>();
    const newInfos = new Map<string, SeriesInfo | undefined>();
    let written = 0;
    let writtenRecords = 0;
    try {
      const header = encodeFrame(JSON.stringify({ kind: 'compaction', version: STORE_FORMAT_VERSION, at: now, supersedes }));
      let pending: Buffer[] = [header];
      let pendingBytes = header.length;
      const flush = async () => {
        await writeAll(handle, Buffer.concat(pending));
        pending = [];
        pendingBytes = 0;
      };
      for (const info of this.listSeries()) {
        const state = this.series.get(info.seriesId)!;
        const locations = await this.locationsOf(state);
        const inCompactable = new Set<string>();
        for (let i = 0; i < locations.length; i += LOCATION_WIDTH) if (compactable.has(locations[i])) inCompactable.add(`${locations[i]}:${locations[i + 1]}`);
        const runs = await this.readLocated(info.seriesId);
        // Records in segments that live processes still append to stay where they are, duplicates included.
        const seen = new Set<string>();
        for (const r of runs) if (!inCompactable.has(r.where)) seen.add(r.record.id);
        const unique = runs.filter((r) => {
          if (!inCompactable.has(r.where)) return true;
          if (seen.has(r.record.id)) {
            report.duplicatesDropped++;
            return false;
          }
          seen.add(r.record.id);
          return true;
        });
        const plan = planRetention(unique.map((r) => r.record), this.retention, options, now);
        const locs: number[] = [];
        const kept: RunRecord[] = [];
        unique.forEach((r, i) => {
          const decision = plan[i];
          if (!inCompactable.has(r.where)) {
            kept.push(r.record);
            return;
          }
          if (decision === 'drop') {
            report.recordsDropped++;
            return;
          }
          const record = decision === 'thin' ? thinRecord(r.record) : r.record;
          if (decision === 'thin') report.samplesDropped++;
          kept.push(record);
          const frame = encodeFrame(recordJson(record));
          locs.push(0, header.length + written, frame.length, parseInt(frame.toString('latin1', 0, 8), 16));
          written += frame.length;
          writtenRecords++;
          pending.push(frame);
          pendingBytes += frame.length;
        });
        report.recordsKept += kept.length;
        newLocations.set(info.seriesId, locs);
        newInfos.set(info.seriesId, kept.length ? infoFrom(kept) : undefined);
        if (pendingBytes > 4 << 20) await flush();
      }
      await flush();
      await handle.sync();
    } catch (err) {
      await handle.close().catch(() => undefined);
      await fsp.rm(tmp, { force: true });
      throw ioError('write the compacted history file', tmp, err);
    }
    await handle.close();
    // The commit point: before this rename the old segments are the history, after it the new one is.
    await fsp.rename(tmp, target);
    await syncDir(this.segmentsDir);
    for (const old of supersedes) {
      await fsp.rm(path.join(this.segmentsDir, old), { force: true });
      await fsp.rm(path.join(this.dir, WRITERS, old + '.json'), { force: true });
    }
    await syncDir(this.segmentsDir);

    // New in-memory state: the compacted segment first, then the live segments left alone.
    const oldSegments = this.segments;
    const oldSeries = this.series;
    const headerLength = encodeFrame(JSON.stringify({ kind: 'compaction', version: STORE_FORMAT_VERSION, at: now, supersedes })).length;
    const remap = new Map<number, number>();
    this.segments = [{ name, file: target, size: headerLength + written, lines: 1 + writtenRecords }];
    oldSegments.forEach((seg, i) => {
      if (compactable.has(i)) return;
      remap.set(i, this.segments.length);
      this.segments.push(seg);
    });
    this.series = new Map();
    for (const [seriesId, state] of oldSeries) {
      const info = newInfos.get(seriesId);
      if (!info) continue;
      const tail = newLocations.get(seriesId) ?? [];
      const old = await this.locationsOf(state);
      for (let i = 0; i < old.length; i += LOCATION_WIDTH) {
        const to = remap.get(old[i]);
        if (to !== undefined) tail.push(to, old[i + 1], old[i + 2], old[i + 3]);
      }
      this.series.set(seriesId, { info, tail });
    }
    await this.index?.handle.close().catch(() => undefined);
    this.index = undefined;
    // The compaction is committed; an index that cannot be written now is rebuilt on a later open.
    await this.saveIndex().catch(() => undefined);
    report.compacted = true;
    report.segmentsAfter = this.segments.length;
    for (const seg of this.segments) report.bytesAfter += (await fsp.stat(seg.file)).size;
  }

  /**
   * Whether a background compaction would pay off: many segment files, or many runs
   * still laid out as appended (a series' runs scattered through the files, so reading
   * one series takes one read per run; compacted, it is one read).
   */
  needsCompaction(): boolean {
    this.assertCurrent();
    let scattered = 0;
    for (const s of this.segments) if (!s.name.startsWith('c-')) scattered += s.lines;
    return this.segments.length > 16 || scattered > 20_000;
  }

  // ---------------------------------------------------------------- export

  /** The history (or some series) as one JSON document, streamed in chunks; `import` reads it back exactly. */
  async *exportJson(seriesIds?: string[]): AsyncIterable<string> {
    yield jsonExportOpen();
    let first = true;
    for (const id of this.selectSeries(seriesIds)) {
      for (const record of await this.readSeries(id)) {
        yield (first ? '' : ',\n') + recordJson(record);
        first = false;
      }
    }
    yield jsonExportClose();
  }

  /** The history (or some series) as CSV, one row per run; nested fields are JSON in their cells. */
  async *exportCsv(seriesIds?: string[]): AsyncIterable<string> {
    yield csvHeader();
    for (const id of this.selectSeries(seriesIds)) {
      const rows: string[] = [];
      for (const record of await this.readSeries(id)) rows.push(csvRow(record));
      if (rows.length) yield rows.join('');
    }
  }

  private selectSeries(seriesIds?: string[]): string[] {
    if (!seriesIds || seriesIds.length === 0) return this.listSeries().map((s) => s.seriesId);
    const unknown = seriesIds.filter((id) => !this.series.has(id));
    if (unknown.length) throw new StoreError(`No series with id ${unknown.join(', ')} in ${this.dir}`);
    return seriesIds;
  }

  // ---------------------------------------------------------------- lifecycle

  /** Finishes pending writes, releases this process's segment and saves the index when it lags behind. */
  close(): Promise<void> {
    return this.exclusive(async () => {
      if (this.closed) return;
      await this.retireWriter();
      if (this.tailRecords >= 1000 || (!this.index && this.tailRecords > 0)) await this.saveIndex().catch(() => undefined);
      await this.index?.handle.close().catch(() => undefined);
      this.index = undefined;
      this.closed = true;
    }, { reload: false });
  }

  /** Synchronous queries cannot reload a view a streaming append left stale: they ask for `refresh()` first. */
  private assertCurrent(): void {
    if (this.stale) throw new StoreError(`The history store at ${this.dir} changed in a large import; call refresh() before listing it`);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError(`The history store at ${this.dir} is closed`);
  }

  /**
   * Runs store operations one at a time within this process (other processes write their own files),
   * each on a current view: after a streaming append the view is reloaded from disk first.
   */
  private exclusive<T>(fn: () => Promise<T>, options: { reload?: boolean } = {}): Promise<T> {
    const run = async () => {
      if (this.stale && options.reload !== false && !this.closed) {
        await this.load({ save: false });
        this.stale = false;
      }
      return fn();
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** Whether two records of one series describe the same run (their ids aside). */
function sameRun(a: RunRecord, b: RunRecord): boolean {
  return a.timestamp === b.timestamp && a.value === b.value &&
    (a.vcs?.commit ?? '') === (b.vcs?.commit ?? '') && (a.vcs?.branch ?? '') === (b.vcs?.branch ?? '') && Boolean(a.vcs?.dirty) === Boolean(b.vcs?.dirty);
}

function readFully(fd: number, buf: Buffer, position: number): number {
  let done = 0;
  while (done < buf.length) {
    const n = fs.readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

async function writeAll(handle: fsp.FileHandle, bytes: Buffer): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
    if (bytesWritten <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    done += bytesWritten;
  }
}

interface Member {
  offset: number;
  length: number;
  crc: number;
  order: number;
  fromIndex: boolean;
}

interface Located {
  record: RunRecord;
  /** Segment number and offset. */
  where: string;
  order: number;
}

/** Groups records of one file into few reads: neighbours closer than 64 KiB share one. */
function coalesce(members: Member[]): Array<[number, number, Member[]]> {
  const sorted = [...members].sort((a, b) => a.offset - b.offset);
  const out: Array<[number, number, Member[]]> = [];
  for (const m of sorted) {
    const last = out[out.length - 1];
    if (last && m.offset - last[1] < 65536 && m.offset + m.length - last[0] < 16 << 20) {
      last[1] = Math.max(last[1], m.offset + m.length);
      last[2].push(m);
    } else {
      out.push([m.offset, m.offset + m.length, [m]]);
    }
  }
  return out;
}

function updateInfo(info: SeriesInfo, record: RunRecord): void {
  info.runs++;
  if (record.timestamp < info.firstTimestamp) info.firstTimestamp = record.timestamp;
  if (record.timestamp >= info.lastTimestamp) {
    info.lastTimestamp = record.timestamp;
    info.lastValue = record.value;
    info.name = record.name;
    info.unit = record.unit;
    info.direction = record.direction;
    info.source = record.source;
    if (record.group !== undefined) info.group = record.group;
    if (record.location) info.location = record.location;
  }
}

function infoFrom(runs: RunRecord[]): SeriesInfo {
  const first = runs[0];
  const info: SeriesInfo = {
    seriesId: first.seriesId,
    name: first.name,
    metric: first.metric,
    unit: first.unit,
    direction: first.direction,
    source: first.source,
    machineId: first.machine.id,
    runs: 0,
    firstTimestamp: first.timestamp,
    lastTimestamp: first.timestamp,
    lastValue: first.value,
  };
  if (first.group !== undefined) info.group = first.group;
  if (first.location) info.location = first.location;
  for (const r of runs) updateInfo(info, r);
  return info;
}

/** Merges what `from` says of later runs into `into`, as `updateInfo` would record by record. */
function mergeInfo(into: SeriesInfo, from: SeriesInfo): void {
  const runs = into.runs + from.runs;
  if (from.firstTimestamp < into.firstTimestamp) into.firstTimestamp = from.firstTimestamp;
  if (from.lastTimestamp >= into.lastTimestamp) {
    into.lastTimestamp = from.lastTimestamp;
    into.lastValue = from.lastValue;
    into.name = from.name;
    into.unit = from.unit;
    into.direction = from.direction;
    into.source = from.source;
    if (from.group !== undefined) into.group = from.group;
    if (from.location) into.location = from.location;
  }
  into.runs = runs;
}

/**
 * The series a streaming append met once and the history did not have: each one's info as a line of
 * JSON in a temporary file, its location (offset, length, frame CRC-32) in a typed array, its id in a
 * map to its line. About 100 bytes of memory a series instead of an object graph of several hundred.
 */
class SeriesSpill {
  private handle: fsp.FileHandle | undefined;
  private readonly lines = new Map<string, number>();
  private locations = new Float64Array(3 * 1024);
  private dropped = new Uint8Array(1024);
  private pending: string[] = [];
  private pendingChars = 0;
  count = 0;

  constructor(readonly file: string) {}

  lineOf(seriesId: string): number | undefined {
    return this.lines.get(seriesId);
  }

  entries(): IterableIterator<[string, number]> {
    return this.lines.entries();
  }

  async add(seriesId: string, infoJson: string, offset: number, length: number, crc: number): Promise<void> {
    if (this.count * 3 + 3 > this.locations.length) {
      const locations = new Float64Array(this.locations.length * 2);
      locations.set(this.locations);
      this.locations = locations;
      const dropped = new Uint8Array(this.dropped.length * 2);
      dropped.set(this.dropped);
      this.dropped = dropped;
    }
    this.locations.set([offset, length, crc], this.count * 3);
    this.lines.set(seriesId, this.count++);
    this.pending.push(infoJson);
    this.pendingChars += infoJson.length;
    if (this.pendingChars >= 1 << 20) await this.flush();
  }

  /** Takes a line out (its series is kept elsewhere); returns its location. */
  drop(seriesId: string, line: number): [number, number, number] {
    this.dropped[line] = 1;
    this.lines.delete(seriesId);
    return [this.locations[line * 3], this.locations[line * 3 + 1], this.locations[line * 3 + 2]];
  }

  private async flush(): Promise<void> {
    if (!this.pending.length) return;
    this.handle ??= await fsp.open(this.file, 'w').catch((err) => {
      throw ioError('write a temporary file in', this.file, err);
    });
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    this.pendingChars = 0;
    await writeAll(this.handle, Buffer.from(text, 'utf8')).catch((err) => {
      throw ioError('write a temporary file in', this.file, err);
    });
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle?.close();
    this.handle = undefined;
  }

  asSpilled(segIndex: number): SpilledSeries {
    const locations = new Float64Array(this.count * LOCATION_WIDTH);
    for (let i = 0; i < this.count; i++) locations.set([segIndex, this.locations[i * 3], this.locations[i * 3 + 1], this.locations[i * 3 + 2]], i * LOCATION_WIDTH);
    return { infoFile: this.file, count: this.count, locations, dropped: this.dropped.subarray(0, this.count) };
  }

  async remove(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    await fsp.rm(this.file, { force: true }).catch(() => undefined);
  }
}

function sanitize(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'writer';
}
