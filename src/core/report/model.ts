import type { MachineFingerprint, VcsInfo } from '../model';
import type { Analysis, Finding, SeriesAnalysis } from '../findings/types';
import { formatChange, formatValue } from '../format';
import { shareableMachine, shareablePath } from '../share/shareable';

/** "100% (used up)" beyond the whole error budget: the runs-over column carries the detail. */
export function spentText(percent: number): string {
  return percent >= 100 ? '100% (used up)' : `${percent}%`;
}
import { formatInterval, formatP, shortCommit } from '../findings/message';
import { failsUnder, notFailingBecause, type FailPolicy } from '../findings/verdicts';

/**
 * One report model, many renderings (Markdown, JSON, HTML, JUnit): every format says the same
 * thing because they all read this.
 */

export type Health = 'healthy' | 'warning' | 'critical';

export interface ReportContext {
  generatedAt: Date | number;
  /** Shown by its fingerprint (CPU model, cores, OS); the hostname only with `includeHostname`. */
  machine?: MachineFingerprint;
  vcs?: VcsInfo;
  baseBranch?: string;
  /** Reports are shared (CI artifacts, job summaries): the hostname is left out unless this is set. */
  includeHostname?: boolean;
  /** Absolute source paths inside this folder are shown relative to it; other absolute paths are left out. */
  workspaceDir?: string;
  /** The gate of the check this report is for; the default (`regression`) when absent. */
  failOn?: FailPolicy;
  /** The anatomy of the latest traced build of each build series (see core/trace/compare.ts). */
  builds?: BuildAnatomyRow[];
}

/** A traced build in the report: its latest figures and how it compares with the recent ones. */
export interface BuildAnatomyRow {
  name: string;
  wallSeconds: number;
  cpuSeconds: number;
  parallelEfficiency: number;
  criticalPath: string;
  phases: Array<{ name: string; seconds: number }>;
  /** e.g. "tsc +12.4 s (32.4 s, median 20.0 s)", "critical path moved from webpack to tsc". */
  comparison: string[];
}

export interface SeriesRow {
  id: string;
  name: string;
  current: string;
  baseline: string;
  change: string;
  interval: string;
  verdict: string;
  status: SeriesAnalysis['status'];
  runs: number;
  /** Does the series fail the check (a finding that fails under --fail-on)? */
  failing: boolean;
  /** Messages of the findings of this series that fail the check. */
  failures: string[];
  /** The decision layer's verdict: new, standing, environment, suspect, at-risk, unknown or fine. */
  decision?: string;
  /** Why, in words, with the runs it rests on. */
  reason?: string;
  /** The metric the verdict was made on, e.g. "time (each run's median)". */
  metric?: string;
}

export interface RegressionItem {
  name: string;
  severity: Finding['severity'];
  message: string;
  /** "a1b2c3d..e4f5a6b" when both commits are known. */
  commitRange?: string;
  confirmed: boolean;
  /** new, standing, environment or suspect (see the findings' Verdict). */
  status?: string;
  reason?: string;
  /** Does it fail the check? */
  failing?: boolean;
  /** Why it does not, when it does not. */
  notFailing?: string;
}

/** Series that moved together: the environment, reported once. */
export interface EnvironmentRow {
  commit?: string;
  cause: 'same-commit' | 'machine-wide';
  kind: 'regression' | 'improvement';
  series: string[];
  message: string;
}

/** Findings that are reported but neither fail nor are environment changes: suspects and at-risk budgets. */
export interface WatchItem {
  name: string;
  status: string;
  message: string;
  reason?: string;
}

export interface BudgetRow {
  name: string;
  statistic: string;
  current: string;
  limit: string;
  overRuns: number;
  runsInWindow: number;
  /** Share of the error budget used, as a percentage (100 = used up; may exceed 100). */
  spentPercent: number;
  breached: boolean;
  /** The finding's sentence when the budget is breached. */
  message?: string;
}

export interface ForecastRow {
  name: string;
  limit: string;
  runs: number;
  days?: number;
}

export interface BottleneckRow {
  name: string;
  kind: 'task' | 'test';
  value: string;
  /** Share of the total time of its kind, in percent. */
  sharePercent: number;
}

export interface NoisyRow {
  name: string;
  noisePercent: number;
  runs: number;
}

