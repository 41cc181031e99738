import { strict as assert } from 'node:assert';
import { analyzeHistory, type AnalyzeOptions } from '../../src/core/findings/analyze';
import { evaluateBudget } from '../../src/core/findings/budget';
import { compareCurrent, MIN_BASELINE_RUNS } from '../../src/core/findings/compare-current';
import type { Analysis, Finding } from '../../src/core/findings/types';
import { editorCode, editorSeverity, editorText, failsUnder, parseFailOn, verdictSentence } from '../../src/core/findings/verdicts';
import type { RunRecord } from '../../src/core/model';
import { normal, seededRandom } from '../../src/core/stats/random';
import { median } from '../../src/core/stats/summary';
import { seriesInfoOf } from './findings-fixture';

/**
 * The decision layer: new versus standing, environment versus code, budgets on evidence, and
 * history comparisons on run-to-run noise.
 */

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);

interface RunSpec {
  level: number;
  commit?: string;
  /** Spread of the samples inside the run (relative). */
  within?: number;
}

/** A series of runs, each with 15 samples around its level; commits default to one per run. */
function series(name: string, specs: RunSpec[], seed = 1, machine = 'm1'): RunRecord[] {
  const random = seededRandom(seed);
  return specs.map((spec, i) => {
    const samples = Array.from({ length: 15 }, () => spec.level * (1 + (spec.within ?? 0.002) * normal(random)));
    return {
      v: 1,
      id: `${name}-${i}`,
      seriesId: `${name}@${machine}`,
      name,
      metric: 'time',
      unit: 's',
      direction: 'smaller',
      value: median(samples),
      samples,
      timestamp: START + i * DAY,
      vcs: { commit: spec.commit ?? `c${String(i).padStart(3, '0')}${'0'.repeat(36)}` },
      machine: { id: machine, cpuModel: 'test', cores: 2, os: 'linux', arch: 'x64', memoryBytes: 1 },
      source: 'benchmark',
    } as unknown as RunRecord;
  });
}

/** Levels with run-to-run noise (relative, normal on logs). */
function noisyLevels(level: number, n: number, noise: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => level * Math.exp(noise * normal(random)));
}

async function analyze(all: RunRecord[][], options: AnalyzeOptions = {}, extra: Partial<Parameters<typeof analyzeHistory>[0]> = {}): Promise<Analysis> {
  const byId = new Map(all.map((runs) => [runs[0].seriesId, runs]));
  return analyzeHistory({
    series: all.map((runs) => ({ ...seriesInfoOf(runs), machineId: runs[0].machine.id })),
    load: async (id) => byId.get(id)!,
    ...extra,
    options,
  });
}

/** The newest run of every series as the checked run. */
function checking(all: RunRecord[][]): AnalyzeOptions {
  return { currentRecordIds: new Set(all.map((runs) => runs[runs.length - 1].id)) };
}

const defaultGate = parseFailOn(undefined);
const failing = (a: Analysis) => a.findings.filter((f) => failsUnder(f, defaultGate));

