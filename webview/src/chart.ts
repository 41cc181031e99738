/**
 * The detail chart: one point per run with its spread, change points, baseline band,
 * budget line and forecast; or the percentile lines. Points are drawn on a canvas
 * (10,000 runs pan and zoom at frame rate); axes, annotations, brush and hover live in
 * an SVG overlay so they stay crisp, stylable by theme and findable by tests.
 *
 * This module owns the state, zoom, brush, hover and the drawing loop; the parts live beside it:
 * chart-frame (shared types, margins), chart-scales (x and y scales), chart-canvas (the runs),
 * chart-axes, chart-annotations (baseline, budget, forecast, change points), chart-tooltip,
 * chart-keys (keyboard) and chart-export (standalone SVG).
 */
import { bisectLeft, bisectRight } from 'd3-array';
import { brushX, type BrushBehavior } from 'd3-brush';
import { scaleLinear, type ScaleLinear } from 'd3-scale';
import { pointer, select } from 'd3-selection';
import { zoom, zoomIdentity, type ZoomBehavior, type ZoomTransform } from 'd3-zoom';
import type { RunPoint, SeriesDetail } from '../../src/protocol/trends';
import { buildAnnotations, describeChange, positionAnnotations } from './chart-annotations';
import { drawAxes } from './chart-axes';
import { drawCanvas } from './chart-canvas';
import { chartToSvg } from './chart-export';
import { MARGIN, type ChartOptions, type Frame, type Layers, type Svg, type YScale } from './chart-frame';
import { onChartKey, type KeyboardTarget } from './chart-keys';
import { computeY, forecastXs, fullXScale } from './chart-scales';
import { placeTooltip, tooltipHtml } from './chart-tooltip';
import { h } from './dom';
import { formatValue } from './format';
import { toRunColumns, type ColumnSpans, type RunColumns } from './run-columns';

export type { ChartOptions } from './chart-frame';

export interface ChartCallbacks {
  /** The user zoomed or panned; undefined means the full range. Debounced. */
  zoomed(domain: [number, number] | undefined): void;
  openCommit(run: RunPoint): void;
  copy(text: string): void;
}

export class TrendChart {
  readonly element: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly svg: Svg;
  private readonly tooltip: HTMLDivElement;
  private readonly layers: Layers;
  private readonly zoomBehavior: ZoomBehavior<SVGSVGElement, unknown>;
  private readonly brushBehavior: BrushBehavior<unknown>;
  private detail: SeriesDetail | undefined;
  private options: ChartOptions = { xMode: 'run', yScale: 'linear', tab: 'runs' };
  private xs = new Float64Array(0);
  private runColumns: RunColumns = toRunColumns([]);
  private spans: ColumnSpans | undefined;
  private fullX: ScaleLinear<number, number> = scaleLinear();
  private x: ScaleLinear<number, number> = scaleLinear();
  private y: YScale = scaleLinear();
  private transform: ZoomTransform = zoomIdentity;
  private width = 0;
  private height = 0;
  private active: number | undefined;
  private visible: [number, number] = [0, 0];
  private zoomTimer: ReturnType<typeof setTimeout> | undefined;
  private frame = 0;
  /** Frames drawn so far (the benchmark reads it). */
  drawCount = 0;

