import { strict as assert } from 'node:assert';
import type { Analysis, Finding, SeriesAnalysis, VerdictKind } from '../../src/core/findings';
import { buildGroups, countsText, displayCommit, numbersOf, valuePair } from '../../src/extension/view/view-model';

function series(id: string, kind: VerdictKind | undefined, extra: Partial<SeriesAnalysis> = {}): SeriesAnalysis {
  return {
    id,
    name: id,
    metric: 'time',
    unit: 's',
    direction: 'smaller',
    source: 'benchmark',
    runs: 40,
    latestSamples: 5,
    status: 'stable',
    changes: [],
    ignored: false,
    latest: { recordId: `${id}-40`, timestamp: Date.UTC(2026, 0, 2), value: 0.389 },
    ...(kind ? { verdict: { kind, reason: `${kind}: because`, metric: 'time', findingIds: [`${id}#f`] } } : {}),
    ...extra,
  };
}

function regression(seriesId: string, status: Finding['status'], commit = 'a1b2c3d4e5f6a7b8c9d0'): Finding {
  return {
    id: `${seriesId}#f`,
    seriesId,
    name: seriesId,
    kind: 'regression',
    severity: 'critical',
    message: `${seriesId} is 25% slower`,
    firstBad: { recordId: 'r', commit, timestamp: Date.UTC(2026, 0, 1), value: 0.389 },
    before: 0.311,
    after: 0.389,
    unit: 's',
    status,
    change: { index: 30, kind: 'regression', ratio: 1.25 } as Finding['change'],
  };
}

describe('the Perf Pulse view: groups and numbers from the verdicts', () => {
  it('groups series in the order new, standing, environment, suspect, at risk, unknown, healthy; ignored ones left out', () => {
    const analysis: Analysis = {
      series: [
        series('fine-a', 'fine'),
        series('env', 'environment'),
        series('standing', 'standing'),
        series('risk', 'at-risk', { budget: { limit: 0.3, statistic: 'median', current: 0.314, window: 20, allowedShare: 0.1, overRuns: 1, runsInWindow: 1, spent: 10, breached: false, atRisk: true } }),
        series('new', 'new'),
        series('suspect', 'suspect'),
        series('few', 'unknown', { runs: 2, verdict: { kind: 'unknown', reason: 'unknown: need 3 more runs', metric: 'time', needRuns: 3, findingIds: [] } }),
        series('gone', 'new', { ignored: true }),
      ],
      findings: [regression('new', 'new'), regression('standing', 'standing'), { ...regression('env', 'environment'), severity: 'info' }, regression('suspect', 'suspect')],
      events: [],
    };
    const groups = buildGroups(analysis);
    assert.deepEqual(groups.map((g) => g.kind), ['new', 'standing', 'environment', 'suspect', 'at-risk', 'unknown', 'healthy']);
    assert.deepEqual(groups.map((g) => g.items.map((i) => i.series.id)), [['new'], ['standing'], ['env'], ['suspect'], ['risk'], ['few'], ['fine-a']]);
    assert.equal(groups[0].items[0].numbers, '+25% · 311 → 389 ms · since a1b2c3d');
    assert.equal(groups[4].items[0].numbers, '314 ms · budget 300 ms · 1 of 1 runs over');
    assert.equal(groups[5].items[0].numbers, '389 ms · 3 more runs to tell');
    assert.equal(countsText(groups), '1 new · 1 standing · 1 environment · 1 suspect · 1 at risk');
  });

  it('shows a commit only when it is an object name: a hostile "commit" from a history never reaches the view', () => {
    assert.equal(displayCommit('a1b2c3d4e5'), 'a1b2c3d');
    assert.equal(displayCommit('--output=/tmp/x'), undefined);
    assert.equal(displayCommit('/victim.txt'), undefined);
    const s = series('sort', 'new');
    assert.equal(numbersOf(s, 'new', regression('sort', 'new', '--output=/home/x/./')), '+25% · 311 → 389 ms · since 2026-01-01');
  });

  it('prints unit-less values without a dangling space, and the unit once', () => {
    assert.equal(valuePair(46.7, 47.7, ''), '46.7 → 47.7');
    assert.equal(valuePair(0.311, 1.2, 's'), '311 ms → 1.2 s');
    assert.equal(valuePair(2048, 4096, 'B'), '2 → 4 KiB');
  });

  it('says how a healthy series stands: latest value, change against its baseline, runs', () => {
    const s = series('fine', 'fine', { change: { ratio: 1.02 } });
    assert.equal(numbersOf(s, 'healthy', undefined), '389 ms · +2.0% vs baseline · 40 runs');
  });
});
