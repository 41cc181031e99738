/**
 * The detail chart: one point per run with its spread, change points, baseline band,
 * budget line and forecast; or the percentile lines. Points are drawn on a canvas
 * (10,000 runs pan and zoom at frame rate); axes, annotations, brush and hover live in
 * an SVG overlay so they stay crisp, stylable by theme and findable by tests.
 */
import { bisectLeft, bisectRight } from 'd3-array';
import { axisBottom, axisLeft } from 'd3-axis';
import { brushX, type BrushBehavior } from 'd3-brush';
import { scaleLinear, scaleLog, scaleTime, type ScaleLinear, type ScaleLogarithmic } from 'd3-scale';
import { pointer, select, type Selection } from 'd3-selection';
import { area, line } from 'd3-shape';
import { zoom, zoomIdentity, type ZoomBehavior, type ZoomTransform } from 'd3-zoom';
import type { RunPoint, SeriesDetail } from '../../src/protocol/trends';
import { cssColor, escapeHtml, h } from './dom';
import { formatChange, formatDate, formatPValue, formatValue } from './format';
import { columnSpans, fillColumnGaps, PERCENTILE_KEYS, toRunColumns, type ColumnSpans, type RunColumns } from './run-columns';

export interface ChartOptions {
  xMode: 'run' | 'time';
  yScale: 'linear' | 'log';
  tab: 'runs' | 'percentiles';
  /** Domain to restore (from saved state); ignored when it does not fit the data. */
  zoom?: [number, number];
}

export interface ChartCallbacks {
  /** The user zoomed or panned; undefined means the full range. Debounced. */
  zoomed(domain: [number, number] | undefined): void;
  openCommit(run: RunPoint): void;
  copy(text: string): void;
}

type YScale = ScaleLinear<number, number> | ScaleLogarithmic<number, number>;
type Svg = Selection<SVGSVGElement, unknown, null, undefined>;
type G = Selection<SVGGElement, unknown, null, undefined>;

const MARGIN = { top: 40, right: 24, bottom: 30, left: 72 };
const PERCENTILES = PERCENTILE_KEYS;
/**
 * Runs closer together than this many pixels are drawn as per-column spans instead of
 * dots: dots that close merge into a line anyway, and spans are cheap to rasterise.
 */
const MIN_PIXELS_PER_DOT = 3;

