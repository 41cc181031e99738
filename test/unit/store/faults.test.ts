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
});
