import { axisBottom } from 'd3-axis';
import { quantileSorted } from 'd3-array';
import { scaleLinear } from 'd3-scale';
import { select } from 'd3-selection';
import type { CompareRequest, CompareResult, CompareSide, SeriesDetail } from '../../src/protocol/trends';
import { escapeHtml, h } from './dom';
import { formatChange, formatDate, formatPValue, formatValue } from './format';

export interface CompareCallbacks {
  back(): void;
  request(request: CompareRequest): void;
}

const VERDICT_TEXT: Record<CompareResult['verdict'], string> = {
  faster: 'B is faster',
  slower: 'B is slower',
  same: 'No difference',
  unknown: 'Unknown: run more',
};

/** The most recent runs offered in the pickers; older ones are reachable through their commit. */
const PICKER_RUNS = 60;

/** The default comparison: the last run before the latest change (or the first run) against the newest run. */
export function defaultCompare(detail: SeriesDetail): CompareRequest {
  const runs = detail.runs;
  const change = detail.changePoints[detail.changePoints.length - 1];
  const before = runs[Math.max(0, (change ? change.index : Math.max(1, runs.length - 10)) - 1)];
  const last = runs[runs.length - 1];
  return { seriesId: detail.series.id, a: { kind: 'run', ref: before?.id ?? '' }, b: { kind: 'run', ref: last?.id ?? '' } };
}

function sideValue(side: CompareSide): string {
  return `${side.kind}:${side.ref}`;
}

/** Two sample sets side by side (dots and boxes on one axis) with the A/B verdict. */
export class CompareView {
  readonly element: HTMLElement;
  private readonly heading = h('h2', {});
  private readonly pickA: HTMLSelectElement;
  private readonly pickB: HTMLSelectElement;
  private readonly verdict = h('div', { class: 'verdict', role: 'status' });
  private readonly plot = h('div', { class: 'dist-wrap' });
  private detail: SeriesDetail | undefined;
  private result: CompareResult | undefined;
  private request: CompareRequest | undefined;

  constructor(private readonly callbacks: CompareCallbacks) {
    const back = h('button', { type: 'button', 'aria-label': 'Back to the series chart' }, '← Chart');
    back.addEventListener('click', () => callbacks.back());
    this.pickA = h('select', { 'aria-label': 'Side A' });
    this.pickB = h('select', { 'aria-label': 'Side B' });
    const run = h('button', { type: 'button', 'aria-label': 'Compare A with B' }, 'Compare');
    run.addEventListener('click', () => this.submit());
    const form = h('div', { class: 'compare-form', role: 'group', 'aria-label': 'Pick two sides' }, h('label', { class: 'inline' }, 'A', this.pickA), h('label', { class: 'inline' }, 'B', this.pickB), run);
    this.element = h('section', { class: 'screen compare', 'aria-label': 'Compare', hidden: true }, h('div', { class: 'toolbar' }, back, h('div', { class: 'title' }, this.heading)), form, this.verdict, this.plot);
    new ResizeObserver(() => this.drawPlot()).observe(this.plot);
  }

  private submit(): void {
    if (!this.detail) return;
    const parse = (value: string): CompareSide => {
      const at = value.indexOf(':');
      return { kind: value.slice(0, at) as CompareSide['kind'], ref: value.slice(at + 1) };
    };
    this.callbacks.request({ seriesId: this.detail.series.id, a: parse(this.pickA.value), b: parse(this.pickB.value) });
  }

  setDetail(detail: SeriesDetail | undefined): void {
    this.detail = detail;
  }

  setResult(result: CompareResult): void {
    this.result = result;
  }

  /** Draws the comparison; false while the result for this request has not arrived. */
  render(request: CompareRequest | undefined): boolean {
    this.request = request;
    const d = this.detail;
    this.heading.textContent = d ? `Compare · ${d.series.name}` : 'Compare';
    if (d) this.fillPickers(d, request);
    const r = this.result;
    if (!r || !request || r.request.seriesId !== request.seriesId || sideValue(r.request.a) !== sideValue(request.a) || sideValue(r.request.b) !== sideValue(request.b)) {
      this.verdict.className = 'verdict';
      this.verdict.textContent = 'Comparing…';
      select(this.plot).selectAll('svg').remove();
      return false;
    }
    const ci = `95% CI ${formatChange(r.ratioCi[0])} to ${formatChange(r.ratioCi[1])}`;
    this.verdict.className = `verdict ${r.verdict}`;
    this.verdict.innerHTML =
      `<strong>${escapeHtml(VERDICT_TEXT[r.verdict])}</strong> · median B/A ${escapeHtml(formatChange(r.ratio))} (${escapeHtml(ci)}, ${escapeHtml(formatPValue(r.pValue))})` +
      `<div class="sub">${escapeHtml(r.message)} · A = ${escapeHtml(r.labelA)} (${r.samplesA.length} samples), B = ${escapeHtml(r.labelB)} (${r.samplesB.length} samples)</div>`;
    this.drawPlot();
    return true;
  }

