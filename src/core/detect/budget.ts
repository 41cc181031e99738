import type { Direction } from '../model';
import { sortNumbers } from '../stats/select';

/**
 * Budgets and SLOs: a limit on a statistic of a series (build p95 under 60 s, `sort-10k` median
 * under 2 ms), as set in `perfpulse.json`. A breach is a finding of its own; for series measured
 * repeatedly, the share of runs over the limit in a window is the error budget spent.
 */

export type BudgetStatistic = 'median' | 'mean' | 'p90' | 'p95' | 'p99' | 'max' | 'min' | 'last';

export interface Budget {
  /** Which statistic of the recent runs the limit applies to. */
  statistic: BudgetStatistic;
  /** The limit, in the series' unit. For smaller-is-better series a maximum, else a minimum. */
  limit: number;
  /** Runs the statistic and the error budget look at (default 20). */
  window?: number;
  /** Share of runs allowed beyond the limit (an SLO of 95% within budget = 0.05). Default 0.05. */
  allowedShare?: number;
}

export interface BudgetResult {
  statistic: BudgetStatistic;
  limit: number;
  /** The statistic over the window. */
  value: number;
  breached: boolean;
  /** Runs in the window and how many were beyond the limit. */
  runs: number;
  runsOver: number;
  /** Share of the error budget spent: (runsOver / runs) / allowedShare; 1 = all spent. */
  errorBudgetSpent: number;
  severity: 'critical' | 'warning' | 'info';
  message: string;
}

export function evaluateBudget(values: readonly number[], direction: Direction, budget: Budget): BudgetResult {
  if (!Number.isFinite(budget.limit)) throw new Error('budget: limit must be a finite number');
  const window = Math.max(1, Math.floor(budget.window ?? 20));
  const allowed = budget.allowedShare ?? 0.05;
  const recent = values.slice(-window);
  const beyond = (v: number) => (direction === 'smaller' ? v > budget.limit : v < budget.limit);
  if (recent.length === 0) {
    return { statistic: budget.statistic, limit: budget.limit, value: NaN, breached: false, runs: 0, runsOver: 0, errorBudgetSpent: 0, severity: 'info', message: 'no runs yet' };
  }
  const value = statisticOf(recent, budget.statistic);
  const breached = beyond(value);
  const runsOver = recent.filter(beyond).length;
  const share = runsOver / recent.length;
  const errorBudgetSpent = allowed > 0 ? share / allowed : runsOver > 0 ? Infinity : 0;
  const severity = breached ? 'critical' : errorBudgetSpent >= 1 ? 'warning' : 'info';
  const relation = direction === 'smaller' ? 'over' : 'under';
  const message = breached
    ? `${budget.statistic} ${fmt(value)} is ${relation} the budget ${fmt(budget.limit)}; ${runsOver} of the last ${recent.length} runs ${relation} it`
    : `${budget.statistic} ${fmt(value)} within the budget ${fmt(budget.limit)}; ${runsOver} of the last ${recent.length} runs ${relation} it (${Math.round(errorBudgetSpent * 100)}% of the error budget spent)`;
  return { statistic: budget.statistic, limit: budget.limit, value, breached, runs: recent.length, runsOver, errorBudgetSpent, severity, message };
}

export function statisticOf(values: readonly number[], statistic: BudgetStatistic): number {
  const sorted = sortNumbers(Float64Array.from(values)) as unknown as number[];
  switch (statistic) {
    case 'median': return quantileSorted(sorted, 0.5);
    case 'p90': return quantileSorted(sorted, 0.9);
    case 'p95': return quantileSorted(sorted, 0.95);
    case 'p99': return quantileSorted(sorted, 0.99);
    case 'max': return sorted[sorted.length - 1];
    case 'min': return sorted[0];
    case 'last': return values[values.length - 1];
    case 'mean': return values.reduce((s, v) => s + v, 0) / values.length;
  }
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}

/**
 * Quantile p of sorted values with linear interpolation between the two nearest ranks (numpy's
 * default, type 7). Local rather than from a statistics library, whose module initialisation
 * (tables built at load) every `perf-pulse detect` process would pay for.
 */
function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error('quantile requires at least one data point.');
  if (p < 0 || p > 1) throw new Error('quantiles must be between 0 and 1');
  const h = (n - 1) * p;
  const lower = Math.floor(h);
  return lower === h ? sorted[h] : sorted[lower] + (h - lower) * (sorted[lower + 1] - sorted[lower]);
}
