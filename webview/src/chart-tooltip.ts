/** The detail chart's tooltip: what it says about a run, and where it goes beside the point. */
import type { RunPoint } from '../../src/protocol/trends';
import { escapeHtml } from './dom';
import { formatDate, formatValue } from './format';

/** The tooltip of one run: its value and spread, percentiles, when, commit, message and machine. */
export function tooltipHtml(unit: string, run: RunPoint, index: number): string {
  const rows: string[] = [`<div class="tt-value">${escapeHtml(formatValue(run.value, unit))}</div>`];
  if (run.lo !== undefined && run.hi !== undefined) rows.push(`<div>spread ${escapeHtml(formatValue(run.lo, unit))} – ${escapeHtml(formatValue(run.hi, unit))}${run.n ? ` · n = ${run.n}` : ''}</div>`);
  if (run.percentiles) {
    const p = run.percentiles;
    rows.push(`<div>p50 ${escapeHtml(formatValue(p.p50, unit))} · p90 ${escapeHtml(formatValue(p.p90, unit))} · p95 ${escapeHtml(formatValue(p.p95, unit))} · p99 ${escapeHtml(formatValue(p.p99, unit))}</div>`);
  }
  rows.push(`<div>run #${index} · ${escapeHtml(formatDate(run.timestamp))}</div>`);
  if (run.commit) rows.push(`<div><span class="tt-commit">${escapeHtml(run.commit.slice(0, 10))}</span>${run.branch ? ` on ${escapeHtml(run.branch)}` : ''}</div>`);
  if (run.message) rows.push(`<div class="tt-message">${escapeHtml(run.message.split('\n')[0].slice(0, 120))}</div>`);
  if (run.machine) rows.push(`<div>machine ${escapeHtml(run.machine)}</div>`);
  if (run.commit) rows.push(`<div class="tt-hint">Click or Enter: open commit · Alt+click or C: copy hash</div>`);
  return rows.join('');
}

/** Places the tooltip beside the point (px, py), flipped left near the right edge, kept inside the chart. */
export function placeTooltip(tooltip: HTMLElement, px: number, py: number, width: number, height: number): void {
  const tipWidth = tooltip.offsetWidth;
  const tipHeight = tooltip.offsetHeight;
  const left = px + 14 + tipWidth > width ? px - 14 - tipWidth : px + 14;
  const top = Math.min(Math.max(4, py - tipHeight / 2), Math.max(4, height - tipHeight - 4));
  tooltip.style.left = `${Math.max(4, left)}px`;
  tooltip.style.top = `${top}px`;
}
