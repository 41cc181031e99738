import { strict as assert } from 'node:assert';
import { compareCounts, comparePaired, hodgesLehmann, LookSchedule, pairLogRatios, settled, signedRankCritical, type PairedVerdict } from '../../../src/core/detect/paired-ab';
import { normal, seededRandom } from '../../../src/core/stats/random';

/**
 * Interleaved sessions under load that comes and goes: both runs of a pair share the pair's
 * load factor (1 to 1.6, in episodes spanning several pairs), each run adds its own noise.
 */
function session(pairs: number, trueRatio: number, seed: number, runNoise = 0.04): { a: number[]; b: number[] } {
  const random = seededRandom(seed);
  const a: number[] = [];
  const b: number[] = [];
  let load = 1;
  for (let i = 0; i < pairs; i++) {
    if (random() < 0.3) load = random() < 0.5 ? 1 : 1 + random() * 0.6;
    a.push(0.25 * load * Math.exp(runNoise * normal(random)));
    b.push(0.25 * trueRatio * load * Math.exp(runNoise * normal(random)));
  }
  return { a, b };
}

describe('paired A/B verdict (interleaved runs)', () => {
  it('signed-rank critical counts match the published table (two-sided 5%)', () => {
    // Wilcoxon signed-rank table: n=6 → 0, n=10 → 8, n=20 → 52 (T ≤ value is significant); k = value + 1.
    assert.equal(signedRankCritical(6), 1);
    assert.equal(signedRankCritical(10), 9);
    assert.equal(signedRankCritical(20), 53);
    assert.equal(signedRankCritical(5), 0, 'five pairs cannot give a 95% interval');
  });

  it('pairs runs by position and leaves out failed or non-positive runs', () => {
    const d = pairLogRatios([1, undefined, 2, 0, 4], [2, 3, undefined, 1, 4]);
    assert.deepEqual(d.map((x) => +x.toFixed(6)), [+Math.log(2).toFixed(6), 0]);
  });

  it('the Hodges-Lehmann estimate is the median of Walsh averages and its interval covers it', () => {
    const hl = hodgesLehmann([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], 0.95)!;
    assert.ok(Math.abs(hl.estimate - 0.4) < 1e-12);
    assert.ok(hl.ci[0] < 0.4 && hl.ci[1] > 0.4);
    assert.equal(hodgesLehmann([1, 2, 3], 0.95), undefined);
    assert.equal(hodgesLehmann([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]), undefined, 'seven pairs cannot give a 99% interval');
    assert.equal(signedRankCritical(8, 0.01), 1);
    assert.equal(signedRankCritical(16, 0.01), 20, 'table: n=16, two-sided 1% → T ≤ 19');
  });

  it('A/A under fluctuating load: no "slower" in 1,000 sessions of 20 pairs', () => {
    let slower = 0;
    let faster = 0;
    for (let s = 0; s < 1000; s++) {
      const { a, b } = session(20, 1, 1000 + s);
      const v = comparePaired(a, b).verdict;
      if (v === 'slower') slower++;
      if (v === 'faster') faster++;
    }
    assert.ok(slower <= 5, `A/A said slower ${slower} times in 1000`);
    assert.ok(faster <= 5, `A/A said faster ${faster} times in 1000`);
  });

  it('a 10% slowdown under the same load is "slower" in at least 95 of 100 sessions', () => {
    let caught = 0;
    for (let s = 0; s < 100; s++) if (comparePaired(...Object.values(session(20, 1.1, 5000 + s)) as [number[], number[]]).verdict === 'slower') caught++;
    assert.ok(caught >= 95, `caught ${caught} of 100`);
  });

  it('load shared by the pair cancels where the two sides\' spreads would not', () => {
    // Each side spreads by a factor 1.6 between pairs, yet every pair is exactly 5% apart.
    const a = [1, 1.6, 1.2, 1.5, 1.1, 1.3, 1.4, 1.05, 1.55, 1.25];
    const b = a.map((x) => x * 1.05);
    const v = comparePaired(a, b);
    assert.equal(v.verdict, 'slower');
    assert.ok(Math.abs(v.ratio - 1.05) < 1e-9);
    assert.match(v.message, /slower: \+5\.0% \(99% CI \+5\.0% \.\. \+5\.0%, over 10 interleaved pairs; beyond the 2% minimum effect\)/);
  });

  it('a real difference smaller than the minimum effect is "same", never "slower"', () => {
    const a = [1, 1.6, 1.2, 1.5, 1.1, 1.3, 1.4, 1.05, 1.55, 1.25];
    const v = comparePaired(a, a.map((x) => x * 1.01));
    assert.equal(v.verdict, 'same');
    assert.equal(comparePaired(a, a.map((x) => x * 1.01), { minEffect: 0.005 }).verdict, 'slower');
  });

  it('an interval across the minimum effect is "unknown" and says how many runs would settle it', () => {
    const logRatios = [0.0, 0.08, -0.03, 0.1, 0.03, 0.06, -0.01, 0.09];
    const v = comparePaired(logRatios.map(() => 1), logRatios.map(Math.exp));
    assert.equal(v.verdict, 'unknown');
    assert.ok(v.runsToSettle! > 8, String(v.runsToSettle));
    assert.match(v.message, /unknown: .* straddles the 2% minimum effect; about \d+ runs per side \(--runs \d+\) would settle it/);
  });

  it('too few pairs is "unknown" with the count that is needed', () => {
    const v = comparePaired([1, 1, 1], [2, 2, 2]);
    assert.equal(v.verdict, 'unknown');
    assert.match(v.message, /3 complete pairs of runs; at least 8 are needed/);
  });

  it('in a bigger-is-better metric a higher ratio is faster', () => {
    const a = [1, 1.6, 1.2, 1.5, 1.1, 1.3, 1.4, 1.05, 1.55, 1.25];
    assert.equal(comparePaired(a, a.map((x) => x * 1.1), { direction: 'bigger' }).verdict, 'faster');
  });

  it('widens the interval when neighbouring pairs are correlated', () => {
    // Pairs' ratios drift in long episodes: the same values, once in episodes and once shuffled.
    const episodes = [0.02, 0.025, 0.03, 0.028, 0.022, 0.06, 0.065, 0.07, 0.062, 0.058, 0.03, 0.032, 0.027, 0.024, 0.03, 0.066, 0.061, 0.069, 0.064, 0.06];
    const shuffled = [0.02, 0.06, 0.025, 0.065, 0.03, 0.07, 0.028, 0.062, 0.022, 0.058, 0.03, 0.066, 0.032, 0.061, 0.027, 0.069, 0.024, 0.064, 0.03, 0.06];
    const ones = episodes.map(() => 1);
    const wide = comparePaired(ones, episodes.map(Math.exp));
    const narrow = comparePaired(ones, shuffled.map(Math.exp));
    assert.ok(wide.autocorrelation > 0.5, String(wide.autocorrelation));
    assert.ok(wide.ratioCi[1] - wide.ratioCi[0] > (narrow.ratioCi[1] - narrow.ratioCi[0]) * 1.5);
  });
});