export interface Recommendation {
  series: string;
  text: string;
}

export interface ReportModel {
  title: string;
  /** Traced builds: wall and CPU time, parallel efficiency, critical path, phases, change against recent builds. */
  builds?: BuildAnatomyRow[];
  generatedAt: string;
  machine?: MachineFingerprint;
  vcs?: VcsInfo;
  baseBranch?: string;
  health: Health;
  summary: {
    series: number;
    regressions: number;
    budgets: number;
    improvements: number;
    events: number;
    /** Findings that fail the check under failOn. */
    failing?: number;
    /** Findings by status. */
    new?: number;
    standing?: number;
    environment?: number;
    suspect?: number;
    atRisk?: number;
    /** Series whose verdict is unknown (too few runs, or noise larger than the effect). */
    unknown?: number;
  };
  /** The gate the report was made for, e.g. "regression" or "regression,standing". */
  failOn?: string;
  series: SeriesRow[];
  /** Environment changes: series that moved together, never called code regressions. */
  environment?: EnvironmentRow[];
  /** Suspects and at-risk budgets: reported, not failing. */
  watch?: WatchItem[];
  regressions: RegressionItem[];
  improvements: string[];
  budgets: BudgetRow[];
  forecasts: ForecastRow[];
  bottlenecks: { slowest: BottleneckRow[]; noisiest: NoisyRow[] };
  recommendations: Recommendation[];
  /** The analysis's findings, for machine readers (JSON). */
  findings: Finding[];
}

/** Relative noise above which a series gets advice on measuring more quietly. */
export const NOISY_THRESHOLD = 0.05;
/** A test whose share of the total test time grew by this many points (and is at least MIN_SHARE) gets split advice. */
const SHARE_GROWTH = 0.05;
const MIN_SHARE = 0.1;
const TOP = 5;

function verdictOf(s: SeriesAnalysis): string {
  switch (s.status) {
    case 'regressed':
      return 'regressed';
    case 'improved':
      return 'improved';
    case 'over-budget':
      return 'over budget';
    case 'noisy':
      return 'noisy';
    case 'insufficient-data':
      return `too few runs (${s.runs})`;
    default:
      return 'no change';
  }
}

function kindOf(s: SeriesAnalysis): 'task' | 'test' | undefined {
  if (s.unit !== 's') return undefined;
  if (s.source === 'report') return 'test';
  if (s.source === 'task' || s.source === 'terminal') return /test/i.test(s.group ?? '') ? 'test' : 'task';
  return undefined;
}

/** The verdict column: the old words for series that are fine, the decision otherwise. */
function decisionText(s: SeriesAnalysis): string {
  const kind = s.verdict?.kind;
  switch (kind) {
    case 'new':
    case 'standing':
      return `${s.status === 'over-budget' ? 'over budget' : s.status === 'regressed' ? 'regressed' : verdictOf(s)} (${kind})`;
    case 'environment':
      return 'environment change';
    case 'suspect':
      return 'suspect';
    case 'at-risk':
      return 'at risk';
    case 'unknown':
      return 'unknown';
  }
  return verdictOf(s);
}

