import type { RunPoint, SeriesDetail, TrendsViewState } from '../../src/protocol/trends';
import { TrendChart } from './chart';
import { exportFileName, seriesToCsv } from './csv';
import { escapeHtml, h } from './dom';
import { exportPng, exportText } from './exporter';
import { budgetFact, formatChange, formatDate, formatPValue, formatValue, isWorse } from './format';
import { STATUS_LABEL } from './overview-model';
import { ProfileView } from './profile-view';

export interface DetailCallbacks {
  back(): void;
  change(partial: Partial<TrendsViewState>): void;
  openCommit(run: RunPoint): void;
  copy(text: string): void;
  compare(): void;
  error(message: string): void;
  /** The user opened the Profile section: ask the host for the series' profiles. */
  profile(): void;
}

/** Rows of the screen-reader table; a 10,000-row table would help nobody. */
const ACCESSIBLE_ROWS = 200;

function segmented(label: string, options: { value: string; text: string }[], onPick: (value: string) => void): HTMLElement {
  const group = h('div', { class: 'segmented', role: 'group', 'aria-label': label });
  for (const option of options) {
    const button = h('button', { type: 'button', 'data-value': option.value, 'aria-pressed': 'false' }, option.text);
    button.addEventListener('click', () => onPick(option.value));
    group.append(button);
  }
  return group;
}

function press(group: HTMLElement, value: string): void {
  for (const b of group.querySelectorAll<HTMLButtonElement>('button')) b.setAttribute('aria-pressed', String(b.dataset.value === value));
}

/** One series: facts, controls, the chart, its legend and a screen-reader table. */
export class DetailView {
  readonly element: HTMLElement;
  readonly chart: TrendChart;
  readonly profile = new ProfileView();
  private readonly profileButton = h('button', { type: 'button', 'aria-pressed': 'false', 'aria-label': 'Show the profile of this benchmark' }, 'Profile');
  private readonly chartParts: HTMLElement[];
  private readonly title = h('h2', {});
  private readonly subtitle = h('span', { class: 'sub' });
  private readonly badge = h('span', { class: 'badge' });
  private readonly facts = h('div', { class: 'facts', role: 'group', 'aria-label': 'Key facts' });
  private readonly tabs: HTMLElement;
  private readonly xToggle: HTMLElement;
  private readonly yToggle: HTMLElement;
  private readonly legend = h('div', { class: 'legend', 'aria-hidden': 'true' });
  private readonly table = h('table', { class: 'visually-hidden' });
  private detail: SeriesDetail | undefined;
  /** The data the screen-reader table is (or is about to be) filled from. */
  private tableFor: SeriesDetail | undefined;
  private state!: TrendsViewState;

