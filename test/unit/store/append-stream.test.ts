import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunRecord } from '../../../src/core/model';
import { ParseError } from '../../../src/core/parsers';
import { HistoryStore } from '../../../src/core/store/history-store';
import { importFile, importInto } from '../../../src/core/store/import';
import { makeRecord } from './records';

/**
 * Streaming appends (`appendStream`) and the streaming import built on them (`importInto`): the same
 * records as reading the whole file, all or nothing when the producer fails half way, and series
 * met once kept out of memory yet listed by the index written after the append.
 */
describe('history store: streaming appends and imports', function () {
  this.timeout(180_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-stream-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function junitFile(name: string, tests: number, tail = '</testsuites>\n'): string {
    const file = path.join(dir, name);
    const cases: string[] = [];
    for (let i = 0; i < tests; i++) cases.push(`<testcase classname="pkg.C${i % 5}" name="t${i}" time="0.0${i % 10}" file="f${i % 3}.py" line="${i + 1}"/>`);
    // The same test twice: one series with two runs in one import.
    cases.push('<testcase classname="pkg.C0" name="t0" time="0.5" file="f0.py" line="1"/>');
    fs.writeFileSync(file, `<?xml version="1.0"?>\n<testsuites>\n<testsuite name="s">\n${cases.join('\n')}\n</testsuite>\n${tail}`);
    return file;
  }

  async function allRecords(store: HistoryStore): Promise<RunRecord[]> {
    const out: RunRecord[] = [];
    for await (const r of store.allRecords()) out.push(r);
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  it('imports a JUnit report in batches with exactly the records and ids of reading it whole, and again adds nothing', async () => {
    // ~1.3 MB: more than one read chunk, so more than one batch.
    const file = junitFile("big.xml", 15_000);
    const streamed = await HistoryStore.open(path.join(dir, 'streamed'));
    const result = await importInto(streamed, file);
    assert.deepEqual({ ...result }, { format: 'junit', total: 15_003, added: 15_003 });
    const whole = await HistoryStore.open(path.join(dir, 'whole'));
    const read = await importFile(file);
    assert.equal(await whole.appendNew(read.records, { earlierIds: read.earlierIds }), 15_003);
    await streamed.refresh();
    assert.deepEqual(await allRecords(streamed), await allRecords(whole));
    assert.equal(streamed.listSeries().length, 15_002);
    assert.equal(streamed.listSeries().find((s) => s.name === 's › pkg.C0 › t0')?.runs, 2);
    assert.deepEqual({ ...(await importInto(streamed, file)) }, { format: 'junit', total: 15_003, added: 0 });
    await streamed.close();
    await whole.close();

    // Reopened, the index written after the append lists every series (none is read from the segments).
    const reopened = await HistoryStore.open(path.join(dir, 'streamed'));
    assert.equal(reopened.listSeries().length, 15_002);
    assert.deepEqual(reopened.problems, []);
    const verify = await reopened.verify();
    assert.equal(verify.problems.length, 0);
    await reopened.close();
    assert.deepEqual(fs.readdirSync(path.join(dir, 'streamed')).filter((n) => n.endsWith('.tmp')), []);
  });

  it('streams a Node-style JUnit report under a workspace root: top-level tests, skipped ones left out, names and files relative, the comment total', async () => {
    // Node's reporter: test cases straight under <testsuites>, classname = the test file's absolute path,
    // skipped tests with a <skipped> child, the run's time as a comment at the end (in a later read chunk).
    const ws = path.join(dir, 'ws');
    const cases: string[] = [];
    for (let i = 0; i < 12_000; i++) {
      const file = `${ws}/src/${i % 2 ? 'b' : 'a'}.test.js`;
      cases.push(i % 1000 === 7 ? `<testcase name="skipped ${i}" time="0.0001" classname="${file}" file="${file}"><skipped type="skipped"/></testcase>` : `<testcase name="t${i}" time="0.00${i % 10}" classname="${file}" file="${file}" line="${i + 1}"/>`);
    }
    const file = path.join(dir, 'node.xml');
    fs.writeFileSync(file, `<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n${cases.join('\n')}\n<!-- duration_ms 1234.5 -->\n</testsuites>\n`);
    assert.ok(fs.statSync(file).size > 1024 * 1024, 'more than one read chunk (a MB)');
    const store = await HistoryStore.open(path.join(dir, 'history'));
    const result = await importInto(store, file, { root: ws });
    await store.refresh();
    // 12 skipped tests are no runs; two suites and the total are.
    assert.deepEqual({ ...result }, { format: 'junit', total: 12_000 - 12 + 3, added: 12_000 - 12 + 3 });
    const records = await allRecords(store);
    assert.deepEqual(records.filter((r) => r.name.includes(ws) || r.location?.file.includes(ws)).map((r) => r.name), []);
    assert.deepEqual(records.filter((r) => r.name.includes('skipped')).map((r) => r.name), []);
    const t1 = records.find((r) => r.name === 'src/b.test.js › t1');
    assert.deepEqual(t1?.location, { file: 'src/b.test.js', line: 2 });
    assert.equal(t1?.group, 'src/b.test.js');
    assert.equal(records.find((r) => r.name === '(total)')?.value, 1.2345);
    assert.equal(records.filter((r) => r.metric === 'suite-time').length, 2);
    // The same report read whole gives the same records.
    const read = await importFile(file, { root: ws });
    assert.deepEqual(read.records.map((r) => r.name).sort(), records.map((r) => r.name).sort());
    await store.close();
  });

  it('a report found broken at its end adds nothing, though earlier batches were written', async () => {
    const file = junitFile('broken.xml', 40_000, '</testsuite>\n');
    const store = await HistoryStore.open(dir);
    await store.append([makeRecord('kept', 1)]);
    await assert.rejects(importInto(store, file), (err: unknown) => err instanceof ParseError && /not well-formed XML/.test(err.message));
    assert.equal(store.listSeries().length, 1);
    await store.append([makeRecord('after', 2)]);
    await store.close();
    const reopened = await HistoryStore.open(dir);
    assert.deepEqual(reopened.listSeries().map((s) => s.name).sort(), ['after', 'kept']);
    assert.deepEqual(reopened.problems, []);
    await reopened.close();
  });

  it('a producer that fails after its first batch leaves no record behind, in this process or another', async () => {
    const store = await HistoryStore.open(dir);
    const before = makeRecord('old', 0);
    await store.append([before]);
    async function* batches(): AsyncGenerator<RunRecord[]> {
      yield Array.from({ length: 3000 }, (_, i) => makeRecord(`new ${i}`, i));
      yield [makeRecord('old', 1)];
      throw new Error('producer failed');
    }
    await assert.rejects(store.appendStream(batches()), /producer failed/);
    assert.deepEqual(store.listSeries().map((s) => s.name), ['old']);
    const other = await HistoryStore.open(dir);
    assert.deepEqual(other.listSeries().map((s) => ({ name: s.name, runs: s.runs })), [{ name: 'old', runs: 1 }]);
    await other.close();
    await store.close();
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
  });

  it('series the history has, series met twice and new series all end up with the right runs', async () => {
    const store = await HistoryStore.open(dir);
    await store.append([makeRecord('a', 0), makeRecord('b', 0)]);
    async function* batches(): AsyncGenerator<RunRecord[]> {
      yield [makeRecord('a', 1), makeRecord('c', 1), makeRecord('d', 1)];
      yield [makeRecord('c', 2), makeRecord('a', 2), makeRecord('e', 2, { timestamp: 100 })];
    }
    assert.equal(await store.appendStream(batches()), 6);
    assert.throws(() => store.listSeries(), /refresh\(\)/);
    await store.refresh();
    const runs = Object.fromEntries(store.listSeries().map((s) => [s.name, s.runs]));
    assert.deepEqual(runs, { a: 3, b: 1, c: 2, d: 1, e: 1 });
    assert.equal(store.listSeries().find((s) => s.name === 'c')?.lastTimestamp, makeRecord('c', 2).timestamp);
    assert.deepEqual((await store.readSeries(makeRecord('c', 0).seriesId)).map((r) => r.timestamp), [makeRecord('c', 1).timestamp, makeRecord('c', 2).timestamp]);
    await store.close();
    const reopened = await HistoryStore.open(dir);
    assert.deepEqual(Object.fromEntries(reopened.listSeries().map((s) => [s.name, s.runs])), runs);
    assert.equal((await reopened.verify()).problems.length, 0);
    await reopened.close();
  });
});
