import { strict as assert } from 'node:assert';
import { csvField, exportFileName, seriesToCsv } from '../../webview/src/csv';
import { formatChange, formatDate, formatPValue, formatValue, isWorse } from '../../webview/src/format';
import { generateTrendsData } from '../../scripts/bench/trends/sample-data';

describe('trends: value formatting', () => {
  it('scales times, sizes and plain numbers to read well', () => {
    assert.equal(formatValue(0.00123, 's'), '1.23 ms');
    assert.equal(formatValue(2.5e-7, 's'), '250 ns');
    assert.equal(formatValue(42.5, 's'), '42.5 s');
    assert.equal(formatValue(90, 's'), '1.50 min');
    assert.equal(formatValue(2048, 'B'), '2.00 KiB');
    assert.equal(formatValue(1_500_000, 'ops/s'), '1.5M ops/s');
    assert.equal(formatValue(7, 'count'), '7');
    assert.equal(formatValue(NaN, 's'), '–');
    assert.equal(formatValue(0, 's'), '0 s');
  });

  it('signs changes and tells bad news by direction', () => {
    assert.equal(formatChange(1.123), '+12.3%');
    assert.equal(formatChange(0.9), '−10.0%');
    assert.equal(formatChange(1.0001), '±0.0%');
    assert.equal(formatChange(undefined), '–');
    assert.ok(isWorse(1.1, 'smaller'));
    assert.ok(!isWorse(1.1, 'bigger'));
    assert.ok(isWorse(0.9, 'bigger'));
    assert.equal(formatPValue(0.0002), 'p < 0.001');
    assert.equal(formatPValue(0.0421), 'p = 0.042');
    assert.equal(formatDate(Date.UTC(2026, 0, 5, 14, 3)), '2026-01-05 14:03');
  });
});

describe('trends: CSV export', () => {
  it('quotes fields with commas, quotes and line breaks (RFC 4180)', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(undefined), '');
    assert.equal(csvField(NaN), '');
  });

  it('writes one line per run with the unit in the header and the change point marked', () => {
    const detail = generateTrendsData({ series: 1, runs: 30, seed: 3, percentiles: true })[0];
    detail.runs[2].message = 'Fix, then "optimise"\nsecond line';
    const csv = seriesToCsv(detail);
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], 'run,timestamp,commit,branch,machine,message,value (s),lo (s),hi (s),n,p50,p90,p95,p99,change point');
    // The message with a line break is one quoted field, so there are 31 records but more physical lines.
    assert.ok(csv.includes('"Fix, then ""optimise""\nsecond line"'));
    const records = csv.split(/\r\n(?=\d+,|$)/).filter(Boolean);
    assert.equal(records.length, 31);
    const cp = detail.changePoints[0];
    assert.ok(cp, 'the first generated series has a change');
    assert.ok(records[cp.index + 1].endsWith(`regression x${cp.ratio.toFixed(4)}`));
    assert.ok(records[1].startsWith(`0,${new Date(detail.runs[0].timestamp).toISOString()},${detail.runs[0].commit},main,`));
  });

  it('makes safe file names', () => {
    assert.equal(exportFileName('parser/case 001: big', 'svg'), 'parser_case_001_big.svg');
    assert.equal(exportFileName('///', 'csv'), 'series.csv');
  });
});