  constructor(private readonly callbacks: ChartCallbacks) {
    this.canvas = h('canvas', { 'aria-hidden': 'true' });
    this.tooltip = h('div', { class: 'tooltip', role: 'status', hidden: true });
    this.element = h('div', {
      class: 'chart-wrap',
      tabindex: '0',
      'aria-roledescription': 'interactive chart',
      'aria-keyshortcuts': 'ArrowLeft ArrowRight Shift+ArrowLeft Shift+ArrowRight + - 0 Enter C',
    });
    this.element.append(this.canvas);
    const svgNode = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    this.svg = select(svgNode).attr('class', 'overlay').attr('role', 'img');
    this.svg.append('defs').append('clipPath').attr('id', 'pp-plot-clip').append('rect');
    const layer = (name: string, clipped = false) => {
      const g = this.svg.append('g').attr('class', name);
      if (clipped) g.attr('clip-path', 'url(#pp-plot-clip)');
      return g;
    };
    this.layers = {
      grid: layer('grid'),
      baseline: layer('baseline', true),
      forecast: layer('forecast', true),
      budget: layer('budget', true),
      xAxis: layer('axis x-axis'),
      yAxis: layer('axis y-axis'),
      changes: layer('changes'),
      brush: layer('brush'),
      hover: layer('hover', true),
    };
    this.element.append(svgNode, this.tooltip);

    this.zoomBehavior = zoom<SVGSVGElement, unknown>()
      .filter((event: Event) => event.type === 'wheel' || ((event as MouseEvent).shiftKey && event.type === 'mousedown') || event.type.startsWith('touch'))
      .on('zoom', (event: { transform: ZoomTransform; sourceEvent: unknown }) => {
        this.transform = event.transform;
        this.scheduleDraw();
        if (event.sourceEvent) this.reportZoom();
      });
    this.svg.call(this.zoomBehavior).on('dblclick.zoom', null);
    this.svg.on('dblclick', () => this.resetZoom());

    this.brushBehavior = brushX<unknown>()
      .filter((event: MouseEvent) => !event.shiftKey && !event.button)
      .on('end', (event: { selection: [number, number] | null; sourceEvent: unknown }) => {
        if (!event.selection || !event.sourceEvent) return;
        const [a, b] = event.selection;
        this.layers.brush.call(this.brushBehavior.move, null);
        if (b - a < 4) return;
        this.zoomTo([this.x.invert(a), this.x.invert(b)]);
      });

    this.svg.on('mousemove', (event: MouseEvent) => {
      const index = this.nearestIndex(pointer(event, this.svg.node())[0]);
      if (index !== undefined) this.setActive(index, false);
    });
    this.svg.on('mouseleave', () => this.setActive(undefined, false));
    this.svg.on('click', (event: MouseEvent) => {
      if (event.defaultPrevented || !this.detail) return;
      const [px] = pointer(event, this.svg.node());
      const index = this.nearestIndex(px);
      if (index === undefined || Math.abs(this.x(this.xs[index]) - px) > 16) return;
      const run = this.detail.runs[index];
      if (event.altKey || event.metaKey) {
        if (run.commit) this.callbacks.copy(run.commit);
      } else this.callbacks.openCommit(run);
    });
    this.element.addEventListener('keydown', (e) => onChartKey(e, this.keyboardTarget()));
    this.element.addEventListener('blur', () => this.setActive(undefined, false));
    new ResizeObserver(() => this.resize()).observe(this.element);
  }

  /** New data or options. The zoom survives when it is the same series on the same x-axis (live updates). */
  setData(detail: SeriesDetail, options: ChartOptions): void {
    const previousDomain = this.currentDomain();
    const sameSeries = this.detail?.series.id === detail.series.id && this.options.xMode === options.xMode;
    this.detail = detail;
    this.options = options;
    const runs = detail.runs;
    this.xs = Float64Array.from(runs, (r, i) => (options.xMode === 'time' ? r.timestamp : i));
    this.runColumns = toRunColumns(runs);
    if (this.active !== undefined && this.active >= runs.length) this.active = undefined;
    // The facts and legend above and below were just filled in, which resizes the chart:
    // take the new size now so the first paint draws once, not again on the ResizeObserver.
    this.resize(false);
    this.updateFullDomain();
    buildAnnotations(this.layers, detail, options.tab);
    const keep = sameSeries ? previousDomain : options.zoom;
    this.applyDomain(keep, false);
    this.svg.attr('aria-label', this.summary());
  }

  private updateFullDomain(): void {
    const { scale, maxZoom } = fullXScale(this.xs, forecastXs(this.detail, this.options.xMode), this.options.xMode, this.width);
    this.fullX = scale;
    this.zoomBehavior.scaleExtent([1, maxZoom]);
  }

  private currentDomain(): [number, number] | undefined {
    if (this.transform.k === 1 && this.transform.x === 0) return undefined;
    const [a, b] = this.x.domain();
    return [a, b];
  }

