/** Number formatting for the panel. Pure: unit tests run it in Node. */
import type { BudgetLine } from '../../src/protocol/trends';
import { formatValue as sharedFormatValue } from '../../src/protocol/units';

const TIME_UNITS: [number, string][] = [
  [3600, 'h'],
  [60, 'min'],
  [1, 's'],
  [1e-3, 'ms'],
  [1e-6, 'µs'],
  [1e-9, 'ns'],
];
const BYTE_UNITS: [number, string][] = [
  [1024 ** 3, 'GiB'],
  [1024 ** 2, 'MiB'],
  [1024, 'KiB'],
  [1, 'B'],
];

function threeDigits(x: number): string {
  const a = Math.abs(x);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return x.toFixed(digits);
}

/**
 * A value with its unit scaled to read well: 0.00123 s → "1.23 ms", 2048 B → "2.00 KiB".
 * Times and sizes keep a fixed number of digits so axis labels line up; rates, counts and
 * other units are written by the shared formatter (src/protocol/units.ts), as in the reports
 * and the editor: "6.18 MB/s", "1.5M ops/s", "45", never an empty unit.
 */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '–';
  const table = unit === 's' ? TIME_UNITS : unit === 'B' ? BYTE_UNITS : undefined;
  if (!table) return sharedFormatValue(value, unit);
  const a = Math.abs(value);
  // Zero in the base unit: "0 s", "0 B" (not "0 µs" on a time axis).
  if (a === 0) return unit === 's' ? '0 s' : '0 B';
  if (unit === 's' && a >= 60) return `${threeDigits(value / 60)} min`;
  const [scale, name] = table.find(([s]) => a >= s) ?? table[table.length - 1];
  return `${threeDigits(value / scale)} ${name}`;
}

/**
 * The budget fact of the detail header, bounded and explained: "median ≤ 11.0 ms · 3 of the
 * last 20 runs over (5% allowed)". The share of runs over is at most 100% by construction.
 */
export function budgetFact(budget: BudgetLine, unit: string, direction: 'smaller' | 'bigger'): string {
  const limit = `${budget.statistic} ${direction === 'smaller' ? '≤' : '≥'} ${formatValue(budget.max, unit)}`;
  const side = direction === 'smaller' ? 'over' : 'under';
  const allowed = budget.allowedShare !== undefined ? ` (${Number((budget.allowedShare * 100).toFixed(1))}% allowed)` : '';
  if (budget.overRuns !== undefined && budget.runsInWindow) {
    const over = Math.min(budget.overRuns, budget.runsInWindow);
    return `${limit} · ${over} of the last ${budget.runsInWindow} run${budget.runsInWindow === 1 ? '' : 's'} ${side}${allowed}`;
  }
  if (budget.spent !== undefined && Number.isFinite(budget.spent)) {
    const share = Math.round(Math.min(1, Math.max(0, budget.spent)) * 100);
    return `${limit} · ${share}% of recent runs ${side}${allowed}`;
  }
  return limit;
}

/** A ratio as a signed percentage: 1.123 → "+12.3%", 0.9 → "−10.0%". */
export function formatChange(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return '–';
  const pct = (ratio - 1) * 100;
  if (Math.abs(pct) < 0.05) return '±0.0%';
  return `${pct > 0 ? '+' : '−'}${Math.abs(pct).toFixed(1)}%`;
}

/** Whether a change of this ratio is bad news given which way is better. */
export function isWorse(ratio: number | undefined, direction: 'smaller' | 'bigger'): boolean {
  if (ratio === undefined) return false;
  return direction === 'smaller' ? ratio > 1 : ratio < 1;
}

export function formatPValue(p: number | undefined): string {
  if (p === undefined || !Number.isFinite(p)) return '';
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

/** Epoch ms → "2026-01-05 14:03" in UTC, so screenshots and tests are stable across time zones. */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '–';
  return d.toISOString().slice(0, 16).replace('T', ' ');
}
