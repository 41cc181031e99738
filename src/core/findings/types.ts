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
  breached: boolean;
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
}

export type FindingKind = 'regression' | 'improvement' | 'budget';

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
}