describe('verdicts: new versus standing', () => {
  it('a regression already in earlier runs is standing, says since when, and does not fail unless asked', async () => {
    const runs = series('sort', [...Array(30).fill({ level: 0.012 }), ...Array(12).fill({ level: 0.0144 })]);
    const a = await analyze([runs], checking([runs]));
    const regression = a.findings.find((f) => f.kind === 'regression')!;
    assert.equal(regression.status, 'standing');
    assert.match(regression.reason!, /already in earlier runs: since c030000, 11 days, 12 runs/);
    assert.equal(a.series[0].verdict!.kind, 'standing');
    assert.match(a.series[0].verdict!.reason, /^standing regression: .*since c030000, 11 days, 12 runs/);
    assert.deepEqual(failing(a), []);
    assert.equal(failsUnder(regression, parseFailOn('regression,standing')), true);
    assert.equal(failsUnder(regression, parseFailOn('critical,standing')), true, 'a 20% regression is critical');
  });

  it('a regression in the checked run is new and fails; the comparison rests on the earlier runs\' medians', async () => {
    const runs = series('sort', [...noisyLevels(0.012, 30, 0.01, 3).map((level) => ({ level })), { level: 0.015 }]);
    const a = await analyze([runs], checking([runs]));
    const news = a.findings.filter((f) => f.status === 'new');
    assert.equal(news.length, 1);
    assert.equal(news[0].kind, 'regression');
    assert.equal(news[0].firstBad.recordId, 'sort-30');
    assert.match(news[0].reason!, /the checked commit c030000 against 30 earlier runs, beyond their run-to-run noise of 1(\.\d)?%/);
    assert.equal(news[0].metric, "time (each run's median)");
    assert.equal(a.series[0].verdict!.kind, 'new');
    assert.equal(failing(a).length, 1);
  });

  it('a standing regression and a new one on top: the new one fails, judged against the standing level', async () => {
    const runs = series('sort', [...Array(20).fill({ level: 0.012 }), ...Array(15).fill({ level: 0.0144 }), { level: 0.018 }]);
    const a = await analyze([runs], checking([runs]));
    const statuses = a.findings.filter((f) => f.kind === 'regression').map((f) => f.status).sort();
    assert.deepEqual(statuses, ['new', 'standing']);
    const news = failing(a);
    assert.equal(news.length, 1);
    assert.ok(Math.abs(news[0].before! - 0.0144) < 0.0002, `judged against the standing level, got ${news[0].before}`);
  });

  it('without a checked run (the editor, the report), a confirmed change at an older commit is standing', async () => {
    const runs = series('sort', [...Array(30).fill({ level: 0.012 }), ...Array(12).fill({ level: 0.0144 })]);
    const a = await analyze([runs]);
    assert.equal(a.findings.find((f) => f.kind === 'regression')!.status, 'standing');
  });
});

describe('verdicts: honest noise (run-to-run, not within-run)', () => {
  it('tight samples do not make a run-to-run wobble a regression: run-to-run noise 6%, +16% is unknown, with the advice to use --base', async () => {
    // Every run's samples are within 0.2%, so a sample test calls +12% certain; the runs themselves vary by 5%.
    const earlier = noisyLevels(0.25, 24, 0.05, 11).map((level) => ({ level }));
    // (The sample comparison before this change called it a critical regression.)
    const runs = series('loop', [...earlier, { level: median(earlier.map((e) => e.level)) * 1.16 }]);
    const a = await analyze([runs], checking([runs]));
    assert.deepEqual(a.findings.filter((f) => f.kind === 'regression' && f.status !== 'suspect'), []);
    assert.deepEqual(failing(a), []);
    const v = a.series[0].verdict!;
    assert.equal(v.kind, 'unknown');
    assert.match(v.reason, /^unknown: run-to-run noise is [4-6](\.\d)?% \(from 24 earlier runs\), changes under 2\d% cannot be told from it \(this run: 16% higher\): need \d+ more runs? of this commit, or use check --base$/);
    assert.ok(v.needRuns! >= 1);
  });

  it('the same effect clears a quiet history', async () => {
    const earlier = noisyLevels(0.25, 24, 0.005, 11).map((level) => ({ level }));
    const runs = series('loop', [...earlier, { level: median(earlier.map((e) => e.level)) * 1.16 }]);
    const a = await analyze([runs], checking([runs]));
    assert.equal(failing(a).length, 1);
  });

  it('with too few earlier runs the answer is "unknown: need N more runs", never a failure, even for a doubling', async () => {
    const runs = series('loop', [{ level: 0.1 }, { level: 0.1 }, { level: 0.1 }, { level: 0.2 }]);
    const a = await analyze([runs], checking([runs]));
    assert.deepEqual(failing(a), []);
    const v = a.series[0].verdict!;
    assert.equal(v.kind, 'unknown');
    assert.match(v.reason, new RegExp(`only 3 earlier runs to learn the run-to-run noise from: need ${MIN_BASELINE_RUNS - 3} more runs, or use check --base`));
  });

  it('the checked level pools the runs of its commit: more runs of the commit settle what one could not', () => {
    const base = series('loop', noisyLevels(1, 30, 0.05, 5).map((level) => ({ level })));
    const level = median(base.map((r) => r.value));
    const one = compareCurrent(base, series('x', [{ level: level * 1.11 }]))!;
    assert.equal(one.state, 'unknown');
    assert.ok(one.needRuns !== undefined && one.needRuns >= 1, JSON.stringify(one));
    const more = series('x', Array.from({ length: one.needRuns! + 1 }, () => ({ level: level * 1.11 })));
    const pooled = compareCurrent(base, more)!;
    assert.equal(pooled.state, 'changed', JSON.stringify(pooled));
  });

  it('a run beyond the noise bound but inside the range of earlier runs (a load that hit some of them) is not a change', () => {
    const levels = [...Array(26).fill(1), 1.4, 1.42, 1.45, 1.41];
    const base = series('loop', levels.map((level) => ({ level })));
    const c = compareCurrent(base, series('x', [{ level: 1.43 }]))!;
    assert.notEqual(c.state, 'changed');
  });
});

