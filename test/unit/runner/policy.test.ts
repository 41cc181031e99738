import { strict as assert } from 'node:assert';
import { DEFAULT_POLICY, medianInterval, medianIsPrecise, resolvePolicy, StoppingRule } from '../../../src/core/runner/policy';
import { normal, seededRandom } from '../../../src/core/stats/random';

describe('runner: run policy and stopping rule', () => {
  it('defaults to hyperfine-like minimums (10 runs, 3 s) and lets limits win', () => {
    assert.deepEqual(resolvePolicy({}), { ...DEFAULT_POLICY, timeoutMs: undefined });
    const fixed = resolvePolicy({ runs: 7 });
    assert.equal(fixed.minRuns, 7);
    assert.equal(fixed.maxRuns, 7);
    assert.equal(fixed.minTime, 0);
    const capped = resolvePolicy({ maxRuns: 4, maxTime: '1s' });
    assert.equal(capped.minRuns, 4);
    assert.equal(capped.minTime, 1);
    assert.equal(resolvePolicy({ minTime: '20s' }).maxTime, 20, 'a long minimum lifts the default limit');
    assert.equal(resolvePolicy({ minTime: '250ms' }).minTime, 0.25);
    assert.throws(() => resolvePolicy({ minTime: '5 parsecs' }));
  });

  it('computes a distribution-free interval of the median that holds it', () => {
    assert.equal(medianInterval([1, 2, 3]), undefined);
    const sorted = Array.from({ length: 101 }, (_, i) => i);
    const [lo, hi] = medianInterval(sorted)!;
    assert.ok(lo < 50 && hi > 50);
    assert.ok(hi - lo >= 16 && hi - lo <= 24, `width ${hi - lo}`); // ≈ 2·1.96·√101/2 ranks
  });

  it('calls a median precise only when its interval is within the precision', () => {
    const random = seededRandom(7);
    const tight = Array.from({ length: 50 }, () => 1 + 0.002 * normal(random));
    const loose = Array.from({ length: 50 }, () => 1 + 0.2 * normal(random));
    assert.equal(medianIsPrecise(tight, 0.01), true);
    assert.equal(medianIsPrecise(loose, 0.01), false);
    assert.equal(medianIsPrecise(loose, 0.2), true);
  });

  it('holds the minimums, stops early when precise, and stops at the limits', () => {
    const policy = { ...DEFAULT_POLICY, minRuns: 10, minTime: 1, maxRuns: 100, maxTime: 5 };
    const steady = Array.from({ length: 10 }, () => 0.1);
    let rule = new StoppingRule(policy);
    assert.equal(rule.decide({ samples: steady.slice(0, 9), runs: 9, elapsed: 2 }), undefined, 'fewer than minRuns');
    assert.equal(rule.decide({ samples: steady, runs: 10, elapsed: 0.5 }), undefined, 'shorter than minTime');
    assert.equal(rule.decide({ samples: steady, runs: 10, elapsed: 1.2 }), 'precise');
    const random = seededRandom(3);
    const noisy = Array.from({ length: 20 }, () => 0.1 * (1 + 0.3 * Math.abs(normal(random))));
    rule = new StoppingRule(policy);
    assert.equal(rule.decide({ samples: noisy, runs: 20, elapsed: 2 }), undefined, 'noisy: keep going');
    assert.equal(rule.decide({ samples: noisy, runs: 100, elapsed: 2 }), 'max-runs');
    assert.equal(rule.decide({ samples: noisy, runs: 20, elapsed: 5 }), 'max-time');
    assert.equal(new StoppingRule(resolvePolicy({ runs: 3 })).decide({ samples: [1, 5, 9], runs: 3, elapsed: 0.1 }), 'max-runs');
    assert.equal(new StoppingRule(resolvePolicy({ runs: 3 })).decide({ samples: [1, 5], runs: 3, elapsed: 0.1 }), 'max-runs', 'failed runs count toward the limit');
  });
});
