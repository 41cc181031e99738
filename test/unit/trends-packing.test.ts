import * as assert from 'node:assert/strict';
import { generateTrendsData } from '../../scripts/bench/trends/sample-data';
import { packDetail, unpackDetail } from '../../src/protocol/trends-packing';
import type { SeriesDetail } from '../../src/protocol/trends';

describe('trends detail packing', () => {
  it('round-trips generated series with percentiles, spreads and metadata', () => {
    for (const detail of generateTrendsData({ series: 6, runs: 300, seed: 5, percentiles: true })) {
      const packed = packDetail(detail);
      assert.ok(!('runs' in packed));
      assert.ok(packed.packedRuns.value instanceof Float64Array);
      assert.deepEqual(unpackDetail(structuredClone(packed)), detail);
    }
  });

  it('keeps absent fields absent and sends repeated names once', () => {
    const detail: SeriesDetail = {
      ...generateTrendsData({ series: 1, runs: 3, seed: 1 })[0],
      runs: [
        { id: 'a', value: 1, timestamp: 10 },
        { id: 'b', value: 2, lo: 1.5, hi: 2.5, n: 7, timestamp: 20, commit: 'c0ffee', message: '', branch: 'main', machine: 'm1', percentiles: { p50: 2, p90: 2.2, p95: 2.3, p99: 2.4 } },
        { id: 'c', value: 0, timestamp: 30, branch: 'main', machine: 'main' },
      ],
    };
    const packed = packDetail(detail);
    assert.deepEqual(packed.packedRuns.names, ['main', 'm1']);
    const runs = unpackDetail(packed).runs;
    assert.deepEqual(runs, detail.runs);
    assert.ok(!('lo' in runs[0]) && !('commit' in runs[0]) && !('percentiles' in runs[0]));
    assert.equal(runs[1].message, '');
  });

  it('passes a detail with plain runs through unchanged', () => {
    const detail = generateTrendsData({ series: 1, runs: 5, seed: 2 })[0];
    assert.equal(unpackDetail(detail), detail);
  });
});
