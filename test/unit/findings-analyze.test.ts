import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeHistory, type AnalyzeInput } from '../../src/core/findings/analyze';
import { evaluateBudget, forecastBudget } from '../../src/core/findings/budget';
import { acceptBaseline, DecisionsError, ignoreSeries, loadDecisions, undoAccept, unignoreSeries } from '../../src/core/findings/decisions';
import { changeMessage } from '../../src/core/findings/message';
import { formatValue } from '../../src/core/format';
import type { Direction, RunRecord, SeriesInfo } from '../../src/core/model';
import { normal, seededRandom } from '../../src/core/stats/random';
import { seriesInfoOf } from './findings-fixture';

const MACHINE = { id: 'm1', cpuModel: 'cpu', cores: 4, os: 'linux', arch: 'x64', runtimes: {} };

function series(id: string, levels: number[], opts: { direction?: Direction; commitAt?: Record<number, string>; seed?: number; noise?: number; name?: string } = {}): RunRecord[] {
  const random = seededRandom(opts.seed ?? 1);
  return levels.map((level, i) => ({
    v: 1,
    id: `${id}-${i}`,
    seriesId: id,
    name: opts.name ?? id,
    metric: 'time',
    unit: 's',
    direction: opts.direction ?? 'smaller',
    value: level * (1 + (opts.noise ?? 0.003) * normal(random)),
    timestamp: 1_700_000_000_000 + i * 86_400_000,
    vcs: { commit: opts.commitAt?.[i] ?? `${String(i).padStart(4, '0')}${'f'.repeat(36)}`, branch: 'main' },
    machine: MACHINE,
    source: 'benchmark',
  }));
}

function input(all: RunRecord[][], extra: Partial<AnalyzeInput> = {}): AnalyzeInput {
  const byId = new Map(all.map((runs) => [runs[0].seriesId, runs]));
  const infos: SeriesInfo[] = all.map(seriesInfoOf);
  return { series: infos, load: async (id) => byId.get(id) ?? [], ...extra };
}

const step = (a: number, b: number, at = 15, n = 25) => Array.from({ length: n }, (_, i) => (i < at ? a : b));

