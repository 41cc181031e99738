import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseText, parseGabDataJs, ParseError } from '../../../src/core/parsers';
import { splitUnitList, normaliseUnit } from '../../../src/core/parsers/units';
import { importFile } from '../../../src/core/store/import';
import { seriesIdOf } from '../../../src/core/series-id';
import { command as importCommand } from '../../../src/cli/commands/import';
import type { RunRecord } from '../../../src/core/model';

/** Import keeps series apart: suites, unreadable values, Go's unit lists (fixtures: see fixtures/README.md). */

const FIXTURES = path.join(__dirname, 'fixtures');
const fixture = (name: string) => path.join(FIXTURES, name);

function bySeries(records: RunRecord[]): Map<string, RunRecord[]> {
  const out = new Map<string, RunRecord[]>();
  for (const r of records) out.set(r.seriesId, [...(out.get(r.seriesId) ?? []), r]);
  return out;
}

describe('parsers: github-action-benchmark series identity', () => {
  describe('the suite is part of a series\' identity', () => {
    it('a history with one suite per machine gives one series per suite and benchmark, never interleaved', async () => {
      const { records } = await importFile(fixture('gab-data-suites-risc0.js'));
      assert.equal(records.length, 30);
      const series = bySeries(records);
      // 5 suites x 2 benchmarks, 3 runs each
      assert.equal(series.size, 10);
      for (const runs of series.values()) {
        assert.equal(runs.length, 3);
        assert.equal(new Set(runs.map((r) => r.group)).size, 1, 'one suite per series');
        assert.equal(new Set(runs.map((r) => r.name)).size, 1);
      }
      const execute = records.filter((r) => r.name === 'execute' && r.group === 'macOS-apple_m2_pro').map((r) => r.value);
      assert.deepEqual(execute, [16648127, 16646689, 16706796]);
      const ids = new Set(records.filter((r) => r.name === 'execute').map((r) => r.seriesId));
      assert.equal(ids.size, 5);
    });

    it('the parsed measurements carry the suite; a series id without a suite is what it always was', () => {
      const history = parseGabDataJs(fs.readFileSync(fixture('gab-data-suites-risc0.js'), 'utf8'));
      assert.deepEqual([...new Set(history.map((h) => h.suite))].sort(), ['Linux-cpu', 'Linux-g6.xlarge', 'Linux-nvidia_rtx_3090_ti', 'macOS-apple_m2_pro', 'macOS-cpu']);
      assert.ok(history.every((h) => h.measurements.every((m) => m.suite === h.suite && m.group === h.suite)));
      const legacy = createHash('sha1').update('sort\u0000time\u0000m1').digest('hex').slice(0, 16);
      assert.equal(seriesIdOf('sort', 'time', 'm1'), legacy);
      assert.notEqual(seriesIdOf('sort', 'time', 'm1', 'Linux-cpu'), legacy);
      assert.notEqual(seriesIdOf('sort', 'time', 'm1', 'Linux-cpu'), seriesIdOf('sort', 'time', 'm1', 'macOS-cpu'));
    });
  });

  describe('an unreadable value is skipped with a warning naming the entry', () => {
    it('"null" values in a data.js: the file is read, each skipped value named', async () => {
      const result = await importFile(fixture('gab-data-null-yew.js'));
      // the first run has 4 readable values (strings of numbers), the next two only "null"
      assert.equal(result.records.length, 4);
      assert.deepEqual(result.records.map((r) => r.value), [228.4665, 253.7285, 221.2575, 248.684]);
      assert.equal(result.warnings?.length, 8);
      assert.match(result.warnings![0], /^data\.js entries\["Yew master branch benchmarks \(Lower is better\)"\]\[1\]\.benches\[0\] \("yew-hooks-v[^"]+ 01_run1k"\) has no numeric "value" \("null"\); skipped$/);
    });

    it('NaN, null, strings and a run without a date: skipped one by one, the rest read', () => {
      const text = `window.BENCHMARK_DATA = {"entries": {"ci": [
        {"date": 1, "benches": [{"name": "a", "value": NaN, "unit": "ms"}, {"name": "b", "value": 2, "unit": "ms"}, {"name": "c", "value": null, "unit": "ms"}, {"name": "d", "value": "fast", "unit": "ms"}]},
        {"benches": [{"name": "b", "value": 3, "unit": "ms"}]},
        {"date": 3, "benches": [{"name": "b", "value": 4, "unit": "ms"}, {"value": 1, "unit": "ms"}]}
      ]}}`;
      const warnings: string[] = [];
      const history = parseGabDataJs(text, warnings);
      assert.deepEqual(history.map((h) => h.measurements.map((m) => [m.series, m.value])), [[['b', 0.002]], [['b', 0.004]]]);
      assert.equal(warnings.length, 5, warnings.join('\n'));
      assert.ok(warnings.some((w) => w.includes('entries["ci"][0].benches[0] ("a") has no numeric "value" (null)')));
      assert.ok(warnings.some((w) => w.includes('entries["ci"][0].benches[3] ("d") has no numeric "value" ("fast")')));
      assert.ok(warnings.some((w) => w.includes('entries["ci"][1] has no numeric "date"')));
      assert.ok(warnings.some((w) => w.includes('entries["ci"][2].benches[1] has no "name"')));
      const parsed = parseText(text, { format: 'gab-data-js' });
      assert.equal(parsed.measurements.length, 2);
      assert.equal(parsed.warnings?.length, 5);
      // still an error: a file that is not a history at all
      assert.throws(() => parseGabDataJs('window.BENCHMARK_DATA = {"entries": {"ci": 3}}'), ParseError);
    });

    it('a custom benchmark JSON with a "null" value: the others are read, the skipped one is named', () => {
      const text = JSON.stringify([{ name: 'ok', unit: 'ms', value: 12 }, { name: 'broken', unit: 'ms', value: 'null' }]);
      const r = parseText(text, { format: 'gab-custom-smaller' });
      assert.deepEqual(r.measurements.map((m) => m.series), ['ok']);
      assert.deepEqual(r.warnings, ['custom benchmark JSON[1] ("broken") has no numeric "value" ("null"); skipped']);
    });

    it('perf-pulse import says what it skipped, a few lines and a count, and exits 0', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-gab-'));
      try {
        let out = '', err = '';
        const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t), cwd: dir, env: {}, signal: new AbortController().signal };
        const code = await importCommand.run([fixture('gab-data-null-yew.js'), '--history', path.join(dir, 'h')], io);
        assert.equal(code, 0, err);
        assert.match(out, /4 run\(s\) added \(read as gab-data-js\)/);
        const lines = err.trim().split('\n');
        assert.equal(lines.length, 6, err);
        assert.match(lines[0], /^perf-pulse import: warning: .*gab-data-null-yew\.js: data\.js entries\[.*\]\[1\]\.benches\[0\] .* skipped$/);
        assert.match(lines[5], /3 more entries skipped$/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('Go unit lists: the first unit token is the unit', () => {
    it('ns/op is the unit; B/op and allocs/op are series of their own, so a change in B/op does not split the timing series', async () => {
      const { records } = await importFile(fixture('gab-data-go-units-dot-block.js'));
      const miss = records.filter((r) => r.name.startsWith('BenchmarkDNSDispatcher/CacheMiss'));
      const time = miss.filter((r) => r.metric === 'time');
      assert.equal(time.length, 3);
      assert.equal(new Set(time.map((r) => r.seriesId)).size, 1, 'one timing series across the B/op change');
      assert.deepEqual(time.map((r) => [r.name, r.unit]), Array(3).fill(['BenchmarkDNSDispatcher/CacheMiss', 's']));
      assert.ok(Math.abs(time[0].value - 110700e-9) < 1e-15);
      const bytes = miss.filter((r) => r.metric === 'B/op');
      assert.deepEqual(bytes.map((r) => [r.name, r.unit, r.value]), [
        ['BenchmarkDNSDispatcher/CacheMiss (B/op)', 'B', 6805],
        ['BenchmarkDNSDispatcher/CacheMiss (B/op)', 'B', 6805],
        ['BenchmarkDNSDispatcher/CacheMiss (B/op)', 'B', 6808],
      ]);
      assert.equal(new Set(bytes.map((r) => r.seriesId)).size, 1);
      const allocs = miss.filter((r) => r.metric === 'allocs/op');
      assert.deepEqual(allocs.map((r) => [r.unit, r.value]), [['count', 116], ['count', 116], ['count', 116]]);
      // 2 benchmarks x 3 metrics
      assert.equal(bySeries(records).size, 6);
    });

    it('splitUnitList takes apart only the Go shape; normaliseUnit reads its first token', () => {
      assert.deepEqual(splitUnitList('ns/op\t    2346 B/op\t      43 allocs/op'), { unit: 'ns/op', extras: [[2346, 'B/op'], [43, 'allocs/op']] });
      assert.equal(splitUnitList('ns/op'), undefined);
      assert.equal(splitUnitList('median ms'), undefined);
      assert.equal(splitUnitList('ns/op 12'), undefined);
      assert.equal(splitUnitList('12 ns/op 3'), undefined);
      assert.deepEqual(normaliseUnit('ns/op\t 88 B/op\t 3 allocs/op'), normaliseUnit('ns/op'));
    });
  });
});
