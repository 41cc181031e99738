import type { Direction } from '../model';
import { mannWhitney } from '../stats/tests';
import { seededRandom } from '../stats/random';
import { fastMedian, sortNumbers } from '../stats/select';

/**
 * A/B verdict for two sample sets from the same machine (interleaved runs, or the working tree
 * against HEAD): Mann–Whitney U for "is there a difference" and a seeded bootstrap interval of
 * the ratio of medians for "how big". When the data cannot tell, the answer is "unknown: run
 * more" (as Chromium's Pinpoint does), never a guess.
 */

export type AbVerdict = 'faster' | 'slower' | 'same' | 'unknown';

export interface AbOptions {
  /** Seed of the bootstrap (default fixed, so the same samples always give the same answer). */
  seed?: number;
  /** What the samples measure: 'smaller' (times, default) or 'bigger' (throughput). */
  direction?: Direction;
  /** Significance level of the rank test (default 0.01). */
  alpha?: number;
  /** Differences smaller than this ratio are "same" (default 0.02 = 2%). */
  equivalence?: number;
  /** Bootstrap resamples (default 2000). */
  resamples?: number;
}

export interface AbResult {
  /** 'faster' / 'slower' describe B against A: B is faster when it takes less time (or does more per second). */
  verdict: AbVerdict;
  /** median(B) / median(A). */
  ratio: number;
  /** 95% bootstrap interval of the ratio. */
  ratioCi: [number, number];
  pValue: number;
  message: string;
}

const MIN_SAMPLES = 5;

export function compareSamples(a: readonly number[], b: readonly number[], options: AbOptions = {}): AbResult {
  const direction = options.direction ?? 'smaller';
  const alpha = options.alpha ?? 0.01;
  const equivalence = options.equivalence ?? 0.02;
  for (const [name, xs] of [['A', a], ['B', b]] as const) {
    if (xs.some((v) => !Number.isFinite(v))) throw new Error(`compareSamples: sample set ${name} holds a value that is not a finite number`);
  }
  if (a.length === 0 || b.length === 0) {
    return { verdict: 'unknown', ratio: NaN, ratioCi: [NaN, NaN], pValue: 1, message: 'unknown: run more (one side has no samples)' };
  }
  const mA = fastMedian(a);
  const mB = fastMedian(b);
  const ratio = mB / mA;
  const ratioCi = bootstrapRatioCi(a, b, options.resamples ?? 2000, options.seed ?? 0xab);
  const { pValue } = mannWhitney(a, b);
  const pct = (r: number) => `${((r - 1) * 100).toFixed(1)}%`;
  const ciText = `95% CI ${pct(ratioCi[0])} .. ${pct(ratioCi[1])}`;
  const bigger = direction === 'bigger';
  const label = (up: boolean): AbVerdict => (up === bigger ? 'faster' : 'slower');

  if (a.length < MIN_SAMPLES || b.length < MIN_SAMPLES) {
    return { verdict: 'unknown', ratio, ratioCi, pValue, message: `unknown: run more (${a.length} and ${b.length} samples; at least ${MIN_SAMPLES} each are needed)` };
  }
  const significant = pValue <= alpha && (ratioCi[0] > 1 || ratioCi[1] < 1);
  if (significant) {
    const up = ratio > 1;
    if (Math.abs(ratio - 1) < equivalence && ratioCi[0] > 1 - equivalence && ratioCi[1] < 1 + equivalence) {
      return { verdict: 'same', ratio, ratioCi, pValue, message: `same: a difference of ${pct(ratio)} is real but below ${(equivalence * 100).toFixed(0)}% (${ciText})` };
    }
    const v = label(up);
    return { verdict: v, ratio, ratioCi, pValue, message: `${v}: B/A = ${ratio.toFixed(3)} (${pct(ratio)}, ${ciText}, p = ${pValue.toExponential(1)})` };
  }
  // Not significant: "same" only when the interval rules out any difference worth reporting.
  if (ratioCi[0] > 1 - equivalence && ratioCi[1] < 1 + equivalence) {
    return { verdict: 'same', ratio, ratioCi, pValue, message: `same: no difference beyond ±${(equivalence * 100).toFixed(0)}% (${ciText})` };
  }
  return { verdict: 'unknown', ratio, ratioCi, pValue, message: `unknown: run more (the data allow ${ciText}; p = ${pValue.toFixed(3)})` };
}

/** Percentile bootstrap of median(B)/median(A), resampling each side independently. */
function bootstrapRatioCi(a: readonly number[], b: readonly number[], resamples: number, seed: number): [number, number] {
  const random = seededRandom(seed);
  const ratios = new Float64Array(resamples);
  const bufA = new Float64Array(a.length);
  const bufB = new Float64Array(b.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < a.length; i++) bufA[i] = a[Math.floor(random() * a.length)];
    for (let i = 0; i < b.length; i++) bufB[i] = b[Math.floor(random() * b.length)];
    ratios[r] = fastMedian(bufB, bufB) / fastMedian(bufA, bufA);
  }
  sortNumbers(ratios);
  const at = (q: number) => ratios[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))];
  return [at(0.025), at(0.975)];
}
