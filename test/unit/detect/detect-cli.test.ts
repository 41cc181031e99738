import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { parseSeries, parseSeriesBytes } from '../../../src/cli/commands/detect';

const root = path.join(__dirname, '../../..');
let cli = '';

/** Runs the bundled CLI as a real process, as users run it. */
async function run(args: string[], cwd: string, input?: string): Promise<{ code: number; out: string; err: string }> {
  const res = spawnSync(process.execPath, [cli, ...args], { cwd, input, encoding: 'utf8', timeout: 60_000 });
  return { code: res.status ?? -1, out: res.stdout, err: res.stderr };
}

describe('perf-pulse detect (CLI contract)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-detect-'));
    cli = path.join(dir, 'cli.js');
    buildSync({ entryPoints: [path.join(root, 'src/cli/main.ts')], outfile: cli, bundle: true, platform: 'node', format: 'cjs', target: 'node18', logLevel: 'error' });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints exactly { results: [ { id, changes: [ { index, kind, ratio, pValue } ] } ] }', async () => {
    const values = Array.from({ length: 60 }, (_, i) => (i >= 30 ? 120 : 100) + ((i * 7) % 5) * 0.3);
    const input = { series: [
      { id: 'a', direction: 'smaller', values },
      { id: 'b', direction: 'bigger', values },
      { id: 'short', direction: 'smaller', values: [1, 2, 3] },
    ] };
    fs.writeFileSync(path.join(dir, 'in.json'), JSON.stringify(input));
    const { code, out, err } = await run(['detect', 'in.json'], dir);
    assert.equal(code, 0, err);
    const doc = JSON.parse(out);
    assert.deepEqual(Object.keys(doc), ['results']);
    assert.deepEqual(doc.results.map((r: { id: string }) => r.id), ['a', 'b', 'short']);
    for (const r of doc.results) assert.deepEqual(Object.keys(r), ['id', 'changes']);
    const [a, b, short] = doc.results;
    assert.equal(a.changes.length, 1);
    assert.deepEqual(Object.keys(a.changes[0]), ['index', 'kind', 'ratio', 'pValue']);
    assert.equal(a.changes[0].index, 30);
    assert.equal(a.changes[0].kind, 'regression');
    assert.ok(Math.abs(a.changes[0].ratio - 1.2) < 0.01);
    assert.ok(a.changes[0].pValue >= 0 && a.changes[0].pValue < 1e-3);
    // same values, bigger is better: an improvement with the same ratio
    assert.equal(b.changes[0].kind, 'improvement');
    assert.equal(b.changes[0].ratio, a.changes[0].ratio);
    assert.deepEqual(short.changes, []);
  });

  it('bad input exits 2 with the file named and the reason', async () => {
    const cases: [string, string, RegExp][] = [
      ['notjson.json', '{ nope', /notjson\.json: not valid JSON/],
      ['nan.json', '{"series":[{"id":"a","direction":"smaller","values":[1,"x"]}]}', /nan\.json: series\[0\] \("a"\): values\[1\] is not a finite number/],
      ['null.json', `{"series":[{"id":"a","direction":"smaller","values":[${Array(30).fill(1).join(',')}]},{"id":"b","direction":"smaller","values":[1,2,null]}]}`, /null\.json: series\[1\] \("b"\): values\[2\] is not a finite number/],
    ];
    for (const [name, text, message] of cases) {
      fs.writeFileSync(path.join(dir, name), text);
      const { code, out, err } = await run(['detect', name], dir);
      assert.equal(code, 2, name);
      assert.equal(out, '');
      assert.match(err, message);
      assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
    }
    // the remaining checks need no process of their own
    assert.throws(() => parseSeries('{"x": 1}', 'noseries.json'), /noseries\.json: expected an object with a "series" array/);
    assert.throws(() => parseSeries('{"series":[{"id":"a","direction":"up","values":[1]}]}', 'dir.json'), /dir\.json: series\[0\] \("a"\): "direction"/);
    assert.throws(() => parseSeries('{"series":[{"id":"a","direction":"smaller","values":[]},{"id":"a","direction":"smaller","values":[]}]}', 'dup.json'), /dup\.json: series\[1\]: duplicate id "a"/);
    const missing = await run(['detect', 'missing.json'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /missing\.json: cannot read \(ENOENT\)/);
  });

  it('non-ASCII text is read as UTF-8: ids come back intact, other strings do not matter, errors quote the real text', async () => {
    const values = Array.from({ length: 40 }, (_, i) => (i >= 20 ? 2 : 1) + (i % 3) * 0.01);
    const text = JSON.stringify({ note: 'größe', series: [{ id: 'größe µs', direction: 'smaller', values }, { id: 'plain', direction: 'smaller', values, comment: 'ß' }] });
    fs.writeFileSync(path.join(dir, 'utf8.json'), text);
    const res = await run(['detect', 'utf8.json'], dir);
    assert.equal(res.code, 0, res.err);
    assert.deepEqual(JSON.parse(res.out).results.map((r: { id: string }) => r.id), ['größe µs', 'plain']);
    // in process: the same answers from the bytes as from the decoded text
    assert.deepEqual(parseSeriesBytes(Buffer.from(text, 'utf8'), 'x.json'), parseSeries(text, 'x.json'));
    const ascii = JSON.stringify({ series: [{ id: 'a', direction: 'smaller', values: [1, 2] }] });
    assert.deepEqual(parseSeriesBytes(Buffer.from(ascii), 'a.json'), parseSeries(ascii, 'a.json'));
    // a duplicate non-ASCII id is named as written; a non-ASCII byte outside strings is a JSON error
    assert.throws(() => parseSeriesBytes(Buffer.from('{"series":[{"id":"é","direction":"smaller","values":[]},{"id":"é","direction":"smaller","values":[]}]}'), 'd.json'), /d\.json: series\[1\]: duplicate id "é"/);
    assert.throws(() => parseSeriesBytes(Buffer.from('{"series":[] é}'), 'bad.json'), /bad\.json: not valid JSON/);
  });

  it('reads stdin with -', async () => {
    const input = JSON.stringify({ series: [{ id: 'x', direction: 'smaller', values: Array.from({ length: 40 }, (_, i) => (i >= 20 ? 2 : 1) + (i % 3) * 0.01) }] });
    const res = await run(['detect', '-'], dir, input);
    assert.equal(res.code, 0, res.err);
    const doc = JSON.parse(res.out);
    assert.equal(doc.results[0].changes[0].index, 20);
    assert.equal(doc.results[0].changes[0].kind, 'regression');
  });

  it('--details gives a step from 0 a finite ratio marked as not relative, and its difference; a last-run jump only with --suspects', async () => {
    const counts = [...Array(20).fill(0), ...Array.from({ length: 20 }, (_, i) => 5 + (i % 3) - 1)];
    const jump = [...Array.from({ length: 39 }, (_, i) => 100 + (i % 4) * 0.5), 150];
    fs.writeFileSync(path.join(dir, 'edges.json'), JSON.stringify({ series: [{ id: 'allocs', direction: 'smaller', values: counts }, { id: 'jump', direction: 'smaller', values: jump }] }));
    const res = await run(['detect', 'edges.json', '--details'], dir);
    assert.equal(res.code, 0, res.err);
    assert.ok(!res.out.includes('null'), res.out);
    const [allocs, last] = JSON.parse(res.out).results;
    const [c] = allocs.changes;
    assert.equal(c.index, 20);
    assert.equal(c.relative, false);
    assert.ok(Number.isFinite(c.ratio) && c.ratio > 1 && c.ratioCi[0] <= c.ratio && c.ratio <= c.ratioCi[1]);
    assert.ok(Math.abs(c.difference - 5) < 1 && c.differenceCi[0] <= c.difference && c.difference <= c.differenceCi[1]);
    assert.deepEqual(last.changes, []);
    assert.equal(last.state, 'suspect');
    const withSuspects = JSON.parse((await run(['detect', 'edges.json', '--suspects'], dir)).out).results[1];
    assert.deepEqual(withSuspects.changes.map((x: { index: number; confirmed: boolean }) => [x.index, x.confirmed]), [[39, false]]);
  });
});
