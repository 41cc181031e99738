import type { BudgetBody, BudgetConfig } from '../config';
import { detectMany, type Change, type SeriesVerdict, type Sensitivity } from '../detect';
import type { RunRecord, SeriesInfo } from '../model';
import { median, scaledMad } from '../stats/summary';
import { budgetFor, evaluateBudget, forecastBudget, MIN_BUDGET_RUNS, MIN_INTERVAL_RUNS, NEAR_LIMIT } from './budget';
import { compareCurrent, MIN_BASELINE_RUNS, type CurrentComparison } from './compare-current';
import type { Decisions } from './decisions';
import { budgetMessage, changeMessage, shortCommit } from './message';
import type { Analysis, BudgetEvaluation, Finding, FindingEvent, FindingStatus, RunPoint, SeriesAnalysis, SeriesStatus, Verdict } from './types';
import { markEnvironment, sinceText, whereOf } from './verdicts';
import { formatChange, formatValue } from '../format';

/**
 * A history in, findings out: runs the detector over every series at once (so the false discovery
 * rate holds across the workspace), compares a current CI run with its baseline, evaluates budgets
 * and forecasts, and applies the people's decisions (accepted baselines, ignored series).
 */

export interface AnalyzeInput {
  series: readonly SeriesInfo[];
  /** The runs of one series, oldest first. */
  load(seriesId: string): Promise<RunRecord[]>;
  budgets?: readonly BudgetConfig[];
  /** Budgets written on a benchmark entry, by benchmark name. */
  benchmarkBudgets?: Readonly<Record<string, BudgetBody>>;
  decisions?: Decisions;
  options?: AnalyzeOptions;
}

export interface AnalyzeOptions {
  sensitivity?: Sensitivity;
  /** Only runs of this branch (plus the current runs) form the history that is judged. */
  baseBranch?: string;
  /** Records of the run being checked (CI): compared with the baseline runs before them. */
  currentRecordIds?: ReadonlySet<string>;
}

const MIN_EFFECT: Record<Sensitivity, number> = { low: 0.03, default: 0.015, high: 0.01 };
const NOISE_MULTIPLE: Record<Sensitivity, number> = { low: 3, default: 2, high: 1.5 };
/** A regression at least this large is critical. Mirrors the detector. */
const CRITICAL_WORSENING = 0.1;
/** The detector gives no verdict on fewer runs (its minPoints). */
const MIN_HISTORY_POINTS = 10;

const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 } as const;

function pointOf(r: RunRecord): RunPoint {
  return {
    recordId: r.id,
    ...(r.vcs?.commit ? { commit: r.vcs.commit } : {}),
    ...(r.vcs?.branch ? { branch: r.vcs.branch } : {}),
    timestamp: r.timestamp,
    value: r.value,
  };
}

/** Runs that make up the judged history: the base branch's (when asked) and the current run's. */
export function selectRuns(runs: readonly RunRecord[], options: AnalyzeOptions): RunRecord[] {
  const sorted = [...runs].sort((a, b) => a.timestamp - b.timestamp);
  if (!options.baseBranch) return sorted;
  const current = options.currentRecordIds;
  return sorted.filter((r) => r.vcs?.branch === options.baseBranch || current?.has(r.id));
}

interface Loaded {
  info: SeriesInfo;
  runs: RunRecord[];
  acceptedIndex: number;
}

/** What an earlier analysis left for the next one: per series, its judged values and its results. */
export interface AnalysisCache {
  /** Everything besides the runs that the results depend on (budgets, decisions, options, version). */
  inputs: string;
  /** What the judged values depend on besides the runs (base branch, current runs). */
  selection: string;
  series: Map<string, CachedSeries>;
}

export interface CachedSeries {
  /** The series as the store's index describes it when it was read (see seriesKey). */
  key: string;
  /** The judged values, oldest first: what the detector saw. */
  values: Float64Array;
  /** The detector's verdict on them, as JSON (the whole history is judged at once, so a verdict can change without its series changing). */
  verdict: string;
  analysis: SeriesAnalysis;
  findings: Finding[];
}