  constructor(private readonly callbacks: DetailCallbacks) {
    this.chart = new TrendChart({
      zoomed: (domain) => callbacks.change({ zoom: domain }),
      openCommit: (run) => callbacks.openCommit(run),
      copy: (text) => callbacks.copy(text),
    });
    const back = h('button', { type: 'button', class: 'back', 'aria-label': 'Back to all series' }, '← All series');
    back.addEventListener('click', () => callbacks.back());
    const header = h('div', { class: 'toolbar' }, back, h('div', { class: 'title' }, this.title, this.subtitle), this.badge);

    this.tabs = h('div', { class: 'segmented', role: 'tablist', 'aria-label': 'Chart' });
    for (const [value, text] of [['runs', 'Runs'], ['percentiles', 'Percentiles']] as const) {
      const tab = h('button', { type: 'button', role: 'tab', 'data-value': value, 'aria-selected': 'false' }, text);
      tab.addEventListener('click', () => callbacks.change({ detailTab: value }));
      this.tabs.append(tab);
    }
    this.xToggle = segmented('X axis', [{ value: 'run', text: 'By run' }, { value: 'time', text: 'By time' }], (v) =>
      callbacks.change({ xMode: v as 'run' | 'time', zoom: undefined }),
    );
    this.yToggle = segmented('Y scale', [{ value: 'linear', text: 'Linear' }, { value: 'log', text: 'Log' }], (v) => callbacks.change({ yScale: v as 'linear' | 'log' }));
    const button = (text: string, label: string, action: () => void) => {
      const b = h('button', { type: 'button', 'aria-label': label }, text);
      b.addEventListener('click', action);
      return b;
    };
    const controls = h(
      'div',
      { class: 'controls', role: 'toolbar', 'aria-label': 'Chart controls' },
      this.tabs,
      this.xToggle,
      this.yToggle,
      button('Reset zoom', 'Reset zoom', () => this.chart.resetZoom()),
      button('Compare…', 'Compare two runs, commits or branches', () => callbacks.compare()),
      this.profileButton,
      h('span', { class: 'spacer' }),
      button('SVG', 'Export chart as SVG', () => this.exportSvg()),
      button('PNG', 'Export chart as PNG', () => void this.exportPng()),
      button('CSV', 'Export series as CSV', () => this.exportCsv()),
    );
    const hint = h('p', { class: 'hint', id: 'pp-chart-hint' }, 'Drag to zoom · wheel to zoom · Shift+drag to pan · double-click to reset · keyboard: ←/→ runs, Shift+←/→ pan, +/− zoom, 0 reset, Enter opens the commit, C copies it');
    this.chart.element.setAttribute('aria-describedby', 'pp-chart-hint');
    this.chart.element.setAttribute('aria-label', 'Series chart');
    this.profileButton.addEventListener('click', () => {
      const open = this.profile.element.hidden;
      this.showProfile(open);
      if (open) callbacks.profile();
    });
    this.chartParts = [this.chart.element, this.legend, hint];
    this.element = h('section', { class: 'screen detail', 'aria-label': 'Series detail', hidden: true }, header, this.facts, controls, this.chart.element, this.legend, hint, this.profile.element, this.table);
  }

  /** Shows the profile section in place of the chart (or the chart again). */
  showProfile(open: boolean): void {
    this.profile.element.hidden = !open;
    for (const part of this.chartParts) part.hidden = open;
    this.profileButton.setAttribute('aria-pressed', String(open));
  }

  get profileOpen(): boolean {
    return !this.profile.element.hidden;
  }

  get seriesId(): string | undefined {
    return this.detail?.series.id;
  }

  setData(detail: SeriesDetail | undefined): void {
    this.detail = detail;
  }

  render(state: TrendsViewState): void {
    this.state = state;
    const d = this.detail;
    if (!d || d.series.id !== state.seriesId) {
      this.title.textContent = 'Loading…';
      return;
    }
    const s = d.series;
    this.title.textContent = s.name;
    this.subtitle.textContent = [s.group, s.metric, s.source, s.machineId].filter(Boolean).join(' · ');
    this.badge.className = `badge status-${s.status}`;
    this.badge.textContent = STATUS_LABEL[s.status];
    const hasPercentiles = d.runs.some((r) => r.percentiles);
    const tab = hasPercentiles ? state.detailTab : 'runs';
    for (const t of this.tabs.querySelectorAll<HTMLButtonElement>('button')) {
      t.setAttribute('aria-selected', String(t.dataset.value === tab));
      if (t.dataset.value === 'percentiles') {
        t.disabled = !hasPercentiles;
        t.title = hasPercentiles ? '' : 'Percentiles need runs that kept their raw samples';
      }
    }
    press(this.xToggle, state.xMode);
    press(this.yToggle, state.yScale);
    this.renderFacts(d);
    this.renderLegend(d, tab);
    this.chart.setData(d, { xMode: state.xMode, yScale: state.yScale, tab, zoom: state.zoom });
    this.chart.element.setAttribute('aria-label', this.chart.summary());
    this.scheduleTable(d);
  }

  /**
   * The screen-reader table is filled after the chart's first paint: laying out its 1,000
   * cells took ~20 ms of that paint, and nobody sees it. Only the latest data is rendered.
   */
  private scheduleTable(d: SeriesDetail): void {
    if (this.tableFor === d) return;
    this.tableFor = d;
    requestAnimationFrame(() =>
      setTimeout(() => {
        if (this.tableFor === d && this.detail === d) this.renderTable(d);
      }, 0),
    );
  }

