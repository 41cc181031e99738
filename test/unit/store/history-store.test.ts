import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunRecord } from '../../../src/core/model';
import { HistoryStore, StoreError } from '../../../src/core/store/history-store';
import { encodeFrame } from '../../../src/core/store/framing';
import { encodeCommitMarker } from '../../../src/core/store/append-commit';
import { crc32 } from '../../../src/core/store/crc32';
import { migrateRecord, recordJson, RecordFormatError } from '../../../src/core/store/migrate';
import { parseExport } from '../../../src/core/store/export-format';
import { seriesIdOf } from '../../../src/core/series-id';
import { makeRecord } from './records';

async function collect(iterable: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const chunk of iterable) out += chunk;
  return out;
}

function segmentFiles(dir: string): string[] {
  return fs.readdirSync(path.join(dir, 'segments')).filter((n) => n.endsWith('.seg')).map((n) => path.join(dir, 'segments', n));
}

describe('history store', () => {
  let root: string;
  let n = 0;
  const fresh = () => path.join(root, `s${n++}`);
  before(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-store-'))));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('computes the standard CRC-32', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(crc32(Buffer.from('')), 0);
    assert.equal(crc32(Buffer.from('The quick brown fox jumps over the lazy dog')), 0x414fa339);
  });

  it('stores runs and reads each series back exactly, oldest first, across reopen with and without the index', async () => {
    const dir = fresh();
    const store = await HistoryStore.open(dir);
    const written: RunRecord[] = [];
    for (let i = 0; i < 30; i++) {
      // Appended newest-first within a batch to check the ordering by timestamp.
      const batch = ['alpha', 'beta', 'gamma, "quoted"'].map((name) => makeRecord(name, 100 - i, { samples: i % 2 ? 10 : undefined }));
      await store.append(batch);
      written.push(...batch);
    }
    const check = async (s: HistoryStore) => {
      const list = s.listSeries();
      assert.deepEqual(list.map((x) => x.name), ['alpha', 'beta', 'gamma, "quoted"']);
      for (const info of list) {
        const expected = written.filter((r) => r.seriesId === info.seriesId).sort((a, b) => a.timestamp - b.timestamp);
        assert.equal(info.runs, 30);
        assert.equal(info.lastTimestamp, expected[expected.length - 1].timestamp);
        assert.equal(info.lastValue, expected[expected.length - 1].value);
        assert.equal(info.firstTimestamp, expected[0].timestamp);
        assert.equal(info.machineId, 'm-test');
        assert.deepEqual(await s.readSeries(info.seriesId), expected);
      }
      assert.deepEqual(await s.readSeries('no-such-series'), []);
      assert.deepEqual(s.problems, []);
    };
    await check(store);
    await store.close();
    await assert.rejects(store.append([makeRecord('alpha', 1)]), StoreError);
    const warnings: string[] = [];
    const reopened = await HistoryStore.open(dir, { onWarning: (m) => warnings.push(m) });
    await check(reopened);
    await reopened.close();
    assert.deepEqual(warnings, [], 'the index written at close agrees with every frame it locates');
    fs.rmSync(path.join(dir, 'index.bin'), { force: true });
    const rebuilt = await HistoryStore.open(dir);
    await check(rebuilt);
    await rebuilt.close();
    assert.ok(fs.existsSync(path.join(dir, 'index.bin')), 'the index is rebuilt');
  });

  it('keeps appending without rewriting: each append adds exactly its bytes to one file', async () => {
    const dir = fresh();
    const store = await HistoryStore.open(dir);
    await store.append([makeRecord('a', 1)]);
    const [file] = segmentFiles(dir);
    const before = fs.readFileSync(file);
    const record = makeRecord('a', 2);
    await store.append([record]);
    const after = fs.readFileSync(file);
    assert.deepEqual(after.subarray(0, before.length), before);
    assert.ok(after.subarray(before.length).toString().includes(record.id));
    await store.close();
  });

  it('appendNew skips ids already stored, also across processes’ files and reopen', async () => {
    const dir = fresh();
    const a = await HistoryStore.open(dir);
    const records = Array.from({ length: 10 }, (_, i) => makeRecord('dedup', i));
    assert.equal(await a.appendNew(records.slice(0, 6)), 6);
    assert.equal(await a.appendNew(records), 4);
    assert.equal(await a.appendNew(records), 0);
    assert.equal(await a.appendNew([records[0], records[0]]), 0);
    const b = await HistoryStore.open(dir);
    assert.equal(await b.appendNew([...records, makeRecord('dedup', 11)]), 1);
    assert.equal(b.listSeries()[0].runs, 11);
    assert.equal(await a.refresh(), true, 'the first store sees the second one’s append');
    assert.equal(a.listSeries()[0].runs, 11);
    assert.equal(await a.refresh(), false);
    await a.close();
    await b.close();
  });

  it('migrates a version 0 record, in memory and when stored in a segment', async () => {
    const v0 = { name: 'old bench', value: 0.25, time: '2024-01-02T03:04:05Z', unit: 's' };
    const migrated = migrateRecord(v0);
    assert.equal(migrated.v, 1);
    assert.equal(migrated.name, 'old bench');
    assert.equal(migrated.value, 0.25);
    assert.equal(migrated.timestamp, Date.parse('2024-01-02T03:04:05Z'));
    assert.equal(migrated.seriesId, seriesIdOf('old bench', 'time', 'import'));
    assert.deepEqual(migrateRecord(v0), migrated, 'migration is deterministic');
    assert.throws(() => migrateRecord({ v: 7, id: 'x' }), /newer Perf Pulse/);
    assert.throws(() => migrateRecord({ name: 'x' }), RecordFormatError);
    assert.throws(() => migrateRecord({ ...makeRecord('x', 1), direction: 'up' }), /direction/);

    const dir = fresh();
    const store = await HistoryStore.open(dir);
    await store.append([makeRecord('new', 1)]);
    await store.close();
    fs.writeFileSync(path.join(dir, 'segments', '000000000-legacy.seg'), encodeFrame(JSON.stringify(v0)));
    const reopened = await HistoryStore.open(dir);
    assert.deepEqual(await reopened.readSeries(migrated.seriesId), [migrated]);
    assert.deepEqual(reopened.problems, []);
    await reopened.close();
  });

  it('refuses a history written by a newer format with a clear error', async () => {
    const dir = fresh();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'store.json'), JSON.stringify({ format: 'perf-pulse-history', version: 99 }));
    await assert.rejects(HistoryStore.open(dir), (err: Error) => err instanceof StoreError && /format 99/.test(err.message) && err.message.includes(dir));
  });

  it('refuses malformed records before writing anything', async () => {
    const dir = fresh();
    const store = await HistoryStore.open(dir);
    await store.append([makeRecord('ok', 1)]);
    const bad = { ...makeRecord('bad', 2), value: 'fast' } as unknown as RunRecord;
    await assert.rejects(store.append([makeRecord('ok', 2), bad]), /Refusing to store record 1 \(bad\).*value/);
    assert.equal(store.listSeries().length, 1);
    assert.equal(store.listSeries()[0].runs, 1);
    await store.close();
  });

  describe('all-or-nothing appends', () => {
    /** The frames of an append whose commit marker never made it to disk (a writer killed mid-write). */
    const unfinishedAppend = (records: RunRecord[]) => Buffer.concat(records.map((r) => encodeFrame(recordJson(r))));
    const runs = (store: HistoryStore) => store.listSeries().reduce((sum, s) => sum + s.runs, 0);

    it('shows another process nothing of an append until its commit marker is written, then all of it', async () => {
      const dir = fresh();
      const writer = await HistoryStore.open(dir, { writerId: 'w' });
      await writer.append([makeRecord('a', 0), makeRecord('b', 0)]);
      const reader = await HistoryStore.open(dir);
      assert.equal(runs(reader), 2);
      // The writer's next append, caught half way: 300 records' frames are on disk, the marker is not.
      const [file] = segmentFiles(dir);
      const batch = Array.from({ length: 300 }, (_, i) => makeRecord(i % 2 ? 'a' : 'b', i + 1, { samples: 3 }));
      const frames = unfinishedAppend(batch);
      const sizeBefore = fs.statSync(file).size;
      fs.appendFileSync(file, frames);
      assert.equal(await reader.refresh(), false, 'nothing of the unfinished append is shown');
      assert.equal(runs(reader), 2);
      assert.equal((await reader.readSeries(batch[0].seriesId)).length, 1);
      const other = await HistoryStore.open(dir);
      assert.equal(runs(other), 2, 'nor to a store opened meanwhile');
      assert.deepEqual(other.problems, [], 'an append in progress by a live writer is no damage');
      await other.close();
      // The marker lands: the whole append appears at once.
      fs.appendFileSync(file, encodeCommitMarker(batch.length, frames.length));
      assert.equal(await reader.refresh(), true);
      assert.equal(runs(reader), 302);
      assert.deepEqual(reader.problems, []);
      assert.equal(fs.statSync(file).size - sizeBefore, frames.length + encodeCommitMarker(batch.length, frames.length).length);
      await reader.close();
      await writer.close();
    });

    it('treats the unfinished append of a killed writer as never written, after reopen, in verify and in compaction', async () => {
      const dir = fresh();
      const store = await HistoryStore.open(dir, { writerId: 'killed' });
      const kept = Array.from({ length: 10 }, (_, i) => makeRecord('k', i));
      await store.append(kept.slice(0, 5));
      await store.append(kept.slice(5));
      const [file] = segmentFiles(dir);
      // Killed while writing a 2,000-record append: everything but the last 7 bytes landed, marker included.
      const batch = Array.from({ length: 2000 }, (_, i) => makeRecord('k', 100 + i));
      const frames = unfinishedAppend(batch);
      const torn = Buffer.concat([frames, encodeCommitMarker(batch.length, frames.length)]);
      fs.appendFileSync(file, torn.subarray(0, torn.length - 7));
      (store as unknown as { writer?: { handle: fs.promises.FileHandle } }).writer?.handle.close();
      fs.rmSync(path.join(dir, 'writers'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'writers'));
      fs.rmSync(path.join(dir, 'index.bin'), { force: true });

      const reopened = await HistoryStore.open(dir);
      assert.deepEqual((await reopened.readSeries(kept[0].seriesId)).map((r) => r.id), kept.map((r) => r.id));
      assert.equal(reopened.problems.length, 1);
      assert.match(reopened.problems[0].message, /incomplete record at the end/);
      assert.equal(reopened.problems[0].length, torn.length - 7, 'the whole unfinished append is the incomplete tail');
      const report = await reopened.verify();
      assert.equal(report.records, 10);
      // New appends go on in a new file; a compaction keeps exactly the committed records.
      await reopened.append([makeRecord('k', 50)]);
      assert.equal((await reopened.readSeries(kept[0].seriesId)).length, 11);
      const compacted = await reopened.compact();
      assert.equal(compacted.recordsKept, 11);
      await reopened.close();
      const after = await HistoryStore.open(dir);
      assert.equal(runs(after), 11);
      assert.deepEqual((await after.verify()).problems, []);
      await after.close();
    });

    it('writes a large append in chunks of a few MB, the marker last; a reader between the chunks sees none of it', async () => {
      const dir = fresh();
      const writes: number[] = [];
      const seenBetween: number[] = [];
      // Assigned once, but after the writer's callback may already read it: `const` would throw there.
      // eslint-disable-next-line prefer-const
      let reader: HistoryStore | undefined;
      const store = await HistoryStore.open(dir, {
        writeBytes: async (handle, bytes) => {
          if (reader) {
            await reader.refresh();
            seenBetween.push(runs(reader));
          }
          writes.push(bytes.length);
          let done = 0;
          while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
        },
      });
      await store.append([makeRecord('first', 0)]);
      reader = await HistoryStore.open(dir);
      // About 12 MB of frames: 3,000 records of 500 samples each.
      const big = Array.from({ length: 3000 }, (_, i) => makeRecord(`big-${i % 30}`, i, { samples: 500 }));
      const frameBytes = big.reduce((sum, r) => sum + encodeFrame(recordJson(r)).length, 0);
      assert.ok(frameBytes > 10 * 2 ** 20, `${frameBytes} bytes`);
      writes.length = 0;
      await store.append(big);
      assert.ok(writes.length >= 3, `written in ${writes.length} writes`);
      assert.ok(Math.max(...writes) < 5 * 2 ** 20, `the largest write is ${Math.max(...writes)} bytes`);
      assert.deepEqual(seenBetween.slice(1), writes.slice(1).map(() => 1), 'no part of the append is visible before its marker');
      assert.equal(writes.reduce((a, b) => a + b, 0), frameBytes + encodeCommitMarker(big.length, frameBytes).length);
      await reader.refresh();
      assert.equal(runs(reader), 3001);
      await store.close();
      await reader.close();
      const reopened = await HistoryStore.open(dir);
      assert.equal(runs(reopened), 3001);
      assert.deepEqual((await reopened.readSeries(big[0].seriesId)).map((r) => r.id), big.filter((_, i) => i % 30 === 0).map((r) => r.id));
      assert.deepEqual((await reopened.verify()).problems, []);
      await reopened.close();
    });

    it('reads a format 1 history (appends without markers) as before, and marks it format 2 at its first append', async () => {
      const dir = fresh();
      fs.mkdirSync(path.join(dir, 'segments'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'store.json'), JSON.stringify({ format: 'perf-pulse-history', version: 1 }));
      const old = Array.from({ length: 4 }, (_, i) => makeRecord('old', i));
      fs.writeFileSync(path.join(dir, 'segments', '0lz00000a-1234-abcd.seg'), unfinishedAppend(old));
      const store = await HistoryStore.open(dir);
      assert.deepEqual((await store.readSeries(old[0].seriesId)).map((r) => r.id), old.map((r) => r.id));
      assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'store.json'), 'utf8')).version, 1, 'reading changes nothing');
      await store.append([makeRecord('old', 4)]);
      assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'store.json'), 'utf8')).version, 2);
      assert.ok(segmentFiles(dir).some((f) => f.endsWith('.v2.seg')));
      await store.close();
      const reopened = await HistoryStore.open(dir);
      assert.equal((await reopened.readSeries(old[0].seriesId)).length, 5);
      assert.deepEqual(reopened.problems, []);
      assert.equal((await reopened.verify()).records, 5);
      await reopened.close();
    });
  });

  describe('damage', () => {
    /**
     * Two damaged spots: bytes inside record 4, and bytes over the newline between records 10 and 11
     * (0-based; one append holds both, and the damage merges them). `recordStarts` are the records'
     * offsets (commit marker lines lie between appends), `lineOf` gives a 1-based line number.
     */
    async function damagedStore(): Promise<{ dir: string; file: string; all: RunRecord[]; lost: Set<string>; recordStarts: number[]; lineOf: (offset: number) => number }> {
      const dir = fresh();
      const store = await HistoryStore.open(dir);
      const all: RunRecord[] = [];
      for (let i = 0; i < 20; i++) {
        const batch = ['x', 'y'].map((name) => makeRecord(name, i, { samples: 5 }));
        await store.append(batch);
        all.push(...batch);
      }
      await store.close();
      const [file] = segmentFiles(dir);
      const text = fs.readFileSync(file, 'latin1');
      const lineStarts = [0];
      for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
      const recordStarts = lineStarts.filter((at) => text.startsWith('{"v":', text.indexOf(' ', at + 9) + 1));
      assert.equal(recordStarts.length, all.length);
      const fd = fs.openSync(file, 'r+');
      fs.writeSync(fd, Buffer.alloc(10, 0x41), 0, 10, recordStarts[4] + 100);
      fs.writeSync(fd, Buffer.alloc(40, 0x41), 0, 40, recordStarts[11] - 20);
      fs.closeSync(fd);
      return { dir, file, all, lost: new Set([all[4].id, all[10].id, all[11].id]), recordStarts, lineOf: (offset) => lineStarts.indexOf(offset) + 1 };
    }

    it('reports overwritten records with file and byte offset, and loads the rest (index rebuilt)', async () => {
      const { dir, file, all, lost, recordStarts, lineOf } = await damagedStore();
      fs.rmSync(path.join(dir, 'index.bin'));
      const store = await HistoryStore.open(dir);
      assert.deepEqual(store.problems.map((p) => [p.file, p.offset, p.line]), [
        [file, recordStarts[4], lineOf(recordStarts[4])],
        [file, recordStarts[10], lineOf(recordStarts[10])],
      ]);
      assert.match(store.problems[0].message, /checksum mismatch/);
      const recordLength = (k: number) => encodeFrame(recordJson(all[k])).length;
      assert.equal(store.problems[1].length, recordLength(10) + recordLength(11), 'the merged damage spans two records');
      const loaded: RunRecord[] = [];
      for await (const r of store.allRecords()) loaded.push(r);
      assert.deepEqual(new Set(loaded.map((r) => r.id)), new Set(all.filter((r) => !lost.has(r.id)).map((r) => r.id)));
      await store.close();
    });

    it('detects the same damage through an existing index when reading the series, and verify reports it', async () => {
      const { dir, file, all, recordStarts, lineOf } = await damagedStore();
      assert.ok(fs.existsSync(path.join(dir, 'index.bin')));
      const warnings: string[] = [];
      const store = await HistoryStore.open(dir, { onWarning: (m) => warnings.push(m) });
      assert.equal(store.problems.length, 0, 'the index spares a full scan at open');
      let count = 0;
      for (const info of store.listSeries()) count += (await store.readSeries(info.seriesId)).length;
      assert.equal(count, all.length - 3);
      // Record 5's frame header still matches its index entry: a damaged record; so does record 11's, whose
      // line end is overwritten. Record 12's header is overwritten, so its entry cannot be confirmed: the
      // index is rebuilt, whose scan finds records 11 and 12 merged into one damaged line.
      assert.deepEqual(store.problems.map((p) => p.offset).sort((a, b) => a - b), [recordStarts[4], recordStarts[10]]);
      assert.ok(store.problems.every((p) => p.file === file && /damaged record/.test(p.message)));
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], new RegExp(`index\\.bin: an entry of series .* points at segments/.*byte ${recordStarts[11]}, where no record starts there; rebuilding it from the segments`));
      const report = await store.verify();
      assert.equal(report.records, all.length - 3);
      assert.deepEqual(report.problems.map((p) => p.line), [lineOf(recordStarts[4]), lineOf(recordStarts[10])]);
      await store.close();
    });

    it('reports a torn last record (an interrupted write) and keeps everything before it', async () => {
      const dir = fresh();
      const store = await HistoryStore.open(dir, { writerId: 'torn' });
      const records = Array.from({ length: 5 }, (_, i) => makeRecord('t', i));
      for (const r of records) await store.append([r]);
      const [file] = segmentFiles(dir);
      // Simulate a crash: the process is gone (its marker too) and the last line is half written.
      (store as unknown as { writer?: { handle: fs.promises.FileHandle } }).writer?.handle.close();
      fs.rmSync(path.join(dir, 'writers'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'writers'));
      const size = fs.statSync(file).size;
      fs.truncateSync(file, size - 30);
      const reopened = await HistoryStore.open(dir);
      assert.equal(reopened.problems.length, 1);
      assert.match(reopened.problems[0].message, /incomplete record at the end/);
      assert.equal(reopened.problems[0].file, file);
      assert.deepEqual((await reopened.readSeries(records[0].seriesId)).map((r) => r.id), records.slice(0, 4).map((r) => r.id));
      await reopened.append([makeRecord('t', 9)]);
      assert.equal((await reopened.readSeries(records[0].seriesId)).length, 5);
      await reopened.close();
    });

    it('a write error (disk full) reaches the caller as a clear error; nothing stored before is harmed', async () => {
      const dir = fresh();
      let fail = false;
      const store = await HistoryStore.open(dir, {
        writeBytes: async (handle, bytes) => {
          if (!fail) {
            await handle.write(bytes, 0, bytes.length);
            return;
          }
          // Half the bytes land, then the disk is full.
          await handle.write(bytes, 0, Math.floor(bytes.length / 2));
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        },
      });
      const kept = Array.from({ length: 8 }, (_, i) => makeRecord('full', i, { samples: 4 }));
      await store.append(kept);
      fail = true;
      await assert.rejects(store.append([makeRecord('full', 8), makeRecord('full', 9)]), (err: Error) => {
        assert.ok(err instanceof StoreError);
        assert.match(err.message, /disk is full/);
        assert.ok(err.message.includes(path.join(dir, 'segments')), err.message);
        assert.equal((err as StoreError).code, 'ENOSPC');
        return true;
      });
      assert.equal(store.listSeries()[0].runs, 8, 'the failed append is not counted');
      assert.deepEqual(await store.readSeries(kept[0].seriesId), kept);
      fail = false;
      const later = makeRecord('full', 10);
      await store.append([later]);
      await store.close();
      const reopened = await HistoryStore.open(dir);
      assert.deepEqual((await reopened.readSeries(kept[0].seriesId)).map((r) => r.id), [...kept, later].map((r) => r.id));
      // The half-written bytes of the failed append were taken back: no record of it, no damage.
      assert.deepEqual(reopened.problems, []);
      await reopened.close();
    });
  });

  describe('compaction', () => {
    it('thins samples beyond the retention, keeps protected runs whole, drops duplicates and keeps every run', async () => {
      const dir = fresh();
      const store = await HistoryStore.open(dir, { retention: { keepSamplesRuns: 3 } });
      const runs = Array.from({ length: 12 }, (_, i) => makeRecord('c', i, { samples: 20 }));
      const other = Array.from({ length: 12 }, (_, i) => makeRecord('d', i, { samples: 20 }));
      for (let i = 0; i < 12; i++) await store.append([runs[i], other[i]]);
      await store.append([runs[2]]); // a duplicate (as a plain append can make)
      const protectedId = runs[1].id;
      const report = await store.compact({ protect: (id) => (id === other[0].seriesId ? 6 : 0), protectIds: new Set([protectedId]) });
      assert.ok(report.compacted);
      assert.equal(report.duplicatesDropped, 1);
      assert.equal(report.recordsKept, 24);
      assert.equal(report.samplesDropped, 12 - 3 - 1 + 12 - 6);
      assert.ok(report.bytesAfter < report.bytesBefore);
      const check = async (s: HistoryStore) => {
        const c = await s.readSeries(runs[0].seriesId);
        assert.deepEqual(c.map((r) => r.id), runs.map((r) => r.id));
        c.forEach((r, i) => {
          const whole = i >= 9 || r.id === protectedId;
          assert.equal(!!r.samples, whole, `run ${i}`);
          assert.equal(r.summary?.n, whole ? undefined : 20);
          assert.equal(r.value, runs[i].value);
        });
        const d = await s.readSeries(other[0].seriesId);
        assert.deepEqual(d.map((r) => !!r.samples), other.map((_, i) => i >= 6));
        assert.equal(s.listSeries().find((x) => x.name === 'c')!.runs, 12);
      };
      await check(store);
      assert.equal(store.needsCompaction(), false);
      await store.append([makeRecord('c', 20)]);
      await store.close();
      const reopened = await HistoryStore.open(dir);
      assert.equal(reopened.listSeries().find((x) => x.name === 'c')!.runs, 13);
      assert.deepEqual((await reopened.verify()).problems, []);
      await reopened.close();
      assert.equal(segmentFiles(dir).length, 2, 'one compacted segment plus the later append');
    });

    it('drops runs past the count limit but never the protected tail', async () => {
      const dir = fresh();
      const store = await HistoryStore.open(dir, { retention: { keepSamplesRuns: 2, maxRunsPerSeries: 5 } });
      const runs = Array.from({ length: 10 }, (_, i) => makeRecord('limit', i));
      await store.append(runs);
      let report = await store.compact({ protect: () => 7 });
      assert.equal(report.recordsDropped, 3);
      assert.deepEqual((await store.readSeries(runs[0].seriesId)).map((r) => r.id), runs.slice(3).map((r) => r.id));
      report = await store.compact();
      assert.equal(report.recordsDropped, 2);
      assert.deepEqual((await store.readSeries(runs[0].seriesId)).map((r) => r.id), runs.slice(5).map((r) => r.id));
      await store.close();
    });

    it('leaves alone the segment another live writer is appending to', async () => {
      const dir = fresh();
      const writer = await HistoryStore.open(dir);
      const compactor = await HistoryStore.open(dir, { retention: { keepSamplesRuns: 1 } });
      await compactor.append([makeRecord('live', 0, { samples: 5 })]);
      await writer.append([makeRecord('live', 1, { samples: 5 })]);
      await compactor.refresh();
      const report = await compactor.compact();
      assert.equal(report.skippedLive, 1);
      await writer.append([makeRecord('live', 2, { samples: 5 })]);
      assert.equal(await writer.refresh(), true, 'the writer notices the compaction');
      assert.equal(writer.listSeries()[0].runs, 3);
      await compactor.refresh();
      assert.equal((await compactor.readSeries(writer.listSeries()[0].seriesId)).length, 3);
      await writer.close();
      await compactor.close();
    });
  });

  it('exports JSON and CSV that import back exactly; re-import adds nothing', async () => {
    const dir = fresh();
    const store = await HistoryStore.open(dir);
    const records = ['p', 'q, with "quotes"\nand a newline'].flatMap((name) => Array.from({ length: 5 }, (_, i) => makeRecord(name, i, { samples: i % 2 ? 3 : undefined })));
    records[0].location = { file: 'bench/x.ts', line: 3 };
    records[1].spread = { kind: 'stddev', value: 0.001 };
    records[2].vcs = {};
    await store.append(records);
    const sort = (rs: RunRecord[]) => [...rs].sort((a, b) => a.id.localeCompare(b.id));
    for (const format of ['json', 'csv'] as const) {
      const text = await collect(format === 'json' ? store.exportJson() : store.exportCsv());
      const back = parseExport(text, `export.${format}`);
      assert.deepEqual(sort(back), sort(records), format);
      assert.equal(await store.appendNew(back), 0, `${format}: re-import adds nothing`);
      const target = await HistoryStore.open(fresh());
      assert.equal(await target.appendNew(back), records.length);
      assert.deepEqual(sort([...(await target.readSeries(records[0].seriesId)), ...(await target.readSeries(records[9].seriesId))]), sort(records));
      await target.close();
    }
    const one = parseExport(await collect(store.exportCsv([records[0].seriesId])));
    assert.equal(one.length, 5);
    assert.ok(one.every((r) => r.seriesId === records[0].seriesId));
    await assert.rejects(async () => collect(store.exportJson(['nope'])), /No series with id nope/);
    assert.throws(() => parseExport('{"format":"perf-pulse-history","version":1,"records":[{"v":1}]}', 'x.json'), /x\.json: record 0: record lacks/);
    await store.close();
  });
});
