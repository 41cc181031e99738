/**
 * The detail chart's data layer, drawn on a canvas: 10,000 runs pan and zoom at frame rate.
 * Sparse runs are dots joined by a line with their spread; dense runs are per-pixel-column
 * spans; the percentile tab draws one line per percentile.
 */
import { MARGIN, type Frame } from './chart-frame';
import { columnSpans, fillColumnGaps, PERCENTILE_KEYS as PERCENTILES, type ColumnSpans } from './run-columns';

/**
 * Runs closer together than this many pixels are drawn as per-column spans instead of
 * dots: dots that close merge into a line anyway, and spans are cheap to rasterise.
 */
const MIN_PIXELS_PER_DOT = 3;

type Colors = Record<'line' | 'spread' | 'p50' | 'p90' | 'p95' | 'p99', string>;

/**
 * Draws runs i0..i1 of the frame on the canvas. `cache` is the column buffer of the previous
 * frame, reused to spare the allocation; the one to keep is returned.
 */
export function drawCanvas(canvas: HTMLCanvasElement, themed: Element, f: Frame, i0: number, i1: number, cache: ColumnSpans | undefined): ColumnSpans | undefined {
  const ctx = canvas.getContext('2d');
  if (!ctx) return cache;
  const ratio = canvas.width / Math.max(1, f.width);
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, f.width, f.height);
  ctx.save();
  ctx.beginPath();
  ctx.rect(MARGIN.left, MARGIN.top - 4, f.width - MARGIN.left - MARGIN.right, f.height - MARGIN.top - MARGIN.bottom + 8);
  ctx.clip();
  const plotWidth = f.width - MARGIN.left - MARGIN.right;
  const colors = themeColors(themed);
  let spans = cache;
  // Dense runs: draw per-column extremes, which look the same and cost O(width) to
  // rasterise instead of a self-overlapping path of 10,000 segments.
  if (i1 - i0 > plotWidth / MIN_PIXELS_PER_DOT) spans = drawColumns(ctx, f, colors, i0, i1, cache);
  else drawPoints(ctx, f, colors, i0, i1);
  ctx.restore();
  return spans;
}

/** The theme colours the canvas needs, read with one style lookup per frame. */
function themeColors(element: Element): Colors {
  const style = getComputedStyle(element);
  const read = (name: string) => style.getPropertyValue(name).trim() || '#888';
  return { line: read('--pp-line'), spread: read('--pp-spread'), p50: read('--pp-p50'), p90: read('--pp-p90'), p95: read('--pp-p95'), p99: read('--pp-p99') };
}

function drawColumns(ctx: CanvasRenderingContext2D, f: Frame, colors: Colors, i0: number, i1: number, cache: ColumnSpans | undefined): ColumnSpans | undefined {
  const { x, y, xs } = f;
  const left = MARGIN.left;
  const columns = Math.max(1, Math.ceil(f.width - MARGIN.left - MARGIN.right) + 2);
  const runs = f.runColumns;
  let spansCache = cache;
  const layers: { color: string; alpha: number; minHeight: number; low: Float64Array; high: Float64Array }[] =
    f.options.tab === 'percentiles' && runs.percentiles
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
    const spans = (spansCache = columnSpans(layer.low, layer.high, xs, i0, i1, columns, scale, offset, spansCache));
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
  return spansCache;
}

function drawPoints(ctx: CanvasRenderingContext2D, f: Frame, colors: Colors, i0: number, i1: number): void {
  const runs = f.runColumns;
  const { x, y, xs } = f;
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
  if (f.options.tab === 'percentiles') {
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
  const detail = f.detail;
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
