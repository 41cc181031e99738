import { strict as assert } from 'node:assert';
import type { SeriesOverview } from '../../src/protocol/trends';
import { countByStatus, groupOverview, matchesSearch, queryOverview, sparklinePath } from '../../webview/src/overview-model';

function series(id: string, partial: Partial<SeriesOverview>): SeriesOverview {
  return {
    id,
    name: id,
    metric: 'time',
    unit: 's',
    direction: 'smaller',
    source: 'benchmark',
    status: 'stable',
    sparkline: [1, 2, 3],
    latest: 1,
    runs: 10,
    lastTimestamp: 0,
    ...partial,
  };
}

const rows: SeriesOverview[] = [
  series('parse-json', { group: 'parser', status: 'stable', changeRatio: 1.01, latest: 0.002 }),
  series('parse-xml', { group: 'parser', status: 'regressed', changeRatio: 1.3, latest: 0.004 }),
  series('build', { source: 'task', group: 'build', status: 'over-budget', changeRatio: 1.05, latest: 61 }),
  series('unit tests', { source: 'test', status: 'improved', changeRatio: 0.7, latest: 12 }),
  series('npm run lint', { source: 'terminal', status: 'noisy', changeRatio: 0.98, latest: 3 }),
  series('sort-10k', { group: 'sort', status: 'regressed', changeRatio: 1.1, latest: 0.001 }),
];
const base = { search: '', statuses: [], sort: 'status' as const, sortDescending: false };

describe('trends: overview model', () => {
  it('matches every search term against name, group, status and source', () => {
    assert.ok(matchesSearch(rows[1], 'parser regress'));
    assert.ok(matchesSearch(rows[1], 'XML'));
    assert.ok(!matchesSearch(rows[0], 'parser regress'));
    assert.ok(matchesSearch(rows[2], 'over budget'));
    assert.ok(matchesSearch(rows[4], 'terminal'));
    assert.ok(matchesSearch(rows[4], '   '));
  });

  it('sorts by status worst first, then by the size of the change', () => {
    const ids = queryOverview(rows, base).map((s) => s.id);
    assert.deepEqual(ids, ['parse-xml', 'sort-10k', 'build', 'npm run lint', 'unit tests', 'parse-json']);
  });

  it('sorts by change magnitude in log space, both ways, and by name', () => {
    const change = queryOverview(rows, { ...base, sort: 'change' }).map((s) => s.id);
    // |log 0.7| = 0.357 > |log 1.3| = 0.262: a 30% improvement moved further than a 30% regression.
    assert.deepEqual(change.slice(0, 2), ['unit tests', 'parse-xml']);
    const reversed = queryOverview(rows, { ...base, sort: 'change', sortDescending: true }).map((s) => s.id);
    assert.equal(reversed[reversed.length - 1], 'unit tests');
    assert.deepEqual(queryOverview(rows, { ...base, sort: 'name' }).map((s) => s.id)[0], 'build');
  });

  it('filters by status chips and by findings only', () => {
    assert.deepEqual(queryOverview(rows, { ...base, statuses: ['improved', 'noisy'] }).map((s) => s.id), ['npm run lint', 'unit tests']);
    assert.deepEqual(queryOverview(rows, { ...base, findingsOnly: true }).map((s) => s.id), ['parse-xml', 'sort-10k', 'build']);
  });

  it('puts findings first as their own group, then sources in a fixed order without repeating a row', () => {
    const groups = groupOverview(queryOverview(rows, base));
    assert.deepEqual(groups.map((g) => g.key), ['findings', 'benchmark', 'test', 'terminal']);
    assert.deepEqual(groups[0].rows.map((s) => s.id), ['parse-xml', 'sort-10k', 'build']);
    const all = groups.flatMap((g) => g.rows.map((r) => r.id));
    assert.equal(new Set(all).size, rows.length);
  });

  it('counts statuses', () => {
    const counts = countByStatus(rows);
    assert.equal(counts.regressed, 2);
    assert.equal(counts['insufficient-data'], 0);
  });

  it('filters and groups 2,000 series by a search term', () => {
    const many = Array.from({ length: 2000 }, (_, i) => series(`s${i}`, { name: `group${i % 17}/case-${i}`, status: i % 9 === 0 ? 'regressed' : 'stable', changeRatio: 1 + (i % 13) / 100 }));
    const groups = groupOverview(queryOverview(many, { ...base, search: 'group3' }));
    assert.ok(groups.flatMap((g) => g.rows).every((s) => s.name.includes('group3')));
  });

  it('draws a sparkline that spans the box and is empty for fewer than two points', () => {
    const d = sparklinePath([1, 3, 2], 100, 20, 2);
    assert.equal(d, 'M2.0 18.0L50.0 2.0L98.0 10.0');
    assert.equal(sparklinePath([5], 100, 20), '');
    assert.equal(sparklinePath([4, 4], 10, 10, 0), 'M0.0 10.0L10.0 10.0');
  });
});
