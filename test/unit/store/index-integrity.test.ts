import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunRecord } from '../../../src/core/model';
import { HistoryStore } from '../../../src/core/store/history-store';
import { encodeIndex, readAllLocations, readIndex } from '../../../src/core/store/series-index';
import { encodeFrame } from '../../../src/core/store/framing';
import { recordJson } from '../../../src/core/store/migrate';
import { makeRecord } from './records';

/** Where the index file keeps its location table: entries of `width` bytes, each series a slice. */
export function indexLayout(file: string): { width: number; tableOffset: number; series: Array<{ seriesId: string; at: number; count: number }> } {
  const bytes = fs.readFileSync(file);
  const magic = bytes.toString('latin1', 0, 8);
  // Format 1 (before checksums): magic, u32 header length, header, table of (segment, offset, length).
  // Format 2: magic, u32 header length, u32 header CRC, header, table of (segment, offset, length, frame CRC).
  const preamble = magic === 'PPIDX01\n' ? 12 : 16;
  const headerLength = bytes.readUInt32LE(8);
  const header = JSON.parse(bytes.toString('utf8', preamble, preamble + headerLength)) as { series: Array<{ info: { seriesId: string }; at: number; count: number }> };
  return {
    width: magic === 'PPIDX01\n' ? 24 : 32,
    tableOffset: (preamble + headerLength + 7) & ~7,
    series: header.series.map((s) => ({ seriesId: s.info.seriesId, at: s.at, count: s.count })),
  };
}

export async function allIds(store: HistoryStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const r of store.allRecords()) ids.push(r.id);
  return ids.sort();
}

const sorted = (records: RunRecord[]) => records.map((r) => r.id).sort();

function segmentFiles(dir: string): string[] {
  return fs.readdirSync(path.join(dir, 'segments')).filter((n) => n.endsWith('.seg')).sort().map((n) => path.join(dir, 'segments', n));
}

/** The JSON header of an index file (format 2). */
function indexHeader(file: string): { segments: Array<{ name: string; size: number; lines: number; records: number }>; series: Array<{ count: number }> } {
  const bytes = fs.readFileSync(file);
  return JSON.parse(bytes.toString('utf8', 16, 16 + bytes.readUInt32LE(8)));
}

/** Byte offsets where the segment's record frames start (commit markers left out). */
function recordStarts(file: string): number[] {
  const text = fs.readFileSync(file, 'latin1');
  const starts: number[] = [];
  for (let at = 0; at < text.length; at = text.indexOf('\n', at) + 1) {
    if (text.startsWith('{"v":', text.indexOf(' ', at + 9) + 1)) starts.push(at);
  }
  return starts;
}

