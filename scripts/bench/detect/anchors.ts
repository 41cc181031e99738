/**
 * The anchors of the table, re-implemented simply but faithfully to their documented
 * defaults, so Perf Pulse's detector is compared with them on the same corpus.
 * Each takes one series and returns its regression alerts (index = the alerting run).
 */
import type { Direction } from '../../../src/core/model';
import { tQuantile, twoSidedTP } from '../../../src/core/stats/distributions';
import type { Detection } from './score';

type Rule = (values: readonly number[], direction: Direction) => Detection[];

function worse(direction: Direction, ratio: number, threshold: number): boolean {
  return direction === 'smaller' ? ratio > threshold : 1 / ratio > threshold;
}

/** github-action-benchmark: alert when current / previous exceeds the threshold (200% by default). */
export function githubActionBenchmark(threshold: number): Rule {
  return (values, direction) => {
    const out: Detection[] = [];
    for (let i = 1; i < values.length; i++) {
      if (worse(direction, values[i] / values[i - 1], threshold)) out.push({ index: i, kind: 'regression' });
    }
    return out;
  };
}

function meanSd(xs: readonly number[], from: number, to: number): [number, number] {
  const n = to - from;
  let s = 0;
  for (let i = from; i < to; i++) s += xs[i];
  const m = s / n;
  let v = 0;
  for (let i = from; i < to; i++) v += (xs[i] - m) ** 2;
  return [m, n > 1 ? Math.sqrt(v / (n - 1)) : 0];
}

/**
 * Bencher: Student's t prediction interval at 0.99 over the last 64 runs; a run outside the
 * one-sided boundary (upper for smaller-is-better) is an alert.
 */
export const bencherTTest: Rule = (values, direction) => {
  const out: Detection[] = [];
  const quantiles = new Map<number, number>();
  for (let i = 2; i < values.length; i++) {
    const from = Math.max(0, i - 64);
    const n = i - from;
    const [m, sd] = meanSd(values, from, i);
    let q = quantiles.get(n);
    if (q === undefined) {
      q = tQuantile(0.99, n - 1);
      quantiles.set(n, q);
    }
    const half = q * sd * Math.sqrt(1 + 1 / n);
    const bad = direction === 'smaller' ? values[i] > m + half : values[i] < m - half;
    if (bad) out.push({ index: i, kind: 'regression' });
  }
  return out;
};

/**
 * Mozilla Perfherder: 12 runs back and 12 ahead, Welch t > 7 and at least 2% change; the
 * strongest point of each run of alerts is kept.
 */
export const perfherder: Rule = (values, direction) => {
  const back = 12, ahead = 12;
  const stats: { i: number; t: number; pct: number }[] = [];
  for (let i = back; i + ahead <= values.length; i++) {
    const [m1, s1] = meanSd(values, i - back, i);
    const [m2, s2] = meanSd(values, i, i + ahead);
    const se = Math.sqrt((s1 * s1) / back + (s2 * s2) / ahead);
    const t = se > 0 ? Math.abs(m2 - m1) / se : m2 !== m1 ? Infinity : 0;
    stats.push({ i, t, pct: m1 !== 0 ? (m2 - m1) / m1 : 0 });
  }
  const out: Detection[] = [];
  for (let k = 0; k < stats.length; k++) {
    const s = stats[k];
    if (!(s.t > 7 && Math.abs(s.pct) >= 0.02)) continue;
    let best = true;
    for (let j = Math.max(0, k - ahead); j <= Math.min(stats.length - 1, k + ahead) && best; j++) {
      if (j !== k && (stats[j].t > s.t || (stats[j].t === s.t && j < k))) best = false;
    }
    if (!best) continue;
    const up = s.pct > 0;
    out.push({ index: s.i, kind: up === (direction === 'smaller') ? 'regression' : 'improvement' });
  }
  return out.filter((d) => d.kind === 'regression');
};

