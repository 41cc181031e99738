import { strict as assert } from 'node:assert';
import { compareSamples } from '../../../src/core/detect/ab';
import { evaluateBudget } from '../../../src/core/detect/budget';
import { forecast } from '../../../src/core/detect/forecast';
import { seededRandom, normal } from '../../../src/core/stats/random';

function samples(seed: number, n: number, level: number, cv: number): number[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => level * Math.exp(cv * normal(r)));
}

describe('detect: A/B verdicts', () => {
  it('a clearly slower B is slower, a clearly faster B is faster', () => {
    const a = samples(1, 30, 10, 0.02);
    const slower = compareSamples(a, samples(2, 30, 11, 0.02));
    assert.equal(slower.verdict, 'slower');
    assert.ok(slower.ratio > 1.05 && slower.ratioCi[0] > 1, JSON.stringify(slower));
    assert.ok(slower.pValue < 1e-6);
    const faster = compareSamples(a, samples(3, 30, 9, 0.02));
    assert.equal(faster.verdict, 'faster');
    // for throughput, bigger B is faster
    assert.equal(compareSamples(a, samples(2, 30, 11, 0.02), { direction: 'bigger' }).verdict, 'faster');
  });

  it('identical distributions are the same', () => {
    const v = compareSamples(samples(4, 40, 10, 0.01), samples(5, 40, 10, 0.01));
    assert.equal(v.verdict, 'same', v.message);
    assert.ok(v.ratioCi[0] < 1 && v.ratioCi[1] > 1);
  });

  it('three samples each cannot tell: unknown, run more', () => {
    const v = compareSamples([10, 10.2, 9.9], [11, 11.1, 10.8]);
    assert.equal(v.verdict, 'unknown');
    assert.match(v.message, /run more/);
  });

  it('noisy samples with an unclear difference are unknown, not a guess', () => {
    const v = compareSamples(samples(6, 8, 10, 0.2), samples(7, 8, 10.5, 0.2));
    assert.equal(v.verdict, 'unknown', v.message);
  });

  it('is deterministic for a seed', () => {
    const a = samples(8, 20, 5, 0.05), b = samples(9, 20, 5.2, 0.05);
    assert.deepEqual(compareSamples(a, b, { seed: 3 }), compareSamples(a, b, { seed: 3 }));
  });
});

describe('detect: budgets', () => {
  it('a p95 over budget is a breach; the share of runs over it is the error budget spent', () => {
    const values = [50, 52, 51, 55, 58, 61, 63, 49, 50, 62];
    const r = evaluateBudget(values, 'smaller', { statistic: 'p95', limit: 60, window: 10, allowedShare: 0.1 });
    assert.equal(r.breached, true);
    assert.equal(r.runsOver, 3);
    assert.equal(r.runs, 10);
    assert.ok(Math.abs(r.errorBudgetSpent - 3) < 1e-9);
    assert.equal(r.severity, 'critical');
    assert.match(r.message, /over the budget 60/);
  });

  it('within budget: the median stays under, the error budget is partly spent', () => {
    const values = [1.5, 1.6, 1.7, 2.1, 1.6, 1.5, 1.6, 1.7, 1.6, 1.5];
    const r = evaluateBudget(values, 'smaller', { statistic: 'median', limit: 2, window: 10, allowedShare: 0.2 });
    assert.equal(r.breached, false);
    assert.equal(r.runsOver, 1);
    assert.ok(Math.abs(r.errorBudgetSpent - 0.5) < 1e-9);
    assert.equal(r.severity, 'info');
  });

  it('bigger-is-better budgets are minimums', () => {
    const r = evaluateBudget([900, 950, 980, 1010], 'bigger', { statistic: 'median', limit: 1000 });
    assert.equal(r.breached, true);
  });
});

describe('detect: forecast', () => {
  it('a steady 0.5% per run rise reaches the budget in about the right number of runs', () => {
    const r = seededRandom(10);
    const values = Array.from({ length: 60 }, (_, i) => 40 * Math.exp(0.005 * i + 0.003 * normal(r)));
    const f = forecast(values, 'smaller', 60, { msPerRun: 86_400_000 });
    assert.ok(f, 'a trend is found');
    assert.ok(Math.abs(f!.ratePerRun - 0.005) < 0.001, String(f!.ratePerRun));
    // 40*e^(0.005*59) = 53.7 now; ln(60/53.7)/0.005 = 22 runs
    assert.ok(Math.abs(f!.runsToLimit! - 22) <= 3, String(f!.runsToLimit));
    assert.ok(Math.abs(f!.daysToLimit! - f!.runsToLimit!) < 1e-9);
    const p = f!.predict(10);
    assert.ok(p.low < p.value && p.value < p.high);
    assert.match(f!.message, /passes 60 in about \d+ runs/);
  });

  it('no trend in flat noise', () => {
    assert.equal(forecast(samples(11, 80, 10, 0.02), 'smaller', 12), undefined);
  });

  it('an improving trend never reaches a maximum', () => {
    const values = Array.from({ length: 40 }, (_, i) => 50 * Math.exp(-0.01 * i));
    const f = forecast(values, 'smaller', 60);
    assert.ok(f && f.runsToLimit === undefined && f.ratePerRun < 0);
  });
});