export interface IncrementalInput extends AnalyzeInput {
  /** The cache of the previous analysis; series whose key is unchanged are not read again. */
  cache?: AnalysisCache;
  /** Part of the cache's inputs: e.g. the extension's version (a new detector judges anew). */
  version?: string;
  /** Called between series: gives the event loop a turn (see yieldNow). */
  pause?: () => Promise<void>;
  /** Runs read for the values are kept for the per-series step up to this many in all (else read again). */
  keepRuns?: number;
  /** Runs the detector (detectMany) over every series, e.g. on another thread; in this thread when not given. */
  detect?: DetectAll;
}

/** The whole-history detector step: detectMany over these series with these options. */
export type DetectAll = (series: { id: string; direction: SeriesInfo['direction']; values: Float64Array }[], options: { sensitivity: Sensitivity }) => Promise<SeriesVerdict[]>;

export const detectInThisThread: DetectAll = async (series, options) =>
  detectMany(series.map((s) => ({ id: s.id, direction: s.direction, values: Array.from(s.values) })), options);

export interface IncrementalStats {
  series: number;
  /** Series whose runs were read to get their values. */
  read: number;
  /** Series read a second time for their per-series analysis (runs not kept). */
  reread: number;
  /** Series whose previous results were reused as they were. */
  reused: number;
  /** False when nothing changed and the detector did not run at all. */
  detected: boolean;
}

/**
 * The identity of a series' runs as the store's index gives it, without reading a run: a new,
 * imported, removed or compacted-away run changes the count or an end of the series.
 */
export function seriesKey(info: SeriesInfo): string {
  return `${info.runs}|${info.firstTimestamp}|${info.lastTimestamp}|${info.lastValue}`;
}

const DEFAULT_KEEP_RUNS = 100_000;

export async function analyzeHistory(input: AnalyzeInput): Promise<Analysis> {
  return (await analyzeIncrementally(input)).analysis;
}

/**
 * analyzeHistory with a cache: reads only the series that changed since the cached analysis,
 * reuses the results of series whose runs and verdict are unchanged, and skips the detector
 * when nothing changed. The detector still judges every series' values at once (from the
 * cache where unchanged), so the false discovery rate holds across the workspace as before.
 */