  private applyDomain(domain: [number, number] | undefined, report: boolean): void {
    const [r0, r1] = this.fullX.range();
    this.zoomBehavior.extent([[r0, 0], [r1, Math.max(1, this.height)]]).translateExtent([[r0, 0], [r1, Math.max(1, this.height)]]);
    let t = zoomIdentity;
    if (domain && Number.isFinite(domain[0]) && Number.isFinite(domain[1]) && domain[1] > domain[0]) {
      const a = this.fullX(domain[0]);
      const b = this.fullX(domain[1]);
      const k = (r1 - r0) / Math.max(1e-9, b - a);
      t = zoomIdentity.translate(r0 - a * k, 0).scale(k);
    }
    this.transform = t;
    this.x = t.rescaleX(this.fullX);
    this.zoomBehavior.transform(this.svg, t);
    this.drawNow();
    if (report) this.reportZoom();
  }

  zoomTo(domain: [number, number]): void {
    this.applyDomain(domain, true);
  }

  resetZoom(): void {
    this.applyDomain(undefined, true);
  }

  /** Zooms by a factor around the centre (keyboard and buttons); factor > 1 zooms in. */
  zoomBy(factor: number): void {
    this.zoomBehavior.scaleBy(this.svg, factor);
    this.reportZoom();
  }

  /** Pans by a fraction of the visible width (positive: later runs). */
  panBy(fraction: number): void {
    const [r0, r1] = this.fullX.range();
    this.zoomBehavior.translateBy(this.svg, (-(r1 - r0) * fraction) / this.transform.k, 0);
    this.reportZoom();
  }

  private reportZoom(): void {
    clearTimeout(this.zoomTimer);
    this.zoomTimer = setTimeout(() => this.callbacks.zoomed(this.currentDomain()), 250);
  }

  /** Matches the canvas and overlay to the element's size; redraws unless told not to. */
  private resize(redraw = true): void {
    const rect = this.element.getBoundingClientRect();
    const width = Math.floor(rect.width);
    const height = Math.floor(rect.height);
    if (width === this.width && height === this.height) return;
    const domain = this.currentDomain();
    this.width = width;
    this.height = height;
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.max(1, Math.round(width * ratio));
    this.canvas.height = Math.max(1, Math.round(height * ratio));
    select(this.canvas).style('width', `${width}px`).style('height', `${height}px`);
    this.svg.attr('width', width).attr('height', height).attr('viewBox', `0 0 ${width} ${height}`);
    this.svg
      .select('#pp-plot-clip rect')
      .attr('x', MARGIN.left)
      .attr('y', MARGIN.top - 4)
      .attr('width', Math.max(0, width - MARGIN.left - MARGIN.right))
      .attr('height', Math.max(0, height - MARGIN.top - MARGIN.bottom + 8));
    this.brushBehavior.extent([[MARGIN.left, MARGIN.top], [Math.max(MARGIN.left + 1, width - MARGIN.right), Math.max(MARGIN.top + 1, height - MARGIN.bottom)]]);
    this.layers.brush.call(this.brushBehavior);
    if (this.detail && redraw) {
      this.updateFullDomain();
      this.applyDomain(domain, false);
    }
  }

  /** Draws a pending frame now instead of at the next animation frame (for measurements). */
  flush(): void {
    if (!this.frame) return;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.drawNow();
  }

