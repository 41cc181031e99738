/** The detail chart's axes and grid, drawn into the SVG overlay each frame. */
import { axisBottom, axisLeft } from 'd3-axis';
import { scaleTime, type ScaleLinear } from 'd3-scale';
import { MARGIN, type Frame, type Layers } from './chart-frame';
import { formatValue } from './format';

export function drawAxes(f: Frame, layers: Pick<Layers, 'xAxis' | 'yAxis' | 'grid'>): void {
  const plotWidth = f.width - MARGIN.left - MARGIN.right;
  const unit = f.detail.series.unit;
  const ticksX = Math.max(2, Math.floor(plotWidth / 110));
  if (f.options.xMode === 'time') {
    const time = scaleTime().domain(f.x.domain().map((v) => new Date(v))).range(f.x.range());
    layers.xAxis.attr('transform', `translate(0,${f.height - MARGIN.bottom})`).call(axisBottom(time).ticks(ticksX).tickSizeOuter(0));
  } else {
    layers.xAxis
      .attr('transform', `translate(0,${f.height - MARGIN.bottom})`)
      .call(axisBottom(f.x).ticks(ticksX).tickFormat((v) => (Number.isInteger(+v) ? `#${v}` : '')).tickSizeOuter(0));
  }
  const ticksY = Math.max(2, Math.floor((f.height - MARGIN.top - MARGIN.bottom) / 44));
  const yAxis = axisLeft(f.y as ScaleLinear<number, number>).ticks(ticksY).tickFormat((v) => formatValue(+v, unit)).tickSizeOuter(0);
  layers.yAxis.attr('transform', `translate(${MARGIN.left},0)`).call(yAxis);
  if (f.options.yScale === 'log') {
    // Log axes label every tick by default; keep about ticksY labels so they do not collide.
    const labels = layers.yAxis.selectAll<SVGTextElement, number>('.tick text');
    const every = Math.ceil(labels.size() / ticksY);
    labels.attr('display', (_, i) => (i % every === 0 ? null : 'none'));
  }
  layers.grid
    .attr('transform', `translate(${MARGIN.left},0)`)
    .call(axisLeft(f.y as ScaleLinear<number, number>).ticks(ticksY).tickSize(-plotWidth).tickFormat(() => ''));
}
