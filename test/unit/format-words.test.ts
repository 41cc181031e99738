import { strict as assert } from 'node:assert';
import { changeWord, formatValue, metricKind } from '../../src/core/format';
import { budgetMessage, changeMessage, lastGoodRunText } from '../../src/core/findings/message';
import { budgetFact, formatValue as panelValue } from '../../webview/src/format';
import { displayName, sharedNamePrefix } from '../../webview/src/overview-model';

/** Words and numbers: what a change is called and how a value is written, everywhere. */
describe('format: words that fit the metric', () => {
  it('says slower/faster for time, larger/smaller for sizes, more/fewer for counts, higher/lower for rates', () => {
    assert.equal(changeWord('s', 1.2), 'slower');
    assert.equal(changeWord('s', 0.8), 'faster');
    assert.equal(changeWord('B', 1.14), 'larger');
    assert.equal(changeWord('B', 0.9), 'smaller');
    assert.equal(changeWord('count', 1.02), 'more');
    assert.equal(changeWord('count', 0.98), 'fewer');
    assert.equal(changeWord('', 1.02), 'more');
    assert.equal(changeWord('ops/s', 0.9), 'lower');
    assert.equal(changeWord('B/s', 1.1), 'higher');
    assert.equal(changeWord('points', 1.1), 'higher');
    assert.equal(changeWord('s', 0.8, 'bigger'), 'lower', 'a time that should grow is not faster or slower');
    assert.deepEqual(['s', 'B', 'count', 'ops/s', 'widgets'].map(metricKind), ['time', 'size', 'count', 'rate', 'other']);
  });

  it('a finding on a size, a count or a rate does not call it slower', () => {
    const at = { recordId: 'r', commit: 'a1b2c3d4e5', timestamp: Date.UTC(2026, 0, 5), value: 0 };
    const size = changeMessage({ name: 'Size of replicache.js', direction: 'smaller', unit: 'B', firstBad: at, before: 100_000, after: 114_000, ratio: 1.14 });
    assert.match(size, /^Size of replicache\.js is 14% larger since a1b2c3d \(median 97\.7 KiB → 111 KiB\)$/);
    const count = changeMessage({ name: 'allocs/op', direction: 'smaller', unit: 'count', firstBad: at, before: 44, after: 45, ratio: 45 / 44 });
    assert.equal(count, 'allocs/op is 2.3% more since a1b2c3d (median 44 → 45)');
    const rate = changeMessage({ name: 'throughput', direction: 'bigger', unit: 'B/s', firstBad: at, before: 6_175_000, after: 5_000_000, ratio: 5_000_000 / 6_175_000 });
    assert.equal(rate, 'throughput is 19% lower since a1b2c3d (median 6.18 MB/s → 5 MB/s)');
    const time = changeMessage({ name: 'sort-10k', direction: 'smaller', unit: 's', firstBad: at, before: 0.0121, after: 0.0143, ratio: 1.18, ratioCi: [1.12, 1.24], pValue: 0.0001 });
    assert.equal(time, 'sort-10k is 18% slower since a1b2c3d (median 12.1 ms → 14.3 ms, 95% CI +12% to +24%, p < 0.001)');
  });
});

describe('format: values in their units', () => {
  it('scales rates and counts, and never prints an empty unit', () => {
    assert.equal(formatValue(6_175_000, 'B/s'), '6.18 MB/s');
    assert.equal(formatValue(1_500_000, 'ops/s'), '1.5M ops/s');
    assert.equal(formatValue(950, 'ops/s'), '950 ops/s');
    assert.equal(formatValue(44, 'count'), '44');
    assert.equal(formatValue(1_234_567, 'count'), '1.23M');
    assert.equal(formatValue(46.7, ''), '46.7');
    assert.equal(formatValue(3, 'widgets'), '3 widgets');
    assert.equal(formatValue(0.0121, 's'), '12.1 ms');
    assert.equal(formatValue(2048, 'B'), '2 KiB');
    const empty = changeMessage({ name: 'score', direction: 'bigger', unit: '', firstBad: { recordId: 'r', timestamp: 0, value: 0, commit: 'abcdef1234' }, before: 46.7, after: 47.7, ratio: 47.7 / 46.7 });
    assert.ok(!/\s(→|\))/.test(empty.replace(/ → /g, '→')), `no empty unit: ${empty}`);
    assert.match(empty, /\(median 46\.7 → 47\.7\)$/);
  });

  it('the trends panel writes rates and counts as the reports do', () => {
    assert.equal(panelValue(6_175_000, 'B/s'), '6.18 MB/s');
    assert.equal(panelValue(44, 'count'), '44');
    assert.equal(panelValue(46.7, ''), '46.7');
    assert.equal(panelValue(0.0121, 's'), '12.1 ms');
  });
});

