/**
 * The trends panel's vocabulary, shared by the extension host (which owns the data)
 * and the webview app (which draws it). Type-only: no runtime imports, so both the
 * Node bundle and the browser bundle can include it without dragging anything in.
 */

import type { ProfileReply } from './profile';

/** What the overview says about a series, in the order findings are sorted (worst first). */
export type SeriesStatus =
  | 'regressed'
  | 'over-budget'
  | 'suspect'
  | 'noisy'
  | 'improved'
  | 'stable'
  | 'insufficient-data';

/** Where a series comes from; the overview groups by it. */
export type SeriesSourceKind = 'benchmark' | 'task' | 'test' | 'terminal' | 'import';

/** One row of the overview: enough to draw a sparkline and rank the series, not its history. */
export interface SeriesOverview {
  id: string;
  name: string;
  /** `time`, `B/op`, ... */
  metric: string;
  unit: string;
  direction: 'smaller' | 'bigger';
  source: SeriesSourceKind;
  /** Suite, task group or harness, shown under the name. */
  group?: string;
  status: SeriesStatus;
  /** Up to 64 values, oldest first (see `downsampleForSparkline`). */
  sparkline: number[];
  latest: number;
  /** latest / baseline median, e.g. 1.12 for 12% more; undefined when there is no baseline yet. */
  changeRatio?: number;
  runs: number;
  /** Milliseconds since the epoch of the newest run. */
  lastTimestamp: number;
  machineId?: string;
  /** Short human explanation of the status, e.g. "+12% at a1b2c3d (p = 0.001)". */
  statusNote?: string;
}

