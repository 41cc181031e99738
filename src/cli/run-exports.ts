import { durationScale } from '../core/format';
import type { BenchmarkResult } from '../core/runner';
import { printable } from './problems';

/**
 * What `perf-pulse run` writes for `--export-json` and `--export-markdown`, and its closing
 * "ran N ± d times faster than" lines: the shapes and the arithmetic of hyperfine, so that
 * files and habits carry over. The statistics here are hyperfine's (mean and sample standard
 * deviation); the table on the terminal keeps the median ± MAD.
 */

export interface MeanAndDeviation {
  mean: number;
  /** Sample standard deviation (n - 1); undefined with fewer than two runs. */
  stddev?: number;
}

export function meanAndDeviation(values: readonly number[]): MeanAndDeviation {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return { mean, stddev: Math.sqrt(variance) };
}

export interface RelativeSpeed {
  name: string;
  /** This result's mean over the fastest one's (1 for the fastest). */
  ratio: number;
  /** The ratio's standard deviation, propagated from both means' deviations (as hyperfine does). */
  stddev?: number;
  fastest: boolean;
}

/**
 * Each result against the one with the smallest mean. The error of a ratio of two independent
 * means: ratio × √((σa/a)² + (σb/b)²) (hyperfine's relative_speed.rs, covariance taken as 0).
 */
export function relativeSpeeds(results: readonly BenchmarkResult[]): RelativeSpeed[] {
  const stats = results.map((r) => meanAndDeviation(r.samples));
  let best = 0;
  stats.forEach((s, i) => {
    if (s.mean < stats[best].mean) best = i;
  });
  const fastest = stats[best];
  return results.map((r, i) => {
    const s = stats[i];
    const ratio = s.mean / fastest.mean;
    const stddev = s.stddev !== undefined && fastest.stddev !== undefined ? ratio * Math.sqrt((s.stddev / s.mean) ** 2 + (fastest.stddev / fastest.mean) ** 2) : undefined;
    return { name: r.name, ratio, ...(stddev !== undefined && Number.isFinite(stddev) ? { stddev } : {}), fastest: i === best };
  });
}

/** `'cmd a' ran 1.42 ± 0.03 times faster than 'cmd b'`, one line per slower command. */
export function relativeSummaryLines(results: readonly BenchmarkResult[], emphasise: (text: string) => string = (t) => t): string[] {
  if (results.length < 2) return [];
  const speeds = relativeSpeeds(results);
  const fastest = speeds.find((s) => s.fastest)!;
  return speeds
    .filter((s) => !s.fastest)
    .sort((a, b) => a.ratio - b.ratio)
    .map((s) => `${quote(fastest.name)} ran ${emphasise(ratioText(s))} times faster than ${quote(s.name)}`);
}

function ratioText(s: RelativeSpeed): string {
  return s.stddev === undefined ? s.ratio.toFixed(2) : `${s.ratio.toFixed(2)} ± ${s.stddev.toFixed(2)}`;
}

function quote(name: string): string {
  return `'${printable(name)}'`;
}

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined);

/** hyperfine's `--export-json`: `{ "results": [ { command, mean, stddev, median, user, system, min, max, times, exit_codes } ] }`, times in seconds. */
export function hyperfineJson(results: readonly BenchmarkResult[]): string {
  return (
    JSON.stringify(
      {
        results: results.map((r) => {
          const ok = r.runs.filter((run) => !run.failed);
          const { mean: m, stddev } = meanAndDeviation(r.samples);
          return {
            command: r.name,
            mean: m,
            stddev: stddev ?? null,
            median: r.summary.median,
            user: mean(ok.flatMap((run) => (run.user === undefined ? [] : [run.user]))) ?? null,
            system: mean(ok.flatMap((run) => (run.system === undefined ? [] : [run.system]))) ?? null,
            min: r.summary.min,
            max: r.summary.max,
            times: r.samples,
            exit_codes: ok.map((run) => run.exitCode ?? 0),
          };
        }),
      },
      null,
      2,
    ) + '\n'
  );
}

/** hyperfine's `--export-markdown`: mean ± σ, min, max in one unit (the fastest mean's), and the relative column. */
export function hyperfineMarkdown(results: readonly BenchmarkResult[]): string {
  const speeds = relativeSpeeds(results);
  const means = results.map((r) => meanAndDeviation(r.samples));
  const { unit, factor } = durationScale(Math.min(...means.map((m) => m.mean)));
  const n = (v: number) => (v * factor).toFixed(1);
  const lines = [`| Command | Mean [${unit}] | Min [${unit}] | Max [${unit}] | Relative |`, '|:---|---:|---:|---:|---:|'];
  results.forEach((r, i) => {
    const m = means[i];
    const s = speeds[i];
    const relative = s.fastest ? '1.00' : ratioText(s);
    lines.push(`| ${codeSpan(r.name)} | ${n(m.mean)}${m.stddev !== undefined ? ` ± ${n(m.stddev)}` : ''} | ${n(r.summary.min)} | ${n(r.summary.max)} | ${relative} |`);
  });
  return lines.join('\n') + '\n';
}

/** A command as inline code in a table cell: a `|` cannot end the cell, a backtick cannot end the span. */
function codeSpan(text: string): string {
  const cell = text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(cell.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return longest ? `${fence} ${cell} ${fence}` : `${fence}${cell}${fence}`;
}