describe('findings: analysis of a history', () => {
  it('finds a regression at the first bad run, points at the last good one, and says it in numbers', async () => {
    const runs = series('sort-10k', step(0.0121, 0.0143), { commitAt: { 15: 'a1b2c3d00000' } });
    const analysis = await analyzeHistory(input([runs]));
    assert.equal(analysis.findings.length, 1);
    const f = analysis.findings[0];
    assert.equal(f.kind, 'regression');
    assert.equal(f.severity, 'critical');
    assert.equal(f.firstBad.recordId, 'sort-10k-15');
    assert.equal(f.lastGood?.recordId, 'sort-10k-14');
    assert.equal(f.id, 'sort-10k:sort-10k-15:regression');
    assert.match(f.message, /^sort-10k is 1[78]% slower since a1b2c3d \(median 12\.1 ms → 14\.3 ms, 95% CI \+1\d(\.\d+)?% to \+[12]\d(\.\d+)?%, p < 0\.001\)$/);
    assert.equal(analysis.series[0].status, 'regressed');
    assert.ok(Math.abs(analysis.series[0].baseline! - 0.0121) < 0.0002);
  });

  it('a change back resolves the regression; an improvement is info-level', async () => {
    const back = series('a', [...step(0.01, 0.012, 12, 24), ...Array(12).fill(0.01)]);
    const faster = series('b', step(0.01, 0.008), { seed: 3 });
    const analysis = await analyzeHistory(input([back, faster]));
    assert.equal(analysis.findings.filter((f) => f.kind === 'regression').length, 0, JSON.stringify(analysis.findings.map((f) => f.message)));
    const imp = analysis.findings.find((f) => f.seriesId === 'b')!;
    assert.equal(imp.kind, 'improvement');
    assert.equal(imp.severity, 'info');
    assert.match(imp.message, /^b is 20% faster since/);
    assert.equal(analysis.events.length, 0, 'improvements are not events');
  });

  it('bigger-is-better series say lower/higher', async () => {
    const runs = series('ops', step(1000, 800), { direction: 'bigger' });
    const analysis = await analyzeHistory(input([runs]));
    const f = analysis.findings[0];
    assert.equal(f.kind, 'regression');
    assert.match(f.message, /^ops is 20% lower since/);
  });

  it('findings that appeared at the same commit are one event', async () => {
    const commitAt = { 15: 'deadbeef1234' };
    const a = series('a', step(0.01, 0.013), { commitAt, seed: 1 });
    const b = series('b', step(0.02, 0.025), { commitAt, seed: 2 });
    const c = series('c', step(0.02, 0.025, 10), { seed: 3 });
    const analysis = await analyzeHistory(input([a, b, c]));
    assert.equal(analysis.findings.length, 3);
    assert.equal(analysis.events.length, 2);
    const shared = analysis.events.find((e) => e.commit === 'deadbeef1234')!;
    assert.deepEqual([...shared.findingIds].sort(), ['a:a-15:regression', 'b:b-15:regression']);
  });

  it('an accepted baseline and an ignored series make no finding', async () => {
    const runs = series('s', step(0.01, 0.013));
    const accepted = await analyzeHistory(input([runs], { decisions: { version: 1, accepted: [{ seriesId: 's', recordId: 's-15', at: 1 }], ignored: [] } }));
    assert.equal(accepted.findings.length, 0);
    assert.ok(Math.abs(accepted.series[0].baseline! - 0.013) < 0.0003, String(accepted.series[0].baseline));
    assert.equal(accepted.series[0].status, 'stable');
    const beforeChange = await analyzeHistory(input([runs], { decisions: { version: 1, accepted: [{ seriesId: 's', recordId: 's-10', at: 1 }], ignored: [] } }));
    assert.equal(beforeChange.findings.length, 1, 'accepting an earlier run does not hide a later change');
    const ignored = await analyzeHistory(input([runs], { decisions: { version: 1, accepted: [], ignored: [{ seriesId: 's', at: 1 }] } }));
    assert.equal(ignored.findings.length, 0);
    assert.equal(ignored.series[0].ignored, true);
  });

  it('budgets: a breach is a finding with the error budget in its message; a trend gets a forecast', async () => {
    const over = series('over', step(0.01, 0.014, 15, 25));
    const budgets = [{ series: 'over', max: '12ms', window: 20 }, { series: 'trend*', max: '20ms' }];
    const trend = series('trend-up', Array.from({ length: 20 }, (_, i) => 0.01 + i * 0.0002), { noise: 0.001 });
    const analysis = await analyzeHistory(input([over, trend], { budgets }));
    const b = analysis.findings.find((f) => f.kind === 'budget')!;
    assert.equal(b.message, `over median ${formatValue(analysis.series[0].budget!.current, 's')} is over its budget of 12 ms (error budget: 50% of the last 20 runs over)`);
    assert.equal(b.firstBad.recordId, 'over-15');
    assert.equal(analysis.series[0].status, 'over-budget');
    const t = analysis.series.find((s) => s.id === 'trend-up')!;
    assert.equal(t.budget?.breached, false);
    assert.ok(t.forecast, 'a forecast for a series trending towards its budget');
    // 0.2 ms per run from ~13.7 ms to 20 ms: about 30 runs, a day apart.
    assert.ok(t.forecast!.runs > 20 && t.forecast!.runs < 45, String(t.forecast!.runs));
    assert.ok(Math.abs(t.forecast!.days! - t.forecast!.runs) < 1);
  });

  it('one run over within the allowed share is not a breach', () => {
    const runs = series('x', [...Array(19).fill(0.01), 0.02]);
    const e = evaluateBudget(runs, { max: '15ms', window: 20, allowedShare: 0.05 }, 's', 'smaller')!;
    assert.equal(e.overRuns, 1);
    assert.equal(e.breached, false);
    assert.equal(e.spent, 1);
    assert.equal(evaluateBudget(runs, { max: '1MB' }, 's', 'smaller'), undefined, 'a size budget does not apply to a time');
    assert.equal(forecastBudget(series('flat', Array(20).fill(0.01)), e, 'smaller'), undefined);
  });

  it('message style', () => {
    const point = { recordId: 'r', commit: 'a1b2c3d4e5', timestamp: 0, value: 0.0143 };
    assert.equal(
      changeMessage({ name: 'sort-10k', direction: 'smaller', unit: 's', firstBad: point, before: 0.0121, after: 0.0143, ratio: 1.18, ratioCi: [1.12, 1.24], pValue: 0.0001 }),
      'sort-10k is 18% slower since a1b2c3d (median 12.1 ms → 14.3 ms, 95% CI +12% to +24%, p < 0.001)',
    );
  });
});

describe('findings: decisions file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pp-decisions-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts, replaces, undoes, ignores and unignores, written as versioned JSON', async () => {
    assert.deepEqual(await loadDecisions(dir), { version: 1, accepted: [], ignored: [] });
    await acceptBaseline(dir, 's', 'r1');
    await acceptBaseline(dir, 's', 'r2', 'ci');
    let d = await loadDecisions(dir);
    assert.equal(d.accepted.length, 1);
    assert.equal(d.accepted[0].recordId, 'r2');
    assert.equal(d.accepted[0].by, 'ci');
    await ignoreSeries(dir, 't');
    await ignoreSeries(dir, 't');
    d = JSON.parse(readFileSync(join(dir, 'decisions.json'), 'utf8'));
    assert.equal(d.version, 1);
    assert.equal(d.ignored.length, 1);
    await undoAccept(dir, 's');
    await unignoreSeries(dir, 't');
    assert.deepEqual({ ...(await loadDecisions(dir)) }, { version: 1, accepted: [], ignored: [] });
  });

  it('a damaged file is an error naming it, and is not overwritten', async () => {
    const file = join(dir, 'decisions.json');
    writeFileSync(file, '{"version": 2}');
    await assert.rejects(loadDecisions(dir), (e: unknown) => e instanceof DecisionsError && /decisions\.json: has unsupported version 2/.test((e as Error).message));
    await assert.rejects(acceptBaseline(dir, 's', 'r'), DecisionsError);
    assert.equal(readFileSync(file, 'utf8'), '{"version": 2}');
  });
});
