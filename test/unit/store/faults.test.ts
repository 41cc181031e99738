import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunRecord } from '../../../src/core/model';
import { HistoryStore } from '../../../src/core/store/history-store';
import { seededRandom } from '../../../src/core/stats/random';
import { startWorker, workerScript } from './worker';
import { seriesIdOf } from '../../../src/core/series-id';
import { makeRecord, TEST_MACHINE } from './records';
import { encodeFrame } from '../../../src/core/store/framing';
import { recordJson } from '../../../src/core/store/migrate';
import { jsonExportClose, jsonExportOpen } from '../../../src/core/store/export-format';

async function storedIds(dir: string): Promise<{ ids: string[]; store: HistoryStore }> {
  const store = await HistoryStore.open(dir);
  const ids: string[] = [];
  for await (const r of store.allRecords()) ids.push(r.id);
  return { ids, store };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('history store under faults (real processes)', function () {
  // Real processes on a shared machine: generous, the work itself is a fraction of this.
  this.timeout(300_000);
  let root: string;
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-store-faults-'));
    await workerScript();
  });
  after(async () => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(path.dirname(await workerScript()), { recursive: true, force: true });
  });

  it('a writer killed (SIGKILL) at 100 random points loses no acknowledged record, and the store loads', async () => {
    const dir = path.join(root, 'killed');
    const random = seededRandom(42);
    const allAcked: string[] = [];
    let tornTails = 0;
    // 10 rounds of 10 writers at once (process start-up dominates; this keeps 100 kills affordable).
    for (let round = 0; round < 10; round++) {
      const workers = await Promise.all(
        Array.from({ length: 10 }, async (_, k) => {
          const name = `w${round * 10 + k}`;
          const worker = await startWorker(['append', dir, '1000000', '-40', name]);
          await worker.ready;
          // Kill after a random number of acknowledged appends plus a random delay, so kill points
          // fall mid-stream whatever the machine's speed.
          const batches = Math.floor(random() * 8);
          while (worker.lines.filter((l) => l.startsWith('ok ')).length < batches && worker.child.exitCode === null) await sleep(1);
          await sleep(random() * 4);
          worker.child.kill('SIGKILL');
          const exit = await worker.exited;
          assert.equal(exit.signal, 'SIGKILL', `worker ${name} ended by itself: ${worker.stderr()}`);
          return { name, acked: worker.acked };
        }),
      );
      // Check these writers' series (all series are read once at the end).
      const store = await HistoryStore.open(dir);
      for (const { name, acked } of workers) {
        allAcked.push(...acked);
        const ids: string[] = [];
        for (let s = 0; s < 7; s++) for (const r of await store.readSeries(seriesIdOf(`${name}-s${s}`, 'time', TEST_MACHINE.id))) ids.push(r.id);
        const have = new Set(ids);
        assert.deepEqual(acked.filter((id) => !have.has(id)), [], `writer ${name}: acknowledged records lost`);
        assert.equal(have.size, ids.length, 'no record is stored twice');
      }
      for (const p of store.problems) {
        assert.match(p.message, /incomplete record at the end/, `only torn tails are expected: ${JSON.stringify(p)}`);
        assert.ok(p.file.includes('segments'), 'the problem names its file');
      }
      tornTails = store.problems.length;
      await store.close();
    }
    const { ids, store } = await storedIds(dir);
    const have = new Set(ids);
    assert.ok(allAcked.length > 500, `enough appends happened (${allAcked.length})`);
    assert.ok(allAcked.every((id) => have.has(id)));
    // Records written but not acknowledged before the kill may or may not be there; nothing else may be.
    assert.ok(ids.length >= allAcked.length);
    const report = await store.verify();
    assert.equal(report.records, ids.length);
    assert.ok(report.problems.every((p) => /incomplete record at the end/.test(p.message)));
    assert.equal(report.problems.length, tornTails);
    await store.close();
  });

  it('two processes appending 10,000 records each at once store all 20,000, none torn', async () => {
    const dir = path.join(root, 'two');
    // 1,000 durable appends of 10 records per process, interleaved in time.
    const [a, b] = await Promise.all([startWorker(['append', dir, '10000', '10', 'A']), startWorker(['append', dir, '10000', '10', 'B'])]);
    // A reader in a third process (this one) picks up both writers' records while they write.
    const reader = await HistoryStore.open(dir);
    let sawGrowth = false;
    const [ea, eb] = await Promise.all([
      a.exited,
      b.exited,
      (async () => {
        let running = true;
        void Promise.all([a.exited, b.exited]).then(() => (running = false));
        while (running && !sawGrowth) {
          await sleep(20);
          if (await reader.refresh()) sawGrowth = running && reader.listSeries().some((s) => s.runs > 0);
        }
      })(),
    ]);
    assert.equal(ea.code, 0, a.stderr());
    assert.equal(eb.code, 0, b.stderr());
    assert.ok(sawGrowth, 'refresh saw records appended by other processes');
    assert.equal(a.acked.length, 10_000);
    assert.equal(b.acked.length, 10_000);
    await reader.refresh();
    assert.equal(reader.listSeries().reduce((s, x) => s + x.runs, 0), 20_000);
    await reader.close();
    const { ids, store } = await storedIds(dir);
    assert.equal(ids.length, 20_000);
    assert.equal(new Set(ids).size, 20_000);
    const wanted = new Set([...a.acked, ...b.acked]);
    assert.ok(ids.every((id) => wanted.has(id)));
    assert.deepEqual(store.problems, []);
    const report = await store.verify();
    assert.equal(report.records, 20_000);
    assert.deepEqual(report.problems, []);
    await store.close();
  });

  it('a compaction killed at random points leaves the old or the new history, never a mix or a loss', async () => {
    const template = path.join(root, 'compact-template');
    // Two dead writers' segments: 14 series x ~285 runs, a third of them with samples.
    for (let w = 0; w < 2; w++) {
      const worker = await startWorker(['append', template, '2000', '50', `c${w}`]);
      assert.equal((await worker.exited).code, 0, worker.stderr());
    }
    const original = new Map<string, RunRecord>();
    {
      const store = await HistoryStore.open(template);
      for await (const r of store.allRecords()) original.set(r.id, r);
      await store.close();
    }
    // What a finished compaction with keepSamplesRuns = 2 thins: samples of all but each series' last 2 runs.
    const expectedThinned = new Set<string>();
    const bySeries = new Map<string, RunRecord[]>();
    for (const r of original.values()) bySeries.set(r.seriesId, [...(bySeries.get(r.seriesId) ?? []), r]);
    for (const runs of bySeries.values()) runs.slice(0, -2).forEach((r) => r.samples && expectedThinned.add(r.id));
    assert.ok(expectedThinned.size > 100);
    const random = seededRandom(7);
    const outcomes = { old: 0, new: 0 };
    for (let i = 0; i < 10; i++) {
      const dir = path.join(root, `compact-${i}`);
      fs.cpSync(template, dir, { recursive: true });
      const worker = await startWorker(['compact', dir, '2']);
      await worker.ready;
      await sleep(random() * 150);
      worker.child.kill('SIGKILL');
      await worker.exited;
      const store = await HistoryStore.open(dir);
      const seen = new Map<string, RunRecord>();
      for await (const r of store.allRecords()) {
        assert.ok(!seen.has(r.id), `record ${r.id} appears twice after an interrupted compaction`);
        seen.set(r.id, r);
      }
      assert.deepEqual(store.problems, [], `iteration ${i}`);
      assert.equal(seen.size, original.size, `iteration ${i}: records lost`);
      const thinned = [...seen.values()].filter((r) => !r.samples && original.get(r.id)!.samples);
      for (const r of thinned) assert.ok(r.summary && r.summary.n === original.get(r.id)!.samples!.length, 'a thinned run keeps its summary');
      if (thinned.length === 0) outcomes.old++;
      else {
        assert.deepEqual(new Set(thinned.map((r) => r.id)), expectedThinned, `iteration ${i}: a mix of old and new`);
        outcomes.new++;
      }
      // A finished compaction afterwards cleans up whatever the killed one left.
      const report = await store.compact();
      assert.ok(report.compacted);
      assert.equal(report.recordsKept, original.size);
      await store.close();
      const reopened = await HistoryStore.open(dir);
      const verify = await reopened.verify();
      await reopened.close();
      assert.deepEqual(verify.problems, []);
      assert.deepEqual(verify.notes, []);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(outcomes.old + outcomes.new, 10);
  });

  it('writers and index rewriters killed (SIGKILL) at random points: no acknowledged record lost or hidden, no leftover, a sound index', async () => {
    const dir = path.join(root, 'index-kills');
    const random = seededRandom(2112);
    const allAcked: string[] = [];
    let indexWrites = 0;
    let kills = 0;
    let midWrite = 0;
    // 20 rounds: one appending writer and two processes rewriting the index over and over, all killed.
    for (let round = 0; round < 20; round++) {
      const name = `ix${round}`;
      const appender = await startWorker(['append', dir, '1000000', '-40', name]);
      const indexers = await Promise.all([startWorker(['reindex', dir]), startWorker(['reindex', dir])]);
      await Promise.all([appender.ready, ...indexers.map((w) => w.ready)]);
      const wanted = 1 + Math.floor(random() * 6);
      while (appender.lines.filter((l) => l.startsWith('ok ')).length < wanted && appender.child.exitCode === null) await sleep(1);
      // Kill the writer at a random point, and each rewriter a random moment after it started a write.
      await Promise.all(
        [appender, ...indexers].map(async (w) => {
          if (w !== appender) {
            const started = w.lines.filter((l) => l === 'writing').length;
            while (w.lines.filter((l) => l === 'writing').length === started && w.child.exitCode === null) await sleep(1);
          }
          await sleep(random() * 30);
          w.child.kill('SIGKILL');
          const exit = await w.exited;
          assert.equal(exit.signal, 'SIGKILL', `a worker ended by itself: ${w.stderr()}`);
          kills++;
        }),
      );
      for (const w of indexers) indexWrites += w.lines.filter((l) => l === 'indexed').length;
      allAcked.push(...appender.acked);
      // A temporary index file means a rewriter was killed mid-write.
      midWrite += fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')).length;
      const warnings: string[] = [];
      const store = await HistoryStore.open(dir, { onWarning: (m) => warnings.push(m) });
      assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], `round ${round}: the killed writers' temporary files are removed on open`);
      const ids = new Set<string>();
      for await (const r of store.allRecords()) ids.add(r.id);
      assert.deepEqual(allAcked.filter((id) => !ids.has(id)), [], `round ${round}: acknowledged records lost or hidden`);
      const report = await store.verify();
      assert.equal(report.records, ids.size, `round ${round}: every record in the segments is visible, none twice`);
      assert.deepEqual(report.indexProblems, [], `round ${round}: the index on disk is whole and agrees with the segments`);
      assert.deepEqual(report.mismatches, []);
      assert.ok(report.problems.every((p) => /incomplete record at the end/.test(p.message)), JSON.stringify(report.problems));
      assert.deepEqual(warnings, []);
      await store.close();
    }
    assert.ok(allAcked.length > 100, `enough appends happened (${allAcked.length})`);
    assert.ok(indexWrites > 20, `enough index writes happened (${indexWrites})`);
    assert.equal(kills, 60);
    assert.ok(midWrite > 0, 'some rewriters were killed with their temporary index file half written');
  });

  it('random byte flips in index.bin (seeded): every flip detected, no record lost, hidden or doubled, compaction loses nothing', async () => {
    const dir = path.join(root, 'index-flips');
    // Three dead writers' segments, 7 series each.
    for (let w = 0; w < 3; w++) {
      const worker = await startWorker(['append', dir, '300', '20', `f${w}`]);
      assert.equal((await worker.exited).code, 0, worker.stderr());
    }
    fs.rmSync(path.join(dir, 'index.bin'), { force: true });
    const first = await storedIds(dir);
    const expected = first.ids.sort();
    await first.store.close();
    const indexFile = path.join(dir, 'index.bin');
    const pristine = fs.readFileSync(indexFile);
    const random = seededRandom(1234);
    let flips = 0;
    let compactions = 0;
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.from(pristine);
      const count = 1 + Math.floor(random() * 4);
      for (let k = 0; k < count; k++) {
        // Half the flips land anywhere, half in the location table (the file's last 90%).
        const at = random() < 0.5 ? Math.floor(random() * bytes.length) : bytes.length - 1 - Math.floor(random() * bytes.length * 0.9);
        bytes[at] ^= 1 + Math.floor(random() * 255);
        flips++;
      }
      if (bytes.equals(pristine)) continue;
      fs.writeFileSync(indexFile, bytes);
      const warnings: string[] = [];
      const store = await HistoryStore.open(dir, { onWarning: (m) => warnings.push(m) });
      const ids: string[] = [];
      for await (const r of store.allRecords()) ids.push(r.id);
      assert.deepEqual(ids.sort(), expected, `flip set ${i}: records lost, hidden or doubled`);
      assert.deepEqual(store.problems, []);
      assert.equal(warnings.length, 1, `flip set ${i}: one warning (${warnings.join(' | ')})`);
      assert.match(warnings[0], /index\.bin: .*rebuilding it from the segments/);
      await store.close();
      if (i % 20 === 0) {
        // Compaction on a copy with the damaged index in place.
        const copy = path.join(root, `index-flips-compact`);
        fs.cpSync(dir, copy, { recursive: true });
        fs.writeFileSync(path.join(copy, 'index.bin'), bytes);
        const compactor = await HistoryStore.open(copy, { onWarning: () => undefined });
        const report = await compactor.compact();
        assert.equal(report.recordsKept, expected.length, `flip set ${i}: compaction kept every record`);
        await compactor.close();
        const after = await storedIds(copy);
        assert.deepEqual(after.ids.sort(), expected);
        await after.store.close();
        fs.rmSync(copy, { recursive: true, force: true });
        compactions++;
      }
    }
    assert.ok(flips > 600, `${flips} bytes flipped`);
    assert.equal(compactions, 15);
  });

  it('imports while other processes compact never fail: 300 CLI imports against 2 compacting processes', async () => {
    const dir = path.join(root, 'import-compact');
    const stop = path.join(root, 'import-compact.stop');
    // Some history first, so every compaction has work and replaces the segment the importers read.
    const seed = await startWorker(['cli-import', dir, '10', 'seed']);
    assert.equal((await seed.exited).code, 0, seed.stderr());
    const compactors = await Promise.all([startWorker(['compact-loop', dir, stop]), startWorker(['compact-loop', dir, stop])]);
    const importers = await Promise.all([0, 1, 2].map((k) => startWorker(['cli-import', dir, '100', `imp${k}`])));
    const exits = await Promise.all(importers.map((w) => w.exited));
    fs.writeFileSync(stop, '');
    const compactorExits = await Promise.all(compactors.map((w) => w.exited));
    exits.forEach((e, k) => assert.equal(e.code, 0, importers[k].stderr()));
    compactorExits.forEach((e, k) => assert.equal(e.code, 0, compactors[k].stderr()));
    const lines = importers.flatMap((w) => w.lines.filter((l) => l.startsWith('ok ') || l.startsWith('fail ')));
    const failures = lines.filter((l) => l.startsWith('fail '));
    const compactions = compactors.reduce((n, w) => n + Number(w.lines.find((l) => l.startsWith('done '))?.slice(5) ?? 0), 0);
    console.log(`      ${lines.length} imports, ${failures.length} failed, ${compactions} compactions meanwhile`);
    assert.equal(lines.length, 300);
    assert.ok(compactions >= 10, `the compactors ran (${compactions})`);
    assert.deepEqual(failures, []);
    const store = await HistoryStore.open(dir);
    const runsPerCommit = new Map<string, number>();
    for await (const r of store.allRecords()) runsPerCommit.set(r.vcs.commit!, (runsPerCommit.get(r.vcs.commit!) ?? 0) + 1);
    const lost = [...Array(3).keys()].flatMap((k) => [...Array(100).keys()].map((i) => `imp${k}-${i}`)).filter((c) => runsPerCommit.get(c) !== 20);
    assert.deepEqual(lost, [], 'every acknowledged import is stored whole');
    assert.equal(store.listSeries().reduce((n, s) => n + s.runs, 0), 20 * 310, 'every imported run is stored once');
    const verify = await store.verify();
    assert.equal(verify.records, 20 * 310);
    assert.deepEqual(verify.problems, []);
    await store.close();
  });

  it('an import killed (SIGKILL) at 100 points shows a concurrent reader, and everyone after, all of it or none', async function () {
    // 100 child processes each parsing and writing a 10 MB import: minutes on a shared machine.
    this.timeout(900_000);
    const KILLS = Number(process.env.PERF_PULSE_IMPORT_KILLS ?? 100);
    const IMPORTED = 20_000;
    const BASE = 1_000;
    // The history before: a format-1 segment (appends without commit markers) and a format-2 one.
    const template = path.join(root, 'import-kill-template');
    fs.mkdirSync(path.join(template, 'segments'), { recursive: true });
    fs.writeFileSync(path.join(template, 'store.json'), JSON.stringify({ format: 'perf-pulse-history', version: 1 }));
    fs.writeFileSync(
      path.join(template, 'segments', '0lz00000a-1-legacy.seg'),
      Buffer.concat(Array.from({ length: BASE / 2 }, (_, i) => encodeFrame(recordJson(makeRecord(`base-${i % 10}`, i))))),
    );
    {
      const store = await HistoryStore.open(template);
      for (let b = 0; b < 5; b++) await store.append(Array.from({ length: BASE / 10 }, (_, i) => makeRecord(`base-${i % 10}`, BASE + b * 100 + i)));
      await store.close();
    }
    // The file: an export of 20,000 runs of 200 series, a few MB.
    const file = path.join(root, 'import-kill.json');
    const records = Array.from({ length: IMPORTED }, (_, i) => makeRecord(`imported-${i % 200}`, i, { samples: i % 4 === 0 ? 8 : undefined }));
    fs.writeFileSync(file, jsonExportOpen() + records.map((r) => recordJson(r)).join(',\n') + jsonExportClose());
    const fileBytes = fs.statSync(file).size;
    assert.ok(fileBytes > 8e6, `a multi-megabyte file (${fileBytes} bytes)`);
    const runs = (store: HistoryStore) => store.listSeries().reduce((sum, s) => sum + s.runs, 0);

    // How long a whole import takes here, so that kills at random times spread over all of it.
    let fullImportMs: number;
    {
      const dir = path.join(root, 'import-kill-timing');
      fs.cpSync(template, dir, { recursive: true });
      const started = Date.now();
      const worker = await startWorker(['import', dir, file]);
      assert.equal((await worker.exited).code, 0, worker.stderr());
      fullImportMs = Date.now() - started;
      assert.ok(worker.lines.includes(`done ${IMPORTED}`));
      fs.rmSync(dir, { recursive: true, force: true });
    }

    const random = seededRandom(2026);
    const tally = { kills: 0, none: 0, all: 0, unfinishedTails: 0, readerChecks: 0, partial: 0 };
    const killOnce = async (k: number) => {
      const dir = path.join(root, `import-kill-${k}`);
      fs.cpSync(template, dir, { recursive: true });
      // Three ways to aim: anywhere in the import; just as its write starts; inside a slow (chunked) write.
      const aim = (['anywhere', 'write', 'slow'] as const)[k % 3];
      const delay = random();
      const reader = await HistoryStore.open(dir);
      assert.equal(runs(reader), BASE);
      const worker = await startWorker(['import', dir, file, ...(aim === 'slow' ? ['slow'] : [])]);
      let running = true;
      void worker.exited.then(() => (running = false));
      const watching = (async () => {
        // A reader in another process (this one) watches the whole time.
        while (running) {
          await reader.refresh();
          const n = runs(reader);
          tally.readerChecks++;
          if (n !== BASE && n !== BASE + IMPORTED) tally.partial++;
          await sleep(20);
        }
      })();
      if (aim === 'anywhere') await sleep(delay * fullImportMs);
      else {
        while (running && !worker.lines.includes('writing')) await sleep(1);
        await sleep(aim === 'slow' ? delay * 100 : delay * 5);
      }
      worker.child.kill('SIGKILL');
      await worker.exited;
      await watching;
      tally.kills++;
      await reader.refresh();
      const readerSaw = runs(reader);
      await reader.close();
      // After the crash: a fresh open, a full scan and every series read.
      const warnings: string[] = [];
      const store = await HistoryStore.open(dir, { onWarning: (m) => warnings.push(m) });
      const visible = runs(store);
      const report = await store.verify();
      const verified = report.records;
      // An unfinished append is never written: not a loss, and the index never covered it.
      assert.deepEqual([report.mismatches, report.indexProblems, warnings], [[], [], []], `kill ${k}: no loss, a sound index`);
      let read = 0;
      for (const info of store.listSeries()) read += (await store.readSeries(info.seriesId)).length;
      tally.unfinishedTails += store.problems.filter((p) => /incomplete record at the end/.test(p.message)).length;
      assert.ok(store.problems.every((p) => /incomplete record at the end/.test(p.message)), JSON.stringify(store.problems));
      await store.close();
      assert.ok(visible === BASE || visible === BASE + IMPORTED, `kill ${k} (${aim}): ${visible - BASE} of ${IMPORTED} imported runs visible`);
      assert.deepEqual([readerSaw, verified, read], [visible, visible, visible], `kill ${k}: the reader, verify and reads agree`);
      if (visible === BASE) tally.none++;
      else tally.all++;
      fs.rmSync(dir, { recursive: true, force: true });
    };
    // Four at a time: child start-up and parsing dominate.
    for (let k = 0; k < KILLS; k += 4) await Promise.all([k, k + 1, k + 2, k + 3].filter((i) => i < KILLS).map(killOnce));
    console.log(
      `      ${tally.kills} kills of a ${(fileBytes / 1e6).toFixed(1)} MB import of ${IMPORTED} runs (whole import ${fullImportMs} ms): ` +
        `${tally.none} left none, ${tally.all} all, ${tally.unfinishedTails} left an unfinished append on disk; ` +
        `${tally.readerChecks} reads by a concurrent reader, ${tally.partial} saw part of an import`,
    );
    assert.equal(tally.kills, KILLS);
    assert.equal(tally.partial, 0, 'the concurrent reader never saw part of an import');
    assert.ok(tally.unfinishedTails >= KILLS / 5, `kills landed inside the write (${tally.unfinishedTails})`);
  });
});
