import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FORMAT_MODULES, ParseError, parseByteSize, parseFile, parseText } from '../../../src/core/parsers';
import { makeInput } from '../../../src/core/parsers/shared';

/**
 * Large and hostile inputs: JUnit XML is read as a stream (any size, any nesting depth, the same
 * result as reading it whole), files over the size limit are refused with the limit named, and a
 * negative duration in any format is left out with a warning naming the entry.
 * Speed and memory are measured by scripts/bench/parse-large.ts, not here.
 */
const junit = FORMAT_MODULES.find((m) => m.name === 'junit')!;

describe('parsers: large and hostile inputs', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-large-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('JUnit suites nested 20,000 deep are read without recursion', () => {
    const depth = 20_000;
    const text = `<testsuites>${'<testsuite name="s">'.repeat(depth)}<testcase name="t" time="0.5"/>${'</testsuite>'.repeat(depth)}</testsuites>`;
    const ms = junit.parse(makeInput(text));
    assert.ok(ms.some((m) => m.series === 's › t' && m.value === 0.5));
  });

  it('a JUnit file read in chunks gives exactly what reading it whole gives (a chunk boundary inside a tag)', async () => {
    const cases: string[] = [];
    // ~3 MB: spans several read chunks, with boundaries falling anywhere.
    for (let i = 0; i < 20_000; i++) cases.push(`<testcase classname="pkg.C${i % 7}" name="test ${i} &amp; é" time="0.00${i % 10}" file="f${i % 3}.py" line="${i + 1}"><system-out>${'x'.repeat(i % 200)}</system-out></testcase>`);
    const text = `\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!-- a comment -->\n<testsuites time="12"><testsuite name="A">${cases.join('\n')}</testsuite><testsuite name="B"><![CDATA[<testcase name="not a test"/>]]></testsuite></testsuites>\n`;
    const file = path.join(dir, 'chunks.xml');
    fs.writeFileSync(file, text);
    const streamed = await parseFile(file);
    const whole = parseText(text, { fileName: file });
    assert.deepEqual(streamed, whole);
    assert.equal(streamed.format, 'junit');
    assert.equal(streamed.measurements.length, 20_000 + 3);
    assert.ok(streamed.measurements.some((m) => m.series === 'A › pkg.C1 › test 1 & é' && m.location?.line === 2));
  });

  it('broken XML read in chunks is a ParseError naming the file and the line', async () => {
    const file = path.join(dir, 'broken.xml');
    fs.writeFileSync(file, `<testsuites>\n<testsuite name="a">\n${'<testcase name="x" time="1"/>\n'.repeat(50_000)}</testsuites>\n`);
    await assert.rejects(parseFile(file), (err: unknown) => {
      assert.ok(err instanceof ParseError, String(err));
      assert.match(err.message, /broken\.xml: not well-formed XML \(line 50003\)/);
      return true;
    });
  });

  it('a file over the size limit is refused before it is read, naming both sizes and the option', async () => {
    const file = path.join(dir, 'big.xml');
    fs.writeFileSync(file, `<testsuite name="s">${'<testcase name="t" time="1"/>'.repeat(40_000)}</testsuite>`);
    await assert.rejects(parseFile(file, { maxBytes: 1024 * 1024 }), (err: unknown) => {
      assert.ok(err instanceof ParseError);
      assert.match(err.message, /big\.xml: is 1\.1 MB, over the 1 MB limit for a result file \(raise it with --max-input-size\)/);
      return true;
    });
    assert.equal((await parseFile(file, { maxBytes: 2 * 1024 * 1024 })).format, 'junit');
    assert.equal(parseByteSize('200MB'), 200 * 1024 * 1024);
    assert.equal(parseByteSize('1.5 GB'), 1.5 * 1024 ** 3);
    assert.equal(parseByteSize('4096'), 4096);
    assert.equal(parseByteSize('lots'), undefined);
    assert.equal(parseByteSize('0'), undefined);
  });

  it('a negative duration is left out with a warning naming the entry, in a test report and in a benchmark output', () => {
    const report = parseText('<testsuite name="s"><testcase name="ok" time="0.5"/><testcase name="back in time" time="-2"/></testsuite>');
    assert.deepEqual(report.measurements.map((m) => [m.series, m.value]), [['s › ok', 0.5], ['s', 0.5], ['(total)', 0.5]]);
    assert.deepEqual(report.warnings, ['"s › back in time": negative duration (-2 s), skipped']);

    const hyperfine = JSON.stringify({ results: [{ command: 'a', mean: 1, stddev: 0, median: 1, min: 1, max: 1, times: [1, 1] }, { command: 'b', mean: -1, stddev: 0, median: -1, min: -1, max: -1, times: [-1, -1] }] });
    const bench = parseText(hyperfine);
    assert.deepEqual(bench.measurements.map((m) => m.series), ['a']);
    assert.equal(bench.warnings?.length, 1);
    assert.match(bench.warnings![0], /^"b": negative duration/);

    const goJson = ['{"Action":"pass","Package":"p","Test":"TestA","Elapsed":0.25}', '{"Action":"pass","Package":"p","Test":"TestB","Elapsed":-3}', '{"Action":"pass","Package":"p","Elapsed":0.25}'].join('\n');
    const go = parseText(goJson);
    assert.ok(!go.measurements.some((m) => m.value < 0));
    assert.ok(go.warnings?.some((w) => w.includes('TestB')), JSON.stringify(go.warnings));

    assert.throws(() => parseText('<testsuite name="s" time="-1"><testcase name="a" time="-2"/></testsuite>'), /no measurements found \(read as junit; 3 with a negative duration skipped\)/);
  });
});
