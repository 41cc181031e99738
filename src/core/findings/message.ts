import type { Direction, Unit } from '../model';
import { formatChange, formatValue } from '../format';
import type { RunPoint } from './types';

/** The one-sentence, numbers-first messages of findings, shared by the editor and every report. */

export function shortCommit(commit: string | undefined): string | undefined {
  return commit ? commit.slice(0, 7) : undefined;
}

export function formatP(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  if (p < 0.01) return `p = ${p.toFixed(3)}`;
  return `p = ${p.toFixed(2)}`;
}

function since(point: RunPoint): string {
  return shortCommit(point.commit) ?? new Date(point.timestamp).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** "slower"/"faster" for times and other smaller-is-better metrics, "lower"/"higher" for throughput. */
function word(direction: Direction, ratio: number): string {
  const up = ratio >= 1;
  if (direction === 'smaller') return up ? 'slower' : 'faster';
  return up ? 'higher' : 'lower';
}

function percent(ratio: number): string {
  const pct = Math.abs(ratio - 1) * 100;
  return `${pct < 10 ? Number(pct.toFixed(1)) : Math.round(pct)}%`;
}

/** "+12% to +24%"; one more digit when the rounded ends would otherwise look the same. */
export function formatInterval(ci: readonly [number, number]): string {
  const lo = formatChange(ci[0]);
  const hi = formatChange(ci[1]);
  if (lo !== hi) return `${lo} to ${hi}`;
  const fine = (r: number) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(2)}%`;
  return `${fine(ci[0])} to ${fine(ci[1])}`;
}

/** `sort-10k is 18% slower since a1b2c3d (median 12.1 ms → 14.3 ms, 95% CI +12% to +24%, p < 0.001)` */
export function changeMessage(input: {
  name: string;
  direction: Direction;
  unit: Unit;
  firstBad: RunPoint;
  before: number;
  after: number;
  ratio: number;
  ratioCi?: [number, number];
  pValue?: number;
}): string {
  const { name, direction, unit, before, after, ratio } = input;
  const details = [`median ${formatValue(before, unit)} → ${formatValue(after, unit)}`];
  if (input.ratioCi) details.push(`95% CI ${formatInterval(input.ratioCi)}`);
  if (input.pValue !== undefined) details.push(formatP(input.pValue));
  return `${name} is ${percent(ratio)} ${word(direction, ratio)} since ${since(input.firstBad)} (${details.join(', ')})`;
}

/** `sort-10k median 14.3 ms is over its budget of 12 ms (error budget: 35% of the last 20 runs over)` */
export function budgetMessage(input: {
  name: string;
  statistic: string;
  unit: Unit;
  direction: Direction;
  current: number;
  limit: number;
  overRuns: number;
  runsInWindow: number;
  /** Over in too few runs to call it a breach. */
  atRisk?: boolean;
}): string {
  const share = Math.round((input.overRuns / Math.max(1, input.runsInWindow)) * 100);
  const side = input.direction === 'smaller' ? 'over' : 'under';
  if (input.atRisk) {
    return (
      `${input.name} ${input.statistic} ${formatValue(input.current, input.unit)} is ${side} its budget of ${formatValue(input.limit, input.unit)} ` +
      `in ${input.overRuns} of the last ${input.runsInWindow} run${input.runsInWindow === 1 ? '' : 's'}: at risk, not yet a breach`
    );
  }
  return (
    `${input.name} ${input.statistic} ${formatValue(input.current, input.unit)} is ${side} its budget of ${formatValue(input.limit, input.unit)} ` +
    `(error budget: ${share}% of the last ${input.runsInWindow} runs ${side})`
  );
}