export async function analyzeIncrementally(input: IncrementalInput): Promise<{ analysis: Analysis; cache: AnalysisCache; stats: IncrementalStats }> {
  const options = input.options ?? {};
  const sensitivity = options.sensitivity ?? 'default';
  const decisions = input.decisions;
  const pause = input.pause ?? (async () => undefined);
  const keepRuns = input.keepRuns ?? DEFAULT_KEEP_RUNS;
  const selection = JSON.stringify({ baseBranch: options.baseBranch ?? null, current: [...(options.currentRecordIds ?? [])].sort() });
  const inputs = JSON.stringify({
    // What an analysis holds: 2 added the verdicts (a cache of an older analysis is judged again).
    format: 2,
    version: input.version ?? null,
    sensitivity,
    selection,
    budgets: input.budgets ?? [],
    benchmarkBudgets: input.benchmarkBudgets ?? {},
    decisions: decisions ?? null,
  });
  const previous = input.cache?.selection === selection ? input.cache.series : undefined;
  const sameInputs = input.cache?.inputs === inputs;
  const stats: IncrementalStats = { series: input.series.length, read: 0, reread: 0, reused: 0, detected: true };

  // 1. The judged values of every series: from the cache when the series is unchanged.
  const values: Float64Array[] = [];
  const kept = new Map<string, RunRecord[]>();
  let keptRuns = 0;
  // Runs not kept are analysed at once against the series' verdict on its own: where the verdict
  // of the whole history turns out the same (most series), step 3 need not read them again.
  const provisional = new Map<string, { verdict: string; result: ReturnType<typeof analyzeSeries> }>();
  for (const info of input.series) {
    const cached = previous?.get(info.seriesId);
    if (cached && cached.key === seriesKey(info)) {
      values.push(cached.values);
      continue;
    }
    const runs = selectRuns(await input.load(info.seriesId), options);
    stats.read++;
    values.push(Float64Array.from(runs, (r) => r.value));
    if (keptRuns + runs.length <= keepRuns) {
      kept.set(info.seriesId, runs);
      keptRuns += runs.length;
    } else {
      const [own] = detectMany([{ id: info.seriesId, direction: info.direction, values: runs.map((r) => r.value) }], { sensitivity });
      provisional.set(info.seriesId, { verdict: JSON.stringify(own), result: analyzeSeries(loadedOf(info, runs, decisions), own, input, options, sensitivity) });
    }
    await pause();
  }

  // 2. The detector, over the whole history at once; not at all when nothing changed.
  const unchanged = sameInputs && stats.read === 0 && previous !== undefined && previous.size === input.series.length;
  let verdicts: SeriesVerdict[];
  if (unchanged) {
    verdicts = input.series.map((info) => JSON.parse(previous.get(info.seriesId)!.verdict) as SeriesVerdict);
    stats.detected = false;
  } else {
    verdicts = await (input.detect ?? detectInThisThread)(
      input.series.map((info, i) => ({ id: info.seriesId, direction: info.direction, values: values[i] })),
      { sensitivity },
    );
    await pause();
  }

  // 3. Per series: the previous results when its runs, its verdict and the inputs are the same.
  const series: SeriesAnalysis[] = [];
  const findings: Finding[] = [];
  const next = new Map<string, CachedSeries>();
  for (const [i, info] of input.series.entries()) {
    const verdict = JSON.stringify(verdicts[i]);
    const key = seriesKey(info);
    const cached = previous?.get(info.seriesId);
    let entry: CachedSeries;
    if (sameInputs && cached && cached.key === key && cached.verdict === verdict) {
      entry = cached;
      stats.reused++;
    } else if (provisional.get(info.seriesId)?.verdict === verdict) {
      const { result } = provisional.get(info.seriesId)!;
      entry = { key, values: values[i], verdict, analysis: result.analysis, findings: result.findings };
    } else {
      let runs = kept.get(info.seriesId);
      if (!runs) {
        runs = selectRuns(await input.load(info.seriesId), options);
        stats.reread++;
        await pause();
      }
      const result = analyzeSeries(loadedOf(info, runs, decisions), verdicts[i], input, options, sensitivity);
      entry = { key, values: values[i], verdict, analysis: result.analysis, findings: result.findings };
    }
    next.set(info.seriesId, entry);
    series.push(entry.analysis);
    if (!entry.analysis.ignored) findings.push(...entry.findings);
  }
  findings.sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      Number(a.kind === 'improvement') - Number(b.kind === 'improvement') ||
      a.name.localeCompare(b.name),
  );
  // Across series: what moved together is the environment; then every series' verdict.
  const marked = markEnvironment(series, findings, input.series);
  const analysis: Analysis = { series: marked.series, findings: marked.findings, events: groupEvents(marked.findings), environment: marked.environment };
  return { analysis, cache: { inputs, selection, series: next }, stats };
}

function loadedOf(info: SeriesInfo, runs: RunRecord[], decisions: Decisions | undefined): Loaded {
  const accepted = decisions?.accepted.find((a) => a.seriesId === info.seriesId);
  return { info, runs, acceptedIndex: accepted ? runs.findIndex((r) => r.id === accepted.recordId) : -1 };
}

/** Gives the event loop a turn (timers, I/O, other extensions) when the caller has held it for `sliceMs`. */
export function yieldEvery(sliceMs = 10): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}

