import { strict as assert } from 'node:assert';
import { scoreViews, lastEightSplit, falseSuspects, type Found } from '../../../scripts/bench/detect/score';
import type { LabelledSeries, TrueChange } from '../../../scripts/bench/detect/generate';

/**
 * The detection benchmark's two views: confirmed alerts (what fails a gate) and surfaced changes
 * (confirmed and suspects, what the user is shown), scored by the same rules.
 */

function series(id: string, n: number, changes: TrueChange[]): LabelledSeries {
  return { id, direction: 'smaller', values: new Array<number>(n).fill(1), changes, noiseShape: 'test', noise: 0.01 };
}
const regression = (index: number): TrueChange => ({ index, kind: 'regression', sizeInNoise: 8, relative: 0.1 });
const found = (index: number, confirmed: boolean, runsAfter: number): Found => ({ index, kind: 'regression', confirmed, runsAfter });

// a change 100 runs back (confirmed), a fresh one with one run after (a suspect), a no-change
// series with a spike in its last run (a suspect), and a fresh change with 3 runs after (confirmed)
const corpus = [
  series('old', 200, [regression(100)]),
  series('fresh', 100, [regression(99)]),
  series('quiet', 100, []),
  series('recent', 100, [regression(97)]),
];
const detections = [[found(100, true, 30)], [found(99, false, 1)], [found(99, false, 1)], [found(97, true, 3)]];

describe('detection benchmark: confirmed and surfaced views', () => {
  it('counts a suspect on a fresh change as found only in the surfaced view', () => {
    const { confirmed, surfaced } = scoreViews(corpus, detections);
    // last 8: 'fresh' (1 run after) and 'recent' (3 runs after)
    assert.equal(confirmed.counts.last8, 2);
    assert.equal(confirmed.recallLast8, 0.5);
    assert.equal(surfaced.recallLast8, 1);
  });

  it('counts a suspect on a series without a change as a false alert in the surfaced view', () => {
    const { confirmed, surfaced } = scoreViews(corpus, detections);
    assert.equal(confirmed.counts.detections, 2);
    assert.equal(confirmed.precision, 1);
    assert.equal(confirmed.falseAlertsPer1000, 0);
    assert.equal(surfaced.counts.detections, 4);
    assert.equal(surfaced.precision, 3 / 4);
    assert.equal(surfaced.counts.noChangeAlerts, 1);
    assert.equal(surfaced.falseAlertsPer1000, 10); // 1 in 100 no-change points
  });

  it('splits the last-8 recall by runs after the change, and says where false suspects come from', () => {
    assert.deepEqual(lastEightSplit(corpus, detections), { later: 1, laterConfirmed: 1, laterSurfaced: 1, one: 1, oneSurfaced: 1 });
    assert.deepEqual(falseSuspects(corpus, detections), { suspects: 2, falseSuspects: 1, oneRun: 1 });
  });
});