/** Percentiles of a run's raw samples, present only when the run kept them. */
export interface RunPercentiles {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

/** One recorded run as the detail chart draws it. */
export interface RunPoint {
  /** Record id, stable across reloads: the key for live updates and selection. */
  id: string;
  /** The run's centre (median of its samples when it has samples). */
  value: number;
  /** Spread of the samples (e.g. min..max or an interval) when known. */
  lo?: number;
  hi?: number;
  timestamp: number;
  commit?: string;
  message?: string;
  branch?: string;
  machine?: string;
  percentiles?: RunPercentiles;
  /** Number of samples behind `value`. */
  n?: number;
}

export interface ChangePointMark {
  /** Index into `SeriesDetail.runs` of the first run after the change. */
  index: number;
  kind: 'regression' | 'improvement';
  /** New level / old level. */
  ratio: number;
  ratioCi?: [number, number];
  pValue?: number;
  severity?: 'critical' | 'warning' | 'info';
  /** True while too few runs follow the change to confirm it. */
  provisional?: boolean;
}

export interface BaselineBand {
  /** Run indices (inclusive) the baseline was computed over. */
  from: number;
  to: number;
  median: number;
  lo: number;
  hi: number;
}

export interface BudgetLine {
  /** The statistic the budget limits, e.g. `median` or `p95`. */
  statistic: string;
  max: number;
  /** Share of recent runs over budget, 0..1, when measured repeatedly. */
  spent?: number;
  /** Runs of the window over the limit, and the runs in the window. */
  overRuns?: number;
  runsInWindow?: number;
  /** Share of runs the error budget allows over the limit (0.05 = 5%). */
  allowedShare?: number;
}

export interface ForecastBand {
  /** Predicted values for the runs after the last one (index runs.length + i). */
  values: number[];
  lo: number[];
  hi: number[];
  /** e.g. "passes its 60 s budget in about 14 runs". */
  note?: string;
}

export interface SeriesDetail {
  series: SeriesOverview;
  runs: RunPoint[];
  changePoints: ChangePointMark[];
  baseline?: BaselineBand;
  budget?: BudgetLine;
  forecast?: ForecastBand;
}

/**
 * `RunPoint[]` as parallel arrays, which is how the host posts a series to the webview
 * (see `packDetail` / `unpackDetail` in `trends-packing.ts`). 10,000 runs as objects are
 * ~2.9 MB of JSON the webview must parse into 10,000 objects before the first paint; as
 * typed arrays (which VS Code passes to webviews as binary buffers) the numbers cost a
 * copy, and repeated branch and machine names are sent once.
 */
export interface PackedRuns {
  count: number;
  id: string[];
  value: Float64Array;
  /** NaN where the run has no spread / no sample count / no percentiles. */
  lo: Float64Array;
  hi: Float64Array;
  n: Float64Array;
  timestamp: Float64Array;
  /** Null where unknown. */
  commit: (string | null)[];
  message: (string | null)[];
  /** Index into `names`, -1 where unknown. */
  branch: Int32Array;
  machine: Int32Array;
  names: string[];
  /** Present when any run kept its samples. */
  percentiles?: { p50: Float64Array; p90: Float64Array; p95: Float64Array; p99: Float64Array };
}

/** `SeriesDetail` with its runs packed, as posted to the webview. */
export interface PackedSeriesDetail extends Omit<SeriesDetail, 'runs'> {
  packedRuns: PackedRuns;
}

/** Either side of a comparison: one run, a commit or a branch (its latest runs pooled). */
export interface CompareSide {
  kind: 'run' | 'commit' | 'branch';
  /** Run id, commit hash or branch name. */
  ref: string;
}

export interface CompareRequest {
  seriesId: string;
  a: CompareSide;
  b: CompareSide;
}

export interface CompareResult {
  request: CompareRequest;
  unit: string;
  direction: 'smaller' | 'bigger';
  labelA: string;
  labelB: string;
  samplesA: number[];
  samplesB: number[];
  verdict: 'faster' | 'slower' | 'same' | 'unknown';
  /** median(B) / median(A). */
  ratio: number;
  ratioCi: [number, number];
  pValue: number;
  message: string;
}

/** Which screen the panel shows. */
export type TrendsView = 'overview' | 'findings' | 'detail' | 'compare';

export type SortKey = 'status' | 'name' | 'change' | 'latest' | 'runs' | 'recent';

/** Everything the panel must remember across a reload (kept by the webview's setState and the serializer). */
export interface TrendsViewState {
  view: TrendsView;
  seriesId?: string;
  search: string;
  sort: SortKey;
  sortDescending: boolean;
  /** Statuses shown; empty means all. */
  statuses: SeriesStatus[];
  xMode: 'run' | 'time';
  yScale: 'linear' | 'log';
  detailTab: 'runs' | 'percentiles';
  /** Zoomed x-domain of the detail chart, in run index or epoch ms per `xMode`. */
  zoom?: [number, number];
  compare?: CompareRequest;
}

export const DEFAULT_VIEW_STATE: TrendsViewState = {
  view: 'overview',
  search: '',
  sort: 'status',
  sortDescending: false,
  statuses: [],
  xMode: 'run',
  yScale: 'linear',
  detailTab: 'runs',
};

/** Host → webview. */
export type HostMessage =
  | { type: 'init'; state: TrendsViewState; theme?: 'light' | 'dark' | 'high-contrast' }
  | { type: 'overview'; series: SeriesOverview[]; generatedAt: number }
  | { type: 'detail'; detail: SeriesDetail | PackedSeriesDetail }
  | { type: 'compare'; result: CompareResult }
  | { type: 'navigate'; view: TrendsView; seriesId?: string; /** Open the series' profile section. */ profile?: boolean }
  | { type: 'profile'; reply: ProfileReply }
  | { type: 'error'; message: string; requestType?: string }
  | { type: 'exported'; path: string };

/** Webview → host. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'rendered'; view: TrendsView; at: number }
  | { type: 'requestOverview' }
  | { type: 'requestDetail'; seriesId: string }
  | { type: 'requestProfile'; seriesId: string }
  | { type: 'requestCompare'; request: CompareRequest }
  | { type: 'stateChanged'; state: TrendsViewState }
  | { type: 'openCommit'; commit: string }
  | { type: 'copy'; text: string }
  | { type: 'export'; format: 'svg' | 'png' | 'csv'; fileName: string; /** Text for svg/csv, base64 for png. */ data: string };

/** Every `type` either side may send, for validating what arrives. */
export const WEBVIEW_MESSAGE_TYPES: readonly WebviewMessage['type'][] = [
  'ready', 'rendered', 'requestOverview', 'requestDetail', 'requestProfile', 'requestCompare', 'stateChanged', 'openCommit', 'copy', 'export',
];