function cli(args: string[]): { code: number | null; out: string; err: string } {
  const repo = path.join(__dirname, '../../..');
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repo, 'src/cli/main.ts'), ...args], { cwd: repo, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('history index integrity', function () {
  this.timeout(60_000);
  let root: string;
  let n = 0;
  const fresh = () => path.join(root, `s${n++}`);
  before(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-index-'))));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  /** Three series of 20 runs, appended one run of each series at a time, closed so the index covers them. */
  async function storeWithIndex(): Promise<{ dir: string; records: RunRecord[] }> {
    const dir = fresh();
    const store = await HistoryStore.open(dir, { onWarning: () => undefined });
    const records: RunRecord[] = [];
    for (let i = 0; i < 20; i++) {
      const batch = ['alpha', 'beta', 'gamma'].map((name) => makeRecord(name, i));
      await store.append(batch);
      records.push(...batch);
    }
    await store.close();
    // Reopening with every record outside the index saves one.
    const again = await HistoryStore.open(dir, { onWarning: () => undefined });
    await again.close();
    assert.ok(fs.existsSync(path.join(dir, 'index.bin')));
    return { dir, records };
  }

  it('an index of 20,000 series (a header of several MB, written in pieces) reads back whole, header and locations', async () => {
    const dir = fresh();
    const store = await HistoryStore.open(dir, { onWarning: () => undefined });
    const records = Array.from({ length: 20_000 }, (_, i) => makeRecord(`series › ${i} ✓`, i));
    await store.append(records);
    await store.close();
    const read = await readIndex(path.join(dir, 'index.bin'));
    assert.ok(read.index, JSON.stringify(read));
    const headerBytes = fs.readFileSync(path.join(dir, 'index.bin')).readUInt32LE(8);
    assert.ok(headerBytes > 2 * 2 ** 20, `${headerBytes} bytes of header`);
    assert.deepEqual(read.index.header.series.map((s) => s.info.name), records.map((r) => r.name));
    const locations = readAllLocations(read.index);
    assert.equal([...locations.values()].reduce((sum, l) => sum + l.length / 4, 0), 20_000);
    await read.index.handle.close();
    const reopened = await HistoryStore.open(dir);
    assert.deepEqual((await reopened.readSeries(records[12_345].seriesId)).map((r) => r.id), [records[12_345].id]);
    assert.deepEqual((await reopened.verify()).indexProblems, []);
    await reopened.close();
  });

  describe('a damaged index.bin', () => {
    it('two flipped bytes in the location table: reads, export and compact still see every record; one warning; verify reports it', async () => {
      const { dir, records } = await storeWithIndex();
      const file = path.join(dir, 'index.bin');
      const layout = indexLayout(file);
      const bytes = fs.readFileSync(file);
      // The high bytes of the offset and the length of beta's first entry: both become huge numbers.
      const beta = layout.series.find((s) => s.seriesId === records[1].seriesId)!;
      const entry = layout.tableOffset + beta.at * layout.width;
      bytes[entry + 15] ^= 0x7f;
      bytes[entry + 23] ^= 0x7f;
      fs.writeFileSync(file, bytes);

      const warnings: string[] = [];
      const store = await HistoryStore.open(dir, { onWarning: (m) => warnings.push(m) });
      assert.deepEqual(await allIds(store), sorted(records));
      let exported = '';
      for await (const chunk of store.exportJson()) exported += chunk;
      assert.equal(JSON.parse(exported).records.length, records.length);
      assert.deepEqual(store.problems, []);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0], /index\.bin: location table fails its checksum; rebuilding it from the segments/);
      const report = await store.verify();
      assert.deepEqual(report.problems, []);
      assert.equal(report.indexProblems.length, 1, 'verify reports the repair made since the store was opened');
      const compacted = await store.compact();
      assert.equal(compacted.recordsKept, records.length);
      await store.close();
      const reopened = await HistoryStore.open(dir);
      assert.deepEqual(await allIds(reopened), sorted(records));
      await reopened.close();
    });

    it('the same two flipped bytes through the CLI: export exits 0 with every record and a one-line warning; verify exits 1', async () => {
      const { dir, records } = await storeWithIndex();
      const file = path.join(dir, 'index.bin');
      const layout = indexLayout(file);
      const bytes = fs.readFileSync(file);
      const entry = layout.tableOffset + layout.series[0].at * layout.width;
      bytes[entry + 15] ^= 0x7f;
      bytes[entry + 23] ^= 0x7f;
      fs.writeFileSync(file, bytes);
      const copy = dir + '-copy';
      fs.cpSync(dir, copy, { recursive: true });

      const exported = cli(['history', 'export', '--history', dir]);
      assert.equal(exported.code, 0, exported.err);
      assert.equal(JSON.parse(exported.out).records.length, records.length);
      assert.equal(exported.err.trim().split('\n').length, 1, exported.err);
      assert.match(exported.err, /warning: .*index\.bin: location table fails its checksum/);

      const verified = cli(['history', 'verify', '--history', copy]);
      assert.equal(verified.code, 1, verified.out + verified.err);
      assert.match(verified.out, /index\.bin: location table fails its checksum; rebuilt from the segments/);
      assert.equal(cli(['history', 'verify', '--history', copy]).code, 0, 'the rebuilt index is sound');
    });

    it('an entry pointing at another series’ frame: no record dropped or hidden, and compact loses nothing', async () => {
      const { dir, records } = await storeWithIndex();
      const file = path.join(dir, 'index.bin');
      const layout = indexLayout(file);
      const bytes = fs.readFileSync(file);
      // Swap alpha's and beta's first entries: each now points at a frame of the other series.
      const a = layout.tableOffset + layout.series[0].at * layout.width;
      const b = layout.tableOffset + layout.series[1].at * layout.width;
      const first = Buffer.from(bytes.subarray(a, a + layout.width));
      bytes.copy(bytes, a, b, b + layout.width);
      first.copy(bytes, b);
      fs.writeFileSync(file, bytes);

      const warnings: string[] = [];
      const store = await HistoryStore.open(dir, { onWarning: (m) => warnings.push(m) });
      for (const info of store.listSeries()) {
        const runs = await store.readSeries(info.seriesId);
        assert.deepEqual(runs.map((r) => r.id).sort(), sorted(records.filter((r) => r.seriesId === info.seriesId)), info.name);
      }
      assert.equal(warnings.length, 1);
      const report = await store.compact();
      assert.equal(report.recordsKept, records.length);
      await store.close();
      const reopened = await HistoryStore.open(dir);
      assert.deepEqual(reopened.listSeries().map((s) => s.runs), [20, 20, 20]);
      assert.deepEqual(await allIds(reopened), sorted(records));
      await reopened.close();
    });

    it('an entry pointing at a commit marker (checksums made to match) is index damage, not a record: rebuilt, nothing dropped', async () => {
      const { dir, records } = await storeWithIndex();
      const file = path.join(dir, 'index.bin');
      const read = await readIndex(file);
      assert.ok(read.index);
      const { header } = read.index;
      const locations = readAllLocations(read.index);
      await read.index.handle.close();
      // The first append is alpha, beta, gamma, then its marker: point alpha's first entry at that marker.
      const segment = path.join(dir, 'segments', header.segments[0].name);
      const text = fs.readFileSync(segment, 'latin1');
      const markerAt = recordStarts(segment)[2] + text.slice(recordStarts(segment)[2]).indexOf('\n') + 1;
      const markerLine = text.slice(markerAt, text.indexOf('\n', markerAt) + 1);
      assert.match(markerLine, /\{"kind":"commit","records":3,/);
      const alpha = header.series.find((s) => s.info.name === 'alpha')!;
      const forged = Float64Array.from(locations.get(alpha.info.seriesId)!);
      forged.set([0, markerAt, markerLine.length, parseInt(markerLine.slice(0, 8), 16)], 0);
      locations.set(alpha.info.seriesId, forged);
      fs.writeFileSync(file, encodeIndex(header.segments, header.series.map((s) => ({ info: s.info, locations: locations.get(s.info.seriesId)! })), header.losses));

      const warnings: string[] = [];
      const store = await HistoryStore.open(dir, { onWarning: (m) => warnings.push(m) });
      const runs = await store.readSeries(alpha.info.seriesId);
      assert.deepEqual(runs.map((r) => r.id).sort(), sorted(records.filter((r) => r.name === 'alpha')));
      assert.deepEqual(store.problems, []);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0], new RegExp(`index\\.bin: an entry of series .* points at a commit marker \\(segments/.* byte ${markerAt}\\); rebuilding it from the segments`));
      assert.deepEqual(await allIds(store), sorted(records));
      await store.close();
    });
  });

  describe('verify compares the segments with the index', () => {
    /** One segment per writer: `sizes[k]` records in the k-th. */
    async function segmentsOf(sizes: number[]): Promise<{ dir: string; records: RunRecord[][] }> {
      const dir = fresh();
      const records: RunRecord[][] = [];
      for (const [k, size] of sizes.entries()) {
        const store = await HistoryStore.open(dir, { writerId: `w${k}` });
        const mine = Array.from({ length: size }, (_, i) => makeRecord(`series-${k}`, i));
        for (const r of mine) await store.append([r]);
        records.push(mine);
        await store.close();
      }
      // Opening without an index saves one covering every segment. (Segments written since the index
      // was last saved are not covered: their loss cannot be told from their never having existed.)
      fs.rmSync(path.join(dir, 'index.bin'));
      await (await HistoryStore.open(dir)).close();
      return { dir, records };
    }

    it('a segment cut at a record boundary: 2 records lost, exit 1, reported again until acknowledged', async () => {
      const { dir } = await segmentsOf([6, 4]);
      const [file] = segmentFiles(dir);
      // Cut where the fifth record starts (after the fourth append's commit marker).
      const cut = recordStarts(file)[4];
      const size = fs.statSync(file).size;
      fs.truncateSync(file, cut);
      const first = cli(['history', 'verify', '--history', dir]);
      assert.equal(first.code, 1, first.out + first.err);
      assert.ok(first.out.includes(`segments/${path.basename(file)} was cut short by ${size - cut} bytes: 2 record(s) lost`), first.out);
      // Any command that opens the history warns once and records the loss in the index.
      const list = cli(['history', 'list', '--history', dir]);
      assert.equal(list.code, 0);
      assert.equal(list.err, '', 'the loss was recorded by the first open and is not warned again');
      const again = cli(['history', 'verify', '--json', '--history', dir]);
      assert.equal(again.code, 1);
      const report = JSON.parse(again.out);
      assert.deepEqual(report.mismatches.map((m: { kind: string; records: number }) => [m.kind, m.records]), [['truncated', 2]]);
      assert.equal(report.records, 8);
      const ack = cli(['history', 'verify', '--acknowledge-losses', '--history', dir]);
      assert.equal(ack.code, 1, 'the run that acknowledges still reports what it found');
      assert.match(ack.out, /1 recorded loss\(es\) acknowledged/);
      assert.equal(cli(['history', 'verify', '--history', dir]).code, 0);
    });

    it('a deleted segment: 3 records lost, named, exit 1; the open that noticed it warned once', async () => {
      const { dir } = await segmentsOf([5, 3]);
      const [, second] = segmentFiles(dir);
      fs.rmSync(second);
      const warnings: string[] = [];
      const store = await HistoryStore.open(dir, { onWarning: (m) => warnings.push(m) });
      assert.equal(warnings.length, 1);
      assert.ok(warnings[0].includes(`segments/${path.basename(second)} is gone: 3 record(s) lost`), warnings[0]);
      await store.close();
      const verified = cli(['history', 'verify', '--history', dir]);
      assert.equal(verified.code, 1);
      assert.ok(verified.out.includes(`segments/${path.basename(second)} is gone: 3 record(s) lost`), verified.out);
    });

    it('a segment deleted under an open store, before any index covered it: refresh counts what it held', async () => {
      const { dir } = await segmentsOf([2]);
      const warnings: string[] = [];
      const reader = await HistoryStore.open(dir, { onWarning: (m) => warnings.push(m) });
      // Another process appends 3 runs to its own segment and exits; the index does not cover them.
      const other = await HistoryStore.open(dir, { writerId: 'other' });
      await other.append([0, 1, 2].map((i) => makeRecord('other', i)));
      await other.close();
      assert.equal(await reader.refresh(), true);
      const otherSegment = segmentFiles(dir).find((f) => f.endsWith('-other.v2.seg'))!;
      fs.rmSync(otherSegment);
      await reader.refresh();
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.ok(warnings[0].includes(`segments/${path.basename(otherSegment)} is gone: 3 record(s) lost`), warnings[0]);
      assert.deepEqual(reader.recordedLosses().map((l) => [l.kind, l.records]), [['missing', 3]]);
      await reader.close();
      const verified = cli(['history', 'verify', '--history', dir]);
      assert.equal(verified.code, 1);
      assert.ok(verified.out.includes(`segments/${path.basename(otherSegment)} is gone: 3 record(s) lost`), verified.out);
    });

    it('an empty segment that disappears (its writer’s first append failed) is no loss', async () => {
      const dir = fresh();
      const failing = await HistoryStore.open(dir, {
        writerId: 'failed',
        writeBytes: async () => {
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        },
      });
      await assert.rejects(failing.append([makeRecord('never', 1)]), /disk is full/);
      await failing.close();
      const writer = await HistoryStore.open(dir);
      await writer.append([makeRecord('kept', 1)]);
      await writer.close();
      const empty = segmentFiles(dir).find((f) => f.endsWith('-failed.v2.seg'))!;
      assert.equal(fs.statSync(empty).size, 0);
      fs.rmSync(empty);
      const warnings: string[] = [];
      const store = await HistoryStore.open(dir, { onWarning: (m) => warnings.push(m) });
      assert.deepEqual(warnings, []);
      const report = await store.verify();
      assert.deepEqual(report.mismatches, []);
      await store.close();
    });

    // A copy keeping the `.v2.seg` suffix is read like the original (through its commit markers); one
    // named like a format-1 segment is read without them, and its markers must not count as records either.
    for (const copyName of ['000-copy.v2.seg', '000-copy.seg']) {
      it(`a duplicated segment (${copyName}): its records are reported as counted twice, exit 1`, async () => {
        const { dir } = await segmentsOf([4, 3]);
        const [, second] = segmentFiles(dir);
        // Named to sort first: the index, which covers the original, tells which one is the copy.
        const copy = path.join(dir, 'segments', copyName);
        fs.copyFileSync(second, copy);
        const verified = cli(['history', 'verify', '--json', '--history', dir]);
        assert.equal(verified.code, 1);
        const report = JSON.parse(verified.out);
        assert.deepEqual(report.mismatches.map((m: { kind: string; records: number; file: string }) => [m.kind, m.records, m.file]), [['duplicate', 3, copy]]);
        assert.deepEqual(report.problems, [], 'commit markers are neither records nor damage');
        assert.equal(report.records, 4 + 3 + 3);
        const text = cli(['history', 'verify', '--history', dir]);
        assert.ok(text.out.includes(`segments/${copyName} repeats 3 record(s) of segments/${path.basename(second)}`), text.out);
        assert.equal(cli(['history', 'compact', '--history', dir]).code, 0);
        assert.equal(cli(['history', 'verify', '--history', dir]).code, 0, 'compaction removes the duplicates');
      });
    }

    it('a killed writer’s unfinished append (frames after its last commit marker) is never indexed and is no loss', async () => {
      const dir = fresh();
      const writer = await HistoryStore.open(dir, { writerId: 'killed' });
      const committed = Array.from({ length: 6 }, (_, i) => makeRecord('k', i));
      await writer.append(committed.slice(0, 3));
      await writer.append(committed.slice(3));
      const [file] = segmentFiles(dir);
      const committedSize = fs.statSync(file).size;
      // Killed after 4 whole frames of its next append had landed, before their commit marker.
      const unfinished = Buffer.concat([10, 11, 12, 13].map((i) => encodeFrame(recordJson(makeRecord('k', i)))));
      fs.appendFileSync(file, unfinished);
      await (writer as unknown as { writer?: { handle: fs.promises.FileHandle } }).writer?.handle.close();
      fs.rmSync(path.join(dir, 'writers', path.basename(file) + '.json'));

      const warnings: string[] = [];
      const store = await HistoryStore.open(dir, { onWarning: (m) => warnings.push(m) });
      // The index this open saved covers the committed part: its size, its 6 records (not the 2
      // marker lines, not the 4 unfinished frames) and their 8 lines.
      const header = indexHeader(path.join(dir, 'index.bin'));
      assert.deepEqual(header.segments.map((s) => [s.name, s.size, s.records, s.lines]), [[path.basename(file), committedSize, 6, 8]]);
      assert.deepEqual(header.series.map((s) => s.count), [6]);
      const report = await store.verify();
      assert.equal(report.records, 6);
      assert.deepEqual(report.mismatches, []);
      assert.deepEqual(report.indexProblems, []);
      assert.deepEqual(report.problems.map((p) => [p.offset, p.length, /incomplete record at the end/.test(p.message)]), [[committedSize, unfinished.length, true]]);
      await store.close();

      // Part of the unfinished append gone too (never synced): still nothing the index covered.
      fs.truncateSync(file, committedSize + 100);
      const reader = await HistoryStore.open(dir, { onWarning: (m) => warnings.push(m) });
      assert.deepEqual((await reader.verify()).mismatches, []);
      // A compaction elsewhere drops the unfinished append with the segment; the reader sees no loss.
      const compactor = await HistoryStore.open(dir, { onWarning: (m) => warnings.push(m) });
      assert.equal((await compactor.compact()).recordsKept, 6);
      await compactor.close();
      assert.equal(await reader.refresh(), true);
      assert.deepEqual(reader.recordedLosses(), []);
      assert.deepEqual(await allIds(reader), sorted(committed));
      await reader.close();
      assert.deepEqual(warnings, []);
      const after = await HistoryStore.open(dir);
      const clean = await after.verify();
      assert.deepEqual([clean.records, clean.problems, clean.mismatches, clean.indexProblems], [6, [], [], []]);
      await after.close();
    });
  });

  describe('leftovers', () => {
    /** The pid of a process that has exited (so no process has it, short of reuse). */
    function deadPid(): number {
      const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      return Number(child.stdout);
    }
    const tmpFiles = (dir: string) => fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'));

    it('a failed index write (disk full) leaves no index.bin.<pid>-*.tmp, and the records stay readable', async () => {
      const dir = fresh();
      let failures = 0;
      const store = await HistoryStore.open(dir, {
        writeIndexBytes: async (handle, bytes) => {
          // Part of the index lands, then the disk is full.
          await handle.write(bytes, 0, Math.floor(bytes.length / 2));
          failures++;
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        },
      });
      const records = Array.from({ length: 50 }, (_, i) => makeRecord('full', i, { samples: 20 }));
      await store.append(records);
      await store.close();
      assert.equal(failures, 1, 'closing tried to write the index');
      assert.deepEqual(tmpFiles(dir), []);
      assert.ok(!fs.existsSync(path.join(dir, 'index.bin')));
      const reopened = await HistoryStore.open(dir);
      assert.deepEqual(await allIds(reopened), sorted(records));
      await reopened.close();
    });

    it('temporary files and writer markers of dead processes are removed on open and listed by verify; those of live ones stay', async () => {
      const dir = fresh();
      const live = await HistoryStore.open(dir, { writerId: 'live' });
      await live.append([makeRecord('x', 1)]);
      const dead = deadPid();
      const stamp = (pid: number) => JSON.stringify({ pid, hostname: os.hostname(), started: Date.now() - 1000 });
      fs.writeFileSync(path.join(dir, `index.bin.${dead}-abc123.tmp`), Buffer.alloc(280_000));
      fs.writeFileSync(path.join(dir, `store.json.${dead}-def456.tmp`), '{');
      fs.writeFileSync(path.join(dir, `index.bin.${process.pid}-ghi789.tmp`), 'this process: maybe a write in progress');
      fs.writeFileSync(path.join(dir, 'writers', '000000001-killed.v2.seg.json'), stamp(dead));
      fs.writeFileSync(path.join(dir, 'writers', '000000002-empty-old.seg.json'), '');
      const old = (Date.now() - 120_000) / 1000;
      fs.utimesSync(path.join(dir, 'writers', '000000002-empty-old.seg.json'), old, old);
      fs.writeFileSync(path.join(dir, 'writers', '000000003-empty-new.seg.json'), '');
      fs.writeFileSync(path.join(dir, `compact.lock.broken-${dead}-1700000000000`), stamp(dead));
      // The stamped temporary file a lock is hard-linked from, of a process killed before removing it.
      fs.writeFileSync(path.join(dir, `compact.lock.${dead}-0a1b2c3d.tmp`), stamp(dead));
      fs.writeFileSync(path.join(dir, 'compact.lock'), stamp(dead));
      const markersBefore = fs.readdirSync(path.join(dir, 'writers')).sort();

      const store = await HistoryStore.open(dir);
      assert.deepEqual(tmpFiles(dir), [`index.bin.${process.pid}-ghi789.tmp`]);
      const markers = fs.readdirSync(path.join(dir, 'writers')).sort();
      assert.deepEqual(markers, markersBefore.filter((n) => !n.startsWith('000000001') && !n.startsWith('000000002')));
      assert.ok(markers.some((n) => n.endsWith('-live.v2.seg.json')), 'the live writer keeps its marker');
      const report = await store.verify();
      const removed = report.notes.filter((n) => n.startsWith('removed '));
      assert.equal(removed.length, 6, report.notes.join('\n'));
      assert.ok(removed.some((n) => n.includes(`compact.lock.${dead}-0a1b2c3d.tmp: temporary file of an interrupted write of compact.lock by process ${dead}`)));
      assert.ok(removed.some((n) => n.includes(`compact.lock.broken-${dead}-1700000000000: copy of a broken lock`)));
      assert.ok(report.notes.includes(`compact.lock: held by process ${dead} on ${os.hostname()}, which is no longer running; the next compaction breaks it`), report.notes.join('\n'));
      assert.ok(fs.existsSync(path.join(dir, 'compact.lock')), 'a lock is only broken by the next taker');
      assert.ok(removed.some((n) => n.includes(`index.bin.${dead}-abc123.tmp: temporary file of an interrupted write of index.bin by process ${dead}, which is no longer running`)));
      assert.ok(removed.some((n) => n.includes(`writers/000000001-killed.v2.seg.json: writer marker of process ${dead}`)));
      // A leftover appearing while the store is open is found (and removed) by verify itself.
      fs.writeFileSync(path.join(dir, `index.bin.${dead}-later1.tmp`), 'x');
      const second = await store.verify();
      assert.ok(second.notes.some((n) => n.includes(`index.bin.${dead}-later1.tmp`)));
      assert.ok(!fs.existsSync(path.join(dir, `index.bin.${dead}-later1.tmp`)));
      await store.close();
      await live.close();
    });
  });
});