  private renderFacts(d: SeriesDetail): void {
    const unit = d.series.unit;
    const fact = (label: string, value: string, extraClass = '') =>
      `<div class="fact"><span class="label">${escapeHtml(label)}</span><span class="value ${extraClass}">${value}</span></div>`;
    const ratio = d.series.changeRatio;
    const parts = [
      fact('Latest', escapeHtml(formatValue(d.series.latest, unit))),
      fact('vs baseline', `<span class="change ${ratio !== undefined && Math.abs(ratio - 1) > 0.005 ? (isWorse(ratio, d.series.direction) ? 'worse' : 'better') : ''}">${formatChange(ratio)}</span>`),
      fact('Runs', String(d.runs.length)),
    ];
    if (d.baseline) parts.push(fact('Baseline median', escapeHtml(formatValue(d.baseline.median, unit))));
    const last = d.changePoints[d.changePoints.length - 1];
    if (last) {
      const run = d.runs[last.index];
      parts.push(fact('Last change', escapeHtml(`${formatChange(last.ratio)} ${last.kind} at ${run?.commit?.slice(0, 7) ?? `run ${last.index}`} ${formatPValue(last.pValue)}`), 'small'));
    }
    if (d.budget) {
      parts.push(fact('Budget', escapeHtml(budgetFact(d.budget, unit, d.series.direction)), 'small'));
    }
    if (d.forecast?.note) parts.push(fact('Forecast', escapeHtml(d.forecast.note), 'small'));
    this.facts.innerHTML = parts.join('');
  }

  private renderLegend(d: SeriesDetail, tab: 'runs' | 'percentiles'): void {
    const item = (swatch: string, text: string) => `<span><span class="swatch ${swatch}"></span>${escapeHtml(text)}</span>`;
    const items =
      tab === 'percentiles'
        ? [item('s-p50', 'p50'), item('s-p90', 'p90'), item('s-p95', 'p95'), item('s-p99', 'p99')]
        : [item('s-line', 'median per run'), item('s-spread', 'spread of samples')];
    if (d.baseline) items.push(item('s-baseline', 'baseline'));
    if (d.budget) items.push(item('s-budget', 'budget'));
    if (d.forecast && tab === 'runs') items.push(item('s-forecast', 'forecast'));
    if (d.changePoints.some((c) => c.kind === 'regression')) items.push(item('s-regress', 'regression'));
    if (d.changePoints.some((c) => c.kind === 'improvement')) items.push(item('s-improve', 'improvement'));
    this.legend.innerHTML = items.join('');
  }

  /** A table of the change points and the latest runs, for screen readers. */
  private renderTable(d: SeriesDetail): void {
    const unit = d.series.unit;
    const changes = new Map(d.changePoints.map((c) => [c.index, c]));
    const from = Math.max(0, d.runs.length - ACCESSIBLE_ROWS);
    const rows = d.runs.slice(from).map((r, k) => {
      const i = from + k;
      const c = changes.get(i);
      return `<tr><td>${i}</td><td>${escapeHtml(formatDate(r.timestamp))}</td><td>${escapeHtml(r.commit?.slice(0, 10) ?? '')}</td><td>${escapeHtml(formatValue(r.value, unit))}</td><td>${c ? escapeHtml(`${c.kind} ${formatChange(c.ratio)}`) : ''}</td></tr>`;
    });
    this.table.innerHTML =
      `<caption>${escapeHtml(d.series.name)}: the latest ${d.runs.length - from} of ${d.runs.length} runs</caption>` +
      `<thead><tr><th>Run</th><th>Date</th><th>Commit</th><th>Value</th><th>Change</th></tr></thead><tbody>${rows.join('')}</tbody>`;
  }

  private title_(): string {
    return this.detail ? `${this.detail.series.name} (${this.detail.series.metric})` : 'chart';
  }

  exportSvg(): void {
    if (!this.detail) return;
    const { svg } = this.chart.toSvg(this.title_());
    exportText('svg', exportFileName(this.detail.series.name, 'svg'), svg);
  }

  async exportPng(): Promise<void> {
    if (!this.detail) return;
    try {
      const { svg, width, height } = this.chart.toSvg(this.title_());
      await exportPng(exportFileName(this.detail.series.name, 'png'), svg, width, height);
    } catch (error) {
      this.callbacks.error(`PNG export failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  exportCsv(): void {
    if (!this.detail) return;
    exportText('csv', exportFileName(this.detail.series.name, 'csv'), seriesToCsv(this.detail));
  }

  focus(): void {
    this.chart.element.focus();
  }
}
