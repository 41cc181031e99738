import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { escapeLabelValue, prometheusUnit, renderMetricsText } from '../../src/core/export/openmetrics';
import { groupingSegment, pushgatewayGroupUrl } from '../../src/core/export/pushgateway';
import { selectForExport } from '../../src/core/export/select';
import { record } from './share-fixture';

/** Reverses the text format's label-value escaping, as a scraper does. */
function unescapeLabelValue(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

describe('export: OpenMetrics / Prometheus text', () => {
  it('writes one gauge family per unit with HELP, TYPE, UNIT and a final EOF', () => {
    const text = renderMetricsText([record('1', 'abc', 'laptop', 0.25), record('2', 'abc', 'laptop', 4096, { name: 'heap', unit: 'B' })]);
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.at(-1), '# EOF');
    assert.ok(lines.includes('# TYPE perfpulse_benchmark_seconds gauge'));
    assert.ok(lines.includes('# UNIT perfpulse_benchmark_seconds seconds'));
    assert.ok(lines.includes('# UNIT perfpulse_benchmark_bytes bytes'));
    assert.ok(lines.includes('perfpulse_benchmark_seconds{benchmark="sort-10k",metric="time",machine="laptop",branch="main",commit="abc",source="benchmark"} 0.25'));
    assert.ok(lines.includes('perfpulse_benchmark_bytes{benchmark="heap",metric="time",machine="laptop",branch="main",commit="abc",source="benchmark"} 4096'));
    // Every family's metadata comes before its samples, and each family appears once.
    const typeLines = lines.filter((l) => l.startsWith('# TYPE'));
    assert.equal(new Set(typeLines).size, typeLines.length);
  });

  it('the Pushgateway flavour has no UNIT and no EOF', () => {
    const text = renderMetricsText([record('1', 'abc', 'laptop')], 'prometheus');
    assert.doesNotMatch(text, /# UNIT|# EOF/);
    assert.match(text, /^# TYPE perfpulse_benchmark_seconds gauge$/m);
  });

  it('adds p90/p99 gauges when a run has a summary, and leaves out absent labels', () => {
    const summary = { n: 10, median: 1, mean: 1, min: 0.9, max: 2, mad: 0.1, p90: 1.5, p95: 1.7, p99: 1.9, outliers: 0 };
    const text = renderMetricsText([record('1', undefined, 'm', 1, { summary, vcs: {} })]);
    assert.match(text, /^perfpulse_benchmark_p90_seconds\{benchmark="sort-10k",metric="time",machine="m",source="benchmark"\} 1\.5$/m);
    assert.match(text, /^perfpulse_benchmark_p99_seconds\{[^}]*\} 1\.9$/m);
    assert.doesNotMatch(text, /commit=|branch=/);
  });

  it('names units the Prometheus way', () => {
    assert.equal(prometheusUnit('s').suffix, 'seconds');
    assert.equal(prometheusUnit('B').suffix, 'bytes');
    assert.equal(prometheusUnit('ops/s').suffix, 'operations_per_second');
    assert.equal(prometheusUnit('count').suffix, '');
    assert.equal(prometheusUnit('allocs/op').suffix, 'allocs_per_op');
    assert.match(renderMetricsText([record('1', 'c', 'm', 3, { unit: 'count' })]), /^perfpulse_benchmark\{/m);
  });

  it('label escaping survives any string (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '"', '\\', '\n', 'n', '{', '}', ',', '=', 'é', '😀') }), (value) => {
        const escaped = escapeLabelValue(value);
        assert.ok(!escaped.includes('\n'));
        // Walking the escapes, a quote only ever appears right after a backslash.
        for (let i = 0; i < escaped.length; i++) {
          if (escaped[i] === '\\') i++;
          else assert.notEqual(escaped[i], '"', 'no unescaped quote');
        }
        assert.equal(unescapeLabelValue(escaped), value);
      }),
      { numRuns: 200 },
    );
  });

  it('selects the latest run of each series, or every run on request', async () => {
    const runs = [record('1', 'a', 'm', 1), record('3', 'c', 'm', 3), record('2', 'b', 'm', 2), record('4', 'd', 'other', 4)];
    const latest = await selectForExport(runs);
    assert.deepEqual(latest.map((r) => r.id).sort(), ['3', '4']);
    assert.equal((await selectForExport(runs, { allRuns: true })).length, 4);
    assert.deepEqual((await selectForExport(runs, { seriesIds: [runs[3].seriesId] })).map((r) => r.id), ['4']);
  });

  it('encodes Pushgateway grouping keys, with base64 for values a path cannot hold', () => {
    assert.equal(groupingSegment('machine', 'ab12'), 'machine/ab12');
    assert.equal(groupingSegment('machine', 'ci/runner 2'), `machine@base64/${Buffer.from('ci/runner 2').toString('base64url')}`);
    assert.equal(pushgatewayGroupUrl('http://pg:9091/', 'perf-pulse', 'x').href, 'http://pg:9091/metrics/job/perf-pulse/machine/x');
    assert.equal(pushgatewayGroupUrl('http://pg:9091/prefix', 'j', 'x').pathname, '/prefix/metrics/job/j/machine/x');
  });
});
