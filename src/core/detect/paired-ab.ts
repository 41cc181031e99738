import type { Direction } from '../model';
import { normalQuantile } from '../stats/distributions';
import type { AbVerdict } from './ab';

/**
 * The A/B verdict a merge can be gated on: base (A) and working tree (B) measured in the
 * same job, interleaved A B A B …, so that each B run has an A run next to it in time.
 * Load that comes and goes moves both runs of a pair alike, so the verdict is built from
 * the pairs' log ratios, not from the two sides' spreads: their Hodges–Lehmann estimate
 * and its distribution-free 99% interval (Wilcoxon signed-rank ranks), widened when
 * neighbouring pairs are correlated (load episodes that span several pairs). 99%, not 95%:
 * a check judges several rows (each benchmark by wall and CPU time), and on a busy machine
 * an interval can be so wide that the minimum effect hardly narrows its one-sided 2.5% error,
 * so four rows at 95% would fail up to one check in ten that changes nothing.
 *
 * A change is reported only when the whole interval lies beyond a minimum practical
 * effect, so a real but tiny difference, or an interval too wide to tell, never fails a
 * job: it is "same" or "unknown", and the message says how many runs would settle it.
 */

/** Minimum practical effect for wall times: 2% (a shared runner's pairs wander by a few per cent). */
export const TIME_MIN_EFFECT = 0.02;
/** Minimum practical effect for instruction counts, which do not move with load. */
export const INSTRUCTIONS_MIN_EFFECT = 0.005;
/** Beyond this many runs per side, "run more" is no advice. */
const MAX_RUNS_TO_SUGGEST = 10_000;
/** Confidence of the interval a verdict rests on. */
export const CONFIDENCE = 0.99;
/** Fewer pairs than this cannot give a 99% signed-rank interval. */
export const MIN_PAIRS = 8;

export interface PairedVerdict {
  verdict: AbVerdict;
  /** Estimated B / A (exp of the Hodges–Lehmann estimate of the pairs' log ratios). */
  ratio: number;
  /** Interval of the ratio at `confidence` (99%, CONFIDENCE, unless a sequential look gave another). */
  ratioCi: [number, number];
  /** Confidence of ratioCi. */
  confidence: number;
  /** Pairs the verdict rests on. */
  pairs: number;
  /** The practical effect the interval was held against (0.02 = 2%). */
  minEffect: number;
  /** Lag-1 autocorrelation of the pairs' log ratios (the interval was widened when above 0). */
  autocorrelation: number;
  /** For "unknown": about how many runs per side would settle it (undefined when more runs may never do). */
  runsToSettle?: number;
  message: string;
}

export interface PairedOptions {
  /** Ratio beyond which a difference counts (default TIME_MIN_EFFECT). */
  minEffect?: number;
  direction?: Direction;
  /** Confidence of the interval (default CONFIDENCE; a sequential look takes its share, see LookSchedule). */
  confidence?: number;
}

/**
 * Log ratios log(b/a) of the pairs of an interleaved session: A's i-th run with B's i-th
 * run (they ran one after the other). A pair with a failed run (undefined) or a value that
 * is not positive is left out.
 */
export function pairLogRatios(a: ReadonlyArray<number | undefined>, b: ReadonlyArray<number | undefined>): number[] {
  const out: number[] = [];
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined || !(x > 0) || !(y > 0) || !Number.isFinite(x) || !Number.isFinite(y)) continue;
    out.push(Math.log(y / x));
  }
  return out;
}

/**
 * Lower critical count of the Wilcoxon signed-rank statistic: the largest k with
 * P(T < k) ≤ alpha/2 under the null (exact for n ≤ 200, normal beyond). The interval of the
 * Hodges–Lehmann estimate is then the k-th smallest and k-th largest Walsh average.
 */
export function signedRankCritical(n: number, alpha = 0.05): number {
  const key = `${n}|${alpha}`;
  let k = criticalCache.get(key);
  if (k === undefined) criticalCache.set(key, (k = signedRankCriticalExact(n, alpha)));
  return k;
}