describe('verdicts: environment versus code', () => {
  it('a shift between runs of the same commit is an environment change, never a regression (the A/A case)', async () => {
    const same = 'fb53839'.padEnd(40, '0');
    const runs = series('loop', [...noisyLevels(0.25, 20, 0.01, 2).map((level) => ({ level, commit: same })), { level: 0.35, commit: same }]);
    const a = await analyze([runs], checking([runs]));
    assert.deepEqual(failing(a), []);
    assert.ok(!a.findings.some((f) => f.kind === 'regression' && f.status !== 'environment'), JSON.stringify(a.findings.map((f) => [f.kind, f.status])));
    const env = a.environment!;
    assert.equal(env.length, 1);
    assert.equal(env[0].cause, 'same-commit');
    assert.deepEqual(env[0].series.map((s) => s.name), ['loop']);
    assert.match(env[0].message, /runs of the same commit fb53839 disagree: the environment/);
    assert.equal(a.series[0].verdict!.kind, 'environment');
    assert.equal(a.series[0].status, 'stable', 'not "regressed"');
  });

  it('a checked run that moved while earlier runs of its commit did not is the environment (a re-run on a busy runner)', async () => {
    const same = 'd00d1e5'.padEnd(40, '0');
    const specs: RunSpec[] = [...noisyLevels(0.25, 24, 0.01, 8).map((level) => ({ level })), { level: 0.25, commit: same }, { level: 0.251, commit: same }, { level: 0.36, commit: same }];
    const runs = series('loop', specs);
    const a = await analyze([runs], checking([runs]));
    assert.deepEqual(failing(a), []);
    const f = a.findings.find((x) => x.status === 'environment')!;
    assert.ok(f, JSON.stringify(a.findings.map((x) => [x.kind, x.status])));
    assert.match(f.reason!, /but 2 earlier runs of the same commit d00d1e5 did not: the environment, not the code/);
    assert.equal(a.environment![0].cause, 'same-commit');
    // The same slow run at a commit of its own is a new regression.
    const own = series('loop', [...specs.slice(0, 24), { level: 0.36 }]);
    assert.equal(failing(await analyze([own], checking([own]))).length, 1);
  });

  it('checking the same commit again with nothing changed is fine, and says what it rests on', async () => {
    const same = 'fb53839'.padEnd(40, '0');
    const levels = noisyLevels(0.25, 21, 0.01, 4);
    const runs = series('loop', levels.map((level) => ({ level, commit: same })));
    const a = await analyze([runs], checking([runs]));
    assert.deepEqual(failing(a), []);
    assert.equal(a.series[0].verdict!.kind, 'fine');
    assert.match(a.series[0].verdict!.reason, /no earlier commit to compare with; the checked run agrees with 20 earlier runs of fb53839/);
  });

  it('a detected step between runs of one commit (nightly re-runs) is the environment', async () => {
    const nightly = 'abc1234'.padEnd(40, '0');
    const specs: RunSpec[] = Array.from({ length: 40 }, (_, i) => ({ level: i < 25 ? 0.01 : 0.013, ...(i >= 20 ? { commit: nightly } : {}) }));
    const a = await analyze([series('n', specs)]);
    const f = a.findings.find((x) => x.kind === 'regression')!;
    assert.equal(f.status, 'environment');
    assert.equal(f.severity, 'info');
    assert.deepEqual(a.events, [], 'not a finding event');
  });

  it('most series of a machine moving the same way at one commit are one environment change listing them', async () => {
    const runner = 'e0e0e0e'.padEnd(40, '0');
    const at = (i: number) => (i === 30 ? runner : undefined);
    const moved = ['a', 'b', 'c'].map((name, k) =>
      series(name, Array.from({ length: 42 }, (_, i) => ({ level: (i < 30 ? 0.01 : 0.0065) * (1 + k), commit: at(i) ?? `c${String(i).padStart(3, '0')}${'0'.repeat(36)}` })), 10 + k),
    );
    const still = series('d', Array.from({ length: 42 }, (_, i) => ({ level: 0.02, commit: at(i) ?? `c${String(i).padStart(3, '0')}${'0'.repeat(36)}` })), 20);
    const a = await analyze([...moved, still]);
    const env = a.environment!.filter((e) => e.cause === 'machine-wide');
    assert.equal(env.length, 1, JSON.stringify(a.environment));
    assert.deepEqual(env[0].series.map((s) => s.name).sort(), ['a', 'b', 'c']);
    assert.equal(env[0].seriesOfMachine, 4);
    assert.match(env[0].message, /3 of 4 series of this machine moved better together at e0e0e0e: the environment/);
    for (const f of a.findings.filter((x) => x.change)) assert.equal(f.status, 'environment', f.message);
    assert.equal(a.series.find((s) => s.name === 'a')!.verdict!.kind, 'environment');
    assert.match(a.series.find((s) => s.name === 'a')!.verdict!.reason, /moved with 2 other series of this machine at e0e0e0e \(3 of 4\)/);
  });

  it('in CI: the checked run moving most series of the machine at once is an environment change and does not fail', async () => {
    const all = ['a', 'b', 'c', 'd'].map((name, k) =>
      series(name, [...noisyLevels(0.01 * (k + 1), 25, 0.01, 40 + k).map((level) => ({ level })), { level: 0.01 * (k + 1) * (k < 3 ? 1.4 : 1) }], 50 + k),
    );
    const a = await analyze(all, checking(all));
    assert.deepEqual(failing(a), []);
    const env = a.environment!.filter((e) => e.cause === 'machine-wide');
    assert.equal(env.length, 1);
    assert.deepEqual(env[0].series.map((x) => x.name).sort(), ['a', 'b', 'c']);
    assert.equal(env[0].seriesOfMachine, 4);
    // Two of the four would have been code regressions.
    const two = all.map((runs, k) => (k < 2 ? runs : runs.map((r, i) => (i === runs.length - 1 ? { ...r, value: r.value / 1.4, samples: r.samples!.map((v) => v / 1.4) } : r))));
    const b = await analyze(two, checking(two));
    assert.deepEqual(failing(b).map((f) => f.name).sort(), ['a', 'b']);
  });

  it('regressions on two of five series at one commit stay code regressions', async () => {
    const commitOf = (i: number) => `c${String(i).padStart(3, '0')}${'0'.repeat(36)}`;
    const all = ['a', 'b', 'c', 'd', 'e'].map((name, k) =>
      series(name, Array.from({ length: 42 }, (_, i) => ({ level: k < 2 && i >= 30 ? 0.013 : 0.01, commit: commitOf(i) })), 30 + k),
    );
    const a = await analyze(all);
    assert.deepEqual(a.environment, []);
    const regressions = a.findings.filter((f) => f.kind === 'regression');
    assert.equal(regressions.length, 2);
    for (const f of regressions) assert.equal(f.status, 'standing');
  });
});

