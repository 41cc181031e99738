import { strict as assert } from 'node:assert';
import { summarize, median, scaledMad, outlierIndices, bootstrapMedianCi } from '../../src/core/stats/summary';
import { seededRandom } from '../../src/core/stats/random';

describe('stats/summary', () => {
  it('computes median, MAD and percentiles of a known sample', () => {
    const s = summarize([5, 1, 4, 2, 3]);
    assert.equal(s.median, 3);
    assert.equal(s.min, 1);
    assert.equal(s.max, 5);
    assert.equal(s.mean, 3);
    assert.ok(Math.abs(s.mad - 1.4826) < 1e-9);
    assert.equal(s.n, 5);
  });

  it('flags an outlier without dropping it', () => {
    const values = [10, 10.1, 9.9, 10.05, 9.95, 10.02, 50];
    assert.deepEqual(outlierIndices(values), [6]);
    assert.equal(summarize(values).n, 7);
    assert.equal(summarize(values).outliers, 1);
  });

  it('gives the same bootstrap interval for the same seed, and the interval holds the median', () => {
    const rnd = seededRandom(1);
    const values = Array.from({ length: 40 }, () => 100 + rnd() * 10);
    const a = bootstrapMedianCi(values, { random: seededRandom(7) });
    const b = bootstrapMedianCi(values, { random: seededRandom(7) });
    assert.deepEqual(a, b);
    const m = median(values);
    assert.ok(a[0] <= m && m <= a[1]);
    assert.ok(scaledMad(values) > 0);
  });

  it('median of an even sample averages the middle pair', () => {
    assert.equal(median([1, 2, 3, 4]), 2.5);
  });
});