export function buildReport(analysis: Analysis, context: ReportContext): ReportModel {
  const policy: FailPolicy = context.failOn ?? { level: 'regression', standing: false };
  const active = analysis.findings.filter((f) => f.kind !== 'improvement');
  const ignoredSeries = new Set(analysis.series.filter((s) => s.ignored).map((s) => s.id));
  const failingFindings = active.filter((f) => !ignoredSeries.has(f.seriesId) && failsUnder(f, policy));
  const bySeries = new Map<string, Finding[]>();
  for (const f of failingFindings) bySeries.set(f.seriesId, [...(bySeries.get(f.seriesId) ?? []), f]);

  const series: SeriesRow[] = analysis.series.map((s) => {
    const failures = (bySeries.get(s.id) ?? []).map((f) => f.message);
    return {
      id: s.id,
      name: s.name,
      current: s.latest ? formatValue(s.latest.value, s.unit) : '–',
      baseline: s.baseline !== undefined ? formatValue(s.baseline, s.unit) : '–',
      change: s.change ? formatChange(s.change.ratio) : '–',
      interval: s.change?.ci ? formatInterval(s.change.ci) : '–',
      verdict: s.ignored ? `${decisionText(s)} (ignored)` : decisionText(s),
      status: s.status,
      runs: s.runs,
      failing: failures.length > 0,
      failures,
      ...(s.verdict ? { decision: s.verdict.kind, reason: s.verdict.reason, metric: s.verdict.metric } : {}),
    };
  });

  const regressions: RegressionItem[] = analysis.findings
    .filter((f) => f.kind === 'regression' && f.status !== 'environment')
    .map((f) => {
      const from = shortCommit(f.lastGood?.commit);
      const to = shortCommit(f.firstBad.commit);
      return {
        name: f.name,
        severity: f.severity,
        message: f.message,
        ...(from && to ? { commitRange: `${from}..${to}` } : to ? { commitRange: to } : {}),
        confirmed: f.change?.confirmed ?? false,
        ...(f.status ? { status: f.status } : {}),
        ...(f.reason ? { reason: f.reason } : {}),
        failing: failsUnder(f, policy),
        ...(notFailingBecause(f, policy) ? { notFailing: notFailingBecause(f, policy) } : {}),
      };
    });
  const environment: EnvironmentRow[] = (analysis.environment ?? []).map((e) => ({
    ...(e.commit ? { commit: e.commit } : {}),
    cause: e.cause,
    kind: e.kind,
    series: e.series.map((x) => x.name),
    message: e.message,
  }));
  const watch: WatchItem[] = active
    .filter((f) => f.status === 'at-risk' || (f.status === 'suspect' && f.kind === 'budget'))
    .map((f) => ({ name: f.name, status: f.status!, message: f.message, ...(f.reason ? { reason: f.reason } : {}) }));
  const count = (status: string) => (status === 'environment' ? analysis.findings : active).filter((f) => (f.status ?? 'new') === status).length;

  const budgetMessages = new Map(active.filter((f) => f.kind === 'budget' && f.status !== 'at-risk').map((f) => [f.seriesId, f.message]));
  const budgets: BudgetRow[] = analysis.series
    .filter((s) => s.budget)
    .map((s) => ({
      name: s.name,
      statistic: s.budget!.statistic,
      current: formatValue(s.budget!.current, s.unit),
      limit: formatValue(s.budget!.limit, s.unit),
      overRuns: s.budget!.overRuns,
      runsInWindow: s.budget!.runsInWindow,
      spentPercent: Number.isFinite(s.budget!.spent) ? Math.round(s.budget!.spent * 100) : 100,
      breached: s.budget!.breached,
      ...(budgetMessages.get(s.id) ? { message: budgetMessages.get(s.id) } : {}),
    }));

  const forecasts: ForecastRow[] = analysis.series
    .filter((s) => s.forecast && s.budget)
    .map((s) => ({
      name: s.name,
      limit: formatValue(s.budget!.limit, s.unit),
      runs: s.forecast!.runs,
      ...(s.forecast!.days !== undefined ? { days: s.forecast!.days } : {}),
    }))
    .sort((a, b) => a.runs - b.runs);

  const slowest: BottleneckRow[] = [];
  const totals = { task: 0, test: 0 };
  for (const s of analysis.series) {
    const kind = kindOf(s);
    if (kind && s.latest) totals[kind] += s.latest.value;
  }
  for (const s of analysis.series) {
    const kind = kindOf(s);
    if (!kind || !s.latest || !(totals[kind] > 0)) continue;
    slowest.push({ name: s.name, kind, value: formatValue(s.latest.value, s.unit), sharePercent: Math.round((s.latest.value / totals[kind]) * 1000) / 10 });
  }
  slowest.sort((a, b) => b.sharePercent - a.sharePercent);
  const topSlowest = [...slowest.filter((r) => r.kind === 'task').slice(0, TOP), ...slowest.filter((r) => r.kind === 'test').slice(0, TOP)];

  const noisiest: NoisyRow[] = analysis.series
    .filter((s) => s.noise !== undefined && s.runs >= 3)
    .map((s) => ({ name: s.name, noisePercent: Math.round(s.noise! * 1000) / 10, runs: s.runs }))
    .sort((a, b) => b.noisePercent - a.noisePercent)
    .slice(0, TOP);

  const improvements = analysis.findings.filter((f) => f.kind === 'improvement' && f.status !== 'environment').map((f) => f.message);
  // Health: code findings (new or standing) decide it; suspects and at-risk budgets warn; environment changes do not.
  const code = active.filter((f) => f.status === undefined || f.status === 'new' || f.status === 'standing');
  const health: Health = code.some((f) => f.severity === 'critical') ? 'critical' : code.length || active.some((f) => f.status === 'suspect' || f.status === 'at-risk') ? 'warning' : 'healthy';
  return {
    title: 'Perf Pulse report',
    generatedAt: new Date(context.generatedAt).toISOString(),
    ...(context.machine ? { machine: shareableMachine(context.machine, { includeHostname: context.includeHostname }) } : {}),
    ...(context.vcs ? { vcs: context.vcs } : {}),
    ...(context.baseBranch ? { baseBranch: context.baseBranch } : {}),
    health,
    summary: {
      series: analysis.series.length,
      regressions: code.filter((f) => f.kind === 'regression').length,
      budgets: code.filter((f) => f.kind === 'budget').length,
      improvements: improvements.length,
      events: analysis.events.length,
      failing: failingFindings.length,
      new: count('new'),
      standing: count('standing'),
      environment: count('environment'),
      suspect: count('suspect'),
      atRisk: count('at-risk'),
      unknown: analysis.series.filter((s) => s.verdict?.kind === 'unknown' && !s.ignored).length,
    },
    ...(context.failOn ? { failOn: `${policy.level}${policy.standing ? ',standing' : ''}` } : {}),
    ...(context.builds?.length ? { builds: context.builds } : {}),
    series,
    environment,
    watch,
    regressions,
    improvements,
    budgets,
    forecasts,
    bottlenecks: { slowest: topSlowest, noisiest },
    recommendations: recommend(analysis),
    findings: analysis.findings.map((f) => withShareableLocation(f, context.workspaceDir)),
  };
}

