import type { Change } from '../detect';
import type { Direction, RecordSource, SourceLocation, Unit } from '../model';

/** The shapes the analysis of a history produces; the editor, the CLI and reports all read these. */

export type SeriesStatus = 'regressed' | 'improved' | 'stable' | 'noisy' | 'over-budget' | 'insufficient-data';

export interface RunPoint {
  recordId: string;
  commit?: string;
  branch?: string;
  timestamp: number;
  value: number;
}

export interface BudgetEvaluation {
  /** The limit in the series' unit. */
  limit: number;
  statistic: string;
  /** The latest run's statistic. */
  current: number;
  window: number;
  allowedShare: number;
  /** Runs in the window whose statistic was over the limit. */
  overRuns: number;
  runsInWindow: number;
  /** overRuns / runsInWindow / allowedShare: 1 means the error budget is used up. */
  spent: number;
  /** Over the limit on evidence: the latest run over, the error budget spent, and either enough runs or the level's interval over (see budget.ts). */
  breached: boolean;
  /** The latest run is over (or within 5% of) the limit without the evidence of a breach. Absent in analyses from older versions. */
  atRisk?: boolean;
  /** 95% interval of the level of the window's runs (Student t on logs; 3 runs or more). */
  interval?: [number, number];
  /** What the budget's state rests on. */
  evidence?: 'runs' | 'interval' | 'too-few-runs' | 'near' | 'within';
}

export interface Forecast {
  /** Runs until the trend crosses the budget at the current pace. */
  runs: number;
  /** Days until then, from the average spacing of runs, when the spacing is known. */
  days?: number;
  /** Worsening per run, in the series' unit. */
  slopePerRun: number;
}

export interface ChangeVsBaseline {
  /** latest / baseline. */
  ratio: number;
  ci?: [number, number];
  pValue?: number;
}

export interface SeriesAnalysis {
  id: string;
  name: string;
  metric: string;
  unit: Unit;
  direction: Direction;
  source: RecordSource;
  group?: string;
  location?: SourceLocation;
  runs: number;
  latest?: RunPoint;
  /** Samples behind the latest value (1 when the run had none). */
  latestSamples: number;
  /** Median of the first runs of the series (up to a third of them): where a share of the total started. */
  firstLevel?: number;
  /** The level the latest run is judged against (see analyze.ts). */
  baseline?: number;
  change?: ChangeVsBaseline;
  status: SeriesStatus;
  /** Relative scaled MAD of the runs at the current level. */
  noise?: number;
  changes: Change[];
  budget?: BudgetEvaluation;
  forecast?: Forecast;
  accepted?: { recordId: string; at: number };
  ignored: boolean;
  /** Facts for recommendations: did the latest run go through a shell, was the machine busy. */
  ranThroughShell?: boolean;
  loadAverage?: number;
  cores?: number;
  /** The machine the series was measured on (series are per machine). */
  machineId?: string;
  /** Where each detected change lies, for grouping changes across series (commit and time of its first run). */
  changePoints?: ChangePoint[];
  /** What the decision layer says about the series: one of new, standing, environment, suspect, at risk, unknown, fine. */
  verdict?: Verdict;
}

export interface ChangePoint {
  index: number;
  kind: 'regression' | 'improvement';
  ratio: number;
  commit?: string;
  timestamp: number;
  confirmed: boolean;
}

/**
 * The decision about one series, shared by `check`, the reports, the editor and the trends panel:
 * - `new`: a regression (or budget breach) that appeared in the checked run or commit: fails the check;
 * - `standing`: one already present in earlier runs: reported, fails only when --fail-on asks (`standing`);
 * - `environment`: a shift between runs of the same commit, or one most series of the machine made at once: never a code regression;
 * - `suspect`: a change the detector has seen in too few runs to confirm (a spike and a step look alike);
 * - `at-risk`: a budget the latest run is over (or near) without the evidence of a breach;
 * - `unknown`: too little evidence to say (too few runs, or run-to-run noise larger than the effect);
 * - `fine`: none of these.
 */
export type VerdictKind = 'new' | 'standing' | 'environment' | 'suspect' | 'at-risk' | 'unknown' | 'fine';

export interface Verdict {
  kind: VerdictKind;
  /** In words, with the evidence: "since a1b2c3d, 41 days, 63 runs"; "unknown: run-to-run noise is 13%, …". */
  reason: string;
  /** The metric the verdict was made on, e.g. "time (median of each run)". */
  metric: string;
  /** Earlier runs the verdict rests on, when it compared with them. */
  baselineRuns?: number;
  /** Relative run-to-run noise used, when known. */
  runNoise?: number;
  /** For unknown: more runs that would settle it. */
  needRuns?: number;
  /** The findings of the series the verdict is about. */
  findingIds: string[];
}

/** Findings that moved together on one machine at one commit, or between runs of one commit: the environment, not the code. */
export interface EnvironmentChange {
  key: string;
  machineId?: string;
  commit?: string;
  timestamp: number;
  /** 'same-commit': runs of one commit disagree; 'machine-wide': most series of the machine moved the same way at once. */
  cause: 'same-commit' | 'machine-wide';
  /** Which way the series moved. */
  kind: 'regression' | 'improvement';
  series: { seriesId: string; name: string; ratio: number }[];
  findingIds: string[];
  /** Series of the machine measured at that time (the denominator of "most"). */
  seriesOfMachine: number;
  message: string;
}

export type FindingKind = 'regression' | 'improvement' | 'budget';

/** Where a finding stands (see Verdict); absent in analyses from older versions, which read as `new`. */
export type FindingStatus = 'new' | 'standing' | 'environment' | 'suspect' | 'at-risk';

export interface Finding {
  /** Stable: seriesId + first bad record id + kind. */
  id: string;
  seriesId: string;
  name: string;
  kind: FindingKind;
  severity: 'critical' | 'warning' | 'info';
  message: string;
  lastGood?: RunPoint;
  firstBad: RunPoint;
  change?: Change;
  /** Old and new level of a regression or improvement. */
  before?: number;
  after?: number;
  unit: Unit;
  location?: SourceLocation;
  status?: FindingStatus;
  /** Why the finding has its status, in words (runs, days, the series that moved with it). */
  reason?: string;
  /** The metric it was judged on. */
  metric?: string;
}

/** Findings that appeared at the same commit (or the same run when there is no commit): one event. */
export interface FindingEvent {
  key: string;
  commit?: string;
  timestamp: number;
  findingIds: string[];
}

export interface Analysis {
  series: SeriesAnalysis[];
  /** Active findings, most severe first. Improvements are info-level. */
  findings: Finding[];
  events: FindingEvent[];
  /** Environment changes: series that moved together (reported once, never as code regressions). */
  environment?: EnvironmentChange[];
}
