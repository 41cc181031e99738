import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectSeries, detectMany, type Change } from '../../../src/core/detect';
import { seededRandom, normal } from '../../../src/core/stats/random';

const shared = path.join(__dirname, '../../fixtures/reference');

function gaussian(seed: number, n: number, level: number, cv: number): number[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => level * Math.exp(cv * normal(r)));
}
function confirmed(changes: Change[]): Change[] {
  return changes.filter((c) => c.confirmed);
}

/** In how many of seeds 1..seeds the series made from that seed has a confirmed change within one run of `at`. */
function foundIn(seeds: number, at: number, series: (r: () => number) => number[]): number {
  let found = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    if (confirmed(detectSeries(series(seededRandom(seed)), 'smaller').changes).some((c) => Math.abs(c.index - at) <= 1)) found++;
  }
  return found;
}

describe('detect: history detector', () => {
  it('TigerBeetle: regression at 15, improvement at 71, regression at 95; the outlier at 10 is no change', () => {
    const doc = JSON.parse(fs.readFileSync(path.join(shared, 'corpus/tigerbeetle.json'), 'utf8'));
    const s = doc.series[0];
    const [v] = detectMany([s]);
    const found = confirmed(v.changes);
    const near = (i: number) => found.find((c) => Math.abs(c.index - i) <= 2);
    assert.equal(near(15)?.kind, 'regression');
    assert.equal(near(71)?.kind, 'improvement');
    assert.equal(near(95)?.kind, 'regression');
    assert.ok(!found.some((c) => Math.abs(c.index - 10) <= 3), 'the single low value at 10 is an outlier');
    assert.deepEqual([near(15)!.index, near(71)!.index, near(95)!.index], [15, 71, 95]);
    // bigger is better: a regression is a drop, ratio < 1
    assert.ok(near(15)!.ratio < 1 && near(71)!.ratio > 1 && near(95)!.ratio < 1);
  });

  it('finds a 10% step on 2% noise within ±2, with its ratio, interval and severity', () => {
    const values = gaussian(1, 120, 50, 0.02).map((v, i) => (i >= 70 ? v * 1.1 : v));
    const v = detectSeries(values, 'smaller');
    const found = confirmed(v.changes);
    assert.equal(found.length, 1, JSON.stringify(v.changes));
    const c = found[0];
    assert.ok(Math.abs(c.index - 70) <= 2);
    assert.equal(c.lastGoodIndex, c.index - 1);
    assert.equal(c.kind, 'regression');
    assert.ok(c.ratio > 1.06 && c.ratio < 1.14, String(c.ratio));
    assert.ok(c.ratioCi[0] < c.ratio && c.ratio < c.ratioCi[1] && c.ratioCi[0] > 1);
    assert.ok(c.pValue < 1e-6);
    assert.equal(c.severity, c.ratio >= 1.1 ? 'critical' : 'warning');
    assert.equal(v.state, 'regressed');
    assert.ok(v.baseline && Math.abs(v.baseline.from - 70) <= 2);
  });

  it('a bigger-is-better drop is a regression, a smaller-is-better drop an improvement', () => {
    const values = gaussian(2, 100, 1e5, 0.01).map((v, i) => (i >= 50 ? v * 0.9 : v));
    assert.equal(confirmed(detectSeries(values, 'bigger').changes)[0]?.kind, 'regression');
    assert.equal(confirmed(detectSeries(values, 'smaller').changes)[0]?.kind, 'improvement');
    assert.equal(detectSeries(values, 'smaller').changes[0].severity, 'info');
  });

  it('gives no verdict from fewer than 10 points', () => {
    const v = detectSeries([1, 1, 1, 1, 2, 2, 2, 2, 2], 'smaller');
    assert.equal(v.state, 'insufficient-data');
    assert.deepEqual(v.changes, []);
  });

  it('single spikes and 1-3 point excursions that come back are not changes', () => {
    const values = gaussian(3, 150, 10, 0.01);
    values[40] *= 1.8;
    for (const i of [80, 81, 82]) values[i] *= 1.3;
    values[120] *= 0.6;
    values[121] *= 0.6;
    const v = detectSeries(values, 'smaller');
    assert.deepEqual(confirmed(v.changes), []);
    assert.equal(v.state, 'stable');
  });

  it('a step only a few runs old: strong = confirmed early, modest = suspect, one run = suspect however large', () => {
    const base = gaussian(4, 80, 10, 0.01);
    const strong = base.map((v, i) => (i >= 76 ? v * 1.2 : v));
    const s = detectSeries(strong, 'smaller');
    assert.equal(s.changes.length, 1);
    assert.ok(s.changes[0].confirmed && Math.abs(s.changes[0].index - 76) <= 1);
    // about two noise units, 4 runs after: worth a look at most, not yet an alert
    const modest = base.map((v, i) => (i >= 76 ? v * 1.02 : v));
    const m = detectSeries(modest, 'smaller');
    assert.ok(m.changes.every((c) => !c.confirmed));
    if (m.changes.length) assert.equal(m.state, 'suspect');
    // a single run after a jump cannot be told from a spike: a suspect, however large
    for (const factor of [1.04, 1.5]) {
      const last = base.map((v, i) => (i === 79 ? v * factor : v));
      const l = detectSeries(last, 'smaller');
      assert.deepEqual(confirmed(l.changes), []);
      assert.equal(l.changes[0]?.index, 79);
      assert.equal(l.state, 'suspect');
    }
  });

  it('a fresh step that a few old spikes reached is confirmed: the old runs seldom sat at the new level', () => {
    // three spikes of 10% among the 30 runs before, then four runs 9% up: the 90th percentile of
    // the past is a spike, yet four runs in a row where the past was in 3 of 30 is no spike
    const base = gaussian(11, 84, 10, 0.01);
    const values = base.map((v, i) => (i === 58 || i === 66 || i === 73 ? v * 1.1 : i >= 80 ? v * 1.09 : v));
    const v = detectSeries(values, 'smaller');
    assert.deepEqual(v.changes.map((c) => [c.index, c.confirmed]), [[80, true]]);
    assert.equal(v.state, 'regressed');
    // a level the old runs visited often (8 of 30) is no new level, even with four runs in a row there
    const often = [52, 55, 58, 61, 64, 67, 70, 73];
    const visited = base.map((v, i) => (often.includes(i) || i >= 80 ? v * 1.09 : v));
    assert.deepEqual(confirmed(detectSeries(visited, 'smaller').changes), []);
  });

  it('quantised timings (whole milliseconds) with a step of one tick', () => {
    const r = seededRandom(5);
    const values = Array.from({ length: 100 }, (_, i) => Math.round((i >= 60 ? 13.2 : 12) + 0.35 * normal(r)));
    const v = detectSeries(values, 'smaller');
    const found = confirmed(v.changes);
    assert.equal(found.length, 1, JSON.stringify(v.changes));
    assert.ok(Math.abs(found[0].index - 60) <= 3);
    // and flat quantised data raises nothing
    const flat = Array.from({ length: 200 }, () => Math.round(12 + 0.4 * normal(r)));
    assert.deepEqual(confirmed(detectSeries(flat, 'smaller').changes), []);
  });

  it('a change of variance without a change of level is no regression', () => {
    const r = seededRandom(6);
    const values = Array.from({ length: 300 }, (_, i) => 20 * Math.exp((i >= 150 ? 0.04 : 0.01) * normal(r)));
    assert.deepEqual(confirmed(detectSeries(values, 'smaller').changes), []);
  });

  it('autocorrelated noise (AR(1), phi 0.7) raises no alert', () => {
    const r = seededRandom(7);
    let x = 0;
    const values = Array.from({ length: 400 }, () => {
      x = 0.7 * x + 0.01 * normal(r);
      return 5 * Math.exp(x);
    });
    assert.deepEqual(confirmed(detectSeries(values, 'smaller').changes), []);
  });

  it('bimodal timings (cache hit or miss) raise no alert, and a real step through them is found', () => {
    let found = 0;
    for (const seed of [8, 18, 28, 38, 48]) {
      const r = seededRandom(seed);
      const values = Array.from({ length: 300 }, () => 3 * (r() < 0.2 ? 1.15 : 1) * Math.exp(0.005 * normal(r)));
      assert.deepEqual(confirmed(detectSeries(values, 'smaller').changes), [], `seed ${seed}`);
      const stepped = values.map((v, i) => (i >= 200 ? v * 1.08 : v));
      const changes = confirmed(detectSeries(stepped, 'smaller').changes);
      assert.ok(changes.length <= 1);
      if (changes.length === 1 && Math.abs(changes[0].index - 200) <= 6) found++;
    }
    // A shift in the share of slow runs can mask part of a step: most, not all, are found.
    assert.ok(found >= 4, `${found} of 5 found`);
  });

  it('bimodal timings whose modes are far apart and equally common: a step is judged within the modes', () => {
    // Half the runs hit a cache and half miss it, 25% apart (at random): the typical run-to-run difference is
    // the gap between the modes, yet a 5% step of both modes must still stand out against the
    // noise within a mode (0.5%).
    const r = seededRandom(588);
    const values = Array.from({ length: 120 }, (_, i) => 5 * (r() < 0.5 ? 1.25 : 1) * (i >= 60 ? 1.05 : 1) * Math.exp(0.005 * normal(r)));
    const found = confirmed(detectSeries(values, 'smaller').changes);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.ok(Math.abs(found[0].index - 60) <= 3 && found[0].kind === 'regression', JSON.stringify(found));
  });

  it('stretches of cache misses (a known second level, in runs of a few) raise no alert', () => {
    let alerts = 0;
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const r = seededRandom(100 + seed);
      let miss = false;
      const values = Array.from({ length: 300 }, () => {
        if (r() < 0.6) miss = r() < 0.3;
        return 2 * (miss ? 1.07 : 1) * Math.exp(0.004 * normal(r));
      });
      alerts += confirmed(detectSeries(values, 'smaller').changes).length;
    }
    assert.equal(alerts, 0);
  });

  it('bimodal timings: a step that lands the fast runs on the old slow mode is found once the old fast level is gone', () => {
    for (const seed of [1, 2, 3, 5]) {
      const r = seededRandom(seed);
      // 30% of runs 10% slower; at 150 every run gets 10% slower, so the new fast level is the old slow one
      const values = Array.from({ length: 240 }, (_, i) => 4 * (r() < 0.3 ? 1.1 : 1) * (i >= 150 ? 1.1 : 1) * Math.exp(0.005 * normal(r)));
      const found = confirmed(detectSeries(values, 'smaller').changes);
      assert.equal(found.length, 1, `seed ${seed}: ${JSON.stringify(found)}`);
      assert.ok(Math.abs(found[0].index - 150) <= 3 && found[0].kind === 'regression', `seed ${seed}: ${JSON.stringify(found)}`);
    }
  });

  it('bimodal timings: more slow runs than before (25% -> 55%), both levels still there, is no change', () => {
    let alerts = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const r = seededRandom(seed);
      const values = Array.from({ length: 240 }, (_, i) => 4 * (r() < (i >= 150 ? 0.55 : 0.25) ? 1.1 : 1) * Math.exp(0.005 * normal(r)));
      alerts += confirmed(detectSeries(values, 'smaller').changes).length;
    }
    assert.equal(alerts, 0);
  });

  it('autocorrelated noise: a step three runs before the end is confirmed (the few runs after it are not over-discounted)', () => {
    const found = foundIn(10, 117, (r) => {
      let x = 0;
      return Array.from({ length: 120 }, (_, i) => {
        x = 0.7 * x + 0.008 * normal(r);
        return 3 * Math.exp(x) * (i >= 117 ? 1.1 : 1);
      });
    });
    assert.ok(found >= 8, `${found} of 10 found`);
  });

  it('autocorrelated noise: a 3-run excursion that comes back is no change', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const r = seededRandom(seed);
      let x = 0;
      const values = Array.from({ length: 120 }, (_, i) => {
        x = 0.6 * x + 0.008 * normal(r);
        return 3 * Math.exp(x) * (i >= 100 && i < 103 ? 1.1 : 1);
      });
      assert.deepEqual(confirmed(detectSeries(values, 'smaller').changes).filter((c) => Math.abs(c.index - 100) <= 5), [], `seed ${seed}`);
    }
  });

  it('autocorrelated noise: a step of 5 noise units 10 runs before the end is found (the step is not taken for autocorrelation)', () => {
    // A step makes neighbouring runs alike, so the first autocorrelation estimate reads it as
    // wander; estimated again within the segments it is the noise's own (0.6) and the step stands.
    const found = foundIn(20, 90, (r) => {
      let x = 0;
      return Array.from({ length: 100 }, (_, i) => {
        x = 0.6 * x + 0.008 * normal(r);
        return 10 * Math.exp(x) * (i >= 90 ? 1.05 : 1);
      });
    });
    assert.ok(found >= 19, `${found} of 20 found`);
  });

  it('a slow tail: a 2.5% step of the typical runs is found, and the tail alone is no change', () => {
    // Most runs within 0.4% and a third of them trailing up to +10%: the step is measured against
    // the typical runs' spread, not the one the tail sets.
    const tailed = (r: () => number, i: number, step: number) => 10 * (1 + 0.004 * normal(r) + 0.03 * Math.max(0, -Math.log(r()) - 0.7)) * (i >= 80 ? step : 1);
    const found = foundIn(20, 80, (r) => Array.from({ length: 120 }, (_, i) => tailed(r, i, 1.025)));
    let alerts = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const r = seededRandom(seed);
      alerts += confirmed(detectSeries(Array.from({ length: 120 }, (_, i) => tailed(r, i, 1)), 'smaller').changes).length;
    }
    assert.ok(found >= 14, `${found} of 20 found`);
    assert.ok(alerts <= 3, `${alerts} alerts in 100 series without a change`);
  });

  it('two modes: four new runs between them, where no old run has been, are a new level', () => {
    const found = foundIn(20, 96, (r) => Array.from({ length: 100 }, (_, i) => 10 * Math.exp(0.005 * normal(r)) * (i >= 96 ? 1.1 : r() < 0.4 ? 1.2 : 1)));
    assert.ok(found >= 15, `${found} of 20 found`);
  });

  it('a step 7 runs before the end is confirmed even with a few old spikes above the new level', () => {
    // Three spikes in the window before the step cap the rank test at p ~ 0.002 for 7 runs after.
    let found = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const r = seededRandom(seed);
      const values = Array.from({ length: 100 }, (_, i) => 10 * Math.exp(0.01 * normal(r)) * (i >= 93 ? 1.12 : 1) * ([70, 78, 85].includes(i) ? 1.3 : 1));
      const regressions = confirmed(detectSeries(values, 'smaller').changes).filter((c) => c.kind === 'regression');
      assert.ok(regressions.every((c) => Math.abs(c.index - 93) <= 1), `seed ${seed}: ${JSON.stringify(regressions)}`);
      if (regressions.length === 1) found++;
    }
    assert.ok(found >= 6, `${found} of 8 found`);
  });

  it('slow drift is not a step', () => {
    const r = seededRandom(9);
    const values = Array.from({ length: 400 }, (_, i) => 8 * Math.exp(0.02 * normal(r) + (0.06 * i) / 400));
    assert.deepEqual(confirmed(detectSeries(values, 'smaller').changes), []);
  });

  it('several changes in one series, each against its own baseline', () => {
    const values = gaussian(10, 240, 2, 0.01).map((v, i) => v * (i >= 60 ? 1.08 : 1) * (i >= 120 ? 0.9 : 1) * (i >= 180 ? 1.05 : 1));
    const found = confirmed(detectSeries(values, 'smaller').changes);
    assert.deepEqual(found.map((c) => c.kind), ['regression', 'improvement', 'regression']);
    found.forEach((c, k) => assert.ok(Math.abs(c.index - [60, 120, 180][k]) <= 2, JSON.stringify(found)));
  });

  it('units do not matter (works on ratios) and answers are deterministic', () => {
    const values = gaussian(11, 150, 0.004, 0.02).map((v, i) => (i >= 90 ? v * 1.07 : v));
    const a = detectSeries(values, 'smaller');
    const b = detectSeries(values.map((v) => v * 1000), 'smaller');
    assert.deepEqual(a.changes.map((c) => c.index), b.changes.map((c) => c.index));
    assert.ok(Math.abs(a.changes[0].ratio - b.changes[0].ratio) < 1e-9);
    assert.deepEqual(detectSeries(values, 'smaller'), a);
  });

  it('false alerts are controlled across many no-change series (Benjamini–Hochberg)', () => {
    const series = Array.from({ length: 200 }, (_, k) => ({ id: `n${k}`, direction: 'smaller' as const, values: gaussian(100 + k, 200, 1, 0.02) }));
    const verdicts = detectMany(series);
    const alerts = verdicts.reduce((s, v) => s + confirmed(v.changes).length, 0);
    assert.ok(alerts <= 1, `${alerts} false alerts on 40,000 points`);
  });

  it('rejects values that are not finite numbers, naming the series', () => {
    assert.throws(() => detectMany([{ id: 'bad', direction: 'smaller', values: [1, 2, NaN] }]), /bad.*value 2/);
  });
});