export class TrendChart {
  readonly element: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly svg: Svg;
  private readonly tooltip: HTMLDivElement;
  private readonly layers: Record<'grid' | 'xAxis' | 'yAxis' | 'baseline' | 'forecast' | 'budget' | 'changes' | 'hover' | 'brush', G>;
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
    this.element.addEventListener('keydown', (e) => this.onKey(e));
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
    this.buildAnnotations();
    const keep = sameSeries ? previousDomain : options.zoom;
    this.applyDomain(keep, false);
    this.svg.attr('aria-label', this.summary());
  }

  /** Predicted x positions of the forecast, after the last run. */
  private forecastXs(): number[] {
    const d = this.detail;
    if (!d?.forecast || d.runs.length === 0) return [];
    const n = d.runs.length;
    if (this.options.xMode === 'run') return d.forecast.values.map((_, i) => n + i);
    const recent = d.runs.slice(-20).map((r) => r.timestamp);
    const gaps = recent.slice(1).map((t, i) => t - recent[i]).sort((a, b) => a - b);
    const step = gaps.length ? gaps[Math.floor(gaps.length / 2)] || 3_600_000 : 86_400_000;
    return d.forecast.values.map((_, i) => d.runs[n - 1].timestamp + (i + 1) * step);
  }

  private updateFullDomain(): void {
    const n = this.xs.length;
    const fx = this.forecastXs();
    const first = n ? this.xs[0] : 0;
    let last = fx.length ? fx[fx.length - 1] : n ? this.xs[n - 1] : 1;
    if (last === first) last = first + 1;
    const pad = (last - first) * 0.01;
    this.fullX = scaleLinear().domain([first - pad, last + pad]).range([MARGIN.left, Math.max(MARGIN.left + 1, this.width - MARGIN.right)]);
    const minSpan = this.options.xMode === 'run' ? 5 : (last - first) / Math.max(5, n / 5);
    this.zoomBehavior.scaleExtent([1, Math.max(1, (last - first) / minSpan)]);
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

  private computeY(i0: number, i1: number): YScale {
    const d = this.detail!;
    const columns = this.runColumns;
    const percentiles = this.options.tab === 'percentiles' ? columns.percentiles : undefined;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = i0; i < i1; i++) {
      // A run without samples keeps its own spread in the percentile tab (NaN fails both tests).
      let a = percentiles ? percentiles.p50[i] : NaN;
      let b = percentiles ? percentiles.p99[i] : NaN;
      if (a !== a || b !== b) {
        a = columns.lo[i];
        b = columns.hi[i];
      }
      if (a < lo) lo = a;
      if (b > hi) hi = b;
    }
    if (d.forecast && this.x.domain()[1] > this.xs[this.xs.length - 1]) {
      for (let i = 0; i < d.forecast.values.length; i++) {
        lo = Math.min(lo, d.forecast.lo[i]);
        hi = Math.max(hi, d.forecast.hi[i]);
      }
    }
    if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
    if (d.budget && d.budget.max < hi * 2 && d.budget.max > lo / 2) [lo, hi] = [Math.min(lo, d.budget.max), Math.max(hi, d.budget.max)];
    if (d.baseline && d.baseline.median < hi * 2) [lo, hi] = [Math.min(lo, d.baseline.lo), Math.max(hi, d.baseline.hi)];
    const range: [number, number] = [this.height - MARGIN.bottom, MARGIN.top];
    if (this.options.yScale === 'log' && hi > 0) {
      const floor = lo > 0 ? lo : hi / 1000;
      return scaleLog().domain([floor / 1.05, hi * 1.05]).range(range);
    }
    const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.1 || 1;
    return scaleLinear().domain([Math.max(lo >= 0 ? 0 : -Infinity, lo - pad), hi + pad]).range(range).nice();
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
    this.y = this.computeY(i0, i1);
    this.drawCanvas(i0, i1);
    this.drawAxes();
    this.positionAnnotations();
    if (this.active !== undefined) this.setActive(this.active, false);
  }

  private drawCanvas(i0: number, i1: number): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const ratio = this.canvas.width / Math.max(1, this.width);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    ctx.save();
    ctx.beginPath();
    ctx.rect(MARGIN.left, MARGIN.top - 4, this.width - MARGIN.left - MARGIN.right, this.height - MARGIN.top - MARGIN.bottom + 8);
    ctx.clip();
    const plotWidth = this.width - MARGIN.left - MARGIN.right;
    // Dense runs: draw per-column extremes, which look the same and cost O(width) to
    // rasterise instead of a self-overlapping path of 10,000 segments.
    if (i1 - i0 > plotWidth / MIN_PIXELS_PER_DOT) this.drawColumns(ctx, i0, i1);
    else this.drawPoints(ctx, i0, i1);
    ctx.restore();
  }

  /**
   * Each pixel column's min..max of the spread and of the medians (or of each percentile),
   * filled as whole-pixel rectangles: no antialiasing work for the rasteriser, and no
   * path to build (measured: the antialiased path of column rectangles took the frame
   * interval's p95 from ~17 to ~67 ms in software-rendered Chromium).
   */
  private drawColumns(ctx: CanvasRenderingContext2D, i0: number, i1: number): void {
    const x = this.x;
    const y = this.y;
    const xs = this.xs;
    const left = MARGIN.left;
    const columns = Math.max(1, Math.ceil(this.width - MARGIN.left - MARGIN.right) + 2);
    const runs = this.runColumns;
    const colors = this.colors();
    const layers: { color: string; alpha: number; minHeight: number; low: Float64Array; high: Float64Array }[] =
      this.options.tab === 'percentiles' && runs.percentiles
        ? PERCENTILES.map((key) => ({ color: colors[key], alpha: 1, minHeight: key === 'p50' ? 2 : 1, low: runs.percentiles![key], high: runs.percentiles![key] }))
        : [
            { color: colors.spread, alpha: 0.2, minHeight: 1, low: runs.lo, high: runs.hi },
            { color: colors.line, alpha: 0.95, minHeight: 2, low: runs.value, high: runs.value },
          ];
    // Column of run i: x(xs[i]) - left + 1, with the linear scale written out.
    const [d0, d1] = x.domain();
    const [r0, r1] = x.range();
    const scale = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
    const offset = r0 - d0 * scale - left + 1;
    for (const layer of layers) {
      const spans = (this.spans = columnSpans(layer.low, layer.high, xs, i0, i1, columns, scale, offset, this.spans));
      fillColumnGaps(spans, columns);
      ctx.fillStyle = layer.color;
      ctx.globalAlpha = layer.alpha;
      const joined = layer.alpha > 0.5;
      let previousTop = NaN;
      let previousBottom = NaN;
      for (let c = 0; c < columns; c++) {
        const high = spans.max[c];
        const low = spans.min[c];
        if (!(high >= low)) continue;
        const exactTop = y(high);
        const exactBottom = y(low);
        let top = Math.floor(exactTop);
        let bottom = Math.ceil(exactBottom);
        // Join neighbouring columns so a steady line stays continuous.
        if (joined && previousTop === previousTop) {
          top = Math.min(top, previousTop);
          bottom = Math.max(bottom, previousBottom);
        }
        if (bottom - top < layer.minHeight) {
          const middle = Math.round((exactTop + exactBottom) / 2);
          top = middle - Math.floor(layer.minHeight / 2);
          bottom = top + Math.ceil(layer.minHeight);
        }
        ctx.fillRect(left + c - 1, top, 1, bottom - top);
        previousTop = Math.floor(exactTop);
        previousBottom = Math.ceil(exactBottom);
      }
    }
    ctx.globalAlpha = 1;
  }

  /** The theme colours the canvas needs, read with one style lookup per frame. */
  private colors(): Record<'line' | 'spread' | 'p50' | 'p90' | 'p95' | 'p99', string> {
    const style = getComputedStyle(this.element);
    const read = (name: string) => style.getPropertyValue(name).trim() || '#888';
    return { line: read('--pp-line'), spread: read('--pp-spread'), p50: read('--pp-p50'), p90: read('--pp-p90'), p95: read('--pp-p95'), p99: read('--pp-p99') };
  }

  /** Runs as dots joined by a line, with whiskers (sparse) or a band (denser) for the spread. */
  private drawPoints(ctx: CanvasRenderingContext2D, i0: number, i1: number): void {
    const runs = this.runColumns;
    const colors = this.colors();
    const x = this.x;
    const y = this.y;
    const xs = this.xs;
    const count = i1 - i0;
    const strokeInChunks = (point: (i: number) => number | undefined) => {
      // Short sub-paths: one long self-crossing path is slow to rasterise without a GPU.
      let started = false;
      let inChunk = 0;
      ctx.beginPath();
      for (let i = i0; i < i1; i++) {
        const py = point(i);
        if (py === undefined || py !== py) continue;
        const px = x(xs[i]);
        if (started) ctx.lineTo(px, py);
        else ctx.moveTo(px, py);
        started = true;
        if (++inChunk === 256) {
          ctx.stroke();
          ctx.beginPath();
          ctx.moveTo(px, py);
          inChunk = 0;
        }
      }
      ctx.stroke();
    };
    if (this.options.tab === 'percentiles') {
      const percentiles = runs.percentiles;
      if (!percentiles) return;
      for (const key of PERCENTILES) {
        ctx.strokeStyle = colors[key];
        ctx.lineWidth = key === 'p50' ? 2 : 1.4;
        const column = percentiles[key];
        strokeInChunks((i) => (column[i] === column[i] ? y(column[i]) : undefined));
      }
      return;
    }
    const lineColor = colors.line;
    const spreadColor = colors.spread;
    const detail = this.detail!;
    if (count < 600) {
      ctx.strokeStyle = spreadColor;
      ctx.globalAlpha = 0.45;
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let i = i0; i < i1; i++) {
        const r = detail.runs[i];
        if (r.lo === undefined || r.hi === undefined) continue;
        const px = Math.round(x(xs[i])) + 0.5;
        ctx.moveTo(px, y(r.lo));
        ctx.lineTo(px, y(r.hi));
      }
      ctx.stroke();
    } else {
      ctx.fillStyle = spreadColor;
      ctx.globalAlpha = 0.18;
      ctx.beginPath();
      for (let i = i0; i < i1; i++) {
        const py = y(runs.hi[i]);
        if (i === i0) ctx.moveTo(x(xs[i]), py);
        else ctx.lineTo(x(xs[i]), py);
      }
      for (let i = i1 - 1; i >= i0; i--) ctx.lineTo(x(xs[i]), y(runs.lo[i]));
      ctx.closePath();
      ctx.fill();
    }
    ctx.strokeStyle = lineColor;
    ctx.lineWidth = 1.2;
    ctx.globalAlpha = count < 600 ? 0.5 : 0.9;
    strokeInChunks((i) => y(runs.value[i]));
    ctx.globalAlpha = 1;
    const radius = count < 200 ? 3 : count < 500 ? 2 : 1.4;
    ctx.fillStyle = lineColor;
    ctx.beginPath();
    for (let i = i0; i < i1; i++) {
      const px = x(xs[i]);
      const py = y(runs.value[i]);
      ctx.moveTo(px + radius, py);
      ctx.arc(px, py, radius, 0, 2 * Math.PI);
    }
    ctx.fill();
  }

  private xAxisScale(): ScaleLinear<number, number> {
    return this.x;
  }

  private drawAxes(): void {
    const plotWidth = this.width - MARGIN.left - MARGIN.right;
    const unit = this.detail!.series.unit;
    const ticksX = Math.max(2, Math.floor(plotWidth / 110));
    if (this.options.xMode === 'time') {
      const time = scaleTime().domain(this.x.domain().map((v) => new Date(v))).range(this.x.range());
      this.layers.xAxis.attr('transform', `translate(0,${this.height - MARGIN.bottom})`).call(axisBottom(time).ticks(ticksX).tickSizeOuter(0));
    } else {
      this.layers.xAxis
        .attr('transform', `translate(0,${this.height - MARGIN.bottom})`)
        .call(axisBottom(this.xAxisScale()).ticks(ticksX).tickFormat((v) => (Number.isInteger(+v) ? `#${v}` : '')).tickSizeOuter(0));
    }
    const ticksY = Math.max(2, Math.floor((this.height - MARGIN.top - MARGIN.bottom) / 44));
    const yAxis = axisLeft(this.y as ScaleLinear<number, number>).ticks(ticksY).tickFormat((v) => formatValue(+v, unit)).tickSizeOuter(0);
    this.layers.yAxis.attr('transform', `translate(${MARGIN.left},0)`).call(yAxis);
    if (this.options.yScale === 'log') {
      // Log axes label every tick by default; keep about ticksY labels so they do not collide.
      const labels = this.layers.yAxis.selectAll<SVGTextElement, number>('.tick text');
      const every = Math.ceil(labels.size() / ticksY);
      labels.attr('display', (_, i) => (i % every === 0 ? null : 'none'));
    }
    this.layers.grid
      .attr('transform', `translate(${MARGIN.left},0)`)
      .call(axisLeft(this.y as ScaleLinear<number, number>).ticks(ticksY).tickSize(-plotWidth).tickFormat(() => ''));
  }

  /** Creates the SVG marks for annotations; `positionAnnotations` moves them each frame. */
  private buildAnnotations(): void {
    const d = this.detail!;
    this.layers.baseline.selectAll('*').remove();
    this.layers.budget.selectAll('*').remove();
    this.layers.forecast.selectAll('*').remove();
    this.layers.changes.selectAll('*').remove();
    this.layers.hover.selectAll('*').remove();
    if (d.baseline) {
      this.layers.baseline.append('rect').attr('class', 'baseline-band').append('title').text(`Baseline: runs ${d.baseline.from}–${d.baseline.to}, median ${formatValue(d.baseline.median, d.series.unit)}`);
      this.layers.baseline.append('line').attr('class', 'baseline-median');
    }
    if (d.forecast && this.options.tab === 'runs') {
      this.layers.forecast.append('path').attr('class', 'forecast-band');
      this.layers.forecast.append('path').attr('class', 'forecast-line').append('title').text(`Forecast${d.forecast.note ? `: ${d.forecast.note}` : ''}`);
    }
    if (d.budget) {
      this.layers.budget.append('line').attr('class', 'budget-line').append('title').text(`Budget: ${d.budget.statistic} ≤ ${formatValue(d.budget.max, d.series.unit)}`);
      this.layers.budget
        .append('text')
        .attr('class', 'budget-label')
        .attr('text-anchor', 'end')
        .text(`budget ${d.budget.statistic} ≤ ${formatValue(d.budget.max, d.series.unit)}`);
    }
    const marks = this.layers.changes
      .selectAll<SVGGElement, SeriesDetail['changePoints'][number]>('g.change-point')
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
    marks.append('title').text((c) => this.describeChange(c));
    this.layers.hover.append('line').attr('class', 'hover-line').attr('display', 'none');
    this.layers.hover.append('circle').attr('class', 'hover-dot').attr('r', 4.5).attr('display', 'none');
  }

  private describeChange(c: SeriesDetail['changePoints'][number]): string {
    const run = this.detail!.runs[c.index];
    const where = run?.commit ? ` at ${run.commit.slice(0, 7)}` : ` at run ${c.index}`;
    const ci = c.ratioCi ? ` (95% CI ${formatChange(c.ratioCi[0])} to ${formatChange(c.ratioCi[1])})` : '';
    const p = c.pValue !== undefined ? `, ${formatPValue(c.pValue)}` : '';
    return `${c.provisional ? 'Provisional ' : ''}${c.kind} of ${formatChange(c.ratio)}${ci}${p}${where}`;
  }

  private positionAnnotations(): void {
    const d = this.detail!;
    const x = this.x;
    const y = this.y;
    const left = MARGIN.left;
    const right = this.width - MARGIN.right;
    const top = MARGIN.top;
    const bottom = this.height - MARGIN.bottom;
    if (d.baseline) {
      const b = d.baseline;
      const bx0 = x(this.xs[b.from] ?? 0);
      const bx1 = x(this.xs[b.to] ?? 0);
      this.layers.baseline
        .select('.baseline-band')
        .attr('x', bx0)
        .attr('width', Math.max(1, bx1 - bx0))
        .attr('y', y(b.hi))
        .attr('height', Math.max(1, y(b.lo) - y(b.hi)));
      this.layers.baseline.select('.baseline-median').attr('x1', bx0).attr('x2', right).attr('y1', y(b.median)).attr('y2', y(b.median));
    }
    if (d.budget) {
      const by = y(d.budget.max);
      this.layers.budget.select('.budget-line').attr('x1', left).attr('x2', right).attr('y1', by).attr('y2', by);
      this.layers.budget.select('.budget-label').attr('x', right - 4).attr('y', by - 5);
    }
    if (d.forecast && this.options.tab === 'runs') {
      const fx = this.forecastXs();
      const n = d.runs.length;
      const lastX = this.xs[n - 1];
      const lastV = d.runs[n - 1]?.value;
      const pts = fx.map((v, i) => ({ x: v, y: d.forecast!.values[i], lo: d.forecast!.lo[i], hi: d.forecast!.hi[i] }));
      const withStart = lastV !== undefined ? [{ x: lastX, y: lastV, lo: lastV, hi: lastV }, ...pts] : pts;
      this.layers.forecast.select('.forecast-band').attr('d', area<(typeof withStart)[number]>().x((p) => x(p.x)).y0((p) => y(p.lo)).y1((p) => y(p.hi))(withStart));
      this.layers.forecast.select('.forecast-line').attr('d', line<(typeof withStart)[number]>().x((p) => x(p.x)).y((p) => y(p.y))(withStart));
    }
    this.layers.changes
      .selectAll<SVGGElement, SeriesDetail['changePoints'][number]>('g.change-point')
      .attr('display', (c) => {
        const px = x(this.xs[c.index]);
        return px < left || px > right ? 'none' : null;
      })
      .attr('transform', (c) => `translate(${x(this.xs[c.index])},${top - 30})`)
      .select('line')
      .attr('y1', 0)
      .attr('y2', bottom - top + 30);
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
    this.tooltip.innerHTML = this.tooltipHtml(run, index);
    this.tooltip.hidden = false;
    const tipWidth = this.tooltip.offsetWidth;
    const tipHeight = this.tooltip.offsetHeight;
    const left = px + 14 + tipWidth > this.width ? px - 14 - tipWidth : px + 14;
    const top = Math.min(Math.max(4, py - tipHeight / 2), Math.max(4, this.height - tipHeight - 4));
    select(this.tooltip).style('left', `${Math.max(4, left)}px`).style('top', `${top}px`);
    if (fromKeyboard && (px < MARGIN.left || px > this.width - MARGIN.right)) {
      const [a, b] = this.x.domain();
      const span = b - a;
      this.zoomTo([this.xs[index] - span / 2, this.xs[index] + span / 2]);
    }
  }

  private tooltipHtml(run: RunPoint, index: number): string {
    const unit = this.detail!.series.unit;
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

  private onKey(e: KeyboardEvent): void {
    const d = this.detail;
    if (!d || d.runs.length === 0) return;
    const [i0, i1] = this.visible;
    const current = this.active ?? Math.max(0, Math.min(d.runs.length - 1, i1 - 2));
    switch (e.key) {
      case 'ArrowLeft':
      case 'ArrowRight': {
        e.preventDefault();
        const step = e.key === 'ArrowLeft' ? -1 : 1;
        if (e.shiftKey) this.panBy(step * 0.2);
        else this.setActive(Math.max(0, Math.min(d.runs.length - 1, current + step * (e.ctrlKey ? 10 : 1))), true);
        break;
      }
      case 'Home':
        e.preventDefault();
        this.setActive(Math.max(0, i0), true);
        break;
      case 'End':
        e.preventDefault();
        this.setActive(Math.min(d.runs.length - 1, i1 - 1), true);
        break;
      case '+':
      case '=':
        e.preventDefault();
        this.zoomBy(1.5);
        break;
      case '-':
        e.preventDefault();
        this.zoomBy(1 / 1.5);
        break;
      case '0':
        e.preventDefault();
        this.resetZoom();
        break;
      case 'Enter':
        if (this.active !== undefined) {
          e.preventDefault();
          this.callbacks.openCommit(d.runs[this.active]);
        }
        break;
      case 'c':
      case 'C':
        if (this.active !== undefined && d.runs[this.active].commit) {
          e.preventDefault();
          this.callbacks.copy(d.runs[this.active].commit!);
        }
        break;
      case 'Escape':
        if (this.active !== undefined) {
          e.stopPropagation();
          this.setActive(undefined, true);
        }
        break;
    }
  }

  /** A sentence for screen readers: what the chart shows and what stands out. */
  summary(): string {
    const d = this.detail;
    if (!d) return 'No data';
    const unit = d.series.unit;
    const values = d.runs.map((r) => r.value);
    const parts = [`${this.options.tab === 'percentiles' ? 'Percentiles' : 'Median per run'} of ${d.series.name} over ${d.runs.length} runs`];
    if (values.length) parts.push(`from ${formatValue(Math.min(...values.slice(0, 10000)), unit)} to ${formatValue(Math.max(...values.slice(0, 10000)), unit)}, latest ${formatValue(values[values.length - 1], unit)}`);
    if (d.changePoints.length) parts.push(`${d.changePoints.length} change point${d.changePoints.length > 1 ? 's' : ''}: ${d.changePoints.map((c) => this.describeChange(c)).join('; ')}`);
    if (d.budget) parts.push(`budget ${d.budget.statistic} at most ${formatValue(d.budget.max, unit)}`);
    if (d.forecast?.note) parts.push(`forecast: ${d.forecast.note}`);
    return parts.join('. ') + '.';
  }

  /** The current view as a standalone SVG document with resolved theme colours (for export). */
  toSvg(title: string): { svg: string; width: number; height: number } {
    const original = this.svg.node()!;
    const clone = original.cloneNode(true) as SVGSVGElement;
    inlineComputedStyles(original, clone);
    clone.querySelector('g.brush')?.remove();
    clone.querySelector('g.hover')?.remove();
    clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
    clone.removeAttribute('class');
    const ns = 'http://www.w3.org/2000/svg';
    const background = document.createElementNS(ns, 'rect');
    background.setAttribute('width', String(this.width));
    background.setAttribute('height', String(this.height));
    background.setAttribute('fill', cssColor(this.element, '--pp-bg', '#ffffff'));
    clone.insertBefore(background, clone.firstChild);
    const heading = document.createElementNS(ns, 'text');
    heading.setAttribute('x', String(MARGIN.left));
    heading.setAttribute('y', '14');
    heading.setAttribute('fill', cssColor(this.element, '--pp-fg', '#333'));
    heading.setAttribute('font-size', '13');
    heading.setAttribute('font-weight', '600');
    heading.setAttribute('font-family', 'sans-serif');
    heading.textContent = title;
    clone.append(heading);
    const data = document.createElementNS(ns, 'g');
    data.setAttribute('clip-path', 'url(#pp-plot-clip)');
    data.innerHTML = this.dataMarkup();
    const anchor = clone.querySelector('g.baseline');
    clone.insertBefore(data, anchor ? anchor.nextSibling : null);
    return { svg: new XMLSerializer().serializeToString(clone), width: this.width, height: this.height };
  }

  /** The canvas layer redrawn as SVG paths for export. */
  private dataMarkup(): string {
    const d = this.detail!;
    const [i0, i1] = this.visible;
    const runs = d.runs.slice(i0, i1);
    const xs = Array.from(this.xs.subarray(i0, i1));
    const x = this.x;
    const y = this.y;
    const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '0');
    if (this.options.tab === 'percentiles') {
      return PERCENTILES.map((key) => {
        const pts = runs.map((r, i) => (r.percentiles ? `${fmt(x(xs[i]))},${fmt(y(r.percentiles[key]))}` : '')).filter(Boolean);
        return `<path d="M${pts.join('L')}" fill="none" stroke="${cssColor(this.element, `--pp-${key}`)}" stroke-width="${key === 'p50' ? 2 : 1.4}"/>`;
      }).join('');
    }
    const color = cssColor(this.element, '--pp-line');
    const band = runs.map((r, i) => `${fmt(x(xs[i]))},${fmt(y(r.hi ?? r.value))}`).concat(runs.map((r, i) => `${fmt(x(xs[i]))},${fmt(y(r.lo ?? r.value))}`).reverse());
    const medians = runs.map((r, i) => `${fmt(x(xs[i]))},${fmt(y(r.value))}`);
    const dots = runs.length < 3000 ? `<path d="${medians.map((p) => `M${p}h0`).join('')}" stroke="${color}" stroke-width="${runs.length < 200 ? 6 : 3}" stroke-linecap="round" fill="none"/>` : '';
    return (
      `<path d="M${band.join('L')}Z" fill="${cssColor(this.element, '--pp-spread')}" fill-opacity="0.18" stroke="none"/>` +
      `<path d="M${medians.join('L')}" fill="none" stroke="${color}" stroke-opacity="0.6" stroke-width="1.2"/>` +
      dots
    );
  }
}

const STYLE_PROPERTIES = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity', 'opacity', 'font-size', 'font-family', 'font-weight'];

/** Copies computed theme styles onto a clone so the exported SVG looks the same outside the panel. */
function inlineComputedStyles(source: Element, target: Element): void {
  const computed = getComputedStyle(source);
  for (const property of STYLE_PROPERTIES) {
    const value = computed.getPropertyValue(property);
    if (value) target.setAttribute(property, value);
  }
  if (computed.display === 'none') target.setAttribute('display', 'none');
  const sourceChildren = source.children;
  const targetChildren = target.children;
  for (let i = 0; i < sourceChildren.length && i < targetChildren.length; i++) inlineComputedStyles(sourceChildren[i], targetChildren[i]);
}