/** A finding as a report may show it: its source file only as a workspace-relative path (see share/shareable.ts). */
function withShareableLocation(finding: Finding, workspaceDir: string | undefined): Finding {
  if (!finding.location) return finding;
  const { location, ...rest } = finding;
  const file = shareablePath(location.file, workspaceDir);
  return file === undefined ? rest : { ...rest, location: { file, ...(location.line !== undefined ? { line: location.line } : {}) } };
}

/** Advice that follows from the data, and only advice that does; none when nothing applies. */
export function recommend(analysis: Analysis): Recommendation[] {
  const out: Recommendation[] = [];
  for (const s of analysis.series) {
    if (s.ignored || s.noise === undefined || s.noise <= NOISY_THRESHOLD || s.runs < 5) continue;
    const ways = [`run it more times per measurement (currently ${s.latestSamples})`];
    if (s.ranThroughShell) ways.push('run the command without a shell (`"shell": false`)');
    if (s.loadAverage !== undefined && s.cores && s.loadAverage > s.cores * 0.7) {
      ways.push(`use a quieter machine (load average was ${s.loadAverage.toFixed(1)} on ${s.cores} cores)`);
    }
    out.push({ series: s.name, text: `${s.name} varies by ${(s.noise * 100).toFixed(1)}% between runs: ${ways.join('; ')}.` });
  }
  const tests = analysis.series.filter((s) => kindOf(s) === 'test' && s.latest && s.firstLevel !== undefined && !s.ignored);
  const firstTotal = tests.reduce((a, s) => a + s.firstLevel!, 0);
  const lastTotal = tests.reduce((a, s) => a + s.latest!.value, 0);
  if (tests.length >= 2 && firstTotal > 0 && lastTotal > 0) {
    for (const s of tests) {
      const before = s.firstLevel! / firstTotal;
      const now = s.latest!.value / lastTotal;
      if (now - before >= SHARE_GROWTH && now >= MIN_SHARE) {
        out.push({
          series: s.name,
          text: `${s.name} takes a growing share of the test time (${(before * 100).toFixed(0)}% → ${(now * 100).toFixed(0)}%): split it or run it in parallel.`,
        });
      }
    }
  }
  return out;
}

export function pText(p: number | undefined): string {
  return p === undefined ? '' : formatP(p);
}
