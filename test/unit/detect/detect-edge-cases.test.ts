import { strict as assert } from 'node:assert';
import { detectSeries, detectMany, type Change } from '../../../src/core/detect';
import { seededRandom, normal, type Random } from '../../../src/core/stats/random';
import { mannWhitneyExactP } from '../../../src/core/stats/tests';

/** Edge cases of the history detector: exactly constant series, a fresh spike, short pasts, zero levels, effect and interval. */

function noisy(r: Random, n: number, level: number, cv: number): number[] {
  return Array.from({ length: n }, () => level * Math.exp(cv * normal(r)));
}
function confirmed(changes: Change[]): Change[] {
  return changes.filter((c) => c.confirmed);
}
const repeat = (value: number, times: number) => new Array<number>(times).fill(value);

describe('detect: edge cases', () => {
  describe('exactly constant series (allocation counts, sizes)', () => {
    it('finds a step between two constant levels', () => {
      const v = detectSeries([...repeat(100, 50), ...repeat(200, 50)], 'smaller');
      const found = confirmed(v.changes);
      assert.equal(found.length, 1, JSON.stringify(v.changes));
      assert.equal(found[0].index, 50);
      assert.equal(found[0].kind, 'regression');
      assert.ok(Math.abs(found[0].ratio - 2) < 1e-9, String(found[0].ratio));
      assert.equal(v.state, 'regressed');
      assert.equal(v.baseline?.noise, 0);
    });

    it('finds a small step down between constant levels, and none in a constant series', () => {
      const down = detectSeries([...repeat(4096, 30), ...repeat(4000, 30)], 'smaller');
      assert.deepEqual(confirmed(down.changes).map((c) => [c.index, c.kind]), [[30, 'improvement']]);
      assert.equal(down.state, 'improved');
      const flat = detectSeries(repeat(7, 60), 'smaller');
      assert.deepEqual(flat.changes, []);
      assert.equal(flat.state, 'stable');
    });

    it('a near-constant quantised series: one-unit blips are rounding, a lasting move of 3 units is a step', () => {
      const values = [...repeat(100, 40), ...repeat(103, 40)];
      for (const i of [5, 17, 29, 52, 66]) values[i] += 1;
      const v = detectSeries(values, 'smaller');
      assert.deepEqual(confirmed(v.changes).map((c) => c.index), [40], JSON.stringify(v.changes));
      // and a blip or two alone is no change
      const blips = repeat(100, 60);
      blips[20] = 101;
      blips[41] = 101;
      assert.deepEqual(confirmed(detectSeries(blips, 'smaller').changes), []);
    });
  });

  describe('a high last value is a suspect until later runs stay there', () => {
    for (const factor of [1.2, 1.5, 2]) {
      it(`x${factor} in the last run of a 1%-noise series: suspect, not confirmed`, () => {
        for (let seed = 1; seed <= 5; seed++) {
          const values = noisy(seededRandom(seed), 60, 100, 0.01);
          values[59] *= factor;
          const v = detectSeries(values, 'smaller');
          assert.deepEqual(confirmed(v.changes), [], `seed ${seed}: ${JSON.stringify(v.changes)}`);
          const suspect = v.changes.find((c) => c.index === 59);
          assert.ok(suspect && !suspect.confirmed && suspect.kind === 'regression', `seed ${seed}: ${JSON.stringify(v.changes)}`);
          assert.equal(suspect.runsAfter, 1);
          assert.equal(v.state, 'suspect');
        }
      });
    }

    it('confirmed once the next runs stay at the new level; no change once they come back', () => {
      for (let seed = 1; seed <= 5; seed++) {
        const r = seededRandom(seed);
        const before = noisy(r, 59, 100, 0.01);
        const stays = [...before, ...noisy(r, 3, 150, 0.01)];
        const found = confirmed(detectSeries(stays, 'smaller').changes);
        assert.deepEqual(found.map((c) => [c.index, c.kind]), [[59, 'regression']], `seed ${seed}`);
        const back = [...before, 150, ...noisy(r, 3, 100, 0.01)];
        const v = detectSeries(back, 'smaller');
        assert.deepEqual(v.changes, [], `seed ${seed}`);
        assert.equal(v.state, 'stable');
      }
    });
  });

  describe('few runs before a change', () => {
    it('a clear step 3 or 4 runs after the start is found', () => {
      for (const before of [3, 4]) {
        let found = 0;
        for (let seed = 1; seed <= 20; seed++) {
          const values = noisy(seededRandom(seed), before + 20, 100, 0.02).map((x, i) => (i >= before ? x * 1.3 : x));
          const changes = confirmed(detectSeries(values, 'smaller').changes);
          assert.ok(changes.every((c) => Math.abs(c.index - before) <= 1), JSON.stringify(changes));
          if (changes.length === 1) found++;
        }
        assert.ok(found >= 15, `${before} runs before: found in ${found} of 20`);
      }
    });

    it('found as well from 5 to 9 runs before; with 2 runs before nothing is said', () => {
      for (let before = 5; before <= 9; before++) {
        let found = 0;
        for (let seed = 1; seed <= 10; seed++) {
          const values = noisy(seededRandom(seed), before + 20, 100, 0.02).map((x, i) => (i >= before ? x * 1.3 : x));
          if (confirmed(detectSeries(values, 'smaller').changes).some((c) => Math.abs(c.index - before) <= 1)) found++;
        }
        assert.ok(found >= 9, `${before} runs before: found in ${found} of 10`);
      }
      const two = noisy(seededRandom(1), 22, 100, 0.02).map((x, i) => (i >= 2 ? x * 1.3 : x));
      assert.deepEqual(confirmed(detectSeries(two, 'smaller').changes), []);
    });

    it('a clear step 5 runs after the start is found whatever the series\' length (20 to 39 runs)', () => {
      const missed: number[] = [];
      for (let n = 20; n <= 39; n++) {
        const values = noisy(seededRandom(n), n, 100, 0.01).map((x, i) => (i >= 5 ? x * Math.exp(0.1) : x));
        if (!confirmed(detectSeries(values, 'smaller').changes).some((c) => c.index === 5)) missed.push(n);
      }
      assert.deepEqual(missed, []);
    });

    it('a short series of plain noise is not taken for two levels: a 12-noise step 6 to 9 runs in is found in all of 100', () => {
      let found = 0;
      for (let seed = 1; seed <= 100; seed++) {
        const at = 6 + (seed % 4);
        const values = noisy(seededRandom(seed), 25 + (seed % 16), 100, 0.015).map((x, i) => (i >= at ? x * Math.exp(0.18) : x));
        if (confirmed(detectSeries(values, 'smaller').changes).some((c) => Math.abs(c.index - at) <= 1)) found++;
      }
      assert.equal(found, 100);
    });

    it('short series without a change raise an alert in at most 1% of them (the detector\'s false-discovery level)', () => {
      let alerts = 0, series = 0;
      for (const n of [10, 12, 15, 20]) {
        for (let seed = 1; seed <= 250; seed++) {
          series++;
          if (confirmed(detectSeries(noisy(seededRandom(seed * 31 + n), n, 100, 0.02), 'smaller').changes).length > 0) alerts++;
        }
      }
      assert.ok(alerts <= 0.01 * series, `${alerts} alerts in ${series} series`);
    });
  });

  describe('zero levels', () => {
    it('a step from 0 has a finite effect: the difference in units, and a ratio marked as not relative', () => {
      const r = seededRandom(4);
      const values = [...repeat(0, 20), ...Array.from({ length: 20 }, () => 5 + Math.round(normal(r)))];
      const v = detectSeries(values, 'smaller');
      const [c] = confirmed(v.changes);
      assert.ok(c, JSON.stringify(v.changes));
      assert.equal(c.index, 20);
      assert.equal(c.kind, 'regression');
      assert.equal(c.relative, false);
      assert.ok(Number.isFinite(c.ratio) && c.ratio > 1, String(c.ratio));
      assert.ok(c.ratioCi.every(Number.isFinite) && c.ratioCi[0] <= c.ratio && c.ratio <= c.ratioCi[1]);
      assert.ok(c.difference !== undefined && Math.abs(c.difference - 5) <= 1, String(c.difference));
      assert.ok(c.differenceCi && c.differenceCi[0] <= c.difference && c.difference <= c.differenceCi[1] && c.differenceCi[0] > 0);
      assert.ok(!JSON.stringify(v).includes('null'), JSON.stringify(v));
    });

    it('a step down to 0 is -100% and relative; an ordinary step is relative with ratio = 1 + difference / old level', () => {
      const toZero = detectSeries([...repeat(8, 20), ...repeat(0, 20)], 'smaller');
      const [c] = confirmed(toZero.changes);
      assert.equal(c.kind, 'improvement');
      assert.ok(Number.isFinite(c.ratio) && c.ratio >= 0 && c.ratio < 0.05, String(c.ratio));
      const plain = confirmed(detectSeries(noisy(seededRandom(9), 80, 50, 0.01).map((x, i) => (i >= 40 ? x * 1.2 : x)), 'smaller').changes)[0];
      assert.equal(plain.relative, true);
      assert.ok(Math.abs(plain.ratio - 1 - plain.difference! / 50) < 0.01, JSON.stringify(plain));
    });
  });

  describe('the headline effect lies inside its own interval', () => {
    /** Series whose medians and robust step estimates disagree: bimodal, and whole-millisecond timings of a few ms. */
    function awkwardSeries(seed: number): number[] {
      const r = seededRandom(seed);
      const n = 60 + Math.floor(r() * 140);
      const at = 20 + Math.floor(r() * (n - 40));
      const step = r() < 0.5 ? 1 + 0.1 + 0.4 * r() : 1 / (1.1 + 0.4 * r());
      if (seed % 2 === 0) {
        const level = 2 + 6 * r();
        return Array.from({ length: n }, (_, i) => Math.max(1, Math.round(level * (i >= at ? step : 1) * Math.exp(0.05 * normal(r)))));
      }
      const share = 0.2 + 0.3 * r();
      return Array.from({ length: n }, (_, i) => 100 * (i >= at ? step : 1) * Math.exp(0.01 * normal(r)) * (r() < share ? 1.15 : 1));
    }

    it('every change of 300 awkward series: ratioCi[0] <= ratio <= ratioCi[1], and no interval of zero width', () => {
      const verdicts = detectMany(Array.from({ length: 300 }, (_, k) => ({ id: `s${k}`, direction: 'smaller' as const, values: awkwardSeries(k + 1) })));
      let changes = 0;
      for (const v of verdicts) {
        for (const c of v.changes) {
          changes++;
          assert.ok(c.ratioCi[0] <= c.ratio && c.ratio <= c.ratioCi[1], `${v.id}: ${c.ratio} outside [${c.ratioCi}]`);
          assert.ok(c.ratioCi[1] > c.ratioCi[0], `${v.id}: zero-width interval ${c.ratioCi}`);
          assert.ok(c.differenceCi![0] <= c.difference! && c.difference! <= c.differenceCi![1], `${v.id}: difference outside its interval`);
        }
      }
      assert.ok(changes >= 200, `${changes} changes`);
    });
  });

  describe('the exact rank test for small sides', () => {
    /** Two-sided p by enumerating every split of the pooled values (no ties). */
    function enumerated(a: number[], b: number[]): number {
      const pooled = [...a, ...b].sort((x, y) => x - y);
      const uOf = (chosen: Set<number>) => {
        let u = 0;
        pooled.forEach((x, i) => { if (!chosen.has(i)) pooled.forEach((y, k) => { if (chosen.has(k) && x > y) u++; }); });
        return u;
      };
      const observed = uOf(new Set(a.map((x) => pooled.indexOf(x))));
      const mean = (a.length * b.length) / 2;
      let extreme = 0, total = 0;
      const walk = (from: number, chosen: number[]) => {
        if (chosen.length === a.length) {
          total++;
          if (Math.abs(uOf(new Set(chosen)) - mean) >= Math.abs(observed - mean) - 1e-9) extreme++;
          return;
        }
        for (let i = from; i < pooled.length; i++) walk(i + 1, [...chosen, i]);
      };
      walk(0, []);
      return extreme / total;
    }
    const sorted = (xs: number[]) => Float64Array.from(xs).sort();

    it('equals the enumerated p-value, and is 2 / C(20, 5) for 5 runs all below 15', () => {
      const r = seededRandom(3);
      for (let k = 0; k < 20; k++) {
        const a = Array.from({ length: 2 + (k % 4) }, () => r());
        const b = Array.from({ length: 3 + (k % 5) }, () => r() + 0.3 * r());
        assert.ok(Math.abs(mannWhitneyExactP(sorted(a), sorted(b))! - enumerated(a, b)) < 1e-12);
      }
      const low = [1, 2, 3, 4, 5], high = Array.from({ length: 15 }, (_, i) => 10 + i);
      assert.ok(Math.abs(mannWhitneyExactP(sorted(low), sorted(high))! - 2 / 15504) < 1e-15);
      assert.equal(mannWhitneyExactP(sorted([1, 2]), sorted([2, 3])), undefined, 'ties: no exact p-value');
    });
  });
});
