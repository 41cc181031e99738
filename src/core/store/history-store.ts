import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RunRecord, SeriesInfo } from '../model';
import { decodeFrame, encodeFrame } from './framing';
import { StoreError, ioError, type StoreProblem } from './errors';
import { migrateRecord, recordJson } from './migrate';
import { DEFAULT_RETENTION, planRetention, thinRecord, type ProtectOptions, type RetentionOptions } from './retention';
import { appendedSegmentName, readFirstLine, scanSegmentFile, syncDir, writeFileAtomic } from './segment-file';
import { encodeCommitMarker } from './append-commit';
import { readIndex, readLocations, writeIndex, type OpenIndex } from './series-index';
import { ownStamp, ownerAlive, readStamp, tryLock } from './locks';
import { csvHeader, csvRow, jsonExportClose, jsonExportOpen } from './export-format';

export { StoreError, type StoreProblem } from './errors';
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
}

export interface VerifyReport {
  segments: number;
  records: number;
  bytes: number;
  series: number;
  problems: StoreProblem[];
  /** Leftovers that are harmless (superseded segments, temporary files) and removed by the next compaction. */
  notes: string[];
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
  base?: { at: number; count: number };
  /** Locations outside the index: segment number, offset, length triples. */
  tail: number[];
}

interface Writer {
  segment: Segment;
  segmentIndex: number;
  handle: fsp.FileHandle;
  marker: string;
}

/**
 * The workspace's performance history: append-only segment files of framed
 * JSON lines, one file per writing process (so two editors and the CLI never
 * share a file), plus an index for fast opening. See docs/HISTORY.md.
 */