/** Univariate E-Divisive (alpha = 1) split of xs[from, to): the split maximising the energy statistic. */
function energySplit(xs: readonly number[], from: number, to: number, minSize: number): number {
  const n = to - from;
  if (n < 2 * minSize) return -1;
  // total pairwise |xi - xj| sums of prefixes and suffixes, built in O(n^2)
  const within = (a: number, b: number) => {
    let s = 0;
    for (let i = a; i < b; i++) for (let j = i + 1; j < b; j++) s += Math.abs(xs[i] - xs[j]);
    return s;
  };
  let best = -1, bestQ = -Infinity;
  const all = within(from, to);
  let leftWithin = within(from, from + minSize);
  let rightWithin = within(from + minSize, to);
  for (let t = from + minSize; t <= to - minSize; t++) {
    if (t > from + minSize) {
      const x = xs[t - 1];
      for (let i = from; i < t - 1; i++) leftWithin += Math.abs(x - xs[i]);
      for (let j = t; j < to; j++) rightWithin -= Math.abs(x - xs[j]);
    }
    const m = t - from, k = to - t;
    const between = all - leftWithin - rightWithin;
    const e = (2 * between) / (m * k) - (2 * leftWithin) / (m * (m - 1)) - (2 * rightWithin) / (k * (k - 1));
    const q = ((m * k) / (m + k)) * e;
    if (q > bestQ) {
      bestQ = q;
      best = t;
    }
  }
  return best;
}

function welchP(xs: readonly number[], a: number, t: number, b: number): number {
  const n1 = t - a, n2 = b - t;
  if (n1 < 2 || n2 < 2) return 1;
  const [m1, s1] = meanSd(xs, a, t);
  const [m2, s2] = meanSd(xs, t, b);
  const v1 = (s1 * s1) / n1, v2 = (s2 * s2) / n2;
  const se = Math.sqrt(v1 + v2);
  if (!(se > 0)) return m1 === m2 ? 1 : 0;
  const df = (v1 + v2) ** 2 / ((v1 * v1) / (n1 - 1) + (v2 * v2) / (n2 - 1));
  return twoSidedTP((m2 - m1) / se, df);
}

/**
 * Apache Otava: E-Divisive split points found within windows of 50 points, each kept when a
 * t-test between its neighbouring segments gives p < 0.001; weakest points are removed and the
 * rest re-tested until all pass.
 */
export const otava: Rule = (values, direction) => {
  const window = 50, maxP = 0.001, minSize = 3;
  const found = new Set<number>();
  for (let start = 0; start < values.length; start += window / 2) {
    const end = Math.min(values.length, start + window);
    const stack: [number, number][] = [[start, end]];
    while (stack.length) {
      const [a, b] = stack.pop()!;
      const t = energySplit(values, a, b, minSize);
      if (t < 0 || welchP(values, a, t, b) >= maxP) continue;
      found.add(t);
      stack.push([a, t], [t, b]);
    }
    if (end === values.length) break;
  }
  let points = [...found].sort((x, y) => x - y);
  // merge points closer than minSize, then iteratively drop the weakest until all are significant
  points = points.filter((p, i) => i === 0 || p - points[i - 1] >= minSize);
  for (;;) {
    const ps = points.map((p, i) => welchP(values, i ? points[i - 1] : 0, p, i + 1 < points.length ? points[i + 1] : values.length));
    let worst = -1;
    ps.forEach((p, i) => {
      if (p >= maxP && (worst < 0 || p > ps[worst])) worst = i;
    });
    if (worst < 0) break;
    points.splice(worst, 1);
  }
  return points
    .map((p, i) => {
      const [m1] = meanSd(values, i ? points[i - 1] : 0, p);
      const [m2] = meanSd(values, p, i + 1 < points.length ? points[i + 1] : values.length);
      return { index: p, kind: (m2 > m1) === (direction === 'smaller') ? 'regression' as const : 'improvement' as const };
    })
    .filter((d) => d.kind === 'regression');
};

export const ANCHORS: { name: string; rule: Rule }[] = [
  { name: 'github-action-benchmark: current/previous > 200%', rule: githubActionBenchmark(2) },
  { name: 'same at 110%', rule: githubActionBenchmark(1.1) },
  { name: 'Bencher: t-test prediction interval 0.99 over the last 64', rule: bencherTTest },
  { name: 'Mozilla Perfherder: 12 back / 12 ahead, |t| > 7, >= 2%', rule: perfherder },
  { name: 'Apache Otava: E-Divisive with t-test, window 50, p 0.001', rule: otava },
];
