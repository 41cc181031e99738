import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { changeRatio, downsampleForSparkline, SPARKLINE_POINTS } from '../../src/extension/trends/shaping';
import { generateTrendsData } from '../../scripts/bench/trends/sample-data';

describe('trends: sparkline downsampling', () => {
  it('returns short series unchanged (as a copy)', () => {
    const values = [3, 1, 2];
    const out = downsampleForSparkline(values);
    assert.deepEqual(out, [3, 1, 2]);
    assert.notEqual(out, values);
  });

  it('caps 500 runs at 64 points and keeps the first and last run', () => {
    const values = Array.from({ length: 500 }, (_, i) => Math.sin(i / 10) + i / 100);
    const out = downsampleForSparkline(values);
    assert.equal(out.length, SPARKLINE_POINTS);
    assert.equal(out[0], values[0]);
    assert.equal(out[out.length - 1], values[499]);
  });

  it('keeps a one-run spike that striding would skip', () => {
    const values = Array.from({ length: 1000 }, () => 1);
    values[437] = 5;
    assert.ok(downsampleForSparkline(values).includes(5));
    const strided = values.filter((_, i) => i % Math.ceil(1000 / 64) === 0);
    assert.ok(!strided.includes(5), 'the control: plain striding loses the spike');
  });

  it('drops non-finite values and rejects a box of fewer than 3 points', () => {
    assert.deepEqual(downsampleForSparkline([1, NaN, 2, Infinity]), [1, 2]);
    assert.throws(() => downsampleForSparkline([1, 2, 3, 4], 2), /at least 3/);
  });

  it('never grows, never invents values, and keeps the order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 400 }), fc.integer({ min: 3, max: 80 }), (values, max) => {
        const out = downsampleForSparkline(values, max);
        assert.ok(out.length <= Math.max(max, 0) || out.length === values.length);
        assert.ok(out.length <= values.length);
        let from = 0;
        for (const v of out) {
          const at = values.indexOf(v, from);
          assert.ok(at >= from, 'every output value appears in the input, in order');
          from = at + 1;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('computes the change against the baseline and refuses a missing or zero baseline', () => {
    assert.equal(changeRatio(12, 10), 1.2);
    assert.equal(changeRatio(12, undefined), undefined);
    assert.equal(changeRatio(12, 0), undefined);
    assert.equal(changeRatio(NaN, 10), undefined);
  });
});

describe('trends: generated sample data', () => {
  it('is deterministic for a seed and different for another', () => {
    const a = generateTrendsData({ series: 5, runs: 50, seed: 9 });
    const b = generateTrendsData({ series: 5, runs: 50, seed: 9 });
    const c = generateTrendsData({ series: 5, runs: 50, seed: 10 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('gives each regressed series a regression change point inside its runs and a sparkline of ≤ 64 points', () => {
    const data = generateTrendsData({ series: 20, runs: 300, seed: 4 });
    for (const d of data) {
      assert.ok(d.series.sparkline.length <= SPARKLINE_POINTS);
      assert.equal(d.series.runs, d.runs.length);
      for (const c of d.changePoints) assert.ok(c.index > 0 && c.index < d.runs.length);
      if (d.series.status === 'regressed') assert.equal(d.changePoints[0]?.kind, 'regression');
    }
    assert.ok(data.some((d) => d.series.status === 'regressed'));
    assert.ok(data.some((d) => d.budget));
    assert.ok(data.some((d) => d.forecast));
  });
});