function analyzeSeries(
  l: Loaded,
  verdict: SeriesVerdict,
  input: AnalyzeInput,
  options: AnalyzeOptions,
  sensitivity: Sensitivity,
): { analysis: SeriesAnalysis; findings: Finding[] } {
  const { info, runs, acceptedIndex } = l;
  const values = runs.map((r) => r.value);
  const n = runs.length;
  const latestRun = runs[n - 1];
  const findings: Finding[] = [];
  const decisions = input.decisions;
  const accepted = decisions?.accepted.find((a) => a.seriesId === info.seriesId);
  const ignored = !!decisions?.ignored.some((g) => g.seriesId === info.seriesId);
  const metric = metricText(info.metric, latestRun);

  // Changes at or before an accepted record are the accepted new normal.
  const changes = verdict.changes.filter((c) => c.index > acceptedIndex);
  const last = changes[changes.length - 1];
  const levelStart = (k: number) => (k > 0 ? changes[k - 1].index : Math.max(0, acceptedIndex));
  const levelEnd = (k: number) => (k + 1 < changes.length ? changes[k + 1].index : n);

  // The checked run: the current records in CI, else the newest run. Its commit is the checked code.
  const current = options.currentRecordIds;
  const inCi = !!(current && latestRun && current.has(latestRun.id));
  const firstChecked = inCi ? runs.findIndex((r) => current!.has(r.id)) : n - 1;
  const checkedCommit = latestRun?.vcs?.commit;

  // A detected change, judged: environment (runs of its commit on both sides), suspect (unconfirmed),
  // new (at the checked run or commit) or standing (already in earlier runs).
  const judge = (k: number): Finding => {
    const c = changes[k];
    const before = median(values.slice(levelStart(k), c.index));
    const after = median(values.slice(c.index, levelEnd(k)));
    const f = changeFinding(info, runs, c, before, after);
    const firstBad = f.firstBad;
    const runsSince = n - c.index;
    if (firstBad.commit && runs.slice(levelStart(k), c.index).some((r) => r.vcs?.commit === firstBad.commit)) {
      f.status = 'environment';
      f.severity = 'info';
      f.reason = `runs of the same commit ${shortCommit(firstBad.commit)} before and after it differ: the environment, not the code`;
    } else if (!c.confirmed) {
      f.status = 'suspect';
      f.reason = `seen in ${runsSince} run${runsSince === 1 ? '' : 's'} since ${whereOf(firstBad)}; not yet confirmed by later runs (a spike and a step look alike until then)`;
    } else if (c.index >= firstChecked || (checkedCommit !== undefined && firstBad.commit === checkedCommit)) {
      f.status = 'new';
      f.reason = `at the checked ${checkedCommit ? `commit ${shortCommit(checkedCommit)}` : 'run'} (${runsSince} run${runsSince === 1 ? '' : 's'} at the new level)`;
    } else {
      f.status = 'standing';
      f.reason = `already in earlier runs: ${sinceText(firstBad, latestRun.timestamp, runsSince)}`;
    }
    f.metric = metric;
    return f;
  };
  let detectorFinding = last ? judge(changes.length - 1) : undefined;
  // In CI the newest change may be the checked run itself; the one before it still stands.
  let settledK = -1;
  if (inCi) for (let k = changes.length - 1; k >= 0 && settledK < 0; k--) if (changes[k].index < firstChecked) settledK = k;
  const priorFinding = last && settledK >= 0 && settledK < changes.length - 1 ? judge(settledK) : undefined;

  // CI: the checked level against the earlier runs, on run-to-run noise (see compare-current.ts).
  let comparison: CurrentComparison | undefined;
  let currentFinding: Finding | undefined;
  let sameCommitFinding: Finding | undefined;
  let noEarlier = false;
  let sameCommitRuns = 0;
  let sameCommitAgree = false;
  if (inCi && !(acceptedIndex >= n - 1)) {
    // The current level: from the last confirmed change before the checked run, unless the checked commit made it.
    let levelFrom = Math.max(0, acceptedIndex);
    const settled = settledK >= 0 ? changes[settledK] : undefined;
    if (settled?.confirmed) {
      const madeByChecked = checkedCommit !== undefined && runs[settled.index]?.vcs?.commit === checkedCommit;
      levelFrom = Math.max(levelFrom, madeByChecked ? levelStart(settledK) : settled.index);
    }
    const window = runs.slice(levelFrom, firstChecked);
    const sameCommit = checkedCommit ? window.filter((r) => r.vcs?.commit === checkedCommit) : [];
    const others = checkedCommit ? window.filter((r) => r.vcs?.commit !== checkedCommit) : window;
    const checked = runs.slice(firstChecked);
    const compareOptions = { minEffect: MIN_EFFECT[sensitivity], noiseMultiple: NOISE_MULTIPLE[sensitivity] };
    // Runs of the same commit that disagree: the machine moved, not the code.
    sameCommitRuns = sameCommit.length;
    if (sameCommit.length >= MIN_BASELINE_RUNS) {
      const own = compareCurrent(sameCommit, checked, compareOptions);
      sameCommitAgree = own !== undefined && !own.significant;
      if (own?.significant) {
        const change = comparisonChange(info, own, n - 1, firstChecked - 1);
        sameCommitFinding = changeFinding(info, runs, change, own.baselineMedian, own.currentMedian);
        sameCommitFinding.status = 'environment';
        sameCommitFinding.severity = 'info';
        sameCommitFinding.metric = metric;
        sameCommitFinding.reason = `differs from ${sameCommit.length} earlier runs of the same commit ${shortCommit(checkedCommit)} beyond their run-to-run noise of ${percentText(own.runNoise ?? 0)}: the environment, not the code`;
      }
    }
    if (others.length) {
      comparison = compareCurrent(others, [...sameCommit, ...checked], compareOptions);
      // The checked run moved, the earlier runs of its commit did not: the machine, not the code.
      if (!sameCommitFinding && sameCommit.length && !comparison?.significant) {
        const alone = compareCurrent(others, checked, compareOptions);
        if (alone?.significant) {
          const change = comparisonChange(info, alone, n - 1, firstChecked - 1);
          sameCommitFinding = changeFinding(info, runs, change, alone.baselineMedian, alone.currentMedian);
          sameCommitFinding.status = 'environment';
          sameCommitFinding.severity = 'info';
          sameCommitFinding.metric = metric;
          sameCommitFinding.reason = `the checked run moved beyond the run-to-run noise of ${alone.baselineRuns} earlier runs, but ${sameCommit.length} earlier run${sameCommit.length === 1 ? '' : 's'} of the same commit ${shortCommit(checkedCommit)} did not: the environment, not the code`;
        }
      }
    } else if (!sameCommit.length) {
      noEarlier = true;
    }
    const detectorAtChecked = detectorFinding && runs.findIndex((r) => r.id === detectorFinding!.firstBad.recordId) >= firstChecked;
    if (comparison?.significant && !sameCommitFinding) {
      const change = comparisonChange(info, comparison, n - 1, firstChecked - 1);
      currentFinding = changeFinding(info, runs, change, comparison.baselineMedian, comparison.currentMedian);
      currentFinding.status = 'new';
      currentFinding.metric = metric;
      currentFinding.reason =
        `the checked ${checkedCommit ? `commit ${shortCommit(checkedCommit)}` : 'run'}` +
        `${comparison.currentRuns > 1 ? ` (${comparison.currentRuns} runs)` : ''} against ${comparison.baselineRuns} earlier runs, ` +
        `beyond their run-to-run noise of ${percentText(comparison.runNoise ?? 0)} (changes over ${percentText(comparison.detectable ?? 0)} show)`;
      if (detectorAtChecked) detectorFinding = undefined;
    } else if (detectorAtChecked && detectorFinding && (comparison || sameCommitFinding)) {
      // The detector saw the checked run move, the run-to-run noise does not confirm it.
      if (sameCommitFinding) detectorFinding = undefined;
      else {
        detectorFinding.status = 'suspect';
        detectorFinding.reason = comparison?.reason ?? `the checked run alone; within the run-to-run noise of ${percentText(comparison?.runNoise ?? 0)} of ${comparison?.baselineRuns ?? 0} earlier runs`;
      }
    }
  }

  // Budgets: a breach on evidence; one run over is at risk. New when the checked run made it a breach.
  const budgetBody = budgetFor(info.name, input.budgets ?? [], input.benchmarkBudgets);
  const budgetRuns = runs.slice(Math.max(0, acceptedIndex));
  const budget = budgetBody ? evaluateBudget(budgetRuns, budgetBody, info.unit, info.direction) : undefined;
  const forecast = budget && !budget.breached ? forecastBudget(runs, budget, info.direction) : undefined;
  if (budget && budgetBody && (budget.breached || (budget.atRisk && budget.evidence === 'too-few-runs'))) {
    let first = n - 1;
    while (first > 0 && first - 1 > acceptedIndex && overLimit(runs[first - 1], budget.limit, budget.statistic, info.direction)) first--;
    if (first > acceptedIndex || acceptedIndex < 0) {
      const before = budget.breached ? evaluateBudget(runs.slice(Math.max(0, acceptedIndex), firstChecked), budgetBody, info.unit, info.direction) : undefined;
      const status = budget.atRisk ? 'at-risk' : before?.breached ? 'standing' : 'new';
      const budgetMetric = `${info.metric}, ${budget.statistic} of each run`;
      findings.push({
        id: `${info.seriesId}:${runs[first].id}:budget`,
        seriesId: info.seriesId,
        name: info.name,
        kind: 'budget',
        severity: budget.atRisk ? 'warning' : budget.spent >= 1 ? 'critical' : 'warning',
        message: budgetMessage({ name: info.name, statistic: budget.statistic, unit: info.unit, direction: info.direction, current: budget.current, limit: budget.limit, overRuns: budget.overRuns, runsInWindow: budget.runsInWindow, ...(budget.atRisk ? { atRisk: true } : {}) }),
        ...(first > 0 ? { lastGood: pointOf(runs[first - 1]) } : {}),
        firstBad: pointOf(runs[first]),
        unit: info.unit,
        ...(info.location ? { location: info.location } : {}),
        status,
        reason: budgetReason(budget, status, runs[first], latestRun, n - first),
        metric: budgetMetric,
      });
    }
  }
  for (const f of [priorFinding, detectorFinding, currentFinding, sameCommitFinding]) {
    if (!f) continue;
    if (f.kind === 'regression' && f.status !== 'environment' && budget && f.after !== undefined && overValue(f.after, budget.limit, info.direction)) f.severity = 'critical';
    findings.push(f);
  }

  // Where the series stands now.
  const from = last?.confirmed ? last.index : Math.max(0, acceptedIndex);
  const level = values.slice(from);
  const levelMedian = level.length ? median(level) : undefined;
  const noise = level.length >= 3 && levelMedian ? scaledMad(level, levelMedian) / Math.abs(levelMedian) : undefined;
  const codeChanges = [currentFinding, detectorFinding, priorFinding].filter((f): f is Finding => !!f && (f.status === 'new' || f.status === 'standing'));
  const activeChange = codeChanges.find((f) => f.kind === 'regression') ?? codeChanges[0];
  const shown = activeChange ?? sameCommitFinding ?? detectorFinding;
  let baseline: number | undefined;
  let changeVs: SeriesAnalysis['change'];
  if (shown?.change && shown.before !== undefined && shown.after !== undefined) {
    baseline = shown.before;
    changeVs = { ratio: shown.change.ratio, ci: shown.change.ratioCi, pValue: shown.change.pValue };
  } else if (comparison) {
    baseline = comparison.baselineMedian;
    changeVs = { ratio: comparison.ratio, ...(comparison.state !== 'unknown' || comparison.runNoise !== undefined ? { ci: comparison.ratioCi, pValue: comparison.pValue } : {}) };
  } else if (level.length >= 2) {
    baseline = median(level.slice(0, -1));
    if (baseline) changeVs = { ratio: latestRun.value / baseline };
  }
  let status: SeriesStatus;
  if (budget?.breached) status = 'over-budget';
  else if (activeChange?.kind === 'regression') status = 'regressed';
  else if (activeChange?.kind === 'improvement') status = 'improved';
  else if (verdict.state === 'insufficient-data' && !comparison) status = 'insufficient-data';
  else if (verdict.state === 'noisy') status = 'noisy';
  else status = 'stable';

  // The verdict without findings: at risk, unknown or fine (the findings' statuses rank above; see verdicts.ts).
  let base: Verdict;
  if (budget?.atRisk) {
    base = { kind: 'at-risk', reason: budgetReason(budget, 'at-risk', latestRun, latestRun, 1), metric: `${info.metric}, ${budget.statistic} of each run`, findingIds: [] };
  } else if (comparison?.state === 'unknown') {
    base = { kind: 'unknown', reason: `unknown: ${comparison.reason}`, metric, baselineRuns: comparison.baselineRuns, ...(comparison.runNoise !== undefined ? { runNoise: comparison.runNoise } : {}), ...(comparison.needRuns !== undefined ? { needRuns: comparison.needRuns } : {}), findingIds: [] };
  } else if (noEarlier) {
    base = { kind: 'unknown', reason: `unknown: no earlier runs to compare with: need ${MIN_BASELINE_RUNS} runs, or use check --base`, metric, baselineRuns: 0, needRuns: MIN_BASELINE_RUNS, findingIds: [] };
  } else if (comparison) {
    base = {
      kind: 'fine',
      reason: `within the run-to-run noise of ${percentText(comparison.runNoise ?? 0)} of ${comparison.baselineRuns} earlier runs (${formatChange(comparison.ratio)}; changes over ${percentText(comparison.detectable ?? 0)} would show)`,
      metric,
      baselineRuns: comparison.baselineRuns,
      ...(comparison.runNoise !== undefined ? { runNoise: comparison.runNoise } : {}),
      findingIds: [],
    };
  } else if (inCi && checkedCommit && sameCommitAgree) {
    base = { kind: 'fine', reason: `no earlier commit to compare with; the checked run agrees with ${sameCommitRuns} earlier runs of ${shortCommit(checkedCommit)}`, metric, baselineRuns: sameCommitRuns, findingIds: [] };
  } else if (inCi && checkedCommit && sameCommitRuns > 0) {
    base = { kind: 'unknown', reason: `unknown: no earlier commit to compare with, only ${sameCommitRuns} earlier run${sameCommitRuns === 1 ? '' : 's'} of ${shortCommit(checkedCommit)}: use check --base`, metric, baselineRuns: sameCommitRuns, findingIds: [] };
  } else if (verdict.state === 'insufficient-data') {
    const need = Math.max(1, MIN_HISTORY_POINTS - n);
    base = { kind: 'unknown', reason: `unknown: ${n} run${n === 1 ? '' : 's'} so far: need ${need} more`, metric, needRuns: need, findingIds: [] };
  } else {
    base = { kind: 'fine', reason: `no change in ${n - from} run${n - from === 1 ? '' : 's'}${noise !== undefined ? ` (run-to-run noise ${percentText(noise)})` : ''}`, metric, ...(noise !== undefined ? { runNoise: noise } : {}), findingIds: [] };
  }

  const extra = latestRun?.extra ?? {};
  const load = [extra.loadAverage1m, extra.loadAverage, extra.load1].find((v) => typeof v === 'number') as number | undefined;
  const analysis: SeriesAnalysis = {
    id: info.seriesId,
    name: info.name,
    metric: info.metric,
    unit: info.unit,
    direction: info.direction,
    source: info.source,
    ...(info.group ? { group: info.group } : {}),
    ...(info.location ? { location: info.location } : {}),
    runs: n,
    ...(latestRun ? { latest: pointOf(latestRun) } : {}),
    ...(n >= 6 ? { firstLevel: median(values.slice(0, Math.min(5, Math.floor(n / 3)))) } : {}),
    latestSamples: latestRun?.summary?.n ?? latestRun?.samples?.length ?? 1,
    ...(baseline !== undefined ? { baseline } : {}),
    ...(changeVs ? { change: changeVs } : {}),
    status,
    ...(noise !== undefined ? { noise } : {}),
    changes: verdict.changes,
    ...(budget ? { budget } : {}),
    ...(forecast ? { forecast } : {}),
    ...(accepted && acceptedIndex >= 0 ? { accepted: { recordId: accepted.recordId, at: accepted.at } } : {}),
    ignored,
    ranThroughShell: latestRun?.config?.shell === true || extra.shell === true,
    ...(load !== undefined ? { loadAverage: load } : {}),
    ...(latestRun ? { cores: latestRun.machine?.cores } : {}),
    ...(info.machineId ? { machineId: info.machineId } : {}),
    changePoints: changes.map((c) => ({
      index: c.index,
      kind: c.kind,
      ratio: c.ratio,
      ...(runs[c.index]?.vcs?.commit ? { commit: runs[c.index].vcs!.commit } : {}),
      timestamp: runs[c.index]?.timestamp ?? 0,
      confirmed: c.confirmed,
    })),
    verdict: base,
  };
  return { analysis, findings };
}

