import type { BudgetBody, BudgetConfig } from '../config';
import { detectMany, type Change, type SeriesVerdict, type Sensitivity } from '../detect';
import type { RunRecord, SeriesInfo } from '../model';
import { median, scaledMad } from '../stats/summary';
import { budgetFor, evaluateBudget, forecastBudget } from './budget';
import { compareCurrent, type CurrentComparison } from './compare-current';
import type { Decisions } from './decisions';
import { budgetMessage, changeMessage } from './message';
import type { Analysis, Finding, FindingEvent, RunPoint, SeriesAnalysis, SeriesStatus } from './types';

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
  return { analysis: { series, findings, events: groupEvents(findings) }, cache: { inputs, selection, series: next }, stats };
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

  // Changes at or before an accepted record are the accepted new normal.
  const changes = verdict.changes.filter((c) => c.index > acceptedIndex);
  const last = changes[changes.length - 1];
  const levelStart = (k: number) => (k > 0 ? changes[k - 1].index : Math.max(0, acceptedIndex));
  const levelEnd = (k: number) => (k + 1 < changes.length ? changes[k + 1].index : n);

  let detectorFinding: Finding | undefined;
  if (last) {
    const k = changes.length - 1;
    const before = median(values.slice(levelStart(k), last.index));
    const after = median(values.slice(last.index, levelEnd(k)));
    detectorFinding = changeFinding(info, runs, last, before, after);
  }

  // CI: the current run against the runs before it (from the accepted baseline on).
  let comparison: CurrentComparison | undefined;
  let currentFinding: Finding | undefined;
  const current = options.currentRecordIds;
  if (current && latestRun && current.has(latestRun.id)) {
    const firstCurrent = runs.findIndex((r) => current.has(r.id));
    const baseFrom = Math.max(0, acceptedIndex, last && last.confirmed && last.index < firstCurrent ? last.index : 0);
    const baselineRuns = runs.slice(baseFrom, firstCurrent);
    if (baselineRuns.length > 0 && !(acceptedIndex >= n - 1)) {
      comparison = compareCurrent(baselineRuns, latestRun, {
        minEffect: MIN_EFFECT[sensitivity],
        noiseMultiple: NOISE_MULTIPLE[sensitivity],
      });
      if (comparison?.significant && !(detectorFinding && detectorFinding.firstBad.recordId === latestRun.id)) {
        const index = n - 1;
        const worsening = info.direction === 'smaller' ? comparison.ratio - 1 : 1 - comparison.ratio;
        const kind = worsening > 0 ? 'regression' : 'improvement';
        const change: Change = {
          index,
          lastGoodIndex: firstCurrent - 1,
          kind,
          ratio: comparison.ratio,
          ratioCi: comparison.ratioCi,
          pValue: comparison.pValue,
          severity: kind === 'regression' ? (worsening >= CRITICAL_WORSENING ? 'critical' : 'warning') : 'info',
          confirmed: false,
          effectInNoise: NaN,
        };
        currentFinding = changeFinding(info, runs, change, comparison.baselineMedian, comparison.currentMedian);
      }
    }
  }

  // Budgets.
  const budgetBody = budgetFor(info.name, input.budgets ?? [], input.benchmarkBudgets);
  const budget = budgetBody ? evaluateBudget(runs.slice(Math.max(0, acceptedIndex)), budgetBody, info.unit, info.direction) : undefined;
  const forecast = budget && !budget.breached ? forecastBudget(runs, budget, info.direction) : undefined;
  if (budget?.breached) {
    let first = n - 1;
    while (first > 0 && first - 1 > acceptedIndex && overLimit(runs[first - 1], budget.limit, budget.statistic, info.direction)) first--;
    if (first > acceptedIndex) {
      findings.push({
        id: `${info.seriesId}:${runs[first].id}:budget`,
        seriesId: info.seriesId,
        name: info.name,
        kind: 'budget',
        severity: budget.spent >= 1 ? 'critical' : 'warning',
        message: budgetMessage({ name: info.name, statistic: budget.statistic, unit: info.unit, direction: info.direction, current: budget.current, limit: budget.limit, overRuns: budget.overRuns, runsInWindow: budget.runsInWindow }),
        ...(first > 0 ? { lastGood: pointOf(runs[first - 1]) } : {}),
        firstBad: pointOf(runs[first]),
        unit: info.unit,
        ...(info.location ? { location: info.location } : {}),
      });
    }
  }
  for (const f of [detectorFinding, currentFinding]) {
    if (!f) continue;
    if (f.kind === 'regression' && budget && f.after !== undefined && overValue(f.after, budget.limit, info.direction)) f.severity = 'critical';
    findings.push(f);
  }

  // Where the series stands now.
  const from = last?.confirmed ? last.index : Math.max(0, acceptedIndex);
  const level = values.slice(from);
  const levelMedian = level.length ? median(level) : undefined;
  const noise = level.length >= 3 && levelMedian ? scaledMad(level, levelMedian) / Math.abs(levelMedian) : undefined;
  const activeChange = [currentFinding, detectorFinding].find((f) => f && f.kind === 'regression') ?? currentFinding ?? detectorFinding;
  let baseline: number | undefined;
  let changeVs: SeriesAnalysis['change'];
  if (activeChange?.change && activeChange.before !== undefined && activeChange.after !== undefined) {
    baseline = activeChange.before;
    changeVs = { ratio: activeChange.change.ratio, ci: activeChange.change.ratioCi, pValue: activeChange.change.pValue };
  } else if (comparison) {
    baseline = comparison.baselineMedian;
    changeVs = { ratio: comparison.ratio, ci: comparison.ratioCi, pValue: comparison.pValue };
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
  };
  return { analysis, findings };
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

/** Regressions and budget breaches that first appeared at the same commit are one event. */
export function groupEvents(findings: readonly Finding[]): FindingEvent[] {
  const events = new Map<string, FindingEvent>();
  for (const f of findings) {
    if (f.kind === 'improvement') continue;
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

/** Findings the editor shows: regressions and budget breaches (improvements stay in reports). */
export function editorFindings(analysis: Analysis): Finding[] {
  return analysis.findings.filter((f) => f.kind !== 'improvement');
}
