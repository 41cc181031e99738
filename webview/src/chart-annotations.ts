/**
 * The detail chart's annotations in the SVG overlay: baseline band, budget line, forecast,
 * change points with their size and interval, and the hover marks. Built once per data
 * change, moved every frame.
 */
import { area, line } from 'd3-shape';
import type { SeriesDetail } from '../../src/protocol/trends';
import { MARGIN, type ChangePoint, type ChartOptions, type Frame, type Layers } from './chart-frame';
import { forecastXs } from './chart-scales';
import { formatChange, formatPValue, formatValue } from './format';

/** Creates the SVG marks for annotations; `positionAnnotations` moves them each frame. */
export function buildAnnotations(layers: Layers, d: SeriesDetail, tab: ChartOptions['tab']): void {
  layers.baseline.selectAll('*').remove();
  layers.budget.selectAll('*').remove();
  layers.forecast.selectAll('*').remove();
  layers.changes.selectAll('*').remove();
  layers.hover.selectAll('*').remove();
  if (d.baseline) {
    layers.baseline.append('rect').attr('class', 'baseline-band').append('title').text(`Baseline: runs ${d.baseline.from}–${d.baseline.to}, median ${formatValue(d.baseline.median, d.series.unit)}`);
    layers.baseline.append('line').attr('class', 'baseline-median');
  }
  if (d.forecast && tab === 'runs') {
    layers.forecast.append('path').attr('class', 'forecast-band');
    layers.forecast.append('path').attr('class', 'forecast-line').append('title').text(`Forecast${d.forecast.note ? `: ${d.forecast.note}` : ''}`);
  }
  if (d.budget) {
    layers.budget.append('line').attr('class', 'budget-line').append('title').text(`Budget: ${d.budget.statistic} ≤ ${formatValue(d.budget.max, d.series.unit)}`);
    layers.budget
      .append('text')
      .attr('class', 'budget-label')
      .attr('text-anchor', 'end')
      .text(`budget ${d.budget.statistic} ≤ ${formatValue(d.budget.max, d.series.unit)}`);
  }
  const marks = layers.changes
    .selectAll<SVGGElement, ChangePoint>('g.change-point')
    .data(d.changePoints.filter((c) => c.index >= 0 && c.index < d.runs.length))
    .join('g')
    .attr('class', (c) => `change-point ${c.kind}${c.provisional ? ' provisional' : ''}`)
    .attr('data-index', (c) => c.index);
  marks.append('line');
  marks.append('path').attr('d', 'M-5,0 L5,0 L0,7 Z');
  marks.append('text').attr('class', 'cp-effect').attr('x', 6).attr('y', 4).text((c) => `${formatChange(c.ratio)}${c.provisional ? ' (provisional)' : ''}`);
  marks
    .append('text')
    .attr('class', 'cp-interval')
    .attr('x', 6)
    .attr('y', 17)
    .text((c) => [c.ratioCi ? `CI ${formatChange(c.ratioCi[0])} … ${formatChange(c.ratioCi[1])}` : '', formatPValue(c.pValue)].filter(Boolean).join(', '));
  marks.append('title').text((c) => describeChange(d, c));
  layers.hover.append('line').attr('class', 'hover-line').attr('display', 'none');
  layers.hover.append('circle').attr('class', 'hover-dot').attr('r', 4.5).attr('display', 'none');
}

/** A change point in words: kind, size, interval, p-value and where. */
export function describeChange(d: SeriesDetail, c: ChangePoint): string {
  const run = d.runs[c.index];
  const where = run?.commit ? ` at ${run.commit.slice(0, 7)}` : ` at run ${c.index}`;
  const ci = c.ratioCi ? ` (95% CI ${formatChange(c.ratioCi[0])} to ${formatChange(c.ratioCi[1])})` : '';
  const p = c.pValue !== undefined ? `, ${formatPValue(c.pValue)}` : '';
  return `${c.provisional ? 'Provisional ' : ''}${c.kind} of ${formatChange(c.ratio)}${ci}${p}${where}`;
}

/** Moves the annotation marks to the frame's scales. */
export function positionAnnotations(layers: Layers, f: Frame): void {
  const { detail: d, x, y, xs } = f;
  const left = MARGIN.left;
  const right = f.width - MARGIN.right;
  const top = MARGIN.top;
  const bottom = f.height - MARGIN.bottom;
  if (d.baseline) {
    const b = d.baseline;
    const bx0 = x(xs[b.from] ?? 0);
    const bx1 = x(xs[b.to] ?? 0);
    layers.baseline
      .select('.baseline-band')
      .attr('x', bx0)
      .attr('width', Math.max(1, bx1 - bx0))
      .attr('y', y(b.hi))
      .attr('height', Math.max(1, y(b.lo) - y(b.hi)));
    layers.baseline.select('.baseline-median').attr('x1', bx0).attr('x2', right).attr('y1', y(b.median)).attr('y2', y(b.median));
  }
  if (d.budget) {
    const by = y(d.budget.max);
    layers.budget.select('.budget-line').attr('x1', left).attr('x2', right).attr('y1', by).attr('y2', by);
    layers.budget.select('.budget-label').attr('x', right - 4).attr('y', by - 5);
  }
  if (d.forecast && f.options.tab === 'runs') {
    const fx = forecastXs(d, f.options.xMode);
    const n = d.runs.length;
    const lastX = xs[n - 1];
    const lastV = d.runs[n - 1]?.value;
    const pts = fx.map((v, i) => ({ x: v, y: d.forecast!.values[i], lo: d.forecast!.lo[i], hi: d.forecast!.hi[i] }));
    const withStart = lastV !== undefined ? [{ x: lastX, y: lastV, lo: lastV, hi: lastV }, ...pts] : pts;
    layers.forecast.select('.forecast-band').attr('d', area<(typeof withStart)[number]>().x((p) => x(p.x)).y0((p) => y(p.lo)).y1((p) => y(p.hi))(withStart));
    layers.forecast.select('.forecast-line').attr('d', line<(typeof withStart)[number]>().x((p) => x(p.x)).y((p) => y(p.y))(withStart));
  }
  layers.changes
    .selectAll<SVGGElement, ChangePoint>('g.change-point')
    .attr('display', (c) => {
      const px = x(xs[c.index]);
      return px < left || px > right ? 'none' : null;
    })
    .attr('transform', (c) => `translate(${x(xs[c.index])},${top - 30})`)
    .select('line')
    .attr('y1', 0)
    .attr('y2', bottom - top + 30);
}