  private scheduleDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.drawNow();
    });
  }

  private drawNow(): void {
    const d = this.detail;
    if (!d || this.width <= 0 || this.height <= 0) return;
    this.drawCount++;
    this.x = this.transform.rescaleX(this.fullX);
    const [x0, x1] = this.x.domain();
    const n = this.xs.length;
    const i0 = Math.max(0, bisectLeft(this.xs, x0) - 1);
    const i1 = Math.min(n, bisectRight(this.xs, x1) + 1);
    this.visible = [i0, i1];
    this.y = computeY(d, this.runColumns, this.options, this.xs, x1, this.height, i0, i1);
    const frame = this.currentFrame();
    this.spans = drawCanvas(this.canvas, this.element, frame, i0, i1, this.spans);
    drawAxes(frame, this.layers);
    positionAnnotations(this.layers, frame);
    if (this.active !== undefined) this.setActive(this.active, false);
  }

  /** The data and scales of the current drawing. */
  private currentFrame(): Frame {
    return { detail: this.detail!, options: this.options, xs: this.xs, runColumns: this.runColumns, x: this.x, y: this.y, width: this.width, height: this.height };
  }

  private nearestIndex(px: number): number | undefined {
    const n = this.xs.length;
    if (n === 0) return undefined;
    const target = this.x.invert(px);
    const i = bisectLeft(this.xs, target);
    if (i <= 0) return 0;
    if (i >= n) return n - 1;
    return target - this.xs[i - 1] < this.xs[i] - target ? i - 1 : i;
  }

  /** Highlights a run and shows its tooltip (mouse hover or keyboard); undefined hides it. */
  setActive(index: number | undefined, fromKeyboard: boolean): void {
    const d = this.detail;
    const lineSel = this.layers.hover.select('.hover-line');
    const dot = this.layers.hover.select('.hover-dot');
    this.active = index;
    if (!d || index === undefined || !d.runs[index]) {
      lineSel.attr('display', 'none');
      dot.attr('display', 'none');
      this.tooltip.hidden = true;
      return;
    }
    const run = d.runs[index];
    const px = this.x(this.xs[index]);
    const value = this.options.tab === 'percentiles' && run.percentiles ? run.percentiles.p50 : run.value;
    const py = this.y(value);
    lineSel.attr('display', null).attr('x1', px).attr('x2', px).attr('y1', MARGIN.top).attr('y2', this.height - MARGIN.bottom);
    dot.attr('display', null).attr('cx', px).attr('cy', py);
    this.tooltip.innerHTML = tooltipHtml(d.series.unit, run, index);
    this.tooltip.hidden = false;
    placeTooltip(this.tooltip, px, py, this.width, this.height);
    if (fromKeyboard && (px < MARGIN.left || px > this.width - MARGIN.right)) {
      const [a, b] = this.x.domain();
      const span = b - a;
      this.zoomTo([this.xs[index] - span / 2, this.xs[index] + span / 2]);
    }
  }

  /** What the keyboard handler reads and moves (see chart-keys.ts). */
  private keyboardTarget(): KeyboardTarget {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the target's getters read the chart's live state
    const chart = this;
    return {
      get detail() {
        return chart.detail;
      },
      get visible() {
        return chart.visible;
      },
      get active() {
        return chart.active;
      },
      callbacks: this.callbacks,
      setActive: (index, fromKeyboard) => this.setActive(index, fromKeyboard),
      panBy: (fraction) => this.panBy(fraction),
      zoomBy: (factor) => this.zoomBy(factor),
      resetZoom: () => this.resetZoom(),
    };
  }

  /** A sentence for screen readers: what the chart shows and what stands out. */
  summary(): string {
    const d = this.detail;
    if (!d) return 'No data';
    const unit = d.series.unit;
    const values = d.runs.map((r) => r.value);
    const parts = [`${this.options.tab === 'percentiles' ? 'Percentiles' : 'Median per run'} of ${d.series.name} over ${d.runs.length} runs`];
    if (values.length) parts.push(`from ${formatValue(Math.min(...values.slice(0, 10000)), unit)} to ${formatValue(Math.max(...values.slice(0, 10000)), unit)}, latest ${formatValue(values[values.length - 1], unit)}`);
    if (d.changePoints.length) parts.push(`${d.changePoints.length} change point${d.changePoints.length > 1 ? 's' : ''}: ${d.changePoints.map((c) => describeChange(d, c)).join('; ')}`);
    if (d.budget) parts.push(`budget ${d.budget.statistic} at most ${formatValue(d.budget.max, unit)}`);
    if (d.forecast?.note) parts.push(`forecast: ${d.forecast.note}`);
    return parts.join('. ') + '.';
  }

  /** The current view as a standalone SVG document with resolved theme colours (for export). */
  toSvg(title: string): { svg: string; width: number; height: number } {
    return chartToSvg(this.svg.node()!, this.element, this.currentFrame(), this.visible, title);
  }
}