/** Sequential looks ask for the same few (n, alpha) again and again. */
const criticalCache = new Map<string, number>();

function signedRankCriticalExact(n: number, alpha: number): number {
  const total = (n * (n + 1)) / 2;
  if (n > 200) {
    const sd = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24);
    return Math.max(1, Math.floor(total / 2 - normalQuantile(1 - alpha / 2) * sd));
  }
  // counts[t]: subsets of {1..n} whose sum is t.
  const counts = new Float64Array(total + 1);
  counts[0] = 1;
  for (let r = 1; r <= n; r++) for (let t = (r * (r + 1)) / 2; t >= r; t--) counts[t] += counts[t - r];
  const all = 2 ** n;
  let cumulative = 0;
  let k = 0;
  // P(T ≤ k-1) ≤ alpha/2 → k is usable.
  for (let t = 0; t <= total; t++) {
    cumulative += counts[t];
    if (cumulative / all > alpha / 2) break;
    k = t + 1;
  }
  return k;
}

/** Hodges–Lehmann estimate (median of the Walsh averages) and its signed-rank interval (99% by default). */
export function hodgesLehmann(d: readonly number[], confidence = CONFIDENCE): { estimate: number; ci: [number, number] } | undefined {
  const n = d.length;
  if (n < 2) return undefined;
  const walsh = new Float64Array((n * (n + 1)) / 2);
  let w = 0;
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) walsh[w++] = (d[i] + d[j]) / 2;
  walsh.sort();
  const m = walsh.length;
  const estimate = m % 2 ? walsh[(m - 1) / 2] : (walsh[m / 2 - 1] + walsh[m / 2]) / 2;
  const k = signedRankCritical(n, 1 - confidence);
  if (k < 1) return undefined;
  return { estimate, ci: [walsh[k - 1], walsh[m - k]] };
}

/** Lag-1 autocorrelation about a centre, from ranks-free sums (0 when it cannot be told). */
function lag1(d: readonly number[], centre: number): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < d.length; i++) {
    const x = d[i] - centre;
    den += x * x;
    if (i > 0) num += x * (d[i - 1] - centre);
  }
  return den > 0 ? num / den : 0;
}

/** "99%", "99.8%": a confidence as people read it. */
export function confidenceText(confidence: number): string {
  const p = confidence * 100;
  return `${Number(p.toFixed(p >= 99.95 ? 2 : 1)).toString()}%`;
}

const pct = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;

/**
 * Verdict of B against A from an interleaved session's per-run values (in run order, a failed
 * run as undefined). "slower"/"faster" describe B (the working tree) against A (the base).
 */
