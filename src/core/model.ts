/**
 * The shared vocabulary of Perf Pulse. Every layer (core, extension, webview,
 * CLI) speaks in these types; nothing here may import `vscode`.
 */

/** Which way is better for a metric. Times are smaller-is-better, throughput bigger-is-better. */
export type Direction = 'smaller' | 'bigger';

/**
 * Normalised units. Times are always stored in seconds, sizes in bytes and
 * rates in per-second, so that series from different harnesses compare.
 * Anything else keeps the harness's own unit string.
 */
export type Unit = 's' | 'B' | 'ops/s' | 'B/s' | 'count' | string;

/** What a harness's reported spread means, so we never mix a stddev with a 99.9% interval. */
export type SpreadKind =
  | 'stddev'        // one standard deviation (Google Benchmark, pytest-benchmark, hyperfine)
  | 'range'         // +/- half the min..max range (libtest "+/- N")
  | 'margin95'      // 95% margin of error (benchmark.js, tinybench/vitest "rme")
  | 'ci99.9'        // 99.9% confidence half-width (JMH, BenchmarkDotNet)
  | 'interval95'    // 95% confidence half-width (criterion)
  | 'mad';          // scaled median absolute deviation (our own runner)

export interface Spread {
  kind: SpreadKind;
  /** Half-width in the measurement's unit. */
  value: number;
}

/** Where a series is defined in the source, when known. Paths are workspace-relative. */
export interface SourceLocation {
  file: string;
  /** 1-based line. */
  line?: number;
}

/** One number (or sample set) read from a harness output, a test report or our own runner. */
export interface Measurement {
  /** Series name as the harness names it; non-primary metrics get a suffix, e.g. `BenchmarkFib-8 (B/op)`. */
  series: string;
  /** Metric name: `time` for the primary timing, else e.g. `B/op`, `allocs/op`, `throughput`, `peak-rss`. */
  metric?: string;
  unit: Unit;
  direction: Direction;
  /** The centre: median when samples exist, else what the harness reports as its estimate. */
  value: number;
  /** Raw per-iteration or per-run samples, in `unit`, when the format has them. */
  samples?: number[];
  spread?: Spread;
  /** Iterations behind one value (Go's N, libtest's iterations), when reported. */
  iterations?: number;
  /** Where the benchmark or test is defined, if the format says. */
  location?: SourceLocation;
  /** Suite / group / class that the series belongs to, when the format has one. */
  group?: string;
  /**
   * A grouping that keeps otherwise identical series apart and is part of the series' identity
   * (github-action-benchmark's suite, often one per machine). Unset for formats whose group only
   * labels a series (series recorded before kept their ids).
   */
  suite?: string;
  /**
   * Facts about how the harness ran that are not part of the series' identity, e.g. Go's
   * `gomaxprocs` (the `-N` suffix of a benchmark name), so that machines with different core
   * counts share a series. Recorded in the run record's `extra`.
   */
  tags?: Record<string, string>;
}

/** The parsers' result: one file, one format, many measurements. */
export interface ParseResult {
  format: string;
  measurements: Measurement[];
  /** Entries read but left out (a value that is not a number, a negative duration), one line each naming the entry. */
  warnings?: string[];
}

/** Where a recorded run came from. */
export type RecordSource = 'benchmark' | 'task' | 'terminal' | 'report' | 'import';

/** The machine a run happened on; series are kept apart per machine. */
export interface MachineFingerprint {
  /** Short stable id derived from the fields below. */
  id: string;
  cpuModel: string;
  cores: number;
  os: string;
  arch: string;
  runtimes: Record<string, string>;
  hostname?: string;
}

/** Version-control facts at the time of a run. */
export interface VcsInfo {
  commit?: string;
  branch?: string;
  dirty?: boolean;
}

/** Summary of a run's samples (see core/stats). */
export interface RunSummary {
  n: number;
  median: number;
  mean: number;
  min: number;
  max: number;
  /** Scaled MAD (1.4826 * MAD): a robust standard deviation. */
  mad: number;
  p90: number;
  p95: number;
  p99: number;
  /** Seeded bootstrap 95% interval of the median. */
  medianCi?: [number, number];
  outliers: number;
}

/**
 * One recorded run of one series: the unit of the history store.
 * A series is identified by `seriesId` = stable hash of (name, metric, machine id).
 */
export interface RunRecord {
  /** Record format version; older versions are migrated when read. */
  v: 1;
  /** Unique id of this record (random, for de-duplication across sync and import). */
  id: string;
  seriesId: string;
  /** Human name of the series (benchmark name, task label, test name, command line). */
  name: string;
  metric: string;
  unit: Unit;
  direction: Direction;
  /** The run's centre (median of samples when present). */
  value: number;
  samples?: number[];
  summary?: RunSummary;
  spread?: Spread;
  /** Milliseconds since the epoch. */
  timestamp: number;
  vcs: VcsInfo;
  machine: MachineFingerprint;
  source: RecordSource;
  /** Group within the source: the suite of a test, the task group (build/test), the harness format. */
  group?: string;
  location?: SourceLocation;
  /** The configuration that produced the run (benchmark entry, task definition, command line). */
  config?: Record<string, unknown>;
  /** Extra per-run facts: user/system CPU, peak memory, failed runs, outliers, exit code. */
  extra?: Record<string, number | string | boolean>;
}

/** What the store lists about a series without loading its runs. */
export interface SeriesInfo {
  seriesId: string;
  name: string;
  metric: string;
  unit: Unit;
  direction: Direction;
  source: RecordSource;
  group?: string;
  machineId: string;
  runs: number;
  firstTimestamp: number;
  lastTimestamp: number;
  lastValue: number;
  location?: SourceLocation;
}