  private fillPickers(d: SeriesDetail, request: CompareRequest | undefined): void {
    const options: string[] = [];
    const branches = [...new Set(d.runs.map((r) => r.branch).filter((b): b is string => !!b))];
    for (const b of branches) options.push(`<option value="branch:${escapeHtml(b)}">branch ${escapeHtml(b)} (latest runs)</option>`);
    const runs = d.runs.map((r, i) => ({ r, i }));
    const wanted = new Set([request?.a.ref, request?.b.ref]);
    const recent = runs.filter(({ r, i }) => i >= d.runs.length - PICKER_RUNS || wanted.has(r.id) || d.changePoints.some((c) => c.index === i || c.index - 1 === i));
    for (const { r, i } of recent.reverse()) {
      options.push(`<option value="run:${escapeHtml(r.id)}">run #${i} · ${escapeHtml(r.commit?.slice(0, 7) ?? '')} · ${escapeHtml(formatDate(r.timestamp))} · ${escapeHtml(formatValue(r.value, d.series.unit))}</option>`);
    }
    const html = options.join('');
    if (this.pickA.dataset.series !== d.series.id || this.pickA.options.length !== options.length) {
      this.pickA.innerHTML = html;
      this.pickB.innerHTML = html;
      this.pickA.dataset.series = d.series.id;
    }
    if (request) {
      this.pickA.value = sideValue(request.a);
      this.pickB.value = sideValue(request.b);
    }
  }

  private drawPlot(): void {
    const r = this.result;
    const root = select(this.plot);
    root.selectAll('svg').remove();
    if (!r || this.element.hidden) return;
    const width = this.plot.clientWidth;
    const height = Math.max(180, this.plot.clientHeight);
    if (width < 50) return;
    const margin = { top: 20, right: 30, bottom: 30, left: 110 };
    const all = [...r.samplesA, ...r.samplesB];
    let lo = Math.min(...all);
    let hi = Math.max(...all);
    if (!(hi > lo)) [lo, hi] = [lo * 0.9 || -1, hi * 1.1 || 1];
    const x = scaleLinear().domain([lo, hi]).nice().range([margin.left, width - margin.right]);
    const band = (height - margin.top - margin.bottom) / 2;
    const svg = root
      .append('svg')
      .attr('width', width)
      .attr('height', height)
      .attr('role', 'img')
      .attr('aria-label', `Distributions: A ${r.labelA} median ${formatValue(median(r.samplesA), r.unit)}, B ${r.labelB} median ${formatValue(median(r.samplesB), r.unit)}. ${VERDICT_TEXT[r.verdict]}.`);
    svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${height - margin.bottom})`).call(axisBottom(x).ticks(Math.max(2, Math.floor(width / 100))).tickFormat((v) => formatValue(+v, r.unit)));
    const sides: [string, string, number[]][] = [['dist-a', `A  ${r.labelA}`, r.samplesA], ['dist-b', `B  ${r.labelB}`, r.samplesB]];
    sides.forEach(([cls, label, samples], k) => {
      const cy = margin.top + band * (k + 0.5);
      const g = svg.append('g').attr('class', cls);
      g.append('text').attr('class', 'dist-label').attr('x', 8).attr('y', cy + 4).text(label);
      const sorted = [...samples].sort((a, b) => a - b);
      if (sorted.length === 0) return;
      const q1 = quantileSorted(sorted, 0.25)!;
      const q2 = quantileSorted(sorted, 0.5)!;
      const q3 = quantileSorted(sorted, 0.75)!;
      const boxH = Math.min(36, band * 0.45);
      g.append('line').attr('class', 'dist-whisker').attr('x1', x(sorted[0])).attr('x2', x(sorted[sorted.length - 1])).attr('y1', cy).attr('y2', cy);
      g.append('rect').attr('class', 'dist-box').attr('x', x(q1)).attr('width', Math.max(1, x(q3) - x(q1))).attr('y', cy - boxH / 2).attr('height', boxH);
      g.append('line').attr('class', 'dist-median').attr('x1', x(q2)).attr('x2', x(q2)).attr('y1', cy - boxH / 2).attr('y2', cy + boxH / 2);
      // Deterministic jitter (golden-ratio sequence) so the plot does not move between renders.
      g.selectAll('circle')
        .data(samples)
        .join('circle')
        .attr('class', 'dist-dot')
        .attr('r', 3)
        .attr('cx', (v) => x(v))
        .attr('cy', (_, i) => cy + ((((i * 0.618034) % 1) - 0.5) * band * 0.7));
    });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return quantileSorted(sorted, 0.5) ?? NaN;
}