export function comparePaired(a: ReadonlyArray<number | undefined>, b: ReadonlyArray<number | undefined>, options: PairedOptions = {}): PairedVerdict {
  const minEffect = options.minEffect ?? TIME_MIN_EFFECT;
  const confidence = options.confidence ?? CONFIDENCE;
  const bigger = options.direction === 'bigger';
  const d = pairLogRatios(a, b);
  const hl = hodgesLehmann(d, confidence);
  if (!hl) {
    return {
      verdict: 'unknown',
      ratio: d.length ? Math.exp(d.reduce((s, x) => s + x, 0) / d.length) : NaN,
      ratioCi: [NaN, NaN],
      confidence,
      pairs: d.length,
      minEffect,
      autocorrelation: 0,
      runsToSettle: MIN_PAIRS,
      message: `unknown: ${d.length} complete pair${d.length === 1 ? '' : 's'} of runs; at least ${MIN_PAIRS} are needed (--runs ${MIN_PAIRS} or more would settle it)`,
    };
  }
  // Correlated neighbours (a load episode spanning several pairs) carry less information than
  // independent pairs: widen by the AR(1) variance factor.
  const rho = Math.max(0, Math.min(0.9, lag1(d, hl.estimate)));
  const widen = Math.sqrt((1 + rho) / (1 - rho));
  const lo = hl.estimate - (hl.estimate - hl.ci[0]) * widen;
  const hi = hl.estimate + (hl.ci[1] - hl.estimate) * widen;
  const ratio = Math.exp(hl.estimate);
  const ratioCi: [number, number] = [Math.exp(lo), Math.exp(hi)];
  const edge = Math.log(1 + minEffect);
  const effectText = `${(minEffect * 100).toFixed(1).replace(/\.0$/, '')}%`;
  const ciText = `${confidenceText(confidence)} CI ${pct(ratioCi[0])} .. ${pct(ratioCi[1])}`;
  const base = { ratio, ratioCi, confidence, pairs: d.length, minEffect, autocorrelation: rho };
  // In "bigger is better" metrics a higher ratio is an improvement.
  const worse = (up: boolean): AbVerdict => (up !== bigger ? 'slower' : 'faster');
  if (lo > edge) {
    const v = worse(true);
    return { ...base, verdict: v, message: `${v}: ${pct(ratio)} (${ciText}, over ${d.length} interleaved pairs; beyond the ${effectText} minimum effect)` };
  }
  if (hi < -edge) {
    const v = worse(false);
    return { ...base, verdict: v, message: `${v}: ${pct(ratio)} (${ciText}, over ${d.length} interleaved pairs; beyond the ${effectText} minimum effect)` };
  }
  if (lo >= -edge && hi <= edge) {
    return { ...base, verdict: 'same', message: `same: ${pct(ratio)} (${ciText}, over ${d.length} interleaved pairs; within ±${effectText})` };
  }
  // The interval straddles a decision edge: its half-width must shrink to the estimate's
  // distance from that edge, and the half-width falls as 1/sqrt(pairs).
  const halfWidth = (hi - lo) / 2;
  const room = Math.abs(Math.abs(hl.estimate) - edge);
  const needed = room > 0 ? Math.ceil(d.length * (halfWidth / room) ** 2) : Infinity;
  const runsToSettle = needed <= MAX_RUNS_TO_SUGGEST ? Math.max(needed, d.length + 1) : undefined;
  const settle = runsToSettle !== undefined
    ? `about ${runsToSettle} runs per side (--runs ${runsToSettle}) would settle it`
    : `the difference is about as large as the ${effectText} minimum effect, so even ${MAX_RUNS_TO_SUGGEST.toLocaleString('en-US')} runs per side may not settle it`;
  return { ...base, verdict: 'unknown', runsToSettle, message: `unknown: ${pct(ratio)} (${ciText}, over ${d.length} interleaved pairs) straddles the ${effectText} minimum effect; ${settle}` };
}

/**
 * Verdict for counts that barely move between runs (instructions): the ratio of medians and
 * the range of every B count over every A count. Counts that vary beyond the minimum effect
 * leave the verdict "unknown" rather than guessing.
 */