/** "time (each run's median)": which number of a run the verdict used. */
function metricText(metric: string, run: RunRecord | undefined): string {
  return run && (run.samples?.length || run.summary) ? `${metric} (each run's median)` : metric;
}

function percentText(x: number): string {
  const p = Math.abs(x) * 100;
  return `${p < 10 ? Number(p.toFixed(1)) : Math.round(p)}%`;
}

function comparisonChange(info: SeriesInfo, c: CurrentComparison, index: number, lastGoodIndex: number): Change {
  const worsening = info.direction === 'smaller' ? c.ratio - 1 : 1 - c.ratio;
  const kind = worsening > 0 ? 'regression' : 'improvement';
  return {
    index,
    lastGoodIndex,
    kind,
    ratio: c.ratio,
    ratioCi: c.ratioCi,
    pValue: c.pValue,
    severity: kind === 'regression' ? (worsening >= CRITICAL_WORSENING ? 'critical' : 'warning') : 'info',
    confirmed: false,
    effectInNoise: c.runNoise ? Math.abs(Math.log(c.ratio)) / Math.log1p(c.runNoise) : NaN,
  };
}

function budgetReason(budget: BudgetEvaluation, status: FindingStatus, first: RunRecord, latest: RunRecord, runsOver: number): string {
  const runs = `${budget.overRuns} of the last ${budget.runsInWindow} run${budget.runsInWindow === 1 ? '' : 's'} over`;
  if (status === 'at-risk') {
    if (budget.evidence === 'near') return `the latest ${budget.statistic} is within ${Math.round(NEAR_LIMIT * 100)}% of the limit`;
    return `${runs}: not yet a breach (needs ${MIN_BUDGET_RUNS} runs in the window with 2 or more over, or ${MIN_INTERVAL_RUNS} runs whose 95% interval is over the limit)`;
  }
  const evidence = budget.evidence === 'interval' && budget.interval ? `95% interval of the level ${budget.interval.map((v) => formatValue(v, first.unit)).join(' to ')}` : runs;
  if (status === 'standing') return `over since ${sinceText(pointOf(first), latest.timestamp, runsOver).replace(/^since /, '')} (${evidence})`;
  return `${evidence}; the checked run made it a breach`;
}

