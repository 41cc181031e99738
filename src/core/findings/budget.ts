import type { BudgetBody, BudgetConfig } from '../config';
import { parseQuantity } from '../config/quantity';
import type { Direction, RunRecord, Unit } from '../model';
import { ownValue } from '../own-keys';
import { median, sortedCopy } from '../stats/summary';
import type { BudgetEvaluation, Forecast } from './types';

/** Budgets: a limit on a statistic of each run, with an error budget (share of recent runs allowed over). */

const DEFAULT_WINDOW = 20;
const DEFAULT_ALLOWED_SHARE = 0.05;
/**
 * A breach rests on evidence, not on one run: either this many runs in the window (and more than one of
 * them over), or the 95% interval of the window's level over the limit, which needs at least
 * MIN_INTERVAL_RUNS runs. Less than that over the limit is "at risk".
 */
export const MIN_BUDGET_RUNS = 5;
export const MIN_INTERVAL_RUNS = 3;
/** A latest run within this share of the limit is "near" it (at risk, not over). */
export const NEAR_LIMIT = 0.05;
/** Two-sided 95% Student t quantiles by degrees of freedom (1..30). */
const T95 = [12.71, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** `*` matches any characters; everything else literally. */
// Patterns come from perfpulse.json (untrusted data): matched in linear time, never through a
// regular expression, whose backtracking on `*a*a*a…*b` took minutes.
export function nameMatches(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === name[n]) {
      p++;
      n++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = n;
    } else if (star >= 0) {
      p = star + 1;
      n = ++resume;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** The budget that applies to a series: its benchmark's own, else the first matching global one. */
export function budgetFor(name: string, budgets: readonly BudgetConfig[], perBenchmark: Readonly<Record<string, BudgetBody>> = {}): BudgetBody | undefined {
  return ownValue(perBenchmark, name) ?? budgets.find((b) => nameMatches(b.series, name));
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The statistic of one run, from its summary, else its samples, else its value. */
export function statisticOf(run: RunRecord, statistic: string): number {
  if (statistic === 'median') return run.value;
  const s = run.summary as unknown as Record<string, number> | undefined;
  if (s && typeof s[statistic] === 'number') return s[statistic];
  if (run.samples?.length) {
    const sorted = sortedCopy(run.samples);
    switch (statistic) {
      case 'mean':
        return sorted.reduce((a, b) => a + b, 0) / sorted.length;
      case 'min':
        return sorted[0];
      case 'max':
        return sorted[sorted.length - 1];
      case 'p90':
        return quantile(sorted, 0.9);
      case 'p95':
        return quantile(sorted, 0.95);
      case 'p99':
        return quantile(sorted, 0.99);
    }
  }
  return run.value;
}

/** The limit in the series' unit, or undefined when the budget's unit cannot apply (e.g. "2ms" on a byte series). */
export function limitFor(budget: BudgetBody, unit: Unit): number | undefined {
  const q = parseQuantity(budget.max);
  if (q.unit && q.unit !== unit) return undefined;
  return q.value;
}

function isOver(value: number, limit: number, direction: Direction): boolean {
  return direction === 'smaller' ? value > limit : value < limit;
}

/** 95% interval of the window's level: Student t on the logs of the runs' statistic (undefined below MIN_INTERVAL_RUNS or with a value <= 0). */
export function levelInterval(values: readonly number[]): [number, number] | undefined {
  const n = values.length;
  if (n < MIN_INTERVAL_RUNS || values.some((v) => !(v > 0))) return undefined;
  const logs = values.map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(logs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const half = (T95[n - 2] ?? 1.96) * (sd / Math.sqrt(n));
  return [Math.exp(mean - half), Math.exp(mean + half)];
}

export function evaluateBudget(runs: readonly RunRecord[], budget: BudgetBody, unit: Unit, direction: Direction): BudgetEvaluation | undefined {
  const limit = limitFor(budget, unit);
  if (limit === undefined || runs.length === 0) return undefined;
  const statistic = budget.statistic ?? 'median';
  const window = budget.window ?? DEFAULT_WINDOW;
  const allowedShare = budget.allowedShare ?? DEFAULT_ALLOWED_SHARE;
  const recent = runs.slice(-window).map((r) => statisticOf(r, statistic));
  const current = recent[recent.length - 1];
  const overRuns = recent.filter((v) => isOver(v, limit, direction)).length;
  const share = overRuns / recent.length;
  const spent = allowedShare > 0 ? share / allowedShare : overRuns > 0 ? Infinity : 0;
  const latestOver = isOver(current, limit, direction);
  // One spike inside the allowed share is what the error budget is for; the latest run must be over too,
  // and the runs must be enough to tell a level over the limit from one slow run.
  const interval = levelInterval(recent);
  const intervalOver = interval !== undefined && (direction === 'smaller' ? interval[0] > limit : interval[1] < limit);
  const enoughRuns = recent.length >= MIN_BUDGET_RUNS && overRuns >= 2;
  const breached = latestOver && share > allowedShare && (enoughRuns || intervalOver);
  const near = direction === 'smaller' ? current >= limit * (1 - NEAR_LIMIT) : current <= limit * (1 + NEAR_LIMIT);
  const atRisk = !breached && (latestOver || near);
  return {
    limit,
    statistic,
    current,
    window,
    allowedShare,
    overRuns,
    runsInWindow: recent.length,
    spent,
    breached,
    atRisk,
    ...(interval ? { interval } : {}),
    evidence: breached ? (intervalOver ? 'interval' : 'runs') : latestOver ? 'too-few-runs' : near ? 'near' : 'within',
  };
}

/** Theil–Sen slope: the median of pairwise slopes, robust to the odd outlier run. */
function theilSen(values: readonly number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < values.length; i++) {
    for (let j = i + 1; j < values.length; j++) slopes.push((values[j] - values[i]) / (j - i));
  }
  return slopes.length ? median(slopes) : 0;
}

/**
 * When the trend of the last runs crosses the budget, at the current pace. None when the series is
 * already over, is not getting worse, or has too few runs to show a trend.
 */
export function forecastBudget(runs: readonly RunRecord[], budget: BudgetEvaluation, direction: Direction, minRuns = 8): Forecast | undefined {
  const recent = runs.slice(-Math.max(budget.window, minRuns));
  if (recent.length < minRuns) return undefined;
  const values = recent.map((r) => statisticOf(r, budget.statistic));
  const slope = theilSen(values);
  const worsening = direction === 'smaller' ? slope : -slope;
  if (!(worsening > 0)) return undefined;
  const level = median(values.slice(-Math.min(5, values.length)));
  const gap = direction === 'smaller' ? budget.limit - level : level - budget.limit;
  if (gap <= 0) return undefined;
  const runsLeft = Math.ceil(gap / worsening);
  const spanMs = recent[recent.length - 1].timestamp - recent[0].timestamp;
  const perRunDays = spanMs > 0 ? spanMs / (recent.length - 1) / 86_400_000 : undefined;
  return { runs: runsLeft, ...(perRunDays !== undefined ? { days: runsLeft * perRunDays } : {}), slopePerRun: worsening };
}