describe('verdicts: budgets judge evidence', () => {
  const budget = { statistic: 'median' as const, max: '300ms' };
  const budgetRuns = (levels: number[]) => series('sort-10k', levels.map((level) => ({ level })));

  it('the demo case: the first run at 314 ms against 300 ms is at risk, a warning, not a breach', async () => {
    const runs = budgetRuns([0.314]);
    const e = evaluateBudget(runs, budget, 's', 'smaller')!;
    assert.equal(e.breached, false);
    assert.equal(e.atRisk, true);
    assert.equal(e.evidence, 'too-few-runs');
    const a = await analyze([runs], checking([runs]), { benchmarkBudgets: { 'sort-10k': budget } });
    const f = a.findings.find((x) => x.kind === 'budget')!;
    assert.equal(f.status, 'at-risk');
    assert.equal(f.severity, 'warning');
    assert.match(f.message, /sort-10k median 314 ms is over its budget of 300 ms in 1 of the last 1 run: at risk, not yet a breach/);
    assert.equal(failsUnder(f, parseFailOn('budget')), false);
    assert.equal(failsUnder(f, parseFailOn('regression,standing')), false);
    assert.equal(a.series[0].status, 'insufficient-data');
    assert.equal(a.series[0].verdict!.kind, 'at-risk');
  });

  it('one slow run among five is at risk; two of five over is a breach', () => {
    assert.equal(evaluateBudget(budgetRuns([0.28, 0.29, 0.28, 0.29, 0.31]), budget, 's', 'smaller')!.breached, false);
    const two = evaluateBudget(budgetRuns([0.28, 0.31, 0.28, 0.29, 0.31]), budget, 's', 'smaller')!;
    assert.equal(two.breached, true);
    assert.equal(two.evidence, 'runs');
  });

  it('three runs whose 95% interval lies over the limit are a breach; three that straddle it are at risk', () => {
    const over = evaluateBudget(budgetRuns([0.314, 0.316, 0.315]), budget, 's', 'smaller')!;
    assert.equal(over.breached, true);
    assert.equal(over.evidence, 'interval');
    assert.ok(over.interval![0] > 0.3);
    const straddle = evaluateBudget(budgetRuns([0.29, 0.33, 0.31]), budget, 's', 'smaller')!;
    assert.equal(straddle.breached, false);
    assert.equal(straddle.atRisk, true);
  });

  it('a latest run within 5% of the limit makes the series at risk without a finding', async () => {
    const runs = budgetRuns([0.25, 0.26, 0.25, 0.26, 0.25, 0.26, 0.25, 0.26, 0.25, 0.26, 0.29]);
    const a = await analyze([runs], {}, { benchmarkBudgets: { 'sort-10k': budget } });
    assert.deepEqual(a.findings.filter((f) => f.kind === 'budget'), []);
    assert.equal(a.series[0].verdict!.kind, 'at-risk');
    assert.match(a.series[0].verdict!.reason, /within 5% of the limit/);
  });

  it('a breach the checked run made is new; one that was there before is standing', async () => {
    const made = budgetRuns([0.31, 0.28, 0.29, 0.28, 0.31]);
    const fNew = (await analyze([made], checking([made]), { benchmarkBudgets: { 'sort-10k': budget } })).findings.find((f) => f.kind === 'budget') as Finding;
    assert.equal(fNew.status, 'new');
    const kept = budgetRuns([0.31, 0.31, 0.29, 0.31, 0.31, 0.31]);
    const fOld = (await analyze([kept], checking([kept]), { benchmarkBudgets: { 'sort-10k': budget } })).findings.find((f) => f.kind === 'budget') as Finding;
    assert.equal(fOld.status, 'standing');
    assert.match(fOld.reason!, /^over since c00\d000, \d+ days?, \d+ runs?/);
  });
});