describe('format: budgets, bounded and explained', () => {
  it('the panel says how many runs of the window were over, never more than all of them', () => {
    assert.equal(
      budgetFact({ statistic: 'median', max: 0.011, spent: 0.15, overRuns: 3, runsInWindow: 20, allowedShare: 0.05 }, 's', 'smaller'),
      'median ≤ 11.0 ms · 3 of the last 20 runs over (5% allowed)',
    );
    // An old-style share of the error budget (15 = 1500%) is bounded to all runs.
    assert.equal(budgetFact({ statistic: 'median', max: 0.011, spent: 15 }, 's', 'smaller'), 'median ≤ 11.0 ms · 100% of recent runs over');
    assert.equal(budgetFact({ statistic: 'p95', max: 1e6, overRuns: 1, runsInWindow: 1 }, 'ops/s', 'bigger'), 'p95 ≥ 1M ops/s · 1 of the last 1 run under');
  });

  it('the finding message gives the share of runs over, at most 100%', () => {
    const text = budgetMessage({ name: 'sort-10k', statistic: 'median', unit: 's', direction: 'smaller', current: 0.32, limit: 0.3, overRuns: 20, runsInWindow: 20 });
    assert.equal(text, 'sort-10k median 320 ms is over its budget of 300 ms (error budget: 100% of the last 20 runs over)');
  });
});

describe('format: where a regression points', () => {
  it('the last good run is named by the trend and its commit, not by an internal file', () => {
    const { place, message } = lastGoodRunText('sort-10k', 's', { recordId: 'seeded-29', commit: 'a1b2c3d4e5f6', branch: 'main', timestamp: Date.UTC(2026, 0, 5, 12), value: 0.0121 });
    assert.equal(place, 'sort-10k trend at a1b2c3d');
    assert.equal(message, 'last good run: median 12.1 ms, on main, 2026-01-05');
    assert.ok(!/seeded-29|\.json/.test(place + message));
    const noCommit = lastGoodRunText('build', 's', { recordId: 'x', timestamp: Date.UTC(2026, 0, 5, 12, 30), value: 61 });
    assert.equal(noCommit.place, 'build trend at 2026-01-05 12:30');
  });
});

describe('format: long series names in the trends table', () => {
  const ids = [
    'tests/benchmarks/test_micro_benchmarks.py::test_many_models_core_model',
    'tests/benchmarks/test_micro_benchmarks.py::test_many_models_core_schema',
    'tests/benchmarks/test_micro_benchmarks.py::test_validate_string',
  ];

  it('drops the prefix that neighbouring names share, at a separator', () => {
    const prefix = sharedNamePrefix(ids);
    assert.equal(prefix, 'tests/benchmarks/test_micro_benchmarks.py::');
    assert.deepEqual(ids.map((n) => displayName(n, prefix)), ['…test_many_models_core_model', '…test_many_models_core_schema', '…test_validate_string']);
    assert.equal(sharedNamePrefix(['sort-10k', 'sort-100k']), '', 'a short shared prefix stays');
    assert.equal(sharedNamePrefix([ids[0]]), '', 'one name has nothing to share');
    assert.equal(sharedNamePrefix(['tests/bench/x.py::', 'tests/bench/x.py::t1']), 'tests/bench/x.', 'never the whole of a name');
  });

  it('elides a long name in the middle, keeping the end that tells it apart', () => {
    const shown = displayName(ids[0], '', 40);
    assert.equal(shown.length, 40);
    assert.ok(shown.startsWith('tests/benchmark'), shown);
    assert.ok(shown.endsWith('_many_models_core_model'), shown);
    assert.ok(shown.includes('…'));
    assert.equal(displayName('sort-10k'), 'sort-10k');
  });
});
