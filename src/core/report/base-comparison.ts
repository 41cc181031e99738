import type { AbVerdict } from '../detect/ab';
import { confidenceText, type PairedVerdict } from '../detect/paired-ab';
import { formatValue } from '../format';
import { xmlEscape } from './junit';

/**
 * The report of `perf-pulse check --base REV`: per benchmark and metric, the verdict of the
 * working tree against the base revision, measured in the same job, interleaved. One model,
 * three renderings (Markdown, JSON, JUnit), so that all say the same thing.
 */

export type BaseMetric = 'time' | 'instructions';

export interface BaseComparisonRow {
  benchmark: string;
  metric: BaseMetric;
  /** For time: the clock the verdict used (CPU time for CPU-bound programs, else wall time). */
  timeBasis?: 'cpu' | 'wall';
  unit: 's' | 'count';
  /** The verdict; "skipped" when the benchmark could not be compared (said in `message`). */
  verdict: AbVerdict | 'skipped';
  /** Median of the base (A) and of the working tree (B), in `unit`. */
  base?: number;
  head?: number;
  /** B / A and its interval (99% from the interleaved pairs for time; the range over runs for instructions). */
  ratio?: number;
  ratioCi?: [number, number];
  interval?: 'hodges-lehmann-99' | 'range';
  /** Confidence of a Hodges-Lehmann interval: 99%, or a sequential look's share of it (99.9%, 99.9%, 99.8%, 99.4%). */
  confidence?: number;
  pairs?: number;
  /** How many looks the sequential comparison took (absent for a fixed --runs). */
  looks?: number;
  minEffect?: number;
  runsToSettle?: number;
  severity?: 'critical' | 'warning';
  /** Whether this row fails the job at the chosen --fail-on level. */
  failing: boolean;
  message: string;
}

export interface BaseComparisonReport {
  generatedAt: number;
  /** The revision as given, and the commit it resolved to. */
  base: { rev: string; commit: string };
  head: { commit?: string; branch?: string; dirty?: boolean };
  failOn: string;
  rows: BaseComparisonRow[];
  /** Benchmarks that could not run in the working tree (exit 2). */
  errors: string[];
}

/** A slowdown whose interval's lower end is this far beyond 1 is critical (mirrors the history checks' 10%). */
export const CRITICAL_SLOWDOWN = 0.1;

/** A row from a paired verdict, with the medians of both sides. */
export function rowFromVerdict(benchmark: string, metric: BaseMetric, v: PairedVerdict, base: number, head: number): Omit<BaseComparisonRow, 'failing'> {
  const severity = v.verdict === 'slower' ? (v.ratioCi[0] - 1 >= CRITICAL_SLOWDOWN ? 'critical' : 'warning') : undefined;
  return {
    benchmark,
    metric,
    unit: metric === 'time' ? 's' : 'count',
    verdict: v.verdict,
    base,
    head,
    ratio: v.ratio,
    ratioCi: v.ratioCi,
    interval: metric === 'time' ? 'hodges-lehmann-99' : 'range',
    ...(metric === 'time' ? { confidence: v.confidence } : {}),
    pairs: v.pairs,
    minEffect: v.minEffect,
    ...(v.runsToSettle !== undefined ? { runsToSettle: v.runsToSettle } : {}),
    ...(severity ? { severity } : {}),
    message: v.message,
  };
}

/** Does a row fail `check` at this --fail-on level? Only "slower" does; budgets are not judged against a base. */
export function rowFailsAt(row: Pick<BaseComparisonRow, 'verdict' | 'severity'>, level: 'regression' | 'budget' | 'critical'): boolean {
  if (row.verdict !== 'slower') return false;
  return level === 'regression' || row.severity === 'critical';
}

const short = (commit: string) => commit.slice(0, 7);
const pct = (r: number) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;

function valueText(v: number | undefined, unit: 's' | 'count'): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  return unit === 'count' ? `${Math.round(v).toLocaleString('en-US')} instr.` : formatValue(v, 's');
}

function intervalText(row: BaseComparisonRow): string {
  if (!row.ratioCi || !Number.isFinite(row.ratioCi[0])) return '–';
  return `${pct(row.ratioCi[0])} .. ${pct(row.ratioCi[1])}${row.interval === 'range' ? ' (range)' : ''}`;
}

function metricText(r: BaseComparisonRow): string {
  return r.timeBasis ? `time (${r.timeBasis === 'cpu' ? 'CPU' : 'wall'})` : r.metric;
}