describe('verdicts: what the editor says (diagnostics, notifications, trends)', () => {
  it('an environment change reads as one, at information level, never as a code regression', async () => {
    const same = 'fb53839'.padEnd(40, '0');
    const runs = series('loop', [...noisyLevels(0.25, 20, 0.01, 2).map((level) => ({ level, commit: same })), { level: 0.35, commit: same }]);
    const a = await analyze([runs], checking([runs]));
    const f = a.findings.find((x) => x.status === 'environment')!;
    assert.match(editorText(f), /^Environment change, not the code: loop is \d+% slower since fb53839 .* — differs from 20 earlier runs of the same commit fb53839/);
    assert.equal(editorSeverity(f), 'information');
    assert.equal(editorCode(f), 'environment-change');
    assert.match(verdictSentence(a.series[0].verdict!), /^environment change: /);
  });

  it('a standing regression keeps its sentence first and says it stands; a new critical one is an error', async () => {
    const runs = series('sort', [...Array(30).fill({ level: 0.012 }), ...Array(12).fill({ level: 0.0144 })]);
    const standing = (await analyze([runs], checking([runs]))).findings.find((f) => f.kind === 'regression')!;
    assert.match(editorText(standing), /^sort is 20% slower since c030000 .* — standing: already in earlier runs: since c030000, 11 days, 12 runs$/);
    assert.equal(editorSeverity(standing), 'warning');
    assert.equal(editorCode(standing), 'regression');
    const fresh = series('sort', [...noisyLevels(0.012, 30, 0.01, 3).map((level) => ({ level })), { level: 0.015 }]);
    const f = (await analyze([fresh], checking([fresh]))).findings.find((x) => x.status === 'new')!;
    assert.equal(editorText(f), f.message);
    assert.equal(editorSeverity(f), 'error');
  });

  it('an unknown names what would settle it', async () => {
    const runs = series('loop', [{ level: 0.1 }, { level: 0.1 }]);
    const a = await analyze([runs], checking([runs]));
    assert.match(verdictSentence(a.series[0].verdict!), /^unknown: only 1 earlier run to learn the run-to-run noise from: need \d+ more runs, or use check --base$/);
  });
});