function overValue(value: number, limit: number, direction: 'smaller' | 'bigger'): boolean {
  return direction === 'smaller' ? value > limit : value < limit;
}

function overLimit(run: RunRecord, limit: number, statistic: string, direction: 'smaller' | 'bigger'): boolean {
  const s = run.summary as unknown as Record<string, number> | undefined;
  const v = statistic === 'median' ? run.value : typeof s?.[statistic] === 'number' ? s[statistic] : run.value;
  return overValue(v, limit, direction);
}

function changeFinding(info: SeriesInfo, runs: readonly RunRecord[], change: Change, before: number, after: number): Finding {
  const firstBad = pointOf(runs[change.index]);
  const lastGood = change.lastGoodIndex >= 0 ? pointOf(runs[change.lastGoodIndex]) : undefined;
  const withCommits: Change = {
    ...change,
    ...(lastGood?.commit ? { lastGoodCommit: lastGood.commit } : {}),
    ...(firstBad.commit ? { firstBadCommit: firstBad.commit } : {}),
  };
  return {
    id: `${info.seriesId}:${firstBad.recordId}:${change.kind}`,
    seriesId: info.seriesId,
    name: info.name,
    kind: change.kind,
    severity: change.kind === 'improvement' ? 'info' : change.severity,
    message: changeMessage({ name: info.name, direction: info.direction, unit: info.unit, firstBad, before, after, ratio: after / before, ratioCi: change.ratioCi, pValue: change.pValue }),
    ...(lastGood ? { lastGood } : {}),
    firstBad,
    change: withCommits,
    before,
    after,
    unit: info.unit,
    ...(info.location ? { location: info.location } : {}),
  };
}

/** Regressions and budget breaches that first appeared at the same commit are one event (environment changes are events of their own). */
export function groupEvents(findings: readonly Finding[]): FindingEvent[] {
  const events = new Map<string, FindingEvent>();
  for (const f of findings) {
    if (f.kind === 'improvement' || f.status === 'environment') continue;
    const key = f.firstBad.commit ? `commit:${f.firstBad.commit}` : `time:${f.firstBad.timestamp}`;
    let e = events.get(key);
    if (!e) {
      e = { key, ...(f.firstBad.commit ? { commit: f.firstBad.commit } : {}), timestamp: f.firstBad.timestamp, findingIds: [] };
      events.set(key, e);
    }
    e.findingIds.push(f.id);
    e.timestamp = Math.min(e.timestamp, f.firstBad.timestamp);
  }
  return [...events.values()].sort((a, b) => a.timestamp - b.timestamp);
}

/** Findings the editor shows: regressions, budget breaches and budgets at risk, environment changes that made things worse (improvements stay in reports). */
export function editorFindings(analysis: Analysis): Finding[] {
  return analysis.findings.filter((f) => f.kind !== 'improvement');
}
