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

export async function analyzeHistory(input: AnalyzeInput): Promise<Analysis> {
  const options = input.options ?? {};
  const sensitivity = options.sensitivity ?? 'default';
  const decisions = input.decisions;
  const loaded: Loaded[] = [];
  for (const info of input.series) {
    const runs = selectRuns(await input.load(info.seriesId), options);
    const accepted = decisions?.accepted.find((a) => a.seriesId === info.seriesId);
    const acceptedIndex = accepted ? runs.findIndex((r) => r.id === accepted.recordId) : -1;
    loaded.push({ info, runs, acceptedIndex });
  }
  const verdicts = detectMany(
    loaded.map((l) => ({ id: l.info.seriesId, direction: l.info.direction, values: l.runs.map((r) => r.value) })),
    { sensitivity },
  );
  const series: SeriesAnalysis[] = [];
  const findings: Finding[] = [];
  loaded.forEach((l, i) => {
    const result = analyzeSeries(l, verdicts[i], input, options, sensitivity);
    series.push(result.analysis);
    if (!result.analysis.ignored) findings.push(...result.findings);
  });
  findings.sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      Number(a.kind === 'improvement') - Number(b.kind === 'improvement') ||
      a.name.localeCompare(b.name),
  );
  return { series, findings, events: groupEvents(findings) };
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