/** A Markdown table cell: a name from a config or a message cannot break the table. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/</g, '&lt;');
}

export function failingRows(report: BaseComparisonReport): BaseComparisonRow[] {
  return report.rows.filter((r) => r.failing);
}

export function baseVerdictHeadline(report: BaseComparisonReport): string {
  const failing = failingRows(report);
  const against = `against base ${report.base.rev} (${short(report.base.commit)})`;
  if (failing.length) return `perf-pulse check --base: FAIL (${failing.length} slower ${against}, at or above --fail-on ${report.failOn})`;
  const counts = new Map<string, number>();
  for (const r of report.rows) counts.set(r.verdict, (counts.get(r.verdict) ?? 0) + 1);
  const parts = [...counts].map(([v, n]) => `${n} ${v}`).join(', ');
  return `perf-pulse check --base: OK (${parts || 'nothing compared'} ${against})`;
}

export function baseComparisonMarkdown(report: BaseComparisonReport): string {
  const head = report.head.commit ? `${short(report.head.commit)}${report.head.dirty ? ' + uncommitted changes' : ''}` : 'the working tree';
  const lines = [
    `## Perf Pulse: ${failingRows(report).length ? '❌ slower than the base' : '✅ no slowdown against the base'}`,
    '',
    `Verdicts come from an **interleaved comparison with the base revision** \`${cell(report.base.rev)}\` (${short(report.base.commit)}), ` +
      `measured in this job together with ${head}: runs alternate base, working tree, base, … so that load on the machine hits both alike. ` +
      `Ratio = working tree / base. Time is judged twice: by wall time, and by CPU time (user + system), which on a busy machine does not hold the wait for a CPU; a CPU increase counts from 2% for a program that had half a CPU or more, else from 2% of its fastest wall time. Its interval comes from the per-pair log ratios (Hodges–Lehmann): 99% for a fixed number of runs; measured sequentially (looks after 16, 32, 64 and 96 pairs, stopping once settled), each look's interval takes its share of the 1% error (99.9%, 99.9%, 99.8%, then 99.4%), so that looking more than once does not add false alarms; ` +
      `for instruction counts it is the range over the runs. Only an interval wholly beyond the minimum effect counts as slower or faster.`,
    '',
    '| Benchmark | Metric | Base | Working tree | Ratio | Interval | Verdict |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of report.rows) {
    const verdict = r.failing ? `**${r.verdict}** (fails)` : r.verdict;
    lines.push(
      `| ${cell(r.benchmark)} | ${metricText(r)} | ${valueText(r.base, r.unit)} | ${valueText(r.head, r.unit)} | ${r.ratio !== undefined && Number.isFinite(r.ratio) ? pct(r.ratio) : '–'} | ${intervalText(r)} | ${verdict} |`,
    );
  }
  lines.push('');
  for (const r of report.rows) lines.push(`- **${cell(r.benchmark)}** (${metricText(r)}): ${cell(r.message)}`);
  if (report.errors.length) {
    lines.push('', 'Could not run:', ...report.errors.map((e) => `- ${cell(e)}`));
  }
  return lines.join('\n') + '\n';
}

export function baseComparisonJson(report: BaseComparisonReport): string {
  const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
  return JSON.stringify(
    {
      mode: 'base',
      comparison: 'interleaved',
      generatedAt: new Date(report.generatedAt).toISOString(),
      base: report.base,
      head: report.head,
      failOn: report.failOn,
      status: failingRows(report).length ? 'fail' : report.errors.length ? 'error' : 'pass',
      comparisons: report.rows.map((r) => ({
        benchmark: r.benchmark,
        metric: r.metric,
        ...(r.timeBasis ? { timeBasis: r.timeBasis } : {}),
        unit: r.unit,
        verdict: r.verdict,
        failing: r.failing,
        ...(r.severity ? { severity: r.severity } : {}),
        base: finite(r.base),
        head: finite(r.head),
        ratio: finite(r.ratio),
        ratioCi: r.ratioCi && Number.isFinite(r.ratioCi[0]) ? r.ratioCi : null,
        ...(r.interval ? { interval: r.interval === 'range' ? 'range over runs' : `${confidenceText(r.confidence ?? 0.99)} Hodges-Lehmann of per-pair log ratios` } : {}),
        ...(r.pairs !== undefined ? { pairs: r.pairs } : {}),
        ...(r.looks !== undefined ? { looks: r.looks } : {}),
        ...(r.minEffect !== undefined ? { minEffect: r.minEffect } : {}),
        ...(r.runsToSettle !== undefined ? { runsToSettle: r.runsToSettle } : {}),
        message: r.message,
      })),
      errors: report.errors,
    },
    null,
    2,
  ) + '\n';
}

export function baseComparisonJUnit(report: BaseComparisonReport): string {
  const failures = failingRows(report).length;
  const tests = report.rows.length + report.errors.length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="perf-pulse" tests="${tests}" failures="${failures}" errors="${report.errors.length}">`,
    `  <testsuite name="perf-pulse check --base ${xmlEscape(report.base.rev)}" tests="${tests}" failures="${failures}" errors="${report.errors.length}" skipped="0" timestamp="${new Date(report.generatedAt).toISOString()}">`,
  ];
  for (const r of report.rows) {
    const open = `    <testcase classname="perf-pulse.base" name="${xmlEscape(`${r.benchmark} (${metricText(r)})`)}" time="0"`;
    if (r.failing) {
      lines.push(`${open}>`, `      <failure message="${xmlEscape(r.message)}" type="performance">${xmlEscape(`interleaved with base ${report.base.commit}: ${r.message}`)}</failure>`, '    </testcase>');
    } else {
      lines.push(`${open}>`, `      <system-out>${xmlEscape(r.message)}</system-out>`, '    </testcase>');
    }
  }
  for (const e of report.errors) {
    lines.push(`    <testcase classname="perf-pulse.base" name="${xmlEscape(e.split(':')[0])}" time="0">`, `      <error message="${xmlEscape(e)}"/>`, '    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}
