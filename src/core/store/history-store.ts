import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RunRecord, SeriesInfo } from '../model';
import { encodeFrame, frameCrc } from './framing';
import { crc32 } from './crc32';
import { StoreError, ioError, type StoreProblem } from './errors';
import { migrateRecord, recordJson } from './migrate';
import { DEFAULT_RETENTION, type RetentionOptions } from './retention';
import { appendedSegmentName, scanSegmentFile, syncDir } from './segment-file';
import { commitMarkerOf, encodeCommitMarker } from './append-commit';
import { IndexDamage, LOCATION_WIDTH, readIndex, readLocations, reopenWrittenIndex, writeIndex, type OpenIndex, type RecordedLoss, type SpilledSeries } from './series-index';
import { describeLoss, lossesOf, mergeLosses, readFrameCrcs, staleSegments } from './index-check';
import { listSegments, type SegmentListing } from './segment-list';
import { describeLeftover, removeLeftovers, staleLock } from './leftovers';
import { verifyHistory, type VerifyReport } from './verify';
import { ownStamp, ownerAlive, readStamp, tryLock } from './locks';
import {
  APPEND_CHUNK_BYTES, COMPACT_LOCK, INDEX_FILE, INDEX_TAIL_LIMIT, RELOAD_ATTEMPTS, SEGMENTS, STORE_FORMAT_VERSION, WRITERS,
  prepareHistoryDir, sanitize, writeStoreMeta,
  type CompactOptions, type CompactReport, type HistoryStoreOptions, type Segment, type SeriesState, type Writer,
} from './store-layout';
import { checkedRecord, sameRun, updateInfo } from './series-info';
import { readLocatedRecords, type Located } from './series-read';
import { appendStreamed } from './append-stream';
import { compactSegments } from './compaction';
import { exportCsv, exportJson } from './store-export';
import { writeAll } from './byte-io';

export { StoreError, type StoreProblem } from './errors';
export type { VerifyReport, SegmentMismatch } from './verify';
export type { RecordedLoss } from './series-index';
export { DEFAULT_RETENTION, type RetentionOptions, type ProtectOptions } from './retention';
export { resolveHistoryDir, registerWorkspaceHistory } from './location';
export { STORE_FORMAT_VERSION, type HistoryStoreOptions, type CompactOptions, type CompactReport } from './store-layout';

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
  /** Internal to the store modules. */
  readonly retention: RetentionOptions;
  /** Internal to the store modules. */
  readonly writerId: string;
  /** Internal to the store modules. */
  segments: Segment[] = [];
  private superseded = new Set<string>();
  /** Internal to the store modules. */
  series = new Map<string, SeriesState>();
  /** Internal to the store modules. */
  index: OpenIndex | undefined;
  /** Records found lost (segments deleted or cut short) that the index carries until acknowledged. */
  private losses: RecordedLoss[] = [];
  /** Index damage met and repaired since opening, for verify. */
  private readonly indexRepairs: string[] = [];
  /** Leftovers of dead processes removed since opening, for verify. */
  private readonly removedLeftovers: string[] = [];
  /** Internal to the store modules. */
  tailRecords = 0;
  private writer: Writer | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /**
   * The in-memory view lacks series a streaming append wrote without keeping them (`appendStream`):
   * the next operation reloads it from disk first, and nothing saves an index from it meanwhile.
   * Internal to the store modules.
   */
  stale = false;
  /** The format `store.json` declares (older histories are marked 2 when first appended to). */
  private formatOnDisk = STORE_FORMAT_VERSION;

  private constructor(
    readonly dir: string,
    /** Internal to the store modules. */
    readonly options: HistoryStoreOptions,
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

  /** Internal to the store modules. */
  get segmentsDir(): string {
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
   * Internal to the store modules.
   */
  async withReload<T>(action: string, fn: () => Promise<T>): Promise<T> {
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

  /** Internal to the store modules. */
  async readSeriesOnce(seriesId: string): Promise<RunRecord[]> {
    return (await this.readLocated(seriesId)).map((r) => r.record);
  }

  /**
   * A series' records with where each lies, oldest first. An index entry that disagrees with the
   * frame it points to (or a slice of the index that fails its checksum) means the index is wrong:
   * it is rebuilt from the segments, with a warning, and the series read again.
   * Internal to the store modules.
   */
  async readLocated(seriesId: string): Promise<Located[]> {
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

  /** @internal See series-read.ts. */
  readLocatedOnce(seriesId: string): Promise<Located[]> {
    return readLocatedRecords(this, seriesId);
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
    return this.exclusive(() => appendStreamed(this, batches, options));
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

  /** Internal to the store modules. */
  async ensureWriter(): Promise<Writer> {
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
    await writeStoreMeta(this.dir).catch((e) => {
      throw ioError('update', path.join(this.dir, 'store.json'), e);
    });
    this.formatOnDisk = STORE_FORMAT_VERSION;
  }

  /** Internal to the store modules. */
  async retireWriter(): Promise<void> {
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
    this.formatOnDisk = await prepareHistoryDir(this.dir);
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
   * Internal to the store modules.
   */
  async load(options: { fromSegments?: boolean; save?: boolean } = {}, attempt = 0): Promise<void> {
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

  /** Internal to the store modules. */
  async scanTail(segment: Segment, segIndex: number): Promise<void> {
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

  /** Internal to the store modules. */
  async writerAlive(segmentName: string): Promise<boolean> {
    return ownerAlive(await readStamp(path.join(this.dir, WRITERS, segmentName + '.json')));
  }

  /** Internal to the store modules. */
  parseRecord(json: string, file: string, offset: number): RunRecord | undefined {
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

  /** Internal to the store modules. */
  report(problem: StoreProblem): void {
    const key = `${problem.file}:${problem.offset}`;
    if (this.problemKeys.has(key)) return;
    this.problemKeys.add(key);
    this.problems.push(problem);
  }

  /** Internal to the store modules. */
  async locationsOf(state: SeriesState): Promise<ArrayLike<number>> {
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
   * Internal to the store modules.
   */
  async saveIndex(spilled?: SpilledSeries): Promise<void> {
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
        await compactSegments(this, options, report);
      } finally {
        await release();
      }
      return report;
    });
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
  exportJson(seriesIds?: string[]): AsyncIterable<string> {
    return exportJson(this, seriesIds);
  }

  /** The history (or some series) as CSV, one row per run; nested fields are JSON in their cells. */
  exportCsv(seriesIds?: string[]): AsyncIterable<string> {
    return exportCsv(this, seriesIds);
  }

  /** Whether the history has this series. */
  hasSeries(seriesId: string): boolean {
    return this.series.has(seriesId);
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

  /** Internal to the store modules. */
  assertOpen(): void {
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