export class HistoryStore {
  readonly problems: StoreProblem[] = [];
  private readonly problemKeys = new Set<string>();
  private readonly retention: RetentionOptions;
  private readonly writerId: string;
  private segments: Segment[] = [];
  private superseded = new Set<string>();
  private series = new Map<string, SeriesState>();
  private index: OpenIndex | undefined;
  private tailRecords = 0;
  private writer: Writer | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
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
    await store.load();
    return store;
  }

  private get segmentsDir(): string {
    return path.join(this.dir, SEGMENTS);
  }

  // ---------------------------------------------------------------- queries

  /** Every series with its run count and latest value, without reading any run. */
  listSeries(): SeriesInfo[] {
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
    const state = this.series.get(seriesId);
    if (!state) return [];
    const locations = await this.locationsOf(state);
    const segments = this.segments;
    const bySegment = new Map<number, number[]>();
    for (let i = 0; i < locations.length; i += 3) {
      let list = bySegment.get(locations[i]);
      if (!list) bySegment.set(locations[i], (list = []));
      list.push(locations[i + 1], locations[i + 2]);
    }
    const records: Array<{ record: RunRecord; order: number }> = [];
    let order = 0;
    // Synchronous reads: a series is a few page-cached ranges, and thread-pool round trips
    // cost more than the reads themselves on a busy machine.
    for (const [segIndex, ranges] of [...bySegment.entries()].sort((a, b) => a[0] - b[0])) {
      const segment = segments[segIndex];
      const fd = fs.openSync(segment.file, 'r');
      try {
        for (const [start, end, members] of coalesce(ranges)) {
          const buf = Buffer.allocUnsafe(end - start);
          const bytesRead = readFully(fd, buf, start);
          for (let m = 0; m < members.length; m += 2) {
            const offset = members[m];
            const length = members[m + 1];
            const lineEnd = offset - start + length - 1;
            if (lineEnd >= bytesRead || buf[lineEnd] !== 0x0a) {
              this.report({ file: segment.file, offset, length, message: 'damaged record: line end missing (truncated or overwritten)' });
              continue;
            }
            const frame = decodeFrame(buf, offset - start, lineEnd);
            if (!frame.ok) {
              this.report({ file: segment.file, offset, length, message: frame.message });
              continue;
            }
            const record = this.parseRecord(frame.json, segment.file, offset);
            if (record && record.seriesId === seriesId) records.push({ record, order: order++ });
          }
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    records.sort((a, b) => a.record.timestamp - b.record.timestamp || a.order - b.order);
    return records.map((r) => r.record);
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

  private async appendNow(input: RunRecord[]): Promise<void> {
    this.assertOpen();
    if (input.length === 0) return;
    const records = input.map((r, i) => {
      try {
        // A shallow copy: validation may fill in defaults, and the caller's object stays untouched.
        return migrateRecord({ ...r });
      } catch (err) {
        throw new StoreError(`Refusing to store record ${i} (${r?.name ?? r?.id ?? '?'}): ${(err as Error).message}`);
      }
    });
    const frames = records.map((r) => encodeFrame(recordJson(r)));
    let framesLength = 0;
    for (const f of frames) framesLength += f.length;
    // The marker last: until it is on disk, readers treat the whole append as not written.
    const bytes = Buffer.concat([...frames, encodeCommitMarker(records.length, framesLength)]);
    const writer = await this.ensureWriter();
    try {
      await (this.options.writeBytes ?? writeAll)(writer.handle, bytes);
      await writer.handle.datasync();
    } catch (err) {
      // Take back whatever part of this append landed (we are the file's only writer), so a failed
      // append leaves nothing behind; and retire the file, so later appends start clean in a new one.
      await writer.handle.truncate(writer.segment.size).catch(() => undefined);
      await this.retireWriter();
      throw ioError('append to the history file', writer.segment.file, err);
    }
    let offset = writer.segment.size;
    records.forEach((record, i) => {
      this.addRecord(record, writer.segmentIndex, offset, frames[i].length);
      offset += frames[i].length;
    });
    writer.segment.size += bytes.length;
    writer.segment.lines += records.length + 1;
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
        const listing = await this.listSegments();
        const known = new Set(this.segments.map((s) => s.name));
        const vanished = this.segments.some((s) => !listing.live.includes(s.name));
        if (vanished) {
          await this.load();
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

  private async listSegments(): Promise<{ live: string[]; superseded: Set<string>; temporary: string[] }> {
    const names = (await fsp.readdir(this.segmentsDir)).sort();
    const superseded = new Set<string>();
    for (const name of names) {
      if (!name.startsWith('c-') || !name.endsWith('.seg')) continue;
      const header = await readCompactionHeader(path.join(this.segmentsDir, name)).catch(() => undefined);
      for (const old of header?.supersedes ?? []) superseded.add(old);
    }
    return {
      live: names.filter((n) => n.endsWith('.seg') && !superseded.has(n)),
      superseded,
      temporary: names.filter((n) => n.endsWith('.tmp')),
    };
  }

  /** Reads the index and scans whatever it does not cover. Rebuilds everything when the index is stale. */
  private async load(attempt = 0): Promise<void> {
    await this.index?.handle.close().catch(() => undefined);
    this.index = undefined;
    this.series = new Map();
    this.tailRecords = 0;
    const ownSegment = this.writer?.segment.name;
    try {
      const listing = await this.listSegments();
      this.superseded = listing.superseded;
      const sizes = new Map<string, number>();
      for (const name of listing.live) sizes.set(name, (await fsp.stat(path.join(this.segmentsDir, name))).size);
      const index = await readIndex(path.join(this.dir, INDEX_FILE));
      const usable = index && index.header.segments.every((s) => (sizes.get(s.name) ?? -1) >= s.size);
      this.segments = [];
      if (index && usable) {
        this.index = index;
        for (const s of index.header.segments) this.segments.push({ name: s.name, file: path.join(this.segmentsDir, s.name), size: s.size, lines: s.lines });
        for (const entry of index.header.series) this.series.set(entry.info.seriesId, { info: entry.info, base: { at: entry.at, count: entry.count }, tail: [] });
      } else {
        await index?.handle.close().catch(() => undefined);
      }
      const covered = new Set(this.segments.map((s) => s.name));
      for (const name of listing.live) {
        if (!covered.has(name)) this.segments.push({ name, file: path.join(this.segmentsDir, name), size: 0, lines: 0 });
      }
      for (let i = 0; i < this.segments.length; i++) await this.scanTail(this.segments[i], i);
    } catch (err) {
      // A compaction in another process removed files while we listed them: start again.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 5) return this.load(attempt + 1);
      throw ioError('read the history in', this.dir, err);
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
    if (this.tailRecords >= INDEX_TAIL_LIMIT || (!this.index && this.tailRecords > 0)) await this.saveIndex().catch(() => undefined);
  }

  private async scanTail(segment: Segment, segIndex: number): Promise<void> {
    const result = await scanSegmentFile(segment.file, segment.size, segment.lines, {
      record: (json, offset, length) => {
        const record = this.parseRecord(json, segment.file, offset);
        if (record) this.addRecord(record, segIndex, offset, length);
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
    if (raw && typeof raw === 'object' && (raw as { kind?: unknown }).kind === 'compaction') return undefined;
    try {
      return migrateRecord(raw);
    } catch (err) {
      this.report({ file, offset, message: `unreadable record: ${(err as Error).message}` });
      return undefined;
    }
  }

  private addRecord(record: RunRecord, segIndex: number, offset: number, length: number): void {
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
    state.tail.push(segIndex, offset, length);
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

  /** Writes the index covering everything read so far. */
  private async saveIndex(): Promise<void> {
    const series: Array<{ info: SeriesInfo; locations: ArrayLike<number> }> = [];
    for (const state of this.series.values()) series.push({ info: state.info, locations: await this.locationsOf(state) });
    const segments = this.segments.map((s) => ({ name: s.name, size: s.size, lines: s.lines }));
    await writeIndex(path.join(this.dir, INDEX_FILE), segments, series);
    // Reopen so every series reads from the file just written.
    await this.index?.handle.close().catch(() => undefined);
    this.index = await readIndex(path.join(this.dir, INDEX_FILE));
    const entries = new Map(this.index?.header.series.map((e) => [e.info.seriesId, e]) ?? []);
    const sameSegments = this.index?.header.segments.length === segments.length &&
      this.index.header.segments.every((s, i) => s.name === segments[i].name && s.size === segments[i].size);
    const matches = sameSegments && entries.size === series.length &&
      series.every((s) => entries.get(s.info.seriesId)?.count === s.locations.length / 3);
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
      state.base = { at: entry.at, count: entry.count };
      state.tail = [];
    }
    this.tailRecords = 0;
  }

  // ---------------------------------------------------------------- maintenance

  /** Re-reads every segment byte for byte, checking every frame, and reports all damage. */
  verify(): Promise<VerifyReport> {
    return this.exclusive(async () => {
      this.assertOpen();
      const listing = await this.listSegments();
      const problems: StoreProblem[] = [];
      let records = 0;
      let bytes = 0;
      const series = new Set<string>();
      for (const name of listing.live) {
        const file = path.join(this.segmentsDir, name);
        const result = await scanSegmentFile(file, 0, 0, {
          record: (json, offset, _length, line) => {
            let raw: unknown;
            try {
              raw = JSON.parse(json);
            } catch (err) {
              problems.push({ file, offset, line, message: `damaged record: invalid JSON (${(err as Error).message})` });
              return;
            }
            if ((raw as { kind?: unknown })?.kind === 'compaction') return;
            try {
              series.add(migrateRecord(raw).seriesId);
              records++;
            } catch (err) {
              problems.push({ file, offset, line, message: `unreadable record: ${(err as Error).message}` });
            }
          },
          problem: (offset, length, line, message) => problems.push({ file, offset, line, length, message }),
        });
        bytes += result.size;
        if (result.size > result.end && name !== this.writer?.segment.name && !(await this.writerAlive(name))) {
          problems.push({ file, offset: result.end, line: result.lines + 1, length: result.size - result.end, message: 'incomplete record at the end of the file (a write was interrupted)' });
        }
      }
      const notes: string[] = [];
      const present = new Set(await fsp.readdir(this.segmentsDir));
      for (const old of listing.superseded) if (present.has(old)) notes.push(`${old}: superseded by a compaction, removed by the next one`);
      for (const tmp of listing.temporary) notes.push(`${tmp}: temporary file of an interrupted compaction, removed by the next one`);
      for (const p of problems) this.report(p);
      return { segments: listing.live.length, records, bytes, series: series.size, problems, notes };
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
    await this.load();
    const listing = await this.listSegments();
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
        for (let i = 0; i < locations.length; i += 3) if (compactable.has(locations[i])) inCompactable.add(`${locations[i]}:${locations[i + 1]}`);
        const runs = await this.readSeriesWithLocation(info.seriesId);
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
          locs.push(0, header.length + written, frame.length);
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
      for (let i = 0; i < old.length; i += 3) {
        const to = remap.get(old[i]);
        if (to !== undefined) tail.push(to, old[i + 1], old[i + 2]);
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

  private async readSeriesWithLocation(seriesId: string): Promise<Array<{ record: RunRecord; where: string }>> {
    const state = this.series.get(seriesId);
    if (!state) return [];
    const locations = await this.locationsOf(state);
    const out: Array<{ record: RunRecord; where: string; order: number }> = [];
    const fds = new Map<number, number>();
    try {
      for (let i = 0; i < locations.length; i += 3) {
        const seg = locations[i];
        let fd = fds.get(seg);
        if (fd === undefined) fds.set(seg, (fd = fs.openSync(this.segments[seg].file, 'r')));
        const length = locations[i + 2];
        const buf = Buffer.allocUnsafe(length);
        const bytesRead = readFully(fd, buf, locations[i + 1]);
        if (bytesRead !== length || buf[length - 1] !== 0x0a) {
          this.report({ file: this.segments[seg].file, offset: locations[i + 1], length, message: 'damaged record: line end missing (truncated or overwritten)' });
          continue;
        }
        const frame = decodeFrame(buf, 0, length - 1);
        if (!frame.ok) {
          this.report({ file: this.segments[seg].file, offset: locations[i + 1], length, message: frame.message });
          continue;
        }
        const record = this.parseRecord(frame.json, this.segments[seg].file, locations[i + 1]);
        if (record) out.push({ record, where: `${seg}:${locations[i + 1]}`, order: i });
      }
    } finally {
      for (const fd of fds.values()) fs.closeSync(fd);
    }
    out.sort((a, b) => a.record.timestamp - b.record.timestamp || a.order - b.order);
    return out;
  }

  /**
   * Whether a background compaction would pay off: many segment files, or many runs
   * still laid out as appended (a series' runs scattered through the files, so reading
   * one series takes one read per run; compacted, it is one read).
   */
  needsCompaction(): boolean {
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
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError(`The history store at ${this.dir} is closed`);
  }

  /** Runs store operations one at a time within this process (other processes write their own files). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
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

async function readCompactionHeader(file: string): Promise<{ supersedes: string[] } | undefined> {
  const line = await readFirstLine(file);
  if (!line) return undefined;
  const frame = decodeFrame(line, 0, line.length);
  if (!frame.ok) return undefined;
  const header = JSON.parse(frame.json) as { kind?: string; supersedes?: unknown };
  if (header.kind !== 'compaction' || !Array.isArray(header.supersedes)) return undefined;
  return { supersedes: header.supersedes.filter((s): s is string => typeof s === 'string') };
}

/** Groups byte ranges (offset, length pairs) of one file into few reads: neighbours closer than 64 KiB share one. */
function coalesce(ranges: number[]): Array<[number, number, number[]]> {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < ranges.length; i += 2) pairs.push([ranges[i], ranges[i + 1]]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number, number[]]> = [];
  for (const [offset, length] of pairs) {
    const last = out[out.length - 1];
    if (last && offset - last[1] < 65536 && offset + length - last[0] < 16 << 20) {
      last[1] = Math.max(last[1], offset + length);
      last[2].push(offset, length);
    } else {
      out.push([offset, offset + length, [offset, length]]);
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

function sanitize(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'writer';
}