/** A sequential comparison as `check --base` runs it: a look at each scheduled pair count, stopping once settled. */
function sequential(a: number[], b: number[]): PairedVerdict {
  const schedule = new LookSchedule();
  let v: PairedVerdict | undefined;
  for (let n = 1; n <= Math.min(a.length, b.length); n++) {
    const look = schedule.lookAt(n);
    if (!look) continue;
    v = comparePaired(a.slice(0, n), b.slice(0, n), { confidence: look.confidence });
    if (look.final || settled(v)) return v;
  }
  return v!;
}

describe('sequential paired A/B (looks after 16, 32, 64 and 96 pairs)', () => {
  it('splits the 1% between the looks; a look cut short by a limit takes what is left', () => {
    const s = new LookSchedule();
    assert.equal(s.maxPairs, 96);
    assert.equal(s.lookAt(15), undefined);
    const looks = [16, 32, 64, 96].map((n) => s.lookAt(n)!);
    assert.deepEqual(looks.map((l) => +l.confidence.toFixed(6)), [0.999, 0.999, 0.998, 0.994]);
    assert.deepEqual(looks.map((l) => l.final), [false, false, false, true]);
    assert.ok(Math.abs(looks.reduce((sum, l) => sum + (1 - l.confidence), 0) - 0.01) < 1e-12, 'the errors add up to 1%');
    assert.equal(s.lookAt(200), undefined, 'nothing after the last look');
    const cut = new LookSchedule();
    cut.lookAt(16);
    const last = cut.lookAt(40, true)!;
    assert.equal(last.final, true);
    assert.ok(Math.abs(last.confidence - 0.991) < 1e-12, String(last.confidence));
  });

  it('the interval says its confidence', () => {
    const { a, b } = session(32, 1.2, 3);
    const v = comparePaired(a, b, { confidence: 0.999 });
    assert.equal(v.confidence, 0.999);
    assert.match(v.message, /\(99\.9% CI /);
    const wider = comparePaired(a, b);
    assert.ok(v.ratioCi[0] <= wider.ratioCi[0] && v.ratioCi[1] >= wider.ratioCi[1], 'a higher confidence gives a wider interval');
  });

  it('settled: decided either way, or an increase beyond the minimum effect ruled out', () => {
    const base = comparePaired(...Object.values(session(16, 1, 1)) as [number[], number[]]);
    assert.equal(settled({ ...base, verdict: 'slower' }), true);
    assert.equal(settled({ ...base, verdict: 'unknown', ratioCi: [0.9, 1.019], minEffect: 0.02 }), true);
    assert.equal(settled({ ...base, verdict: 'unknown', ratioCi: [0.99, 1.05], minEffect: 0.02 }), false);
  });

  it('A/A on a noisy machine: looking four times keeps "slower" or "faster" at or under 1% (800 sessions)', () => {
    // Pairs' log ratios spread about 14%, as CPU times did on a 2-core machine at load 6-27.
    let wrong = 0;
    let naive = 0;
    for (let seed = 1; seed <= 800; seed++) {
      const { a, b } = session(96, 1, 9000 + seed, 0.1);
      const verdict = sequential(a, b).verdict;
      if (verdict === 'slower' || verdict === 'faster') wrong++;
      // The same looks, each at a plain 99%: every look is another chance to cross the edge.
      if ([16, 32, 64, 96].some((n) => ['slower', 'faster'].includes(comparePaired(a.slice(0, n), b.slice(0, n)).verdict))) naive++;
    }
    if (process.env.PAIRED_AB_VERBOSE) console.log(`split: ${wrong}, naive: ${naive} of 800`);
    assert.ok(wrong <= 8, `${wrong} of 800`);
    assert.ok(naive >= wrong, `looking at 99% each time: ${naive}, split: ${wrong}`);
  });

  it('a 10% slowdown on that machine is "slower" in at least 9 of 10 sessions, where 24 fixed pairs see far fewer', () => {
    let caught = 0;
    let fixed = 0;
    const n = 200;
    for (let seed = 1; seed <= n; seed++) {
      const { a, b } = session(96, 1.1, 500 + seed, 0.1);
      if (sequential(a, b).verdict === 'slower') caught++;
      if (comparePaired(a.slice(0, 24), b.slice(0, 24)).verdict === 'slower') fixed++;
    }
    if (process.env.PAIRED_AB_VERBOSE) console.log(`sequential: ${caught}, fixed 24: ${fixed} of ${n}`);
    assert.ok(caught >= 0.9 * n, `sequential: ${caught} of ${n}`);
    assert.ok(fixed < 0.7 * n, `24 fixed pairs: ${fixed} of ${n}`);
  });

  it('a clear slowdown stops at the first look', () => {
    const { a, b } = session(96, 1.5, 77, 0.1);
    const v = sequential(a, b);
    assert.equal(v.verdict, 'slower');
    assert.equal(v.pairs, 16);
  });
});

describe('instruction count verdict', () => {
  it('2% more instructions is slower; identical counts are the same', () => {
    const a = [308_305_517, 308_305_517, 308_305_517];
    assert.equal(compareCounts(a, a).verdict, 'same');
    const v = compareCounts(a, a.map((x) => x * 1.02));
    assert.equal(v.verdict, 'slower');
    assert.match(v.message, /slower: \+2\.0% more instructions \(range over runs \+2\.0% \.\. \+2\.0%; beyond the 0\.5% minimum effect\)/);
    assert.equal(compareCounts(a, a.map((x) => x * 1.003)).verdict, 'same');
  });

  it('counts that vary across the minimum effect are unknown, not a guess', () => {
    const v = compareCounts([100, 110, 90], [101, 112, 95]);
    assert.equal(v.verdict, 'unknown');
    assert.match(v.message, /do(es)? not run the same instructions each time/);
  });
});