export function compareCounts(a: readonly number[], b: readonly number[], options: PairedOptions = {}): PairedVerdict {
  const minEffect = options.minEffect ?? INSTRUCTIONS_MIN_EFFECT;
  const ok = (xs: readonly number[]) => xs.filter((x) => Number.isFinite(x) && x > 0);
  const xa = ok(a);
  const xb = ok(b);
  const effectText = `${(minEffect * 100).toFixed(1).replace(/\.0$/, '')}%`;
  const pairs = Math.min(xa.length, xb.length);
  if (!xa.length || !xb.length) {
    return { verdict: 'unknown', ratio: NaN, ratioCi: [NaN, NaN], confidence: 1, pairs, minEffect, autocorrelation: 0, runsToSettle: 1, message: 'unknown: one side has no instruction count' };
  }
  const med = (xs: number[]) => {
    const s = [...xs].sort((p, q) => p - q);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const ratio = med(xb) / med(xa);
  const ratioCi: [number, number] = [Math.min(...xb) / Math.max(...xa), Math.max(...xb) / Math.min(...xa)];
  const base = { ratio, ratioCi, confidence: 1, pairs, minEffect, autocorrelation: 0 };
  const rangeText = `range over runs ${pct(ratioCi[0])} .. ${pct(ratioCi[1])}`;
  if (ratioCi[0] > 1 + minEffect) return { ...base, verdict: 'slower', message: `slower: ${pct(ratio)} more instructions (${rangeText}; beyond the ${effectText} minimum effect)` };
  if (ratioCi[1] < 1 / (1 + minEffect)) return { ...base, verdict: 'faster', message: `faster: ${pct(ratio)} instructions (${rangeText}; beyond the ${effectText} minimum effect)` };
  if (ratioCi[0] >= 1 / (1 + minEffect) && ratioCi[1] <= 1 + minEffect) return { ...base, verdict: 'same', message: `same: ${pct(ratio)} instructions (${rangeText}; within ±${effectText})` };
  return {
    ...base,
    verdict: 'unknown',
    message: `unknown: ${pct(ratio)} instructions, but the counts vary between runs (${rangeText}) across the ${effectText} minimum effect; the program does not run the same instructions each time, so gate it on time`,
  };
}

/**
 * Sequential A/B: instead of a fixed number of pairs, the verdict is looked at after 16, 32, 64 and 96
 * interleaved pairs and measuring stops as soon as it is settled, so a clear change costs few runs and
 * a busy machine gets the pairs it needs (on a 2-core machine at load 6-27, a 10% CPU slowdown of a
 * 250 ms program needed 16 to more than 64 pairs; pairs' CPU log ratios spread 9-14%). Looking more
 * than once would inflate the error of a fixed 99% interval (each look is another chance for noise to
 * cross the edge), so the 1% is split between the looks (0.1%, 0.1%, 0.2%, then the rest, 0.6%): by
 * the union bound the chance that any look calls an unchanged program slower or faster stays at or
 * under 1% however the looks depend on each other and whenever measuring stops (a time limit makes the
 * look it stops at the last, with all the error left). Most of it is kept for the last look, where a
 * small effect on a noisy machine is decided; early looks only stop on what is already clear.
 */
export const SEQUENTIAL_LOOKS: readonly number[] = [16, 32, 64, 96];
/** Error share of each look but the last, which takes what is left of 1 - CONFIDENCE. */
const SEQUENTIAL_ALPHAS: readonly number[] = [0.001, 0.001, 0.002];

export interface Look {
  /** Pairs measured when the look is taken. */
  pairs: number;
  /** Confidence of this look's interval. */
  confidence: number;
  /** No look follows: the verdict of this one stands. */
  final: boolean;
}

/** Which pair counts are looks and at what confidence; one schedule per comparison. */
export class LookSchedule {
  private spent = 0;
  private next = 0;
  private done = false;
  constructor(
    readonly looks: readonly number[] = SEQUENTIAL_LOOKS,
    private readonly alphas: readonly number[] = SEQUENTIAL_ALPHAS,
    readonly total = 1 - CONFIDENCE,
  ) {}

  /** The most pairs a comparison takes. */
  get maxPairs(): number {
    return this.looks[this.looks.length - 1];
  }

  /** The next scheduled look (in pairs), undefined after the last. */
  get nextLook(): number | undefined {
    return this.done ? undefined : this.looks[this.next];
  }

  /**
   * The look to take after `pairs` pairs, or undefined when none is due. `last`: measuring stops here
   * (a time limit, failed runs), so this look takes all the error that is left.
   */
  lookAt(pairs: number, last = false): Look | undefined {
    if (this.done) return undefined;
    const due = pairs >= this.looks[this.next];
    if (!due && !last) return undefined;
    const final = last || pairs >= this.maxPairs || this.next >= this.looks.length - 1;
    const alpha = final ? this.total - this.spent : Math.min(this.alphas[this.next] ?? 0, this.total - this.spent);
    this.spent += alpha;
    this.next++;
    if (final) this.done = true;
    return { pairs, confidence: 1 - alpha, final };
  }
}

/** Is a look's verdict settled enough to stop measuring? Decided either way, or an increase is ruled out (it cannot fail the gate). */
export function settled(v: PairedVerdict): boolean {
  if (v.verdict !== 'unknown') return true;
  return Number.isFinite(v.ratioCi[1]) && v.ratioCi[1] < 1 + v.minEffect;
}
