/**
 * Scoring rules for detection quality (the project's shared rules): a detected change matches a
 * true change of the same kind within ±5 points, each true change at most once; every other
 * detection is a false alert. Only regression alerts are scored, as in the table.
 */
import type { LabelledSeries, TrueChange } from './generate';

export interface Detection {
  index: number;
  kind: 'regression' | 'improvement';
}

export interface Score {
  precision: number;
  recall: number;
  falseAlertsPer1000: number;
  recallLast8: number;
  /** Recall of eligible regressions by size band (in noise units). */
  recallBySize: Record<string, number>;
  counts: { detections: number; truePositives: number; eligible: number; eligibleFound: number; last8: number; last8Found: number; noChangePoints: number; noChangeAlerts: number };
}

export const TOLERANCE = 5;

/** Is the change big enough for the recall columns: ≥ 4× noise and ≥ 3%. */
export function isEligible(c: TrueChange): boolean {
  return c.sizeInNoise >= 4 && c.relative >= 0.03;
}

/** Matches detections to true changes (nearest first); returns which true changes were found and the false alerts. */
export function match(truth: readonly TrueChange[], found: readonly Detection[], kind: 'regression' | 'improvement' = 'regression') {
  const t = truth.filter((c) => c.kind === kind);
  const d = found.filter((c) => c.kind === kind);
  const pairs: [number, number, number][] = [];
  t.forEach((c, i) => d.forEach((x, j) => {
    const dist = Math.abs(c.index - x.index);
    if (dist <= TOLERANCE) pairs.push([dist, i, j]);
  }));
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const usedT = new Set<number>(), usedD = new Set<number>();
  for (const [, i, j] of pairs) {
    if (usedT.has(i) || usedD.has(j)) continue;
    usedT.add(i);
    usedD.add(j);
  }
  return {
    found: t.map((_, i) => usedT.has(i)),
    truth: t,
    falseAlerts: d.length - usedD.size,
    detections: d.length,
  };
}

export function score(corpus: readonly LabelledSeries[], detections: readonly (readonly Detection[])[]): Score {
  let det = 0, tp = 0, eligible = 0, eligibleFound = 0, last8 = 0, last8Found = 0, ncPoints = 0, ncAlerts = 0;
  const bands: Record<string, [number, number]> = { '4-6': [0, 0], '6-10': [0, 0], '10+': [0, 0] };
  corpus.forEach((s, k) => {
    const m = match(s.changes, detections[k]);
    det += m.detections;
    tp += m.detections - m.falseAlerts;
    const n = s.values.length;
    m.truth.forEach((c, i) => {
      if (!isEligible(c)) return;
      // The two recall figures: changes with at least 8 points after them (index <= n - 8),
      // and changes among the last 8 points (index >= n - 8). A change at n - 8 is both.
      if (n - c.index >= 8) {
        eligible++;
        if (m.found[i]) eligibleFound++;
        const band = c.sizeInNoise < 6 ? '4-6' : c.sizeInNoise < 10 ? '6-10' : '10+';
        bands[band][0]++;
        if (m.found[i]) bands[band][1]++;
      }
      if (n - c.index <= 8) {
        last8++;
        if (m.found[i]) last8Found++;
      }
    });
    if (s.changes.length === 0) {
      ncPoints += n;
      ncAlerts += m.falseAlerts;
    }
  });
  const recallBySize: Record<string, number> = {};
  for (const [k, [all, f]] of Object.entries(bands)) recallBySize[k] = all ? f / all : NaN;
  return {
    precision: det ? tp / det : 1,
    recall: eligible ? eligibleFound / eligible : NaN,
    falseAlertsPer1000: ncPoints ? (1000 * ncAlerts) / ncPoints : 0,
    recallLast8: last8 ? last8Found / last8 : NaN,
    recallBySize,
    counts: { detections: det, truePositives: tp, eligible, eligibleFound, last8, last8Found, noChangePoints: ncPoints, noChangeAlerts: ncAlerts },
  };
}
