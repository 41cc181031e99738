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

/** A change as the product returns it: confirmed (fails a gate) or a suspect (shown, run again to confirm). */
export interface Found extends Detection {
  confirmed: boolean;
  /** Runs at the new level the verdict rests on. */
  runsAfter: number;
}

/**
 * The two views of what the product shows, scored by the same rules:
 *  - confirmed: confirmed changes only, the alerts that fail a gate;
 *  - surfaced: confirmed changes and suspects, everything shown to the user. A suspect counts as
 *    an alert everywhere in this view: one on a series without a change is a false alert, one
 *    away from every true change lowers the precision.
 */
export function scoreViews(corpus: readonly LabelledSeries[], found: readonly (readonly Found[])[]): { confirmed: Score; surfaced: Score } {
  return { confirmed: score(corpus, found.map((cs) => cs.filter((c) => c.confirmed))), surfaced: score(corpus, found) };
}

/**
 * Recall among the last 8 split by runs after the change: a change with one run after it cannot
 * be confirmed (a spike and a step look the same until the next run), so it can only be surfaced
 * as a suspect; changes with 2 to 8 runs after can be confirmed.
 */
export function lastEightSplit(corpus: readonly LabelledSeries[], found: readonly (readonly Found[])[]) {
  let later = 0, laterConfirmed = 0, laterSurfaced = 0, one = 0, oneSurfaced = 0;
  corpus.forEach((s, k) => {
    const n = s.values.length;
    const confirmed = match(s.changes, found[k].filter((c) => c.confirmed));
    const surfaced = match(s.changes, found[k]);
    confirmed.truth.forEach((c, i) => {
      if (!isEligible(c) || n - c.index > 8) return;
      if (n - c.index >= 2) {
        later++;
        if (confirmed.found[i]) laterConfirmed++;
        if (surfaced.found[i]) laterSurfaced++;
      } else {
        one++;
        if (surfaced.found[i]) oneSurfaced++;
      }
    });
  });
  return { later, laterConfirmed, laterSurfaced, one, oneSurfaced };
}

/**
 * Regression suspects, those of them that are false alerts in the surfaced view, and how many of
 * those rest on one run (a high last run that the next run may well bring back: what a suspect
 * is for).
 */
export function falseSuspects(corpus: readonly LabelledSeries[], found: readonly (readonly Found[])[]) {
  let suspects = 0, falseAll = 0, falseWithoutOne = 0, falseConfirmed = 0;
  corpus.forEach((s, k) => {
    suspects += found[k].filter((c) => !c.confirmed && c.kind === 'regression').length;
    falseAll += match(s.changes, found[k]).falseAlerts;
    falseWithoutOne += match(s.changes, found[k].filter((c) => c.confirmed || c.runsAfter > 1)).falseAlerts;
    falseConfirmed += match(s.changes, found[k].filter((c) => c.confirmed)).falseAlerts;
  });
  return { suspects, falseSuspects: falseAll - falseConfirmed, oneRun: falseAll - falseWithoutOne };
}
