import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunRecord } from '../../../src/core/model';
import { HistoryStore } from '../../../src/core/store/history-store';
import { seededRandom } from '../../../src/core/stats/random';
import { startWorker, workerScript } from './worker';
import { seriesIdOf } from '../../../src/core/series-id';
import { TEST_MACHINE } from './records';

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
});

